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
import { describeValue, NetnestError, OverrunError, SocketClosedError, ValidationError } from './errors.js';
import { requestError } from './request.js';
import { decodeError, type MessageReader } from './message.js';
import { checker, CLOSED, Int, Type, type Static } from './schema.js';
import type { NetlinkSocket, RangeSink } from './socket.js';
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

export interface BulkHooks<T> {
  /**
   * Checks an item before anything is done with it (no lookup, no encoding);
   * a NetnestError it throws is that item's failure.
   */
  check?: (item: T) => void;
  /** Asynchronous preparation of an item before it is encoded (e.g. resolving a device name); undefined when none is needed. */
  prepare?: (item: T, index: number) => Promise<void> | undefined;
  /**
   * Called exactly once for every item read from the input, when its outcome
   * is known: no error (the kernel confirmed it) or the item's error. Also
   * when runBulk ends with a throw: it first waits for what it sent.
   */
  settled?: (index: number, item: T, error: Error | undefined) => void;
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

/** Encodes one item into the writer (beginMessage...endMessage); may throw ValidationError. */
export type BulkEncoder<T> = (w: NetlinkWriter, item: T) => void;

interface Batch<T> {
  base: number;
  items: T[];
  indexes: number[];
  /** Seq offsets that failed, with their errors. */
  errors: Map<number, Error>;
  acks: number;
  /** 1 where the kernel's reply for the item arrived. */
  answered: Uint8Array;
  done: boolean;
  sink: RangeSink | undefined;
  resolve: () => void;
}

export async function runBulk<T>(
  sock: NetlinkSocket,
  items: Iterable<T> | AsyncIterable<T>,
  encode: BulkEncoder<T>,
  describe: (item: T) => string,
  opts: BulkOptions = {},
  hooks: BulkHooks<T> = {},
): Promise<BulkResult<T>> {
  const { mode, batchBytes, window, onProgress } = bulkOptions(opts);
  const result: BulkResult<T> = { total: 0, ok: 0, failed: [] };
  const pendingFailures: BulkFailure<T>[] = [];
  const inFlight = new Set<Promise<void>>();

  const syncIt = iteratorOf(items);
  const asyncIt = syncIt ? undefined : (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  let exhausted = false;
  /** What stopped the run early (the input threw, a callback threw): rethrown once everything sent is settled. */
  let abort: { error: unknown } | undefined;

  const fail = (index: number, item: T, error: Error): void => {
    pendingFailures.push({ index, item, error });
    hooks.settled?.(index, item, error);
  };

  const settle = (b: Batch<T>): void => {
    for (let i = 0; i < b.items.length; i++) {
      const e = b.errors.get(i);
      if (e) fail(b.indexes[i]!, b.items[i]!, e);
      else {
        result.ok++;
        hooks.settled?.(b.indexes[i]!, b.items[i]!, undefined);
      }
    }
    // A throwing progress callback ends the run, but never inside the socket's receive path.
    if (onProgress && !abort) {
      try {
        onProgress(result.ok, pendingFailures.length);
      } catch (e) {
        abort = { error: e };
      }
    }
  };

  let w = new NetlinkWriter(batchBytes + 4096);
  while (!exhausted && !abort) {
    // Fill one batch.
    w.reset();
    const items: T[] = [];
    const indexes: number[] = [];
    const starts: number[] = [];
    while (w.pos < batchBytes && !abort) {
      // A synchronous input is read without a promise per item (the hot path).
      let n: IteratorResult<T>;
      try {
        n = syncIt ? syncIt.next() : await asyncIt!.next();
      } catch (e) {
        abort = { error: e };
        break;
      }
      if (n.done) {
        exhausted = true;
        break;
      }
      const index = result.total++;
      const start = w.pos;
      try {
        hooks.check?.(n.value);
        const ready = hooks.prepare?.(n.value, index);
        if (ready) await ready;
        encode(w, n.value);
      } catch (e) {
        w.pos = start;
        if (e instanceof NetnestError) {
          fail(index, n.value, e);
          continue;
        }
        // Not a refusal of the item: a bug or a failing hook. Nothing more is read.
        fail(index, n.value, e instanceof Error ? e : new Error(String(e)));
        abort = { error: e };
        break;
      }
      items.push(n.value);
      indexes.push(index);
      starts.push(start);
    }
    if (items.length === 0) continue;
    while (inFlight.size >= window) await Promise.race(inFlight);

    const bytes = w.toBuffer();
    w = new NetlinkWriter(batchBytes + 4096);
    const batch: Batch<T> = {
      base: 0, items, indexes, errors: new Map(), acks: 0, answered: new Uint8Array(items.length), done: false, sink: undefined, resolve: () => {},
    };
    const p = new Promise<void>((resolve) => { batch.resolve = resolve; });
    const finish = (): void => {
      if (batch.done) return;
      batch.done = true;
      if (batch.sink) sock.detachSink(batch.sink);
      settle(batch);
      batch.resolve();
    };
    const last = items.length - 1;
    if (sock.isClosed) {
      // Nothing of this batch was sent, and nothing more can be: the run ends with the error.
      for (let i = 0; i < items.length; i++) batch.errors.set(i, new SocketClosedError(describe(items[i]!), false));
      finish();
      abort = { error: new SocketClosedError() };
      break;
    }
    batch.sink = sock.attachSink(items.length, (base) => ({
      base,
      count: items.length,
      onReply(seq: number, r: MessageReader): void {
        if (r.type !== NLMSG_ERROR || batch.done) return;
        const i = (seq - base) >>> 0;
        const e = decodeError(r.buf, r.off, r.end, r.flags);
        if (e.errno !== 0) {
          const item = items[i]!;
          batch.errors.set(i, itemError(e, item, encode, describe));
        }
        batch.answered[i] = 1;
        batch.acks++;
        if (mode === 'barrier' ? i === last : batch.acks === items.length) {
          // In 'barrier' mode silence means success, so a drop since this batch
          // was sent may have been one of its errors: its unanswered items are
          // then reported as unknown, never as done.
          if (mode === 'barrier' && sock.droppedCount() !== dropsAtSend) {
            batch.sink!.onFailure(new OverrunError('receive buffer overrun: the kernel dropped replies; the outcome of this item is unknown'));
          } else {
            finish();
          }
        }
      },
      onFailure(err: Error): void {
        if (batch.done) return;
        // Items already answered keep their answers (in 'barrier' mode only
        // errors are answers); the others' outcome is unknown.
        for (let i = 0; i < items.length; i++) {
          if (!batch.answered[i]) batch.errors.set(i, err instanceof SocketClosedError ? new SocketClosedError(describe(items[i]!), err.outcomeUnknown) : err);
        }
        finish();
      },
    }));
    const base = batch.sink.base;
    const dropsAtSend = mode === 'barrier' ? sock.droppedCount() : 0;
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i]!;
      bytes.writeUInt32LE((base + i) >>> 0, at + 8);
      const flags = bytes.readUInt16LE(at + 6) | NLM_F_REQUEST | (mode === 'each' || i === last ? NLM_F_ACK : 0);
      bytes.writeUInt16LE(flags, at + 6);
    }
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
    sock.sendRaw(bytes, items.length, (err) => {
      if (err) batch.sink?.onFailure(err);
    });
  }
  await Promise.all(inFlight);
  if (abort) {
    // The input is left where it stopped; its iterator is told so.
    try {
      if (syncIt) syncIt.return?.();
      else await asyncIt!.return?.();
    } catch { /* the input's own cleanup failed: the first error wins */ }
    throw abort.error;
  }
  pendingFailures.sort((a, b) => a.index - b.index);
  result.failed = pendingFailures;
  return result;
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
function itemError<T>(e: ReturnType<typeof decodeError>, item: T, encode: BulkEncoder<T>, describe: (item: T) => string): Error {
  const w = new NetlinkWriter(256);
  if (e.extackOffset !== undefined || e.missingNestOffset !== undefined) {
    // Failures are rare: re-encode the item alone to learn where its fields went.
    try {
      encode(w, item);
    } catch { /* it encoded when it was sent; the marks written so far are what we have */ }
  }
  return requestError({ bytes: w.bytes(), describe: describe(item), marks: w.marks }, e);
}
