// Nexthop objects (`ip nexthop`): single nexthops, blackholes and groups
// (weighted, resilient) that routes use by id (`nhid`). Their constants, the
// caller's spec and filter, the one validation step, the encoder and the
// decoder. No socket here: the operations are in api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Int, List, Type, U32, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { scopeName, type ScopeName } from '../constants.js';
import { directIndex, type DevResolver } from '../devices.js';
import { afOf, familyOf, FamilySchema, formatAddress, parseAddress, type Family } from '../inet.js';
import { LinkRefSchema } from '../devices.js';
import { protocolId, protocolName, ProtocolSchema } from '../names.js';

export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

export const NHA_ID = 1;
export const NHA_GROUP = 2;
export const NHA_GROUP_TYPE = 3;
export const NHA_BLACKHOLE = 4;
export const NHA_OIF = 5;
export const NHA_GATEWAY = 6;
export const NHA_GROUPS = 9;
export const NHA_MASTER = 10;
export const NHA_FDB = 11;
export const NHA_RES_GROUP = 12;
/** Since 6.12 the kernel answers groups with NHA_OP_FLAGS (not in the 6.1 headers installed here). */
export const NHA_OP_FLAGS = 14;
/** NHA_OP_FLAGS bit of answers: the reserved fields of nexthop_grp are zeroed, so `weight_high` is meaningful (6.12+). */
export const NHA_OP_FLAG_RESP_GRP_RESVD_0 = 0x80000000;

const NHA_RES_GROUP_BUCKETS = 1;
const NHA_RES_GROUP_IDLE_TIMER = 2;
const NHA_RES_GROUP_UNBALANCED_TIMER = 3;
const NHA_RES_GROUP_UNBALANCED_TIME = 4;

const NEXTHOP_GRP_TYPE_MPATH = 0;
const NEXTHOP_GRP_TYPE_RES = 1;
const RTNH_F_ONLINK = 4;
const USER_HZ = 100;
/** sizeof(struct nhmsg) and sizeof(struct nexthop_grp). */
const NHMSG_SIZE = 8;
const NEXTHOP_GRP_SIZE = 8;

/**
 * The heaviest group member: weight - 1 travels in 16 bits (nexthop_grp's
 * `weight` and, since kernel 6.12, `weight_high`), and the kernel refuses
 * 0xffff ("Invalid value for weight"). Kernels before 6.12 take 1..255.
 */
export const NEXTHOP_WEIGHT_MAX = 0xffff;

/** One member of a nexthop group. */
export const NexthopGroupMemberSchema = Type.Object({
  id: Int(1, 0xffffffff),
  /** 1..65535 (kernel 6.12+; older kernels take 1..255), default 1. */
  weight: Type.Optional(Int(1, NEXTHOP_WEIGHT_MAX)),
}, CLOSED);
export type NexthopGroupMember = Static<typeof NexthopGroupMemberSchema>;

/** Seconds, as resilient groups keep them in USER_HZ ticks of a u32. */
const Seconds = Int(0, Math.floor(0xffffffff / USER_HZ));

/** `ip nexthop add id ID (via GW dev DEV | dev DEV | blackhole | group ID[/W],...) ...` */
export const NexthopSpecSchema = Type.Object({
  /** 0 or absent: the kernel assigns one, and add() resolves with it. */
  id: Type.Optional(U32),
  gateway: Type.Optional(Type.String()),
  dev: Type.Optional(LinkRefSchema),
  /** 4 or 6; inferred from the gateway. Needed for a device-only nexthop (default 4). */
  family: Type.Optional(FamilySchema),
  blackhole: Type.Optional(Type.Boolean()),
  onlink: Type.Optional(Type.Boolean()),
  group: Type.Optional(List(NexthopGroupMemberSchema, { minItems: 1 })),
  /** Group type: 'mpath' (hash-threshold, default) or 'resilient'. */
  type: Type.Optional(Type.Enum(['mpath', 'resilient'])),
  /** Resilient groups: number of buckets. */
  buckets: Type.Optional(Int(1, 0xffff)),
  /** Resilient groups: seconds. */
  idle_timer: Type.Optional(Seconds),
  unbalanced_timer: Type.Optional(Seconds),
  /** A nexthop of a bridge FDB (vxlan). */
  fdb: Type.Optional(Type.Boolean()),
  protocol: Type.Optional(ProtocolSchema),
}, CLOSED);
export type NexthopSpec = Static<typeof NexthopSpecSchema>;

