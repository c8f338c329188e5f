// What a topology resolves into (model.ts makes it, the builder, verify and
// apply read it): per namespace its links, addresses, sysctls, neighbours,
// nexthops, routes and rules, each with its place in the spec.
import type { AddressSpec } from '../netlink/rtnl/address/codec.js';
import type { BridgeVlanSpec } from '../netlink/rtnl/bridge/codec.js';
import type { BridgePortOptions } from '../netlink/rtnl/link/bridge-port.js';
import type { LinkAttributes } from '../netlink/rtnl/link/codec.js';
import type { LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import type { NeighSpec } from '../netlink/rtnl/neigh/codec.js';
import type { NexthopSpec } from '../netlink/rtnl/nexthop/codec.js';
import type { QdiscSpec } from '../netlink/rtnl/qdisc/codec.js';
import type { RouteSpec } from '../netlink/rtnl/route/codec.js';
import type { RuleSpec } from '../netlink/rtnl/rule/codec.js';

/** An item and its place in the spec. */
export interface Located<T> {
  spec: T;
  path: string;
}

export interface LinkModel {
  name: string;
  path: string;
  /**
   * 'create': this namespace makes it (the spec gives a kind); 'peer': the far
   * end of a veth another entry makes; 'existing': there already (lo).
   */
  origin: 'create' | 'peer' | 'existing';
  kind?: LinkKind;
  /** For a veth that is created: where its other end goes; for a far end: the end that creates it. */
  peer?: { ns: string; name: string };
  attrs: Omit<LinkAttributes, 'netns' | 'up'>;
  up: boolean;
  master?: string;
  /** The lower device or underlay (macvlan, ipvlan, vlan, vxlan, the IP tunnels), in the same namespace. */
  lower?: string;
  /** The kind's own options (`bridge: {...}`). */
  data?: Record<string, unknown>;
  addresses: Located<AddressSpec>[];
  /** Its options as a bridge port. */
  bridgePort?: BridgePortOptions;
  /** Its bridge VLANs (`dev` is the link). */
  vlans: Located<BridgeVlanSpec>[];
  /** Its root qdisc (`qdisc: { netem: {...} }`), as qdisc.add takes it. */
  qdisc?: Located<QdiscSpec>;
}

export interface NamespaceModel {
  /** The spec's key: 'r1', or 'current' for the namespace the builder runs in. */
  key: string;
  /** 'namespaces.r1' or 'current'. */
  path: string;
  /** False for 'current': only what the spec adds there is the topology's. */
  owned: boolean;
  /** `<topology>-<key>`; undefined for 'current'. */
  netnsName?: string;
  persistent: boolean;
  sysctl: Located<{ key: string; value: string }>[];
  /** By name, in the spec's order (peer ends where their creator is). */
  links: Map<string, LinkModel>;
  neigh: Located<NeighSpec>[];
  nexthops: Located<NexthopSpec>[];
  routes: Located<RouteSpec>[];
  rules: Located<RuleSpec>[];
}

export interface TopologyModel {
  name: string;
  persistent: boolean;
  substitute: Partial<Record<LinkKind, LinkKind>>;
  /** The namespaces the topology makes, then 'current' (when the spec has anything for it). */
  namespaces: NamespaceModel[];
}
