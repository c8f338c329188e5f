// The rtnetlink client: one socket in the namespace it was opened in, and
// the object APIs named as `ip` names them (rtnl.link, rtnl.addr).
import { checker, CLOSED, Type, type Static } from '../core/schema.js';
import { NetlinkSocket, SocketOptionsSchema } from '../core/socket.js';
import { AddressApi } from './address/api.js';
import { LinkApi } from './link/api.js';
import { RouteApi } from './route/api.js';
import { RuleApi } from './rule/api.js';
import { NeighApi } from './neigh/api.js';
import { NexthopApi } from './nexthop/api.js';
import { subscribe, type EventOptions, type RtnlEvent } from './events.js';
import type { Hooks } from './observer.js';
import { NsidApi } from './nsid/api.js';
import { FdbApi } from './fdb/api.js';
import { BridgeApi } from './bridge/api.js';
import { QdiscApi } from './qdisc/api.js';
import { ClassApi } from './tclass/api.js';
import { FilterApi } from './filter/api.js';

const { protocol: _protocol, groups: _groups, ...clientOptions } = SocketOptionsSchema.properties;

/** Socket options; `netns` (an fd) opens the client in that namespace. */
export const RtnlOptionsSchema = Type.Object(clientOptions, CLOSED);
export type RtnlOptions = Static<typeof RtnlOptionsSchema>;

const checkRtnlOptions = checker(RtnlOptionsSchema);

export class Rtnl {
  readonly socket: NetlinkSocket;
  /** `ip link`: list, get, find, index, add, set, del. */
  readonly link: LinkApi;
  /** `ip addr`: list, add, replace, del. */
  readonly addr: AddressApi;
  /** `ip route` / `ip -6 route`: list, dump, get, add, replace, append, prepend, del, flush, addMany, delMany. */
  readonly route: RouteApi;
  /** `ip rule` / `ip -6 rule`: list, add, del, addMany, delMany. */
  readonly rule: RuleApi;
  /** `ip neigh`: list, add, replace, del. */
  readonly neigh: NeighApi;
  /** `ip nexthop`: list, get, add, replace, del. */
  readonly nexthop: NexthopApi;
  /** `bridge fdb`: list, add, append, replace, del. */
  readonly fdb: FdbApi;
  /** `bridge vlan` (rtnl.bridge.vlan): list, add, del. */
  readonly bridge: BridgeApi;
  /** `tc qdisc`: list, add, replace, change, del. */
  readonly qdisc: QdiscApi;
  /** `tc class`: list, add, replace, change, del. */
  readonly tclass: ClassApi;
  /** `tc filter`: list, add, replace, change, del. */
  readonly filter: FilterApi;

  /** Namespace ids this namespace gives others (`ip netns list-id`). */
  readonly nsid: NsidApi;
  /** Told about every object this client creates (set by the namespace manager). */
  readonly hooks: Hooks = {};

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
    this.link = new LinkApi(socket, this.hooks);
    this.addr = new AddressApi(socket, this.link, this.hooks);
    this.route = new RouteApi(socket, this.link, this.hooks);
    this.rule = new RuleApi(socket, this.hooks);
    this.neigh = new NeighApi(socket, this.link, this.hooks);
    this.nexthop = new NexthopApi(socket, this.link, this.hooks);
    this.fdb = new FdbApi(socket, this.link, this.hooks);
    this.bridge = new BridgeApi(socket, this.link, this.hooks);
    this.nsid = new NsidApi(socket);
    this.qdisc = new QdiscApi(socket, this.link, this.hooks);
    this.tclass = new ClassApi(socket, this.link);
    this.filter = new FilterApi(socket, this.link);
  }

  /**
   * Opens a client in the calling thread's current network namespace. It is
   * synchronous: code switched into another namespace can open a client
   * there and switch back at once; the client stays bound to that namespace.
   */
  static open(opts: RtnlOptions = {}): Rtnl {
    checkRtnlOptions(opts, 'options');
    return new Rtnl(NetlinkSocket.open(opts));
  }

  /** Wraps an existing socket (tests use fake ones). */
  static fromSocket(socket: NetlinkSocket): Rtnl {
    return new Rtnl(socket);
  }

  /**
   * Kernel events (`ip monitor`) from this client's namespace, on a socket
   * of their own: `for await (const e of rtnl.events({ groups: ['route'] }))`.
   * Breaking out of the loop (or `signal`) closes that socket.
   */
  events(opts: EventOptions = {}): AsyncIterableIterator<RtnlEvent> {
    return subscribe(this.socket, opts);
  }

  /** Closes the socket; pending requests fail with SocketClosedError. Idempotent. */
  close(): void {
    this.socket.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
