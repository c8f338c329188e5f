// Routes (`ip route`, `ip -6 route`) on the wire: the caller's spec with its
// one check, the encoder and the decoder. The constants are in constants.ts,
// metrics in metrics.ts, dump filters and lookups (`ip route get`) in query.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import { checker, CLOSED, Int, List, Type, U32, U8, type Static } from '../../core/schema.js';
import type { Request } from '../../core/socket.js';
import { NetlinkWriter } from '../../core/writer.js';
import {
  parseScope, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, scopeName, ScopeSchema, type ScopeName,
} from '../constants.js';
import { directIndex, LinkRefSchema, type DevResolver, type LinkRef } from '../devices.js';
import {
  afOf, expectFamily, familyOf, FamilySchema, formatAddress, parseAddress, readAddress, type Family,
} from '../inet.js';
import { protocolId, protocolName, ProtocolSchema, tableId, TableSchema } from '../names.js';
import {
  NEXTHOP_FLAGS, PREF_NAMES, PREF_VALUES, ROUTE_FLAGS, ROUTE_TYPES, RTA_CACHEINFO, RTA_DST, RTA_EXPIRES, RTA_GATEWAY, RTA_IIF, RTA_MARK, RTA_METRICS, RTA_MULTIPATH, RTA_NH_ID, RTA_OIF, RTA_PREF, RTA_PREFSRC, RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTA_UID, RTA_VIA, RTMSG_SIZE, RTM_DELROUTE, RTM_NEWROUTE, RTPROT_BOOT, RT_TABLE_MAIN, RT_TABLE_UNSPEC, SETTABLE_ROUTE_FLAGS, type RouteType,
} from './constants.js';
import { checkMetrics, decodeMetrics, RouteMetricsSchema, writeMetrics, type MetricsChecked, type RouteMetrics } from './metrics.js';

// ------------------------------------------------------------ specs and types

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

// ------------------------------------------------------------------ checking

/** RTA_GATEWAY, or RTA_VIA (struct rtvia) for a gateway of the other family. */
interface Gateway {
  attr: number;
  bytes: Buffer;
}

interface NextHopChecked {
  flags: number;
  /** rtnh_hops: the weight less one. */
  hops: number;
  dev: LinkRef | undefined;
  gateway: Gateway | undefined;
}

/** A route spec after checkRoute(): every value in the form it goes on the wire. */
export interface RouteChecked {
  /** The spec as given: its device references are resolved when encoding. */
  spec: RouteSpec;
  family: Family;
  /** struct rtmsg fields (the table in full: ids from 256 go in RTA_TABLE). */
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  dst: Buffer | undefined;
  src: Buffer | undefined;
  gateway: Gateway | undefined;
  prefsrc: Buffer | undefined;
  pref: number | undefined;
  metrics: MetricsChecked | undefined;
  nexthops: NextHopChecked[] | undefined;
}

const checkRouteSchema = checker(RouteSpecSchema);

interface Prefix {
  family: Family | undefined;
  bytes: Buffer | undefined;
  len: number;
}

function parsePrefix(v: string, field: string): Prefix {
  if (v === 'default' || v === 'all' || v === 'any') return { family: undefined, bytes: undefined, len: 0 };
  const a = parseAddress(v, field);
  const len = a.prefixlen ?? (a.family === 4 ? 32 : 128);
  // The kernel refuses host bits set beyond the prefix ("Invalid prefix for given prefix length").
  return { family: a.family, bytes: len === 0 ? undefined : a.bytes, len };
}

function familyOfSpec(spec: RouteSpec, dst: Prefix): Family {
  const f = spec.family ?? dst.family;
  if (f !== undefined) return f;
  const hint = spec.gateway ?? spec.nexthops?.find((n) => n.gateway)?.gateway ?? spec.prefsrc ?? spec.src;
  if (hint !== undefined && hint !== 'default') return parseAddress(hint, 'gateway').family;
  return 4;
}

function flagBits(flags: readonly string[] | undefined): number {
  let bits = 0;
  for (const f of flags ?? []) bits |= NEXTHOP_FLAGS.find(([, n]) => n === f)![0];
  return bits;
}

function gatewayOf(family: Family, gw: string, field: string): Gateway {
  const a = parseAddress(gw, field, { prefix: 'forbidden' });
  if (a.family === family) return { attr: RTA_GATEWAY, bytes: a.bytes };
  if (family === 6) throw new ValidationError(`'${gw}' is IPv4; IPv6 routes take IPv6 gateways`, field);
  // An IPv6 next hop for an IPv4 route (RFC 5549): struct rtvia.
  const via = Buffer.alloc(2 + a.bytes.length);
  via.writeUInt16LE(afOf(a.family), 0);
  a.bytes.copy(via, 2);
  return { attr: RTA_VIA, bytes: via };
}

