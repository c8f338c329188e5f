// What the IP tunnels share (gre.ts: IFLA_GRE_*, iptun.ts: IFLA_IPTUN_*):
// the outer addresses, the IPv4 and IPv6 header options, and the UDP
// encapsulation (fou/gue), in `ip link add ... type gre|ipip|ip6tnl ...`
// words. Like ip, a tunnel's options always carry the full set ip sends on a
// create — hop limit, encapsulation, fwmark... with ip's defaults — so the
// kernel gets the same request as from `ip link add` with the same words.
import type { AttrReader } from '../../../core/attributes.js';
import { Int, Type, U16, U32, U8, type TSchema } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { formatAddress } from '../../inet.js';
import { nameOf, plainAddress } from './kind.js';

// if_tunnel.h
const TUNNEL_ENCAP_FLAG_CSUM = 1 << 0;
const TUNNEL_ENCAP_FLAG_CSUM6 = 1 << 1;
const TUNNEL_ENCAP_FLAG_REMCSUM = 1 << 2;
const encapTypes = { none: 0, fou: 1, gue: 2, mpls: 3 } as const;
// ip6_tunnel.h
const IP6_TNL_F_IGN_ENCAP_LIMIT = 0x1;
const IP6_TNL_F_USE_ORIG_TCLASS = 0x2;
const IP6_TNL_F_USE_ORIG_FLOWLABEL = 0x4;
const IP6_TNL_F_RCV_DSCP_COPY = 0x10;
const IP6_TNL_F_USE_ORIG_FWMARK = 0x20;
const IP6_TNL_F_ALLOW_LOCAL_REMOTE = 0x40;
/** ip's defaults for IPv6 tunnels (DEFAULT_TNL_HOP_LIMIT, IPV6_DEFAULT_TNL_ENCAP_LIMIT). */
const HOPLIMIT = 64;
const ENCAPLIMIT = 4;

const opt = <T extends TSchema>(s: T) => Type.Optional(s);
const bool = opt(Type.Boolean());
const inherit = Type.Literal('inherit');

/** `encap fou|gue|none encap-sport P encap-dport P [no]encap-csum [no]encap-udp6-csum [no]encap-remcsum`. */
export const encapFields = {
  encap: opt(Type.Enum(Object.keys(encapTypes) as (keyof typeof encapTypes)[])),
  /** UDP source port; 0 (default): chosen by the kernel (`encap-sport auto`). */
  encap_sport: opt(U16),
  encap_dport: opt(U16),
  encap_csum: bool,
  /** Default on for IPv6 tunnels, as ip sets it. */
  encap_udp6_csum: bool,
  encap_remcsum: bool,
  /** Flow-based (collect metadata) device, for tc or eBPF: `external`; nothing else is sent then. */
  external: bool,
};

/** Outer IPv4 header: `remote ADDR local ADDR ttl T|inherit tos T|inherit [no]pmtudisc fwmark M`. */
export const v4Fields = {
  remote: opt(Type.String()),
  local: opt(Type.String()),
  /** 1-255, or 'inherit' (the default: from the inner packet). */
  ttl: opt(Type.Union([Int(1, 255), inherit])),
  /** TOS byte, or 'inherit'; the kernel keeps 'inherit' as 1. */
  tos: opt(Type.Union([U8, inherit])),
  /** Path MTU discovery (default on; `nopmtudisc` is false). */
  pmtudisc: bool,
  fwmark: opt(U32),
};

/** Outer IPv6 header: `hoplimit H encaplimit N|none tclass T|inherit flowlabel L|inherit dscp inherit fwmark M|inherit allow-localremote`. */
export const v6Fields = {
  remote: opt(Type.String()),
  local: opt(Type.String()),
  /** Default 64. */
  hoplimit: opt(U8),
  /** Tunnel encapsulation limit option (default 4), or 'none'. */
  encaplimit: opt(Type.Union([U8, Type.Literal('none')])),
  tclass: opt(Type.Union([U8, inherit])),
  flowlabel: opt(Type.Union([Int(0, 0xfffff), inherit])),
  /** Copy the outer DSCP to the inner packet on receive. */
  dscp: opt(inherit),
  fwmark: opt(Type.Union([U32, inherit])),
  allow_localremote: bool,
};

