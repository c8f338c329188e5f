// Links (`ip link`): the Link type, the specs and their one check, the
// encoder of every link request and the decoder (the IFLA_* numbers are in
// constants.ts, the kinds' data in kinds/). No socket: see api.ts.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { type NetlinkError, UnsupportedKernelFeatureError, UnsupportedLinkKindError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { NetlinkWriter } from '../../core/writer.js';
import { checker, CLOSED, Int, Text, Type, U32, type Static } from '../../core/schema.js';
import { AF_UNSPEC, RTM_DELLINK, RTM_GETLINK } from '../constants.js';
import { describeRef, directIndex, LinkNameSchema, LinkRefSchema, type DevResolver, type LinkRef } from '../devices.js';
import { formatLinkAddress, parseMac } from '../inet.js';
import {
  checkKindData, checkKindOptions, decodeLinkInfo, hasPeer, IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA, IFLA_LINKINFO, INFO_PEER,
  kindDataFields, LINK_KINDS, lowerInData, writeKindData, type KindData, type KindWithData,
} from './kinds/index.js';
import { BridgePortSchema, writeBridgePort, type BridgePort } from './bridge-port.js';
import {
  IFF_UP, IFLA_ADDRESS, IFLA_ALT_IFNAME, IFLA_BROADCAST, IFLA_CARRIER, IFLA_EXT_MASK, IFLA_GROUP, IFLA_IFALIAS,
  IFLA_IFNAME, IFLA_LINK, IFLA_LINKMODE, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MAX_MTU, IFLA_MIN_MTU, IFLA_MTU,
  IFLA_NET_NS_FD, IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES, IFLA_OPERSTATE, IFLA_PERM_ADDRESS, IFLA_PROMISCUITY,
  IFLA_PROP_LIST, IFLA_PROTO_DOWN, IFLA_QDISC, IFLA_STATS, IFLA_STATS64, IFLA_TXQLEN, RTEXT_FILTER_SKIP_STATS,
  RTEXT_FILTER_VF,
} from './constants.js';

// Plain u32 / u8 attributes decoded under the name `ip -j -d link` gives them.
const u32Fields: Record<number, keyof Link> = {
  35: 'carrier_changes', 40: 'gso_max_segs', 41: 'gso_max_size', 47: 'carrier_up_count', 48: 'carrier_down_count',
  58: 'gro_max_size', 59: 'tso_max_size', 60: 'tso_max_segs', 61: 'allmulti', 63: 'gso_ipv4_max_size',
  64: 'gro_ipv4_max_size',
};

const IFINFOMSG_LEN = 16;

/** Flag names as `ip link` prints them, by bit. */
const flagNames: [number, string][] = [
  [1 << 0, 'UP'], [1 << 1, 'BROADCAST'], [1 << 2, 'DEBUG'], [1 << 3, 'LOOPBACK'], [1 << 4, 'POINTOPOINT'],
  [1 << 5, 'NOTRAILERS'], [1 << 6, 'RUNNING'], [1 << 7, 'NOARP'], [1 << 8, 'PROMISC'], [1 << 9, 'ALLMULTI'],
  [1 << 10, 'MASTER'], [1 << 11, 'SLAVE'], [1 << 12, 'MULTICAST'], [1 << 13, 'PORTSEL'], [1 << 14, 'AUTOMEDIA'],
  [1 << 15, 'DYNAMIC'], [1 << 16, 'LOWER_UP'], [1 << 17, 'DORMANT'], [1 << 18, 'ECHO'],
];

const operStates = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;
export type OperState = (typeof operStates)[number];

/** ARPHRD_* names as `ip -j link` prints them in `link_type`. */
const linkTypes: Record<number, string> = {
  1: 'ether', 65534: 'none', 772: 'loopback', 768: 'ipip', 776: 'sit', 778: 'gre', 823: 'ip6gre', 65535: 'void',
};

