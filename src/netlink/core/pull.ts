// Dumps, pulled on demand through a DumpChannel (dump-channel.ts): a part is
// read when the consumer asks for it, so a dump of a million routes never
// sits in memory unless the caller keeps it. Dumps run one at a time (the
// kernel allows one per socket). A dump left early is read to its end in the
// background before the next one starts, or the kernel would refuse that one
// (EBUSY).
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from './constants.js';
import { EAGAIN, ENOBUFS, type DumpChannel } from './dump-channel.js';
import { DumpInterruptedError, OverrunError, SocketClosedError, SyscallError, TimeoutError } from './errors.js';
import { decodeDone, decodeError, MessageReader } from './message.js';
import { Queue } from './queue.js';
import { requestError, type Request } from './request.js';

export interface DumpOptions {
  /** What to do when the kernel marks the dump inconsistent (NLM_F_DUMP_INTR): throw after the last item (default) or ignore. */
  interrupted?: 'throw' | 'ignore';
}

/** Give the event loop a turn every this many parts of a long list(). */
const YIELD_EVERY = 16;
/** A dump whose next part does not come within this long has stalled. */
const STALL_MS = 30_000;

/** One run of one dump: its sequence number, and what the kernel has said so far. */
interface DumpRun {
  readonly req: Request;
  readonly seq: number;
  /** Lets the next dump go. */
  readonly release: () => void;
  /** The kernel marked a message NLM_F_DUMP_INTR: what it listed may be inconsistent. */
  interrupted: boolean;
  /** NLMSG_DONE (or NLMSG_ERROR) has arrived: nothing more will. */
  ended: boolean;
  /** The error that last message carried. */
  error: Error | undefined;
  /** finish() has run. */
  finished: boolean;
}

export class Dumps {
  /** Dumps started or waiting for their turn (the socket stays referenced meanwhile). */
  active = 0;
  private channel: DumpChannel | undefined;
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private lock: Promise<void> = Promise.resolve();
  private closed = false;

  /**
   * @param openChannel opens the channel, on the first dump
   * @param retries how many times list() runs an interrupted dump again
   * @param onActive told when `active` changes
   */
  constructor(
    private readonly openChannel: () => DumpChannel,
    private readonly retries: number,
    private readonly onActive: () => void,
  ) {}

  /**
   * Streams a dump; each next() that finds no message left pulls one more
   * part. An async generator: calls are queued, and leaving a `for await`
   * early runs the `finally` that lets the rest of the dump be drained.
   */
  async *stream(req: Request, opts: DumpOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const run = await this.start(req);
    const messages = new Queue<Buffer>();
    const push = (msg: Buffer): void => messages.push(msg);
    try {
      for (;;) {
        for (let msg = messages.shift(); msg; msg = messages.shift()) yield msg;
        if (run.ended) break;
        await this.pull(run, push);
      }
    } finally {
      this.finish(run);
    }
    this.ended(run, opts);
  }

  /**
   * The same dump, a part at a time: the messages of each datagram in one
   * array. A consumer that decodes them in a loop of its own pays one await
   * per part instead of one per message.
   */
  async *parts(req: Request, opts: DumpOptions = {}): AsyncGenerator<Buffer[], void, undefined> {
    const run = await this.start(req);
    try {
      while (!run.ended) {
        const part: Buffer[] = [];
        await this.pull(run, (msg) => part.push(msg));
        if (part.length > 0) yield part;
      }
    } finally {
      this.finish(run);
    }
    this.ended(run, opts);
  }

  /** The kernel's error, or the inconsistency, comes after the items it sent. */
  private ended(run: DumpRun, opts: DumpOptions): void {
    if (run.error) throw run.error;
    if (run.interrupted && opts.interrupted !== 'ignore') throw new DumpInterruptedError(run.req.describe, 1);
  }