export interface EncapOptions {
  encap?: keyof typeof encapTypes;
  encap_sport?: number;
  encap_dport?: number;
  encap_csum?: boolean;
  encap_udp6_csum?: boolean;
  encap_remcsum?: boolean;
  external?: boolean;
}
export interface V4Options { remote?: string; local?: string; ttl?: number | 'inherit'; tos?: number | 'inherit'; pmtudisc?: boolean; fwmark?: number }
export interface V6Options {
  remote?: string; local?: string; hoplimit?: number; encaplimit?: number | 'none'; tclass?: number | 'inherit';
  flowlabel?: number | 'inherit'; dscp?: 'inherit'; fwmark?: number | 'inherit'; allow_localremote?: boolean;
}

/** The outer addresses must be of the tunnel's family. */
export function checkAddresses(d: { remote?: string; local?: string }, f: string, family: 4 | 6): void {
  if (d.remote !== undefined) plainAddress(d.remote, `${f}.remote`, family);
  if (d.local !== undefined) plainAddress(d.local, `${f}.local`, family);
}

/** Writes LOCAL then REMOTE, each only when given (ip leaves "any" out). */
export function writeAddresses(w: NetlinkWriter, d: { remote?: string; local?: string }, f: string, local: number, remote: number): void {
  if (d.local !== undefined) w.attrBytes(local, plainAddress(d.local, `${f}.local`).bytes, `${f}.local`);
  if (d.remote !== undefined) w.attrBytes(remote, plainAddress(d.remote, `${f}.remote`).bytes, `${f}.remote`);
}

/** An outer address; "any" (all zeroes) is no address. */
export function readAddress(r: AttrReader): string | undefined {
  if (r.len !== 4 && r.len !== 16) return undefined;
  for (let i = 0; i < r.len; i++) if (r.buf[r.off + i] !== 0) return formatAddress(r.buf, r.off, r.len);
  return undefined;
}

/** ENCAP_TYPE, ENCAP_FLAGS, ENCAP_SPORT, ENCAP_DPORT: four consecutive attributes from `type`. */
export function writeEncap(w: NetlinkWriter, d: EncapOptions, f: string, type: number, v6: boolean): void {
  let flags = 0;
  if (d.encap_csum) flags |= TUNNEL_ENCAP_FLAG_CSUM;
  if (d.encap_udp6_csum ?? v6) flags |= TUNNEL_ENCAP_FLAG_CSUM6;
  if (d.encap_remcsum) flags |= TUNNEL_ENCAP_FLAG_REMCSUM;
  w.attrU16(type, encapTypes[d.encap ?? 'none'], `${f}.encap`);
  w.attrU16(type + 1, flags, `${f}.encap`);
  w.attrU16be(type + 2, d.encap_sport ?? 0, `${f}.encap_sport`);
  w.attrU16be(type + 3, d.encap_dport ?? 0, `${f}.encap_dport`);
}

/** Decodes one of the four encap attributes (`at` is 0..3 from ENCAP_TYPE); false when it is not one. */
export function readEncap(r: AttrReader, d: EncapOptions, at: number): boolean {
  if (at === 0) {
    const t = nameOf(encapTypes, r.u16());
    if (t === undefined) return false;
    d.encap = t;
  } else if (at === 1) {
    const flags = r.u16();
    d.encap_csum = (flags & TUNNEL_ENCAP_FLAG_CSUM) !== 0;
    d.encap_udp6_csum = (flags & TUNNEL_ENCAP_FLAG_CSUM6) !== 0;
    d.encap_remcsum = (flags & TUNNEL_ENCAP_FLAG_REMCSUM) !== 0;
  } else if (at === 2) d.encap_sport = r.u16be();
  else if (at === 3) d.encap_dport = r.u16be();
  else return false;
  return true;
}

/** The IPv4 TTL and TOS bytes as the kernel keeps them: ttl 0 and tos 1 mean inherit. */
export const v4ttl = (d: V4Options): number => (d.ttl === 'inherit' || d.ttl === undefined ? 0 : d.ttl);
export const v4tos = (d: V4Options): number => (d.tos === 'inherit' ? 1 : d.tos ?? 0);
export const readTtl = (v: number): number | 'inherit' => (v === 0 ? 'inherit' : v);
export const readTos = (v: number): number | 'inherit' => (v === 1 ? 'inherit' : v);

