// IP-in-IP tunnels (`ip link add NAME type ipip|sit|ip6tnl ...`): one
// attribute table (IFLA_IPTUN_*) for the three kinds. ipip and sit take the
// IPv4 options, ip6tnl the IPv6 ones; `mode` is the inner protocol.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Type, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { ValidationError } from '../../../core/errors.js';
import { formatAddress, parseAddress } from '../../inet.js';
import { nameOf, type Decoded, type KindCodec } from './kind.js';
import {
  checkAddresses, encapFields, readAddress, readEncap, readTos, readTtl, readV6, tunnelWords, v4Fields, v4tos, v4ttl,
  v6Fields, v6Values, writeAddresses, writeEncap,
} from './tunnel.js';

const IFLA_IPTUN_LINK = 1;
const IFLA_IPTUN_LOCAL = 2;
const IFLA_IPTUN_REMOTE = 3;
const IFLA_IPTUN_TTL = 4;
const IFLA_IPTUN_TOS = 5;
const IFLA_IPTUN_ENCAP_LIMIT = 6;
const IFLA_IPTUN_FLOWINFO = 7;
const IFLA_IPTUN_FLAGS = 8;
const IFLA_IPTUN_PROTO = 9;
const IFLA_IPTUN_PMTUDISC = 10;
const IFLA_IPTUN_6RD_PREFIX = 11;
const IFLA_IPTUN_6RD_RELAY_PREFIX = 12;
const IFLA_IPTUN_6RD_PREFIXLEN = 13;
const IFLA_IPTUN_6RD_RELAY_PREFIXLEN = 14;
const IFLA_IPTUN_ENCAP_TYPE = 15;
const IFLA_IPTUN_COLLECT_METADATA = 19;
const IFLA_IPTUN_FWMARK = 20;
const SIT_ISATAP = 0x0001;

// The inner protocol (IPPROTO_*); 'any' (0) accepts each the kind can carry.
const ipipModes = { any: 0, ipip: 4, mplsip: 137 } as const;
const sitModes = { any: 0, ip6ip: 41, ipip: 4, mplsip: 137 } as const;
const ip6tnlModes = { any: 0, ip6ip6: 41, ipip6: 4 } as const;
const modeOf = <T extends Record<string, number>>(t: T) => Type.Optional(Type.Enum(Object.keys(t) as (keyof T & string)[]));
const link = {
  /** Underlying device index (`dev` in ip); the API also accepts a name on `link`. */
  link: Type.Optional(U32),
};

/** `ip link add NAME type ipip [mode ipip|mplsip|any] remote A local A ttl T tos T ... dev DEV`. */
export const IpipDataSchema = Type.Object({ mode: modeOf(ipipModes), ...link, ...v4Fields, ...encapFields }, CLOSED);
export type IpipData = Static<typeof IpipDataSchema>;
/** `ip link add NAME type sit [mode ip6ip|ipip|mplsip|any] [isatap] remote A ...`. */
export const SitDataSchema = Type.Object({
  mode: modeOf(sitModes), ...link, ...v4Fields, ...encapFields,
  /** Intra-Site Automatic Tunnel Addressing Protocol. */
  isatap: Type.Optional(Type.Boolean()),
  /** IPv6 rapid deployment: the 6rd prefix ("2001:db8::/32", `6rd-prefix`). */
  '6rd_prefix': Type.Optional(Type.String()),
  /** With `6rd_prefix`: the IPv4 relay prefix ("192.0.2.0/24", `6rd-relay_prefix`; default 0.0.0.0/0). */
  '6rd_relay_prefix': Type.Optional(Type.String()),
}, CLOSED);
export type SitData = Static<typeof SitDataSchema>;
/** `ip link add NAME type ip6tnl [mode ip6ip6|ipip6|any] remote A local A hoplimit H ...`. */
export const Ip6tnlDataSchema = Type.Object({ mode: modeOf(ip6tnlModes), ...link, ...v6Fields, ...encapFields }, CLOSED);
export type Ip6tnlData = Static<typeof Ip6tnlDataSchema>;

type AnyIptun = IpipData & SitData & Ip6tnlData;

