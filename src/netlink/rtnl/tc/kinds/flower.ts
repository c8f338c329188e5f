// flower (`tc filter add ... protocol ip flower ip_proto tcp dst_ip
// 10.0.0.0/24 dst_port 80 action ...`): keys on packet fields. netnest
// writes the common ones — ip_proto, addresses, tcp/udp ports — in a fixed
// order (tc follows its command line; the kernel takes any), then
// TCA_FLOWER_FLAGS and the eth_type from the filter's protocol, as tc does.
import { AttrReader } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, Type, U16, U8, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { formatAddress, parseAddress } from '../../inet.js';
import { ActionListSchema, actionDevices, decodeActions, writeActions, type ActionSpec, type TcAction } from '../actions.js';
import { TCA_OPTIONS } from '../constants.js';
import { formatHandle, parseClassId, TcHandleSchema } from '../handles.js';
import { entry, type WriteContext } from '../kind.js';
import { ClsFlagsFields, clsFlags, decodeClsFlags, type ClsFlagsInfo } from '../cls-flags.js';

const TCA_FLOWER_CLASSID = 1;
const TCA_FLOWER_ACT = 3;
const TCA_FLOWER_KEY_ETH_TYPE = 8;
const TCA_FLOWER_KEY_IP_PROTO = 9;
/** IPV4_SRC, its mask, IPV4_DST, its mask; the IPv6 ones follow at +4. */
const TCA_FLOWER_KEY_IPV4_SRC = 10;
const TCA_FLOWER_KEY_TCP_SRC = 18;
const TCA_FLOWER_KEY_UDP_SRC = 20;
const TCA_FLOWER_FLAGS = 22;
const ETH_P_ALL = 0x0003;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

const IP_PROTOS = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 } as const;

export const FlowerOptionsSchema = Type.Object({
  /** 'tcp', 'udp', 'sctp', 'icmp' (protocol ip), 'icmpv6' (protocol ipv6) or the number. */
  ip_proto: Type.Optional(Type.Union([Type.Enum(Object.keys(IP_PROTOS) as (keyof typeof IP_PROTOS)[]), U8])),
  /** An address or prefix of the filter's protocol family. */
  src_ip: Type.Optional(Type.String()),
  dst_ip: Type.Optional(Type.String()),
  /** tcp or udp ports (needs ip_proto tcp or udp). */
  src_port: Type.Optional(U16),
  dst_port: Type.Optional(U16),
  classid: Type.Optional(TcHandleSchema),
  actions: Type.Optional(ActionListSchema),
  ...ClsFlagsFields,
}, CLOSED);
export type FlowerOptions = Static<typeof FlowerOptionsSchema>;

export interface FlowerInfo extends ClsFlagsInfo {
  eth_type?: number;
  ip_proto?: number;
  src_ip?: string;
  dst_ip?: string;
  src_port?: number;
  dst_port?: number;
  classid?: string;
  actions?: TcAction[];
}

interface FlowerChecked {
  classid?: number;
  ipProto?: number;
  ips: [number, Buffer, Buffer][];
  ports: [number, number][];
  actions?: ActionSpec[];
  flags: number;
  /** The protocol family the addresses need: 4 or 6. */
  family?: 4 | 6;
}

const checkShape = checker(FlowerOptionsSchema);

function prefix(v: string, field: string): { family: 4 | 6; addr: Buffer; mask: Buffer } {
  const a = parseAddress(v, field, { prefix: 'allowed' });
  const bits = a.prefixlen ?? a.bytes.length * 8;
  const mask = Buffer.alloc(a.bytes.length);
  for (let i = 0; i < mask.length; i++) mask[i] = bits >= (i + 1) * 8 ? 0xff : bits > i * 8 ? (0xff << (8 - (bits - i * 8))) & 0xff : 0;
  return { family: a.family, addr: a.bytes, mask };
}

