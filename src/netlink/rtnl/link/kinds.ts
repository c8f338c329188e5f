// What kind a link is (IFLA_LINKINFO) and its kind-specific data
// (IFLA_INFO_DATA): one codec per kind, named and shaped after `ip link add
// ... type KIND ...`. veth lives in codec.ts because its peer is a whole link
// message.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { ValidationError } from '../../core/errors.js';
import type { NetlinkWriter } from '../../core/writer.js';
import { formatAddress, formatLinkAddress, parseAddress } from '../inet.js';
import { CLOSED, Int, Type, U16, U32, U8, type Static } from '../../core/schema.js';
import { decodeBridgePort, type BridgePort } from './bridge-port.js';

// Kinds netnest knows how to create; the last four are absent from some kernels.
export const LINK_KINDS = ['veth', 'bridge', 'macvlan', 'vxlan', 'ifb', 'tun', 'dummy', 'vlan', 'vrf', 'bond'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

// IFLA_LINKINFO and its nests (if_link.h)
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const VETH_INFO_PEER = 1;

// --- bridge (IFLA_BR_*) ---
const IFLA_BR_FORWARD_DELAY = 1;
const IFLA_BR_HELLO_TIME = 2;
const IFLA_BR_MAX_AGE = 3;
const IFLA_BR_AGEING_TIME = 4;
const IFLA_BR_STP_STATE = 5;
const IFLA_BR_PRIORITY = 6;
const IFLA_BR_VLAN_FILTERING = 7;
const IFLA_BR_MCAST_SNOOPING = 23;
const IFLA_BR_VLAN_DEFAULT_PVID = 39;

/** `ip link add NAME type bridge ...`. Times are in centiseconds, as the kernel keeps them. */
export const BridgeDataSchema = Type.Object({
  forward_delay: Type.Optional(U32),
  hello_time: Type.Optional(U32),
  max_age: Type.Optional(U32),
  ageing_time: Type.Optional(U32),
  /** 0 (off) or 1 (on). */
  stp_state: Type.Optional(Int(0, 1)),
  priority: Type.Optional(U16),
  /** Needs CONFIG_BRIDGE_VLAN_FILTERING (UnsupportedKernelFeatureError without it). */
  vlan_filtering: Type.Optional(Type.Boolean()),
  mcast_snooping: Type.Optional(Type.Boolean()),
  /** The VLAN new ports get as PVID (1 by default; 0: none). Used only with VLAN filtering in the kernel. */
  vlan_default_pvid: Type.Optional(Int(0, 4094)),
}, CLOSED);
export type BridgeData = Static<typeof BridgeDataSchema>;

// --- macvlan ---
const IFLA_MACVLAN_MODE = 1;
const IFLA_MACVLAN_FLAGS = 2;
const macvlanModes = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof macvlanModes;

export const MacvlanDataSchema = Type.Object({
  mode: Type.Optional(Type.Enum(Object.keys(macvlanModes) as MacvlanMode[])),
  flags: Type.Optional(U16),
}, CLOSED);
export type MacvlanData = Static<typeof MacvlanDataSchema>;

// --- vxlan ---
const IFLA_VXLAN_ID = 1;
const IFLA_VXLAN_GROUP = 2;
const IFLA_VXLAN_LINK = 3;
const IFLA_VXLAN_LOCAL = 4;
const IFLA_VXLAN_TTL = 5;
const IFLA_VXLAN_TOS = 6;
const IFLA_VXLAN_LEARNING = 7;
const IFLA_VXLAN_AGEING = 8;
const IFLA_VXLAN_PORT_RANGE = 10;
const IFLA_VXLAN_PORT = 15;
const IFLA_VXLAN_GROUP6 = 16;
const IFLA_VXLAN_LOCAL6 = 17;

/** `ip link add NAME type vxlan id N [remote|group ADDR] [local ADDR] [dstport P] [ttl T] ...`. */
export const VxlanDataSchema = Type.Object({
  /** VNI, 24 bits. */
  id: Int(0, 0xffffff),
  /** Remote or multicast group address (IPv4 or IPv6). */
  group: Type.Optional(Type.String()),
  local: Type.Optional(Type.String()),
  /** Underlying device index (`dev` in ip); the API also accepts a name on `link`. */
  link: Type.Optional(U32),
  dstport: Type.Optional(U16),
  /** UDP source port range [low, high] (`srcport LOW HIGH`). */
  srcport: Type.Optional(Type.Tuple([U16, U16])),
  ttl: Type.Optional(U8),
  tos: Type.Optional(U8),
  learning: Type.Optional(Type.Boolean()),
  ageing: Type.Optional(U32),
}, CLOSED);
export type VxlanData = Static<typeof VxlanDataSchema>;

// --- vlan / vrf / bond (encodable, though some kernels lack them) ---
const IFLA_VLAN_ID = 1;
const IFLA_VLAN_PROTOCOL = 5;
export const VlanDataSchema = Type.Object({
  id: Int(0, 4094),
  protocol: Type.Optional(Type.Enum(['802.1Q', '802.1ad'])),
}, CLOSED);
export type VlanData = Static<typeof VlanDataSchema>;

const IFLA_VRF_TABLE = 1;
export const VrfDataSchema = Type.Object({
  table: U32,
}, CLOSED);
export type VrfData = Static<typeof VrfDataSchema>;

const IFLA_BOND_MODE = 1;
const bondModes = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
export type BondMode = (typeof bondModes)[number];
export const BondDataSchema = Type.Object({
  mode: Type.Optional(Type.Enum(bondModes)),
}, CLOSED);
export type BondData = Static<typeof BondDataSchema>;

// --- tun (created through /dev/net/tun; the kernel reports IFLA_TUN_* in dumps) ---
const IFLA_TUN_OWNER = 1;
const IFLA_TUN_GROUP = 2;
const IFLA_TUN_TYPE = 3;
const IFLA_TUN_PI = 4;
const IFLA_TUN_VNET_HDR = 5;
const IFLA_TUN_PERSIST = 6;
const IFLA_TUN_MULTI_QUEUE = 7;

/** `ip tuntap add NAME mode tun|tap [user U] [group G] [pi] [vnet_hdr] [multi_queue]`. */
export const TunDataSchema = Type.Object({
  mode: Type.Enum(['tun', 'tap']),
  /** uid allowed to use the device. */
  owner: Type.Optional(U32),
  group: Type.Optional(U32),
  pi: Type.Optional(Type.Boolean()),
  vnet_hdr: Type.Optional(Type.Boolean()),
  multi_queue: Type.Optional(Type.Boolean()),
  /** Reported by the kernel; netnest always makes tun devices persistent. */
  persist: Type.Optional(Type.Boolean()),
}, CLOSED);
export type TunData = Static<typeof TunDataSchema>;

/** Kind data as the kernel reports it: the fields above, plus attributes netnest does not interpret. */
export type Decoded<T> = T & { unknown?: RawAttribute[] };
export type KindData = Decoded<BridgeData> | Decoded<MacvlanData> | Decoded<VxlanData> | Decoded<VlanData> | Decoded<VrfData>
  | Decoded<BondData> | Decoded<TunData>;

/** The kinds that take options, each under its own key of the add spec (`bridge: {...}`). */
export const KINDS_WITH_DATA = ['bridge', 'macvlan', 'vxlan', 'vlan', 'vrf', 'bond', 'tun'] as const;
export type KindWithData = (typeof KINDS_WITH_DATA)[number];

/** What a link add spec says of its kind. */
export type KindOptions = { kind: LinkKind; netns?: number; peer?: object; link?: unknown } & { [K in KindWithData]?: object };

/** Which options go with which kind: a veth needs a peer, a vxlan its id, bridge options a bridge... */
export function checkKindOptions(spec: KindOptions): void {
  const { kind } = spec;
  if (kind === 'tun') {
    checkTunOptions(spec);
    return;
  }
  if (kind === 'veth' && !spec.peer) throw new ValidationError('a veth needs a peer: { peer: { name } }', 'peer');
  if (kind !== 'veth' && spec.peer) throw new ValidationError(`only veth links have a peer, not ${kind}`, 'peer');
  if (kind === 'macvlan' && spec.link === undefined) throw new ValidationError('a macvlan needs its lower device: { link }', 'link');
  if (kind === 'vxlan' && !spec.vxlan) throw new ValidationError('a vxlan needs { vxlan: { id } }', 'vxlan');
  if (kind === 'vlan' && !spec.vlan) throw new ValidationError('a vlan needs { vlan: { id } }', 'vlan');
  if (kind === 'vrf' && !spec.vrf) throw new ValidationError('a vrf needs { vrf: { table } }', 'vrf');
  for (const k of KINDS_WITH_DATA) {
    if (spec[k] !== undefined && kind !== k) throw new ValidationError(`'${k}' options given for a ${kind} link`, k);
  }
}

/** A tun is made through /dev/net/tun in the socket's namespace: options that mean nothing for it are refused, not ignored. */
function checkTunOptions(spec: KindOptions): void {
  if (spec.netns !== undefined) throw new ValidationError('tun links are created in the namespace of the socket; move them with set({ netns })', 'netns');
  for (const k of ['peer', 'link', 'bridge', 'macvlan', 'vxlan', 'vlan', 'vrf', 'bond'] as const) {
    if (spec[k] !== undefined) throw new ValidationError(`'${k}' does not apply to a tun link`, k);
  }
}

/** What the schemas cannot check of kind data: the vxlan addresses. */
export function checkKindData(spec: { vxlan?: VxlanData }): void {
  const d = spec.vxlan;
  if (d?.group !== undefined) parseAddress(d.group, 'vxlan.group', { prefix: 'forbidden' });
  if (d?.local !== undefined) parseAddress(d.local, 'vxlan.local', { prefix: 'forbidden' });
}

/** Writes IFLA_INFO_DATA for kinds other than veth (checked data); `f` is the caller's field prefix ("bridge"). */
export function writeKindData(w: NetlinkWriter, kind: LinkKind, data: object | undefined, f: string, infoData: number): void {
  if (!data) return;
  const t = w.beginNested(infoData, f);
  switch (kind) {
    case 'bridge': writeBridge(w, data as BridgeData, f); break;
    case 'macvlan': {
      const d = data as MacvlanData;
      if (d.mode !== undefined) w.attrU32(IFLA_MACVLAN_MODE, macvlanModes[d.mode], `${f}.mode`);
      if (d.flags !== undefined) w.attrU16(IFLA_MACVLAN_FLAGS, d.flags, `${f}.flags`);
      break;
    }
    case 'vxlan': writeVxlan(w, data as VxlanData, f); break;
    case 'vlan': {
      const d = data as VlanData;
      if (d.protocol !== undefined) w.attrU16be(IFLA_VLAN_PROTOCOL, d.protocol === '802.1Q' ? 0x8100 : 0x88a8, `${f}.protocol`);
      w.attrU16(IFLA_VLAN_ID, d.id, `${f}.id`);
      break;
    }
    case 'vrf':
      w.attrU32(IFLA_VRF_TABLE, (data as VrfData).table, `${f}.table`);
      break;
    case 'bond': {
      const d = data as BondData;
      if (d.mode !== undefined) w.attrU8(IFLA_BOND_MODE, bondModes.indexOf(d.mode), `${f}.mode`);
      break;
    }
    default:
      break;
  }
  w.endNested(t);
}

function writeBridge(w: NetlinkWriter, d: BridgeData, f: string): void {
  if (d.forward_delay !== undefined) w.attrU32(IFLA_BR_FORWARD_DELAY, d.forward_delay, `${f}.forward_delay`);
  if (d.hello_time !== undefined) w.attrU32(IFLA_BR_HELLO_TIME, d.hello_time, `${f}.hello_time`);
  if (d.max_age !== undefined) w.attrU32(IFLA_BR_MAX_AGE, d.max_age, `${f}.max_age`);
  if (d.ageing_time !== undefined) w.attrU32(IFLA_BR_AGEING_TIME, d.ageing_time, `${f}.ageing_time`);
  if (d.stp_state !== undefined) w.attrU32(IFLA_BR_STP_STATE, d.stp_state, `${f}.stp_state`);
  if (d.priority !== undefined) w.attrU16(IFLA_BR_PRIORITY, d.priority, `${f}.priority`);
  if (d.vlan_filtering !== undefined) w.attrU8(IFLA_BR_VLAN_FILTERING, d.vlan_filtering ? 1 : 0, `${f}.vlan_filtering`);
  if (d.mcast_snooping !== undefined) w.attrU8(IFLA_BR_MCAST_SNOOPING, d.mcast_snooping ? 1 : 0, `${f}.mcast_snooping`);
  if (d.vlan_default_pvid !== undefined) w.attrU16(IFLA_BR_VLAN_DEFAULT_PVID, d.vlan_default_pvid, `${f}.vlan_default_pvid`);
}

/** iproute2's order: ttl, tos, srcport, id, addresses, link, learning, ageing, port. */
function writeVxlan(w: NetlinkWriter, d: VxlanData, f: string): void {
  if (d.ttl !== undefined) w.attrU8(IFLA_VXLAN_TTL, d.ttl, `${f}.ttl`);
  if (d.tos !== undefined) w.attrU8(IFLA_VXLAN_TOS, d.tos, `${f}.tos`);
  if (d.srcport !== undefined) {
    const range = Buffer.alloc(4);
    range.writeUInt16BE(d.srcport[0], 0);
    range.writeUInt16BE(d.srcport[1], 2);
    w.attrBytes(IFLA_VXLAN_PORT_RANGE, range, `${f}.srcport`);
  }
  w.attrU32(IFLA_VXLAN_ID, d.id, `${f}.id`);
  if (d.group !== undefined) {
    const a = parseAddress(d.group, `${f}.group`, { prefix: 'forbidden' });
    w.attrBytes(a.family === 4 ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, a.bytes, `${f}.group`);
  }
  if (d.local !== undefined) {
    const a = parseAddress(d.local, `${f}.local`, { prefix: 'forbidden' });
    w.attrBytes(a.family === 4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, a.bytes, `${f}.local`);
  }
  if (d.link !== undefined) w.attrU32(IFLA_VXLAN_LINK, d.link, `${f}.link`);
  if (d.learning !== undefined) w.attrU8(IFLA_VXLAN_LEARNING, d.learning ? 1 : 0, `${f}.learning`);
  if (d.ageing !== undefined) w.attrU32(IFLA_VXLAN_AGEING, d.ageing, `${f}.ageing`);
  if (d.dstport !== undefined) w.attrU16be(IFLA_VXLAN_PORT, d.dstport, `${f}.dstport`);
}

/** What IFLA_LINKINFO tells of a link. */
export interface LinkInfo {
  kind?: string;
  info?: KindData;
  slave_kind?: string;
  /** A bridge port's options (IFLA_INFO_SLAVE_DATA of slave kind 'bridge'). */
  bridgePort?: BridgePort;
  unknown?: RawAttribute[];
}

/**
 * Decodes IFLA_LINKINFO into `link`: kind, kind data, slave kind, a bridge
 * port's options; the rest (another master's slave data) is kept whole under IFLA_LINKINFO.
 */
export function decodeLinkInfo(r: AttrReader, link: LinkInfo): void {
  let data: [number, number] | undefined;
  let slaveData: [number, number] | undefined;
  while (r.next()) {
    switch (r.type) {
      case IFLA_INFO_KIND: link.kind = r.string(); break;
      case IFLA_INFO_DATA: data = [r.off, r.off + r.len]; break;
      case IFLA_INFO_SLAVE_KIND: link.slave_kind = r.string(); break;
      case IFLA_INFO_SLAVE_DATA: slaveData = [r.off, r.off + r.len]; break;
      default: keepWhole(r, link);
    }
  }
  if (data) {
    const info = link.kind ? decodeKindData(link.kind, new AttrReader(r.buf, data[0], data[1])) : undefined;
    if (info) link.info = info;
  }
  if (slaveData) {
    if (link.slave_kind === 'bridge') link.bridgePort = decodeBridgePort(new AttrReader(r.buf, slaveData[0], slaveData[1]));
    else (link.unknown ??= []).push({ type: IFLA_LINKINFO, nested: true, data: r.buf.subarray(slaveData[0] - 4, slaveData[1]) });
  }
}

/** An attribute of IFLA_LINKINFO kept whole (header included) under IFLA_LINKINFO. */
function keepWhole(r: AttrReader, link: LinkInfo): void {
  (link.unknown ??= []).push({ type: IFLA_LINKINFO, nested: true, data: r.buf.subarray(r.off - 4, r.off + r.len) });
}

/** Decodes IFLA_INFO_DATA of a kind; unknown kinds give undefined (the raw bytes are kept by the caller). */
export function decodeKindData(kind: string, r: AttrReader): KindData | undefined {
  const decode = kindDecoders.get(kind);
  if (!decode) return undefined;
  const unknown: RawAttribute[] = [];
  const d = decode(r, unknown);
  if (unknown.length) d.unknown = unknown;
  return d;
}

type KindDecoder = (r: AttrReader, unknown: RawAttribute[]) => KindData;

const kindDecoders = new Map<string, KindDecoder>([
  ['bridge', decodeBridge], ['macvlan', decodeMacvlan], ['macvtap', decodeMacvlan], ['vxlan', decodeVxlan],
  ['vlan', decodeVlan], ['vrf', decodeVrf], ['bond', decodeBond], ['tun', decodeTun],
]);

function decodeBridge(r: AttrReader, unknown: RawAttribute[]): Decoded<BridgeData> {
  const d: Decoded<BridgeData> = {};
  while (r.next()) {
    switch (r.type) {
      case IFLA_BR_FORWARD_DELAY: d.forward_delay = r.u32(); break;
      case IFLA_BR_HELLO_TIME: d.hello_time = r.u32(); break;
      case IFLA_BR_MAX_AGE: d.max_age = r.u32(); break;
      case IFLA_BR_AGEING_TIME: d.ageing_time = r.u32(); break;
      case IFLA_BR_STP_STATE: d.stp_state = r.u32(); break;
      case IFLA_BR_PRIORITY: d.priority = r.u16(); break;
      case IFLA_BR_VLAN_FILTERING: d.vlan_filtering = r.u8() !== 0; break;
      case IFLA_BR_MCAST_SNOOPING: d.mcast_snooping = r.u8() !== 0; break;
      case IFLA_BR_VLAN_DEFAULT_PVID: d.vlan_default_pvid = r.u16(); break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

function decodeMacvlan(r: AttrReader, unknown: RawAttribute[]): Decoded<MacvlanData> {
  const d: Decoded<MacvlanData> = {};
  while (r.next()) {
    switch (r.type) {
      case IFLA_MACVLAN_MODE: {
        const m = r.u32();
        const name = (Object.keys(macvlanModes) as MacvlanMode[]).find((k) => macvlanModes[k] === m);
        if (name) d.mode = name;
        else unknown.push(r.raw());
        break;
      }
      case IFLA_MACVLAN_FLAGS: d.flags = r.u16(); break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

function decodeVxlan(r: AttrReader, unknown: RawAttribute[]): Decoded<VxlanData> {
  const d: Decoded<VxlanData> = { id: 0 };
  while (r.next()) {
    switch (r.type) {
      case IFLA_VXLAN_ID: d.id = r.u32(); break;
      case IFLA_VXLAN_GROUP: case IFLA_VXLAN_GROUP6: d.group = addr(r); break;
      case IFLA_VXLAN_LOCAL: case IFLA_VXLAN_LOCAL6: d.local = addr(r); break;
      case IFLA_VXLAN_LINK: d.link = r.u32(); break;
      case IFLA_VXLAN_TTL: d.ttl = r.u8(); break;
      case IFLA_VXLAN_TOS: d.tos = r.u8(); break;
      case IFLA_VXLAN_LEARNING: d.learning = r.u8() !== 0; break;
      case IFLA_VXLAN_AGEING: d.ageing = r.u32(); break;
      case IFLA_VXLAN_PORT: d.dstport = r.u16be(); break;
      case IFLA_VXLAN_PORT_RANGE:
        r.struct(4, 'ifla_vxlan_port_range');
        d.srcport = [r.buf.readUInt16BE(r.off), r.buf.readUInt16BE(r.off + 2)];
        break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

function decodeVlan(r: AttrReader, unknown: RawAttribute[]): Decoded<VlanData> {
  const d: Decoded<VlanData> = { id: 0 };
  while (r.next()) {
    if (r.type === IFLA_VLAN_ID) d.id = r.u16();
    else if (r.type === IFLA_VLAN_PROTOCOL) d.protocol = r.u16be() === 0x88a8 ? '802.1ad' : '802.1Q';
    else unknown.push(r.raw());
  }
  return d;
}

function decodeVrf(r: AttrReader, unknown: RawAttribute[]): Decoded<VrfData> {
  const d: Decoded<VrfData> = { table: 0 };
  while (r.next()) {
    if (r.type === IFLA_VRF_TABLE) d.table = r.u32();
    else unknown.push(r.raw());
  }
  return d;
}

function decodeBond(r: AttrReader, unknown: RawAttribute[]): Decoded<BondData> {
  const d: Decoded<BondData> = {};
  while (r.next()) {
    if (r.type === IFLA_BOND_MODE) {
      const m = bondModes[r.u8()];
      if (m) d.mode = m;
    } else unknown.push(r.raw());
  }
  return d;
}

function decodeTun(r: AttrReader, unknown: RawAttribute[]): Decoded<TunData> {
  const d: Decoded<TunData> = { mode: 'tun' };
  while (r.next()) {
    switch (r.type) {
      case IFLA_TUN_TYPE: d.mode = r.u8() === 2 ? 'tap' : 'tun'; break;
      case IFLA_TUN_OWNER: d.owner = r.u32(); break;
      case IFLA_TUN_GROUP: d.group = r.u32(); break;
      case IFLA_TUN_PI: d.pi = r.u8() !== 0; break;
      case IFLA_TUN_VNET_HDR: d.vnet_hdr = r.u8() !== 0; break;
      case IFLA_TUN_PERSIST: d.persist = r.u8() !== 0; break;
      case IFLA_TUN_MULTI_QUEUE: d.multi_queue = r.u8() !== 0; break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

function addr(r: AttrReader): string {
  return r.len === 4 || r.len === 16 ? formatAddress(r.buf, r.off, r.len) : formatLinkAddress(r.buf, r.off, r.len);
}
