// Routes (`ip route`, `ip -6 route`): the Route type, its encoder and
// decoder, constants, and the operations bound to a socket.
import { AttrReader, type RawAttribute } from '../core/attributes.js';
import { DecodeError, NetlinkError, ValidationError } from '../core/errors.js';
import { BulkOptionsSchema, runBulk, type BulkOptions, type BulkResult } from '../core/bulk.js';
import { checker, CLOSED, Int, List, Text, Type, U16, U32, U8, type Static } from '../core/schema.js';
import type { NetlinkSocket, Request } from '../core/socket.js';
import { NetlinkWriter } from '../core/writer.js';
import {
  AF_INET, AF_INET6, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, scopeName, ScopeSchema, type ScopeName,
} from './constants.js';
import {
  afOf, describe, expectFamily, familyOf, FamilySchema, formatAddress, parseAddress, type Family, type ParsedAddress,
} from './inet.js';
import { uint } from './validate.js';
import { parseScope } from './address/codec.js';
import { protocolId, protocolName, ProtocolSchema, tableId, TableSchema } from './names.js';
import { directIndex, type DevCache, type DevResolver } from './devices.js';
import type { LinkApi } from './link/api.js';
import { LinkRefSchema } from './link/codec.js';
import { observed, observedMany, type Hooks } from './observer.js';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

// RTA_* (rtnetlink.h)
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_VIA = 18;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_EXPIRES = 23;
export const RTA_UID = 25;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export const RTPROT_BOOT = 3;

export const RTM_F_CLONED = 0x200;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;

/** rtm_type values by the names `ip route` uses. */
export const ROUTE_TYPES = [
  'unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw',
  'nat', 'xresolve',
] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** rtm_flags / rtnh_flags bits by the names `ip route` prints. */
const NEXTHOP_FLAGS: [number, string][] = [
  [1, 'dead'], [2, 'pervasive'], [4, 'onlink'], [8, 'offload'], [16, 'linkdown'], [32, 'unresolved'], [64, 'trap'],
];
const ROUTE_FLAGS: [number, string][] = [
  ...NEXTHOP_FLAGS, [0x100, 'notify'], [0x200, 'cloned'], [0x400, 'equalize'], [0x800, 'prefix'],
  [0x4000, 'rt_offload'], [0x8000, 'rt_trap'], [0x20000000, 'rt_offload_failed'],
];
const SETTABLE_ROUTE_FLAGS = ['onlink', 'pervasive'] as const;
export type RouteFlag = (typeof SETTABLE_ROUTE_FLAGS)[number];

/** RTAX_* metric names (`ip route ... mtu 1400 advmss 1360 ...`). */
export const METRICS = [
  '', 'lock', 'mtu', 'window', 'rtt', 'rttvar', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd',
  'features', 'rto_min', 'initrwnd', 'quickack', 'congctl', 'fastopen_no_cookie',
] as const;
const RTAX_LOCK = 1;
const RTAX_CC_ALGO = 16;

export type MetricName = Exclude<(typeof METRICS)[number], '' | 'lock' | 'congctl'>;
const LOCKABLE = METRICS.filter((m): m is MetricName => m !== '' && m !== 'lock' && m !== 'congctl');

export const RouteMetricsSchema = Type.Object({
  mtu: Type.Optional(U32),
  window: Type.Optional(U32),
  /** In the kernel's unit, 1/8 ms (`ip route ... rtt 100ms` is 800); `ip` prints it in ms. */
  rtt: Type.Optional(U32),
  /** In the kernel's unit, 1/4 ms (`rttvar 100ms` is 400). */
  rttvar: Type.Optional(U32),
  ssthresh: Type.Optional(U32),
  cwnd: Type.Optional(U32),
  advmss: Type.Optional(U32),
  reordering: Type.Optional(U32),
  hoplimit: Type.Optional(U32),
  initcwnd: Type.Optional(U32),
  features: Type.Optional(U32),
  rto_min: Type.Optional(U32),
  initrwnd: Type.Optional(U32),
  quickack: Type.Optional(U32),
  fastopen_no_cookie: Type.Optional(U32),
  /** Congestion control algorithm (RTAX_CC_ALGO), e.g. "cubic". */
  congctl: Type.Optional(Text({ minLength: 1, maxLength: 15 })),
  /** Metrics locked against changes by the kernel (`lock mtu`). */
  lock: Type.Optional(List(Type.Enum(LOCKABLE))),
}, CLOSED);
export type RouteMetrics = Static<typeof RouteMetricsSchema>;

const PREF_NAMES: Record<number, 'medium' | 'high' | 'low'> = { 0: 'medium', 1: 'high', 3: 'low' };
const PREF_VALUES = new Map([['medium', 0], ['high', 1], ['low', 3]]);

/** One path of a multipath route. */
export const NextHopSpecSchema = Type.Object({
  gateway: Type.Optional(Type.String()),
  dev: Type.Optional(LinkRefSchema),
  /** 1..256, as `ip route ... nexthop weight W`. */
  weight: Type.Optional(Int(1, 256)),
  flags: Type.Optional(List(Type.Enum(SETTABLE_ROUTE_FLAGS))),
}, CLOSED);
export type NextHopSpec = Static<typeof NextHopSpecSchema>;

