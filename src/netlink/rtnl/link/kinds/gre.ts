// GRE tunnels (`ip link add NAME type gre|gretap|ip6gre|ip6gretap ...`):
// one attribute table (IFLA_GRE_*) for the four kinds; gre and gretap take
// the IPv4 options, ip6gre and ip6gretap the IPv6 ones.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { CLOSED, Type, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import type { Decoded, KindCodec } from './kind.js';
import {
  checkAddresses, encapFields, readAddress, readEncap, readTos, readTtl, readV6, tunnelWords, v4Fields, v4tos, v4ttl,
  v6Fields, v6Values, writeAddresses, writeEncap,
} from './tunnel.js';

const IFLA_GRE_LINK = 1;
const IFLA_GRE_IFLAGS = 2;
const IFLA_GRE_OFLAGS = 3;
const IFLA_GRE_IKEY = 4;
const IFLA_GRE_OKEY = 5;
const IFLA_GRE_LOCAL = 6;
const IFLA_GRE_REMOTE = 7;
const IFLA_GRE_TTL = 8;
const IFLA_GRE_TOS = 9;
const IFLA_GRE_PMTUDISC = 10;
const IFLA_GRE_ENCAP_LIMIT = 11;
const IFLA_GRE_FLOWINFO = 12;
const IFLA_GRE_FLAGS = 13;
const IFLA_GRE_ENCAP_TYPE = 14;
const IFLA_GRE_COLLECT_METADATA = 18;
const IFLA_GRE_IGNORE_DF = 19;
const IFLA_GRE_FWMARK = 20;
const IFLA_GRE_ERSPAN_VER = 22;
// GRE header flags, big-endian (if_tunnel.h)
const GRE_CSUM = 0x8000;
const GRE_KEY = 0x2000;
const GRE_SEQ = 0x1000;

const bool = Type.Optional(Type.Boolean());
/** `[i|o]key K [i|o]seq [i|o]csum`: `key`, `seq`, `csum` set both directions. */
const keyFields = {
  key: Type.Optional(U32), ikey: Type.Optional(U32), okey: Type.Optional(U32),
  seq: bool, iseq: bool, oseq: bool, csum: bool, icsum: bool, ocsum: bool,
  /** Underlying device index (`dev` in ip); the API also accepts a name on `link`. */
  link: Type.Optional(U32),
};

/** `ip link add NAME type gre|gretap remote A local A ttl T tos T ikey K ... dev DEV`. */
export const GreDataSchema = Type.Object({
  ...keyFields, ...v4Fields,
  /** Do not set DF on the outer header even when the inner packet has it (`ignore-df`). */
  ignore_df: bool,
  ...encapFields,
}, CLOSED);
export type GreData = Static<typeof GreDataSchema>;

/** `ip link add NAME type ip6gre|ip6gretap remote A local A hoplimit H encaplimit E tclass T flowlabel L ...`. */
export const Ip6GreDataSchema = Type.Object({ ...keyFields, ...v6Fields, ...encapFields }, CLOSED);
export type Ip6GreData = Static<typeof Ip6GreDataSchema>;

type AnyGre = Omit<GreData, 'fwmark'> & Ip6GreData;
type KeyFields = Pick<GreData, 'key' | 'ikey' | 'okey' | 'seq' | 'iseq' | 'oseq' | 'csum' | 'icsum' | 'ocsum'>;

function keys(d: KeyFields): { ikey: number; okey: number; iflags: number; oflags: number } {
  const ikey = d.ikey ?? d.key;
  const okey = d.okey ?? d.key;
  const flags = (key: number | undefined, seq: boolean | undefined, csum: boolean | undefined): number =>
    (key !== undefined ? GRE_KEY : 0) | (seq ?? d.seq ? GRE_SEQ : 0) | (csum ?? d.csum ? GRE_CSUM : 0);
  return { ikey: ikey ?? 0, okey: okey ?? 0, iflags: flags(ikey, d.iseq, d.icsum), oflags: flags(okey, d.oseq, d.ocsum) };
}

