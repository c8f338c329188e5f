// What kind a link is (IFLA_LINKINFO) and its kind-specific data
// (IFLA_INFO_DATA): the one table of the kinds netnest knows, each with its
// codec (kind.ts says what a codec is), one file per family of kinds. veth's
// and netkit's peer is a whole link message: codec.ts writes it.
import { AttrReader, type RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { Type, type TSchema } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import type { DevResolver, LinkRef } from '../../devices.js';
import { decodeBridgePort, type BridgePort } from '../bridge-port.js';
import { bond, BondDataSchema, type BondInfo } from './bond.js';
import { bridge, BridgeDataSchema, type BridgeData } from './bridge.js';
import { geneve, GeneveDataSchema, type GeneveData } from './geneve.js';
import { gre, GreDataSchema, gretap, ip6gre, Ip6GreDataSchema, ip6gretap, type GreData, type Ip6GreData } from './gre.js';
import { ip6tnl, Ip6tnlDataSchema, ipip, IpipDataSchema, sit, SitDataSchema, type Ip6tnlData, type IpipData, type SitData } from './iptun.js';
import { ipvlan, IpvlanDataSchema, type IpvlanData } from './ipvlan.js';
import type { Decoded, KindCodec } from './kind.js';
import { macvlan, MacvlanDataSchema, type MacvlanData } from './macvlan.js';
import { netkit, NetkitDataSchema, type NetkitInfo } from './netkit.js';
import { tun, TunDataSchema, type TunData } from './tun.js';
import { vlan, VlanDataSchema, vrf, VrfDataSchema, type VlanData, type VrfData } from './vlan.js';
import { vxlan, VxlanDataSchema, type VxlanData } from './vxlan.js';

export type { Decoded } from './kind.js';
export { BondDataSchema, type BondData, type BondInfo, type BondMode } from './bond.js';
export { BridgeDataSchema, type BridgeData } from './bridge.js';
export { GeneveDataSchema, type GeneveData } from './geneve.js';
export { GreDataSchema, Ip6GreDataSchema, type GreData, type Ip6GreData } from './gre.js';
export { Ip6tnlDataSchema, IpipDataSchema, SitDataSchema, type Ip6tnlData, type IpipData, type SitData } from './iptun.js';
export { IpvlanDataSchema, type IpvlanData } from './ipvlan.js';
export { MacvlanDataSchema, type MacvlanData, type MacvlanMode } from './macvlan.js';
export { NetkitDataSchema, type NetkitData, type NetkitInfo } from './netkit.js';
export { TunDataSchema, type TunData } from './tun.js';
export { VlanDataSchema, VrfDataSchema, type VlanData, type VrfData } from './vlan.js';
export { VxlanDataSchema, type VxlanData } from './vxlan.js';

// IFLA_LINKINFO and its nests (if_link.h)
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
/** VETH_INFO_PEER and IFLA_NETKIT_PEER_INFO: the peer's ifinfomsg and attributes, in IFLA_INFO_DATA. */
export const INFO_PEER = 1;

/** The kinds with options, each under its own key of the add spec (`gre: {...}`), by their schema. */
export const KindDataSchemas = {
  bridge: BridgeDataSchema, macvlan: MacvlanDataSchema, vxlan: VxlanDataSchema, vlan: VlanDataSchema, vrf: VrfDataSchema,
  bond: BondDataSchema, tun: TunDataSchema, ipvlan: IpvlanDataSchema, gre: GreDataSchema, gretap: GreDataSchema,
  ip6gre: Ip6GreDataSchema, ip6gretap: Ip6GreDataSchema, ipip: IpipDataSchema, sit: SitDataSchema, ip6tnl: Ip6tnlDataSchema,
  geneve: GeneveDataSchema, netkit: NetkitDataSchema,
};
export type KindWithData = keyof typeof KindDataSchemas;
export const KINDS_WITH_DATA = Object.keys(KindDataSchemas) as KindWithData[];

/** Kinds netnest knows how to create; many are absent from some kernels (kernelOption() names their option). */
export const LINK_KINDS = [
  'veth', 'bridge', 'macvlan', 'vxlan', 'ifb', 'tun', 'dummy', 'vlan', 'vrf', 'bond', 'ipvlan', 'gre', 'gretap',
  'ip6gre', 'ip6gretap', 'ipip', 'sit', 'ip6tnl', 'geneve', 'wireguard', 'netkit',
] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** The registry: every kind, its codec. Kinds without options (ifb, dummy, wireguard) need nothing but their name. */
const KINDS: Record<LinkKind, KindCodec<object>> = {
  veth: { peer: true, needs: { peer: 'a veth needs a peer: { peer: { name } }' } },
  bridge, macvlan, vxlan, ifb: {}, tun, dummy: {}, vlan, vrf, bond, ipvlan, gre, gretap, ip6gre, ip6gretap, ipip, sit,
  ip6tnl, geneve,
  /** Its keys and peers are set over generic netlink (`wg`), which netnest does not speak. */
  wireguard: {},
  netkit,
};

/** Each kind's options in the add spec, as optional fields: `{ bridge?: BridgeData, gre?: GreData, ... }`. */
export function kindDataFields(): { [K in KindWithData]: Type.TOptional<(typeof KindDataSchemas)[K]> } {
  return Object.fromEntries(Object.entries(KindDataSchemas).map(([k, s]) => [k, Type.Optional(s as TSchema)])) as never;
}

/** The kernel's answer for each kind: its options' fields, plus attributes netnest does not interpret. */
export type KindData = Decoded<BridgeData> | Decoded<MacvlanData> | Decoded<VxlanData> | Decoded<VlanData> | Decoded<VrfData>
  | BondInfo | Decoded<TunData> | Decoded<IpvlanData> | Decoded<GreData> | Decoded<Ip6GreData> | Decoded<IpipData>
  | Decoded<SitData> | Decoded<Ip6tnlData> | Decoded<GeneveData> | NetkitInfo;

/** What a link add spec says of its kind. */
export type KindOptions = { kind: LinkKind; netns?: number; peer?: object; link?: unknown } & { [K in KindWithData]?: object };

/** Does the lower device of this kind go in its options (as `link`) rather than in IFLA_LINK? */
export const lowerInData = (kind: LinkKind): boolean => KINDS[kind].lowerInData === true;
/** Does this kind need a lower device (macvlan, ipvlan, vlan)? */
export const needsLower = (kind: LinkKind): boolean => KINDS[kind].needs?.link !== undefined;
/** Does this kind have a peer (veth, netkit)? */
export const hasPeer = (kind: string): boolean => KINDS[kind as LinkKind]?.peer === true;

/** Which options go with which kind: a veth needs a peer, a vxlan its id, gre options a gre... */
export function checkKindOptions(spec: KindOptions): void {
  const { kind } = spec;
  if (kind === 'tun') {
    checkTunOptions(spec);
    return;
  }
  const codec = KINDS[kind];
  if (codec.needs?.peer && !spec.peer) throw new ValidationError(codec.needs.peer, 'peer');
  if (!codec.peer && spec.peer) throw new ValidationError(`only veth and netkit links have a peer, not ${kind}`, 'peer');
  if (codec.needs?.link && spec.link === undefined) throw new ValidationError(codec.needs.link, 'link');
  if (codec.needs?.data && spec[kind as KindWithData] === undefined) throw new ValidationError(codec.needs.data, kind);
  for (const k of KINDS_WITH_DATA) {
    if (spec[k] !== undefined && kind !== k) throw new ValidationError(`'${k}' options given for a ${kind} link`, k);
  }
}

/** A tun is made through /dev/net/tun in the socket's namespace: options that mean nothing for it are refused, not ignored. */
function checkTunOptions(spec: KindOptions): void {
  if (spec.netns !== undefined) throw new ValidationError('tun links are created in the namespace of the socket; move them with set({ netns })', 'netns');
  for (const k of ['peer', 'link', ...KINDS_WITH_DATA.filter((x) => x !== 'tun')] as const) {
    if (spec[k as 'peer'] !== undefined) throw new ValidationError(`'${k}' does not apply to a tun link`, k);
  }
}

/** What the schemas cannot check of kind data (address families, options that exclude each other). */
export function checkKindData(spec: KindOptions): void {
  const d = spec[spec.kind as KindWithData];
  if (d !== undefined) KINDS[spec.kind].check?.(d as never, spec.kind);
}

/** The links a spec's kind options name (a bond's primary), each with its field, to look up before encoding. */
export function kindRefs(spec: KindOptions): [LinkRef, string][] {
  const d = spec[spec.kind as KindWithData];
  return d === undefined ? [] : (KINDS[spec.kind].refs?.(d as never) ?? []).map(([ref, f]) => [ref, `${spec.kind}.${f}`]);
}

/**
 * Writes IFLA_INFO_DATA (checked data; `f` is the caller's field prefix,
 * "gre"); `peer` writes a veth's or netkit's peer after the options.
 */
export function writeKindData(w: NetlinkWriter, kind: LinkKind, data: object | undefined, f: string, dev: DevResolver, peer?: () => void): void {
  const write = KINDS[kind].write;
  if (!peer && (!data || !write)) return;
  const t = w.beginNested(IFLA_INFO_DATA, f);
  if (data && write) write(w, data as never, f, dev);
  peer?.();
  w.endNested(t);
}

/** A kind's options as `ip link add ... type KIND` words. */
export function kindWords(kind: LinkKind, data: object, path: string): string[] {
  return KINDS[kind].words?.(data as never, path) ?? [];
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

/** Decoders by the kind the kernel reports, which may be one netnest does not create (macvtap decodes as macvlan). */
const decoders = new Map<string, KindCodec<object>['decode']>([
  ...Object.entries(KINDS).filter(([, c]) => c.decode).map(([k, c]) => [k, c.decode] as const), ['macvtap', macvlan.decode],
]);

/** Decodes IFLA_INFO_DATA of a kind; unknown kinds give undefined (the raw bytes are kept by the caller). */
export function decodeKindData(kind: string, r: AttrReader): KindData | undefined {
  const decode = decoders.get(kind);
  if (!decode) return undefined;
  const unknown: RawAttribute[] = [];
  const d = decode(r, unknown) as KindData;
  if (unknown.length) d.unknown = unknown;
  return d;
}
