// geneve (`ip link add NAME type geneve id VNI remote ADDR ...`): IFLA_GENEVE_*.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { CLOSED, Int, Type, U16, U8, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { plainAddress, type Decoded, type KindCodec } from './kind.js';
import { readAddress } from './tunnel.js';

const IFLA_GENEVE_ID = 1;
const IFLA_GENEVE_REMOTE = 2;
const IFLA_GENEVE_TTL = 3;
const IFLA_GENEVE_TOS = 4;
const IFLA_GENEVE_PORT = 5;
const IFLA_GENEVE_COLLECT_METADATA = 6;
const IFLA_GENEVE_REMOTE6 = 7;
const IFLA_GENEVE_LABEL = 11;
const IFLA_GENEVE_TTL_INHERIT = 12;
const IFLA_GENEVE_DF = 13;
const IFLA_GENEVE_INNER_PROTO_INHERIT = 14;
/** u8 switches, in the order ip writes them (last). */
const switches = [['udpcsum', 8], ['udp6zerocsumtx', 9], ['udp6zerocsumrx', 10]] as const;

const dfModes = ['unset', 'set', 'inherit'] as const;
const bool = Type.Optional(Type.Boolean());

/** `ip link add NAME type geneve id VNI remote ADDR [ttl T|inherit] [tos T|inherit] [df ...] [flowlabel L] [dstport P] ...`. */
export const GeneveDataSchema = Type.Object({
  /** VNI, 24 bits; absent (or 0) only with `external`. */
  id: Type.Optional(Int(0, 0xffffff)),
  /** The remote end (IPv4 or IPv6); needed unless `external`. */
  remote: Type.Optional(Type.String()),
  /** Hop limit (0: the kernel's default), or 'inherit' from the inner packet. */
  ttl: Type.Optional(Type.Union([U8, Type.Literal('inherit')])),
  /** TOS byte, or 'inherit' (kept by the kernel as 1). */
  tos: Type.Optional(Type.Union([U8, Type.Literal('inherit')])),
  df: Type.Optional(Type.Enum(dfModes)),
  /** IPv6 flow label (20 bits). */
  flowlabel: Type.Optional(Int(0, 0xfffff)),
  dstport: Type.Optional(U16),
  /** Collect metadata: a flow-based device (`external`), e.g. for tc or eBPF. */
  external: bool,
  udpcsum: bool, udp6zerocsumtx: bool, udp6zerocsumrx: bool,
  /** Keep the inner protocol (no Ethernet header): `inner_proto_inherit`. */
  inner_proto_inherit: bool,
}, CLOSED);
export type GeneveData = Static<typeof GeneveDataSchema>;

/** ip 6.1's order: df, ttl inherit and inner_proto_inherit as parsed, then id, remote, label, ttl, tos (always), the rest. */
function writeGeneve(w: NetlinkWriter, d: GeneveData, f: string): void {
  if (d.ttl === 'inherit') w.attrU8(IFLA_GENEVE_TTL_INHERIT, 1, `${f}.ttl`);
  if (d.df !== undefined) w.attrU8(IFLA_GENEVE_DF, dfModes.indexOf(d.df), `${f}.df`);
  if (d.inner_proto_inherit) w.attrFlag(IFLA_GENEVE_INNER_PROTO_INHERIT, `${f}.inner_proto_inherit`);
  w.attrU32(IFLA_GENEVE_ID, d.id ?? 0, `${f}.id`);
  if (d.remote !== undefined) {
    const a = plainAddress(d.remote, `${f}.remote`);
    w.attrBytes(a.family === 4 ? IFLA_GENEVE_REMOTE : IFLA_GENEVE_REMOTE6, a.bytes, `${f}.remote`);
  }
  w.attrU32be(IFLA_GENEVE_LABEL, d.flowlabel ?? 0, `${f}.flowlabel`);
  w.attrU8(IFLA_GENEVE_TTL, typeof d.ttl === 'number' ? d.ttl : 0, `${f}.ttl`);
  w.attrU8(IFLA_GENEVE_TOS, d.tos === 'inherit' ? 1 : d.tos ?? 0, `${f}.tos`);
  if (d.dstport !== undefined) w.attrU16be(IFLA_GENEVE_PORT, d.dstport, `${f}.dstport`);
  if (d.external) w.attrFlag(IFLA_GENEVE_COLLECT_METADATA, `${f}.external`);
  for (const [k, type] of switches) if (d[k] !== undefined) w.attrU8(type, d[k] ? 1 : 0, `${f}.${k}`);
}