function writeKeys(w: NetlinkWriter, d: KeyFields, f: string): void {
  const k = keys(d);
  w.attrU32be(IFLA_GRE_IKEY, k.ikey, `${f}.ikey`);
  w.attrU32be(IFLA_GRE_OKEY, k.okey, `${f}.okey`);
  w.attrU16be(IFLA_GRE_IFLAGS, k.iflags, `${f}.ikey`);
  w.attrU16be(IFLA_GRE_OFLAGS, k.oflags, `${f}.okey`);
}

/** ip 6.1's order for gre and gretap. */
function writeGre(w: NetlinkWriter, d: GreData, f: string): void {
  if (d.external) { w.attrFlag(IFLA_GRE_COLLECT_METADATA, `${f}.external`); return; }
  writeKeys(w, d, f);
  writeAddresses(w, d, f, IFLA_GRE_LOCAL, IFLA_GRE_REMOTE);
  w.attrU8(IFLA_GRE_PMTUDISC, d.pmtudisc === false ? 0 : 1, `${f}.pmtudisc`);
  if (d.ignore_df !== undefined) w.attrU8(IFLA_GRE_IGNORE_DF, d.ignore_df ? 1 : 0, `${f}.ignore_df`);
  w.attrU8(IFLA_GRE_TOS, v4tos(d), `${f}.tos`);
  if (d.link !== undefined) w.attrU32(IFLA_GRE_LINK, d.link, `${f}.link`);
  w.attrU8(IFLA_GRE_TTL, v4ttl(d), `${f}.ttl`);
  w.attrU32(IFLA_GRE_FWMARK, d.fwmark ?? 0, `${f}.fwmark`);
  writeEncap(w, d, f, IFLA_GRE_ENCAP_TYPE, false);
}

/** ip 6.1's order for ip6gre and ip6gretap; ip sends ERSPAN_VER 1 for them all (the kernel uses it only for ip6erspan). */
function writeIp6Gre(w: NetlinkWriter, d: Ip6GreData, f: string): void {
  if (d.external) { w.attrFlag(IFLA_GRE_COLLECT_METADATA, `${f}.external`); return; }
  writeKeys(w, d, f);
  writeAddresses(w, d, f, IFLA_GRE_LOCAL, IFLA_GRE_REMOTE);
  if (d.link !== undefined) w.attrU32(IFLA_GRE_LINK, d.link, `${f}.link`);
  const v = v6Values(d);
  w.attrU8(IFLA_GRE_TTL, v.hoplimit, `${f}.hoplimit`);
  w.attrU8(IFLA_GRE_ENCAP_LIMIT, v.encaplimit, `${f}.encaplimit`);
  w.attrU32be(IFLA_GRE_FLOWINFO, v.flowinfo, `${f}.flowlabel`);
  w.attrU32(IFLA_GRE_FLAGS, v.flags, f);
  w.attrU32(IFLA_GRE_FWMARK, v.fwmark, `${f}.fwmark`);
  w.attrU8(IFLA_GRE_ERSPAN_VER, 1, f);
  writeEncap(w, d, f, IFLA_GRE_ENCAP_TYPE, true);
}

function readFlags(d: AnyGre, flags: number, dir: 'i' | 'o', key: number | undefined): void {
  if (flags & GRE_KEY) d[`${dir}key`] = key ?? 0;
  d[`${dir}seq`] = (flags & GRE_SEQ) !== 0;
  d[`${dir}csum`] = (flags & GRE_CSUM) !== 0;
}

