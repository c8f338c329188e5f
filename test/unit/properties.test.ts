// Property tests of the codec (fast-check): what netnest encodes it decodes
// back unchanged, and no byte string — random, truncated or a mutated real
// capture — makes a decoder fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { DecodeError, NetnestError, ValidationError } from '../../src/netlink/core/errors.js';
import { decodeDone, decodeError, encodeHeader, MessageReader } from '../../src/netlink/core/message.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { fieldAt, NetlinkWriter } from '../../src/netlink/core/writer.js';
import {
  ADDRESS_FLAGS, checkAddress, decodeAddress, encodeAddress, type Address, type AddressFlag, type AddressSpec,
} from '../../src/netlink/rtnl/address/codec.js';
import { RTM_NEWADDR, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { formatAddress, parseAddress } from '../../src/netlink/rtnl/inet.js';
import { checkLinkAdd, decodeLink, encodeLink, type Link, type LinkAddSpec } from '../../src/netlink/rtnl/link/codec.js';
import { goldenNames, loadGolden } from '../support/golden.js';
import { ack, openFake, tick } from '../support/fake-socket.js';

const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: n });

/** Runs fn; only DecodeError may escape. */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

// ------------------------------------------------------------------ arbitraries

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const index = fc.integer({ min: 1, max: 0x7fffffff });
const linkName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'), minLength: 1, maxLength: 15 })
  .filter((s) => s !== '.' && s !== '..');
const text = (max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz ABC-_:.0123456789é'), minLength: 1, maxLength: max });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:'));
// Addresses with runs of zeros, so "::" and the dotted IPv4 tails are exercised.
const v4bytes = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Buffer.from(b));
const v6bytes = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), u16), { minLength: 8, maxLength: 8 }).map((ws) => {
  const b = Buffer.alloc(16);
  ws.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
});
const ipText = fc.oneof(v4bytes, v6bytes).map((b) => formatAddress(b));

// ------------------------------------------------------------------ attributes

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

