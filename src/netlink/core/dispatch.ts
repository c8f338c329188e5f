// Request dispatch on the `netlink` package's socket. Requests are encoded by
// the caller with seq 0; each gets a sequence number of its own, everything
// queued in one tick leaves in one sendmsg (an iovec per request), at most
// `maxInFlight` wait for replies at once (so the kernel's ACKs always fit the
// receive buffer), and every reply goes to the request whose seq it carries —
// or to the bulk operation that reserved a range of seqs. Multicast messages
// go to the notification callback.
import { NLM_F_ACK, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from './constants.js';
import { DecodeError, OverrunError, SocketClosedError, SyscallError, TimeoutError } from './errors.js';
import { decodeDone, decodeError, MessageReader } from './message.js';
import type { RawSocket } from './open.js';
import { Queue } from './queue.js';
import { requestError, type Request } from './request.js';

export interface SocketStats {
  sent: number;
  sendCalls: number;
  received: number;
  /** Replies whose seq matched no request (late replies to timed-out or overrun requests). */
  unmatched: number;
  overruns: number;
}

/** Receives the replies to a range of sequence numbers a bulk operation reserved. */
export interface ReplySink {
  /** One reply: NLMSG_ERROR (errno 0 = ACK) for the message with this seq. */
  onReply(seq: number, r: MessageReader): void;
  /** The socket overran or closed: the outcomes of outstanding messages are unknown. */
  onFailure(err: Error): void;
}

/** One request, from request() until it settles. */
interface Waiter {
  seq: number;
  /** sendmsg has returned: the kernel has seen the request. */
  sent: boolean;
  req: Request;
  /** Data messages received for this seq (views into their datagrams). */
  replies: Buffer[];
  resolve: (msgs: Buffer[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** What is waiting for a reply: a request, or a bulk operation's range. */
export type InFlight = Waiter | ReplySink;

// Keep one sendmsg well below the default send buffer (the kernel refuses a
// datagram larger than sk_sndbuf - 32 with EMSGSIZE).
const MAX_BATCH_BYTES = 64 * 1024;
// Each request is one iovec of the sendmsg; the kernel refuses more than
// UIO_MAXIOV (1024) with EMSGSIZE.
const MAX_BATCH_IOV = 1024;

export class Dispatcher {
  readonly stats: SocketStats = { sent: 0, sendCalls: 0, received: 0, unmatched: 0, overruns: 0 };
  private closed = false;
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly queued = new Queue<Waiter>();
  /** The bulk ranges, by their sinks. */
  private readonly ranges = new Map<ReplySink, { base: number; count: number; sink: ReplySink }>();
  /** Request buffers queued or in flight (their seq field is ours until answered). */
  private readonly inUse = new WeakSet<Buffer>();
  private toSend: Waiter[] = [];
  private flushScheduled = false;
  /** Bulk batches waiting for the one being sent off the main thread: sent in order, one at a time. */
  private readonly batches = new Queue<{ bytes: Buffer; cb: (err?: Error) => void }>();
  private batchSending = false;
  /** Told when the batch being sent off the main thread has returned. */
  private batchWaiters: (() => void)[] = [];

  /**
   * @param changed told after anything that may change `busy`
   * @param notify gets multicast messages
   */
  constructor(
    private readonly raw: RawSocket,
    private readonly opts: {
      maxInFlight: number;
      timeoutMs: number | undefined;
      /** Sends a bulk batch from another thread (real sockets); without it, batches go as requests do. */
      sendOffThread?: (bytes: Buffer, cb: (err?: Error) => void) => void;
    },
    private readonly changed: () => void,
    private readonly notify: (msg: Buffer) => void,
  ) {}

  /** Requests in flight plus those queued. */
  get pending(): number {
    return this.waiting.size + this.queued.length;
  }

  /** Something waits for a reply, or for its turn. */
  get busy(): boolean {
    return this.waiting.size > 0 || this.ranges.size > 0 || this.queued.length > 0;
  }

  /** Every request waiting for a reply has been handed to the kernel. */
  get allSent(): boolean {
    if (this.batchSending) return false;
    for (const w of this.waiting.values()) if (!w.sent) return false;
    return true;
  }

  /** A bulk batch is being sent on another thread: the fd must stay open until it returns. */
  get sendingOffThread(): boolean {
    return this.batchSending;
  }

  /**
   * Resolves once no bulk batch is being sent (undefined when none is): a bulk
   * run encodes its next batch meanwhile, then waits here, so the next send
   * starts as soon as the kernel is done with the last one.
   */
  batchSent(): Promise<void> | undefined {
    if (!this.batchSending && this.batches.length === 0) return undefined;
    return new Promise((resolve) => this.batchWaiters.push(resolve));
  }

  /** Sends a request with NLM_F_ACK; resolves with the data messages before the ACK. */
  request(req: Request): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new SocketClosedError(req.describe));
    // The seq is written into the bytes: a Request sent again while in flight needs its own copy.
    if (this.inUse.has(req.bytes)) req = { ...req, bytes: Buffer.from(req.bytes) };
    this.inUse.add(req.bytes);
    req.bytes.writeUInt16LE(req.bytes.readUInt16LE(6) | NLM_F_REQUEST | NLM_F_ACK, 6);
    return new Promise<Buffer[]>((resolve, reject) => {
      this.queued.push({ seq: 0, sent: false, req, replies: [], resolve, reject, timer: undefined });
      this.pump();
    });
  }

  /** Reserves `count` consecutive sequence numbers whose replies go to `sink`; returns the first. */
  reserve(count: number, sink: ReplySink): number {
    if (this.closed) throw new SocketClosedError();
    if (this.seq + count + 1 > 0xffffffff) this.seq = 0; // keep the range contiguous
    const base = this.seq + 1;
    this.seq += count;
    this.ranges.set(sink, { base, count, sink });
    this.changed();
    return base;
  }

  release(sink: ReplySink): void {
    this.ranges.delete(sink);
    this.changed();
  }

  /** Sends pre-encoded messages (a bulk batch) in one sendmsg. */
  sendBatch(bytes: Buffer, count: number, cb: (err?: Error) => void): void {
    if (this.closed) {
      cb(new SocketClosedError());
      return;
    }
    this.stats.sendCalls++;
    this.stats.sent += count;
    const onSent = (err?: Error): void => {
      if (!err) {
        cb();
        return;
      }
      const e = err as Error & { errno?: number };
      cb(e.errno ? new SyscallError('sendmsg', Math.abs(e.errno)) : e);
    };
    if (!this.opts.sendOffThread) {
      this.send(bytes, onSent);
      return;
    }
    this.batches.push({ bytes, cb: onSent });
    this.nextBatch();
  }

  /**
   * Sends the next batch off the main thread, after the previous one returned:
   * in order, so the kernel sees the items as the caller gave them, while the
   * main thread encodes the batch after.
   */
  private nextBatch(): void {
    if (this.batchSending || this.batches.length === 0) return;
    const b = this.batches.shift()!;
    this.batchSending = true;
    this.opts.sendOffThread!(b.bytes, (err) => {
      this.batchSending = false;
      b.cb(err);
      if (!this.closed) this.nextBatch();
      if (!this.batchSending) for (const w of this.batchWaiters.splice(0)) w();
      this.changed();
    });
  }

  /**
   * Handles a datagram from the kernel. `member`: the socket joined groups,
   * so a message marked with a group is multicast, never a reply of ours.
   */
  receive(buf: Buffer, groups: number, member: boolean): void {
    this.stats.received++;
    const r = new MessageReader(buf);
    let settled = false;
    try {
      while (r.next()) {
        // Multicast carries the seq of whoever caused it. A socket that joined no group
        // gets only unicast, whatever `groups` says (an echo, NLM_F_ECHO, is the
        // multicast skb sent to us as well, its group still marked).
        const w = r.seq === 0 || (groups !== 0 && member) ? undefined : this.waiting.get(r.seq);
        if (w) settled = this.dispatch(w, r) || settled;
        else if ((groups !== 0 || r.seq === 0) && r.type !== NLMSG_ERROR && r.type !== NLMSG_DONE) {
          if (!this.closed) this.notify(r.message());
        } else if (!this.toRange(r)) this.stats.unmatched++;
      }
    } catch (e) {
      this.failAll(e instanceof Error ? e : new DecodeError(String(e)));
      return;
    }
    if (settled) this.pump();
  }

  /** Fails everything waiting for a reply with `err`. */
  failAll(err: Error): void {
    for (const sink of [...this.ranges.keys()]) sink.onFailure(err);
    for (const w of [...this.waiting.values()]) {
      this.forget(w);
      this.settle(w, err);
    }
    this.pump();
  }

  /** What waits for a reply now and has been sent (the suspects of an overrun). */
  *inFlight(): Iterable<InFlight> {
    for (const w of this.waiting.values()) if (w.sent) yield w;
    yield* this.ranges.keys();
  }

  /** Fails those of `suspects` still waiting for a reply: their reply was dropped. */
  expire(suspects: Iterable<InFlight>, message: string): void {
    for (const s of suspects) {
      if ('onReply' in s) {
        if (this.ranges.has(s)) s.onFailure(new OverrunError(message));
      } else if (this.waiting.get(s.seq) === s) {
        this.forget(s);
        this.settle(s, new OverrunError(message, s.req.describe));
      }
    }
    this.pump();
  }

  /** Fails everything in flight with OverrunError (the socket reported ENOBUFS). */
  overrun(message: string): OverrunError {
    this.stats.overruns++;
    const overrun = new OverrunError(message);
    for (const w of [...this.waiting.values()]) {
      this.forget(w);
      this.settle(w, new OverrunError(message, w.req.describe));
    }
    for (const sink of [...this.ranges.keys()]) sink.onFailure(overrun);
    this.pump();
    return overrun;
  }

  /** Stops sending: what was not sent yet fails with SocketClosedError; replies are still taken. */
  close(): void {
    this.closed = true;
    const unsent = [...this.queued.takeAll(), ...this.toSend];
    this.toSend = [];
    for (const w of unsent) {
      this.forget(w);
      this.settle(w, new SocketClosedError(w.req.describe, false));
    }
    for (const b of this.batches.takeAll()) b.cb(new SocketClosedError(undefined, false));
  }

  /** Fails what still waits for a reply once the closed socket has read all it could. */
  abandon(): void {
    const launched = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of launched) {
      this.forget(w);
      this.settle(w, new SocketClosedError(w.req.describe, true));
    }
    for (const sink of [...this.ranges.keys()]) sink.onFailure(new SocketClosedError(undefined, true));
    this.ranges.clear();
  }

  /** Moves queued requests into flight, up to the window, and schedules a flush. */
  private pump(): void {
    if (this.closed) return;
    while (this.waiting.size < this.opts.maxInFlight && this.queued.length > 0) this.launch(this.queued.shift()!);
    this.changed();
    if (this.toSend.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private launch(w: Waiter): void {
    do {
      this.seq = (this.seq + 1) >>> 0 || 1;
    } while (this.waiting.has(this.seq));
    w.seq = this.seq;
    w.req.bytes.writeUInt32LE(w.seq, 8);
    this.waiting.set(w.seq, w);
    if (this.opts.timeoutMs !== undefined) {
      const ms = this.opts.timeoutMs;
      w.timer = setTimeout(() => {
        if (this.waiting.get(w.seq) !== w) return;
        this.forget(w);
        w.reject(new TimeoutError(w.req.describe, ms));
        this.pump();
      }, ms);
    }
    this.toSend.push(w);
  }

  /** Sends what was launched in batches of at most 64 KiB and 1024 messages. */
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
      this.send(bufs.length === 1 ? bufs[0]! : bufs, (err) => {
        if (!err) {
          for (const w of batch) w.sent = true;
          return;
        }
        const errno = Math.abs((err as Error & { errno?: number }).errno ?? 5);
        for (const w of batch) {
          if (this.waiting.get(w.seq) !== w) continue;
          this.forget(w);
          this.settle(w, new SyscallError('sendmsg', errno, w.req.describe));
        }
        this.pump();
      });
    }
  }

  private send(bytes: Buffer | Buffer[], cb: (err?: Error) => void): void {
    try {
      this.raw.send(bytes, { port: 0 }, cb);
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Hands a reply to the bulk range its seq falls in; false when it falls in none. */
  private toRange(r: MessageReader): boolean {
    for (const range of this.ranges.values()) {
      if (((r.seq - range.base) >>> 0) < range.count) {
        range.sink.onReply(r.seq, r);
        return true;
      }
    }
    return false;
  }

  /** Handles one message for a request; true when the request settled. */
  private dispatch(w: Waiter, r: MessageReader): boolean {
    if (r.type === NLMSG_ERROR) {
      const e = decodeError(r.buf, r.off, r.end, r.flags);
      this.forget(w);
      this.settle(w, e.errno === 0 ? undefined : requestError(w.req, e));
      return true;
    }
    if (r.type === NLMSG_DONE && r.flags & NLM_F_MULTI) {
      const e = decodeDone(r.buf, r.off, r.end, r.flags);
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
    w.replies.push(r.message());
    return false;
  }

  private forget(w: Waiter): void {
    this.inUse.delete(w.req.bytes);
    if (this.waiting.get(w.seq) === w) this.waiting.delete(w.seq);
    if (w.timer) clearTimeout(w.timer);
  }

  private settle(w: Waiter, err: Error | undefined): void {
    if (err) w.reject(err);
    else w.resolve(w.replies);
  }
}
