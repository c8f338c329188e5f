// Bulk requests: many messages per sendmsg, a bounded number of batches in
// flight, and every item accounted for.
//
// Two ways to learn each item's outcome:
//  - 'each':    every message asks for an ACK;
//  - 'barrier': only the last message of a batch asks for one. The kernel
//    processes a batch in order inside sendmsg and always answers a failed
//    message with an error, so when the last message's ACK arrives every
//    earlier message without an error succeeded. A dropped reply would be
//    reported as ENOBUFS; then the batches in flight fail with OverrunError
//    ("outcome unknown") instead of being counted as done.
import { NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from './constants.js';
import { describeValue, type NetlinkError, NetnestError, OverrunError, SocketClosedError, ValidationError } from './errors.js';
import { requestError } from './request.js';
import type { ReplySink } from './dispatch.js';
import { decodeError } from './message.js';
import { checker, CLOSED, Int, Type, type Static } from './schema.js';
import { bulkChannel, type BulkChannel, type NetlinkSocket } from './socket.js';
import { NetlinkWriter } from './writer.js';

/** A batch holds at least one message whatever the size; it must fit the send buffer (the socket asks for 1 MiB). */
const MIN_BATCH_BYTES = 1;
const MAX_BATCH_BYTES = 1024 * 1024 - 64 * 1024;

/** The options of every bulk call (route.addMany adds `mode`). */
export const BulkOptionsSchema = Type.Object({
  /** How outcomes are learnt (see above). Default 'barrier'. */
  ack: Type.Optional(Type.Enum(['barrier', 'each'])),
  /** Bytes per sendmsg (below the default 208 KiB send buffer). Default 128 KiB. */
  batchBytes: Type.Optional(Int(MIN_BATCH_BYTES, MAX_BATCH_BYTES)),
  /** Batches awaiting their replies at once. Default 4. */
  window: Type.Optional(Int(1, 1024)),
  /** Called after each batch settles, for progress bars. */
  onProgress: Type.Optional(Type.Unsafe<(done: number, failed: number) => void>(Type.Function([Type.Number(), Type.Number()], Type.Void()))),
}, CLOSED);
export type BulkOptions = Static<typeof BulkOptionsSchema>;

const checkBulkOptions = checker(BulkOptionsSchema);

export interface BulkHooks<T, C = void> {
  /**
   * Checks an item before anything is done with it (no lookup, no encoding);
   * a NetnestError it throws is that item's failure. What it returns (the
   * item made ready to encode) is handed to the encoder with the item.
   */
  check?: (item: T) => C;
  /** Asynchronous preparation of an item before it is encoded (e.g. resolving a device name); undefined when none is needed. */
  prepare?: (item: T, index: number) => Promise<void> | undefined;
  /**
   * Called exactly once for every item read from the input, when its outcome
   * is known: no error (the kernel confirmed it) or the item's error. Also
   * when runBulk ends with a throw: it first waits for what it sent.
   */
  settled?: (index: number, item: T, error: Error | undefined) => void;
  /**
   * True when the item needs what earlier items of the same call make (a
   * link whose master is created a few items before): the batch is closed
   * before it, and it is prepared and encoded only once every item read
   * before it has settled.
   */
  waitsForEarlier?: (item: T, checked: C) => boolean;
  /** Turns the kernel's refusal of an item into a richer error (as Request.mapError does). */
  mapError?: (error: NetlinkError, item: T) => Error;
}

export interface BulkFailure<T> {
  /** Position of the item in the input. */
  index: number;
  item: T;
  /** ValidationError (never sent), NetlinkError (the kernel refused it), or OverrunError/SocketClosedError (outcome unknown). */
  error: Error;
}

export interface BulkResult<T> {
  /** Items read from the input. */
  total: number;
  /** Items the kernel confirmed. */
  ok: number;
  /** Every other item, in input order. */
  failed: BulkFailure<T>[];
}

/** Encodes one item (and what the check hook made of it) into the writer (beginMessage...endMessage); may throw ValidationError. */
export type BulkEncoder<T, C = void> = (w: NetlinkWriter, item: T, checked: C) => void;

/** One batch: its items, and what the kernel has answered for them so far. */
interface Batch<T, C> {
  items: T[];
  /** What the check hook returned for each item. */
  checked: C[];
  /** The items' positions in the input. */
  indexes: number[];
  /** Where each item's message starts in the batch's bytes. */
  starts: number[];
  /** Seq offsets that failed, with their errors. */
  errors: Map<number, Error>;
  acks: number;
  /** 1 where the kernel's reply for the item arrived. */
  answered: Uint8Array;
  done: boolean;
}

type Options = ReturnType<typeof bulkOptions>;

export async function runBulk<T, C = void>(
  sock: NetlinkSocket,
  items: Iterable<T> | AsyncIterable<T>,
  encode: BulkEncoder<T, C>,
  describe: (item: T) => string,
  opts: BulkOptions = {},
  hooks: BulkHooks<T, C> = {},
): Promise<BulkResult<T>> {
  // Async, so bad options or a non-iterable input reject rather than throw.
  return new BulkRun(sock[bulkChannel](), items, encode, describe, bulkOptions(opts), hooks).run();
}

class BulkRun<T, C> {
  private readonly result: BulkResult<T> = { total: 0, ok: 0, failed: [] };
  private readonly failures: BulkFailure<T>[] = [];
  /** One promise per batch awaiting its replies. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly syncIt: Iterator<T> | undefined;
  private readonly asyncIt: AsyncIterator<T> | undefined;
  private exhausted = false;
  /** What stopped the run early (the input threw, a callback threw): rethrown once everything sent is settled. */
  private abort: { error: unknown } | undefined;
  /** An item read and checked that waits for the items before it (waitsForEarlier): the first of the next batch. */
  private carried: { value: T; index: number; checked: C } | undefined;

  constructor(
    private readonly channel: BulkChannel,
    items: Iterable<T> | AsyncIterable<T>,
    private readonly encode: BulkEncoder<T, C>,
    private readonly describe: (item: T) => string,
    private readonly opts: Options,
    private readonly hooks: BulkHooks<T, C>,
  ) {
    this.syncIt = iteratorOf(items);
    this.asyncIt = this.syncIt ? undefined : (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  }

  async run(): Promise<BulkResult<T>> {
    let w = new NetlinkWriter(this.opts.batchBytes + 4096);
    while (!this.exhausted && !this.abort) {
      w.reset();
      const batch = await this.fill(w);
      if (batch.items.length === 0) continue;
      while (this.inFlight.size >= this.opts.window) await Promise.race(this.inFlight);
      // The last batch may still be in the kernel (sent from another thread while this one was encoded).
      const sent = this.channel.sent();
      if (sent) await sent;
      // The batch keeps the writer's bytes until it is sent: the next batch gets a writer of its own.
      const bytes = w.bytes();
      w = new NetlinkWriter(this.opts.batchBytes + 4096);
      if (!this.send(batch, bytes)) break;
    }
    if (this.carried) {
      // Read and never sent: the run stopped before its turn.
      const { value, index } = this.carried;
      this.carried = undefined;
      this.fail(index, value, this.channel.closed ? new SocketClosedError(this.describe(value), false) : stoppedBy(this.abort?.error));
    }
    await Promise.all(this.inFlight);
    if (this.abort) {
      // The input is left where it stopped; its iterator is told so.
      try {
        if (this.syncIt) this.syncIt.return?.();
        else await this.asyncIt!.return?.();
      } catch { /* the input's own cleanup failed: the first error wins */ }
      throw this.abort.error;
    }
    this.failures.sort((a, b) => a.index - b.index);
    this.result.failed = this.failures;
    return this.result;
  }

  /** Reads and encodes items into `w` until the batch is full or the input ends. */
  private async fill(w: NetlinkWriter): Promise<Batch<T, C>> {
    const items: T[] = [];
    const checked: C[] = [];
    const indexes: number[] = [];
    const starts: number[] = [];
    while (w.pos < this.opts.batchBytes && !this.abort) {
      const next = this.carried ?? (await this.read());
      this.carried = undefined;
      if (!next) break;
      const { value, index } = next;
      const start = w.pos;
      let c: C;
      try {
        c = next.checked ?? (this.hooks.check ? this.hooks.check(value) : (undefined as C));
        if (this.hooks.waitsForEarlier?.(value, c)) {
          if (items.length > 0) {
            // Closes this batch; the item opens the next one, once this one has settled.
            this.carried = { value, index, checked: c };
            break;
          }
          while (this.inFlight.size > 0) await Promise.all(this.inFlight);
        }
        const ready = this.hooks.prepare?.(value, index);
        if (ready) await ready;
        this.encode(w, value, c);
      } catch (e) {
        w.pos = start;
        this.fail(index, value, e instanceof Error ? e : new Error(String(e)));
        if (e instanceof NetnestError) continue;
        // Not a refusal of the item: a bug or a failing hook. Nothing more is read.
        this.abort = { error: e };
        break;
      }
      items.push(value);
      checked.push(c);
      indexes.push(index);
      starts.push(start);
    }
    return { items, checked, indexes, starts, errors: new Map(), acks: 0, answered: new Uint8Array(items.length), done: false };
  }

  /** The next item of the input with its index; undefined at its end or when it threw (the run stops). */
  private async read(): Promise<{ value: T; index: number; checked?: C } | undefined> {
    // A synchronous input is read without a promise per item (the hot path).
    let n: IteratorResult<T>;
    try {
      n = this.syncIt ? this.syncIt.next() : await this.asyncIt!.next();
    } catch (e) {
      this.abort = { error: e };
      return undefined;
    }
    if (n.done) {
      this.exhausted = true;
      return undefined;
    }
    return { value: n.value, index: this.result.total++ };
  }

  /** Sends a batch with seqs of its own; false when the socket is closed (the run ends). */
  private send(batch: Batch<T, C>, bytes: Buffer): boolean {
    const { items, starts } = batch;
    const { mode } = this.opts;
    const channel = this.channel;
    let resolve!: () => void;
    const p = new Promise<void>((r) => { resolve = r; });
    const finish = (): void => {
      if (batch.done) return;
      batch.done = true;
      channel.release(sink);
      this.settle(batch);
      resolve();
    };
    const last = items.length - 1;
    let base = 0;
    let dropsAtSend = 0;
    const sink: ReplySink = {
      onReply: (seq, r) => {
        if (r.type !== NLMSG_ERROR || batch.done) return;
        const i = (seq - base) >>> 0;
        const e = decodeError(r.buf, r.off, r.end, r.flags);
        if (e.errno !== 0) batch.errors.set(i, itemError(e, items[i]!, batch.checked[i]!, this.encode, this.describe, this.hooks.mapError));
        batch.answered[i] = 1;
        batch.acks++;
        if (mode === 'barrier' ? i !== last : batch.acks !== items.length) return;
        // In 'barrier' mode silence means success, so a drop since this batch
        // was sent may have been one of its errors: its unanswered items are
        // then reported as unknown, never as done.
        if (mode === 'barrier' && channel.dropped() !== dropsAtSend) {
          sink.onFailure(new OverrunError('receive buffer overrun: the kernel dropped replies; the outcome of this item is unknown'));
        } else {
          finish();
        }
      },
      onFailure: (err) => {
        if (batch.done) return;
        // Items already answered keep their answers (in 'barrier' mode only
        // errors are answers); the others' outcome is unknown.
        for (let i = 0; i < items.length; i++) {
          if (!batch.answered[i]) batch.errors.set(i, err instanceof SocketClosedError ? new SocketClosedError(this.describe(items[i]!), err.outcomeUnknown) : err);
        }
        finish();
      },
    };
    if (channel.closed) {
      // Nothing of this batch was sent, and nothing more can be: the run ends with the error.
      for (let i = 0; i < items.length; i++) batch.errors.set(i, new SocketClosedError(this.describe(items[i]!), false));
      batch.done = true;
      this.settle(batch);
      this.abort = { error: new SocketClosedError() };
      return false;
    }
    base = channel.reserve(items.length, sink);
    dropsAtSend = mode === 'barrier' ? channel.dropped() : 0;
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i]!;
      bytes.writeUInt32LE((base + i) >>> 0, at + 8);
      bytes.writeUInt16LE(bytes.readUInt16LE(at + 6) | NLM_F_REQUEST | (mode === 'each' || i === last ? NLM_F_ACK : 0), at + 6);
    }
    this.inFlight.add(p);
    void p.then(() => this.inFlight.delete(p));
    channel.send(bytes, items.length, (err) => {
      if (err) sink.onFailure(err);
    });
    return true;
  }

  /** Reports the outcome of every item of a batch. */
  private settle(b: Batch<T, C>): void {
    for (let i = 0; i < b.items.length; i++) {
      const e = b.errors.get(i);
      if (e) this.fail(b.indexes[i]!, b.items[i]!, e);
      else {
        this.result.ok++;
        this.hooks.settled?.(b.indexes[i]!, b.items[i]!, undefined);
      }
    }
    // A throwing progress callback ends the run, but never inside the socket's receive path.
    if (this.opts.onProgress && !this.abort) {
      try {
        this.opts.onProgress(this.result.ok, this.failures.length);
      } catch (e) {
        this.abort = { error: e };
      }
    }
  }

  private fail(index: number, item: T, error: Error): void {
    this.failures.push({ index, item, error });
    this.hooks.settled?.(index, item, error);
  }
}