/** A link as the kernel reports it. Names follow `ip link` / `ip -j link`. */
export interface Link {
  index: number;
  name: string;
  /** Interface flags as `ip link` prints them (UP, BROADCAST, LOWER_UP...). */
  flags: string[];
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** ARPHRD type: 'ether', 'loopback', 'none' or the number. */
  link_type: string | number;
  mtu?: number;
  min_mtu?: number;
  max_mtu?: number;
  txqueuelen?: number;
  operstate?: OperState | number;
  /** Link-layer address, e.g. "02:00:00:00:00:01". */
  address?: string;
  broadcast?: string;
  perm_address?: string;
  /** Index of the master (bridge, bond, vrf). */
  master?: number;
  /** Index of the parent or peer link (IFLA_LINK): a veth's peer, a macvlan's lower device. */
  link?: number;
  /** Namespace id (as this namespace numbers it) where `link` lives, when it is elsewhere. */
  link_netnsid?: number;
  alias?: string;
  group?: number;
  qdisc?: string;
  promiscuity?: number;
  carrier?: boolean;
  num_tx_queues?: number;
  num_rx_queues?: number;
  proto_down?: boolean;
  allmulti?: number;
  carrier_changes?: number;
  carrier_up_count?: number;
  carrier_down_count?: number;
  gso_max_size?: number;
  gso_max_segs?: number;
  gso_ipv4_max_size?: number;
  gro_max_size?: number;
  gro_ipv4_max_size?: number;
  tso_max_size?: number;
  tso_max_segs?: number;
  altnames?: string[];
  kind?: string;
  /** Kind-specific data (IFLA_INFO_DATA), decoded for the kinds netnest knows. */
  info?: KindData;
  slave_kind?: string;
  /** A bridge port's options (`ip -d link`'s info_slave_data), on links enslaved to a bridge. */
  bridgePort?: BridgePort;
  stats?: LinkStats;
  /** Attributes netnest does not interpret, kept so newer kernels never break decoding. */
  unknown?: RawAttribute[];
}

export interface LinkStats {
  rx_packets: number;
  tx_packets: number;
  rx_bytes: number;
  tx_bytes: number;
  rx_errors: number;
  tx_errors: number;
  rx_dropped: number;
  tx_dropped: number;
}

// ------------------------------------------------------------------- input

/** Attributes common to `ip link add` and `ip link set`. */
const linkAttributes = {
  mtu: Type.Optional(U32),
  /** MAC address. */
  address: Type.Optional(Type.String()),
  broadcast: Type.Optional(Type.String()),
  txqueuelen: Type.Optional(U32),
  /** Up to 255 bytes. */
  alias: Type.Optional(Text({ maxLength: 255 })),
  group: Type.Optional(U32),
  /** Bring the link up (true) or down (false). */
  up: Type.Optional(Type.Boolean()),
  /**
   * Namespace (an open fd of /proc/PID/ns/net or /run/netns/NAME) to create
   * the link in, or to move it to.
   */
  netns: Type.Optional(Int(0, 0x7fffffff)),
};

export const LinkAttributesSchema = Type.Object(linkAttributes, CLOSED);
export type LinkAttributes = Static<typeof LinkAttributesSchema>;

/** The veth peer: created in the same request, optionally in another namespace. */
export const VethPeerSchema = Type.Object({
  name: LinkNameSchema,
  ...linkAttributes,
}, CLOSED);
export type VethPeer = Static<typeof VethPeerSchema>;

/** `ip link add NAME type KIND ...` */
export const LinkAddSpecSchema = Type.Object({
  name: LinkNameSchema,
  kind: Type.Enum(LINK_KINDS),
  ...linkAttributes,
  /** Master (bridge...) to enslave the new link to. */
  master: Type.Optional(LinkRefSchema),
  /** Its options as a port of `master`, a bridge (set right after the create, as `ip link set ... type bridge_slave`). */
  bridgePort: Type.Optional(BridgePortSchema),
  /** Lower device (`link DEV`) for macvlan, ipvlan, vlan; for vxlan and the IP tunnels the underlay device (`dev DEV`). */
  link: Type.Optional(LinkRefSchema),
  /** The other end of a veth or netkit pair. */
  peer: Type.Optional(VethPeerSchema),
  /** Each kind's options under its name: `bridge: {...}`, `gre: {...}`... */
  ...kindDataFields(),
}, CLOSED);
export type LinkAddSpec = Static<typeof LinkAddSpecSchema>;

