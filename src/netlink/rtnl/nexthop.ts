// Nexthop objects (`ip nexthop`): single nexthops, blackholes and groups
// (weighted, resilient). Routes use them by id (`nhid`). The type, its
// encoder and decoder, constants, and the operations bound to a socket.
import { AttrReader, type RawAttribute } from '../core/attributes.js';
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { DecodeError, ValidationError } from '../core/errors.js';
import type { NetlinkSocket, Request } from '../core/socket.js';
import { NetlinkWriter } from '../core/writer.js';
import { scopeName, type ScopeName } from './constants.js';
import { checker, CLOSED, Int, List, Type, U32, type Static } from '../core/schema.js';
import { afOf, describe, familyOf, FamilySchema, formatAddress, parseAddress, type Family } from './inet.js';
import { uint } from './validate.js';
import type { DevCache } from './devices.js';
import type { LinkApi } from './link/api.js';
import { LinkRefSchema, type LinkRef } from './link/codec.js';
import { protocolId, protocolName, ProtocolSchema } from './names.js';
import { observed, type Hooks } from './observer.js';

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
/** Newer kernels (6.12+) answer with NHA_OP_FLAGS saying they understand 16-bit group weights. */
export const NHA_OP_FLAGS = 14;

const NHA_RES_GROUP_BUCKETS = 1;
const NHA_RES_GROUP_IDLE_TIMER = 2;
const NHA_RES_GROUP_UNBALANCED_TIMER = 3;
const NHA_RES_GROUP_UNBALANCED_TIME = 4;

const NEXTHOP_GRP_TYPE_MPATH = 0;
const NEXTHOP_GRP_TYPE_RES = 1;
const RTNH_F_ONLINK = 4;
const USER_HZ = 100;