/** Both families: IPv4 fields for `v6` false, the IPv6 ones otherwise. */
function decodeGre(v6: boolean) {
  return (r: AttrReader, unknown: RawAttribute[]): Decoded<AnyGre> => {
    const d: Decoded<AnyGre> = {};
    const raw: Record<number, number> = {};
    const v6raw: { encaplimit?: number; flowinfo?: number; flags?: number; fwmark?: number } = {};
    while (r.next()) {
      switch (r.type) {
        case IFLA_GRE_IKEY: case IFLA_GRE_OKEY: raw[r.type] = r.u32be(); break;
        case IFLA_GRE_IFLAGS: case IFLA_GRE_OFLAGS: raw[r.type] = r.u16be(); break;
        case IFLA_GRE_LOCAL: { const a = readAddress(r); if (a) d.local = a; break; }
        case IFLA_GRE_REMOTE: { const a = readAddress(r); if (a) d.remote = a; break; }
        case IFLA_GRE_LINK: { const l = r.u32(); if (l) d.link = l; break; }
        case IFLA_GRE_TTL: if (v6) d.hoplimit = r.u8(); else d.ttl = readTtl(r.u8()); break;
        case IFLA_GRE_TOS: if (v6) unknown.push(r.raw()); else d.tos = readTos(r.u8()); break;
        case IFLA_GRE_PMTUDISC: if (v6) unknown.push(r.raw()); else d.pmtudisc = r.u8() !== 0; break;
        case IFLA_GRE_IGNORE_DF: if (v6) unknown.push(r.raw()); else d.ignore_df = r.u8() !== 0; break;
        case IFLA_GRE_ENCAP_LIMIT: v6raw.encaplimit = r.u8(); break;
        case IFLA_GRE_FLOWINFO: v6raw.flowinfo = r.u32be(); break;
        case IFLA_GRE_FLAGS: v6raw.flags = r.u32(); break;
        case IFLA_GRE_FWMARK: if (v6) v6raw.fwmark = r.u32(); else d.fwmark = r.u32(); break;
        case IFLA_GRE_COLLECT_METADATA: d.external = r.flag(); break;
        default: if (!readEncap(r, d, r.type - IFLA_GRE_ENCAP_TYPE)) unknown.push(r.raw());
      }
    }
    if (raw[IFLA_GRE_IFLAGS] !== undefined) readFlags(d, raw[IFLA_GRE_IFLAGS], 'i', raw[IFLA_GRE_IKEY]);
    if (raw[IFLA_GRE_OFLAGS] !== undefined) readFlags(d, raw[IFLA_GRE_OFLAGS], 'o', raw[IFLA_GRE_OKEY]);
    if (v6) readV6(d, v6raw);
    return d;
  };
}

function checkGre(family: 4 | 6) {
  return (d: AnyGre, f: string): void => {
    for (const k of ['ikey', 'okey'] as const) {
      if (d.key !== undefined && d[k] !== undefined) throw new ValidationError(`give key (both directions) or ${k}, not both`, `${f}.${k}`);
    }
    for (const [both, one] of [['seq', 'iseq'], ['seq', 'oseq'], ['csum', 'icsum'], ['csum', 'ocsum']] as const) {
      if (d[both] !== undefined && d[one] !== undefined) throw new ValidationError(`give ${both} (both directions) or ${one}, not both`, `${f}.${one}`);
    }
    checkAddresses(d, f, family);
  };
}

function greWords(d: AnyGre): string[] {
  const out: string[] = [];
  for (const k of ['key', 'ikey', 'okey'] as const) if (d[k] !== undefined) out.push(k, String(d[k]));
  for (const k of ['seq', 'iseq', 'oseq', 'csum', 'icsum', 'ocsum'] as const) if (d[k] !== undefined) out.push(d[k] ? k : `no${k}`);
  if (d.ignore_df !== undefined) out.push(d.ignore_df ? 'ignore-df' : 'noignore-df');
  tunnelWords(d, out);
  return out;
}

const gre4: KindCodec<GreData> = {
  schema: GreDataSchema, lowerInData: true, check: checkGre(4), write: writeGre, decode: decodeGre(false) as KindCodec<GreData>['decode'], words: greWords,
};
const gre6: KindCodec<Ip6GreData> = {
  schema: Ip6GreDataSchema, lowerInData: true, check: checkGre(6), write: writeIp6Gre, decode: decodeGre(true), words: greWords,
};
export const gre = gre4;
export const gretap = gre4;
export const ip6gre = gre6;
export const ip6gretap = gre6;
