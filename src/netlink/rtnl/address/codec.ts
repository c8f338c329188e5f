// Addresses (`ip addr`): the Address type, the specs and their one check,
// the encoder of add/replace/del and the decoder. No socket: see api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { NetlinkWriter } from '../../core/writer.js';
import { checker, CLOSED, List, Text, Type, U32, U8, type Static } from '../../core/schema.js';
import {
  AF_UNSPEC, parseScope, RT_SCOPE_UNIVERSE, RTM_DELADDR, RTM_GETADDR,
  scopeName, ScopeSchema, type ScopeName,
} from '../constants.js';
import { directIndex, type DevResolver } from '../devices.js';
import {
  afOf, describe, expectFamily, familyOf, FamilySchema, parseAddress, readAddress, type Family, type ParsedAddress,
} from '../inet.js';
import { LinkRefSchema } from '../devices.js';

// IFA_* (if_addr.h)
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_PROTO = 11;

/** IFA_F_* by the word `ip addr` uses for them. */
export const ADDRESS_FLAGS = {
  secondary: 0x01, nodad: 0x02, optimistic: 0x04, dadfailed: 0x08, home: 0x10, deprecated: 0x20,
  tentative: 0x40, permanent: 0x80, mngtmpaddr: 0x100, noprefixroute: 0x200, autojoin: 0x400, stable_privacy: 0x800,
} as const;
export type AddressFlag = keyof typeof ADDRESS_FLAGS;

