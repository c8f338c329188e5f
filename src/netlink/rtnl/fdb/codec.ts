// Forwarding database entries (`bridge fdb`): AF_BRIDGE neighbour messages,
// in a bridge's table (master) or a device's own (self: a vxlan's remotes, a
// NIC's unicast list). The ndmsg header, the shared NDA_* numbers and flags
// are neigh/codec.ts's; this file adds the bridge ones. No socket here: the
// operations are in api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Int, Type, U16, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { AF_BRIDGE } from '../constants.js';
import { describeRef, directIndex, LinkRefSchema, type DevResolver } from '../devices.js';
import { formatAddress, formatLinkAddress, parseAddress, parseMac } from '../inet.js';
import {
  NDA_CACHEINFO, NDA_DST, NDA_IFINDEX, NDA_LLADDR, NDMSG_SIZE, NEIGH_FLAGS, NEIGH_STATES, readCacheInfo, RTM_DELNEIGH,
  RTM_GETNEIGH, writeNdmsg, type NeighFlag,
} from '../neigh/codec.js';

// NDA_* of bridge entries (neighbour.h)
const NDA_VLAN = 5;
const NDA_PORT = 6;
const NDA_VNI = 7;
const NDA_MASTER = 9;
const NDA_LINK_NETNSID = 10;
const NDA_SRC_VNI = 11;
const NDA_NH_ID = 13;
const NDA_FLAGS_EXT = 15;
/** NDA_FLAGS_EXT bits. */
const NTF_EXT_MANAGED = 1;
const NTF_EXT_LOCKED = 2;

/** The states `bridge fdb add` takes, as the NUD_* bits it sends (default: permanent). */
export const FDB_STATES = {
  permanent: NEIGH_STATES.noarp | NEIGH_STATES.permanent,
  static: NEIGH_STATES.noarp | NEIGH_STATES.reachable,
  dynamic: NEIGH_STATES.reachable,
} as const;
export type FdbState = keyof typeof FDB_STATES | 'stale';

const Vni = Int(0, 0xffffff);

/** What picks one entry: for a vxlan's default (all-zero MAC) entries, the remote too. */
const fdbSelector = {
  /** The MAC address (`bridge fdb add LLADDR`). */
  mac: Type.String(),
  dev: LinkRefSchema,
  /** The bridge's table (`master`). Without `master` or `self` the entry is the device's own, as `bridge fdb add` does. */
  master: Type.Optional(Type.Boolean()),
  /** The device's own table (`self`): a vxlan's remotes, a NIC's unicast list. */
  self: Type.Optional(Type.Boolean()),
  /** Needs VLAN filtering in the kernel (CONFIG_BRIDGE_VLAN_FILTERING). */
  vlan: Type.Optional(Int(1, 4094)),
  /** vxlan: the remote VTEP's IP address. */
  dst: Type.Optional(Type.String()),
  /** vxlan: the remote's UDP port. */
  port: Type.Optional(U16),
  /** vxlan: the remote's VNI. */
  vni: Type.Optional(Vni),
  /** vxlan (collect_metadata): the source VNI. */
  src_vni: Type.Optional(Vni),
  /** vxlan: the device to reach the remote through (`via DEV`). */
  via: Type.Optional(LinkRefSchema),
};

/** `bridge fdb add|append|replace LLADDR dev DEV [dst IP] [vlan VID] [port P] [vni VNI] [via DEV] [self] [master] [permanent|static|dynamic]` */
export const FdbSpecSchema = Type.Object({
  ...fdbSelector,
  /** Default 'permanent' (as `bridge fdb add`). */
  state: Type.Optional(Type.Enum(['permanent', 'static', 'dynamic'])),
  sticky: Type.Optional(Type.Boolean()),
  extern_learn: Type.Optional(Type.Boolean()),
  /** vxlan: a nexthop group of `fdb` nexthops to send to (`nhid N`). */
  nhid: Type.Optional(Int(1, 0xffffffff)),
}, CLOSED);
export type FdbSpec = Static<typeof FdbSpecSchema>;

/** `bridge fdb del LLADDR dev DEV [dst IP] [vlan VID] [self] [master]...` */
export const FdbDelSpecSchema = Type.Object(fdbSelector, CLOSED);
export type FdbDelSpec = Static<typeof FdbDelSpecSchema>;

