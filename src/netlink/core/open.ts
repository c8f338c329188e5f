// Opening a netlink socket: the options a caller may give, checked, and the
// `netlink` package's raw socket with the socket options netnest relies on
// set on its fd (NetlinkSocket.open() builds the transport on top).
import { createRequire } from 'node:module';
import {
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS, NETLINK_ROUTE, SO_RCVBUF, SO_RCVBUFFORCE,
  SO_SNDBUF, SO_SNDBUFFORCE, SOL_NETLINK, SOL_SOCKET,
} from './constants.js';
import type { DumpChannel } from './dump-channel.js';
import { describeValue, SyscallError } from './errors.js';
import { findNetlinkFd } from './fd.js';
import { inNetns, setsockoptInt } from './libc.js';
import { checker, CLOSED, Int, List, Type, type Static } from './schema.js';

const require = createRequire(import.meta.url);

/** What the transport needs of a raw netlink socket (the `netlink` package's, or a fake in tests). */
export interface RawSocket {
  send(msg: Uint8Array | Uint8Array[], options: { port?: number } | undefined, cb: (err?: Error) => void): void;
  on(event: 'message', fn: (msg: Buffer, rinfo: { port: number }) => void): unknown;
  on(event: 'truncatedMessage', fn: (msg: Buffer, rinfo: { port: number }) => void): unknown;
  on(event: 'error', fn: (err: Error & { code?: string; errno?: number }) => void): unknown;
  address(): { port: number };
  close(): void;
  ref(): void;
  unref(): void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
  /**
   * The channel dumps are pulled through, for an injected socket (a fake
   * kernel offers one). A real socket's dumps run on a second kernel socket
   * opened beside it instead, so the `netlink` package's socket has none.
   */
  openDumpChannel?(): DumpChannel;
}

/** What a raw socket must offer to be injected (`raw`): checked loosely, as an object with these methods. */
const RAW_METHODS = ['send', 'on', 'address', 'close', 'ref', 'unref', 'addMembership', 'dropMembership'] as const;
const isRawSocket = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && RAW_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

export const SocketOptionsSchema = Type.Object({
  /** Netlink protocol (NETLINK_ROUTE by default). */
  protocol: Type.Optional(Int(0, 31)),
  /** Receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF). Default 8 MiB. */
  receiveBufferSize: Type.Optional(Int(1, 0x7fffffff)),
  /** Send buffer in bytes. Default 1 MiB. */
  sendBufferSize: Type.Optional(Int(1, 0x7fffffff)),
  /** Requests awaiting replies at once; the rest queue. Default 1024. */
  maxInFlight: Type.Optional(Int(1, 0x7fffffff)),
  /** Fail a request with no reply after this many ms. Default: no timeout (the kernel always answers). */
  timeoutMs: Type.Optional(Int(1, 0x7fffffff)),
  /** How many times list() re-runs a dump the kernel marked inconsistent. Default 5. */
  dumpRetries: Type.Optional(Int(0, 1000)),
  /** Multicast groups to join (for event sockets). */
  groups: Type.Optional(List(Int(1, 0x7fffffff))),
  /** Use this raw socket instead of opening one (tests). Socket options are then not set. */
  raw: Type.Optional(Type.Refine(Type.Unsafe<RawSocket>({}), isRawSocket, (v) => `expected a raw netlink socket (an object with ${RAW_METHODS.join(', ')}), got ${describeValue(v)}`)),
  /**
   * Open the socket in the network namespace behind this fd (switching the
   * thread there just for the socket() call). The socket stays bound to it.
   */
  netns: Type.Optional(Int(0, 0x7fffffff)),
}, CLOSED);
export type SocketOptions = Static<typeof SocketOptionsSchema>;

export const checkSocketOptions = checker(SocketOptionsSchema);

/**
 * Opens the `netlink` package's socket in the calling thread's namespace (or
 * the one behind `opts.netns`), sets netnest's socket options on its fd and
 * joins `opts.groups`. Synchronous, so a caller switched into another
 * namespace can open one and switch back at once.
 */
export function openRaw(opts: SocketOptions): { raw: RawSocket; fd: number } {
  if (opts.netns !== undefined) {
    const { netns, ...rest } = opts;
    return inNetns(netns, () => openRaw(rest));
  }
  const protocol = opts.protocol ?? NETLINK_ROUTE;
  const { RawNetlinkSocket } = require('netlink') as { RawNetlinkSocket: new (p: number, o?: object) => RawSocket };
  let raw: RawSocket;
  try {
    raw = new RawNetlinkSocket(protocol, {});
  } catch (e) {
    const err = e as { errno?: number; message?: string };
    throw err.errno ? new SyscallError('socket', Math.abs(err.errno)) : e;
  }
  try {
    const fd = findNetlinkFd(protocol, raw.address().port);
    // Extended ACKs carry the kernel's message and the offending attribute;
    // CAP_ACK keeps error replies short; STRICT_CHK makes dump filters real.
    setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    // An overrun must not reach the `netlink` package as a socket error: its
    // poll handler aborts the process on POLLERR. With NO_ENOBUFS the kernel
    // only counts the dropped replies, and we watch that count (overrun.ts).
    setsockoptInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
    forceBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, opts.receiveBufferSize ?? 8 * 1024 * 1024);
    forceBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, opts.sendBufferSize ?? 1024 * 1024);
    for (const g of opts.groups ?? []) raw.addMembership(g);
    return { raw, fd };
  } catch (e) {
    raw.close();
    throw e;
  }
}

function forceBuffer(fd: number, force: number, plain: number, size: number): void {
  try {
    setsockoptInt(fd, SOL_SOCKET, force, size);
  } catch (e) {
    // Without CAP_NET_ADMIN only the sysctl-capped size can be had.
    if (!(e instanceof SyscallError) || e.code !== 'EPERM') throw e;
    setsockoptInt(fd, SOL_SOCKET, plain, size);
  }
}
