// Neighbours (`ip neigh`): ARP and NDP entries, proxy entries. The type,
// its encoder and decoder, constants, and the operations bound to a socket.
import { AttrReader, type RawAttribute } from '../core/attributes.js';
import { DecodeError, ValidationError } from '../core/errors.js';
import type { NetlinkSocket, Request } from '../core/socket.js';
import { NetlinkWriter } from '../core/writer.js';
import { checker, CLOSED, Type, type Static } from '../core/schema.js';
import { afOf, describe, familyOf, FamilySchema, formatAddress, formatLinkAddress, parseAddress, parseMac, type Family } from './inet.js';
import type { LinkApi } from './link/api.js';
import { LinkRefSchema } from './link/codec.js';
import { protocolId, protocolName, ProtocolSchema } from './names.js';
import { own } from './validate.js';
import { observed, type Hooks } from './observer.js';

export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;

export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_PROTOCOL = 12;
export const NDA_FLAGS_EXT = 15;

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
const checkNeighListFilter = checker(NeighListFilterSchema);

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

function ndmsg(w: NetlinkWriter, family: Family | 0, ifindex: number, state: number, flags: number): void {
  w.u8(family === 0 ? 0 : afOf(family));
  w.u8(0);
  w.u16(0);
  w.s32(ifindex);
  w.u16(state);
  w.u8(flags);
  w.u8(0);
}

function neighFlags(spec: NeighSpec): number {
  let f = 0;
  if (spec.proxy) f |= NEIGH_FLAGS.proxy;
  if (spec.router) f |= NEIGH_FLAGS.router;
  if (spec.extern_learn) f |= NEIGH_FLAGS.extern_learn;
  return f;
}