/** `ip link set dev REF ...` */
export const LinkSetSpecSchema = Type.Object({
  ...linkAttributes,
  /** New name. */
  name: Type.Optional(LinkNameSchema),
  /** Enslave to this master; null for `nomaster`. */
  master: Type.Optional(Type.Union([LinkRefSchema, Type.Null()])),
  /** Options of the link as a bridge port (`type bridge_slave ...`): the link must be (or, with `master`, become) a bridge port. */
  bridgePort: Type.Optional(BridgePortSchema),
}, CLOSED);
export type LinkSetSpec = Static<typeof LinkSetSpecSchema>;

export const LinkListFilterSchema = Type.Object({
  /** Only links enslaved to this master (kernel-side filter). */
  master: Type.Optional(LinkRefSchema),
  /** Only links of this kind (kernel-side filter). */
  kind: Type.Optional(Text({ minLength: 1 })),
}, CLOSED);
export type LinkListFilter = Static<typeof LinkListFilterSchema>;

/** A change to an existing link (`ip link set dev DEV ...`), or with nothing to change its deletion: the target in `dev`. */
export type LinkChange = LinkSetSpec & { dev: LinkRef };
/** What the link encoder takes: a new link (a spec with a kind), or a change to the link `dev` names. */
export type LinkChecked = LinkAddSpec | LinkChange;

export const checkLinkRef = checker(LinkRefSchema);
export const checkLinkListFilter = checker(LinkListFilterSchema);
const linkAddSchema = checker(LinkAddSpecSchema);
const linkSetSchema = checker(LinkSetSpecSchema);

/**
 * The one check of `ip link add` input: the schema, then what it cannot say
 * (which options go with which kind, MAC addresses, the alias in bytes).
 */
export function checkLinkAdd(spec: LinkAddSpec): LinkAddSpec {
  linkAddSchema(spec);
  checkKindOptions(spec);
  if (spec.bridgePort !== undefined && spec.master === undefined) throw new ValidationError('bridge port options need a master bridge: { master, bridgePort }', 'bridgePort');
  checkAttributes(spec, '');
  if (spec.peer) checkAttributes(spec.peer, 'peer.');
  checkKindData(spec);
  return spec;
}

/** The one check of `ip link set dev REF ...` input; gives the change with its target. */
export function checkLinkSet(ref: LinkRef, spec: LinkSetSpec): LinkChange {
  checkLinkRef(ref, 'dev');
  linkSetSchema(spec);
  checkAttributes(spec, '');
  return { ...spec, dev: ref };
}

function checkAttributes(a: LinkAttributes, f: string): void {
  if (a.address !== undefined) parseMac(a.address, `${f}address`);
  if (a.broadcast !== undefined) parseMac(a.broadcast, `${f}broadcast`);
  if (a.alias !== undefined && Buffer.byteLength(a.alias) > 255) throw new ValidationError('alias must be a string of at most 255 bytes', `${f}alias`);
}

// ----------------------------------------------------------------- encoding

/** Writes struct ifinfomsg (bridge/ writes AF_BRIDGE ones). */
export function ifinfomsg(w: NetlinkWriter, index: number, flags: number, change: number, family = AF_UNSPEC): void {
  w.u8(family);
  w.u8(0);
  w.u16(0);
  w.s32(index);
  w.u32(flags);
  w.u32(change);
}