/** ip 6.1's order for ipip and sit. */
function writeV4(modes: Record<string, number>, sit: boolean) {
  return (w: NetlinkWriter, d: AnyIptun, f: string): void => {
    w.attrU8(IFLA_IPTUN_PROTO, modes[d.mode ?? 'any']!, `${f}.mode`);
    if (d.external) { w.attrFlag(IFLA_IPTUN_COLLECT_METADATA, `${f}.external`); return; }
    writeAddresses(w, d, f, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE);
    w.attrU8(IFLA_IPTUN_PMTUDISC, d.pmtudisc === false ? 0 : 1, `${f}.pmtudisc`);
    w.attrU8(IFLA_IPTUN_TOS, v4tos(d), `${f}.tos`);
    w.attrU8(IFLA_IPTUN_TTL, v4ttl(d), `${f}.ttl`);
    w.attrU32(IFLA_IPTUN_LINK, d.link ?? 0, `${f}.link`);
    w.attrU32(IFLA_IPTUN_FWMARK, d.fwmark ?? 0, `${f}.fwmark`);
    writeEncap(w, d, f, IFLA_IPTUN_ENCAP_TYPE, false);
    if (sit) {
      w.attrU16(IFLA_IPTUN_FLAGS, d.isatap ? SIT_ISATAP : 0, `${f}.isatap`);
      write6rd(w, d, f);
    }
  };
}

/** The 6rd prefix and its relay prefix, as ip writes them: only with a 6rd prefix. */
function write6rd(w: NetlinkWriter, d: SitData, f: string): void {
  const p = d['6rd_prefix'];
  if (p === undefined) return;
  const prefix = parseAddress(p, `${f}.6rd_prefix`);
  const relay = d['6rd_relay_prefix'] === undefined ? undefined : parseAddress(d['6rd_relay_prefix'], `${f}.6rd_relay_prefix`);
  w.attrBytes(IFLA_IPTUN_6RD_PREFIX, prefix.bytes, `${f}.6rd_prefix`);
  w.attrU16(IFLA_IPTUN_6RD_PREFIXLEN, prefix.prefixlen ?? 128, `${f}.6rd_prefix`);
  w.attrBytes(IFLA_IPTUN_6RD_RELAY_PREFIX, relay?.bytes ?? Buffer.alloc(4), `${f}.6rd_relay_prefix`);
  w.attrU16(IFLA_IPTUN_6RD_RELAY_PREFIXLEN, relay?.prefixlen ?? (relay ? 32 : 0), `${f}.6rd_relay_prefix`);
}

function check6rd(d: SitData, f: string): void {
  if (d['6rd_prefix'] !== undefined) {
    const p = parseAddress(d['6rd_prefix'], `${f}.6rd_prefix`);
    if (p.family !== 6) throw new ValidationError(`'${d['6rd_prefix']}' is not an IPv6 prefix`, `${f}.6rd_prefix`);
  }
  const r = d['6rd_relay_prefix'];
  if (r === undefined) return;
  if (d['6rd_prefix'] === undefined) throw new ValidationError('a 6rd relay prefix needs a 6rd prefix', `${f}.6rd_relay_prefix`);
  if (parseAddress(r, `${f}.6rd_relay_prefix`).family !== 4) throw new ValidationError(`'${r}' is not an IPv4 prefix`, `${f}.6rd_relay_prefix`);
}

/** ip 6.1's order for ip6tnl. */
function writeIp6tnl(w: NetlinkWriter, d: Ip6tnlData, f: string): void {
  w.attrU8(IFLA_IPTUN_PROTO, ip6tnlModes[d.mode ?? 'any'], `${f}.mode`);
  if (d.external) { w.attrFlag(IFLA_IPTUN_COLLECT_METADATA, `${f}.external`); return; }
  writeAddresses(w, d, f, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE);
  const v = v6Values(d);
  w.attrU8(IFLA_IPTUN_TTL, v.hoplimit, `${f}.hoplimit`);
  w.attrU8(IFLA_IPTUN_ENCAP_LIMIT, v.encaplimit, `${f}.encaplimit`);
  w.attrU32be(IFLA_IPTUN_FLOWINFO, v.flowinfo, `${f}.flowlabel`);
  w.attrU32(IFLA_IPTUN_FLAGS, v.flags, f);
  w.attrU32(IFLA_IPTUN_LINK, d.link ?? 0, `${f}.link`);
  w.attrU32(IFLA_IPTUN_FWMARK, v.fwmark, `${f}.fwmark`);
  writeEncap(w, d, f, IFLA_IPTUN_ENCAP_TYPE, true);
}

