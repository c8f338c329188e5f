// bond (`ip link add NAME type bond mode MODE miimon MS ...`): IFLA_BOND_*,
// in iproute2's names. Options are written in attribute order; ip writes
// them in the order they are typed, so a command giving them in that order
// sends the same bytes.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, List, Type, U16, U32, U8, type Static, type TSchema } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { LinkRefSchema, type DevResolver } from '../../devices.js';
import { formatAddress, formatLinkAddress, parseMac } from '../../inet.js';
import { nameOf, plainAddress, type Decoded, type KindCodec } from './kind.js';

const IFLA_BOND_ARP_IP_TARGET = 8;
const IFLA_BOND_AD_INFO = 23;
const IFLA_BOND_NS_IP6_TARGET = 31;
/** IFLA_BOND_AD_INFO_*: what the kernel reports of an 802.3ad bond's aggregator. */
const adInfo = ['aggregator', 'num_ports', 'actor_key', 'partner_key'] as const;
const IFLA_BOND_AD_INFO_PARTNER_MAC = 5;

const enums = {
  mode: { 'balance-rr': 0, 'active-backup': 1, 'balance-xor': 2, broadcast: 3, '802.3ad': 4, 'balance-tlb': 5, 'balance-alb': 6 },
  arp_validate: { none: 0, active: 1, backup: 2, all: 3, filter: 4, filter_active: 5, filter_backup: 6 },
  arp_all_targets: { any: 0, all: 1 },
  primary_reselect: { always: 0, better: 1, failure: 2 },
  fail_over_mac: { none: 0, active: 1, follow: 2 },
  xmit_hash_policy: { layer2: 0, 'layer3+4': 1, 'layer2+3': 2, 'encap2+3': 3, 'encap3+4': 4, 'vlan+srcmac': 5 },
  lacp_rate: { slow: 0, fast: 1 },
  ad_select: { stable: 0, bandwidth: 1, count: 2 },
  lacp_active: { off: 0, on: 1 },
} as const;
type EnumField = keyof typeof enums;
const names = <K extends EnumField>(k: K) => Type.Enum(Object.keys(enums[k]) as (keyof (typeof enums)[K] & string)[]);

type Wire = 'u8' | 'u16' | 'u32' | 'bool' | 'ref' | 'mac' | 'targets' | 'targets6' | EnumField;
/** Each option: its attribute and how it is written (an enum: as u8, or u32 where the kernel says so). */
const fields: [string, number, Wire, ('u32')?][] = [
  ['mode', 1, 'mode'], ['active_slave', 2, 'ref'], ['miimon', 3, 'u32'], ['updelay', 4, 'u32'], ['downdelay', 5, 'u32'],
  ['use_carrier', 6, 'bool'], ['arp_interval', 7, 'u32'], ['arp_ip_target', IFLA_BOND_ARP_IP_TARGET, 'targets'],
  ['arp_validate', 9, 'arp_validate', 'u32'], ['arp_all_targets', 10, 'arp_all_targets', 'u32'], ['primary', 11, 'ref'],
  ['primary_reselect', 12, 'primary_reselect'], ['fail_over_mac', 13, 'fail_over_mac'],
  ['xmit_hash_policy', 14, 'xmit_hash_policy'], ['resend_igmp', 15, 'u32'], ['num_peer_notif', 16, 'u8'],
  ['all_slaves_active', 17, 'bool'], ['min_links', 18, 'u32'], ['lp_interval', 19, 'u32'], ['packets_per_slave', 20, 'u32'],
  ['lacp_rate', 21, 'lacp_rate'], ['ad_select', 22, 'ad_select'], ['ad_actor_sys_prio', 24, 'u16'],
  ['ad_user_port_key', 25, 'u16'], ['ad_actor_system', 26, 'mac'], ['tlb_dynamic_lb', 27, 'bool'],
  ['peer_notify_delay', 28, 'u32'], ['lacp_active', 29, 'lacp_active'], ['missed_max', 30, 'u8'],
  ['ns_ip6_target', IFLA_BOND_NS_IP6_TARGET, 'targets6'], ['coupled_control', 32, 'bool'],
];

const opt = <T extends TSchema>(s: T) => Type.Optional(s);
/** `ip link add NAME type bond ...`; times in milliseconds. */
export const BondDataSchema = Type.Object({
  mode: opt(names('mode')),
  /** The active port (active-backup, balance-tlb/alb). */
  active_slave: opt(LinkRefSchema),
  miimon: opt(U32), updelay: opt(U32), downdelay: opt(U32),
  use_carrier: opt(Type.Boolean()),
  arp_interval: opt(U32),
  /** IPv4 addresses to probe with ARP (up to 16). */
  arp_ip_target: opt(List(Type.String(), { maxItems: 16 })),
  arp_validate: opt(names('arp_validate')),
  arp_all_targets: opt(names('arp_all_targets')),
  /** The preferred port. */
  primary: opt(LinkRefSchema),
  primary_reselect: opt(names('primary_reselect')),
  fail_over_mac: opt(names('fail_over_mac')),
  xmit_hash_policy: opt(names('xmit_hash_policy')),
  resend_igmp: opt(U32),
  /** Gratuitous ARPs / unsolicited NAs after a failover (`num_grat_arp`). */
  num_peer_notif: opt(U8),
  all_slaves_active: opt(Type.Boolean()),
  min_links: opt(U32), lp_interval: opt(U32), packets_per_slave: opt(U32),
  lacp_rate: opt(names('lacp_rate')),
  ad_select: opt(names('ad_select')),
  ad_actor_sys_prio: opt(U16), ad_user_port_key: opt(U16),
  /** MAC address of the LACP actor. */
  ad_actor_system: opt(Type.String()),
  tlb_dynamic_lb: opt(Type.Boolean()),
  peer_notify_delay: opt(U32),
  lacp_active: opt(names('lacp_active')),
  missed_max: opt(U8),
  /** IPv6 addresses to probe with neighbour solicitations (up to 16). */
  ns_ip6_target: opt(List(Type.String(), { maxItems: 16 })),
  /** Couple the collecting and distributing states of 802.3ad ports (default on). */
  coupled_control: opt(Type.Boolean()),
}, CLOSED);
export type BondData = Static<typeof BondDataSchema>;
/** A bond as the kernel reports it: also its 802.3ad aggregator. */
export type BondInfo = Decoded<BondData> & {
  ad_info?: { aggregator?: number; num_ports?: number; actor_key?: number; partner_key?: number; partner_mac?: string };
};
export type BondMode = NonNullable<BondData['mode']>;