/** Attributes in the order iproute2 writes them, so golden bytes compare equal. */
function writeAttributes(w: NetlinkWriter, a: LinkAttributes, f: string): void {
  if (a.mtu !== undefined) w.attrU32(IFLA_MTU, a.mtu, `${f}mtu`);
  if (a.address !== undefined) w.attrBytes(IFLA_ADDRESS, parseMac(a.address, `${f}address`), `${f}address`);
  if (a.broadcast !== undefined) w.attrBytes(IFLA_BROADCAST, parseMac(a.broadcast, `${f}broadcast`), `${f}broadcast`);
  // On a create the kernel ignores IFLA_IFALIAS (rtnl_create_link); LinkApi.add sets it right after.
  if (a.alias !== undefined) w.attrStringNoNul(IFLA_IFALIAS, a.alias, `${f}alias`);
  if (a.txqueuelen !== undefined) w.attrU32(IFLA_TXQLEN, a.txqueuelen, `${f}txqueuelen`);
  if (a.group !== undefined) w.attrU32(IFLA_GROUP, a.group, `${f}group`);
}

function upFlags(up: boolean | undefined): [number, number] {
  if (up === undefined) return [0, 0];
  return [up ? IFF_UP : 0, IFF_UP];
}

/**
 * Writes one link message: RTM_NEWLINK with NLM_F_CREATE for a new link,
 * RTM_NEWLINK for a change, RTM_DELLINK for a deletion. `dev` resolves the
 * links the spec names (master, link, and the target when renaming it).
 */
export function writeLink(w: NetlinkWriter, type: number, flags: number, spec: LinkChecked, dev: DevResolver): void {
  w.beginMessage(type, flags);
  if ('kind' in spec) writeNewLink(w, spec, dev);
  else writeLinkChange(w, spec, dev);
  w.endMessage();
}

function writeNewLink(w: NetlinkWriter, spec: LinkAddSpec, dev: DevResolver): void {
  if (spec.kind === 'tun') throw new ValidationError('tun links are created through /dev/net/tun, not rtnetlink; use link.add()', 'kind');
  const [flags, change] = upFlags(spec.up);
  ifinfomsg(w, 0, flags, change);
  const link = spec.link === undefined ? undefined : dev(spec.link, 'link');
  const inData = lowerInData(spec.kind);
  if (link !== undefined && !inData) w.attrU32(IFLA_LINK, link, 'link');
  writeAttributes(w, spec, '');
  if (spec.master !== undefined) w.attrU32(IFLA_MASTER, dev(spec.master, 'master'), 'master');
  if (spec.netns !== undefined) w.attrU32(IFLA_NET_NS_FD, spec.netns, 'netns');
  w.attrString(IFLA_IFNAME, spec.name, 'name');
  const li = w.beginNested(IFLA_LINKINFO);
  w.attrStringNoNul(IFLA_INFO_KIND, spec.kind, 'kind');
  const given = spec[spec.kind as KindWithData];
  const data = inData && link !== undefined ? { ...given, link } : given;
  const peer = spec.peer;
  writeKindData(w, spec.kind, data, spec.kind, dev, peer && hasPeer(spec.kind) ? () => writePeer(w, peer) : undefined);
  w.endNested(li);
}

/** A veth's or netkit's peer: its own ifinfomsg and attributes, in the kind's data. */
function writePeer(w: NetlinkWriter, peer: VethPeer): void {
  const p = w.beginNested(INFO_PEER, 'peer');
  ifinfomsg(w, 0, 0, 0); // peer.up is applied after creation (see LinkApi.add)
  writeAttributes(w, peer, 'peer.');
  if (peer.netns !== undefined) w.attrU32(IFLA_NET_NS_FD, peer.netns, 'peer.netns');
  w.attrString(IFLA_IFNAME, peer.name, 'peer.name');
  w.endNested(p);
}

