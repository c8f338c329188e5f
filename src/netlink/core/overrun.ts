// Overrun watching. An overrun must not reach the `netlink` package as a
// socket error (its poll handler aborts the process on POLLERR), so the
// socket is opened with NETLINK_NO_ENOBUFS: the kernel then drops replies
// silently when the receive buffer is full and only counts them (SO_MEMINFO).
// While anything is in flight that count is read every 20 ms. When it moves,
// everything then in flight becomes a suspect; once the kernel's queue has
// been read empty, the suspects still without a reply fail with
// OverrunError — theirs was the reply lost. The others got their real ones.
import { SOL_SOCKET } from './constants.js';
import type { Dispatcher, InFlight } from './dispatch.js';
import { OverrunError } from './errors.js';
import { getsockoptBytes } from './libc.js';

const SO_MEMINFO = 55;
const SK_MEMINFO_RMEM_ALLOC = 0;
const SK_MEMINFO_DROPS = 8;
/** How long suspects wait for the receive queue to drain before they fail anyway. */
export const SUSPECT_WAIT_MS = 1000;
/** How often drops are checked while requests are in flight. */
const DROP_CHECK_MS = 20;

export class OverrunWatch {
  /** The kernel's drop counter when last read. */
  private drops = 0;
  /** What was in flight when the kernel last dropped replies: one of them lost its reply. */
  private suspects: Set<InFlight> | undefined;
  private suspectSince = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The socket is closing: the counter is not read any more. */
  private closing = false;

  /**
   * @param fd the socket's (undefined for an injected raw socket: nothing to watch)
   * @param report told of every overrun seen
   */
  constructor(
    private readonly fd: number | undefined,
    private readonly dispatch: Dispatcher,
    private readonly report: (err: OverrunError) => void,
  ) {}

  /** Checks on a timer while `on` (while anything is in flight). */
  watch(on: boolean): void {
    if (on && this.fd !== undefined && !this.timer && !this.closing) {
      this.timer = setInterval(() => this.check(), DROP_CHECK_MS);
      this.timer.unref();
    } else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The socket closes: stop reading the counter. */
  close(): void {
    this.closing = true;
    this.watch(false);
  }

  /** Replies the kernel dropped so far because the receive buffer was full. */
  dropped(): number {
    return this.meminfo()?.readUInt32LE(4 * SK_MEMINFO_DROPS) ?? this.drops;
  }

  /** Everything the kernel queued for the socket has been read (true when that cannot be known). */
  receiveQueueEmpty(): boolean {
    if (this.fd === undefined) return true;
    return getsockoptBytes(this.fd, SOL_SOCKET, SO_MEMINFO, 4 * 9).readUInt32LE(4 * SK_MEMINFO_RMEM_ALLOC) === 0;
  }

  /**
   * Looks at the drop counter: new drops make suspects of what is in flight,
   * and suspects fail once the receive queue is empty (or after
   * SUSPECT_WAIT_MS). Returns true when new drops were seen.
   */
  check(): boolean {
    const info = this.meminfo();
    if (!info) return false;
    const now = info.readUInt32LE(4 * SK_MEMINFO_DROPS);
    const increased = now !== this.drops;
    if (increased) {
      const dropped = (now - this.drops) >>> 0;
      this.drops = now;
      this.dispatch.stats.overruns++;
      this.suspects ??= new Set();
      for (const s of this.dispatch.inFlight()) this.suspects.add(s);
      this.suspectSince = Date.now();
      this.report(new OverrunError(`receive buffer overrun: the kernel dropped ${dropped} message${dropped === 1 ? '' : 's'}`, undefined, dropped));
    }
    const drained = info.readUInt32LE(4 * SK_MEMINFO_RMEM_ALLOC) === 0;
    if (this.suspects && (drained || Date.now() - this.suspectSince > SUSPECT_WAIT_MS)) {
      const suspects = this.suspects;
      this.suspects = undefined;
      this.dispatch.expire(suspects, 'receive buffer overrun: the kernel dropped the reply; the outcome of this request is unknown');
    }
    return increased;
  }

  private meminfo(): Buffer | undefined {
    if (this.fd === undefined || this.closing) return undefined;
    return getsockoptBytes(this.fd, SOL_SOCKET, SO_MEMINFO, 4 * 9);
  }
}