function check(options: unknown, path: string): FlowerChecked {
  const o = (options ?? {}) as FlowerOptions;
  checkShape(o, path);
  const c: FlowerChecked = { ips: [], ports: [], flags: clsFlags(o, path) };
  if (o.classid !== undefined) c.classid = parseClassId(o.classid, `${path}.classid`);
  if (o.ip_proto !== undefined) c.ipProto = typeof o.ip_proto === 'number' ? o.ip_proto : IP_PROTOS[o.ip_proto];
  for (const [k, base] of [['src_ip', 0], ['dst_ip', 2]] as const) {
    const v = o[k];
    if (v === undefined) continue;
    const p = prefix(v, `${path}.${k}`);
    if (c.family !== undefined && c.family !== p.family) throw new ValidationError('src_ip and dst_ip are of different families', `${path}.${k}`);
    c.family = p.family;
    c.ips.push([TCA_FLOWER_KEY_IPV4_SRC + base + (p.family === 6 ? 4 : 0), p.addr, p.mask]);
  }
  for (const [k, off] of [['src_port', 0], ['dst_port', 1]] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (c.ipProto !== IP_PROTOS.tcp && c.ipProto !== IP_PROTOS.udp) throw new ValidationError(`${k} needs ip_proto tcp or udp`, `${path}.${k}`);
    c.ports.push([(c.ipProto === IP_PROTOS.tcp ? TCA_FLOWER_KEY_TCP_SRC : TCA_FLOWER_KEY_UDP_SRC) + off, v]);
  }
  if (o.actions) c.actions = o.actions;
  return c;
}

/** What the filter's protocol must be for these keys (tc refuses addresses and ip_proto otherwise). */
export function flowerProtocolProblem(c: unknown, protocol: number): string | undefined {
  const f = c as FlowerChecked;
  if ((f.family !== undefined || f.ipProto !== undefined) && protocol !== ETH_P_IP && protocol !== ETH_P_IPV6) {
    return 'flower matches on addresses or ip_proto need protocol ip or ipv6';
  }
  if (f.family !== undefined && (f.family === 4) !== (protocol === ETH_P_IP)) return `the addresses are IPv${f.family}, the filter's protocol is not`;
  return undefined;
}

function write(w: NetlinkWriter, c: FlowerChecked, ctx: WriteContext): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  if (c.classid !== undefined) w.attrU32(TCA_FLOWER_CLASSID, c.classid, 'options.classid');
  if (c.ipProto !== undefined) w.attrU8(TCA_FLOWER_KEY_IP_PROTO, c.ipProto, 'options.ip_proto');
  for (const [type, addr, mask] of c.ips) {
    w.attrBytes(type, addr);
    w.attrBytes(type + 1, mask);
  }
  for (const [type, port] of c.ports) w.attrU16be(type, port);
  if (c.actions) writeActions(w, TCA_FLOWER_ACT, c.actions, ctx.dev, 'options.actions');
  w.attrU32(TCA_FLOWER_FLAGS, c.flags);
  if (ctx.protocol !== ETH_P_ALL) w.attrU16be(TCA_FLOWER_KEY_ETH_TYPE, ctx.protocol);
  w.endNested(t);
}

function withMask(addr: Buffer, mask: Buffer | undefined): string {
  let bits = 0;
  for (const b of mask ?? []) bits += [...b.toString(2)].filter((x) => x === '1').length;
  const a = formatAddress(addr);
  return mask && bits !== addr.length * 8 ? `${a}/${bits}` : a;
}

function decode(buf: Buffer, off: number, end: number): FlowerInfo {
  const info: FlowerInfo = {};
  const raw = new Map<number, Buffer>();
  const r = new AttrReader(buf, off, end);
  while (r.next()) {
    if (r.type === TCA_FLOWER_CLASSID) info.classid = formatHandle(r.u32());
    else if (r.type === TCA_FLOWER_ACT) info.actions = decodeActions(r.nested());
    else if (r.type === TCA_FLOWER_FLAGS) decodeClsFlags(info, r.u32());
    else if (r.type === TCA_FLOWER_KEY_ETH_TYPE) info.eth_type = r.u16be();
    else if (r.type === TCA_FLOWER_KEY_IP_PROTO) info.ip_proto = r.u8();
    else raw.set(r.type, r.bytes());
  }
  for (const [k, base] of [['src_ip', TCA_FLOWER_KEY_IPV4_SRC], ['dst_ip', TCA_FLOWER_KEY_IPV4_SRC + 2]] as const) {
    for (const t of [base, base + 4]) {
      const a = raw.get(t);
      if (a && (a.length === 4 || a.length === 16)) info[k] = withMask(a, raw.get(t + 1));
    }
  }
  for (const t of [TCA_FLOWER_KEY_TCP_SRC, TCA_FLOWER_KEY_UDP_SRC]) {
    const s = raw.get(t);
    const d = raw.get(t + 1);
    if (s?.length === 2) info.src_port = s.readUInt16BE(0);
    if (d?.length === 2) info.dst_port = d.readUInt16BE(0);
  }
  return info;
}

export const flower = entry<FlowerChecked, FlowerInfo>({
  schema: FlowerOptionsSchema, check, write, decode, devices: (c) => actionDevices(c.actions),
});
