// netnest's public API. Everything not exported here is internal.
export { Rtnl, type RtnlOptions } from './netlink/rtnl/rtnl.js';
export {
  LinkApi, decodeLink, validateLinkName, type Link, type LinkAddSpec, type LinkSetSpec, type LinkRef, type LinkKind,
  type LinkAttributes, type LinkListFilter, type LinkStats, type VethPeer, type OperState,
} from './netlink/rtnl/link.js';
export type {
  BridgeData, MacvlanData, MacvlanMode, VxlanData, VlanData, VrfData, BondData, BondMode, TunData, KindData,
} from './netlink/rtnl/link-kinds.js';
export { LINK_KINDS } from './netlink/rtnl/link-kinds.js';
export {
  AddressApi, decodeAddress, ADDRESS_FLAGS, type Address, type AddressSpec, type AddressDelSpec, type AddressFlag,
  type AddressListFilter,
} from './netlink/rtnl/address.js';
export type { Family } from './netlink/rtnl/inet.js';
export type { ScopeName } from './netlink/rtnl/constants.js';
export { NetlinkSocket, type SocketOptions, type Request, type RawSocket, type DumpOptions, type SocketStats } from './netlink/core/socket.js';
export { NetlinkWriter, type FieldMark } from './netlink/core/writer.js';
export { AttrReader, type RawAttribute } from './netlink/core/attributes.js';
export { MessageReader, decodeError, type ErrorMessage, type NlMsgHeader } from './netlink/core/message.js';
export {
  NetnestError, NetlinkError, ValidationError, DecodeError, UnsupportedLinkKindError, OverrunError,
  DumpInterruptedError, TimeoutError, SocketClosedError, SyscallError, errnoName, kernelOption,
} from './netlink/core/errors.js';