/** `bridge fdb show [br BRIDGE] [dev DEV]`, and what the kernel cannot filter on. */
export const FdbListFilterSchema = Type.Object({
  /** Entries of this bridge's ports and of the bridge itself (kernel-side). */
  br: Type.Optional(LinkRefSchema),
  /** Entries of this device (kernel-side). */
  dev: Type.Optional(LinkRefSchema),
  vlan: Type.Optional(Int(1, 4094)),
  /** Only entries in one of these states ('permanent', 'static', 'dynamic', 'stale'). */
  state: Type.Optional(Type.Array(Type.Enum(['permanent', 'static', 'dynamic', 'stale']))),
}, CLOSED);
export type FdbListFilter = Static<typeof FdbListFilterSchema>;

const checkFdbSpec = checker(FdbSpecSchema);
const checkFdbDelSpec = checker(FdbDelSpecSchema);
export const checkFdbListFilter = checker(FdbListFilterSchema);

export type FdbFlag = NeighFlag | 'managed' | 'locked';

/** An FDB entry as the kernel reports it. Names follow `bridge -j fdb show`. */
export interface Fdb {
  /** The device (bridge port, vxlan...) the entry is on. */
  ifindex: number;
  mac: string;
  /** The bridge whose table holds the entry (`master br0`); absent for a device's own entries. */
  master?: number;
  /** 'permanent' (local), 'static', 'dynamic' (learned, ages out) or 'stale'. */
  state: FdbState;
  /** NTF_* flags: 'self' for a device's own entries, 'extern_learn', 'offload', 'sticky'... */
  flags: FdbFlag[];
  vlan?: number;
  dst?: string;
  port?: number;
  vni?: number;
  src_vni?: number;
  /** Index of the device the remote is reached through (`via`). */
  via?: number;
  nhid?: number;
  link_netnsid?: number;
  /** Seconds since the entry was used / updated (NDA_CACHEINFO). */
  used?: number;
  confirmed?: number;
  updated?: number;
  unknown?: RawAttribute[];
}

/** A spec that passed checkFdb or checkFdbDel: the caller's spec and its values as they go on the wire. */
export interface FdbChecked {
  readonly spec: FdbSpec;
  readonly mac: Buffer;
  readonly dst?: Buffer;
  /** NUD_* bits. */
  readonly state: number;
  /** NTF_* bits. */
  readonly flags: number;
}

/** Validates an add/append/replace spec whole; `field` names it in errors when it is not an object. */
export function checkFdb(spec: FdbSpec, field?: string): FdbChecked {
  checkFdbSpec(spec, field);
  return checked(spec, FDB_STATES[spec.state ?? 'permanent']);
}

/** Validates a delete spec whole (the state is not a selector: bridge sends the default). */
export function checkFdbDel(spec: FdbDelSpec, field?: string): FdbChecked {
  checkFdbDelSpec(spec, field);
  return checked(spec, FDB_STATES.permanent);
}

function checked(spec: FdbSpec, state: number): FdbChecked {
  const mac = parseMac(spec.mac, 'mac');
  let flags = 0;
  if (spec.master) flags |= NEIGH_FLAGS.master;
  if (spec.self || !spec.master) flags |= NEIGH_FLAGS.self;
  if (spec.sticky) flags |= NEIGH_FLAGS.sticky;
  if (spec.extern_learn) flags |= NEIGH_FLAGS.extern_learn;
  return {
    spec, mac, state, flags,
    ...(spec.dst !== undefined && { dst: parseAddress(spec.dst, 'dst', { prefix: 'forbidden' }).bytes }),
  };
}

/** Writes `bridge fdb add|append|replace|del` (RTM_NEWNEIGH/RTM_DELNEIGH, AF_BRIDGE) in bridge's attribute order. */
export function writeFdb(w: NetlinkWriter, type: number, flags: number, c: FdbChecked, dev: DevResolver): void {
  const s = c.spec;
  w.beginMessage(type, flags);
  writeNdmsg(w, AF_BRIDGE, dev(s.dev, 'dev'), c.state, c.flags);
  w.attrBytes(NDA_LLADDR, c.mac, 'mac');
  if (c.dst) w.attrBytes(NDA_DST, c.dst, 'dst');
  if (s.vlan !== undefined) w.attrU16(NDA_VLAN, s.vlan, 'vlan');
  if (s.nhid !== undefined) w.attrU32(NDA_NH_ID, s.nhid, 'nhid');
  if (s.port !== undefined) w.attrU16be(NDA_PORT, s.port, 'port');
  if (s.vni !== undefined) w.attrU32(NDA_VNI, s.vni, 'vni');
  if (s.src_vni !== undefined) w.attrU32(NDA_SRC_VNI, s.src_vni, 'src_vni');
  if (s.via !== undefined) w.attrU32(NDA_IFINDEX, dev(s.via, 'via'), 'via');
  w.endMessage();
}