/** The target by index, or by name when it is not being renamed (the kernel looks the name up itself). */
function writeLinkChange(w: NetlinkWriter, spec: LinkChange, dev: DevResolver): void {
  const byName = typeof spec.dev === 'string' && spec.name === undefined;
  const [flags, change] = upFlags(spec.up);
  ifinfomsg(w, byName ? 0 : dev(spec.dev, 'dev'), flags, change);
  writeAttributes(w, spec, '');
  if (spec.master !== undefined) w.attrU32(IFLA_MASTER, spec.master === null ? 0 : dev(spec.master, 'master'), 'master');
  if (spec.netns !== undefined) w.attrU32(IFLA_NET_NS_FD, spec.netns, 'netns');
  if (byName) w.attrString(IFLA_IFNAME, spec.dev as string, 'dev');
  else if (spec.name !== undefined) w.attrString(IFLA_IFNAME, spec.name, 'name');
  if (spec.bridgePort !== undefined) {
    const li = w.beginNested(IFLA_LINKINFO);
    w.attrStringNoNul(IFLA_INFO_KIND, 'bridge_slave', 'bridgePort');
    const data = w.beginNested(IFLA_INFO_SLAVE_DATA, 'bridgePort');
    writeBridgePort(w, spec.bridgePort, 'bridgePort');
    w.endNested(data);
    w.endNested(li);
  }
}

export function describeLink(type: number, spec: LinkChecked): string {
  if ('kind' in spec) return `RTM_NEWLINK ${spec.kind} ${spec.name}${spec.peer ? ` peer ${spec.peer.name}` : ''}`;
  return type === RTM_DELLINK ? `RTM_DELLINK ${describeRef(spec.dev)}` : `RTM_NEWLINK set ${describeRef(spec.dev)}`;
}

export function encodeLink(type: number, flags: number, spec: LinkChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter();
  writeLink(w, type, flags, spec, dev);
  const req: Request = { bytes: w.toBuffer(), describe: describeLink(type, spec), marks: w.marks };
  if ('kind' in spec) req.mapError = (err) => mapAddError(spec, err);
  return req;
}

/** What a refused create means for this link (a kind or a feature the kernel lacks), as encodeLink's requests and link.addMany report it. */
export function mapAddError(spec: { kind: string; bridge?: { vlan_filtering?: boolean } }, err: NetlinkError): Error {
  return mapKindError(spec.kind, spec.kind === 'bridge' && spec.bridge?.vlan_filtering === true, err);
}

/**
 * EOPNOTSUPP "Unknown device type" for a create means the kernel lacks the
 * kind; a plain EOPNOTSUPP is about an option: for a bridge with
 * vlan_filtering, the kernel lacks VLAN filtering.
 */
function mapKindError(kind: string, vlanFiltering: boolean, err: NetlinkError): Error {
  if (err.errnoName !== 'EOPNOTSUPP') return err;
  const d = { errno: err.errno, request: err.request, extackMessage: err.extackMessage, extackOffset: err.extackOffset };
  if (err.extackMessage !== undefined && /unknown device type/i.test(err.extackMessage)) {
    return new UnsupportedLinkKindError(kind, { ...d, field: 'kind' });
  }
  if (vlanFiltering) return new UnsupportedKernelFeatureError('bridge VLAN filtering', 'CONFIG_BRIDGE_VLAN_FILTERING', { ...d, field: 'bridge.vlan_filtering' });
  return err;
}