/** `ip route add|replace|append|prepend|del ...` */
export const RouteSpecSchema = Type.Object({
  /** "10.0.0.0/24", "2001:db8::/64", a host address, or "default". */
  dst: Type.String(),
  /** 4 or 6; inferred from dst, gateway or nexthops, needed only for a bare "default". */
  family: Type.Optional(FamilySchema),
  /** Source prefix selector (`from`), RTA_SRC. */
  src: Type.Optional(Type.String()),
  /** Gateway; an IPv6 gateway on an IPv4 route is sent as RTA_VIA. */
  gateway: Type.Optional(Type.String()),
  /** Output device (name or index). */
  dev: Type.Optional(LinkRefSchema),
  prefsrc: Type.Optional(Type.String()),
  /** Table id (any 32-bit number) or name from /etc/iproute2/rt_tables. Default 'main'. */
  table: Type.Optional(TableSchema),
  /** Route priority (`metric`). */
  metric: Type.Optional(U32),
  /** Number or name from /etc/iproute2/rt_protos. Default 'boot', as `ip route add`. */
  protocol: Type.Optional(ProtocolSchema),
  scope: Type.Optional(ScopeSchema),
  type: Type.Optional(Type.Enum(ROUTE_TYPES)),
  tos: Type.Optional(U8),
  /** DSCP (0..63): tos = dscp << 2. */
  dscp: Type.Optional(Int(0, 63)),
  flags: Type.Optional(List(Type.Enum(SETTABLE_ROUTE_FLAGS))),
  nexthops: Type.Optional(List(NextHopSpecSchema, { minItems: 1 })),
  /** A nexthop object id (`nhid`). */
  nhid: Type.Optional(Int(1, 0xffffffff)),
  metrics: Type.Optional(RouteMetricsSchema),
  /** IPv6 only: seconds until the route expires. */
  expires: Type.Optional(U32),
  /** IPv6 only: router preference. */
  pref: Type.Optional(Type.Enum(['low', 'medium', 'high'])),
}, CLOSED);
export type RouteSpec = Static<typeof RouteSpecSchema>;

const checkRouteSpec = checker(RouteSpecSchema);

/** A route as the kernel reports it. Names follow `ip -j route`. */
export interface Route {
  family: Family;
  type: RouteType | number;
  /** "10.0.0.0/24", "default", or a host address for full-length prefixes (as ip prints). */
  dst: string;
  dst_len: number;
  src?: string;
  src_len?: number;
  gateway?: string;
  /** RTA_VIA: a gateway of the other family. */
  via?: { family: Family; host: string };
  /** Output device index. */
  oif?: number;
  iif?: number;
  prefsrc?: string;
  table: number;
  metric?: number;
  protocol: string | number;
  scope: ScopeName | number;
  tos: number;
  flags: string[];
  nexthops?: NextHop[];
  nhid?: number;
  metrics?: RouteMetrics;
  /** Seconds left (IPv6 routes with an expiry). */
  expires?: number;
  pref?: 'low' | 'medium' | 'high';
  mark?: number;
  uid?: number;
  unknown?: RawAttribute[];
}

export interface NextHop {
  gateway?: string;
  via?: { family: Family; host: string };
  oif: number;
  weight: number;
  flags: string[];
}

// ----------------------------------------------------------------- encoding

interface Prefix {
  family: Family | undefined;
  bytes: Buffer | undefined;
  len: number;
}

function parsePrefix(v: unknown, field: string): Prefix {
  if (v === 'default' || v === 'all' || v === 'any') return { family: undefined, bytes: undefined, len: 0 };
  const a = parseAddress(v, field);
  const len = a.prefixlen ?? (a.family === 4 ? 32 : 128);
  // The kernel refuses host bits set beyond the prefix ("Invalid prefix for given prefix length").
  return { family: a.family, bytes: len === 0 ? undefined : a.bytes, len };
}

function familyOfSpec(spec: RouteSpec, dst: Prefix): Family {
  const f = spec.family ?? dst.family;
  if (f !== undefined) {
    if (f !== 4 && f !== 6) throw new ValidationError(`family must be 4 or 6, got ${describe(f)}`, 'family');
    return f;
  }
  const hint = spec.gateway ?? spec.nexthops?.find((n) => n.gateway)?.gateway ?? spec.prefsrc ?? spec.src;
  if (hint !== undefined && hint !== 'default') return parseAddress(hint, 'gateway').family;
  return 4;
}

function flagBits(flags: readonly string[] | undefined, field: string): number {
  let bits = 0;
  for (const f of flags ?? []) {
    const e = NEXTHOP_FLAGS.find(([, n]) => n === f);
    if (!e || !(SETTABLE_ROUTE_FLAGS as readonly string[]).includes(f)) {
      throw new ValidationError(`route flag ${describe(f)} cannot be set (settable: ${SETTABLE_ROUTE_FLAGS.join(', ')})`, field);
    }
    bits |= e[0];
  }
  return bits;
}