const switchOf = new Map<number, (typeof switches)[number][0]>(switches.map(([k, t]) => [t, k]));

function decodeGeneve(r: AttrReader, unknown: RawAttribute[]): Decoded<GeneveData> {
  const d: Decoded<GeneveData> = {};
  let inherit = false;
  while (r.next()) {
    switch (r.type) {
      case IFLA_GENEVE_ID: d.id = r.u32(); break;
      case IFLA_GENEVE_REMOTE: case IFLA_GENEVE_REMOTE6: { const a = readAddress(r); if (a) d.remote = a; break; }
      case IFLA_GENEVE_TTL: d.ttl = r.u8(); break;
      case IFLA_GENEVE_TTL_INHERIT: inherit = r.u8() !== 0; break;
      case IFLA_GENEVE_TOS: { const t = r.u8(); d.tos = t === 1 ? 'inherit' : t; break; }
      case IFLA_GENEVE_DF: { const v = dfModes[r.u8()]; if (v) d.df = v; else unknown.push(r.raw()); break; }
      case IFLA_GENEVE_LABEL: d.flowlabel = r.u32be(); break;
      case IFLA_GENEVE_PORT: d.dstport = r.u16be(); break;
      case IFLA_GENEVE_COLLECT_METADATA: d.external = r.flag(); break;
      case IFLA_GENEVE_INNER_PROTO_INHERIT: d.inner_proto_inherit = r.flag(); break;
      default: {
        const k = switchOf.get(r.type);
        if (k) d[k] = r.u8() !== 0;
        else unknown.push(r.raw());
      }
    }
  }
  if (inherit) d.ttl = 'inherit';
  return d;
}

function geneveWords(d: GeneveData): string[] {
  const out: string[] = [];
  if (d.external) out.push('external');
  if (d.id !== undefined) out.push('id', String(d.id));
  if (d.remote !== undefined) out.push('remote', d.remote);
  if (d.ttl !== undefined) out.push('ttl', String(d.ttl));
  if (d.tos !== undefined) out.push('tos', typeof d.tos === 'number' ? `0x${d.tos.toString(16)}` : d.tos);
  if (d.df !== undefined) out.push('df', d.df);
  if (d.flowlabel !== undefined) out.push('flowlabel', `0x${d.flowlabel.toString(16)}`);
  if (d.dstport !== undefined) out.push('dstport', String(d.dstport));
  for (const [k] of switches) if (d[k] !== undefined) out.push(d[k] ? k : `no${k}`);
  if (d.inner_proto_inherit) out.push('inner_proto_inherit');
  return out;
}

export const geneve: KindCodec<GeneveData> = {
  schema: GeneveDataSchema,
  needs: { data: 'a geneve needs { geneve: { id, remote } } (or { external: true })' },
  check(d, f) {
    // The kernel reports an external geneve with id 0, which may be sent back as it is.
    if (d.external && d.id) throw new ValidationError('an external geneve takes no id', `${f}.id`);
    if (!d.external && d.id === undefined) throw new ValidationError('a geneve needs its VNI (id), unless it is external', `${f}.id`);
    if (!d.external && d.remote === undefined) throw new ValidationError('a geneve needs its remote end, unless it is external', `${f}.remote`);
    if (d.remote !== undefined) plainAddress(d.remote, `${f}.remote`);
  },
  write: writeGeneve,
  decode: decodeGeneve,
  words: geneveWords,
};
