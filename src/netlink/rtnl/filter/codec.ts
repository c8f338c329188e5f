// Filters (`tc filter`): classifiers attached to a qdisc or class — u32,
// matchall, flower — with their actions. Specs, the one check, encoder and
// decoder; each classifier's options are in ../tc/kinds/, entered once in
// FILTER_KINDS. No socket here: api.ts.
import { describeValue, ValidationError } from '../../core/errors.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Int, Text, Type, U32, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { describeRef, directIndex, LinkRefSchema, type DevResolver, type LinkRef } from '../devices.js';
import { RTM_DELTFILTER, RTM_GETTFILTER, RTM_NEWTFILTER, TCA_CHAIN, TCA_KIND } from '../tc/constants.js';
import { unsupportedKind } from '../tc/errors.js';
import { formatParent, parseClassId, TC_H_CLSACT, TC_H_MIN_EGRESS, TC_H_MIN_INGRESS, TcHandleSchema, type TcHandle } from '../tc/handles.js';
import type { TcKind } from '../tc/kind.js';
import { flower, flowerProtocolProblem, type FlowerInfo, type FlowerOptions } from '../tc/kinds/flower.js';
import { matchall, type MatchallInfo, type MatchallOptions } from '../tc/kinds/matchall.js';
import { u32, type U32Info, type U32Options } from '../tc/kinds/u32.js';
import { decodeTcParts, tcmsg, type TcParts, type TcStats } from '../tc/message.js';

export { RTM_DELTFILTER, RTM_GETTFILTER, RTM_NEWTFILTER };

export type FilterKind = 'u32' | 'matchall' | 'flower';
/** The classifiers netnest creates, with their options: one entry per kind. */
export const FILTER_KINDS: Readonly<Record<FilterKind, TcKind>> = { u32, matchall, flower };

/** Ethernet protocols by the names tc takes (ETH_P_*). */
const PROTOCOLS: Readonly<Record<string, number>> = {
  all: 0x0003, ip: 0x0800, ipv6: 0x86dd, arp: 0x0806, '802.1q': 0x8100, '802.1ad': 0x88a8, mpls_uc: 0x8847, mpls_mc: 0x8848,
};
const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOLS).map(([k, v]) => [v, k]));

const filterWhere = {
  dev: LinkRefSchema,
  /** The qdisc or class: '1:', 'ffff:' (an ingress qdisc), 'root', or a clsact's 'ingress' / 'egress'. */
  parent: TcHandleSchema,
  /** 'all' (the default for add), 'ip', 'ipv6', 'arp', '802.1q'... or the EtherType. */
  protocol: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 0xffff }), Text({ minLength: 1, maxLength: 16 })])),
  /** Priority (tc's pref/prio): lower runs first; the kernel picks one when none is given. */
  pref: Type.Optional(Int(0, 0xffff)),
  /** The filter's handle: u32's 'HT:HASH:NODE' ('800::5') or a number. */
  handle: Type.Optional(Type.Union([U32, Text({ minLength: 1, maxLength: 16 })])),
  chain: Type.Optional(U32),
};

/** `tc filter add|replace|change dev DEV parent P [protocol PROTO] [pref N] [handle H] KIND [OPTIONS]`. */
export const FilterSpecSchema = Type.Union(Object.entries(FILTER_KINDS).map(([kind, k]) => Type.Object({
  ...filterWhere,
  kind: Type.Literal(kind),
  options: Type.Optional(k.schema),
}, CLOSED)));

type Where = Static<ReturnType<typeof Type.Object<typeof filterWhere>>>;
export type FilterSpec = Where & (
  | { kind: 'u32'; options?: U32Options }
  | { kind: 'matchall'; options?: MatchallOptions }
  | { kind: 'flower'; options?: FlowerOptions }
);

/** `tc filter del dev DEV parent P [protocol PROTO] [pref N] [handle H KIND]`. */
export const FilterDelSpecSchema = Type.Object({
  ...filterWhere,
  kind: Type.Optional(Type.Enum(Object.keys(FILTER_KINDS) as FilterKind[])),
}, CLOSED);
export type FilterDelSpec = Static<typeof FilterDelSpecSchema>;

