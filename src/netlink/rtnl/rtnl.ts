// The rtnetlink client: one socket in the namespace it was opened in, and
// the object APIs named as `ip` names them (rtnl.link, rtnl.addr).
import { NetlinkSocket, type SocketOptions } from '../core/socket.js';
import { AddressApi } from './address.js';
import { LinkApi } from './link.js';

/** Socket options; `netns` (an fd) opens the client in that namespace. */
export type RtnlOptions = Omit<SocketOptions, 'protocol' | 'groups'>;

export class Rtnl {
  readonly socket: NetlinkSocket;
  /** `ip link`: list, get, find, index, add, set, del. */
  readonly link: LinkApi;
  /** `ip addr`: list, add, replace, del. */
  readonly addr: AddressApi;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
    this.link = new LinkApi(socket);
    this.addr = new AddressApi(socket, this.link);
  }

  /**
   * Opens a client in the calling thread's current network namespace. It is
   * synchronous: code switched into another namespace can open a client
   * there and switch back at once; the client stays bound to that namespace.
   */
  static open(opts: RtnlOptions = {}): Rtnl {
    return new Rtnl(NetlinkSocket.open(opts));
  }

  /** Wraps an existing socket (tests use fake ones). */
  static fromSocket(socket: NetlinkSocket): Rtnl {
    return new Rtnl(socket);
  }

  /** Closes the socket; pending requests fail with SocketClosedError. Idempotent. */
  close(): void {
    this.socket.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