function writeGateway(w: NetlinkWriter, family: Family, gw: string, field: string): void {
  const a = parseAddress(gw, field, { prefix: 'forbidden' });
  if (a.family === family) {
    w.attrBytes(RTA_GATEWAY, a.bytes, field);
  } else if (family === 4) {
    // An IPv6 next hop for an IPv4 route (RFC 5549): struct rtvia.
    const via = Buffer.alloc(2 + a.bytes.length);
    via.writeUInt16LE(afOf(a.family), 0);
    a.bytes.copy(via, 2);
    w.attrBytes(RTA_VIA, via, field);
  } else {
    throw new ValidationError(`'${gw}' is IPv4; IPv6 routes take IPv6 gateways`, field);
  }
}

function writeMetrics(w: NetlinkWriter, m: RouteMetrics): void {
  const t = w.beginNested(RTA_METRICS, 'metrics');
  let lock = 0;
  for (const name of m.lock ?? []) {
    const i = METRICS.indexOf(name);
    if (i <= RTAX_LOCK || (name as string) === 'congctl') throw new ValidationError(`cannot lock ${describe(name)}`, 'metrics.lock');
    lock |= 1 << i;
  }
  for (let i = 2; i < METRICS.length; i++) {
    const name = METRICS[i]!;
    const v = (m as Record<string, unknown>)[name];
    if (v === undefined) continue;
    if (i === RTAX_CC_ALGO) {
      if (typeof v !== 'string' || v.length === 0 || v.length > 15) throw new ValidationError('congctl must be an algorithm name', 'metrics.congctl');
      w.attrStringNoNul(i, v, 'metrics.congctl'); // as iproute2 sends it
    } else {
      w.attrU32(i, uint(v, `metrics.${name}`), `metrics.${name}`);
    }
  }
  // iproute2 adds the lock after the metrics it locks.
  if (lock) w.attrU32(RTAX_LOCK, lock, 'metrics.lock');
  for (const k of Object.keys(m)) {
    if (!(METRICS as readonly string[]).includes(k) || k === '') throw new ValidationError(`unknown route metric '${k}'`, `metrics.${k}`);
  }
  w.endNested(t);
}