function writeBond(w: NetlinkWriter, d: BondData, f: string, dev: DevResolver): void {
  const data = d as Record<string, unknown>;
  for (const [k, type, wire, width] of fields) {
    const v = data[k];
    if (v === undefined) continue;
    const field = `${f}.${k}`;
    if (wire === 'u8') w.attrU8(type, v as number, field);
    else if (wire === 'u16') w.attrU16(type, v as number, field);
    else if (wire === 'u32') w.attrU32(type, v as number, field);
    else if (wire === 'bool') w.attrU8(type, v ? 1 : 0, field);
    else if (wire === 'ref') w.attrU32(type, dev(v as string | number, field), field);
    else if (wire === 'mac') w.attrBytes(type, parseMac(v, field), field);
    else if (wire === 'targets' || wire === 'targets6') {
      const t = w.beginNested(type, field);
      const family = wire === 'targets' ? 4 : 6;
      (v as string[]).forEach((a, i) => { w.attrBytes(i, plainAddress(a, `${field}[${i}]`, family).bytes, `${field}[${i}]`); });
      w.endNested(t);
    } else {
      const n = (enums[wire] as Record<string, number>)[v as string]!;
      if (width === 'u32') w.attrU32(type, n, field);
      else w.attrU8(type, n, field);
    }
  }
}

const byType = new Map(fields.map(([k, type, wire, width]) => [type, { k, wire, width }]));

function decodeBond(r: AttrReader, unknown: RawAttribute[]): BondInfo {
  const d: Record<string, unknown> = {};
  while (r.next()) {
    if (r.type === IFLA_BOND_AD_INFO) { d.ad_info = decodeAdInfo(r.nested()); continue; }
    const f = byType.get(r.type);
    if (!f) { unknown.push(r.raw()); continue; }
    const { k, wire, width } = f;
    if (wire === 'u8') d[k] = r.u8();
    else if (wire === 'u16') d[k] = r.u16();
    else if (wire === 'u32' || wire === 'ref') d[k] = r.u32();
    else if (wire === 'bool') d[k] = r.u8() !== 0;
    else if (wire === 'mac') d[k] = formatLinkAddress(r.buf, r.off, r.len);
    else if (wire === 'targets' || wire === 'targets6') {
      const n = r.nested();
      const size = wire === 'targets' ? 4 : 16;
      const targets: string[] = [];
      while (n.next()) { n.exactly(size, `IPv${size === 4 ? 4 : 6} address`); targets.push(formatAddress(n.buf, n.off, size)); }
      d[k] = targets;
    } else {
      const name = nameOf(enums[wire] as Record<string, number>, width === 'u32' ? r.u32() : r.u8());
      if (name !== undefined) d[k] = name;
      else unknown.push(r.raw());
    }
  }
  return d as BondInfo;
}

function decodeAdInfo(r: AttrReader): NonNullable<BondInfo['ad_info']> {
  const info: NonNullable<BondInfo['ad_info']> = {};
  while (r.next()) {
    if (r.type === IFLA_BOND_AD_INFO_PARTNER_MAC) info.partner_mac = formatLinkAddress(r.buf, r.off, r.len);
    else if (r.type >= 1 && r.type <= adInfo.length) info[adInfo[r.type - 1]!] = r.u16();
  }
  return info;
}

/** `ip link add ... type bond` words; ip calls num_peer_notif `num_grat_arp`. */
function bondWords(d: BondData): string[] {
  const data = d as Record<string, unknown>;
  const out: string[] = [];
  for (const [k, , wire] of fields) {
    const v = data[k];
    if (v === undefined) continue;
    const word = k === 'num_peer_notif' ? 'num_grat_arp' : k;
    if (k === 'coupled_control') out.push(word, v ? 'on' : 'off');
    else if (wire === 'bool') out.push(word, v ? '1' : '0');
    else if (wire === 'targets' || wire === 'targets6') out.push(word, (v as string[]).join(','));
    else out.push(word, String(v));
  }
  return out;
}

export const bond: KindCodec<BondData> = {
  schema: BondDataSchema,
  check(d, f) {
    if (d.ad_actor_system !== undefined) parseMac(d.ad_actor_system, `${f}.ad_actor_system`);
    d.arp_ip_target?.forEach((a, i) => { plainAddress(a, `${f}.arp_ip_target[${i}]`, 4); });
    d.ns_ip6_target?.forEach((a, i) => { plainAddress(a, `${f}.ns_ip6_target[${i}]`, 6); });
  },
  refs: (d) => (['primary', 'active_slave'] as const).filter((k) => d[k] !== undefined).map((k) => [d[k]!, k]),
  write: writeBond,
  decode: decodeBond,
  words: bondWords,
};
