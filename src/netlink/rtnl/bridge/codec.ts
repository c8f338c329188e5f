// Bridge VLANs (`bridge vlan`): which VLANs a bridge port (or the bridge
// itself) carries, which is its PVID and which leave untagged. Added and
// removed with RTM_SETLINK/RTM_DELLINK of family AF_BRIDGE carrying
// IFLA_AF_SPEC { [IFLA_BRIDGE_FLAGS] IFLA_BRIDGE_VLAN_INFO... }, listed with an
// AF_BRIDGE link dump asking for RTEXT_FILTER_BRVLAN. No socket here: see api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Int, Type, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { AF_BRIDGE, RTM_DELLINK, RTM_GETLINK } from '../constants.js';
import { describeRef, directIndex, LinkRefSchema, type DevResolver } from '../devices.js';
import { ifinfomsg } from '../link/codec.js';
import { IFLA_AF_SPEC, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_MASTER, RTEXT_FILTER_BRVLAN } from '../link/constants.js';

// IFLA_AF_SPEC of AF_BRIDGE (if_bridge.h)
const IFLA_BRIDGE_FLAGS = 0;
const IFLA_BRIDGE_VLAN_INFO = 2;
const BRIDGE_FLAGS_MASTER = 1;
const BRIDGE_FLAGS_SELF = 2;
// struct bridge_vlan_info { __u16 flags; __u16 vid; } (BRIDGE_VLAN_INFO_MASTER, 1, is not decoded)
const BRIDGE_VLAN_INFO_PVID = 1 << 1;
const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;
const BRIDGE_VLAN_INFO_RANGE_BEGIN = 1 << 3;
const BRIDGE_VLAN_INFO_RANGE_END = 1 << 4;
const IFINFOMSG_LEN = 16;

const Vid = Int(1, 4094);

const vlanSelector = {
  /** The bridge port, or the bridge itself with `self`. */
  dev: LinkRefSchema,
  /** The VLAN id, or the first of a range. */
  vid: Vid,
  /** The last VLAN of the range vid..vidEnd (`vid 20-30`). */
  vidEnd: Type.Optional(Vid),
  /** Ask the bridge master (`master`); the default when neither is given. */
  master: Type.Optional(Type.Boolean()),
  /** Ask the device itself (`self`): the bridge device's own VLANs. */
  self: Type.Optional(Type.Boolean()),
};

/** `bridge vlan add vid VID[-VIDEND] dev DEV [pvid] [untagged] [self] [master]` */
export const BridgeVlanSpecSchema = Type.Object({
  ...vlanSelector,
  /** Untagged frames received on the port belong to this VLAN (not for a range). */
  pvid: Type.Optional(Type.Boolean()),
  /** Frames of this VLAN leave the port untagged. */
  untagged: Type.Optional(Type.Boolean()),
}, CLOSED);
export type BridgeVlanSpec = Static<typeof BridgeVlanSpecSchema>;

/** `bridge vlan del vid VID[-VIDEND] dev DEV [self] [master]` */
export const BridgeVlanDelSpecSchema = Type.Object(vlanSelector, CLOSED);
export type BridgeVlanDelSpec = Static<typeof BridgeVlanDelSpecSchema>;

export const BridgeVlanListFilterSchema = Type.Object({
  /** Only this port's (or bridge's) VLANs. */
  dev: Type.Optional(LinkRefSchema),
}, CLOSED);
export type BridgeVlanListFilter = Static<typeof BridgeVlanListFilterSchema>;

const checkVlanSpec = checker(BridgeVlanSpecSchema);
const checkVlanDelSpec = checker(BridgeVlanDelSpecSchema);
export const checkBridgeVlanListFilter = checker(BridgeVlanListFilterSchema);

/** One VLAN (or range) of a port, as `bridge -j vlan show` lists it. */
export interface BridgeVlan {
  vid: number;
  /** The last VLAN of a range. */
  vidEnd?: number;
  pvid: boolean;
  untagged: boolean;
}

/** A port's (or bridge's) VLANs, from an AF_BRIDGE link message. */
export interface BridgePortVlans {
  ifindex: number;
  ifname: string;
  /** The bridge, for a port. */
  master?: number;
  vlans: BridgeVlan[];
  unknown?: RawAttribute[];
}

/** Validates an add spec whole: a range ends after it begins and has no PVID (as `bridge vlan add` says). */
export function checkBridgeVlan(spec: BridgeVlanSpec, field?: string): BridgeVlanSpec {
  checkVlanSpec(spec, field);
  checkRange(spec);
  if (spec.pvid && spec.vidEnd !== undefined && spec.vidEnd !== spec.vid) throw new ValidationError('a VLAN range cannot be the pvid', 'pvid');
  return spec;
}

/** Validates a delete spec whole. */
export function checkBridgeVlanDel(spec: BridgeVlanDelSpec, field?: string): BridgeVlanDelSpec {
  checkVlanDelSpec(spec, field);
  checkRange(spec);
  return spec;
}

function checkRange(spec: BridgeVlanDelSpec): void {
  if (spec.vidEnd !== undefined && spec.vidEnd < spec.vid) throw new ValidationError(`vidEnd ${spec.vidEnd} is below vid ${spec.vid}`, 'vidEnd');
}