export const NexthopFilterSchema = Type.Object({
  family: Type.Optional(FamilySchema),
  /** Only nexthops using this device (kernel-side). */
  dev: Type.Optional(LinkRefSchema),
  /** Only groups (kernel-side). */
  groups: Type.Optional(Type.Boolean()),
  master: Type.Optional(LinkRefSchema),
  fdb: Type.Optional(Type.Boolean()),
}, CLOSED);
export type NexthopFilter = Static<typeof NexthopFilterSchema>;

const checkNexthopSpec = checker(NexthopSpecSchema);
/** Checks a list() filter; `field` names it in errors. */
export const checkNexthopFilter = checker(NexthopFilterSchema);
/** Checks a nexthop id for get() and del(): 1..2^32-1. */
export const checkNexthopId = checker(Int(1, 0xffffffff));

/** A nexthop object as the kernel reports it. Names follow `ip -j nexthop`. */
export interface Nexthop {
  id: number;
  /** undefined for groups and blackholes (AF_UNSPEC). */
  family?: Family;
  gateway?: string;
  oif?: number;
  blackhole: boolean;
  fdb: boolean;
  group?: { id: number; weight: number }[];
  type?: 'mpath' | 'resilient';
  buckets?: number;
  idle_timer?: number;
  unbalanced_timer?: number;
  unbalanced_time?: number;
  /** NHA_OP_FLAGS as the kernel reported them (bit 31, NHA_OP_FLAG_RESP_GRP_RESVD_0: group weights are 16-bit). */
  op_flags?: number;
  scope: ScopeName | number;
  protocol: string | number;
  flags: string[];
  unknown?: RawAttribute[];
}

/** A spec that passed checkNexthop: the caller's spec and the values it implies on the wire. */
export interface NexthopChecked {
  /** The caller's spec (`dev` still as given). */
  readonly spec: NexthopSpec;
  /** nh_family: the gateway's, 4 unless told for a device or a blackhole, 0 for a group. */
  readonly family: Family | 0;
  readonly gateway?: Buffer;
  readonly protocol: number;
}