/** One member of a nexthop group. */
export const NexthopGroupMemberSchema = Type.Object({
  id: Int(1, 0xffffffff),
  /** 1..256 (1..65535 on kernels from 6.12), default 1. */
  weight: Type.Optional(Int(1, 0xffff)),
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

/** A nexthop id: 1..2^32-1. */
const NexthopIdSchema = Int(1, 0xffffffff);

const checkNexthopSpec = checker(NexthopSpecSchema);
const checkNexthopId = checker(NexthopIdSchema);

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
  /** NHA_OP_FLAGS as the kernel reported them (bit 31: it understands 16-bit weights). */
  op_flags?: number;
  scope: ScopeName | number;
  protocol: string | number;
  flags: string[];
  unknown?: RawAttribute[];
}

/** Encodes `ip nexthop add|replace`; `dev` resolves device names. */
export function encodeNexthop(type: number, flags: number, spec: NexthopSpec, dev: (d: LinkRef, f: string) => number): Request {
  if (spec === null || typeof spec !== 'object') throw new ValidationError(`expected a nexthop object, got ${describe(spec)}`);
  const kinds = [spec.gateway !== undefined || spec.dev !== undefined, !!spec.blackhole, spec.group !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw new ValidationError('a nexthop is one of: gateway and/or dev, blackhole, or group', 'group');
  const gw = spec.gateway === undefined ? undefined : parseAddress(spec.gateway, 'gateway', { prefix: 'forbidden' });
  if (gw && spec.family !== undefined && gw.family !== spec.family) throw new ValidationError(`'${spec.gateway}' is not IPv${spec.family}`, 'gateway');
  const family: Family | 0 = gw?.family ?? (spec.dev !== undefined || spec.blackhole ? spec.family ?? 4 : 0);
  const w = new NetlinkWriter(96);
  w.beginMessage(type, flags);
  w.u8(family === 0 ? 0 : afOf(family));
  w.u8(0);
  w.u8(spec.protocol === undefined ? 0 : protocolId(spec.protocol));
  w.u8(0);
  w.u32(spec.onlink ? RTNH_F_ONLINK : 0);
  if (spec.id !== undefined && spec.id !== 0) w.attrU32(NHA_ID, uint(spec.id, 'id', 0xffffffff, 1), 'id');
  if (spec.group !== undefined) {
    if (!Array.isArray(spec.group) || spec.group.length === 0) throw new ValidationError('group must be a non-empty array', 'group');
    const g = Buffer.alloc(8 * spec.group.length);
    spec.group.forEach((m, i) => {
      g.writeUInt32LE(uint(m?.id, `group[${i}].id`, 0xffffffff, 1), i * 8);
      // weight - 1 in 16 bits: the low byte, then (kernel 6.12+) the high byte in what was resvd1.
      const w1 = (m.weight === undefined ? 1 : uint(m.weight, `group[${i}].weight`, 65535, 1)) - 1;
      g[i * 8 + 4] = w1 & 0xff;
      g[i * 8 + 5] = w1 >> 8;
    });
    w.attrBytes(NHA_GROUP, g, 'group');
    const t = spec.type ?? 'mpath';
    if (t !== 'mpath' && t !== 'resilient') throw new ValidationError(`group type must be mpath or resilient, got ${describe(t)}`, 'type');
    if (t === 'resilient') {
      if (spec.buckets === undefined) throw new ValidationError('a resilient group needs `buckets` (the kernel has no default)', 'buckets');
      const res = w.beginNested(NHA_RES_GROUP, 'buckets', true); // before the type, as iproute2
      if (spec.buckets !== undefined) w.attrU16(NHA_RES_GROUP_BUCKETS, uint(spec.buckets, 'buckets', 0xffff, 1), 'buckets');
      if (spec.idle_timer !== undefined) w.attrU32(NHA_RES_GROUP_IDLE_TIMER, uint(spec.idle_timer, 'idle_timer', 0xffffffff / USER_HZ) * USER_HZ, 'idle_timer');
      if (spec.unbalanced_timer !== undefined) {
        w.attrU32(NHA_RES_GROUP_UNBALANCED_TIMER, uint(spec.unbalanced_timer, 'unbalanced_timer', 0xffffffff / USER_HZ) * USER_HZ, 'unbalanced_timer');
      }
      w.endNested(res);
      w.attrU16(NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES, 'type');
    } else if (spec.buckets !== undefined || spec.idle_timer !== undefined || spec.unbalanced_timer !== undefined) {
      throw new ValidationError('buckets and timers are for resilient groups (type: resilient)', 'type');
    }
  }
  if (spec.blackhole) w.attrFlag(NHA_BLACKHOLE, 'blackhole');
  if (gw) w.attrBytes(NHA_GATEWAY, gw.bytes, 'gateway');
  if (spec.dev !== undefined) w.attrU32(NHA_OIF, dev(spec.dev, 'dev'), 'dev');
  if (spec.fdb) w.attrFlag(NHA_FDB, 'fdb');
  w.endMessage();
  const verb = type === RTM_DELNEXTHOP ? 'RTM_DELNEXTHOP' : 'RTM_NEWNEXTHOP';
  return { bytes: w.toBuffer(), describe: `${verb} id ${spec.id ?? 'auto'}`, marks: w.marks };
}

function idRequest(type: number, id: number): Request {
  const w = new NetlinkWriter(32);
  w.beginMessage(type, 0);
  w.zeros(8);
  w.attrU32(NHA_ID, uint(id, 'id', 0xffffffff, 1), 'id');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `${type === RTM_DELNEXTHOP ? 'RTM_DELNEXTHOP' : 'RTM_GETNEXTHOP'} id ${id}`, marks: w.marks };
}

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

const checkNexthopFilter = checker(NexthopFilterSchema);

export function encodeNexthopDump(f: { family?: Family; oif?: number; groups?: boolean; master?: number; fdb?: boolean }): Request {
  const w = new NetlinkWriter(48);
  w.beginMessage(RTM_GETNEXTHOP, 0);
  w.u8(f.family === undefined ? 0 : afOf(f.family));
  w.zeros(7);
  if (f.oif !== undefined) w.attrU32(NHA_OIF, f.oif, 'dev');
  if (f.groups) w.attrFlag(NHA_GROUPS, 'groups');
  if (f.master !== undefined) w.attrU32(NHA_MASTER, f.master, 'master');
  if (f.fdb) w.attrFlag(NHA_FDB, 'fdb');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETNEXTHOP dump', marks: w.marks };
}

/** Decodes one RTM_NEWNEXTHOP/RTM_DELNEXTHOP message (header included). */
export function decodeNexthop(msg: Buffer): Nexthop {
  if (msg.length < 24) throw new DecodeError(`nexthop message of ${msg.length} bytes is shorter than nlmsghdr + nhmsg`);
  const len = msg.readUInt32LE(0);
  if (len > msg.length || len < 24) throw new DecodeError(`nexthop message length ${len} does not fit ${msg.length} bytes`);
  const off = 16;
  const family = familyOf(msg[off]!);
  const nhFlags = msg.readUInt32LE(off + 4);
  const nh: Nexthop = {
    id: 0, blackhole: false, fdb: false, scope: scopeName(msg[off + 1]!), protocol: protocolName(msg[off + 2]!), flags: [],
  };
  if (family) nh.family = family;
  for (const [bit, name] of [[1, 'dead'], [4, 'onlink'], [8, 'offload'], [16, 'linkdown'], [64, 'trap']] as const) {
    if (nhFlags & bit) nh.flags.push(name);
  }
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(msg, off + 8, len);
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
      case NHA_GROUP: {
        if (r.len % 8 !== 0) throw new DecodeError(`NHA_GROUP of ${r.len} bytes is not a whole number of entries`, r.off);
        nh.group = [];
        for (let p = r.off; p < r.off + r.len; p += 8) nh.group.push({ id: r.buf.readUInt32LE(p), weight: (r.buf[p + 4]! | (r.buf[p + 5]! << 8)) + 1 });
        nh.type ??= 'mpath';
        break;
      }
      case NHA_OP_FLAGS: nh.op_flags = r.u32(); break;
      case NHA_GROUP_TYPE: nh.type = r.u16() === NEXTHOP_GRP_TYPE_MPATH ? 'mpath' : 'resilient'; break;
      case NHA_RES_GROUP: {
        const g = r.nested();
        while (g.next()) {
          if (g.type === NHA_RES_GROUP_BUCKETS) nh.buckets = g.u16();
          else if (g.type === NHA_RES_GROUP_IDLE_TIMER) nh.idle_timer = g.u32() / USER_HZ;
          else if (g.type === NHA_RES_GROUP_UNBALANCED_TIMER) nh.unbalanced_timer = g.u32() / USER_HZ;
          else if (g.type === NHA_RES_GROUP_UNBALANCED_TIME) nh.unbalanced_time = g.u64n() / USER_HZ;
        }
        break;
      }
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (unknown) nh.unknown = unknown;
  return nh;
}

/** The id of the nexthop the kernel echoed back for a create (NLM_F_ECHO). */
function echoedId(replies: Buffer[], request: string): number {
  const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWNEXTHOP);
  if (!msg) throw new DecodeError(`${request}: the kernel did not echo the nexthop it created`);
  return decodeNexthop(msg).id;
}