export const FilterListFilterSchema = Type.Object({
  dev: LinkRefSchema,
  /** The qdisc or class whose filters to list (default: the root qdisc's). */
  parent: Type.Optional(TcHandleSchema),
}, CLOSED);
export type FilterListFilter = Static<typeof FilterListFilterSchema>;

const checkShape = checker(Type.Object({ ...filterWhere, kind: Type.Enum(Object.keys(FILTER_KINDS) as FilterKind[]), options: Type.Optional(Type.Unknown()) }, CLOSED));
const checkDelShape = checker(FilterDelSpecSchema);
export const checkFilterListFilter = checker(FilterListFilterSchema);

export type FilterOptions = U32Info | MatchallInfo | FlowerInfo;

/** A filter as the kernel reports it; names as `tc -j filter show`. */
export interface Filter {
  ifindex: number;
  kind: string;
  parent: string;
  protocol: string | number;
  pref: number;
  /** u32: 'HT:HASH:NODE' ('800::800'); others: the number in hex ('0x1'). Absent on a priority's head entry. */
  handle?: string;
  chain?: number;
  options?: FilterOptions;
  stats?: TcStats;
  unknown?: TcParts['unknown'];
}

export interface FilterChecked {
  readonly spec: FilterSpec | FilterDelSpec;
  readonly parent: number;
  readonly handle: number;
  readonly info: number;
  readonly protocol: number;
  readonly kind?: FilterKind;
  readonly options?: unknown;
}

/** A filter's parent; 'ingress' and 'egress' are a clsact qdisc's two hooks, as in tc. */
export function filterParent(v: TcHandle, field: string): number {
  if (v === 'ingress') return ((TC_H_CLSACT & 0xffff0000) | TC_H_MIN_INGRESS) >>> 0;
  if (v === 'egress') return ((TC_H_CLSACT & 0xffff0000) | TC_H_MIN_EGRESS) >>> 0;
  return parseClassId(v, field);
}

function protocolId(v: string | number | undefined, fallback: number, field: string): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  if (Object.hasOwn(PROTOCOLS, v)) return PROTOCOLS[v]!;
  if (/^0x[0-9a-fA-F]{1,4}$/.test(v)) return Number.parseInt(v, 16);
  throw new ValidationError(`unknown protocol ${describeValue(v)} (${Object.keys(PROTOCOLS).join(', ')} or 0xNNNN)`, field);
}

/** A filter handle: u32's 'HT:HASH:NODE' (hex) as tc's get_u32_handle reads it, or a number ('0x1', 1). */
export function parseFilterHandle(v: string | number, field: string): number {
  if (typeof v === 'number') return v;
  const m = /^([0-9a-fA-F]{0,3}):([0-9a-fA-F]{0,2})(?::([0-9a-fA-F]{0,3}))?$/.exec(v);
  if (m) return ((Number.parseInt(m[1] || '0', 16) << 20) | (Number.parseInt(m[2] || '0', 16) << 12) | Number.parseInt(m[3] || '0', 16)) >>> 0;
  if (/^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(v) && Number(v) <= 0xffffffff) return Number(v);
  throw new ValidationError(`${describeValue(v)} is not a filter handle (u32's '800::5', or a number)`, field);
}

/** tc's notation for a filter handle. */
export function formatFilterHandle(kind: string, h: number): string {
  if (kind !== 'u32') return `0x${h.toString(16)}`;
  const ht = h >>> 20;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  return `${ht ? `${ht.toString(16)}:` : ''}${hash ? hash.toString(16) : ''}${node ? `:${node.toString(16)}` : ''}`;
}

function where(s: Where, protocolFallback: number): { parent: number; handle: number; info: number; protocol: number } {
  const protocol = protocolId(s.protocol, protocolFallback, 'protocol');
  const handle = s.handle === undefined ? 0 : parseFilterHandle(s.handle, 'handle');
  // tcm_info: the priority in the upper 16 bits, the protocol in network order below.
  const info = (((s.pref ?? 0) << 16) | (((protocol & 0xff) << 8) | (protocol >>> 8))) >>> 0;
  return { parent: filterParent(s.parent, 'parent'), handle, info, protocol };
}

