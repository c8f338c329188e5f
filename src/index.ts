// netnest's public API. Everything not exported here is internal.
export { Rtnl, RtnlOptionsSchema, type RtnlOptions } from './netlink/rtnl/rtnl.js';
export { LinkApi } from './netlink/rtnl/link/api.js';
export { decodeLink, type Link, type LinkAddSpec, type LinkSetSpec, type LinkAttributes, type LinkListFilter, type LinkStats, type VethPeer, type OperState, LinkAttributesSchema, VethPeerSchema, LinkAddSpecSchema, LinkSetSpecSchema, LinkListFilterSchema } from './netlink/rtnl/link/codec.js';
export { validateLinkName, type LinkRef, LinkNameSchema, LinkRefSchema } from './netlink/rtnl/devices.js';
export { DevCache } from './netlink/rtnl/devices.js';
export type {
  LinkKind, BridgeData, MacvlanData, MacvlanMode, VxlanData, VlanData, VrfData, BondData, BondMode, TunData, KindData, Decoded,
  IpvlanData, GreData, Ip6GreData, IpipData, SitData, Ip6tnlData, GeneveData, NetkitData, NetkitInfo, BondInfo,
} from './netlink/rtnl/link/kinds/index.js';
export {
  LINK_KINDS, BridgeDataSchema, MacvlanDataSchema, VxlanDataSchema, VlanDataSchema, VrfDataSchema, BondDataSchema,
  TunDataSchema, IpvlanDataSchema, GreDataSchema, Ip6GreDataSchema, IpipDataSchema, SitDataSchema, Ip6tnlDataSchema,
  GeneveDataSchema, NetkitDataSchema,
} from './netlink/rtnl/link/kinds/index.js';
export { AddressApi } from './netlink/rtnl/address/api.js';
export {
  decodeAddress, ADDRESS_FLAGS, type Address, type AddressSpec, type AddressDelSpec, type AddressFlag,
  type AddressListFilter, AddressSpecSchema, AddressDelSpecSchema, AddressListFilterSchema,
} from './netlink/rtnl/address/codec.js';
export { RouteApi, type RouteBulkOptions, RouteBulkOptionsSchema } from './netlink/rtnl/route/api.js';
export { decodeRoute, routeToSpec, type Route, type RouteSpec, type NextHop, type NextHopSpec, RouteSpecSchema, NextHopSpecSchema } from './netlink/rtnl/route/codec.js';
export { ROUTE_TYPES, type RouteType, type RouteFlag, type RouteAddMode } from './netlink/rtnl/route/constants.js';
export { METRICS, type RouteMetrics, RouteMetricsSchema } from './netlink/rtnl/route/metrics.js';
export { type RouteFilter, type RouteGetSpec, RouteFilterSchema, RouteGetSpecSchema } from './netlink/rtnl/route/query.js';
export { RuleApi } from './netlink/rtnl/rule/api.js';
export {
  decodeRule, type Rule, type RuleSpec, type PortRange, type RuleListFilter, RuleSpecSchema, RuleListFilterSchema,
} from './netlink/rtnl/rule/codec.js';
export { ruleToSpec } from './netlink/rtnl/rule/codec.js';
export { type SwapTableSpec, type SwapTableResult, type SwapStep, SwapTableSpecSchema } from './netlink/rtnl/route/swap.js';
export { type CreateBulkOptions, CreateBulkOptionsSchema } from './netlink/rtnl/bulk-modes.js';
export { RULE_ACTIONS, type RuleAction } from './netlink/rtnl/rule/constants.js';
export { NeighApi } from './netlink/rtnl/neigh/api.js';
export {
  decodeNeigh, NEIGH_STATES, NEIGH_FLAGS, type Neigh, type NeighSpec, type NeighState, type NeighFlag,
  type NeighDelSpec, type NeighListFilter, NeighSpecSchema, NeighDelSpecSchema, NeighListFilterSchema,
} from './netlink/rtnl/neigh/codec.js';
export { NexthopApi } from './netlink/rtnl/nexthop/api.js';
export {
  decodeNexthop, type Nexthop, type NexthopSpec, type NexthopGroupMember, type NexthopFilter,
  NexthopSpecSchema, NexthopGroupMemberSchema, NexthopFilterSchema,
} from './netlink/rtnl/nexthop/codec.js';
export { QdiscApi } from './netlink/rtnl/qdisc/api.js';
export {
  decodeQdisc, QDISC_KINDS, type Qdisc, type QdiscKind, type QdiscSpec, type QdiscDelSpec, type QdiscListFilter, type QdiscOptions,
  QdiscSpecSchema, QdiscDelSpecSchema, QdiscListFilterSchema,
} from './netlink/rtnl/qdisc/codec.js';
export { ClassApi } from './netlink/rtnl/tclass/api.js';
export {
  decodeClass, type TrafficClass, type ClassSpec, type ClassDelSpec, type ClassListFilter, ClassSpecSchema, ClassDelSpecSchema,
  ClassListFilterSchema,
} from './netlink/rtnl/tclass/codec.js';
export { FilterApi } from './netlink/rtnl/filter/api.js';
export {
  decodeFilter, type Filter, type FilterSpec, type FilterDelSpec, type FilterListFilter, type FilterOptions, FilterSpecSchema,
  FilterDelSpecSchema, FilterListFilterSchema,
} from './netlink/rtnl/filter/codec.js';
export type { TcStats } from './netlink/rtnl/tc/message.js';
export type { TcAction, ActionSpec } from './netlink/rtnl/tc/actions.js';
export type { TcTime, TcRate, TcSize, TcPercent } from './netlink/rtnl/tc/units.js';
export type { NetemOptions, NetemInfo } from './netlink/rtnl/tc/kinds/netem.js';
export type { TbfOptions, TbfInfo } from './netlink/rtnl/tc/kinds/tbf.js';
export type { HtbOptions, HtbInfo, HtbClassOptions, HtbClassInfo } from './netlink/rtnl/tc/kinds/htb.js';
export type { FqCodelOptions, FqCodelInfo } from './netlink/rtnl/tc/kinds/fq_codel.js';
export type { PrioOptions, PrioInfo } from './netlink/rtnl/tc/kinds/prio.js';
export type { U32Options, U32Info, U32Key } from './netlink/rtnl/tc/kinds/u32.js';
export type { MatchallOptions, MatchallInfo } from './netlink/rtnl/tc/kinds/matchall.js';
export type { FlowerOptions, FlowerInfo } from './netlink/rtnl/tc/kinds/flower.js';
export {
  decodeEvent, EVENT_GROUPS, EventOptionsSchema, type RtnlEvent, type EventGroup, type EventAction, type EventOptions,
} from './netlink/rtnl/events.js';
export { nameTable, tableId, protocolId, protocolName, TableSchema, ProtocolSchema } from './netlink/rtnl/names.js';
export { FamilySchema, type Family } from './netlink/rtnl/inet.js';
export { ScopeSchema, type ScopeName } from './netlink/rtnl/constants.js';
export {
  NetlinkSocket, SocketOptionsSchema, type SocketOptions, type Request, type RawSocket, type DumpOptions, type SocketStats,
} from './netlink/core/socket.js';
export { runBulk, BulkOptionsSchema, type BulkOptions, type BulkResult, type BulkFailure } from './netlink/core/bulk.js';
export { NetlinkWriter, fieldAt, type FieldMark } from './netlink/core/writer.js';
export { AttrReader, type RawAttribute } from './netlink/core/attributes.js';
export { MessageReader, decodeError, type ErrorMessage, type NlMsgHeader } from './netlink/core/message.js';
export {
  NetnestError, NetlinkError, ValidationError, DecodeError, UnsupportedLinkKindError, UnsupportedTcKindError, OverrunError,
  DumpInterruptedError, TimeoutError, SocketClosedError, SyscallError, errnoName, kernelOption, tcKernelOption, outcomeOf,
} from './netlink/core/errors.js';
export {
  createAnonymousNetns, runInNetns, openCurrentNetns, netnsId, currentNetnsId, setns, unshare, CLONE_NEWNET,
} from './netns/syscalls.js';
export { Namespace, isNetns, type NamespaceKind } from './netns/namespace.js';
export { runtimeDirs, type RuntimeDirs } from './netns/runtime.js';
export {
  NamespaceManager, namedNamespaces, validateNamespaceName, type ManagerOptions, type CreateOptions, type CleanupReport,
} from './netns/manager.js';
export { Sandbox, type SandboxOptions, type SandboxReport } from './netns/sandbox.js';
export { snapshot, diff, type Snapshot, type SnapshotItem, type SnapshotChange, type SnapshotKind } from './netns/snapshot.js';
export { sweep, type SweepOptions, type SweepReport } from './netns/sweep.js';
export {
  ManagerOptionsSchema, CreateOptionsSchema, CleanupOptionsSchema, SweepOptionsSchema, SandboxOptionsSchema, NamespaceNameSchema,
} from './netns/options.js';
export type { NamespaceRef } from './netns/journal.js';
export { processStartTime, processAlive, mount, umount2 } from './netns/syscalls.js';
export type { CreatedObject, CreateObserver, CreateOutcome, CreatedIdentity, Hooks } from './netlink/rtnl/observer.js';
export { NsidApi } from './netlink/rtnl/nsid/api.js';
export { FdbApi, type FdbMode } from './netlink/rtnl/fdb/api.js';
export {
  decodeFdb, FDB_STATES, type Fdb, type FdbSpec, type FdbDelSpec, type FdbListFilter, type FdbState, type FdbFlag,
  FdbSpecSchema, FdbDelSpecSchema, FdbListFilterSchema,
} from './netlink/rtnl/fdb/codec.js';
export { BridgeApi, BridgeVlanApi } from './netlink/rtnl/bridge/api.js';
export {
  decodeBridgeVlans, type BridgeVlan, type BridgePortVlans, type BridgeVlanSpec, type BridgeVlanDelSpec, type BridgeVlanListFilter,
  BridgeVlanSpecSchema, BridgeVlanDelSpecSchema, BridgeVlanListFilterSchema,
} from './netlink/rtnl/bridge/codec.js';
export {
  BRIDGE_PORT_STATES, BridgePortSchema, type BridgePort, type BridgePortOptions, type BridgePortState,
} from './netlink/rtnl/link/bridge-port.js';
export { UnsupportedKernelFeatureError } from './netlink/core/errors.js';
export { type NsidSetSpec, NsidSetSpecSchema } from './netlink/rtnl/nsid/codec.js';
export * from './topology/index.js';
export * as bench from './bench/index.js';