/** Encodes `ip neigh add|replace|del`; `ifindex` is the resolved `dev`. */
export function encodeNeigh(type: number, flags: number, spec: NeighSpec, ifindex: number): Request {
  if (spec === null || typeof spec !== 'object') throw new ValidationError(`expected a neighbour object, got ${describe(spec)}`);
  const dst = parseAddress(spec.dst, 'dst', { prefix: 'forbidden' });
  const del = type === RTM_DELNEIGH;
  // iproute2 sends PERMANENT for proxy entries and deletes, where the kernel ignores it.
  let state = spec.proxy || del ? NEIGH_STATES.permanent : 0;
  if (!spec.proxy && !del) {
    const name = spec.state ?? 'permanent';
    const s = own<number>(NEIGH_STATES, name);
    if (s === undefined) throw new ValidationError(`unknown neighbour state ${describe(name)} (${Object.keys(NEIGH_STATES).join(', ')})`, 'state');
    state = s;
    const needsLladdr = NEIGH_STATES.permanent | NEIGH_STATES.noarp | NEIGH_STATES.reachable | NEIGH_STATES.stale | NEIGH_STATES.delay | NEIGH_STATES.probe;
    if (spec.lladdr === undefined && (s & needsLladdr) !== 0) {
      throw new ValidationError(`a ${name} entry needs an lladdr`, 'lladdr');
    }
  } else if (spec.state !== undefined && spec.proxy) {
    throw new ValidationError('proxy entries have no state', 'state');
  }
  const w = new NetlinkWriter(64);
  w.beginMessage(type, flags);
  ndmsg(w, dst.family, ifindex, state, neighFlags(spec));
  w.attrBytes(NDA_DST, dst.bytes, 'dst');
  if (spec.lladdr !== undefined) {
    if (spec.proxy) throw new ValidationError('proxy entries have no lladdr', 'lladdr');
    w.attrBytes(NDA_LLADDR, parseMac(spec.lladdr, 'lladdr'), 'lladdr');
  }
  if (spec.protocol !== undefined) w.attrU8(NDA_PROTOCOL, protocolId(spec.protocol), 'protocol');
  w.endMessage();
  const verb = del ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH';
  return { bytes: w.toBuffer(), describe: `${verb} ${spec.proxy ? 'proxy ' : ''}${spec.dst} dev ${spec.dev}`, marks: w.marks };
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
  if (msg.length < 28) throw new DecodeError(`neighbour message of ${msg.length} bytes is shorter than nlmsghdr + ndmsg`);
  const len = msg.readUInt32LE(0);
  if (len > msg.length || len < 28) throw new DecodeError(`neighbour message length ${len} does not fit ${msg.length} bytes`);
  const off = 16;
  const family = familyOf(msg[off]!);
  if (!family) throw new DecodeError(`neighbour family ${msg[off]} is neither AF_INET nor AF_INET6`, off);
  const stateBits = msg.readUInt16LE(off + 8);
  const flagBits = msg[off + 10]!;
  const n: Neigh = {
    family, ifindex: msg.readInt32LE(off + 4), dst: '', state: [], flags: [],
    proxy: (flagBits & NEIGH_FLAGS.proxy) !== 0, router: (flagBits & NEIGH_FLAGS.router) !== 0,
  };
  for (const [name, bit] of stateNames) if (stateBits & bit) n.state.push(name.toUpperCase());
  if (stateBits === 0) n.state.push('NONE');
  for (const [name, bit] of flagNames) if (flagBits & bit) n.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(msg, off + 12, len);
  while (r.next()) {
    switch (r.type) {
      case NDA_DST:
        if (r.len !== (family === 4 ? 4 : 16)) throw new DecodeError(`NDA_DST of ${r.len} bytes`, r.off);
        n.dst = formatAddress(r.buf, r.off, r.len);
        break;
      case NDA_LLADDR: n.lladdr = formatLinkAddress(r.buf, r.off, r.len); break;
      case NDA_PROBES: n.probes = r.u32(); break;
      case NDA_PROTOCOL: n.protocol = protocolName(r.u8()); break;
      case NDA_CACHEINFO:
        // struct nda_cacheinfo: confirmed, used, updated (clock ticks), refcnt
        if (r.len < 16) throw new DecodeError(`NDA_CACHEINFO of ${r.len} bytes`, r.off);
        n.confirmed = Math.floor(r.buf.readUInt32LE(r.off) / 100);
        n.used = Math.floor(r.buf.readUInt32LE(r.off + 4) / 100);
        n.updated = Math.floor(r.buf.readUInt32LE(r.off + 8) / 100);
        break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (unknown) n.unknown = unknown;
  return n;
}

/** `ip neigh` bound to one socket. */
export class NeighApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `ip neigh show [dev DEV]` (or `ip neigh show proxy` with `proxy: true`). */
  async list(filter: NeighListFilter = {}): Promise<Neigh[]> {
    checkNeighListFilter(filter, 'filter');
    const families: Family[] = filter.family === undefined ? [4, 6] : [filter.family];
    const ifindex = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const out: Neigh[] = [];
    for (const f of families) {
      if (f !== 4 && f !== 6) throw new ValidationError(`family must be 4 or 6, got ${describe(f)}`, 'family');
      const req = encodeNeighDump(f, { ...(ifindex !== undefined && { ifindex }), ...(filter.proxy && { proxy: true }) });
      for (const n of await this.sock.list(req, decodeNeigh)) {
        if (ifindex !== undefined && n.ifindex !== ifindex) continue; // proxy dumps ignore the filter
        if (filter.proxy === true && !n.proxy) continue;
        out.push(n);
      }
    }
    return out;
  }

  private async change(type: number, flags: number, spec: NeighSpec): Promise<void> {
    if (type === RTM_DELNEIGH) checkNeighDelSpec(spec);
    else checkNeighSpec(spec);
    encodeNeigh(type, flags, spec, 0); // validate before any lookup
    const index = await this.links.index(spec.dev);
    const req = encodeNeigh(type, flags, spec, index);
    if (type === RTM_DELNEIGH) {
      await this.sock.request(req);
      return;
    }
    await observed(this.hooks, () => ({ object: 'neigh', spec, index, replace: (flags & 0x100) !== 0 }), () => this.sock.request(req));
  }

  /** `ip neigh add`: EEXIST when the entry exists. */
  add(spec: NeighSpec): Promise<void> { return this.change(RTM_NEWNEIGH, 0x400 | 0x200, spec); }
  /** `ip neigh replace`: adds or overwrites. */
  replace(spec: NeighSpec): Promise<void> { return this.change(RTM_NEWNEIGH, 0x400 | 0x100, spec); }
  /** `ip neigh del ADDR dev DEV` (with `proxy: true` for a proxy entry). */
  del(spec: NeighDelSpec): Promise<void> { return this.change(RTM_DELNEIGH, 0, spec); }
}
