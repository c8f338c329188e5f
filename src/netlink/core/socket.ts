// The netlink transport: one socket, many requests in flight.
//
// Requests are encoded by the caller with seq 0; the socket patches in a
// sequence number, batches everything queued in the same tick into one
// sendmsg (an iovec array), and matches replies to requests by seq. At most
// `maxInFlight` requests wait for replies at once, so the kernel's ACKs always
// fit in the receive buffer. Dumps run one at a time (the kernel allows one
// per socket) and stream their messages as an async iterable.
import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS, NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP,
  NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, SO_RCVBUF, SO_RCVBUFFORCE,
  SO_SNDBUF, SO_SNDBUFFORCE, SOL_NETLINK, SOL_SOCKET,
} from './constants.js';
import {
  DecodeError, describeValue, DumpInterruptedError, NetnestError, OverrunError, SocketClosedError, SyscallError,
  TimeoutError,
} from './errors.js';
import { findNetlinkFd } from './fd.js';
import { check, getsockoptBytes, getsockoptInt, inNetns, libcFunction, setsockoptInt } from './libc.js';
import { decodeDone, decodeError, MessageReader } from './message.js';
import { PullSocket } from './pull.js';
import { requestError, type Request } from './request.js';
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
}

export type { Request } from './request.js';

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

const checkSocketOptions = checker(SocketOptionsSchema);

export interface DumpOptions {
  /** What to do when the kernel marks the dump inconsistent (NLM_F_DUMP_INTR): throw after the last item (default) or ignore. */
  interrupted?: 'throw' | 'ignore';
}

export interface SocketStats {
  sent: number;
  sendCalls: number;
  received: number;
  /** Replies whose seq matched no request (late replies to timed-out or overrun requests). */
  unmatched: number;
  overruns: number;
}