/** `ip nexthop` bound to one socket. */
export class NexthopApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `ip nexthop show`, with kernel-side filters. */
  async list(filter: NexthopFilter = {}): Promise<Nexthop[]> {
    checkNexthopFilter(filter, 'filter');
    const oif = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const master = filter.master === undefined ? undefined : await this.links.index(filter.master, 'master');
    return this.sock.list(encodeNexthopDump({
      ...(filter.family !== undefined && { family: filter.family }), ...(oif !== undefined && { oif }),
      ...(filter.groups && { groups: true }), ...(master !== undefined && { master }), ...(filter.fdb && { fdb: true }),
    }), decodeNexthop);
  }

  /** `ip nexthop get id ID`. */
  async get(id: number): Promise<Nexthop> {
    checkNexthopId(id, 'id');
    const replies = await this.sock.request(idRequest(RTM_GETNEXTHOP, id));
    const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWNEXTHOP);
    if (!msg) throw new DecodeError(`RTM_GETNEXTHOP id ${id}: the kernel sent no nexthop`);
    return decodeNexthop(msg);
  }

  private async change(flags: number, spec: NexthopSpec): Promise<number> {
    checkNexthopSpec(spec);
    encodeNexthop(RTM_NEWNEXTHOP, flags, spec, () => 1); // validate before any lookup
    const cache: DevCache = this.links.devCache();
    await cache.ensure(spec.dev);
    // Without an id the kernel picks one: ask for the created object back (NLM_F_ECHO) to learn it.
    const auto = spec.id === undefined || spec.id === 0;
    const req = encodeNexthop(RTM_NEWNEXTHOP, flags | (auto ? NLM_F_ECHO : 0), spec, cache.resolve);
    const resolved: NexthopSpec = spec.dev === undefined ? { ...spec } : { ...spec, dev: cache.resolve(spec.dev, 'dev') };
    const replies = await observed(this.hooks, () => ({ object: 'nexthop', spec: resolved, replace: (flags & NLM_F_REPLACE) !== 0 }),
      () => this.sock.request(req), (r) => (auto ? { id: echoedId(r, req.describe) } : undefined));
    return auto ? echoedId(replies, req.describe) : spec.id!;
  }

  /** `ip nexthop add`: EEXIST when the id is taken. Resolves with the id (the kernel's choice when none was given). */
  add(spec: NexthopSpec): Promise<number> { return this.change(NLM_F_CREATE | NLM_F_EXCL, spec); }
  /** `ip nexthop replace`: routes using the id follow the change. Resolves with the id. */
  replace(spec: NexthopSpec): Promise<number> { return this.change(NLM_F_CREATE | NLM_F_REPLACE, spec); }

  /** `ip nexthop del id ID`. */
  async del(id: number): Promise<void> {
    checkNexthopId(id, 'id');
    await this.sock.request(idRequest(RTM_DELNEXTHOP, id));
  }
}