/** `ip link show dev REF`. */
export function encodeLinkGet(ref: LinkRef): Request {
  const w = new NetlinkWriter(64);
  w.beginMessage(RTM_GETLINK, 0);
  ifinfomsg(w, typeof ref === 'number' ? ref : 0, 0, 0);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
  if (typeof ref === 'string') w.attrString(IFLA_IFNAME, ref, 'dev');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETLINK ${describeRef(ref)}`, marks: w.marks };
}

/** A link dump; with strict checking the kernel filters by master and kind itself. */
export function encodeLinkDump(filter: { master?: number; kind?: string } = {}): Request {
  const w = new NetlinkWriter(64);
  w.beginMessage(RTM_GETLINK, 0);
  ifinfomsg(w, 0, 0, 0);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  if (filter.master !== undefined) w.attrU32(IFLA_MASTER, filter.master, 'master');
  if (filter.kind !== undefined) {
    const li = w.beginNested(IFLA_LINKINFO);
    w.attrStringNoNul(IFLA_INFO_KIND, filter.kind, 'kind');
    w.endNested(li);
  }
  w.endMessage();
  return { bytes: w.toBuffer(), describe: 'RTM_GETLINK dump', marks: w.marks };
}

// ----------------------------------------------------------------- decoding

/** Decodes one RTM_NEWLINK/RTM_DELLINK message (header included). */
export function decodeLink(msg: Buffer): Link {
  return decodeLinkAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'link'));
}

/** Decodes ifinfomsg + attributes in [off, end). */
export function decodeLinkAt(buf: Buffer, off: number, end: number): Link {
  fixedHeader(off, end, IFINFOMSG_LEN, 'link');
  const type = buf.readUInt16LE(off + 2);
  const index = buf.readInt32LE(off + 4);
  const ifiFlags = buf.readUInt32LE(off + 8);
  const flags: string[] = [];
  for (let i = 0; i < flagNames.length; i++) if (ifiFlags & flagNames[i]![0]) flags.push(flagNames[i]![1]);
  const link: Link = {
    index, name: '', flags, up: (ifiFlags & IFF_UP) !== 0, link_type: linkTypes[type] ?? type,
  };
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + IFINFOMSG_LEN, end);
  while (r.next()) {
    switch (r.type) {
      case IFLA_IFNAME: link.name = r.string(); break;
      case IFLA_MTU: link.mtu = r.u32(); break;
      case IFLA_MIN_MTU: link.min_mtu = r.u32(); break;
      case IFLA_MAX_MTU: link.max_mtu = r.u32(); break;
      case IFLA_TXQLEN: link.txqueuelen = r.u32(); break;
      case IFLA_OPERSTATE: { const s = r.u8(); link.operstate = operStates[s] ?? s; break; }
      case IFLA_ADDRESS: link.address = formatLinkAddress(r.buf, r.off, r.len); break;
      case IFLA_BROADCAST: link.broadcast = formatLinkAddress(r.buf, r.off, r.len); break;
      case IFLA_PERM_ADDRESS: link.perm_address = formatLinkAddress(r.buf, r.off, r.len); break;
      case IFLA_MASTER: link.master = r.u32(); break;
      case IFLA_LINK: link.link = r.u32(); break;
      case IFLA_LINK_NETNSID: link.link_netnsid = r.s32(); break;
      case IFLA_IFALIAS: link.alias = r.string(); break;
      case IFLA_GROUP: link.group = r.u32(); break;
      case IFLA_QDISC: link.qdisc = r.string(); break;
      case IFLA_PROMISCUITY: link.promiscuity = r.u32(); break;
      case IFLA_CARRIER: link.carrier = r.u8() !== 0; break;
      case IFLA_NUM_TX_QUEUES: link.num_tx_queues = r.u32(); break;
      case IFLA_NUM_RX_QUEUES: link.num_rx_queues = r.u32(); break;
      case IFLA_STATS64: link.stats = decodeStats64(r); break;
      case IFLA_LINKINFO: decodeLinkInfo(r.nested(), link); break;
      case IFLA_PROP_LIST: { // the alternative names
        const p = r.nested();
        while (p.next()) if (p.type === IFLA_ALT_IFNAME) (link.altnames ??= []).push(p.string());
        break;
      }
      case IFLA_PROTO_DOWN: link.proto_down = r.u8() !== 0; break;
      case IFLA_STATS: case IFLA_LINKMODE: break; // 32-bit stats superseded by STATS64; linkmode: not useful
      default: {
        const field = u32Fields[r.type];
        if (field) (link as unknown as Record<string, number>)[field] = r.u32();
        else (unknown ??= []).push(r.raw());
      }
    }
  }
  if (unknown) link.unknown = link.unknown ? [...unknown, ...link.unknown] : unknown;
  return link;
}

function decodeStats64(r: AttrReader): LinkStats {
  r.struct(64, 'rtnl_link_stats64');
  const at = (i: number): number => {
    const o = r.off + i * 8;
    return r.buf.readUInt32LE(o + 4) * 0x100000000 + r.buf.readUInt32LE(o);
  };
  return {
    rx_packets: at(0), tx_packets: at(1), rx_bytes: at(2), tx_bytes: at(3),
    rx_errors: at(4), tx_errors: at(5), rx_dropped: at(6), tx_dropped: at(7),
  };
}