/** The scope `ip route` gives a route when none is asked for. */
function defaultScope(spec: RouteSpec, type: number, del: boolean): number {
  if (del) return RT_SCOPE_NOWHERE;
  if (type === 2 || type === 10) return RT_SCOPE_HOST; // local, nat
  if (type === 3 || type === 4 || type === 5) return RT_SCOPE_LINK; // broadcast, anycast, multicast
  const hasGateway = spec.gateway !== undefined || spec.nexthops !== undefined || spec.nhid !== undefined;
  if ((type === 1 || type === 0) && !hasGateway && spec.dev !== undefined) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}

/**
 * The one check of a route spec for a request of `type` (RTM_NEWROUTE or
 * RTM_DELROUTE: a delete leaves protocol, type and table to match any):
 * the schema, then what needs parsing, with ip's defaults filled in.
 */
export function checkRoute(spec: RouteSpec, type: number = RTM_NEWROUTE): RouteChecked {
  checkRouteSchema(spec);
  const del = type === RTM_DELROUTE;
  const dst = parsePrefix(spec.dst, 'dst');
  const family = familyOfSpec(spec, dst);
  if (dst.family !== undefined) expectFamily({ family: dst.family, bytes: dst.bytes ?? Buffer.alloc(0) }, family, 'dst', spec.dst);
  const src = spec.src === undefined ? undefined : parsePrefix(spec.src, 'src');
  if (src?.family !== undefined && src.family !== family) throw new ValidationError(`'${spec.src}' is not IPv${family}`, 'src');
  const table = spec.table === undefined ? RT_TABLE_MAIN : tableId(spec.table);
  if (table === RT_TABLE_UNSPEC && !del) throw new ValidationError('table 0 is not a table (use main, local or 1..4294967295)', 'table');
  const rtype = spec.type === undefined ? (del ? 0 : 1) : ROUTE_TYPES.indexOf(spec.type);
  const protocol = spec.protocol === undefined ? (del ? 0 : RTPROT_BOOT) : protocolId(spec.protocol);
  if (spec.tos !== undefined && spec.dscp !== undefined) throw new ValidationError('give tos or dscp, not both', 'dscp');
  const scope = spec.scope !== undefined ? parseScope(spec.scope, 'scope') : defaultScope(spec, rtype, del);
  if (family === 4 && (spec.expires !== undefined || spec.pref !== undefined)) {
    throw new ValidationError('expires and pref exist for IPv6 routes only', spec.expires !== undefined ? 'expires' : 'pref');
  }
  if (spec.nexthops !== undefined && (spec.gateway !== undefined || spec.nhid !== undefined)) {
    throw new ValidationError('give either gateway/dev, nexthops or nhid', 'nexthops');
  }
  const gateway = spec.gateway === undefined ? undefined : gatewayOf(family, spec.gateway, 'gateway');
  let prefsrc: Buffer | undefined;
  if (spec.prefsrc !== undefined) {
    const p = parseAddress(spec.prefsrc, 'prefsrc', { prefix: 'forbidden' });
    expectFamily(p, family, 'prefsrc', spec.prefsrc);
    prefsrc = p.bytes;
  }
  return {
    spec, family, dstLen: dst.len, srcLen: src?.len ?? 0, tos: spec.dscp !== undefined ? spec.dscp << 2 : spec.tos ?? 0,
    table, protocol, scope, type: rtype, flags: flagBits(spec.flags), dst: dst.bytes, src: src?.bytes, gateway, prefsrc,
    pref: spec.pref === undefined ? undefined : PREF_VALUES[spec.pref],
    metrics: spec.metrics === undefined ? undefined : checkMetrics(spec.metrics),
    nexthops: spec.nexthops?.map((nh, i) => checkNextHop(nh, family, `nexthops[${i}]`)),
  };
}

function checkNextHop(nh: NextHopSpec, family: Family, f: string): NextHopChecked {
  const gateway = nh.gateway === undefined ? undefined : gatewayOf(family, nh.gateway, `${f}.gateway`);
  if (gateway === undefined && nh.dev === undefined) throw new ValidationError('a nexthop needs a gateway or a dev', f);
  return { flags: flagBits(nh.flags), hops: (nh.weight ?? 1) - 1, dev: nh.dev, gateway };
}

// ------------------------------------------------------------------ encoding