  /**
   * Runs a dump to the end and decodes every message (those decoded as
   * undefined are left out). A dump the kernel marks inconsistent is run
   * again, up to `retries` times, then DumpInterruptedError: never a silently
   * inconsistent list.
   */
  async list<T>(req: Request, decode: (msg: Buffer) => T | undefined): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      const out: T[] = [];
      const keep = (msg: Buffer): void => {
        const v = decode(msg);
        if (v !== undefined) out.push(v);
      };
      const run = await this.start(req);
      try {
        for (let parts = 1; !run.ended; parts++) {
          await this.pull(run, keep);
          if (parts % YIELD_EVERY === 0) await new Promise<void>((res) => setImmediate(res));
        }
      } finally {
        this.finish(run);
      }
      if (run.error) throw run.error;
      if (!run.interrupted) return out;
      if (attempt > this.retries) throw new DumpInterruptedError(req.describe, attempt);
    }
  }

  /**
   * A request the kernel answers inside sendmsg (a get), sent and read at once
   * on the dump channel: no turn of the event loop. Its data messages, or
   * undefined when that cannot be done now (a dump is running or draining, or
   * the answer is not there yet): then the caller sends it the usual way.
   */
  requestNow(req: Request): Buffer[] | undefined {
    if (this.closed || this.active > 0) return undefined;
    this.channel ??= this.openChannel();
    if (!(this.channel.idle?.() ?? false)) return undefined; // the worker reading ahead would take the answer
    this.seq = (this.seq + 1) >>> 0 || 1;
    const seq = this.seq;
    const bytes = Buffer.from(req.bytes);
    bytes.writeUInt16LE(bytes.readUInt16LE(6) | NLM_F_REQUEST | NLM_F_ACK, 6);
    bytes.writeUInt32LE(seq, 8);
    const errno = this.channel.send(bytes);
    if (errno !== 0) throw new SyscallError('sendmsg', errno, req.describe);
    const replies: Buffer[] = [];
    for (;;) {
      const got = this.channel.receive(false);
      if (typeof got === 'number') {
        if (got === EAGAIN) return undefined; // not there yet: the next reader's seq check skips it when it comes
        throw new SyscallError('recvmsg', got, req.describe);
      }
      const r = new MessageReader(got);
      while (r.next()) {
        if (r.seq !== seq) continue;
        if (r.type === NLMSG_ERROR) {
          const e = decodeError(r.buf, r.off, r.end, r.flags);
          if (e.errno !== 0) throw requestError(req, e);
          return replies;
        }
        replies.push(r.message());
      }
    }
  }

  /** Dumps in progress fail with SocketClosedError; later ones at once. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel?.close();
  }

  /** Waits for this dump's turn and sends its request. */
  private async start(req: Request): Promise<DumpRun> {
    this.active++;
    this.onActive();
    let release: () => void;
    try {
      release = await this.acquire(req);
    } catch (e) {
      this.active--;
      this.onActive();
      throw e;
    }
    this.seq = (this.seq + 1) >>> 0 || 1;
    const run: DumpRun = { req, seq: this.seq, release, interrupted: false, ended: false, error: undefined, finished: false };
    try {
      this.channel ??= this.openChannel();
      const bytes = Buffer.from(req.bytes); // each run sends a copy of its own
      bytes.writeUInt16LE(bytes.readUInt16LE(6) | NLM_F_REQUEST | NLM_F_DUMP, 6);
      bytes.writeUInt32LE(run.seq, 8);
      const errno = this.channel.send(bytes);
      if (errno !== 0) throw new SyscallError('sendmsg', errno, req.describe);
    } catch (e) {
      run.ended = true; // nothing to read to the end
      this.finish(run);
      throw e;
    }
    return run;
  }

  /** Pulls one part and hands this dump's messages to onMessage; notes the dump's end. */
  private async pull(run: DumpRun, onMessage: (msg: Buffer) => void): Promise<void> {
    const r = new MessageReader(await this.nextPart(run.req));
    while (r.next()) {
      if (r.seq !== run.seq) continue; // the tail of an earlier dump whose drain gave up
      if (r.flags & NLM_F_DUMP_INTR) run.interrupted = true;
      if (r.type === NLMSG_DONE || r.type === NLMSG_ERROR) {
        const e = r.type === NLMSG_DONE ? decodeDone(r.buf, r.off, r.end, r.flags) : decodeError(r.buf, r.off, r.end, r.flags);
        run.ended = true;
        if (e.errno !== 0) run.error = requestError(run.req, e);
        return;
      }
      if (r.type === NLMSG_NOOP) continue;
      if (r.type === NLMSG_OVERRUN) throw new OverrunError('the kernel reported NLMSG_OVERRUN: data was lost', run.req.describe);
      onMessage(r.message());
    }
  }

  /** The next datagram; waits (without blocking the event loop) while the kernel has none queued. */
  private async nextPart(req: Request): Promise<Buffer> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new SocketClosedError(req.describe);
      const got = this.channel!.receive();
      if (typeof got !== 'number') return got;
      if (got === ENOBUFS) throw new OverrunError('receive buffer overrun: the kernel dropped part of the dump', req.describe);
      if (got !== EAGAIN) throw new SyscallError('recvmsg', got, req.describe);
      if (Date.now() - started > STALL_MS) throw new TimeoutError(req.describe, STALL_MS);
      await this.channel!.wait(attempt);
    }
  }

  /** Ends a run. One left before its end is first read to the end, in the background. */
  private finish(run: DumpRun): void {
    if (run.finished) return;
    run.finished = true;
    const done = (): void => {
      run.release();
      this.active--;
      this.onActive();
    };
    if (run.ended || this.closed) done();
    else void this.drain(run).finally(done);
  }

  /** Reads and drops what is left of a dump; gives up (never throws) when the channel fails. */
  private async drain(run: DumpRun): Promise<void> {
    try {
      for (;;) {
        const r = new MessageReader(await this.nextPart(run.req));
        while (r.next()) {
          if (r.seq === run.seq && (r.type === NLMSG_DONE || r.type === NLMSG_ERROR)) return;
        }
      }
    } catch { /* closed, stalled or malformed: the next dump's seq filter copes with a tail */ }
  }

  private acquire(req: Request): Promise<() => void> {
    if (this.closed) return Promise.reject(new SocketClosedError(req.describe));
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const before = this.lock;
    this.lock = before.then(() => mine);
    return before.then(() => {
      if (this.closed) {
        release();
        throw new SocketClosedError(req.describe);
      }
      return release;
    });
  }
}