/** Encodes one route message into `w` (which may hold others: bulk batches). */
export function writeRoute(w: NetlinkWriter, type: number, flags: number, spec: RouteSpec, dev: DevResolver = directIndex): void {
  if (spec === null || typeof spec !== 'object') throw new ValidationError(`expected a route object, got ${describe(spec)}`);
  const del = type === RTM_DELROUTE;
  const dst = parsePrefix(spec.dst, 'dst');
  const family = familyOfSpec(spec, dst);
  if (dst.family !== undefined) expectFamily({ family: dst.family, bytes: dst.bytes ?? Buffer.alloc(0) }, family, 'dst', spec.dst);
  const src = spec.src === undefined ? undefined : parsePrefix(spec.src, 'src');
  if (src?.family !== undefined && src.family !== family) throw new ValidationError(`'${spec.src}' is not IPv${family}`, 'src');
  const table = spec.table === undefined ? RT_TABLE_MAIN : tableId(spec.table);
  if (table === RT_TABLE_UNSPEC && !del) throw new ValidationError('table 0 is not a table (use main, local or 1..4294967295)', 'table');
  const rtype = spec.type === undefined ? (del ? 0 : 1) : ROUTE_TYPES.indexOf(spec.type);
  if (rtype < 0) throw new ValidationError(`unknown route type ${describe(spec.type)} (${ROUTE_TYPES.join(', ')})`, 'type');
  const protocol = spec.protocol === undefined ? (del ? 0 : RTPROT_BOOT) : protocolId(spec.protocol);
  if (spec.tos !== undefined && spec.dscp !== undefined) throw new ValidationError('give tos or dscp, not both', 'dscp');
  const tos = spec.dscp !== undefined ? uint(spec.dscp, 'dscp', 63) << 2 : spec.tos !== undefined ? uint(spec.tos, 'tos', 255) : 0;
  const hasGateway = spec.gateway !== undefined || spec.nexthops !== undefined || spec.nhid !== undefined;
  let scope: number;
  if (spec.scope !== undefined) scope = parseScope(spec.scope, 'scope');
  else if (del) scope = RT_SCOPE_NOWHERE;
  else if (rtype === 2 || rtype === 10) scope = RT_SCOPE_HOST; // local, nat
  else if (rtype === 3 || rtype === 4 || rtype === 5) scope = RT_SCOPE_LINK; // broadcast, anycast, multicast
  else if ((rtype === 1 || rtype === 0) && !hasGateway && spec.dev !== undefined) scope = RT_SCOPE_LINK;
  else scope = RT_SCOPE_UNIVERSE;
  if (family === 4 && (spec.expires !== undefined || spec.pref !== undefined)) {
    throw new ValidationError('expires and pref exist for IPv6 routes only', spec.expires !== undefined ? 'expires' : 'pref');
  }
  if (spec.nexthops !== undefined && (spec.gateway !== undefined || spec.nhid !== undefined)) {
    throw new ValidationError('give either gateway/dev, nexthops or nhid', 'nexthops');
  }

  w.beginMessage(type, flags);
  w.u8(afOf(family));
  w.u8(dst.len);
  w.u8(src?.len ?? 0);
  w.u8(tos);
  w.u8(table < 256 ? table : RT_TABLE_UNSPEC);
  w.u8(protocol);
  w.u8(scope);
  w.u8(rtype);
  w.u32(flagBits(spec.flags, 'flags'));
  if (dst.bytes) w.attrBytes(RTA_DST, dst.bytes, 'dst');
  if (src?.bytes) w.attrBytes(RTA_SRC, src.bytes, 'src');
  if (spec.gateway !== undefined) writeGateway(w, family, spec.gateway, 'gateway');
  if (spec.metric !== undefined) w.attrU32(RTA_PRIORITY, uint(spec.metric, 'metric'), 'metric');
  if (spec.prefsrc !== undefined) {
    const p = parseAddress(spec.prefsrc, 'prefsrc', { prefix: 'forbidden' });
    expectFamily(p, family, 'prefsrc', spec.prefsrc);
    w.attrBytes(RTA_PREFSRC, p.bytes, 'prefsrc');
  }
  if (table >= 256) w.attrU32(RTA_TABLE, table, 'table');
  if (spec.expires !== undefined) w.attrU32(RTA_EXPIRES, uint(spec.expires, 'expires'), 'expires');
  if (spec.pref !== undefined) {
    const p = PREF_VALUES.get(spec.pref);
    if (p === undefined) throw new ValidationError(`pref must be low, medium or high, got ${describe(spec.pref)}`, 'pref');
    w.attrU8(RTA_PREF, p, 'pref');
  }
  if (spec.metrics !== undefined) writeMetrics(w, spec.metrics);
  if (spec.nhid !== undefined) w.attrU32(RTA_NH_ID, uint(spec.nhid, 'nhid', 0xffffffff, 1), 'nhid');
  if (spec.nexthops !== undefined) {
    if (!Array.isArray(spec.nexthops) || spec.nexthops.length === 0) throw new ValidationError('nexthops must be a non-empty array', 'nexthops');
    const mp = w.beginNested(RTA_MULTIPATH, 'nexthops');
    spec.nexthops.forEach((nh, i) => {
      const f = `nexthops[${i}]`;
      const start = w.pos;
      w.u16(0); // rtnh_len, patched below
      w.u8(flagBits(nh.flags, `${f}.flags`));
      w.u8(nh.weight === undefined ? 0 : uint(nh.weight, `${f}.weight`, 256, 1) - 1);
      w.s32(nh.dev === undefined ? 0 : dev(nh.dev, `${f}.dev`));
      if (nh.gateway !== undefined) writeGateway(w, family, nh.gateway, `${f}.gateway`);
      else if (nh.dev === undefined) throw new ValidationError('a nexthop needs a gateway or a dev', f);
      w.buf.writeUInt16LE(w.pos - start, start);
      w.marks.push({ start: start - w.messageStart, end: w.pos - w.messageStart, field: f });
    });
    w.endNested(mp);
  }
  if (spec.dev !== undefined) w.attrU32(RTA_OIF, dev(spec.dev, 'dev'), 'dev');
  w.endMessage();
}

export function describeRoute(type: number, spec: RouteSpec): string {
  const verb = type === RTM_DELROUTE ? 'RTM_DELROUTE' : 'RTM_NEWROUTE';
  const parts = [verb, String(spec?.dst)];
  if (spec?.gateway !== undefined) parts.push(`via ${spec.gateway}`);
  if (spec?.dev !== undefined) parts.push(`dev ${spec.dev}`);
  if (spec?.table !== undefined) parts.push(`table ${spec.table}`);
  if (spec?.metric !== undefined) parts.push(`metric ${spec.metric}`);
  return parts.join(' ');
}

/** NLM flags for each way of adding (`ip route add|replace|append|prepend`). */
export const ROUTE_ADD_FLAGS = {
  add: 0x400 | 0x200, // CREATE | EXCL
  replace: 0x400 | 0x100, // CREATE | REPLACE
  append: 0x400 | 0x800, // CREATE | APPEND
  prepend: 0x400, // CREATE
} as const;
export type RouteAddMode = keyof typeof ROUTE_ADD_FLAGS;

export function encodeRoute(type: number, flags: number, spec: RouteSpec, dev?: DevResolver): Request {
  const w = new NetlinkWriter(128);
  writeRoute(w, type, flags, spec, dev);
  return { bytes: w.toBuffer(), describe: describeRoute(type, spec), marks: w.marks };
}

export const RouteFilterSchema = Type.Object({
  family: Type.Optional(FamilySchema),
  /** Table id or name, or 'all'. Default 'main' (as `ip route show`). */
  table: Type.Optional(TableSchema),
  protocol: Type.Optional(ProtocolSchema),
  type: Type.Optional(Type.Enum(ROUTE_TYPES)),
  /** Output device (kernel-side filter). */
  dev: Type.Optional(LinkRefSchema),
}, CLOSED);
export type RouteFilter = Static<typeof RouteFilterSchema>;