/** Validates an add/replace/change spec whole, options included; `protocol` defaults to 'all' as tc's add. */
export function checkFilter(spec: FilterSpec, field?: string): FilterChecked {
  checkShape(spec, field);
  const w = where(spec, PROTOCOLS.all!);
  const options = FILTER_KINDS[spec.kind].check(spec.options, 'options');
  if (spec.kind === 'flower') {
    const problem = flowerProtocolProblem(options, w.protocol);
    if (problem) throw new ValidationError(problem, 'protocol');
  }
  return { spec, ...w, kind: spec.kind, options };
}

/** Validates a delete spec; without protocol, pref or handle the kernel deletes every filter of the parent. */
export function checkFilterDel(spec: FilterDelSpec, field?: string): FilterChecked {
  checkDelShape(spec, field);
  return { spec, ...where(spec, 0), ...(spec.kind && { kind: spec.kind }) };
}

/** The device names in a spec's actions (resolved before encoding). */
export function filterDevices(c: FilterChecked): LinkRef[] {
  if (!c.kind || c.options === undefined) return [];
  return (FILTER_KINDS[c.kind].devices?.(c.options) ?? []) as LinkRef[];
}

/** Writes `tc filter add|replace|change|del` (RTM_NEWTFILTER/RTM_DELTFILTER) into `w`. */
export function writeFilter(w: NetlinkWriter, type: number, flags: number, c: FilterChecked, dev: DevResolver): void {
  w.beginMessage(type, flags);
  tcmsg(w, dev(c.spec.dev, 'dev'), c.handle, c.parent, c.info);
  if (c.spec.chain !== undefined) w.attrU32(TCA_CHAIN, c.spec.chain, 'chain');
  if (c.kind) w.attrString(TCA_KIND, c.kind, 'kind');
  if (c.kind && type === RTM_NEWTFILTER) FILTER_KINDS[c.kind].write(w, c.options, { dev, protocol: c.protocol });
  w.endMessage();
}

export function describeFilter(type: number, c: FilterChecked): string {
  const verb = type === RTM_DELTFILTER ? 'RTM_DELTFILTER' : 'RTM_NEWTFILTER';
  const pref = c.info >>> 16 ? ` pref ${c.info >>> 16}` : '';
  return `${verb}${c.kind ? ` ${c.kind}` : ''} dev ${describeRef(c.spec.dev)} parent ${formatParent(c.parent)}${pref}`;
}

export function encodeFilter(type: number, flags: number, c: FilterChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(type === RTM_NEWTFILTER ? 512 : 64);
  writeFilter(w, type, flags, c, dev);
  const req: Request = { bytes: w.toBuffer(), describe: describeFilter(type, c), marks: w.marks };
  if (c.kind && type === RTM_NEWTFILTER) req.mapError = unsupportedKind('filter', c.kind);
  return req;
}

/** `tc filter show dev DEV [parent P]`. */
export function encodeFilterDump(ifindex: number, parent = 0): Request {
  const w = new NetlinkWriter(40);
  w.beginMessage(RTM_GETTFILTER, 0);
  tcmsg(w, ifindex, 0, parent);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETTFILTER dump ifindex ${ifindex} parent ${formatParent(parent)}` };
}

export function decodeFilter(msg: Buffer): Filter {
  return fromParts(decodeTcParts(msg, 'filter'));
}

function fromParts(p: TcParts): Filter {
  const proto = ((p.info & 0xff) << 8) | ((p.info >>> 8) & 0xff);
  const f: Filter = { ifindex: p.ifindex, kind: p.kind, parent: formatParent(p.parent), protocol: PROTOCOL_NAMES.get(proto) ?? proto, pref: p.info >>> 16 };
  if (p.handle) f.handle = formatFilterHandle(p.kind, p.handle);
  if (p.chain !== undefined) f.chain = p.chain;
  if (p.options && Object.hasOwn(FILTER_KINDS, p.kind)) {
    f.options = FILTER_KINDS[p.kind as FilterKind].decode(p.options.buf, p.options.off, p.options.end) as FilterOptions;
  }
  if (p.stats) f.stats = p.stats;
  if (p.unknown) f.unknown = p.unknown;
  return f;
}
