// The netlink transport, NetlinkSocket: one socket of the `netlink` package
// carries requests, many in flight at once (dispatch.ts), and is watched for
// overruns (overrun.ts); dumps are pulled on demand through a channel of
// their own beside it (pull.ts, dump-channel.ts). open.ts opens it.
import { closeSync, fstatSync, statSync } from 'node:fs';
import { NETLINK_ROUTE } from './constants.js';
import { Dispatcher, type ReplySink, type SocketStats } from './dispatch.js';
import { openKernelDumpChannel, type DumpChannel } from './dump-channel.js';
import { DecodeError, NetnestError, SyscallError, type OverrunError } from './errors.js';
import { check, getsockoptInt, libcFunction, sendOffThread } from './libc.js';
import { checkSocketOptions, openRaw, type RawSocket, type SocketOptions } from './open.js';
import { OverrunWatch, SUSPECT_WAIT_MS } from './overrun.js';
import { Dumps, type DumpOptions } from './pull.js';
import type { Request } from './request.js';

export { SocketOptionsSchema, type RawSocket, type SocketOptions } from './open.js';
export type { DumpOptions } from './pull.js';
export type { SocketStats } from './dispatch.js';
export type { Request } from './request.js';

/** What bulk.ts may do with a socket: send pre-encoded batches and take the replies to their seqs. */
export interface BulkChannel {
  readonly closed: boolean;
  /** Reserves `count` consecutive sequence numbers whose replies go to `sink`; returns the first. */
  reserve(count: number, sink: ReplySink): number;
  release(sink: ReplySink): void;
  /** Sends `count` messages in one sendmsg. */
  send(bytes: Buffer, count: number, cb: (err?: Error) => void): void;
  /** Resolves when the batches sent so far have been handed to the kernel (undefined: they have). */
  sent(): Promise<void> | undefined;
  /** The kernel's count of replies dropped for a full receive buffer. */
  dropped(): number;
}

/** The key of a socket's bulk channel (not exported from the package: internal to core). */
export const bulkChannel: unique symbol = Symbol('netnest.bulkChannel');

const SIOCGSKNS = 0x894c;
/** How often a closing socket looks whether the answers it still waits for have all been read. */
const DRAIN_CHECK_MS = 2;

export class NetlinkSocket {
  readonly protocol: number;
  /** The socket's file descriptor (undefined for injected raw sockets). */
  readonly fd: number | undefined;
  readonly stats: SocketStats;
  /** Called with multicast messages (seq 0 from the kernel) and overrun errors of event sockets. */
  onNotification: ((msg: Buffer) => void) | undefined;
  onOverrun: ((err: OverrunError) => void) | undefined;

  private readonly raw: RawSocket;
  private readonly port: number;
  private readonly dispatch: Dispatcher;
  private readonly overruns: OverrunWatch;
  private readonly dumps: Dumps;
  /** Multicast groups joined: with none, every message is a reply. */
  private memberships: number;
  private holding = false;
  private referenced = false;
  private closed = false;
  /** close() is complete: the raw socket is closed and reads nothing more. */
  private released = false;
  private drainSince = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  private bulk: BulkChannel | undefined;
  /** The namespace the socket was opened in ("dev:ino"), to open a dump channel beside it without asking. */
  private openedIn: string | undefined;

  private constructor(raw: RawSocket, protocol: number, fd: number | undefined, opts: SocketOptions) {
    this.raw = raw;
    this.protocol = protocol;
    this.fd = fd;
    this.port = raw.address().port;
    this.memberships = opts.groups?.length ?? 0;
    const limits = {
      maxInFlight: opts.maxInFlight ?? 1024,
      timeoutMs: opts.timeoutMs,
      ...(fd !== undefined && { sendOffThread: (bytes: Buffer, cb: (err?: Error) => void) => this.sendBatchOffThread(bytes, cb) }),
    };
    this.dispatch = new Dispatcher(raw, limits, () => this.updateRef(), (msg) => this.onNotification?.(msg));
    this.stats = this.dispatch.stats;
    this.overruns = new OverrunWatch(fd, this.dispatch, (err) => this.onOverrun?.(err));
    this.dumps = new Dumps(() => this.openDumpChannel(), opts.dumpRetries ?? 5, () => this.updateRef());
    raw.on('message', (msg, rinfo) => this.receive(msg, rinfo.port, (rinfo as { groups?: number }).groups ?? 0));
    raw.on('truncatedMessage', (msg, rinfo) => {
      if (rinfo.port === 0) this.dispatch.failAll(new DecodeError(`received a truncated datagram (${msg.length} bytes kept)`));
    });
    raw.on('error', (err) => this.rawError(err));
    raw.unref(); // idle sockets never keep the process alive
  }

