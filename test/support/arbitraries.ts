// fast-check building blocks shared by the codec property tests
// (test/unit/<object>-properties.test.ts): numbers of the kernel's widths,
// addresses, prefixes, protocols and tables as users write them, and the
// malformed input every decoder must turn into a DecodeError: random bytes,
// real captures (test/fixtures/golden) mutated or cut, and messages built
// from random attributes behind a plausible header.
import fc from 'fast-check';
import { DecodeError } from '../../src/netlink/core/errors.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { formatAddress } from '../../src/netlink/rtnl/inet.js';
import { protocolId } from '../../src/netlink/rtnl/names.js';
import { goldenNames, loadGolden } from './golden.js';

export const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: n });

/** Runs fn; only DecodeError may escape. */
export function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

// ------------------------------------------------------------------ numbers and names

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const index = fc.integer({ min: 1, max: 0x7fffffff });
export const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:'));
export const text = (max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz ABC-_:.0123456789é'), minLength: 1, maxLength: max });

// ------------------------------------------------------------------ addresses

export type Fam = 4 | 6;
export const bytesOf = (f: Fam): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: f === 4 ? 4 : 16, maxLength: f === 4 ? 4 : 16 }).map((b) => Buffer.from(b));
export const address = (f: Fam): fc.Arbitrary<string> => bytesOf(f).map((b) => formatAddress(b));
// Addresses with runs of zeros, so "::" and the dotted IPv4 tails are exercised.
export const v4bytes = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Buffer.from(b));
export const v6bytes = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), u16), { minLength: 8, maxLength: 8 }).map((ws) => {
  const b = Buffer.alloc(16);
  for (const [i, w] of ws.entries()) b.writeUInt16BE(w, i * 2);
  return b;
});
export const ipText = fc.oneof(v4bytes, v6bytes).map((b) => formatAddress(b));

/** A prefix with its host bits clear (the kernel refuses others): the text a user writes and what ip prints back. */
export interface Prefix { text: string; len: number; addr: string }
export const prefix = (f: Fam): fc.Arbitrary<Prefix> => fc.tuple(bytesOf(f), fc.integer({ min: 0, max: f === 4 ? 32 : 128 })).map(([b, len]) => {
  for (let bit = len; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const addr = formatAddress(b);
  return { text: len === 0 ? 'default' : `${addr}/${len}`, len, addr };
});
/** How decoders print a prefix (ip's way): 'default'/'all' for /0, a host address without its full length. */
export const printed = (p: Prefix, f: Fam, none: string): string => (p.len === 0 ? none : p.len === (f === 4 ? 32 : 128) ? p.addr : `${p.addr}/${p.len}`);

// ------------------------------------------------------------------ protocols and tables

const PROTOCOL_NAMES = ['boot', 'static', 'kernel', 'bird', 'bgp', 'zebra', 'dhcp'] as const;
export const protocol = fc.oneof(u8, fc.constantFrom(...PROTOCOL_NAMES));
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
export const tableArb = fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256, max: 0xffffffff }), fc.constantFrom('main', 'local', 'default'));
export const tableNumber = (t: number | string): number => (typeof t === 'number' ? t : TABLES[t]!);

/** Decoded objects carry the protocol as a name when iproute2 has one; compare numbers. */
export function protocolNumber<T extends { protocol?: string | number | undefined }>(o: T): T {
  return o.protocol === undefined ? o : { ...o, protocol: protocolId(o.protocol) };
}

// ------------------------------------------------------------------ malformed input

/** Every message of the golden captures whose name `filter` accepts: what the kernel sent and what ip sent. */
export function captures(filter: RegExp = /./): Buffer[] {
  return goldenNames().filter((n) => filter.test(n)).flatMap((n) => {
    const g = loadGolden(n);
    return [...g.received, ...g.sent];
  });
}

/** Real captures with a few bytes overwritten and maybe cut short. */
export function mutated(corpus: Buffer[]): fc.Arbitrary<Buffer> {
  const mutation = fc.record({ flips: fc.array(fc.tuple(fc.nat(), u8), { maxLength: 6 }), cut: fc.option(fc.nat()) });
  return fc.tuple(fc.constantFrom(...corpus), mutation).map(([base, m]) => {
    const b = Buffer.from(base);
    for (const [at, v] of m.flips) b[at % b.length] = v;
    return m.cut === null ? b : b.subarray(0, m.cut % (b.length + 1));
  });
}

const randomBytes = fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b));

/** Random bytes or a mutated capture of any kind (links, addresses, routing, errors, events). */
export const malformed = (): fc.Arbitrary<Buffer> => fc.oneof(randomBytes, mutated(captures()));

/** The golden captures of the routing objects (routes, rules, neighbours, nexthops) and their events. */
export const routingCaptures = (): Buffer[] => captures(/^(route|rule|neigh|nexthop|event)-/);

// Messages built from random attributes (some nested, some of the decoders' own types) behind a
// plausible header, so decoding gets past the header checks; then maybe cut or given a bad length.
type Attr = { type: number; nested: boolean; data: Uint8Array; kids: { type: number; data: Uint8Array }[] };
const attr: fc.Arbitrary<Attr> = fc.record({
  type: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 0xffff })), nested: fc.boolean(),
  data: fc.uint8Array({ maxLength: 24 }),
  kids: fc.array(fc.record({ type: fc.integer({ min: 0, max: 20 }), data: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 4 }),
});
const TYPES = [16, 17, 20, 21, 24, 25, 28, 29, 32, 33, 88, 89, 104, 105];
const built = fc.record({
  type: fc.oneof(fc.constantFrom(...TYPES), u16), family: fc.oneof(fc.constantFrom(0, 2, 7, 10), u8),
  header: fc.uint8Array({ minLength: 16, maxLength: 16 }), headerLen: fc.constantFrom(8, 12, 16),
  attrs: fc.array(attr, { maxLength: 6 }), cut: fc.option(fc.nat()), badLen: fc.option(u32),
}).map((m) => {
  const w = new NetlinkWriter(64);
  w.beginMessage(m.type, 0);
  w.u8(m.family);
  w.raw(m.header.subarray(1, m.headerLen));
  for (const a of m.attrs) {
    if (!a.nested) { w.attrBytes(a.type & 0x7fff, a.data); continue; }
    const t = w.beginNested(a.type & 0x3fff, undefined, true);
    for (const k of a.kids) w.attrBytes(k.type, k.data);
    w.endNested(t);
  }
  w.endMessage();
  let b = w.toBuffer();
  if (m.badLen !== null) b.writeUInt32LE(m.badLen, 0);
  if (m.cut !== null) b = b.subarray(0, m.cut % (b.length + 1));
  return b;
});

/** For the routing decoders: random bytes, a mutated routing capture, or a message built from random attributes. */
export const malformedRouting = (): fc.Arbitrary<Buffer> => fc.oneof(randomBytes, mutated(routingCaptures()), built);