describe('codec properties', () => {
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

    it('message headers and multi-message datagrams', () => {
      const msg = fc.record({ type: u16, flags: u16, seq: u32, pid: u32, payload: fc.uint8Array({ maxLength: 40 }) });
      fc.assert(fc.property(fc.array(msg, { minLength: 1, maxLength: 5 }), (msgs) => {
        const parts: Buffer[] = [];
        for (const m of msgs) {
          parts.push(encodeHeader(m, m.payload.length), Buffer.from(m.payload));
          const pad = (4 - (m.payload.length % 4)) % 4;
          parts.push(Buffer.alloc(pad));
        }
        const r = new MessageReader(Buffer.concat(parts));
        const got = [];
        while (r.next()) got.push({ ...r.header(), payload: new Uint8Array(r.payload()) });
        expect(got).to.deep.equal(msgs.map((m) => ({ len: 16 + m.payload.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, payload: m.payload })));
      }), runs(500));
    });

    it('IP addresses: formatted as ip prints them, parsed back to the same bytes, in any spelling', () => {
      const spellings = (b: Buffer): string[] => {
        if (b.length === 4) return [formatAddress(b)];
        const words = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
        return [formatAddress(b), words.join(':'), words.map((x) => x.padStart(4, '0')).join(':'), formatAddress(b).toUpperCase()];
      };
      fc.assert(fc.property(fc.oneof(v4bytes, v6bytes), u8, (b, len) => {
        for (const s of spellings(b)) {
          expect(parseAddress(s, 'local').bytes.toString('hex'), s).to.equal(b.toString('hex'));
          const max = b.length === 4 ? 32 : 128;
          if (len <= max) expect(parseAddress(`${s}/${len}`, 'local').prefixlen).to.equal(len);
          else expect(() => parseAddress(`${s}/${len}`, 'local')).to.throw(ValidationError);
        }
      }), runs(1000));
    });

    it('IP addresses: any string is either rejected with ValidationError or parsed as ip-address reads it', () => {
      const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.%/x ');
      // Near misses: a valid address with one character inserted, deleted or replaced.
      const edited = fc.tuple(ipText, fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), chars).map(([t, at, how, c]) => {
        const i = at % (t.length + 1);
        if (how === 'insert') return t.slice(0, i) + c + t.slice(i);
        if (how === 'delete') return t.slice(0, i) + t.slice(i + 1);
        return t.slice(0, i) + c + t.slice(i + 1);
      });
      fc.assert(fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 45 }), edited), (s) => {
        let bytes: Buffer | undefined;
        try {
          bytes = parseAddress(s, 'local', { prefix: 'forbidden' }).bytes;
        } catch (e) {
          expect(e).to.be.instanceOf(ValidationError);
        }
        const reference = s.includes(':')
          ? (Address6.isValid(s) && !s.includes('%') && !s.includes('/') ? Buffer.from(new Address6(s).toUnsignedByteArray()).toString('hex').padStart(32, '0') : undefined)
          : (Address4.isValid(s) && /^\d+\.\d+\.\d+\.\d+$/.test(s) ? Buffer.from(new Address4(s).toArray()).toString('hex') : undefined);
        expect(bytes?.toString('hex'), JSON.stringify(s)).to.equal(reference);
      }), runs(2000));
    });

    // ------------------------------------------------------------- links

    const kindSpec = fc.oneof(
      fc.record({
        kind: fc.constant('bridge' as const),
        bridge: fc.record({
          forward_delay: u32, hello_time: u32, max_age: u32, ageing_time: u32, stp_state: fc.integer({ min: 0, max: 1 }),
          priority: u16, vlan_filtering: fc.boolean(), mcast_snooping: fc.boolean(),
        }, { requiredKeys: [] }),
      }),
      fc.record({
        kind: fc.constant('vxlan' as const),
        vxlan: fc.record({
          id: fc.integer({ min: 0, max: 0xffffff }), group: ipText, local: ipText, ttl: u8, tos: u8, learning: fc.boolean(),
          ageing: u32, dstport: u16, srcport: fc.tuple(u16, u16),
        }, { requiredKeys: ['id'] }),
        lower: fc.option(index, { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('macvlan' as const),
        macvlan: fc.record({ mode: fc.constantFrom('private', 'vepa', 'bridge', 'passthru', 'source') as fc.Arbitrary<'bridge'>, flags: u16 }, { requiredKeys: [] }),
        lower: index,
      }),
      fc.record({ kind: fc.constant('vlan' as const), vlan: fc.record({ id: fc.integer({ min: 0, max: 4094 }), protocol: fc.constantFrom('802.1Q', '802.1ad') as fc.Arbitrary<'802.1Q'> }, { requiredKeys: ['id'] }), lower: index }),
      fc.record({ kind: fc.constant('vrf' as const), vrf: fc.record({ table: u32 }) }),
      fc.record({ kind: fc.constant('bond' as const), bond: fc.record({ mode: fc.constantFrom('balance-rr', 'active-backup', '802.3ad') as fc.Arbitrary<'802.3ad'> }, { requiredKeys: [] }) }),
      fc.record({ kind: fc.constantFrom('ifb' as const, 'dummy' as const) }),
      fc.record({ kind: fc.constant('veth' as const), peer: fc.record({ name: linkName, mtu: u32 }, { requiredKeys: ['name'] }) }),
    );
    const common = fc.record({
      name: linkName, mtu: u32, address: mac, txqueuelen: u32, alias: text(255).filter((s) => Buffer.byteLength(s) <= 255),
      group: u32, up: fc.boolean(), master: index,
    }, { requiredKeys: ['name'] });

    it('links: an `ip link add` request decodes back to the link that was asked for', () => {
      fc.assert(fc.property(common, kindSpec, (c, k) => {
        const { master, ...attrs } = c;
        const { lower, ...kind } = k as typeof k & { lower?: number };
        const spec = { ...attrs, ...kind, ...(master !== undefined && { master }), ...(lower !== undefined && { link: lower }) } as LinkAddSpec;
        const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(spec));
        const l = decodeLink(req.bytes);
        const expected: Partial<Link> = { name: c.name, kind: k.kind, up: c.up === true };
        if (c.mtu !== undefined) expected.mtu = c.mtu;
        if (c.address !== undefined) expected.address = c.address;
        if (c.txqueuelen !== undefined) expected.txqueuelen = c.txqueuelen;
        if (c.alias !== undefined) expected.alias = c.alias;
        if (c.group !== undefined) expected.group = c.group;
        if (master !== undefined) expected.master = master;
        if (lower !== undefined && k.kind !== 'vxlan') expected.link = lower;
        expect(l).to.deep.include(expected);
        if (k.kind !== 'vxlan' && lower === undefined) expect(l.link).to.equal(undefined);
        const data = (kind as Record<string, unknown>)[k.kind];
        if (k.kind === 'veth' || k.kind === 'ifb' || k.kind === 'dummy') {
          expect(l.info).to.equal(undefined);
        } else if (k.kind === 'vxlan') {
          expect(l.info).to.deep.equal({ ...(data as object), ...(lower !== undefined && { link: lower }) });
        } else {
          expect(l.info).to.deep.equal(data);
        }
      }), runs(500));
    });

    // The kernel's side: RTM_NEWLINK built as the kernel builds it, from a random link.
    const flagNames = ['UP', 'BROADCAST', 'DEBUG', 'LOOPBACK', 'POINTOPOINT', 'NOTRAILERS', 'RUNNING', 'NOARP', 'PROMISC',
      'ALLMULTI', 'MASTER', 'SLAVE', 'MULTICAST', 'PORTSEL', 'AUTOMEDIA', 'DYNAMIC', 'LOWER_UP', 'DORMANT', 'ECHO'];
    const arphrd: Record<number, string> = { 1: 'ether', 65534: 'none', 772: 'loopback', 768: 'ipip', 776: 'sit', 778: 'gre', 823: 'ip6gre', 65535: 'void' };
    const operStates = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
    const kernelLink = fc.record({
      index, type: fc.oneof(fc.constantFrom(1, 772, 65534, 768), u16), flags: fc.integer({ min: 0, max: (1 << 19) - 1 }), name: linkName,
      mtu: fc.option(u32), min_mtu: fc.option(u32), max_mtu: fc.option(u32), txqueuelen: fc.option(u32),
      operstate: fc.option(u8), address: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 })), broadcast: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 })),
      master: fc.option(u32), link: fc.option(u32), link_netnsid: fc.option(fc.integer({ min: -1, max: 0x7fffffff })), alias: fc.option(text(64)),
      qdisc: fc.option(linkName), promiscuity: fc.option(u32), carrier: fc.option(fc.boolean()), num_tx_queues: fc.option(u32),
      altnames: fc.option(fc.array(linkName, { minLength: 1, maxLength: 3 })),
      bridge: fc.option(fc.record({ forward_delay: u32, priority: u16, vlan_filtering: fc.boolean() })),
      unknown: fc.array(fc.record({ type: fc.integer({ min: 0x1000, max: 0x3fff }), data: fc.uint8Array({ maxLength: 12 }) }), { maxLength: 3 }),
    });

    it('links: a kernel RTM_NEWLINK decodes into the Link with every field, unknown attributes kept', () => {
      fc.assert(fc.property(kernelLink, (k) => {
        const w = new NetlinkWriter();
        w.beginMessage(16, 2, 1);
        w.u8(0); w.u8(0); w.u16(k.type); w.s32(k.index); w.u32(k.flags); w.u32(0);
        w.attrString(3, k.name);
        const expected: Link = {
          index: k.index, name: k.name, flags: flagNames.filter((_, i) => k.flags & (1 << i)), up: (k.flags & 1) === 1,
          link_type: arphrd[k.type] ?? k.type,
        };
        const u32attr = (type: number, v: number | null, key: keyof Link): void => {
          if (v === null) return;
          w.attrU32(type, v);
          (expected as unknown as Record<string, unknown>)[key] = v;
        };
        u32attr(4, k.mtu, 'mtu'); u32attr(50, k.min_mtu, 'min_mtu'); u32attr(51, k.max_mtu, 'max_mtu');
        u32attr(13, k.txqueuelen, 'txqueuelen'); u32attr(10, k.master, 'master'); u32attr(5, k.link, 'link');
        u32attr(30, k.promiscuity, 'promiscuity'); u32attr(31, k.num_tx_queues, 'num_tx_queues');
        if (k.operstate !== null) { w.attrU8(16, k.operstate); expected.operstate = (operStates[k.operstate] ?? k.operstate) as Link['operstate']; }
        if (k.address !== null) { w.attrBytes(1, k.address); expected.address = Buffer.from(k.address).toString('hex').replace(/(..)(?!$)/g, '$1:'); }
        if (k.broadcast !== null) { w.attrBytes(2, k.broadcast); expected.broadcast = Buffer.from(k.broadcast).toString('hex').replace(/(..)(?!$)/g, '$1:'); }
        if (k.link_netnsid !== null) { w.attrS32(37, k.link_netnsid); expected.link_netnsid = k.link_netnsid; }
        if (k.alias !== null) { w.attrString(20, k.alias); expected.alias = k.alias; }
        if (k.qdisc !== null) { w.attrString(6, k.qdisc); expected.qdisc = k.qdisc; }
        if (k.carrier !== null) { w.attrU8(33, k.carrier ? 1 : 0); expected.carrier = k.carrier; }
        if (k.altnames !== null) {
          const p = w.beginNested(52, undefined, true);
          for (const a of k.altnames) w.attrString(53, a);
          w.endNested(p);
          expected.altnames = k.altnames;
        }
        if (k.bridge !== null) {
          const li = w.beginNested(18);
          w.attrString(1, 'bridge');
          const d = w.beginNested(2);
          w.attrU32(1, k.bridge.forward_delay); w.attrU16(6, k.bridge.priority); w.attrU8(7, k.bridge.vlan_filtering ? 1 : 0);
          w.endNested(d);
          w.endNested(li);
          expected.kind = 'bridge';
          expected.info = { ...k.bridge };
        }
        for (const u of k.unknown) w.attrBytes(u.type, u.data);
        if (k.unknown.length) expected.unknown = k.unknown.map((u) => ({ type: u.type, data: Buffer.from(u.data) }));
        w.endMessage();
        expect(decodeLink(w.toBuffer())).to.deep.equal(expected);
      }), runs(500));
    });

    // ---------------------------------------------------------- addresses

    const settable: AddressFlag[] = ['nodad', 'optimistic', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin'];
    const flagOrder = Object.keys(ADDRESS_FLAGS) as AddressFlag[];
    const lifetimes = fc.oneof(
      fc.constant({}),
      fc.tuple(u32, u32).map(([a, b]) => ({ valid_lft: Math.max(a, b), preferred_lft: Math.min(a, b) })),
      u32.map((v) => ({ valid_lft: v })),
      u32.map((p) => ({ preferred_lft: p })),
      fc.constant({ valid_lft: 'forever' as const, preferred_lft: 'forever' as const }),
    );
    const addressCase = fc.record({
      family: fc.constantFrom(4, 6), local4: v4bytes, local6: v6bytes, peer4: v4bytes, peer6: v6bytes, withPeer: fc.boolean(),
      prefixlen: fc.integer({ min: 0, max: 128 }), index, flags: fc.subarray(settable), scope: fc.oneof(u8, fc.constantFrom('global', 'site', 'link', 'host', 'nowhere')),
      label: fc.option(linkName), broadcast: fc.option(fc.oneof(fc.constant('+'), v4bytes.map((b) => formatAddress(b)))),
      anycast4: v4bytes, anycast6: v6bytes, withAnycast: fc.boolean(), lft: lifetimes, metric: fc.option(u32), proto: fc.option(u8),
    });

    it('addresses: an `ip addr add` request decodes back to the address that was asked for', () => {
      fc.assert(fc.property(addressCase, (a) => {
        const v4 = a.family === 4;
        const len = v4 ? a.prefixlen % 33 : a.prefixlen;
        const local = v4 ? a.local4 : a.local6;
        const peer = v4 ? a.peer4 : a.peer6;
        const spec: AddressSpec = { dev: a.index, local: formatAddress(local), flags: a.flags, scope: a.scope, ...a.lft };
        if (a.withPeer) spec.peer = `${formatAddress(peer)}/${len}`;
        else spec.local += `/${len}`;
        if (v4 && a.label !== null) spec.label = a.label;
        if (v4 && a.broadcast !== null) spec.broadcast = a.broadcast;
        if (a.withAnycast) spec.anycast = formatAddress(v4 ? a.anycast4 : a.anycast6);
        if (a.metric !== null) spec.metric = a.metric;
        if (a.proto !== null) spec.proto = a.proto;

        const scopes: Record<string, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
        const scopeNum = typeof a.scope === 'number' ? a.scope : { global: 0, site: 200, link: 253, host: 254, nowhere: 255 }[a.scope];
        const expected: Address = {
          family: a.family as 4 | 6, index: a.index, prefixlen: len, scope: (scopes[scopeNum] ?? scopeNum) as Address['scope'],
          flags: flagOrder.filter((f) => a.flags.includes(f)), local: formatAddress(local),
        };
        if (a.withPeer && !peer.equals(local)) expected.peer = formatAddress(peer);
        if (spec.broadcast === '+') {
          const b = Buffer.from(local);
          const host = len === 32 ? 0 : 0xffffffff >>> len;
          b.writeUInt32BE((b.readUInt32BE(0) | host) >>> 0);
          expected.broadcast = formatAddress(b);
        } else if (spec.broadcast !== undefined) {
          expected.broadcast = spec.broadcast;
        }
        if (spec.anycast !== undefined) expected.anycast = spec.anycast;
        if (spec.label !== undefined) expected.label = spec.label;
        if (spec.valid_lft !== undefined || spec.preferred_lft !== undefined) {
          const valid = spec.valid_lft === undefined || spec.valid_lft === 'forever' ? 0xffffffff : spec.valid_lft;
          expected.valid_lft = valid;
          expected.preferred_lft = spec.preferred_lft === undefined ? valid : spec.preferred_lft === 'forever' ? 0xffffffff : spec.preferred_lft;
        }
        if (spec.metric !== undefined) expected.metric = spec.metric;
        if (spec.proto !== undefined) expected.proto = spec.proto;

        expect(decodeAddress(encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, checkAddress(spec), () => a.index).bytes)).to.deep.equal(expected);
      }), runs(1000));
    });
  });

  // -------------------------------------------------------------- robustness

  describe('malformed input raises DecodeError, never anything else', () => {
    // Real captures to mutate: every message the kernel sent and every request ip sent.
    const corpus: Buffer[] = goldenNames().flatMap((n) => {
      const g = loadGolden(n);
      return [...g.received, ...g.sent];
    });
    const sample = fc.constantFrom(...corpus);
    const mutation = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), u8), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
    });
    function mutate(base: Buffer, m: { flips: [number, number][]; cut: number | null }): Buffer {
      const b = Buffer.from(base);
      for (const [at, v] of m.flips) b[at % b.length] = v;
      return m.cut === null ? b : b.subarray(0, m.cut % (b.length + 1));
    }
    const mutated = fc.tuple(sample, mutation).map(([b, m]) => mutate(b, m));
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b)), mutated);

    function walk(r: AttrReader, depth: number): void {
      while (r.next()) {
        r.string(); r.bytes(); r.raw();
        if (r.len >= 1) r.u8();
        if (r.len >= 4) r.u32();
        if (r.len >= 8) r.u64();
        if (depth < 4) onlyDecodeErrors(() => walk(r.nested(), depth + 1));
      }
    }

    it('decodeLink', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeLink(b))), runs(2000));
    });

    it('decodeLink of link messages with random kind data (decodeKindData)', () => {
      const kinds = ['bridge', 'macvlan', 'macvtap', 'vxlan', 'vlan', 'vrf', 'bond', 'tun', 'veth', 'other'];
      const attrs = fc.array(fc.record({ type: fc.integer({ min: 0, max: 40 }), data: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 8 });
      fc.assert(fc.property(fc.constantFrom(...kinds), attrs, fc.option(fc.nat()), (kind, data, cut) => {
        const w = new NetlinkWriter();
        w.beginMessage(16, 0);
        w.zeros(16);
        const li = w.beginNested(18);
        w.attrString(1, kind);
        const d = w.beginNested(2);
        for (const a of data) w.attrBytes(a.type, a.data);
        w.endNested(d);
        w.endNested(li);
        w.endMessage();
        const msg = w.toBuffer();
        onlyDecodeErrors(() => decodeLink(msg));
        if (cut !== null) onlyDecodeErrors(() => decodeLink(msg.subarray(0, cut % (msg.length + 1))));
      }), runs(1500));
    });

    it('decodeAddress', () => {
      // Half of them with a valid family, so the attribute decoding is reached.
      const addr = fc.tuple(bytes, fc.boolean(), fc.boolean()).map(([b, fix, v6]) => {
        if (fix && b.length > 16) b[16] = v6 ? 10 : 2;
        return b;
      });
      fc.assert(fc.property(addr, (b) => onlyDecodeErrors(() => decodeAddress(b))), runs(2000));
    });

    it('MessageReader over a datagram', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => {
        const r = new MessageReader(b);
        while (r.next()) { r.payload(); r.message(); }
      })), runs(2000));
    });

    it('decodeError and decodeDone, with every flag combination', () => {
      fc.assert(fc.property(bytes, u16, (b, flags) => {
        onlyDecodeErrors(() => decodeError(b, 0, b.length, flags));
        onlyDecodeErrors(() => decodeDone(b, 0, b.length, flags));
        if (b.length >= 16) onlyDecodeErrors(() => decodeError(b, 16, b.length, flags));
      }), runs(2000));
    });

    it('AttrReader walking every attribute as scalar, string and nest', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => walk(AttrReader.of(b), 0))), runs(2000));
    });

    it('a socket given any datagram neither throws nor leaves the request unanswered by a crash', async () => {
      const { sock, raw } = openFake();
      await fc.assert(fc.asyncProperty(bytes, async (b) => {
        const p = sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })).then(() => undefined, (e: unknown) => e);
        await tick();
        const seq = raw.last.readUInt32LE(8);
        if (b.length >= 16) b.writeUInt32LE(seq, 8); // aim at the pending request
        expect(() => raw.deliver(b)).to.not.throw();
        // Whatever happened, the request can still be finished cleanly.
        raw.deliver(Buffer.from(ack(raw.last)));
        const outcome = await Promise.race([p, tick().then(() => 'pending' as const)]);
        expect(outcome).to.not.equal('pending');
        if (outcome !== undefined) expect(outcome).to.be.instanceOf(NetnestError);
      }), runs(300));
      sock.close();
    });
  });
});