const checkRouteFilter = checker(RouteFilterSchema);

/** A route dump; with strict checking the kernel filters by table, protocol, type and oif. */
export function encodeRouteDump(family: Family | 0, f: { table?: number; protocol?: number; type?: number; oif?: number }): Request {
  const w = new NetlinkWriter(64);
  w.beginMessage(RTM_GETROUTE, 0);
  w.u8(family === 0 ? 0 : afOf(family));
  w.u8(0); w.u8(0); w.u8(0);
  w.u8(0); // the table goes in RTA_TABLE, any id, as iproute2 asks
  w.u8(f.protocol ?? 0);
  w.u8(0);
  w.u8(f.type ?? 0);
  w.u32(0);
  if (f.table !== undefined) w.attrU32(RTA_TABLE, f.table, 'table');
  if (f.oif !== undefined) w.attrU32(RTA_OIF, f.oif, 'dev');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETROUTE dump${family ? ` IPv${family}` : ''}`, marks: w.marks };
}

/** `ip route get ADDR [from SRC] [iif DEV] [oif DEV] [mark M] [fibmatch] ...` */
export const RouteGetSpecSchema = Type.Object({
  /** Destination address to look up. */
  dst: Type.String(),
  /** Source address (`from`). */
  src: Type.Optional(Type.String()),
  iif: Type.Optional(LinkRefSchema),
  oif: Type.Optional(LinkRefSchema),
  mark: Type.Optional(U32),
  /** Return the matching FIB entry rather than the resolved route (`fibmatch`). */
  fibmatch: Type.Optional(Type.Boolean()),
  tos: Type.Optional(U8),
  ipproto: Type.Optional(U8),
  sport: Type.Optional(U16),
  dport: Type.Optional(U16),
  uid: Type.Optional(U32),
}, CLOSED);
export type RouteGetSpec = Static<typeof RouteGetSpecSchema>;

const checkRouteGetSpec = checker(RouteGetSpecSchema);

export function encodeRouteGet(spec: RouteGetSpec, dev: DevResolver = directIndex): Request {
  const dst = parseAddress(spec?.dst, 'dst', { prefix: 'forbidden' });
  const w = new NetlinkWriter(96);
  w.beginMessage(RTM_GETROUTE, 0);
  w.u8(afOf(dst.family));
  w.u8(dst.family === 4 ? 32 : 128);
  let src: ParsedAddress | undefined;
  if (spec.src !== undefined) {
    src = parseAddress(spec.src, 'src', { prefix: 'forbidden' });
    expectFamily(src, dst.family, 'src', spec.src);
  }
  w.u8(src ? (dst.family === 4 ? 32 : 128) : 0);
  w.u8(spec.tos === undefined ? 0 : uint(spec.tos, 'tos', 255));
  w.u8(0); w.u8(0); w.u8(0); w.u8(0);
  // LOOKUP_TABLE: report the table the route was found in, as `ip route get` does
  // (IPv4 only: IPv6 always reports it, and refuses the flag under strict checking).
  w.u32((dst.family === 4 ? RTM_F_LOOKUP_TABLE : 0) | (spec.fibmatch ? RTM_F_FIB_MATCH : 0));
  w.attrBytes(RTA_DST, dst.bytes, 'dst');
  if (src) w.attrBytes(RTA_SRC, src.bytes, 'src');
  if (spec.iif !== undefined) w.attrU32(RTA_IIF, dev(spec.iif, 'iif'), 'iif');
  if (spec.oif !== undefined) w.attrU32(RTA_OIF, dev(spec.oif, 'oif'), 'oif');
  if (spec.mark !== undefined) w.attrU32(RTA_MARK, uint(spec.mark, 'mark'), 'mark');
  if (spec.uid !== undefined) w.attrU32(RTA_UID, uint(spec.uid, 'uid'), 'uid');
  if (spec.ipproto !== undefined) w.attrU8(RTA_IP_PROTO, uint(spec.ipproto, 'ipproto', 255), 'ipproto');
  if (spec.sport !== undefined) w.attrU16be(RTA_SPORT, uint(spec.sport, 'sport', 0xffff), 'sport');
  if (spec.dport !== undefined) w.attrU16be(RTA_DPORT, uint(spec.dport, 'dport', 0xffff), 'dport');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETROUTE ${spec.dst}`, marks: w.marks };
}

// ----------------------------------------------------------------- decoding

function flagsOf(bits: number, table: [number, string][]): string[] {
  const out: string[] = [];
  if (bits === 0) return out;
  for (let i = 0; i < table.length; i++) if (bits & table[i]![0]) out.push(table[i]![1]);
  return out;
}

function addrOf(r: AttrReader, family: Family, what: string): string {
  const want = family === 4 ? 4 : 16;
  if (r.len !== want) throw new DecodeError(`route ${what} has ${r.len} bytes, IPv${family} needs ${want}`, r.off);
  return formatAddress(r.buf, r.off, want);
}