/** Flags a caller may set; the others are the kernel's to report. */
const SETTABLE_FLAGS: readonly AddressFlag[] = ['nodad', 'optimistic', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin'];

const IFADDRMSG_LEN = 8;

/** Lifetimes of 0xffffffff mean "forever". */
export const INFINITY_LIFE_TIME = 0xffffffff;

/** An address as the kernel reports it. Names follow `ip addr` / `ip -j addr`. */
export interface Address {
  family: Family;
  /** Index of the link (`dev`). */
  index: number;
  prefixlen: number;
  scope: ScopeName | number;
  flags: AddressFlag[];
  /** The address itself (IFA_LOCAL, or IFA_ADDRESS when there is no IFA_LOCAL, as for IPv6). */
  local: string;
  /** The other end of a point-to-point address, when it differs from local. */
  peer?: string;
  broadcast?: string;
  anycast?: string;
  label?: string;
  /** Seconds; 0xffffffff is forever. */
  valid_lft?: number;
  preferred_lft?: number;
  metric?: number;
  proto?: number;
  /** Attributes netnest does not interpret, kept so newer kernels never break decoding. */
  unknown?: RawAttribute[];
}

/** Seconds, or 'forever'. */
const LifetimeSchema = Type.Union([U32, Type.Literal('forever')]);

/** An address label (IPv4): 1..15 bytes, conventionally DEV or DEV:SUFFIX. */
const LabelSchema = Text({ minLength: 1, maxLength: 15 });

/** `ip addr add LOCAL/LEN dev DEV [peer P] [broadcast B|+] [label L] [scope S] [flags] [valid_lft] [preferred_lft]` */
export const AddressSpecSchema = Type.Object({
  dev: LinkRefSchema,
  /** "10.0.0.1/24" or "2001:db8::1/64"; a bare address is /32 or /128 (unless peer gives the length). */
  local: Type.String(),
  /** Point-to-point peer, "10.0.0.2/32". */
  peer: Type.Optional(Type.String()),
  /** Broadcast address, or '+' to compute it from local and prefix length as `ip` does. */
  broadcast: Type.Optional(Type.String()),
  anycast: Type.Optional(Type.String()),
  label: Type.Optional(LabelSchema),
  scope: Type.Optional(ScopeSchema),
  /** Settable: nodad, optimistic, home, mngtmpaddr, noprefixroute, autojoin; the others are the kernel's to report. */
  flags: Type.Optional(List(Type.Enum(Object.keys(ADDRESS_FLAGS) as AddressFlag[]))),
  /** Seconds or 'forever'. */
  valid_lft: Type.Optional(LifetimeSchema),
  preferred_lft: Type.Optional(LifetimeSchema),
  /** Metric of the prefix route (IFA_RT_PRIORITY). */
  metric: Type.Optional(U32),
  proto: Type.Optional(U8),
}, CLOSED);
export type AddressSpec = Static<typeof AddressSpecSchema>;

/** `ip addr del LOCAL/LEN dev DEV [peer P] [label L]` */
export const AddressDelSpecSchema = Type.Object({
  dev: LinkRefSchema,
  local: Type.String(),
  peer: Type.Optional(Type.String()),
  label: Type.Optional(LabelSchema),
}, CLOSED);
export type AddressDelSpec = Static<typeof AddressDelSpecSchema>;

export const AddressListFilterSchema = Type.Object({
  family: Type.Optional(FamilySchema),
  /** Only addresses of this link (a kernel-side filter). */
  dev: Type.Optional(LinkRefSchema),
}, CLOSED);
export type AddressListFilter = Static<typeof AddressListFilterSchema>;

export const checkAddressListFilter = checker(AddressListFilterSchema);
const addressSchema = checker(AddressSpecSchema);
const addressDelSchema = checker(AddressDelSpecSchema);

/** Seconds, with 'forever' as the kernel's INFINITY_LIFE_TIME. */
function lifetime(v: number | 'forever'): number {
  return v === 'forever' ? INFINITY_LIFE_TIME : v;
}

/**
 * The one check of `ip addr add|replace` input: the schema, then what it
 * cannot say (the addresses and their families, settable flags, scope, label
 * bytes, lifetimes in order).
 */
export function checkAddress(spec: AddressSpec): AddressSpec {
  addressSchema(spec);
  const p = prepare(spec);
  for (const f of spec.flags ?? []) {
    if (!SETTABLE_FLAGS.includes(f)) throw new ValidationError(`address flag ${describe(f)} cannot be set (settable: ${SETTABLE_FLAGS.join(', ')})`, 'flags');
  }
  if (spec.scope !== undefined) parseScope(spec.scope, 'scope');
  if (spec.label !== undefined) {
    if (p.family !== 4) throw new ValidationError('labels exist for IPv4 addresses only', 'label');
    checkLabel(spec.label);
  }
  if (spec.broadcast !== undefined) {
    if (p.family !== 4) throw new ValidationError('broadcast addresses exist for IPv4 only', 'broadcast');
    if (spec.broadcast !== '+') expectFamily(parseAddress(spec.broadcast, 'broadcast', { prefix: 'forbidden' }), 4, 'broadcast', spec.broadcast);
  }
  if (spec.anycast !== undefined) expectFamily(parseAddress(spec.anycast, 'anycast', { prefix: 'forbidden' }), p.family, 'anycast', spec.anycast);
  const { valid, preferred } = lifetimes(spec);
  if (preferred > valid) throw new ValidationError(`preferred_lft (${preferred}) is greater than valid_lft (${valid})`, 'preferred_lft');
  return spec;
}

/** The one check of `ip addr del` input. */
export function checkAddressDel(spec: AddressDelSpec): AddressDelSpec {
  addressDelSchema(spec);
  prepare(spec);
  if (spec.label !== undefined) checkLabel(spec.label);
  return spec;
}

/** The label in bytes (the schema counts characters). */
function checkLabel(label: string): void {
  if (Buffer.byteLength(label) > 15) throw new ValidationError(`label must be 1..15 bytes, got ${describe(label)}`, 'label');
}

function lifetimes(spec: AddressSpec): { valid: number; preferred: number } {
  const valid = spec.valid_lft === undefined ? INFINITY_LIFE_TIME : lifetime(spec.valid_lft);
  return { valid, preferred: spec.preferred_lft === undefined ? valid : lifetime(spec.preferred_lft) };
}

// ----------------------------------------------------------------- encoding

interface Prepared {
  family: Family;
  prefixlen: number;
  local: ParsedAddress;
  peer: ParsedAddress | undefined;
}

/** local and peer parsed; with a peer, the prefix length is the peer's. */
function prepare(spec: { local: string; peer?: string | undefined }): Prepared {
  const local = parseAddress(spec.local, 'local');
  let prefixlen = local.prefixlen ?? (local.family === 4 ? 32 : 128);
  let peer: ParsedAddress | undefined;
  if (spec.peer !== undefined) {
    if (local.prefixlen !== undefined) {
      throw new ValidationError(`with a peer, the prefix length goes on the peer ('${spec.peer}'), not on local`, 'local');
    }
    peer = parseAddress(spec.peer, 'peer');
    expectFamily(peer, local.family, 'peer', spec.peer);
    prefixlen = peer.prefixlen ?? (local.family === 4 ? 32 : 128);
  }
  return { family: local.family, prefixlen, local, peer };
}

function ifaddrmsg(w: NetlinkWriter, family: Family | 0, prefixlen: number, flags: number, scope: number, index: number): void {
  w.u8(family === 0 ? AF_UNSPEC : afOf(family));
  w.u8(prefixlen);
  w.u8(flags);
  w.u8(scope);
  w.u32(index);
}

function broadcastOf(local: Buffer, prefixlen: number): Buffer {
  const b = Buffer.from(local);
  for (let bit = prefixlen; bit < 32; bit++) b[bit >> 3]! |= 0x80 >> (bit & 7);
  return b;
}

/**
 * Writes one address message: RTM_NEWADDR (NLM_F_CREATE with NLM_F_EXCL to
 * add, NLM_F_REPLACE to replace) or RTM_DELADDR, whose spec has no more than
 * local, peer and label. `dev` resolves the link.
 */
export function writeAddress(w: NetlinkWriter, type: number, flags: number, spec: AddressSpec | AddressDelSpec, dev: DevResolver): void {
  const a: AddressSpec = spec;
  const p = prepare(a);
  let ifaFlags = 0;
  for (const f of a.flags ?? []) ifaFlags |= ADDRESS_FLAGS[f];
  w.beginMessage(type, flags);
  // Like iproute2: flags that fit the u8 header field go there, others in IFA_FLAGS.
  const scope = a.scope === undefined ? RT_SCOPE_UNIVERSE : parseScope(a.scope, 'scope');
  ifaddrmsg(w, p.family, p.prefixlen, ifaFlags <= 0xff ? ifaFlags : 0, scope, dev(a.dev, 'dev'));
  w.attrBytes(IFA_LOCAL, p.local.bytes, 'local');
  if (ifaFlags > 0xff) w.attrU32(IFA_FLAGS, ifaFlags, 'flags');
  if (a.label !== undefined) w.attrString(IFA_LABEL, a.label, 'label');
  w.attrBytes(IFA_ADDRESS, (p.peer ?? p.local).bytes, p.peer ? 'peer' : 'local');
  if (a.broadcast !== undefined) {
    const b = a.broadcast === '+' ? broadcastOf(p.local.bytes, p.prefixlen) : parseAddress(a.broadcast, 'broadcast', { prefix: 'forbidden' }).bytes;
    w.attrBytes(IFA_BROADCAST, b, 'broadcast');
  }
  if (a.anycast !== undefined) w.attrBytes(IFA_ANYCAST, parseAddress(a.anycast, 'anycast', { prefix: 'forbidden' }).bytes, 'anycast');
  if (a.valid_lft !== undefined || a.preferred_lft !== undefined) {
    const { valid, preferred } = lifetimes(a);
    const t = w.beginNested(IFA_CACHEINFO, 'valid_lft');
    w.u32(preferred);
    w.u32(valid);
    w.u32(0);
    w.u32(0);
    w.endNested(t);
  }
  if (a.metric !== undefined) w.attrU32(IFA_RT_PRIORITY, a.metric, 'metric');
  if (a.proto !== undefined) w.attrU8(IFA_PROTO, a.proto, 'proto');
  w.endMessage();
}

export function describeAddress(type: number, spec: AddressSpec | AddressDelSpec): string {
  if (type === RTM_DELADDR) return `RTM_DELADDR ${spec.local} dev ${spec.dev}`;
  return `RTM_NEWADDR ${spec.local}${spec.peer ? ` peer ${spec.peer}` : ''} dev ${spec.dev}`;
}

export function encodeAddress(type: number, flags: number, spec: AddressSpec | AddressDelSpec, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(128);
  writeAddress(w, type, flags, spec, dev);
  return { bytes: w.toBuffer(), describe: describeAddress(type, spec), marks: w.marks };
}

/** A dump request; with strict checking the kernel filters by family and index itself. */
export function encodeAddressDump(filter: { family?: Family; index?: number } = {}): Request {
  const w = new NetlinkWriter(32);
  w.beginMessage(RTM_GETADDR, 0);
  ifaddrmsg(w, filter.family ?? 0, 0, 0, 0, filter.index ?? 0);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETADDR dump' };
}

// ----------------------------------------------------------------- decoding

const flagList = Object.entries(ADDRESS_FLAGS) as [AddressFlag, number][];

/** Decodes one RTM_NEWADDR/RTM_DELADDR message (header included). */
export function decodeAddress(msg: Buffer): Address {
  return decodeAddressAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'address'));
}