/** Encodes one route message into `w` (which may hold others: bulk batches). */
export function writeRoute(w: NetlinkWriter, type: number, flags: number, c: RouteChecked, dev: DevResolver): void {
  const spec = c.spec;
  w.beginMessage(type, flags);
  w.u8(afOf(c.family));
  w.u8(c.dstLen);
  w.u8(c.srcLen);
  w.u8(c.tos);
  w.u8(c.table < 256 ? c.table : RT_TABLE_UNSPEC);
  w.u8(c.protocol);
  w.u8(c.scope);
  w.u8(c.type);
  w.u32(c.flags);
  if (c.dst) w.attrBytes(RTA_DST, c.dst, 'dst');
  if (c.src) w.attrBytes(RTA_SRC, c.src, 'src');
  if (c.gateway) w.attrBytes(c.gateway.attr, c.gateway.bytes, 'gateway');
  if (spec.metric !== undefined) w.attrU32(RTA_PRIORITY, spec.metric, 'metric');
  if (c.prefsrc) w.attrBytes(RTA_PREFSRC, c.prefsrc, 'prefsrc');
  if (c.table >= 256) w.attrU32(RTA_TABLE, c.table, 'table');
  if (spec.expires !== undefined) w.attrU32(RTA_EXPIRES, spec.expires, 'expires');
  if (c.pref !== undefined) w.attrU8(RTA_PREF, c.pref, 'pref');
  if (c.metrics) {
    const t = w.beginNested(RTA_METRICS, 'metrics');
    writeMetrics(w, c.metrics);
    w.endNested(t);
  }
  if (spec.nhid !== undefined) w.attrU32(RTA_NH_ID, spec.nhid, 'nhid');
  if (c.nexthops) writeMultipath(w, c.nexthops, dev);
  if (spec.dev !== undefined) w.attrU32(RTA_OIF, dev(spec.dev, 'dev'), 'dev');
  w.endMessage();
}

/** RTA_MULTIPATH: one struct rtnexthop per path, its gateway nested. */
function writeMultipath(w: NetlinkWriter, nexthops: NextHopChecked[], dev: DevResolver): void {
  const mp = w.beginNested(RTA_MULTIPATH, 'nexthops');
  nexthops.forEach((nh, i) => {
    const f = `nexthops[${i}]`;
    const start = w.pos;
    w.u16(0); // rtnh_len, patched below
    w.u8(nh.flags);
    w.u8(nh.hops);
    w.s32(nh.dev === undefined ? 0 : dev(nh.dev, `${f}.dev`));
    if (nh.gateway) w.attrBytes(nh.gateway.attr, nh.gateway.bytes, `${f}.gateway`);
    w.buf.writeUInt16LE(w.pos - start, start);
    w.marks.push({ start: start - w.messageStart, end: w.pos - w.messageStart, field: f });
  });
  w.endNested(mp);
}

/** The request's text for errors: `RTM_NEWROUTE DST [via GW] [dev D] [table T] [metric M]`. */
export function describeRoute(type: number, spec: RouteSpec): string {
  const verb = type === RTM_DELROUTE ? 'RTM_DELROUTE' : 'RTM_NEWROUTE';
  const parts = [verb, String(spec?.dst)];
  if (spec?.gateway !== undefined) parts.push(`via ${spec.gateway}`);
  if (spec?.dev !== undefined) parts.push(`dev ${spec.dev}`);
  if (spec?.table !== undefined) parts.push(`table ${spec.table}`);
  if (spec?.metric !== undefined) parts.push(`metric ${spec.metric}`);
  return parts.join(' ');
}

export function encodeRoute(type: number, flags: number, c: RouteChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(128);
  writeRoute(w, type, flags, c, dev);
  return { bytes: w.toBuffer(), describe: describeRoute(type, c.spec), marks: w.marks };
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

// ------------------------------------------------------------------ decoding

function flagsOf(bits: number, table: [number, string][]): string[] {
  const out: string[] = [];
  if (bits === 0) return out;
  for (let i = 0; i < table.length; i++) if (bits & table[i]![0]) out.push(table[i]![1]);
  return out;
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
  return decodeRouteAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'route'));
}

export function decodeRouteAt(buf: Buffer, off: number, end: number): Route {
  fixedHeader(off, end, RTMSG_SIZE, 'route');
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
  const r = new AttrReader(buf, off + RTMSG_SIZE, end);
  while (r.next()) {
    switch (r.type) {
      case RTA_DST: {
        const a = readAddress(r, family);
        route.dst = dstLen === (family === 4 ? 32 : 128) ? a : `${a}/${dstLen}`;
        break;
      }
      case RTA_SRC: route.src = readAddress(r, family); route.src_len = srcLen; break;
      case RTA_GATEWAY: route.gateway = readAddress(r, family); break;
      case RTA_VIA: route.via = viaOf(r); break;
      case RTA_OIF: route.oif = r.u32(); break;
      case RTA_IIF: route.iif = r.u32(); break;
      case RTA_PREFSRC: route.prefsrc = readAddress(r, family); break;
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
      {
        r.struct(12, 'rta_cacheinfo up to rta_expires');
        const ticks = r.buf.readInt32LE(r.off + 8);
        if (ticks !== 0) route.expires = Math.round(ticks / 100);
        break;
      }
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (dstLen === 0 && route.dst !== 'default') route.dst = 'default';
  if (unknown) route.unknown = unknown;
  return route;
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
      if (a.type === RTA_GATEWAY) nh.gateway = readAddress(a, family);
      else if (a.type === RTA_VIA) nh.via = viaOf(a);
    }
    out.push(nh);
    pos += (len + 3) & ~3;
  }
  if (pos < end && end - pos < 8 && pos !== end) throw new DecodeError(`${end - pos} trailing bytes in RTA_MULTIPATH`, pos);
  return out;
}
