// Property tests of netlink attributes (fast-check): what NetlinkWriter
// writes, AttrReader reads back with the same types, payloads and nesting;
// each header byte maps to its caller field; the writer's output does not
// depend on its initial buffer size; and no byte string makes AttrReader
// fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { fieldAt, NetlinkWriter } from '../../src/netlink/core/writer.js';
import { malformed, onlyDecodeErrors, runs, text, u16, u32, u8 } from '../support/arbitraries.js';

type Node = { kind: 'leaf'; type: number; payload: Uint8Array } | { kind: 'nest'; type: number; flag: boolean; children: Node[] };
const attrType = fc.integer({ min: 0, max: 0x3fff });
const { node: nodeArb } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.record({ kind: fc.constant('leaf' as const), type: attrType, payload: fc.uint8Array({ maxLength: 24 }) }),
    fc.record({ kind: fc.constant('nest' as const), type: attrType, flag: fc.boolean(), children: fc.array(tie('node'), { maxLength: 4 }) }),
  ),
}));

function write(w: NetlinkWriter, nodes: Node[], path: string): void {
  nodes.forEach((n, i) => {
    const field = `${path}${i}`;
    if (n.kind === 'leaf') {
      w.attrBytes(n.type, n.payload, field);
    } else {
      const t = w.beginNested(n.type, field, n.flag);
      write(w, n.children, `${field}.`);
      w.endNested(t);
    }
  });
}

/** Reads back as a tree, given which attributes were nests (the wire cannot say without NLA_F_NESTED). */
function read(r: AttrReader, shape: Node[]): Node[] {
  const out: Node[] = [];
  for (const s of shape) {
    expect(r.next()).to.equal(true);
    if (s.kind === 'leaf') out.push({ kind: 'leaf', type: r.type, payload: new Uint8Array(r.bytes()) });
    else out.push({ kind: 'nest', type: r.type, flag: r.nestedFlag, children: read(r.nested(), s.children) });
  }
  expect(r.next()).to.equal(false);
  return out;
}

const normalize = (nodes: Node[]): unknown => nodes.map((n) => (n.kind === 'leaf'
  ? { ...n, payload: Buffer.from(n.payload).toString('hex') }
  : { ...n, children: normalize(n.children) }));

describe('attribute properties', () => {
  describe('round trips', () => {
    it('attribute trees: written, then read back the same (types, payloads, nesting, NLA_F_NESTED)', () => {
      fc.assert(fc.property(fc.array(nodeArb, { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (nodes, initial) => {
        const w = new NetlinkWriter(initial);
        write(w, nodes, '');
        expect(w.pos % 4).to.equal(0);
        expect(normalize(read(AttrReader.of(w.bytes()), nodes))).to.deep.equal(normalize(nodes));
      }), runs(300));
    });

    it('attribute trees: every byte of an attribute header maps to that attribute\'s field', () => {
      fc.assert(fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 6 }), (nodes) => {
        const w = new NetlinkWriter();
        write(w, nodes, '');
        // Walk the bytes: each attribute header is inside its own field and no narrower one.
        const walk = (r: AttrReader, shape: Node[], path: string): void => {
          shape.forEach((s, i) => {
            r.next();
            const field = `${path}${i}`;
            for (let b = r.off - 4; b < r.off; b++) expect(fieldAt(w.marks, b)).to.equal(field);
            if (s.kind === 'nest') walk(r.nested(), s.children, `${field}.`);
          });
        };
        walk(AttrReader.of(w.bytes()), nodes, '');
      }), runs(300));
    });

    it('the writer\'s output does not depend on its initial buffer size (growing loses nothing)', () => {
      type Op = (w: NetlinkWriter) => void;
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.tuple(attrType, u8).map(([t, v]): Op => (w) => w.attrU8(t, v)),
        fc.tuple(attrType, u16).map(([t, v]): Op => (w) => w.attrU16(t, v)),
        fc.tuple(attrType, u16).map(([t, v]): Op => (w) => w.attrU16be(t, v)),
        fc.tuple(attrType, u32).map(([t, v]): Op => (w) => w.attrU32(t, v)),
        fc.tuple(attrType, u32).map(([t, v]): Op => (w) => w.attrU32be(t, v)),
        fc.tuple(attrType, fc.integer({ min: -0x80000000, max: 0x7fffffff })).map(([t, v]): Op => (w) => w.attrS32(t, v)),
        fc.tuple(attrType, fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })).map(([t, v]): Op => (w) => w.attrU64(t, v)),
        fc.tuple(attrType, text(20)).map(([t, v]): Op => (w) => w.attrString(t, v)),
        fc.tuple(attrType, fc.uint8Array({ maxLength: 30 })).map(([t, v]): Op => (w) => w.attrBytes(t, v)),
        attrType.map((t): Op => (w) => w.attrFlag(t)),
        u8.map((v): Op => (w) => w.u8(v)),
        u16.map((v): Op => (w) => w.u16(v)),
        u32.map((v): Op => (w) => w.u32(v)),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v): Op => (w) => w.s32(v)),
        fc.uint8Array({ maxLength: 20 }).map((v): Op => (w) => w.raw(v)),
      );
      const nest = fc.tuple(attrType, fc.array(op, { maxLength: 4 })).map(([t, ops]): Op => (w) => {
        const n = w.beginNested(t);
        for (const o of ops) o(w);
        w.endNested(n);
      });
      fc.assert(fc.property(fc.array(fc.oneof(op, nest), { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (ops, initial) => {
        const small = new NetlinkWriter(initial);
        const big = new NetlinkWriter(4096);
        for (const w of [small, big]) {
          w.beginMessage(16, 0);
          for (const o of ops) o(w);
          w.endMessage();
        }
        expect(small.bytes().toString('hex')).to.equal(big.bytes().toString('hex'));
      }), runs(500));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformed();

    function walk(r: AttrReader, depth: number): void {
      while (r.next()) {
        r.string(); r.bytes(); r.raw();
        if (r.len >= 1) r.u8();
        if (r.len >= 4) r.u32();
        if (r.len >= 8) r.u64();
        if (depth < 4) onlyDecodeErrors(() => walk(r.nested(), depth + 1));
      }
    }

    it('AttrReader walking every attribute as scalar, string and nest', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => walk(AttrReader.of(b), 0))), runs(2000));
    });
  });
});
