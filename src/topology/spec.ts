// The topology spec: a whole test network in one object — YAML, JSON, or
// TypeScript. It is made of the library's own specs (what rtnl.link.add,
// addr.add, route.add, rule.add, neigh.add and nexthop.add take), keyed by
// namespace and link name, so a person who knows `ip` reads it as it is.
import { CLOSED, Int, List, Text, Type, type Static, type TSchema } from '../netlink/core/schema.js';
import { AddressSpecSchema } from '../netlink/rtnl/address/codec.js';
import { BondDataSchema, BridgeDataSchema, LINK_KINDS, MacvlanDataSchema, TunDataSchema, VlanDataSchema, VrfDataSchema, VxlanDataSchema } from '../netlink/rtnl/link/kinds/index.js';
import {
  GeneveDataSchema, GreDataSchema, Ip6GreDataSchema, Ip6tnlDataSchema, IpipDataSchema, IpvlanDataSchema, NetkitDataSchema, SitDataSchema,
} from '../netlink/rtnl/link/kinds/index.js';
import { LinkAttributesSchema } from '../netlink/rtnl/link/codec.js';
import { BridgePortSchema } from '../netlink/rtnl/link/bridge-port.js';
import { BridgeVlanSpecSchema } from '../netlink/rtnl/bridge/codec.js';
import { LinkNameSchema } from '../netlink/rtnl/devices.js';
import { NeighSpecSchema } from '../netlink/rtnl/neigh/codec.js';
import { NexthopSpecSchema } from '../netlink/rtnl/nexthop/codec.js';
import { QDISC_KINDS } from '../netlink/rtnl/qdisc/codec.js';
import { RouteSpecSchema } from '../netlink/rtnl/route/codec.js';
import { RuleSpecSchema } from '../netlink/rtnl/rule/codec.js';

const LinkKindSchema = Type.Enum(LINK_KINDS);

/** An address on a link: "10.0.0.1/24", or the options of `addr.add` without `dev`. */
export const TopologyAddressSchema = Type.Union([
  Text({ minLength: 1 }),
  Type.Object(Type.Omit(AddressSpecSchema, ['dev']).properties, CLOSED),
]);
export type TopologyAddress = Static<typeof TopologyAddressSchema>;

/** A bridge VLAN of a link (`bridge vlan add vid VID[-VIDEND] dev LINK [pvid] [untagged] [self]`), without `dev`. */
export const TopologyVlanSchema = Type.Object(Type.Omit(BridgeVlanSpecSchema, ['dev']).properties, CLOSED);

/**
 * A link's root qdisc as one key, its kind, holding its options (`tc qdisc
 * add dev LINK root KIND OPTIONS`): `{ netem: { delay: 10ms, loss: 1% } }`,
 * `{ tbf: { rate: 1mbit, burst: 32kbit, latency: 400ms } }`.
 */
export const TopologyQdiscSchema = Type.Unsafe<Record<string, Record<string, unknown>>>(
  Type.Union(Object.entries(QDISC_KINDS).map(([kind, k]) => Type.Object({ [kind]: k.schema }, CLOSED))),
);

/**
 * A link in a namespace, keyed by its name. With a `kind` the namespace
 * creates it; without one it is a link that exists already there — `lo`, or
 * the far end of a veth another namespace creates — and the entry gives it
 * addresses and settings.
 */
export const TopologyLinkSchema = Type.Object({
  /** What to create (`ip link add NAME type KIND`); absent for a link that exists already. */
  kind: Type.Optional(LinkKindSchema),
  ...Type.Omit(LinkAttributesSchema, ['netns', 'up']).properties,
  /** Up (default) or down. */
  up: Type.Optional(Type.Boolean()),
  /** A veth's other end: "NS/LINK" (a namespace of this spec, or `current`), or "LINK" in the same namespace. */
  peer: Type.Optional(Text({ minLength: 1 })),
  /** A bridge (or bond, vrf) in the same namespace to enslave this link to. */
  master: Type.Optional(LinkNameSchema),
  /** The lower device (macvlan, ipvlan, vlan) or underlay (vxlan, the IP tunnels) in the same namespace. */
  link: Type.Optional(LinkNameSchema),
  /** Addresses to add, in order. */
  addresses: Type.Optional(List(TopologyAddressSchema)),
  /** Its options as a port of `master`, a bridge (`ip link set ... type bridge_slave ...`). */
  bridgePort: Type.Optional(BridgePortSchema),
  /** Its bridge VLANs as a port of `master` (or, with `self`, as a bridge). Needs CONFIG_BRIDGE_VLAN_FILTERING. */
  vlans: Type.Optional(List(TopologyVlanSchema)),
  bridge: Type.Optional(BridgeDataSchema),
  macvlan: Type.Optional(MacvlanDataSchema),
  vxlan: Type.Optional(Type.Object(Type.Omit(VxlanDataSchema, ['link']).properties, CLOSED)),
  vlan: Type.Optional(VlanDataSchema),
  vrf: Type.Optional(VrfDataSchema),
  bond: Type.Optional(BondDataSchema),
  tun: Type.Optional(TunDataSchema),
  /** Its root qdisc: `{ netem: { delay: 10ms, loss: 1% } }` (one kind, with its options). */
  qdisc: Type.Optional(TopologyQdiscSchema),
  ipvlan: Type.Optional(IpvlanDataSchema),
  gre: Type.Optional(Type.Object(Type.Omit(GreDataSchema, ['link']).properties, CLOSED)),
  gretap: Type.Optional(Type.Object(Type.Omit(GreDataSchema, ['link']).properties, CLOSED)),
  ip6gre: Type.Optional(Type.Object(Type.Omit(Ip6GreDataSchema, ['link']).properties, CLOSED)),
  ip6gretap: Type.Optional(Type.Object(Type.Omit(Ip6GreDataSchema, ['link']).properties, CLOSED)),
  ipip: Type.Optional(Type.Object(Type.Omit(IpipDataSchema, ['link']).properties, CLOSED)),
  sit: Type.Optional(Type.Object(Type.Omit(SitDataSchema, ['link']).properties, CLOSED)),
  ip6tnl: Type.Optional(Type.Object(Type.Omit(Ip6tnlDataSchema, ['link']).properties, CLOSED)),
  geneve: Type.Optional(GeneveDataSchema),
  /** A netkit's peer gets the kernel's name (nk0...) in the same namespace. */
  netkit: Type.Optional(NetkitDataSchema),
}, CLOSED);
export type TopologyLink = Static<typeof TopologyLinkSchema>;