/** Decodes ifaddrmsg + attributes in [off, end). */
export function decodeAddressAt(buf: Buffer, off: number, end: number): Address {
  fixedHeader(off, end, IFADDRMSG_LEN, 'address');
  const af = buf[off]!;
  const family = familyOf(af);
  if (!family) throw new DecodeError(`address family ${af} is neither AF_INET nor AF_INET6`, off);
  let rawFlags = buf[off + 2]!;
  const out: Address = {
    family, prefixlen: buf[off + 1]!, scope: scopeName(buf[off + 3]!), index: buf.readUInt32LE(off + 4), flags: [], local: '',
  };
  let address: string | undefined;
  let local: string | undefined;
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + IFADDRMSG_LEN, end);
  while (r.next()) {
    switch (r.type) {
      case IFA_ADDRESS: address = readAddress(r, family); break;
      case IFA_LOCAL: local = readAddress(r, family); break;
      case IFA_LABEL: out.label = r.string(); break;
      case IFA_BROADCAST: out.broadcast = readAddress(r, family); break;
      case IFA_ANYCAST: out.anycast = readAddress(r, family); break;
      case IFA_FLAGS: rawFlags = r.u32(); break;
      case IFA_CACHEINFO:
        r.struct(16, 'ifa_cacheinfo');
        out.preferred_lft = r.buf.readUInt32LE(r.off);
        out.valid_lft = r.buf.readUInt32LE(r.off + 4);
        break;
      case IFA_RT_PRIORITY: out.metric = r.u32(); break;
      case IFA_PROTO: out.proto = r.u8(); break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  out.local = local ?? address ?? '';
  if (local !== undefined && address !== undefined && address !== local) out.peer = address;
  for (let i = 0; i < flagList.length; i++) if (rawFlags & flagList[i]![1]) out.flags.push(flagList[i]![0]);
  if (unknown) out.unknown = unknown;
  return out;
}

