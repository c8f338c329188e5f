// Asking the kernel about routes: the filters of a dump (`ip route show`,
// route.list() and route.dump() alike) and a lookup (`ip route get`).
import { ValidationError } from '../../core/errors.js';
import { checker, CLOSED, Type, U16, U32, U8, type Static } from '../../core/schema.js';
import type { Request } from '../../core/socket.js';
import { NetlinkWriter } from '../../core/writer.js';
import { directIndex, type DevResolver } from '../devices.js';
import { afOf, expectFamily, FamilySchema, parseAddress, type Family } from '../inet.js';
import { LinkRefSchema, type LinkRef } from '../devices.js';
import { protocolId, ProtocolSchema, tableId, TableSchema } from '../names.js';
import type { Route } from './codec.js';
import { ROUTE_TYPES, RT_TABLE_MAIN, RTA_DPORT, RTA_DST, RTA_IIF, RTA_IP_PROTO, RTA_MARK, RTA_OIF, RTA_SPORT, RTA_SRC, RTA_TABLE, RTA_UID, RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE, RTM_GETROUTE } from './constants.js';

/** `ip route show` filters, for route.list() and route.dump() alike. */
export const RouteFilterSchema = Type.Object({
  /** Default both families for list(); dump() streams one and needs it. */
  family: Type.Optional(FamilySchema),
  /** Table id or name, or 'all'. Default 'main' (as `ip route show`). */
  table: Type.Optional(TableSchema),
  protocol: Type.Optional(ProtocolSchema),
  type: Type.Optional(Type.Enum(ROUTE_TYPES)),
  /** Output device (kernel-side filter). */
  dev: Type.Optional(LinkRefSchema),
}, CLOSED);
export type RouteFilter = Static<typeof RouteFilterSchema>;

/** What a route dump request asks the kernel to filter by (strict checking). */
export interface RouteDumpFilter {
  table?: number | undefined;
  protocol?: number | undefined;
  type?: number | undefined;
  oif?: number | undefined;
}

/** A filter after checkRouteFilter(); `table` undefined is every table. */
export interface RouteFilterChecked extends Omit<RouteDumpFilter, 'oif'> {
  families: Family[];
  dev: LinkRef | undefined;
}

const checkRouteFilterSchema = checker(RouteFilterSchema);

/** The one check of a filter; `oneFamily` (a dump) wants its family given. */
export function checkRouteFilter(filter: RouteFilter, oneFamily = false): RouteFilterChecked {
  checkRouteFilterSchema(filter, 'filter');
  if (oneFamily && filter.family === undefined) throw new ValidationError('a dump is of one family: give family 4 or 6', 'family');
  return {
    families: filter.family === undefined ? [4, 6] : [filter.family],
    table: filter.table === 'all' ? undefined : filter.table === undefined ? RT_TABLE_MAIN : tableId(filter.table),
    protocol: filter.protocol === undefined ? undefined : protocolId(filter.protocol),
    type: filter.type === undefined ? undefined : ROUTE_TYPES.indexOf(filter.type),
    dev: filter.dev,
  };
}

/** Whether a dumped route is one the filter selects (the kernel filters, this completes it). */
export function routeSelected(f: RouteFilterChecked, r: Route): boolean {
  // The kernel's cache entries are not routes of the table; `ip route show` leaves them out too.
  if (r.flags.includes('cloned')) return false;
  // The kernel filters the header's table only for ids < 256; check again for the rest.
  return f.table === undefined || r.table === f.table;
}

/** A route dump; with strict checking the kernel filters by table, protocol, type and oif. */
export function encodeRouteDump(family: Family | 0, f: RouteDumpFilter = {}): Request {
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

/**
 * `ip route get ADDR [from SRC] [iif DEV] [oif DEV] [mark M] [fibmatch] ...`.
 * No table: the kernel refuses RTA_TABLE in a lookup; rules (mark, iif,
 * src...) are how a lookup reaches another table.
 */
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

export interface RouteGetChecked {
  spec: RouteGetSpec;
  family: Family;
  dst: Buffer;
  src: Buffer | undefined;
}

const checkRouteGetSchema = checker(RouteGetSpecSchema);

export function checkRouteGet(spec: RouteGetSpec): RouteGetChecked {
  checkRouteGetSchema(spec);
  const dst = parseAddress(spec.dst, 'dst', { prefix: 'forbidden' });
  let src: Buffer | undefined;
  if (spec.src !== undefined) {
    const a = parseAddress(spec.src, 'src', { prefix: 'forbidden' });
    expectFamily(a, dst.family, 'src', spec.src);
    src = a.bytes;
  }
  return { spec, family: dst.family, dst: dst.bytes, src };
}

export function encodeRouteGet(c: RouteGetChecked, dev: DevResolver = directIndex): Request {
  const spec = c.spec;
  const full = c.family === 4 ? 32 : 128;
  const w = new NetlinkWriter(96);
  w.beginMessage(RTM_GETROUTE, 0);
  w.u8(afOf(c.family));
  w.u8(full);
  w.u8(c.src ? full : 0);
  w.u8(spec.tos ?? 0);
  w.u8(0); w.u8(0); w.u8(0); w.u8(0);
  // LOOKUP_TABLE: report the table the route was found in, as `ip route get` does
  // (IPv4 only: IPv6 always reports it, and refuses the flag under strict checking).
  w.u32((c.family === 4 ? RTM_F_LOOKUP_TABLE : 0) | (spec.fibmatch ? RTM_F_FIB_MATCH : 0));
  w.attrBytes(RTA_DST, c.dst, 'dst');
  if (c.src) w.attrBytes(RTA_SRC, c.src, 'src');
  if (spec.iif !== undefined) w.attrU32(RTA_IIF, dev(spec.iif, 'iif'), 'iif');
  if (spec.oif !== undefined) w.attrU32(RTA_OIF, dev(spec.oif, 'oif'), 'oif');
  if (spec.mark !== undefined) w.attrU32(RTA_MARK, spec.mark, 'mark');
  if (spec.uid !== undefined) w.attrU32(RTA_UID, spec.uid, 'uid');
  if (spec.ipproto !== undefined) w.attrU8(RTA_IP_PROTO, spec.ipproto, 'ipproto');
  if (spec.sport !== undefined) w.attrU16be(RTA_SPORT, spec.sport, 'sport');
  if (spec.dport !== undefined) w.attrU16be(RTA_DPORT, spec.dport, 'dport');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETROUTE ${spec.dst}`, marks: w.marks };
}
