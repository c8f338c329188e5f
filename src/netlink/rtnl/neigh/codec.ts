// Neighbours (`ip neigh`): ARP and NDP entries, proxy entries. Their
// constants, the caller's specs and filters, the one validation step, the
// encoder and the decoder. No socket here: the operations are in api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Type, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { directIndex, type DevResolver } from '../devices.js';
import {
  afOf, describe, familyOf, FamilySchema, formatLinkAddress, parseAddress, parseMac, readAddress, type Family,
} from '../inet.js';
import { LinkRefSchema } from '../devices.js';
import { protocolId, protocolName, ProtocolSchema } from '../names.js';
import { own } from '../validate.js';

export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;

export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_IFINDEX = 8;
export const NDA_PROTOCOL = 12;

/** sizeof(struct ndmsg). */
export const NDMSG_SIZE = 12;
/** struct nda_cacheinfo counts clock ticks (USER_HZ). */
const USER_HZ = 100;

/** NUD_* states by the names `ip neigh` uses (nud STATE). */
export const NEIGH_STATES = {
  incomplete: 0x01, reachable: 0x02, stale: 0x04, delay: 0x08, probe: 0x10, failed: 0x20, noarp: 0x40,
  permanent: 0x80, none: 0x00,
} as const;
export type NeighState = keyof typeof NEIGH_STATES;

/** NTF_* flags. */
export const NEIGH_FLAGS = {
  use: 0x01, self: 0x02, master: 0x04, proxy: 0x08, extern_learn: 0x10, offload: 0x20, sticky: 0x40, router: 0x80,
} as const;
export type NeighFlag = keyof typeof NEIGH_FLAGS;

/** The states whose entries carry a link-layer address. */
const NEEDS_LLADDR = NEIGH_STATES.permanent | NEIGH_STATES.noarp | NEIGH_STATES.reachable | NEIGH_STATES.stale
  | NEIGH_STATES.delay | NEIGH_STATES.probe;

const neighSelector = {
  /** The neighbour's IP address. */
  dst: Type.String(),
  dev: LinkRefSchema,
  /** A proxy ARP/NDP entry (`ip neigh add proxy ADDR dev DEV`). */
  proxy: Type.Optional(Type.Boolean()),
  router: Type.Optional(Type.Boolean()),
  extern_learn: Type.Optional(Type.Boolean()),
  protocol: Type.Optional(ProtocolSchema),
};

/** `ip neigh add|replace ADDR [lladdr MAC] dev DEV [nud STATE] [router] [proxy]` */
export const NeighSpecSchema = Type.Object({
  ...neighSelector,
  /** Link-layer address; required for permanent/noarp/reachable/stale entries. */
  lladdr: Type.Optional(Type.String()),
  /** Default 'permanent' (as `ip neigh add`). */
  state: Type.Optional(Type.Enum(Object.keys(NEIGH_STATES) as NeighState[])),
}, CLOSED);
export type NeighSpec = Static<typeof NeighSpecSchema>;

/** `ip neigh del ADDR dev DEV [proxy]` */
export const NeighDelSpecSchema = Type.Object(neighSelector, CLOSED);
export type NeighDelSpec = Static<typeof NeighDelSpecSchema>;

export const NeighListFilterSchema = Type.Object({
  family: Type.Optional(FamilySchema),
  /** Only entries of this link (a kernel-side filter). */
  dev: Type.Optional(LinkRefSchema),
  /** Proxy entries (`ip neigh show proxy`). */
  proxy: Type.Optional(Type.Boolean()),
}, CLOSED);
export type NeighListFilter = Static<typeof NeighListFilterSchema>;

const checkNeighSpec = checker(NeighSpecSchema);
const checkNeighDelSpec = checker(NeighDelSpecSchema);
/** Checks a list() filter; `field` names it in errors. */
export const checkNeighListFilter = checker(NeighListFilterSchema);

