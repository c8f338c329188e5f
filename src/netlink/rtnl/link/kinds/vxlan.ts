// vxlan (`ip link add NAME type vxlan id VNI ...`): IFLA_VXLAN_*.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { CLOSED, Int, Type, U16, U32, U8, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { parseAddress } from '../../inet.js';
import { addressOf, plainAddress, wordsOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_VXLAN_ID = 1;
const IFLA_VXLAN_GROUP = 2;
const IFLA_VXLAN_LINK = 3;
const IFLA_VXLAN_LOCAL = 4;
const IFLA_VXLAN_TTL = 5;
const IFLA_VXLAN_TOS = 6;
const IFLA_VXLAN_LEARNING = 7;
const IFLA_VXLAN_AGEING = 8;
const IFLA_VXLAN_LIMIT = 9;
const IFLA_VXLAN_PORT_RANGE = 10;
const IFLA_VXLAN_PORT = 15;
const IFLA_VXLAN_GROUP6 = 16;
const IFLA_VXLAN_LOCAL6 = 17;
const IFLA_VXLAN_LABEL = 26;
const IFLA_VXLAN_TTL_INHERIT = 28;
const IFLA_VXLAN_DF = 29;
const IFLA_VXLAN_GBP = 23;
const IFLA_VXLAN_GPE = 27;
const IFLA_VXLAN_REMCSUM_NOPARTIAL = 24;
const IFLA_VXLAN_LABEL_POLICY = 32;

/** The vxlan switches that are one u8 (0/1) each, by attribute, as ip names them; in the order ip 6.1 writes them. */
const switches = [
  ['proxy', 11], ['rsc', 12], ['l2miss', 13], ['l3miss', 14], ['udpcsum', 18], ['udp6zerocsumtx', 19],
  ['udp6zerocsumrx', 20], ['remcsumtx', 21], ['remcsumrx', 22], ['external', 25], ['vnifilter', 30], ['localbypass', 31],
] as const;
type Switch = (typeof switches)[number][0];

const dfModes = ['unset', 'set', 'inherit'] as const;
const bool = Type.Optional(Type.Boolean());

/** `ip link add NAME type vxlan id N [remote|group ADDR] [local ADDR] [dstport P] [ttl T] ...`. */
export const VxlanDataSchema = Type.Object({
  /** VNI, 24 bits; absent only with `external`. */
  id: Type.Optional(Int(0, 0xffffff)),
  /** Remote or multicast group address (IPv4 or IPv6). */
  group: Type.Optional(Type.String()),
  local: Type.Optional(Type.String()),
  /** Underlying device index (`dev` in ip); the API also accepts a name on `link`. */
  link: Type.Optional(U32),
  dstport: Type.Optional(U16),
  /** UDP source port range [low, high] (`srcport LOW HIGH`). */
  srcport: Type.Optional(Type.Tuple([U16, U16])),
  /** Hop limit, or 'inherit' (from the inner packet). */
  ttl: Type.Optional(Type.Union([U8, Type.Literal('inherit')])),
  tos: Type.Optional(U8),
  /** Don't Fragment on the outer IPv4 header. */
  df: Type.Optional(Type.Enum(dfModes)),
  /** IPv6 flow label (20 bits), or 'inherit' (from the inner packet; Linux 6.9+). */
  flowlabel: Type.Optional(Type.Union([Int(0, 0xfffff), Type.Literal('inherit')])),
  learning: bool,
  ageing: Type.Optional(U32),
  /** Most FDB entries (`maxaddress`). */
  maxaddress: Type.Optional(U32),
  proxy: bool, rsc: bool, l2miss: bool, l3miss: bool,
  udpcsum: bool, udp6zerocsumtx: bool, udp6zerocsumrx: bool, remcsumtx: bool, remcsumrx: bool,
  /** Remote checksum offload without partial checksums (`remcsum_nopartial`). */
  remcsum_nopartial: bool,
  /** Deliver to a local vxlan device directly when the destination is local (default on; Linux 6.8+). */
  localbypass: bool,
  /** Group Based Policy extension. */
  gbp: bool,
  /** Generic Protocol Extension (VXLAN-GPE). */
  gpe: bool,
  /** Collect metadata: a flow-based device (`external`), e.g. for tc or eBPF. */
  external: bool,
  /** With `external`: filter VNIs (`bridge vni`). */
  vnifilter: bool,
}, CLOSED);
export type VxlanData = Static<typeof VxlanDataSchema>;

/** ip's order: the options written as they are parsed, then id, addresses, learning, port. */
function writeVxlan(w: NetlinkWriter, d: VxlanData, f: string): void {
  if (d.link !== undefined) w.attrU32(IFLA_VXLAN_LINK, d.link, `${f}.link`);
  if (d.ttl === 'inherit') w.attrFlag(IFLA_VXLAN_TTL_INHERIT, `${f}.ttl`);
  else if (d.ttl !== undefined) w.attrU8(IFLA_VXLAN_TTL, d.ttl, `${f}.ttl`);
  if (d.tos !== undefined) w.attrU8(IFLA_VXLAN_TOS, d.tos, `${f}.tos`);
  if (d.df !== undefined) w.attrU8(IFLA_VXLAN_DF, dfModes.indexOf(d.df), `${f}.df`);
  if (d.flowlabel === 'inherit') w.attrU32(IFLA_VXLAN_LABEL_POLICY, 1, `${f}.flowlabel`);
  else if (d.flowlabel !== undefined) w.attrU32be(IFLA_VXLAN_LABEL, d.flowlabel, `${f}.flowlabel`);
  if (d.srcport !== undefined) {
    const range = Buffer.alloc(4);
    range.writeUInt16BE(d.srcport[0], 0);
    range.writeUInt16BE(d.srcport[1], 2);
    w.attrBytes(IFLA_VXLAN_PORT_RANGE, range, `${f}.srcport`);
  }
  if (d.ageing !== undefined) w.attrU32(IFLA_VXLAN_AGEING, d.ageing, `${f}.ageing`);
  if (d.maxaddress !== undefined) w.attrU32(IFLA_VXLAN_LIMIT, d.maxaddress, `${f}.maxaddress`);
  for (const [k, type] of switches) if (d[k] !== undefined) w.attrU8(type, d[k] ? 1 : 0, `${f}.${k}`);
  if (d.gbp) w.attrFlag(IFLA_VXLAN_GBP, `${f}.gbp`);
  if (d.gpe) w.attrFlag(IFLA_VXLAN_GPE, `${f}.gpe`);
  if (d.remcsum_nopartial) w.attrFlag(IFLA_VXLAN_REMCSUM_NOPARTIAL, `${f}.remcsum_nopartial`);
  if (d.id !== undefined) w.attrU32(IFLA_VXLAN_ID, d.id, `${f}.id`);
  if (d.group !== undefined) {
    const a = parseAddress(d.group, `${f}.group`, { prefix: 'forbidden' });
    w.attrBytes(a.family === 4 ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, a.bytes, `${f}.group`);
  }
  if (d.local !== undefined) {
    const a = parseAddress(d.local, `${f}.local`, { prefix: 'forbidden' });
    w.attrBytes(a.family === 4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, a.bytes, `${f}.local`);
  }
  if (d.learning !== undefined) w.attrU8(IFLA_VXLAN_LEARNING, d.learning ? 1 : 0, `${f}.learning`);
  if (d.dstport !== undefined) w.attrU16be(IFLA_VXLAN_PORT, d.dstport, `${f}.dstport`);
}

const switchOf = new Map<number, Switch>(switches.map(([k, t]) => [t, k]));

function decodeVxlan(r: AttrReader, unknown: RawAttribute[]): Decoded<VxlanData> {
  const d: Decoded<VxlanData> = {};
  let inherit = false;
  let labelInherit = false;
  while (r.next()) {
    switch (r.type) {
      case IFLA_VXLAN_ID: d.id = r.u32(); break;
      case IFLA_VXLAN_GROUP: case IFLA_VXLAN_GROUP6: d.group = addressOf(r); break;
      case IFLA_VXLAN_LOCAL: case IFLA_VXLAN_LOCAL6: d.local = addressOf(r); break;
      case IFLA_VXLAN_LINK: d.link = r.u32(); break;
      case IFLA_VXLAN_TTL: d.ttl = r.u8(); break;
      // ip sends a flag; the kernel reports a u8.
      case IFLA_VXLAN_TTL_INHERIT: inherit = r.len === 0 || r.u8() !== 0; break;
      case IFLA_VXLAN_TOS: d.tos = r.u8(); break;
      case IFLA_VXLAN_DF: { const v = r.u8(); if (dfModes[v]) d.df = dfModes[v]; else unknown.push(r.raw()); break; }
      case IFLA_VXLAN_LABEL: d.flowlabel = r.u32be(); break;
      // 0 is a fixed label (IFLA_VXLAN_LABEL), 1 inherit.
      case IFLA_VXLAN_LABEL_POLICY: { const p = r.u32(); if (p > 1) unknown.push(r.raw()); else labelInherit = p === 1; break; }
      case IFLA_VXLAN_LEARNING: d.learning = r.u8() !== 0; break;
      case IFLA_VXLAN_AGEING: d.ageing = r.u32(); break;
      case IFLA_VXLAN_LIMIT: d.maxaddress = r.u32(); break;
      case IFLA_VXLAN_PORT: d.dstport = r.u16be(); break;
      case IFLA_VXLAN_PORT_RANGE:
        r.struct(4, 'ifla_vxlan_port_range');
        d.srcport = [r.buf.readUInt16BE(r.off), r.buf.readUInt16BE(r.off + 2)];
        break;
      case IFLA_VXLAN_GBP: d.gbp = r.flag(); break;
      case IFLA_VXLAN_GPE: d.gpe = r.flag(); break;
      case IFLA_VXLAN_REMCSUM_NOPARTIAL: d.remcsum_nopartial = r.flag(); break;
      default: {
        const k = switchOf.get(r.type);
        if (k) d[k] = r.u8() !== 0;
        else unknown.push(r.raw());
      }
    }
  }
  if (inherit) d.ttl = 'inherit';
  if (labelInherit) d.flowlabel = 'inherit';
  return d;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function vxlanWords(d: VxlanData, path: string): string[] {
  const { out, num, flag } = wordsOf(d);
  num('id');
  if (d.group !== undefined) {
    const a = parseAddress(d.group, `${path}.vxlan.group`);
    const multicast = a.family === 4 ? a.bytes[0]! >= 224 && a.bytes[0]! <= 239 : a.bytes[0] === 0xff;
    out.push(multicast ? 'group' : 'remote', String(d.group));
  }
  num('local');
  num('dstport');
  if (d.srcport) out.push('srcport', String(d.srcport[0]), String(d.srcport[1]));
  num('ttl');
  if (d.tos !== undefined) out.push('tos', hex(d.tos)); // ip reads vxlan tos in hex
  num('df');
  if (d.flowlabel !== undefined) out.push('flowlabel', d.flowlabel === 'inherit' ? 'inherit' : hex(d.flowlabel));
  flag('learning', 'learning', 'nolearning');
  num('ageing');
  num('maxaddress');
  for (const [k] of switches) flag(k, k, `no${k}`);
  flag('gbp');
  flag('gpe');
  if (d.remcsum_nopartial) throw new ValidationError('ip has no word for remcsum_nopartial', `${path}.vxlan.remcsum_nopartial`);
  return out;
}

export const vxlan: KindCodec<VxlanData> = {
  schema: VxlanDataSchema,
  lowerInData: true,
  needs: { data: 'a vxlan needs { vxlan: { id } }' },
  check(d, f) {
    if (d.id === undefined && !d.external) throw new ValidationError('a vxlan needs its VNI (id), unless it is external', `${f}.id`);
    if (d.group !== undefined) plainAddress(d.group, `${f}.group`);
    if (d.local !== undefined) plainAddress(d.local, `${f}.local`);
  },
  write: writeVxlan,
  decode: decodeVxlan,
  words: vxlanWords,
};