/** The request's text for errors: "RTM_NEWNEIGH fdb 02:00:00:00:00:01 dev v0 master". */
export function describeFdb(type: number, spec: FdbDelSpec): string {
  const verb = type === RTM_DELNEIGH ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH';
  const where = [spec.dst !== undefined && `dst ${spec.dst}`, spec.vlan !== undefined && `vlan ${spec.vlan}`, spec.master && 'master', (spec.self || !spec.master) && 'self'];
  return `${verb} fdb ${spec.mac} dev ${describeRef(spec.dev)} ${where.filter(Boolean).join(' ')}`;
}

export function encodeFdb(type: number, flags: number, c: FdbChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(96);
  writeFdb(w, type, flags, c, dev);
  return { bytes: w.toBuffer(), describe: describeFdb(type, c.spec), marks: w.marks };
}

/** An FDB dump; with strict checking the kernel filters by port (ndm_ifindex) and bridge (NDA_MASTER). */
export function encodeFdbDump(filter: { br?: number; dev?: number } = {}): Request {
  const w = new NetlinkWriter(40);
  w.beginMessage(RTM_GETNEIGH, 0);
  writeNdmsg(w, AF_BRIDGE, filter.dev ?? 0, 0, 0);
  if (filter.br !== undefined) w.attrU32(NDA_MASTER, filter.br, 'br');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETNEIGH fdb dump', marks: w.marks };
}

const flagNames = Object.entries(NEIGH_FLAGS) as [NeighFlag, number][];

/** The name `bridge fdb show` gives a state. */
function stateName(bits: number): FdbState {
  if (bits & NEIGH_STATES.permanent) return 'permanent';
  if (bits & NEIGH_STATES.noarp) return 'static';
  if (bits & NEIGH_STATES.stale) return 'stale';
  return 'dynamic';
}

/** Decodes one AF_BRIDGE RTM_NEWNEIGH/RTM_DELNEIGH message (header included). */
export function decodeFdb(msg: Buffer): Fdb {
  return decodeFdbAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'fdb entry'));
}

/** Decodes the ndmsg and attributes in [off, end) of `buf`. */
export function decodeFdbAt(buf: Buffer, off: number, end: number): Fdb {
  fixedHeader(off, end, NDMSG_SIZE, 'fdb entry');
  if (buf[off] !== AF_BRIDGE) throw new DecodeError(`fdb entry family ${buf[off]} is not AF_BRIDGE`, off);
  const flagBits = buf[off + 10]!;
  const e: Fdb = { ifindex: buf.readInt32LE(off + 4), mac: '', state: stateName(buf.readUInt16LE(off + 8)), flags: [] };
  for (const [name, bit] of flagNames) if (flagBits & bit) e.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + NDMSG_SIZE, end);
  while (r.next()) {
    switch (r.type) {
      case NDA_LLADDR: e.mac = formatLinkAddress(r.buf, r.off, r.len); break;
      case NDA_DST:
        if (r.len !== 4 && r.len !== 16) throw new DecodeError(`NDA_DST of ${r.len} bytes is no IP address`, r.off);
        e.dst = formatAddress(r.buf, r.off, r.len);
        break;
      case NDA_MASTER: e.master = r.u32(); break;
      case NDA_VLAN: e.vlan = r.u16(); break;
      case NDA_PORT: e.port = r.u16be(); break;
      case NDA_VNI: e.vni = r.u32(); break;
      case NDA_SRC_VNI: e.src_vni = r.u32(); break;
      case NDA_IFINDEX: e.via = r.u32(); break;
      case NDA_NH_ID: e.nhid = r.u32(); break;
      case NDA_LINK_NETNSID: e.link_netnsid = r.s32(); break;
      case NDA_CACHEINFO: Object.assign(e, readCacheInfo(r)); break;
      case NDA_FLAGS_EXT: {
        const x = r.u32();
        if (x & NTF_EXT_MANAGED) e.flags.push('managed');
        if (x & NTF_EXT_LOCKED) e.flags.push('locked');
        break;
      }
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (unknown) e.unknown = unknown;
  return e;
}