/** A neighbour entry as the kernel reports it. Names follow `ip -j neigh`. */
export interface Neigh {
  family: Family;
  /** Index of the link. */
  ifindex: number;
  dst: string;
  lladdr?: string;
  /** NUD states, e.g. ['PERMANENT'] (upper case, as ip -j prints them). */
  state: string[];
  flags: NeighFlag[];
  proxy: boolean;
  router: boolean;
  probes?: number;
  protocol?: string | number;
  /** Seconds since the entry was last used / confirmed / updated (NDA_CACHEINFO). */
  used?: number;
  confirmed?: number;
  updated?: number;
  unknown?: RawAttribute[];
}

/** A spec that passed checkNeigh or checkNeighDel: the caller's spec and its values as they go on the wire. */
export interface NeighChecked {
  /** The caller's spec (`dev` still as given). */
  readonly spec: NeighSpec;
  readonly family: Family;
  readonly dst: Buffer;
  /** NUD_* bits. */
  readonly state: number;
  /** NTF_* bits. */
  readonly flags: number;
  readonly lladdr?: Buffer;
  readonly protocol?: number;
}

/** Validates an add/replace spec whole; `field` names it in errors when it is not an object. */
export function checkNeigh(spec: NeighSpec, field?: string): NeighChecked {
  checkNeighSpec(spec, field);
  const dst = parseAddress(spec.dst, 'dst', { prefix: 'forbidden' });
  // iproute2 sends PERMANENT for proxy entries, where the kernel ignores it.
  let state: number = NEIGH_STATES.permanent;
  if (spec.proxy) {
    if (spec.state !== undefined) throw new ValidationError('proxy entries have no state', 'state');
    if (spec.lladdr !== undefined) throw new ValidationError('proxy entries have no lladdr', 'lladdr');
  } else {
    const name = spec.state ?? 'permanent';
    const s = own<number>(NEIGH_STATES, name);
    if (s === undefined) throw new ValidationError(`unknown neighbour state ${describe(name)} (${Object.keys(NEIGH_STATES).join(', ')})`, 'state');
    if (spec.lladdr === undefined && (s & NEEDS_LLADDR) !== 0) throw new ValidationError(`a ${name} entry needs an lladdr`, 'lladdr');
    state = s;
  }
  return {
    spec, family: dst.family, dst: dst.bytes, state, flags: neighFlags(spec),
    ...(spec.lladdr !== undefined && { lladdr: parseMac(spec.lladdr, 'lladdr') }),
    ...(spec.protocol !== undefined && { protocol: protocolId(spec.protocol) }),
  };
}

/** Validates a delete spec whole (no lladdr, no state: iproute2 sends PERMANENT). */
export function checkNeighDel(spec: NeighDelSpec, field?: string): NeighChecked {
  checkNeighDelSpec(spec, field);
  const dst = parseAddress(spec.dst, 'dst', { prefix: 'forbidden' });
  return {
    spec, family: dst.family, dst: dst.bytes, state: NEIGH_STATES.permanent, flags: neighFlags(spec),
    ...(spec.protocol !== undefined && { protocol: protocolId(spec.protocol) }),
  };
}

function neighFlags(spec: NeighDelSpec): number {
  let f = 0;
  if (spec.proxy) f |= NEIGH_FLAGS.proxy;
  if (spec.router) f |= NEIGH_FLAGS.router;
  if (spec.extern_learn) f |= NEIGH_FLAGS.extern_learn;
  return f;
}

function ndmsg(w: NetlinkWriter, family: Family | 0, ifindex: number, state: number, flags: number): void {
  writeNdmsg(w, family === 0 ? 0 : afOf(family), ifindex, state, flags);
}

/** Writes struct ndmsg; `af` is the AF_* number (fdb/ writes AF_BRIDGE). */
export function writeNdmsg(w: NetlinkWriter, af: number, ifindex: number, state: number, flags: number, type = 0): void {
  w.u8(af);
  w.u8(0);
  w.u16(0);
  w.s32(ifindex);
  w.u16(state);
  w.u8(flags);
  w.u8(type);
}

/** struct nda_cacheinfo (confirmed, used, updated in clock ticks, refcnt) as seconds; shared with fdb/. */
export function readCacheInfo(r: AttrReader): { confirmed: number; used: number; updated: number } {
  r.struct(16, 'nda_cacheinfo');
  return {
    confirmed: Math.floor(r.buf.readUInt32LE(r.off) / USER_HZ),
    used: Math.floor(r.buf.readUInt32LE(r.off + 4) / USER_HZ),
    updated: Math.floor(r.buf.readUInt32LE(r.off + 8) / USER_HZ),
  };
}