/** Validates an add/replace spec whole; `field` names it in errors when it is not an object. */
export function checkNexthop(spec: NexthopSpec, field?: string): NexthopChecked {
  checkNexthopSpec(spec, field);
  const kinds = [spec.gateway !== undefined || spec.dev !== undefined, !!spec.blackhole, spec.group !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw new ValidationError('a nexthop is one of: gateway and/or dev, blackhole, or group', 'group');
  const gw = spec.gateway === undefined ? undefined : parseAddress(spec.gateway, 'gateway', { prefix: 'forbidden' });
  if (gw && spec.family !== undefined && gw.family !== spec.family) throw new ValidationError(`'${spec.gateway}' is not IPv${spec.family}`, 'gateway');
  const family: Family | 0 = gw?.family ?? (spec.dev !== undefined || spec.blackhole ? spec.family ?? 4 : 0);
  const protocol = spec.protocol === undefined ? 0 : protocolId(spec.protocol);
  checkGroupType(spec);
  return { spec, family, protocol, ...(gw && { gateway: gw.bytes }) };
}

/** A group's type and the settings only resilient groups have: refused without a group (never dropped in silence). */
function checkGroupType(spec: NexthopSpec): void {
  if (spec.group === undefined) {
    const field = (['type', 'buckets', 'idle_timer', 'unbalanced_timer'] as const).find((f) => spec[f] !== undefined);
    if (field !== undefined) throw new ValidationError(`${field} is a group setting: it needs a group`, field);
  } else if (spec.type === 'resilient') {
    if (spec.buckets === undefined) throw new ValidationError('a resilient group needs `buckets` (the kernel has no default)', 'buckets');
  } else if (spec.buckets !== undefined || spec.idle_timer !== undefined || spec.unbalanced_timer !== undefined) {
    throw new ValidationError('buckets and timers are for resilient groups (type: resilient)', 'type');
  }
}

/** NHA_GROUP: nexthop_grp entries, weight - 1 split into `weight` (low byte) and `weight_high`. */
function groupEntries(group: readonly NexthopGroupMember[]): Buffer {
  const g = Buffer.alloc(NEXTHOP_GRP_SIZE * group.length);
  group.forEach((m, i) => {
    const w1 = (m.weight ?? 1) - 1;
    g.writeUInt32LE(m.id, i * NEXTHOP_GRP_SIZE);
    g[i * NEXTHOP_GRP_SIZE + 4] = w1 & 0xff;
    g[i * NEXTHOP_GRP_SIZE + 5] = w1 >> 8;
  });
  return g;
}

function writeGroup(w: NetlinkWriter, spec: NexthopSpec, group: readonly NexthopGroupMember[]): void {
  w.attrBytes(NHA_GROUP, groupEntries(group), 'group');
  if (spec.type !== 'resilient') return; // hash-threshold: the kernel's default, not sent (as iproute2)
  const res = w.beginNested(NHA_RES_GROUP, 'buckets', true); // before the type, as iproute2
  if (spec.buckets !== undefined) w.attrU16(NHA_RES_GROUP_BUCKETS, spec.buckets, 'buckets');
  if (spec.idle_timer !== undefined) w.attrU32(NHA_RES_GROUP_IDLE_TIMER, spec.idle_timer * USER_HZ, 'idle_timer');
  if (spec.unbalanced_timer !== undefined) w.attrU32(NHA_RES_GROUP_UNBALANCED_TIMER, spec.unbalanced_timer * USER_HZ, 'unbalanced_timer');
  w.endNested(res);
  w.attrU16(NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES, 'type');
}

/** Writes `ip nexthop add|replace` (RTM_NEWNEXTHOP) into `w`; `dev` resolves the spec's dev. */
export function writeNexthop(w: NetlinkWriter, type: number, flags: number, checked: NexthopChecked, dev: DevResolver): void {
  const { spec } = checked;
  w.beginMessage(type, flags);
  w.u8(checked.family === 0 ? 0 : afOf(checked.family));
  w.u8(0);
  w.u8(checked.protocol);
  w.u8(0);
  w.u32(spec.onlink ? RTNH_F_ONLINK : 0);
  if (spec.id) w.attrU32(NHA_ID, spec.id, 'id');
  if (spec.group !== undefined) writeGroup(w, spec, spec.group);
  if (spec.blackhole) w.attrFlag(NHA_BLACKHOLE, 'blackhole');
  if (checked.gateway) w.attrBytes(NHA_GATEWAY, checked.gateway, 'gateway');
  if (spec.dev !== undefined) w.attrU32(NHA_OIF, dev(spec.dev, 'dev'), 'dev');
  if (spec.fdb) w.attrFlag(NHA_FDB, 'fdb');
  w.endMessage();
}

/** The request's text for errors: "RTM_NEWNEXTHOP id 1". */
export function describeNexthop(type: number, spec: NexthopSpec): string {
  return `${type === RTM_DELNEXTHOP ? 'RTM_DELNEXTHOP' : 'RTM_NEWNEXTHOP'} id ${spec.id ?? 'auto'}`;
}

export function encodeNexthop(type: number, flags: number, checked: NexthopChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(96);
  writeNexthop(w, type, flags, checked, dev);
  return { bytes: w.toBuffer(), describe: describeNexthop(type, checked.spec), marks: w.marks };
}

/** Writes a message naming one nexthop by id (get, del); the id passed checkNexthopId. */
export function writeNexthopId(w: NetlinkWriter, type: number, id: number): void {
  w.beginMessage(type, 0);
  w.zeros(NHMSG_SIZE);
  w.attrU32(NHA_ID, id, 'id');
  w.endMessage();
}

function idRequest(type: number, id: number): Request {
  const w = new NetlinkWriter(32);
  writeNexthopId(w, type, id);
  return { bytes: w.toBuffer(), describe: `${type === RTM_DELNEXTHOP ? 'RTM_DELNEXTHOP' : 'RTM_GETNEXTHOP'} id ${id}`, marks: w.marks };
}

/** `ip nexthop get id ID`. */
export function encodeNexthopGet(id: number): Request {
  return idRequest(RTM_GETNEXTHOP, id);
}

/** `ip nexthop del id ID`. */
export function encodeNexthopDel(id: number): Request {
  return idRequest(RTM_DELNEXTHOP, id);
}

export function encodeNexthopDump(f: { family?: Family; oif?: number; groups?: boolean; master?: number; fdb?: boolean }): Request {
  const w = new NetlinkWriter(48);
  w.beginMessage(RTM_GETNEXTHOP, 0);
  w.u8(f.family === undefined ? 0 : afOf(f.family));
  w.zeros(NHMSG_SIZE - 1);
  if (f.oif !== undefined) w.attrU32(NHA_OIF, f.oif, 'dev');
  if (f.groups) w.attrFlag(NHA_GROUPS, 'groups');
  if (f.master !== undefined) w.attrU32(NHA_MASTER, f.master, 'master');
  if (f.fdb) w.attrFlag(NHA_FDB, 'fdb');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETNEXTHOP dump', marks: w.marks };
}

const NH_FLAGS = [[1, 'dead'], [4, 'onlink'], [8, 'offload'], [16, 'linkdown'], [64, 'trap']] as const;

/** Decodes one RTM_NEWNEXTHOP/RTM_DELNEXTHOP message (header included). */
export function decodeNexthop(msg: Buffer): Nexthop {
  return decodeNexthopAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'nexthop'));
}