function viaOf(r: AttrReader): { family: Family; host: string } {
  if (r.len < 2) throw new DecodeError('RTA_VIA shorter than its family field', r.off);
  const f = familyOf(r.buf.readUInt16LE(r.off));
  const n = r.len - 2;
  if (!f || n !== (f === 4 ? 4 : 16)) throw new DecodeError(`RTA_VIA with family ${r.buf.readUInt16LE(r.off)} and ${n} address bytes`, r.off);
  return { family: f, host: formatAddress(r.buf, r.off + 2, n) };
}

/** Decodes one RTM_NEWROUTE/RTM_DELROUTE message (header included). */
export function decodeRoute(msg: Buffer): Route {
  if (msg.length < 28) throw new DecodeError(`route message of ${msg.length} bytes is shorter than nlmsghdr + rtmsg`);
  const len = msg.readUInt32LE(0);
  if (len > msg.length || len < 28) throw new DecodeError(`route message length ${len} does not fit ${msg.length} bytes`);
  return decodeRouteAt(msg, 16, len);
}

export function decodeRouteAt(buf: Buffer, off: number, end: number): Route {
  const af = buf[off]!;
  const family = familyOf(af);
  if (!family) throw new DecodeError(`route family ${af} is neither AF_INET nor AF_INET6`, off);
  const dstLen = buf[off + 1]!;
  const srcLen = buf[off + 2]!;
  const typeNum = buf[off + 7]!;
  const route: Route = {
    family,
    type: ROUTE_TYPES[typeNum] ?? typeNum,
    dst: 'default',
    dst_len: dstLen,
    table: buf[off + 4]!,
    protocol: protocolName(buf[off + 5]!),
    scope: scopeName(buf[off + 6]!),
    tos: buf[off + 3]!,
    flags: flagsOf(buf.readUInt32LE(off + 8), ROUTE_FLAGS),
  };
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + 12, end);
  while (r.next()) {
    switch (r.type) {
      case RTA_DST: {
        const a = addrOf(r, family, 'dst');
        route.dst = dstLen === (family === 4 ? 32 : 128) ? a : `${a}/${dstLen}`;
        break;
      }
      case RTA_SRC: route.src = addrOf(r, family, 'src'); route.src_len = srcLen; break;
      case RTA_GATEWAY: route.gateway = addrOf(r, family, 'gateway'); break;
      case RTA_VIA: route.via = viaOf(r); break;
      case RTA_OIF: route.oif = r.u32(); break;
      case RTA_IIF: route.iif = r.u32(); break;
      case RTA_PREFSRC: route.prefsrc = addrOf(r, family, 'prefsrc'); break;
      case RTA_PRIORITY: route.metric = r.u32(); break;
      case RTA_TABLE: route.table = r.u32(); break;
      case RTA_MARK: route.mark = r.u32(); break;
      case RTA_UID: route.uid = r.u32(); break;
      case RTA_NH_ID: route.nhid = r.u32(); break;
      case RTA_PREF: { const p = r.u8(); route.pref = PREF_NAMES[p] ?? 'medium'; break; }
      case RTA_METRICS: route.metrics = decodeMetrics(r.nested()); break;
      case RTA_MULTIPATH: route.nexthops = decodeMultipath(r, family); break;
      case RTA_CACHEINFO:
        // struct rta_cacheinfo: clntref, lastuse, expires (USER_HZ ticks), ...
        if (r.len >= 12) {
          const ticks = r.buf.readInt32LE(r.off + 8);
          if (ticks !== 0) route.expires = Math.round(ticks / 100);
        }
        break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (dstLen === 0 && route.dst !== 'default') route.dst = 'default';
  if (unknown) route.unknown = unknown;
  return route;
}

function decodeMetrics(r: AttrReader): RouteMetrics {
  const m: RouteMetrics = {};
  while (r.next()) {
    if (r.type === RTAX_LOCK) {
      const bits = r.u32();
      const lock: MetricName[] = [];
      for (let i = 2; i < METRICS.length; i++) if (bits & (1 << i) && METRICS[i] !== 'congctl') lock.push(METRICS[i] as MetricName);
      if (lock.length) m.lock = lock;
    } else if (r.type === RTAX_CC_ALGO) {
      m.congctl = r.string();
    } else {
      const name = METRICS[r.type];
      if (name && name !== 'lock' && r.len >= 4) (m as Record<string, number>)[name] = r.u32();
    }
  }
  return m;
}

function decodeMultipath(r: AttrReader, family: Family): NextHop[] {
  const out: NextHop[] = [];
  const buf = r.buf;
  let pos = r.off;
  const end = r.off + r.len;
  while (end - pos >= 8) {
    const len = buf.readUInt16LE(pos);
    if (len < 8 || len > end - pos) throw new DecodeError(`rtnexthop length ${len} with ${end - pos} bytes left`, pos);
    const nh: NextHop = {
      oif: buf.readInt32LE(pos + 4), weight: buf[pos + 3]! + 1, flags: flagsOf(buf[pos + 2]!, NEXTHOP_FLAGS),
    };
    const a = new AttrReader(buf, pos + 8, pos + len);
    while (a.next()) {
      if (a.type === RTA_GATEWAY) nh.gateway = addrOf(a, family, 'nexthop gateway');
      else if (a.type === RTA_VIA) nh.via = viaOf(a);
    }
    out.push(nh);
    pos += (len + 3) & ~3;
  }
  if (pos < end && end - pos < 8 && pos !== end) throw new DecodeError(`${end - pos} trailing bytes in RTA_MULTIPATH`, pos);
  return out;
}

export { AF_INET, AF_INET6, RT_SCOPE_LINK };

// --------------------------------------------------------------- operations

export const RouteBulkOptionsSchema = Type.Object({
  ...BulkOptionsSchema.properties,
  /** How each route is added: add (default, EEXIST on duplicates), replace, append, prepend. */
  mode: Type.Optional(Type.Enum(Object.keys(ROUTE_ADD_FLAGS) as RouteAddMode[])),
}, CLOSED);
export type RouteBulkOptions = Static<typeof RouteBulkOptionsSchema>;

const checkRouteBulkOptions = checker(RouteBulkOptionsSchema);

function routeDevs(spec: RouteSpec): (string | number | undefined)[] {
  if (spec === null || typeof spec !== 'object') return [];
  const devs: (string | number | undefined)[] = [spec.dev];
  if (Array.isArray(spec.nexthops)) for (const nh of spec.nexthops) devs.push(nh?.dev);
  return devs;
}

/** `ip route` / `ip -6 route` bound to one socket. */
export class RouteApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /**
   * `ip route show`: routes of one table ('main' unless told; 'all' for every
   * table), IPv4 and IPv6 unless `family` says one. Filters run in the kernel.
   */
  async list(filter: RouteFilter = {}): Promise<Route[]> {
    checkRouteFilter(filter, 'filter');
    const families: Family[] = filter.family === undefined ? [4, 6] : [filter.family];
    const table = filter.table === 'all' ? undefined : filter.table === undefined ? RT_TABLE_MAIN : tableId(filter.table);
    const protocol = filter.protocol === undefined ? undefined : protocolId(filter.protocol);
    const type = filter.type === undefined ? undefined : ROUTE_TYPES.indexOf(filter.type);
    const oif = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const out: Route[] = [];
    for (const family of families) {
      const req = encodeRouteDump(family, {
        ...(table !== undefined && { table }), ...(protocol !== undefined && { protocol }),
        ...(type !== undefined && { type }), ...(oif !== undefined && { oif }),
      });
      // The kernel filters the header's table only for ids < 256; check again for the rest.
      for (const r of await this.listOrEmpty(req)) {
        if (r.flags.includes('cloned')) continue;
        if (table !== undefined && r.table !== table) continue;
        out.push(r);
      }
    }
    return out;
  }

  /** A table the kernel has never had answers ENOENT ("FIB table does not exist"): an empty list. */
  private async listOrEmpty(req: Request): Promise<Route[]> {
    try {
      return await this.sock.list(req, decodeRoute);
    } catch (e) {
      if (e instanceof NetlinkError && e.errnoName === 'ENOENT' && /table does not exist/i.test(e.extackMessage ?? '')) return [];
      throw e;
    }
  }

  /** Streams routes (one family, one table or 'all') without holding them all. */
  async *dump(filter: RouteFilter & { family: Family }): AsyncGenerator<Route> {
    checkRouteFilter(filter, 'filter');
    if (filter.family === undefined) throw new ValidationError('a dump is of one family: give family 4 or 6', 'family');
    const table = filter.table === 'all' ? undefined : filter.table === undefined ? RT_TABLE_MAIN : tableId(filter.table);
    const req = encodeRouteDump(filter.family, { ...(table !== undefined && { table }) });
    try {
      for await (const msg of this.sock.dump(req)) {
        const r = decodeRoute(msg);
        if (table === undefined || r.table === table) yield r;
      }
    } catch (e) {
      if (e instanceof NetlinkError && e.errnoName === 'ENOENT' && /table does not exist/i.test(e.extackMessage ?? '')) return;
      throw e;
    }
  }

  /** `ip route get ADDR`: the route the kernel would use. */
  async get(spec: RouteGetSpec): Promise<Route> {
    checkRouteGetSpec(spec);
    encodeRouteGet(spec, () => 1); // the address checks, before any lookup
    const cache = this.links.devCache();
    await cache.ensureAll([spec.iif, spec.oif]);
    const replies = await this.sock.request(encodeRouteGet(spec, cache.resolve));
    const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWROUTE);
    if (!msg) throw new DecodeError(`RTM_GETROUTE ${spec.dst}: the kernel sent no route`);
    return decodeRoute(msg);
  }

  private async change(type: number, flags: number, spec: RouteSpec): Promise<void> {
    checkRouteSpec(spec);
    encodeRoute(type, flags, spec, () => 1); // what the encoder checks (addresses, families) fails here, before any lookup
    const cache = this.links.devCache();
    await cache.ensureAll(routeDevs(spec));
    const req = encodeRoute(type, flags, spec, cache.resolve);
    if (type === RTM_DELROUTE) {
      await this.sock.request(req);
      return;
    }
    const resolved = withIndexes(spec, cache);
    await observed(this.hooks, () => ({ object: 'route', spec: resolved, mode: modeOf(flags) }), () => this.sock.request(req));
  }

  /** `ip route add`: EEXIST when the route exists. */
  add(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.add, spec); }
  /** `ip route replace`: adds or replaces. */
  replace(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.replace, spec); }
  /** `ip route append`: adds another route for the same prefix after the existing ones. */
  append(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.append, spec); }
  /** `ip route prepend`: adds another route for the same prefix before the existing ones. */
  prepend(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.prepend, spec); }
  /** `ip route del`: the fields given select the route (dst, table, and optionally gateway, dev, metric...). */
  del(spec: RouteSpec): Promise<void> { return this.change(RTM_DELROUTE, 0, spec); }

  /**
   * Adds many routes, pipelined: many per sendmsg, a bounded window in
   * flight, every route accounted for. Memory stays bounded for inputs of
   * any length (a generator of a million routes is fine).
   */
  async addMany(routes: Iterable<RouteSpec> | AsyncIterable<RouteSpec>, opts: RouteBulkOptions = {}): Promise<BulkResult<RouteSpec>> {
    checkRouteBulkOptions(opts, 'options');
    const { mode, ...bulk } = opts;
    return this.many(RTM_NEWROUTE, ROUTE_ADD_FLAGS[mode ?? 'add'], routes, bulk);
  }

  /** Deletes many routes, as addMany adds them. */
  delMany(routes: Iterable<RouteSpec> | AsyncIterable<RouteSpec>, opts: BulkOptions = {}): Promise<BulkResult<RouteSpec>> {
    return this.many(RTM_DELROUTE, 0, routes, opts);
  }

  private async many(type: number, flags: number, routes: Iterable<RouteSpec> | AsyncIterable<RouteSpec>, opts: BulkOptions): Promise<BulkResult<RouteSpec>> {
    const cache = this.links.devCache();
    const lookup = (spec: RouteSpec): Promise<void> | undefined => cache.ensureAll(routeDevs(spec));
    const hooks = {
      ...(type === RTM_NEWROUTE
        ? observedMany(this.hooks, (spec: RouteSpec) => ({ object: 'route', spec: withIndexes(spec, cache), mode: modeOf(flags) }), lookup,
          (spec) => writeRoute(new NetlinkWriter(128), type, flags, spec, cache.resolve))
        : { prepare: lookup }),
      check: (spec: RouteSpec) => checkRouteSpec(spec),
    };
    return runBulk(this.sock, routes, (w, spec) => writeRoute(w, type, flags, spec, cache.resolve), (spec) => describeRoute(type, spec), opts, hooks);
  }

  /**
   * `ip route flush`: deletes the routes the filter selects (by default the
   * main table's routes of protocol other than 'kernel'); returns how many.
   */
  async flush(filter: RouteFilter = {}): Promise<BulkResult<RouteSpec>> {
    const routes = await this.list(filter);
    const specs: RouteSpec[] = routes
      .filter((r) => filter.protocol !== undefined || r.protocol !== 'kernel')
      .map((r) => ({ ...routeToSpec(r), scope: 'nowhere' as const }));
    return this.delMany(specs, { ack: 'each' });
  }
}