function writeVlanInfo(w: NetlinkWriter, flags: number, vid: number, field: string): void {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(flags, 0);
  b.writeUInt16LE(vid, 2);
  w.attrBytes(IFLA_BRIDGE_VLAN_INFO, b, field);
}

/**
 * Writes `bridge vlan add|del` (RTM_SETLINK / RTM_DELLINK, AF_BRIDGE): the
 * flags attribute only for `master`/`self`, a range as two VLAN_INFOs.
 */
export function writeBridgeVlan(w: NetlinkWriter, type: number, flags: number, spec: BridgeVlanSpec, dev: DevResolver): void {
  w.beginMessage(type, flags);
  ifinfomsg(w, dev(spec.dev, 'dev'), 0, 0, AF_BRIDGE);
  const af = w.beginNested(IFLA_AF_SPEC);
  const side = (spec.master ? BRIDGE_FLAGS_MASTER : 0) | (spec.self ? BRIDGE_FLAGS_SELF : 0);
  if (side) w.attrU16(IFLA_BRIDGE_FLAGS, side, spec.self ? 'self' : 'master');
  const info = (spec.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (spec.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  if (spec.vidEnd === undefined || spec.vidEnd === spec.vid) {
    writeVlanInfo(w, info, spec.vid, 'vid');
  } else {
    writeVlanInfo(w, info | BRIDGE_VLAN_INFO_RANGE_BEGIN, spec.vid, 'vid');
    writeVlanInfo(w, info | BRIDGE_VLAN_INFO_RANGE_END, spec.vidEnd, 'vidEnd');
  }
  w.endNested(af);
  w.endMessage();
}

/** The request's text for errors: "RTM_SETLINK bridge vlan 20-30 dev v0". */
export function describeBridgeVlan(type: number, spec: BridgeVlanDelSpec): string {
  const vids = spec.vidEnd === undefined || spec.vidEnd === spec.vid ? `${spec.vid}` : `${spec.vid}-${spec.vidEnd}`;
  return `${type === RTM_DELLINK ? 'RTM_DELLINK' : 'RTM_SETLINK'} bridge vlan ${vids} dev ${describeRef(spec.dev)}${spec.self ? ' self' : ''}${spec.master ? ' master' : ''}`;
}

export function encodeBridgeVlan(type: number, flags: number, spec: BridgeVlanSpec, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(64);
  writeBridgeVlan(w, type, flags, spec, dev);
  return { bytes: w.toBuffer(), describe: describeBridgeVlan(type, spec), marks: w.marks };
}

/** `bridge vlan show`: an AF_BRIDGE link dump with each port's VLANs. */
export function encodeBridgeVlanDump(): Request {
  const w = new NetlinkWriter(40);
  w.beginMessage(RTM_GETLINK, 0);
  ifinfomsg(w, 0, 0, 0, AF_BRIDGE);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETLINK bridge vlan dump' };
}

/** Decodes one AF_BRIDGE RTM_NEWLINK message (header included). */
export function decodeBridgeVlans(msg: Buffer): BridgePortVlans {
  return decodeBridgeVlansAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'bridge vlan'));
}

/** Decodes the ifinfomsg and attributes in [off, end): the name, the master and the VLANs in IFLA_AF_SPEC. */
export function decodeBridgeVlansAt(buf: Buffer, off: number, end: number): BridgePortVlans {
  fixedHeader(off, end, IFINFOMSG_LEN, 'bridge vlan');
  if (buf[off] !== AF_BRIDGE) throw new DecodeError(`bridge vlan message family ${buf[off]} is not AF_BRIDGE`, off);
  const p: BridgePortVlans = { ifindex: buf.readInt32LE(off + 4), ifname: '', vlans: [] };
  const r = new AttrReader(buf, off + IFINFOMSG_LEN, end);
  while (r.next()) {
    if (r.type === IFLA_IFNAME) p.ifname = r.string();
    else if (r.type === IFLA_MASTER) p.master = r.u32();
    else if (r.type === IFLA_AF_SPEC) decodeAfSpec(r.nested(), p);
    // IFLA_PROTINFO, IFLA_MTU...: the link's, not its VLANs'
  }
  return p;
}

function decodeAfSpec(r: AttrReader, p: BridgePortVlans): void {
  let begin: BridgeVlan | undefined;
  while (r.next()) {
    if (r.type !== IFLA_BRIDGE_VLAN_INFO) {
      (p.unknown ??= []).push(r.raw());
      continue;
    }
    r.struct(4, 'bridge_vlan_info');
    const flags = r.buf.readUInt16LE(r.off);
    const vid = r.buf.readUInt16LE(r.off + 2);
    const v: BridgeVlan = { vid, pvid: (flags & BRIDGE_VLAN_INFO_PVID) !== 0, untagged: (flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0 };
    if (flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      begin = v;
    } else if (flags & BRIDGE_VLAN_INFO_RANGE_END) {
      if (!begin) throw new DecodeError(`VLAN range end ${vid} without a beginning`, r.off);
      p.vlans.push({ ...begin, vidEnd: vid });
      begin = undefined;
    } else {
      p.vlans.push(v);
    }
  }
  if (begin) throw new DecodeError(`VLAN range from ${begin.vid} has no end`);
}