/** IPv6 options as the kernel keeps them: hop limit, encap limit, flowinfo (be32), flags, fwmark. */
export function v6Values(d: V6Options): { hoplimit: number; encaplimit: number; flowinfo: number; flags: number; fwmark: number } {
  let flags = 0;
  let flowinfo = 0;
  if (d.encaplimit === 'none') flags |= IP6_TNL_F_IGN_ENCAP_LIMIT;
  if (d.tclass === 'inherit') flags |= IP6_TNL_F_USE_ORIG_TCLASS;
  else if (d.tclass !== undefined) flowinfo |= d.tclass << 20;
  if (d.flowlabel === 'inherit') flags |= IP6_TNL_F_USE_ORIG_FLOWLABEL;
  else if (d.flowlabel !== undefined) flowinfo |= d.flowlabel;
  if (d.dscp === 'inherit') flags |= IP6_TNL_F_RCV_DSCP_COPY;
  if (d.fwmark === 'inherit') flags |= IP6_TNL_F_USE_ORIG_FWMARK;
  if (d.allow_localremote) flags |= IP6_TNL_F_ALLOW_LOCAL_REMOTE;
  return {
    hoplimit: d.hoplimit ?? HOPLIMIT,
    encaplimit: typeof d.encaplimit === 'number' ? d.encaplimit : ENCAPLIMIT,
    flowinfo: flowinfo >>> 0,
    flags,
    fwmark: typeof d.fwmark === 'number' ? d.fwmark : 0,
  };
}

/** The IPv6 options back from the kernel's values (the inverse of v6Values). */
export function readV6(d: V6Options, v: { encaplimit?: number; flowinfo?: number; flags?: number; fwmark?: number }): void {
  const flags = v.flags ?? 0;
  if (v.encaplimit !== undefined) d.encaplimit = flags & IP6_TNL_F_IGN_ENCAP_LIMIT ? 'none' : v.encaplimit;
  if (v.flowinfo !== undefined || flags) {
    const fi = v.flowinfo ?? 0;
    d.tclass = flags & IP6_TNL_F_USE_ORIG_TCLASS ? 'inherit' : (fi >>> 20) & 0xff;
    d.flowlabel = flags & IP6_TNL_F_USE_ORIG_FLOWLABEL ? 'inherit' : fi & 0xfffff;
  }
  if (flags & IP6_TNL_F_RCV_DSCP_COPY) d.dscp = 'inherit';
  if (v.fwmark !== undefined || flags & IP6_TNL_F_USE_ORIG_FWMARK) d.fwmark = flags & IP6_TNL_F_USE_ORIG_FWMARK ? 'inherit' : v.fwmark ?? 0;
  if (v.flags !== undefined) d.allow_localremote = (flags & IP6_TNL_F_ALLOW_LOCAL_REMOTE) !== 0;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The shared options in ip's words (`pmtudisc`, `encap-sport`...). */
export function tunnelWords(d: EncapOptions & Omit<V4Options, 'fwmark'> & V6Options, out: string[]): void {
  const data = d as Record<string, unknown>;
  const plain = (k: string, word = k): void => {
    if (data[k] !== undefined) out.push(word, typeof data[k] === 'number' && k !== 'hoplimit' && k !== 'ttl' && k !== 'encaplimit' ? hex(data[k] as number) : String(data[k]));
  };
  if (d.external) out.push('external');
  plain('remote'); plain('local');
  plain('ttl'); plain('tos'); plain('hoplimit'); plain('encaplimit'); plain('tclass'); plain('flowlabel'); plain('dscp');
  if (d.pmtudisc !== undefined) out.push(d.pmtudisc ? 'pmtudisc' : 'nopmtudisc');
  plain('fwmark');
  if (d.allow_localremote !== undefined) out.push(d.allow_localremote ? 'allow-localremote' : 'noallow-localremote');
  if (d.encap !== undefined) out.push('encap', d.encap);
  if (d.encap_sport !== undefined) out.push('encap-sport', d.encap_sport === 0 ? 'auto' : String(d.encap_sport));
  if (d.encap_dport !== undefined) out.push('encap-dport', String(d.encap_dport));
  if (d.encap_csum !== undefined) out.push(d.encap_csum ? 'encap-csum' : 'noencap-csum');
  if (d.encap_udp6_csum !== undefined) out.push(d.encap_udp6_csum ? 'encap-udp6-csum' : 'noencap-udp6-csum');
  if (d.encap_remcsum !== undefined) out.push(d.encap_remcsum ? 'encap-remcsum' : 'noencap-remcsum');
}