type Waiter = {
  seq: number;
  /** sendmsg has returned: the kernel has seen the request. */
  sent?: boolean;
  req: Request;
  /** Data messages received for this seq (views into their datagrams). */
  replies: Buffer[];
  resolve: (msgs: Buffer[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  dump: DumpState | undefined;
};

/** Receives the replies for a contiguous range of sequence numbers (bulk operations). */
export interface RangeSink {
  /** First sequence number and how many follow it. */
  base: number;
  count: number;
  /** One reply: NLMSG_ERROR (errno 0 = ACK) for the message with this seq. */
  onReply(seq: number, r: MessageReader): void;
  /** The socket overran or closed: outcomes of outstanding messages are unknown. */
  onFailure(err: Error): void;
}

class DumpState {
  queue: Buffer[] = [];
  done = false;
  interrupted = false;
  error: Error | undefined;
  /** The consumer stopped early: drop what is left until NLMSG_DONE. */
  discard = false;
  /** Synchronous consumer (list()): each message goes straight to it, no queue. */
  sink: ((msg: Buffer) => void) | undefined;
  wake: (() => void) | undefined;
  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

// Keep one sendmsg well below the default send buffer (the kernel refuses a
// datagram larger than sk_sndbuf - 32 with EMSGSIZE).
const MAX_BATCH_BYTES = 64 * 1024;
// Each request is one iovec of the sendmsg; the kernel refuses more than
// UIO_MAXIOV (1024) with EMSGSIZE.
const MAX_BATCH_IOV = 1024;

const SIOCGSKNS = 0x894c;
const SO_MEMINFO = 55;
const SK_MEMINFO_RMEM_ALLOC = 0;
const SK_MEMINFO_DROPS = 8;
/** How long suspects wait for the receive queue to drain before they fail anyway. */
const SUSPECT_WAIT_MS = 1000;
/** How often drops are checked while requests are in flight. */
const DROP_CHECK_MS = 20;
/** How often a closing socket looks whether the answers it still waits for have all been read. */
const DRAIN_CHECK_MS = 2;

export class NetlinkSocket {
  readonly protocol: number;
  /** The socket's file descriptor (undefined for injected raw sockets). */
  readonly fd: number | undefined;
  readonly stats: SocketStats = { sent: 0, sendCalls: 0, received: 0, unmatched: 0, overruns: 0 };
  /** Called with multicast messages (seq 0 from the kernel) and overrun errors of event sockets. */
  onNotification: ((msg: Buffer) => void) | undefined;
  onOverrun: ((err: OverrunError) => void) | undefined;

  private readonly raw: RawSocket;
  private readonly port: number;
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly queued: Waiter[] = [];
  private queuedHead = 0;
  private readonly dumpQueue: Waiter[] = [];
  private readonly sinks = new Set<RangeSink>();
  /** Request buffers queued or in flight (their seq field is ours until answered). */
  private readonly inUse = new WeakSet<Buffer>();
  private activeDump: Waiter | undefined;
  private inFlight = 0;
  private flushScheduled = false;
  private closed = false;
  private referenced = false;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number | undefined;
  private readonly dumpRetries: number;

  private constructor(raw: RawSocket, protocol: number, fd: number | undefined, opts: SocketOptions) {
    this.raw = raw;
    this.protocol = protocol;
    this.fd = fd;
    this.port = raw.address().port;
    this.maxInFlight = opts.maxInFlight ?? 1024;
    this.timeoutMs = opts.timeoutMs;
    this.dumpRetries = opts.dumpRetries ?? 5;
    this.memberships = opts.groups?.length ?? 0;
    raw.on('message', (msg, rinfo) => this.receive(msg, rinfo.port, (rinfo as { groups?: number }).groups ?? 0));
    raw.on('truncatedMessage', (msg, rinfo) => {
      if (rinfo.port === 0) this.failAll(new DecodeError(`received a truncated datagram (${msg.length} bytes kept)`));
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
    if (opts.netns !== undefined) {
      const { netns, ...rest } = opts;
      return inNetns(netns, () => NetlinkSocket.open(rest));
    }
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
      // only counts the dropped replies, and we watch that count (SO_MEMINFO).
      setsockoptInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
      forceBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, opts.receiveBufferSize ?? 8 * 1024 * 1024);
      forceBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, opts.sendBufferSize ?? 1024 * 1024);
      for (const g of opts.groups ?? []) raw.addMembership(g);
      return new NetlinkSocket(raw, protocol, fd, opts);
    } catch (e) {
      raw.close();
      throw e;
    }
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
    return this.inFlight + (this.queued.length - this.queuedHead) + this.dumpQueue.length;
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

  /** Multicast groups joined: with none, every message is a reply. */
  private memberships = 0;

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
  private holding = false;

  /**
   * Sends a request with NLM_F_ACK and resolves with the data messages the
   * kernel sent before its ACK (none for most changes, the object for a get).
   */
  request(req: Request): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new SocketClosedError(req.describe));
    // The seq is written into the bytes: a Request sent again while in flight needs its own copy.
    if (this.inUse.has(req.bytes)) req = { ...req, bytes: Buffer.from(req.bytes) };
    this.inUse.add(req.bytes);
    const flags = req.bytes.readUInt16LE(6);
    req.bytes.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_ACK, 6);
    return new Promise<Buffer[]>((resolve, reject) => {
      this.queued.push({ seq: 0, req, replies: [], resolve, reject, timer: undefined, dump: undefined });
      this.pump();
    });
  }

  /** Streams the messages of a dump; memory holds only what the consumer has not read yet. */
  dump(req: Request, opts: DumpOptions = {}): AsyncIterableIterator<Buffer> {
    const pull = this.puller();
    if (pull) return pull.stream(req, opts);
    const flags = req.bytes.readUInt16LE(6);
    req.bytes.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_DUMP, 6);
    const state = new DumpState();
    let started = false;
    let finished = false;
    const start = (): void => {
      started = true;
      if (this.closed) {
        state.error = new SocketClosedError(req.describe);
        state.done = true;
        return;
      }
      const w: Waiter = {
        seq: 0, req, replies: [], timer: undefined, dump: state,
        resolve: () => { state.done = true; state.notify(); },
        reject: (err) => { state.error = err; state.done = true; state.notify(); },
      };
      this.dumpQueue.push(w);
      this.pump();
    };
    let head = 0;
    const iterator: AsyncIterableIterator<Buffer> = {
      [Symbol.asyncIterator]() { return iterator; },
      next: async (): Promise<IteratorResult<Buffer>> => {
        if (!started) start();
        for (;;) {
          if (head < state.queue.length) {
            const msg = state.queue[head]!;
            state.queue[head++] = undefined as unknown as Buffer;
            if (head > 1024 && head * 2 > state.queue.length) {
              state.queue = state.queue.slice(head);
              head = 0;
            }
            return { value: msg, done: false };
          }
          if (finished) return { value: undefined, done: true };
          if (state.done) {
            finished = true;
            if (state.error) throw state.error;
            if (state.interrupted && opts.interrupted !== 'ignore') throw new DumpInterruptedError(req.describe, 1);
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => { state.wake = r; });
        }
      },
      return: async (): Promise<IteratorResult<Buffer>> => {
        finished = true;
        state.discard = true;
        state.queue = [];
        head = 0;
        return { value: undefined, done: true };
      },
    };
    return iterator;
  }

  /**
   * Runs a dump to the end and decodes every message. When the kernel marks
   * the dump inconsistent it is run again, up to `dumpRetries` times, then
   * DumpInterruptedError: never a silently inconsistent list.
   */
  async list<T>(req: Request, decode: (msg: Buffer) => T | undefined): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      const out: T[] = [];
      const interrupted = await this.runDump(req, (msg) => {
        const v = decode(msg);
        if (v !== undefined) out.push(v);
      });
      if (!interrupted) return out;
      if (attempt > this.dumpRetries) throw new DumpInterruptedError(req.describe, attempt);
    }
  }

  /**
   * One run of a dump, each message handed to onMessage as it arrives (no
   * queue, no promise per message); resolves with whether the kernel marked
   * it inconsistent.
   */
  private async runDump(req: Request, onMessage: (msg: Buffer) => void): Promise<boolean> {
    const pull = this.puller();
    if (pull) return (await pull.run(req, onMessage)).interrupted;
    const state = new DumpState();
    state.sink = onMessage;
    await new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(new SocketClosedError(req.describe));
      const bytes = Buffer.from(req.bytes); // each run sends a copy of its own
      bytes.writeUInt16LE(bytes.readUInt16LE(6) | NLM_F_REQUEST | NLM_F_DUMP, 6);
      this.dumpQueue.push({
        seq: 0, req: { ...req, bytes }, replies: [], timer: undefined, dump: state,
        resolve: () => (state.error ? reject(state.error) : resolve()),
        reject,
      });
      this.pump();
    });
    return state.interrupted;
  }


  private pull: PullSocket | undefined;

  /**
   * The socket dumps are pulled from (real sockets only; injected raw sockets
   * dump through themselves). Opened beside this one, in its namespace.
   */
  private puller(): PullSocket | undefined {
    if (this.fd === undefined || this.closed) return undefined;
    if (!this.pull) {
      const ns = this.namespaceFd();
      try {
        this.pull = PullSocket.open(this.protocol, ns);
      } finally {
        closeSync(ns);
      }
    }
    return this.pull;
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
    this.pull?.close();
    // Queued, or launched but not flushed yet: never sent.
    const unsent = [...this.queued.slice(this.queuedHead), ...this.dumpQueue, ...this.toSend];
    this.queued.length = 0;
    this.queuedHead = 0;
    this.dumpQueue.length = 0;
    this.toSend = [];
    for (const w of unsent) {
      this.forget(w);
      this.settle(w, new SocketClosedError(w.req.describe, false));
    }
    const dump = this.activeDump;
    if (dump) {
      this.forget(dump);
      this.settle(dump, new SocketClosedError(dump.req.describe, true));
    }
    if (this.fd === undefined) {
      this.finishClose(); // an injected raw socket: no receive queue to look at
      return;
    }
    this.drainSince = Date.now();
    this.drainTimer = setInterval(() => this.drainStep(), DRAIN_CHECK_MS);
    this.drainStep();
  }

  private drainSince = 0;
  private drainTimer: NodeJS.Timeout | undefined;

  /** Ends the drain once every sent request is answered, or its answers cannot come any more. */
  private drainStep(): void {
    if (this.waiting.size === 0 && this.sinks.size === 0) return this.finishClose();
    // Everything the kernel queued has been read (rmem 0), or we waited long enough:
    // what is still unanswered was dropped.
    const info = this.meminfo(true);
    const drained = !info || info.readUInt32LE(4 * SK_MEMINFO_RMEM_ALLOC) === 0;
    const allSent = [...this.waiting.values()].every((w) => w.sent);
    if ((drained && allSent && Date.now() - this.drainSince >= DRAIN_CHECK_MS) || Date.now() - this.drainSince > SUSPECT_WAIT_MS) this.finishClose();
  }

  private finishClose(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    const launched = [...this.waiting.values()];
    this.waiting.clear();
    this.inFlight = 0;
    for (const w of launched) this.settle(w, new SocketClosedError(w.req.describe, true));
    for (const sink of [...this.sinks]) sink.onFailure(new SocketClosedError(undefined, true));
    this.sinks.clear();
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = undefined;
    this.raw.close();
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /** Moves queued requests into flight, up to the window, and schedules a flush. */
  private toSend: Waiter[] = [];
  private pump(): void {
    if (this.closed) return;
    if (!this.activeDump && this.dumpQueue.length > 0 && this.inFlight < this.maxInFlight) {
      const d = this.dumpQueue.shift()!;
      this.activeDump = d;
      this.launch(d);
    }
    while (this.inFlight < this.maxInFlight && this.queuedHead < this.queued.length) {
      const w = this.queued[this.queuedHead]!;
      this.queued[this.queuedHead++] = undefined as unknown as Waiter;
      this.launch(w);
    }
    if (this.queuedHead > 0 && this.queuedHead === this.queued.length) {
      this.queued.length = 0;
      this.queuedHead = 0;
    }
    this.updateRef();
    if (this.toSend.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private launch(w: Waiter): void {
    w.seq = this.nextSeq();
    while (this.waiting.has(w.seq)) w.seq = this.nextSeq();
    w.req.bytes.writeUInt32LE(w.seq, 8);
    this.waiting.set(w.seq, w);
    this.inFlight++;
    if (this.timeoutMs !== undefined && !w.dump) {
      const ms = this.timeoutMs;
      w.timer = setTimeout(() => {
        if (this.waiting.get(w.seq) !== w) return;
        this.forget(w);
        w.reject(new TimeoutError(w.req.describe, ms));
        this.pump();
      }, ms);
    }
    this.toSend.push(w);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    const all = this.toSend;
    this.toSend = [];
    let i = 0;
    while (i < all.length) {
      const batch: Waiter[] = [];
      const bufs: Buffer[] = [];
      let bytes = 0;
      while (i < all.length && batch.length < MAX_BATCH_IOV && (batch.length === 0 || bytes + all[i]!.req.bytes.length <= MAX_BATCH_BYTES)) {
        const w = all[i++]!;
        batch.push(w);
        bufs.push(w.req.bytes);
        bytes += w.req.bytes.length;
      }
      this.stats.sendCalls++;
      this.stats.sent += batch.length;
      const onSent = (err?: Error): void => {
        if (!err) {
          for (const w of batch) w.sent = true;
          return;
        }
        const e = err as Error & { errno?: number };
        for (const w of batch) {
          if (this.waiting.get(w.seq) !== w) continue;
          this.forget(w);
          this.settle(w, new SyscallError('sendmsg', Math.abs(e.errno ?? 5), w.req.describe));
        }
        this.pump();
      };
      try {
        this.raw.send(bufs.length === 1 ? bufs[0]! : bufs, { port: 0 }, onSent);
      } catch (e) {
        onSent(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  private forget(w: Waiter): void {
    this.inUse.delete(w.req.bytes);
    if (this.waiting.get(w.seq) === w) {
      this.waiting.delete(w.seq);
      this.inFlight--;
    }
    if (w.timer) clearTimeout(w.timer);
    if (this.activeDump === w) this.activeDump = undefined;
  }

  private settle(w: Waiter, err: Error | undefined): void {
    if (w.timer) clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve(w.replies);
  }

  private updateRef(): void {
    const want = this.holding || this.waiting.size > 0 || this.sinks.size > 0 || this.queued.length > this.queuedHead || this.dumpQueue.length > 0;
    if (want === this.referenced || this.closed) return;
    this.referenced = want;
    if (want) {
      this.raw.ref();
      if (this.fd !== undefined && !this.dropTimer) {
        this.dropTimer = setInterval(() => this.checkOverrun(), DROP_CHECK_MS);
        this.dropTimer.unref();
      }
    } else {
      this.raw.unref();
      if (this.dropTimer) clearInterval(this.dropTimer);
      this.dropTimer = undefined;
    }
  }

  private dropTimer: NodeJS.Timeout | undefined;
  private drops = 0;
  /** Requests in flight when the kernel last dropped replies: one of them lost its reply. */
  private suspects: Set<Waiter> | undefined;
  private suspectSinks: Set<RangeSink> | undefined;
  private suspectSince = 0;

  private meminfo(draining = false): Buffer | undefined {
    if (this.fd === undefined || (this.closed && !draining)) return undefined;
    return getsockoptBytes(this.fd, SOL_SOCKET, SO_MEMINFO, 4 * 9);
  }

  /** Replies the kernel dropped so far because the receive buffer was full (SO_MEMINFO). */
  droppedCount(): number {
    return this.meminfo()?.readUInt32LE(4 * SK_MEMINFO_DROPS) ?? this.drops;
  }

  /**
   * Watches for replies the kernel dropped (the receive buffer was full).
   * Requests in flight at that moment become suspects; once everything the
   * kernel queued has been read, the suspects still without a reply fail
   * with OverrunError: their reply was the one lost. Runs on a timer while
   * requests are in flight; returns true when new drops were seen.
   */
  checkOverrun(): boolean {
    const info = this.meminfo();
    if (!info) return false;
    const now = info.readUInt32LE(4 * SK_MEMINFO_DROPS);
    const increased = now !== this.drops;
    if (increased) {
      const dropped = (now - this.drops) >>> 0;
      this.drops = now;
      this.stats.overruns++;
      this.suspects ??= new Set();
      this.suspectSinks ??= new Set();
      for (const w of this.waiting.values()) if (w.sent) this.suspects.add(w);
      for (const sink of this.sinks) this.suspectSinks.add(sink);
      this.suspectSince = Date.now();
      this.onOverrun?.(new OverrunError(`receive buffer overrun: the kernel dropped ${dropped} message${dropped === 1 ? '' : 's'}`, undefined, dropped));
    }
    const drained = info.readUInt32LE(4 * SK_MEMINFO_RMEM_ALLOC) === 0;
    if (this.suspects && (drained || Date.now() - this.suspectSince > SUSPECT_WAIT_MS)) {
      const message = 'receive buffer overrun: the kernel dropped the reply; the outcome of this request is unknown';
      for (const w of this.suspects) {
        if (this.waiting.get(w.seq) !== w) continue;
        this.forget(w);
        this.settle(w, new OverrunError(message, w.req.describe));
      }
      for (const sink of this.suspectSinks!) if (this.sinks.has(sink)) sink.onFailure(new OverrunError(message));
      this.suspects = undefined;
      this.suspectSinks = undefined;
      this.pump();
    }
    return increased;
  }

  private receive(buf: Buffer, fromPort: number, groups = 0): void {
    // Only the kernel talks to us; a closed socket reads only the answers it drains.
    if (fromPort !== 0 || (this.closed && this.drainTimer === undefined)) return;
    this.stats.received++;
    const r = new MessageReader(buf);
    let touched = false;
    try {
      while (r.next()) {
        // Multicast carries the seq of whoever caused it: never a reply of ours on a
        // socket that joined groups. A socket that joined none gets only unicast,
        // whatever `groups` says (an echo, NLM_F_ECHO, is the multicast skb sent
        // to us as well, its group still marked).
        const w = r.seq === 0 || (groups !== 0 && this.memberships > 0) ? undefined : this.waiting.get(r.seq);
        if (!w) {
          if ((groups !== 0 || r.seq === 0) && r.type !== NLMSG_ERROR && r.type !== NLMSG_DONE) {
            if (!this.closed) this.onNotification?.(r.message());
          }
          else if (!this.toSink(r)) this.stats.unmatched++;
          continue;
        }
        touched = this.dispatch(w, r) || touched;
      }
    } catch (e) {
      this.failAll(e instanceof Error ? e : new DecodeError(String(e)));
      return;
    }
    if (this.closed) this.drainStep();
    else if (touched) this.pump();
  }

  private toSink(r: MessageReader): boolean {
    for (const sink of this.sinks) {
      if (((r.seq - sink.base) >>> 0) < sink.count) {
        sink.onReply(r.seq, r);
        return true;
      }
    }
    return false;
  }

  /**
   * Reserves `count` consecutive sequence numbers for a bulk operation and
   * routes their replies to the sink (internal: used by bulk.ts).
   */
  attachSink(count: number, make: (base: number) => RangeSink): RangeSink {
    if (this.closed) throw new SocketClosedError();
    if (this.seq + count + 1 > 0xffffffff) this.seq = 0; // keep the range contiguous
    const base = this.seq + 1;
    this.seq += count;
    const sink = make(base);
    this.sinks.add(sink);
    this.updateRef();
    return sink;
  }

  detachSink(sink: RangeSink): void {
    this.sinks.delete(sink);
    this.updateRef();
  }

  /** Sends pre-encoded bytes (one or more messages) in one sendmsg (internal: bulk.ts). */
  sendRaw(bytes: Buffer, count: number, cb: (err?: Error) => void): void {
    if (this.closed) {
      cb(new SocketClosedError());
      return;
    }
    this.stats.sendCalls++;
    this.stats.sent += count;
    const onSent = (err?: Error): void => {
      if (!err) return cb();
      const e = err as Error & { errno?: number };
      cb(e.errno ? new SyscallError('sendmsg', Math.abs(e.errno)) : e);
    };
    try {
      this.raw.send(bytes, { port: 0 }, onSent);
    } catch (e) {
      onSent(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Handles one message for a waiter; true when the waiter finished. */
  private dispatch(w: Waiter, r: MessageReader): boolean {
    const d = w.dump;
    if (r.type === NLMSG_ERROR) {
      const e = decodeError(r.buf, r.off, r.end, r.flags);
      this.forget(w);
      if (e.errno === 0) {
        if (d) d.done = true;
        this.settle(w, undefined);
      } else {
        this.settle(w, requestError(w.req, e));
      }
      return true;
    }
    if (r.type === NLMSG_DONE && (d || r.flags & 0x2)) {
      const e = decodeDone(r.buf, r.off, r.end, r.flags);
      if (r.flags & NLM_F_DUMP_INTR && d) d.interrupted = true;
      this.forget(w);
      this.settle(w, e.errno !== 0 ? requestError(w.req, e) : undefined);
      return true;
    }
    if (r.type === NLMSG_NOOP) return false;
    if (r.type === NLMSG_OVERRUN) {
      this.forget(w);
      this.settle(w, new OverrunError('the kernel reported NLMSG_OVERRUN: data was lost', w.req.describe));
      return true;
    }
    if (d) {
      if (r.flags & NLM_F_DUMP_INTR) d.interrupted = true;
      if (d.discard) return false;
      if (d.sink) {
        try {
          d.sink(r.message());
        } catch (e) {
          // A message the decoder refuses ends the list with that error (after the dump drains).
          d.error = e instanceof Error ? e : new DecodeError(String(e));
          d.discard = true;
        }
      } else {
        d.queue.push(r.message());
        d.notify();
      }
      return false;
    }
    w.replies.push(r.message());
    return false;
  }


  private rawError(err: Error & { code?: string; errno?: number }): void {
    if (err.code === 'ENOBUFS' || Math.abs(err.errno ?? 0) === 105) {
      this.overrun('receive buffer overrun (ENOBUFS): the kernel dropped replies; the outcome of this request is unknown');
      return;
    }
    this.failAll(err.errno ? new SyscallError('recvmsg', Math.abs(err.errno)) : err);
  }

  /** ENOBUFS reported by the socket (injected raw sockets): fail everything in flight. */
  private overrun(message: string): void {
    this.stats.overruns++;
    const overrun = new OverrunError(message);
    for (const w of [...this.waiting.values()]) {
      this.forget(w);
      this.settle(w, new OverrunError(message, w.req.describe));
    }
    for (const sink of [...this.sinks]) sink.onFailure(overrun);
    this.onOverrun?.(overrun);
    this.pump();
  }

  private failAll(err: Error): void {
    for (const sink of [...this.sinks]) sink.onFailure(err);
    for (const w of [...this.waiting.values()]) {
      this.forget(w);
      this.settle(w, err);
    }
    this.pump();
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
