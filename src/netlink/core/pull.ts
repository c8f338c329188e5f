// Dumps pulled on demand. The kernel produces the next part of a dump only
// inside recvmsg(), so a socket we read ourselves (koffi, non-blocking) gives
// real backpressure: a part is fetched when the consumer asks for it, and a
// dump of a million routes never sits in memory unless the caller keeps it.
// (The `netlink` package's socket reads eagerly; it stays for requests and
// events, where replies must be taken as they come.)
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, SOL_NETLINK } from './constants.js';
import { DumpInterruptedError, SocketClosedError, SyscallError, TimeoutError } from './errors.js';
import { check, inNetns, lastErrno, libcFunction, setsockoptInt } from './libc.js';
import { decodeDone, decodeError, MessageReader } from './message.js';
import { requestError, type Request } from './request.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
/** The kernel sizes dump parts to at most 32 KiB unless one object needs more. */
const CHUNK = 64 * 1024;
/** Give the event loop a turn every this many parts of a long list(). */
const YIELD_EVERY = 16;
/** A dump whose next part does not come within this long has stalled. */
const STALL_MS = 30_000;

export interface PullOptions {
  interrupted?: 'throw' | 'ignore';
}

export class PullSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private closed = false;
  /** Dumps run one at a time (the kernel allows one per socket). */
  private lock: Promise<void> = Promise.resolve();

  private constructor(readonly fd: number) {}

  /** Opens a socket in the calling thread's namespace, or in the one behind `netns`. */
  static open(protocol: number, netns?: number): PullSocket {
    const socket = libcFunction('int socket(int, int, int)');
    const open = (): number => check('socket', socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    const fd = netns === undefined ? open() : inNetns(netns, open);
    try {
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0); // nl_pid 0: the kernel picks our port id
      check('bind', libcFunction('int bind(int, const void *, uint32_t)')(fd, addr, 12));
      setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
      setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    } catch (e) {
      libcFunction('int close(int)')(fd);
      throw e;
    }
    return new PullSocket(fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libcFunction('int close(int)')(this.fd);
  }

  /**
   * Runs one dump, handing each message (a view into its part) to `onMessage`
   * as the parts are pulled. Resolves with whether the kernel marked the dump
   * inconsistent (NLM_F_DUMP_INTR).
   */
  async run(req: Request, onMessage: (msg: Buffer) => boolean | void, signal?: { stop: boolean }): Promise<{ interrupted: boolean }> {
    const release = await this.acquire();
    const seq = this.nextSeq();
    let finished = false;
    try {
      this.send(req, seq);
      let interrupted = false;
      for (let parts = 1; ; parts++) {
        const part = await this.recvPart(req);
        const r = new MessageReader(part);
        while (r.next()) {
          if (r.seq !== seq) continue; // the tail of an abandoned dump
          if (r.flags & NLM_F_DUMP_INTR) interrupted = true;
          if (r.type === NLMSG_DONE) {
            const e = decodeDone(r.buf, r.off, r.end, r.flags);
            finished = true;
            if (e.errno !== 0) throw requestError(req, e);
            return { interrupted };
          }
          if (r.type === NLMSG_ERROR) {
            const e = decodeError(r.buf, r.off, r.end, r.flags);
            finished = true;
            if (e.errno !== 0) throw requestError(req, e);
            return { interrupted };
          }
          if (r.type === NLMSG_NOOP) continue;
          if (onMessage(r.message()) === false || signal?.stop) return { interrupted };
        }
        if (parts % YIELD_EVERY === 0) await new Promise<void>((res) => setImmediate(res));
      }
    } finally {
      try {
        if (!finished && !this.closed) await this.drain(req, seq);
      } finally {
        release();
      }
    }
  }

  /** Streams a dump as an async iterable; each next() pulls at most one more part. */
  stream(req: Request, opts: PullOptions = {}): AsyncIterableIterator<Buffer> {
    const queue: Buffer[] = [];
    let head = 0;
    let state: 'idle' | 'running' | 'done' = 'idle';
    let interrupted = false;
    let release: (() => void) | undefined;
    const seq = { value: 0 };
    const self = this;
    const finishAbandoned = async (): Promise<void> => {
      state = 'done';
      queue.length = 0;
      head = 0;
      if (release) {
        const r = release;
        release = undefined;
        try {
          if (!this.closed) await this.drain(req, seq.value);
        } finally {
          r();
        }
      }
    };
    const it: AsyncIterableIterator<Buffer> = {
      [Symbol.asyncIterator]: () => it,
      async next(): Promise<IteratorResult<Buffer>> {
        if (state === 'idle') {
          release = await self.acquire();
          seq.value = self.nextSeq();
          state = 'running';
          try {
            self.send(req, seq.value);
          } catch (e) {
            state = 'done';
            release();
            release = undefined;
            throw e;
          }
        }
        for (;;) {
          if (head < queue.length) {
            const m = queue[head]!;
            queue[head++] = undefined as unknown as Buffer;
            return { value: m, done: false };
          }
          if (state === 'done') {
            if (interrupted && opts.interrupted !== 'ignore') {
              interrupted = false;
              throw new DumpInterruptedError(req.describe, 1);
            }
            return { value: undefined, done: true };
          }
          queue.length = 0;
          head = 0;
          let part: Buffer;
          try {
            part = await self.recvPart(req);
          } catch (e) {
            await finishAbandoned();
            throw e;
          }
          const r = new MessageReader(part);
          while (r.next()) {
            if (r.seq !== seq.value) continue;
            if (r.flags & NLM_F_DUMP_INTR) interrupted = true;
            if (r.type === NLMSG_DONE || r.type === NLMSG_ERROR) {
              const e = r.type === NLMSG_DONE ? decodeDone(r.buf, r.off, r.end, r.flags) : decodeError(r.buf, r.off, r.end, r.flags);
              state = 'done';
              release?.();
              release = undefined;
              if (e.errno !== 0) {
                queue.length = 0;
                throw requestError(req, e);
              }
              break;
            }
            if (r.type !== NLMSG_NOOP) queue.push(r.message());
          }
        }
      },
      async return(): Promise<IteratorResult<Buffer>> {
        if (state !== 'done') await finishAbandoned();
        return { value: undefined, done: true };
      },
    };
    return it;
  }

  private acquire(): Promise<() => void> {
    if (this.closed) return Promise.reject(new SocketClosedError());
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const before = this.lock;
    this.lock = before.then(() => mine);
    return before.then(() => {
      if (this.closed) {
        release();
        throw new SocketClosedError();
      }
      return release;
    });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private send(req: Request, seq: number): void {
    const bytes = Buffer.from(req.bytes);
    bytes.writeUInt16LE(bytes.readUInt16LE(6) | NLM_F_REQUEST | NLM_F_DUMP, 6);
    bytes.writeUInt32LE(seq, 8);
    const send = libcFunction('long send(int, const void *, unsigned long, int)');
    if (send(this.fd, bytes, bytes.length, 0) < 0) throw new SyscallError('sendmsg', lastErrno(), req.describe);
  }

  /** The next part of the dump; waits (without blocking the event loop) if the kernel has none queued yet. */
  private async recvPart(req: Request): Promise<Buffer> {
    const recv = libcFunction('long recv(int, _Out_ void *, unsigned long, int)');
    const started = Date.now();
    for (let spins = 0; ; spins++) {
      if (this.closed) throw new SocketClosedError(req.describe);
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = recv(this.fd, buf, CHUNK, MSG_DONTWAIT | MSG_TRUNC);
      if (n >= 0) {
        if (n > CHUNK) throw new SyscallError('recvmsg', 90, `${req.describe}: a dump part of ${n} bytes exceeds ${CHUNK}`);
        return buf.subarray(0, n);
      }
      const errno = lastErrno();
      if (errno !== EAGAIN) throw new SyscallError('recvmsg', errno, req.describe);
      if (Date.now() - started > STALL_MS) throw new TimeoutError(req.describe, STALL_MS);
      // The kernel queues the next part inside recvmsg, so this is rare: yield, then back off.
      await new Promise<void>((res) => (spins < 8 ? setImmediate(res) : setTimeout(res, 1)));
    }
  }

  /** Reads and drops what is left of an abandoned dump, so the next one is not refused (EBUSY). */
  private async drain(req: Request, seq: number): Promise<void> {
    for (;;) {
      let part: Buffer;
      try {
        part = await this.recvPart(req);
      } catch {
        return;
      }
      const r = new MessageReader(part);
      while (r.next()) {
        if (r.seq === seq && (r.type === NLMSG_DONE || r.type === NLMSG_ERROR)) return;
      }
    }
  }
}


export { NLM_F_DUMP };