/** Decodes the nhmsg and attributes in [off, end) of `buf`. */
export function decodeNexthopAt(buf: Buffer, off: number, end: number): Nexthop {
  fixedHeader(off, end, NHMSG_SIZE, 'nexthop');
  const family = familyOf(buf[off]!);
  const nhFlags = buf.readUInt32LE(off + 4);
  const nh: Nexthop = {
    id: 0, blackhole: false, fdb: false, scope: scopeName(buf[off + 1]!), protocol: protocolName(buf[off + 2]!), flags: [],
  };
  if (family) nh.family = family;
  for (const [bit, name] of NH_FLAGS) if (nhFlags & bit) nh.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  let group: { off: number; len: number } | undefined;
  const r = new AttrReader(buf, off + NHMSG_SIZE, end);
  while (r.next()) {
    switch (r.type) {
      case NHA_ID: nh.id = r.u32(); break;
      case NHA_GATEWAY:
        if (r.len !== 4 && r.len !== 16) throw new DecodeError(`NHA_GATEWAY of ${r.len} bytes`, r.off);
        nh.gateway = formatAddress(r.buf, r.off, r.len);
        break;
      case NHA_OIF: nh.oif = r.u32(); break;
      case NHA_BLACKHOLE: nh.blackhole = true; break;
      case NHA_FDB: nh.fdb = true; break;
      case NHA_GROUP:
        if (r.len % NEXTHOP_GRP_SIZE !== 0) throw new DecodeError(`NHA_GROUP of ${r.len} bytes is not a whole number of entries`, r.off);
        group = { off: r.off, len: r.len };
        nh.type ??= 'mpath';
        break;
      case NHA_OP_FLAGS: nh.op_flags = r.u32(); break;
      case NHA_GROUP_TYPE: nh.type = r.u16() === NEXTHOP_GRP_TYPE_MPATH ? 'mpath' : 'resilient'; break;
      case NHA_RES_GROUP: readResGroup(r.nested(), nh); break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  // NHA_OP_FLAGS follows NHA_GROUP: the members are read once both are known.
  if (group) nh.group = groupMembers(buf, group.off, group.len, ((nh.op_flags ?? 0) & NHA_OP_FLAG_RESP_GRP_RESVD_0) !== 0);
  if (unknown) nh.unknown = unknown;
  return nh;
}

/**
 * nexthop_grp entries. `weight_high` counts only when the kernel says its
 * reserved fields are zeroed (6.12+, NHA_OP_FLAG_RESP_GRP_RESVD_0): older
 * kernels may leave garbage there, and have no weights above 255 anyway.
 */
function groupMembers(buf: Buffer, off: number, len: number, wide: boolean): { id: number; weight: number }[] {
  const out: { id: number; weight: number }[] = [];
  for (let p = off; p < off + len; p += NEXTHOP_GRP_SIZE) {
    out.push({ id: buf.readUInt32LE(p), weight: (buf[p + 4]! | (wide ? buf[p + 5]! << 8 : 0)) + 1 });
  }
  return out;
}

function readResGroup(g: AttrReader, nh: Nexthop): void {
  while (g.next()) {
    if (g.type === NHA_RES_GROUP_BUCKETS) nh.buckets = g.u16();
    else if (g.type === NHA_RES_GROUP_IDLE_TIMER) nh.idle_timer = g.u32() / USER_HZ;
    else if (g.type === NHA_RES_GROUP_UNBALANCED_TIMER) nh.unbalanced_timer = g.u32() / USER_HZ;
    else if (g.type === NHA_RES_GROUP_UNBALANCED_TIME) nh.unbalanced_time = g.u64n() / USER_HZ;
  }
}