/** One decoder per kind: `modes` names the protocol, `family` says which header options it has. */
function decodeIptun(modes: Record<string, number>, family: 'v4' | 'sit' | 'v6') {
  return (r: AttrReader, unknown: RawAttribute[]): Decoded<AnyIptun> => {
    const d: Decoded<AnyIptun> = {};
    const v6: { encaplimit?: number; flowinfo?: number; flags?: number; fwmark?: number } = {};
    while (r.next()) {
      switch (r.type) {
        case IFLA_IPTUN_PROTO: {
          const m = nameOf(modes, r.u8());
          if (m !== undefined) d.mode = m as AnyIptun['mode'];
          else unknown.push(r.raw());
          break;
        }
        case IFLA_IPTUN_LOCAL: { const a = readAddress(r); if (a) d.local = a; break; }
        case IFLA_IPTUN_REMOTE: { const a = readAddress(r); if (a) d.remote = a; break; }
        case IFLA_IPTUN_LINK: { const l = r.u32(); if (l) d.link = l; break; }
        case IFLA_IPTUN_TTL: if (family === 'v6') d.hoplimit = r.u8(); else d.ttl = readTtl(r.u8()); break;
        case IFLA_IPTUN_COLLECT_METADATA: d.external = r.flag(); break;
        default:
          if (!(family === 'v6' ? readV6Attr(r, v6) : readV4Attr(r, d, family === 'sit')) && !readEncap(r, d, r.type - IFLA_IPTUN_ENCAP_TYPE)) {
            unknown.push(r.raw());
          }
      }
    }
    if (family === 'v6') readV6(d, v6);
    // An unset 6rd prefix (::/0) is no 6rd.
    if (d['6rd_prefix'] === '::/0') {
      delete d['6rd_prefix'];
      delete d['6rd_relay_prefix'];
    }
    return d;
  };
}

function readV4Attr(r: AttrReader, d: AnyIptun, sit: boolean): boolean {
  if (sit && r.type >= IFLA_IPTUN_6RD_PREFIX && r.type <= IFLA_IPTUN_6RD_RELAY_PREFIXLEN) return read6rd(r, d);
  switch (r.type) {
    case IFLA_IPTUN_TOS: d.tos = readTos(r.u8()); return true;
    case IFLA_IPTUN_PMTUDISC: d.pmtudisc = r.u8() !== 0; return true;
    case IFLA_IPTUN_FWMARK: d.fwmark = r.u32(); return true;
    case IFLA_IPTUN_FLAGS: if (!sit) return false; d.isatap = (r.u16() & SIT_ISATAP) !== 0; return true;
    default: return false;
  }
}

/** The four 6rd attributes, each completing its prefix ("2001:db8::/32"); the kernel reports them even when unset (::/0). */
function read6rd(r: AttrReader, d: AnyIptun): boolean {
  const [addr, len] = (d['6rd_prefix'] ?? '::/0').split('/');
  const [raddr, rlen] = (d['6rd_relay_prefix'] ?? '0.0.0.0/0').split('/');
  switch (r.type) {
    case IFLA_IPTUN_6RD_PREFIX: r.exactly(16, 'IPv6 address'); d['6rd_prefix'] = `${formatAddress(r.buf, r.off, 16)}/${len}`; break;
    case IFLA_IPTUN_6RD_PREFIXLEN: d['6rd_prefix'] = `${addr}/${r.u16()}`; break;
    case IFLA_IPTUN_6RD_RELAY_PREFIX: r.exactly(4, 'IPv4 address'); d['6rd_relay_prefix'] = `${formatAddress(r.buf, r.off, 4)}/${rlen}`; break;
    default: d['6rd_relay_prefix'] = `${raddr}/${r.u16()}`;
  }
  return true;
}

function readV6Attr(r: AttrReader, v: { encaplimit?: number; flowinfo?: number; flags?: number; fwmark?: number }): boolean {
  switch (r.type) {
    case IFLA_IPTUN_ENCAP_LIMIT: v.encaplimit = r.u8(); return true;
    case IFLA_IPTUN_FLOWINFO: v.flowinfo = r.u32be(); return true;
    case IFLA_IPTUN_FLAGS: v.flags = r.u32(); return true;
    case IFLA_IPTUN_FWMARK: v.fwmark = r.u32(); return true;
    default: return false;
  }
}

function iptunWords(d: AnyIptun): string[] {
  const out: string[] = [];
  if (d.mode !== undefined) out.push('mode', d.mode);
  if (d.isatap) out.push('isatap');
  if (d['6rd_prefix'] !== undefined) out.push('6rd-prefix', d['6rd_prefix']);
  if (d['6rd_relay_prefix'] !== undefined) out.push('6rd-relay_prefix', d['6rd_relay_prefix']);
  tunnelWords(d, out);
  return out;
}

export const ipip: KindCodec<IpipData> = {
  schema: IpipDataSchema, lowerInData: true, check: (d, f) => checkAddresses(d, f, 4), write: writeV4(ipipModes, false),
  decode: decodeIptun(ipipModes, 'v4'), words: iptunWords,
};
export const sit: KindCodec<SitData> = {
  schema: SitDataSchema, lowerInData: true, check: (d, f) => { checkAddresses(d, f, 4); check6rd(d, f); }, write: writeV4(sitModes, true),
  decode: decodeIptun(sitModes, 'sit'), words: iptunWords,
};
export const ip6tnl: KindCodec<Ip6tnlData> = {
  schema: Ip6tnlDataSchema, lowerInData: true, check: (d, f) => checkAddresses(d, f, 6), write: writeIp6tnl,
  decode: decodeIptun(ip6tnlModes, 'v6'), words: iptunWords,
};