/** Writes `ip neigh add|replace|del` (RTM_NEWNEIGH/RTM_DELNEIGH) into `w`; `dev` resolves the spec's dev. */
export function writeNeigh(w: NetlinkWriter, type: number, flags: number, checked: NeighChecked, dev: DevResolver): void {
  w.beginMessage(type, flags);
  ndmsg(w, checked.family, dev(checked.spec.dev, 'dev'), checked.state, checked.flags);
  w.attrBytes(NDA_DST, checked.dst, 'dst');
  if (checked.lladdr) w.attrBytes(NDA_LLADDR, checked.lladdr, 'lladdr');
  if (checked.protocol !== undefined) w.attrU8(NDA_PROTOCOL, checked.protocol, 'protocol');
  w.endMessage();
}

/** The request's text for errors: "RTM_NEWNEIGH 10.0.0.2 dev v0". */
export function describeNeigh(type: number, spec: NeighSpec | NeighDelSpec): string {
  const verb = type === RTM_DELNEIGH ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH';
  return `${verb} ${spec.proxy ? 'proxy ' : ''}${spec.dst} dev ${spec.dev}`;
}

export function encodeNeigh(type: number, flags: number, checked: NeighChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(64);
  writeNeigh(w, type, flags, checked, dev);
  return { bytes: w.toBuffer(), describe: describeNeigh(type, checked.spec), marks: w.marks };
}

/** A neighbour dump; strict checking wants ifindex in NDA_IFINDEX, not the header. */
export function encodeNeighDump(family: Family, filter: { ifindex?: number; proxy?: boolean } = {}): Request {
  const w = new NetlinkWriter(48);
  w.beginMessage(RTM_GETNEIGH, 0);
  ndmsg(w, family, 0, 0, filter.proxy ? NEIGH_FLAGS.proxy : 0);
  if (filter.ifindex !== undefined) w.attrU32(NDA_IFINDEX, filter.ifindex, 'dev');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETNEIGH dump IPv${family}${filter.proxy ? ' proxy' : ''}` };
}

const stateNames = Object.entries(NEIGH_STATES).filter(([, v]) => v !== 0) as [NeighState, number][];
const flagNames = Object.entries(NEIGH_FLAGS) as [NeighFlag, number][];

/** Decodes one RTM_NEWNEIGH/RTM_DELNEIGH message (header included). */
export function decodeNeigh(msg: Buffer): Neigh {
  return decodeNeighAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'neighbour'));
}

/** Decodes the ndmsg and attributes in [off, end) of `buf`. */
export function decodeNeighAt(buf: Buffer, off: number, end: number): Neigh {
  fixedHeader(off, end, NDMSG_SIZE, 'neighbour');
  const family = familyOf(buf[off]!);
  if (!family) throw new DecodeError(`neighbour family ${buf[off]} is neither AF_INET nor AF_INET6`, off);
  const stateBits = buf.readUInt16LE(off + 8);
  const flagBits = buf[off + 10]!;
  const n: Neigh = {
    family, ifindex: buf.readInt32LE(off + 4), dst: '', state: [], flags: [],
    proxy: (flagBits & NEIGH_FLAGS.proxy) !== 0, router: (flagBits & NEIGH_FLAGS.router) !== 0,
  };
  for (const [name, bit] of stateNames) if (stateBits & bit) n.state.push(name.toUpperCase());
  if (stateBits === 0) n.state.push('NONE');
  for (const [name, bit] of flagNames) if (flagBits & bit) n.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + NDMSG_SIZE, end);
  while (r.next()) {
    switch (r.type) {
      case NDA_DST:
        n.dst = readAddress(r, family);
        break;
      case NDA_LLADDR: n.lladdr = formatLinkAddress(r.buf, r.off, r.len); break;
      case NDA_PROBES: n.probes = r.u32(); break;
      case NDA_PROTOCOL: n.protocol = protocolName(r.u8()); break;
      case NDA_CACHEINFO: Object.assign(n, readCacheInfo(r)); break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (unknown) n.unknown = unknown;
  return n;
}