/** The error of an item that was never sent because the run stopped. */
function stoppedBy(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The synchronous iterator of `items`, undefined for an async iterable; ValidationError for anything else. */
function iteratorOf<T>(items: Iterable<T> | AsyncIterable<T>): Iterator<T> | undefined {
  const o = items as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  if (o !== null && o !== undefined && typeof o !== 'string') {
    if (typeof o[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
    if (typeof o[Symbol.asyncIterator] === 'function') return undefined;
  }
  throw new ValidationError(`expected an array, an iterable or an async iterable of items, got ${describeValue(items)}`, 'items');
}

/** Bulk options with their defaults, checked: a bad option would spin or hang the run. */
function bulkOptions(opts: BulkOptions): { mode: 'barrier' | 'each'; batchBytes: number; window: number; onProgress: BulkOptions['onProgress'] } {
  checkBulkOptions(opts, 'options');
  return { mode: opts.ack ?? 'barrier', batchBytes: opts.batchBytes ?? 128 * 1024, window: opts.window ?? 4, onProgress: opts.onProgress };
}

/** The kernel's error for one item, with the caller's field when the extended ACK points at one. */
function itemError<T, C>(
  e: ReturnType<typeof decodeError>, item: T, checked: C, encode: BulkEncoder<T, C>, describe: (item: T) => string,
  mapError: BulkHooks<T, C>['mapError'],
): Error {
  const w = new NetlinkWriter(256);
  if (e.extackOffset !== undefined || e.missingNestOffset !== undefined) {
    // Failures are rare: re-encode the item alone to learn where its fields went.
    try {
      encode(w, item, checked);
    } catch { /* it encoded when it was sent; the marks written so far are what we have */ }
  }
  return requestError({ bytes: w.bytes(), describe: describe(item), marks: w.marks, ...(mapError && { mapError: (err) => mapError(err, item) }) }, e);
}