/** The spec that selects exactly this route for deletion or re-adding. */
export function routeToSpec(r: Route): RouteSpec {
  const spec: RouteSpec = { dst: r.dst, family: r.family, table: r.table, type: r.type as RouteType };
  if (r.src !== undefined) spec.src = `${r.src}/${r.src_len}`;
  if (r.gateway !== undefined) spec.gateway = r.gateway;
  else if (r.via) spec.gateway = r.via.host;
  if (r.oif !== undefined) spec.dev = r.oif;
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.tos) spec.tos = r.tos;
  if (typeof r.protocol === 'number' || r.protocol) spec.protocol = r.protocol;
  if (r.nhid !== undefined) spec.nhid = r.nhid;
  return spec;
}

function modeOf(flags: number): RouteAddMode {
  if (flags === ROUTE_ADD_FLAGS.replace) return 'replace';
  if (flags === ROUTE_ADD_FLAGS.append) return 'append';
  if (flags === ROUTE_ADD_FLAGS.prepend) return 'prepend';
  return 'add';
}

/** The spec with device names replaced by their indexes (what identifies the route later). */
function withIndexes(spec: RouteSpec, cache: DevCache): RouteSpec {
  const out: RouteSpec = { ...spec };
  if (spec.dev !== undefined) out.dev = cache.resolve(spec.dev, 'dev');
  if (spec.nexthops) out.nexthops = spec.nexthops.map((n, i) => (n.dev === undefined ? { ...n } : { ...n, dev: cache.resolve(n.dev, `nexthops[${i}].dev`) }));
  return out;
}