  /**
   * Opens a socket in the calling thread's network namespace (synchronous, so a
   * caller switched into another namespace can open one and switch back at once).
   */
  static open(opts: SocketOptions = {}): NetlinkSocket {
    checkSocketOptions(opts, 'options');
    const protocol = opts.protocol ?? NETLINK_ROUTE;
    if (opts.raw) return new NetlinkSocket(opts.raw, protocol, undefined, opts);
    const { raw, fd } = openRaw(opts);
    const sock = new NetlinkSocket(raw, protocol, fd, opts);
    sock.openedIn = netnsIdentity(opts.netns);
    return sock;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Port id the kernel knows this socket by. */
  get portId(): number {
    return this.port;
  }

  /** Number of requests sent and not yet answered, plus those queued. */
  get pending(): number {
    return this.dispatch.pending;
  }

  getOption(level: number, option: number): number {
    if (this.fd === undefined) throw new NetnestError('ERR_SOCKET_FD', 'socket has no known file descriptor');
    return getsockoptInt(this.fd, level, option);
  }

  addMembership(group: number): void {
    this.raw.addMembership(group);
    this.memberships++;
  }

  dropMembership(group: number): void {
    this.raw.dropMembership(group);
    this.memberships = Math.max(0, this.memberships - 1);
  }

  /**
   * An fd of the network namespace this socket lives in (SIOCGSKNS); the
   * caller closes it. Lets a second socket be opened beside this one.
   */
  namespaceFd(): number {
    if (this.fd === undefined) throw new NetnestError('ERR_SOCKET_FD', 'socket has no known file descriptor');
    return check('ioctl', libcFunction('int ioctl(int, unsigned long, unsigned long)')(this.fd, SIOCGSKNS, 0), '(SIOCGSKNS)');
  }

  /** Keeps the process alive while this socket waits for notifications. */
  hold(on: boolean): void {
    this.holding = on;
    this.updateRef();
  }

  /**
   * Sends a request with NLM_F_ACK and resolves with the data messages the
   * kernel sent before its ACK (none for most changes, the object for a get).
   */
  request(req: Request): Promise<Buffer[]> {
    return this.dispatch.request(req);
  }

  /**
   * For a request the kernel answers inside sendmsg (a get of one object):
   * sends it and reads the answer at once, beside the socket, on the channel
   * dumps use — no turn of the event loop. Returns the data messages, or
   * undefined when that cannot be done now (a dump is running, an injected
   * raw socket): then send it with request(). Throws as request() rejects.
   */
  requestNow(req: Request): Buffer[] | undefined {
    if (this.fd === undefined || this.closed) return undefined;
    return this.dumps.requestNow(req);
  }

  /** Streams the messages of a dump; memory holds only what the consumer has not read yet. */
  dump(req: Request, opts: DumpOptions = {}): AsyncIterableIterator<Buffer> {
    return this.dumps.stream(req, opts);
  }

  /** The same dump, the messages of each datagram in one array (fewer awaits for a consumer that loops over them). */
  dumpParts(req: Request, opts: DumpOptions = {}): AsyncGenerator<Buffer[], void, undefined> {
    return this.dumps.parts(req, opts);
  }

  /**
   * Runs a dump to the end and decodes every message. When the kernel marks
   * the dump inconsistent it is run again, up to `dumpRetries` times, then
   * DumpInterruptedError: never a silently inconsistent list.
   */
  list<T>(req: Request, decode: (msg: Buffer) => T | undefined): Promise<T[]> {
    return this.dumps.list(req, decode);
  }

  /** Replies the kernel dropped so far because the receive buffer was full (SO_MEMINFO). */
  droppedCount(): number {
    return this.overruns.dropped();
  }

  /**
   * Looks for replies the kernel dropped (see overrun.ts); runs on a timer
   * while requests are in flight. Returns true when new drops were seen.
   */
  checkOverrun(): boolean {
    return this.overruns.check();
  }

  /**
   * Closes the socket; idempotent. Requests not yet sent fail with
   * SocketClosedError. Requests already handed to the kernel were done or
   * refused inside sendmsg, and their answers wait in the receive queue: the
   * socket reads them before it lets go (briefly, in the background), so
   * those calls settle with the kernel's real answer. One whose answer was
   * lost fails with SocketClosedError, outcomeUnknown. Dumps in flight end
   * with SocketClosedError.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dumps.close();
    this.dispatch.close();
    this.overruns.close();
    if (this.fd === undefined) {
      this.finishClose(); // an injected raw socket: no receive queue to look at
      return;
    }
    this.drainSince = Date.now();
    this.drainTimer = setInterval(() => this.drainStep(), DRAIN_CHECK_MS);
    this.drainStep();
  }

  /** The narrow channel bulk.ts sends through (internal). */
  [bulkChannel](): BulkChannel {
    const { dispatch, overruns } = this;
    const isClosed = (): boolean => this.closed;
    this.bulk ??= {
      get closed() { return isClosed(); },
      reserve: (count, sink) => dispatch.reserve(count, sink),
      release: (sink) => dispatch.release(sink),
      send: (bytes, count, cb) => dispatch.sendBatch(bytes, count, cb),
      sent: () => dispatch.batchSent(),
      dropped: () => overruns.dropped(),
    };
    return this.bulk;
  }

  private receive(buf: Buffer, fromPort: number, groups: number): void {
    // Only the kernel talks to us; a closed socket reads only the answers it drains.
    if (fromPort !== 0 || this.released) return;
    this.dispatch.receive(buf, groups, this.memberships > 0);
    if (this.closed) this.drainStep();
  }

  private rawError(err: Error & { code?: string; errno?: number }): void {
    if (err.code === 'ENOBUFS' || Math.abs(err.errno ?? 0) === 105) {
      // Injected raw sockets only: real ones set NETLINK_NO_ENOBUFS and are watched instead.
      const overrun = this.dispatch.overrun('receive buffer overrun (ENOBUFS): the kernel dropped replies; the outcome of this request is unknown');
      this.onOverrun?.(overrun);
      return;
    }
    this.dispatch.failAll(err.errno ? new SyscallError('recvmsg', Math.abs(err.errno)) : err);
  }

  /** The channel dumps are pulled through: a socket of our own beside this one, in its namespace. */
  private openDumpChannel(): DumpChannel {
    if (this.fd === undefined) {
      if (this.raw.openDumpChannel) return this.raw.openDumpChannel();
      throw new NetnestError('ERR_SOCKET_FD', 'cannot dump: the injected raw socket offers no dump channel (openDumpChannel)');
    }
    // Still in the socket's namespace (the common case): open it here. Asking the kernel
    // which namespace the socket is in (SIOCGSKNS) and switching there takes privilege.
    if (this.openedIn !== undefined && this.openedIn === netnsIdentity()) return openKernelDumpChannel(this.protocol);
    const ns = this.namespaceFd();
    try {
      return openKernelDumpChannel(this.protocol, ns);
    } finally {
      closeSync(ns);
    }
  }

  private updateRef(): void {
    if (this.closed) return;
    const want = this.holding || this.dispatch.busy || this.dumps.active > 0;
    if (want === this.referenced) return;
    this.referenced = want;
    if (want) this.raw.ref();
    else this.raw.unref();
    this.overruns.watch(want);
  }

  /** Sends a bulk batch from one of koffi's worker threads (a method, so a test can watch the sends). */
  private sendBatchOffThread(bytes: Buffer, cb: (err?: Error) => void): void {
    sendOffThread(this.fd!, bytes, (err) => {
      cb(err);
      if (this.closed) this.drainStep(); // the fd was kept open for this send
    });
  }

  /** Ends the drain once every sent request is answered, or its answers cannot come any more. */
  private drainStep(): void {
    if (this.released || this.dispatch.sendingOffThread) return;
    if (!this.dispatch.busy) {
      this.finishClose();
      return;
    }
    // Everything the kernel queued has been read (rmem 0), or we waited long enough:
    // what is still unanswered was dropped.
    const elapsed = Date.now() - this.drainSince;
    if ((this.dispatch.allSent && elapsed >= DRAIN_CHECK_MS && this.overruns.receiveQueueEmpty()) || elapsed > SUSPECT_WAIT_MS) {
      this.finishClose();
    }
  }

  private finishClose(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    this.released = true;
    this.dispatch.abandon();
    this.raw.close();
  }
}

/** "dev:ino" of the namespace behind `fd`, or of the calling thread's; undefined when /proc cannot say. */
function netnsIdentity(fd?: number): string | undefined {
  try {
    const st = fd === undefined ? statSync('/proc/thread-self/ns/net') : fstatSync(fd);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