/**
 * Many items from one line: `count` copies, each with the fields named in
 * `step` increased by their step (a prefix — `dst`, `src` — moves on by that
 * many blocks of its own size). Routes step `dst` by 1 unless told; rules
 * step `priority` by 1 unless told.
 */
const generator = {
  /** How many items this entry stands for (default 1). */
  count: Type.Optional(Int(1, 1_000_000)),
  /** What changes from one item to the next: `{ dst: 1, metric: 10 }`. */
  step: Type.Optional(Type.Record(Type.String(), Type.Integer())),
};

/** A route (`route.add`'s spec; `dev` names a link of this namespace), or many (`count`). */
export const TopologyRouteSchema = Type.Object({ ...RouteSpecSchema.properties, ...generator }, CLOSED);
export type TopologyRoute = Static<typeof TopologyRouteSchema>;

/** A rule (`rule.add`'s spec), or many (`count`). */
export const TopologyRuleSchema = Type.Object({ ...RuleSpecSchema.properties, ...generator }, CLOSED);
export type TopologyRule = Static<typeof TopologyRuleSchema>;

/** A sysctl value, written with the thread in the namespace; `net.*` keys only (the others are not per namespace). */
export const SysctlValueSchema = Type.Union([Type.Integer(), Text()]);

const namespaceFields = {
  /** `net.ipv4.ip_forward: 1`, `net.ipv6.conf.all.forwarding: 1`. */
  sysctl: Type.Optional(Type.Record(Type.String(), SysctlValueSchema)),
  /** Links by name. */
  links: Type.Optional(Type.Record(Type.String(), TopologyLinkSchema)),
  neigh: Type.Optional(List(NeighSpecSchema)),
  nexthops: Type.Optional(List(NexthopSpecSchema)),
  routes: Type.Optional(List(TopologyRouteSchema)),
  rules: Type.Optional(List(TopologyRuleSchema)),
};

/** A namespace the topology makes, named `<topology>-<key>`. */
export const TopologyNamespaceSchema = Type.Object({
  /** Outlives the process, like `ip netns add` (default: the topology's `persistent`). */
  persistent: Type.Optional(Type.Boolean()),
  ...namespaceFields,
}, CLOSED);
export type TopologyNamespace = Static<typeof TopologyNamespaceSchema>;

/** The namespace the builder runs in (the sandbox world under netnest/mocha): only what the spec adds there is the topology's. */
export const TopologyCurrentSchema = Type.Object(namespaceFields, CLOSED);
export type TopologyCurrent = Static<typeof TopologyCurrentSchema>;

export const TopologySpecSchema = Type.Object({
  /** Names the topology; its namespaces are `<name>-<key>` (`lab-r1`). */
  name: Text({ minLength: 1, maxLength: 64 }),
  /** Namespaces outlive the process, like `ip netns add` (what `netnest up` does). Default false through the API. */
  persistent: Type.Optional(Type.Boolean()),
  /** Link kinds to make instead of ones this kernel lacks, visibly: `{ dummy: ifb }`. */
  substitute: Type.Optional(Type.Record(Type.String(), LinkKindSchema)),
  namespaces: Type.Optional(Type.Record(Type.String(), TopologyNamespaceSchema)),
  current: Type.Optional(TopologyCurrentSchema),
}, CLOSED);
export type TopologySpec = Static<typeof TopologySpecSchema>;

/** The JSON Schema of spec files (docs/topology.schema.json is this, written out). */
export function topologyJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://netnest.dev/topology.schema.json',
    title: 'netnest topology',
    ...jsonOnly(TopologySpecSchema),
  };
}

/**
 * A schema as plain JSON Schema (draft 2020-12): TypeBox's own markers
 * (`~kind`, `~refine`) dropped; tuples written as 2020-12 says
 * (`prefixItems`, `items: false`) instead of draft 7's `items: [...]`; and
 * types JSON cannot hold (bigint, function...) removed from unions — a file
 * can only give a tun_id as a number, as the library's own check sees it.
 */
function jsonOnly(s: TSchema): Record<string, unknown> {
  const notJson = new Set(['bigint', 'function', 'undefined', 'symbol', 'void', 'date', 'uint8array']);
  const toJson = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(toJson);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('~')) out[k] = toJson(x);
    if (typeof out.type === 'string' && notJson.has(out.type)) return false; // matches no JSON value
    if (Array.isArray(out.items)) {
      out.prefixItems = out.items;
      if (out.additionalItems === undefined || out.additionalItems === true) delete out.items;
      else out.items = out.additionalItems;
    }
    delete out.additionalItems;
    if (Array.isArray(out.anyOf)) {
      const branches = out.anyOf.filter((b) => b !== false);
      if (branches.length === 0) return false;
      if (branches.length === 1 && Object.keys(out).length === 1) return branches[0];
      out.anyOf = branches;
    }
    return out;
  };
  return toJson(s) as Record<string, unknown>;
}
