// The seam dumps are pulled through: send one request, receive one datagram
// without waiting, wait a little. The kernel produces the next part of a dump
// only inside recvmsg(), so a socket read on demand gives real backpressure
// (pull.ts). The `netlink` package's socket reads eagerly, so dumps run on a
// second socket beside it, opened here and read through koffi; unit tests
// hand pull.ts a fake channel instead (RawSocket.openDumpChannel).
//
// One part is read ahead, on one of koffi's worker threads: while the main
// thread decodes part k, the worker's recvmsg copies part k+1 and has the
// kernel build part k+2 — work that would otherwise wait for the decoding.
// Memory stays bounded: never more than one part ahead of the consumer.
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, SOL_NETLINK } from './constants.js';
import { check, inNetns, lastErrno, libcFunction, setsockoptInt } from './libc.js';

/** Errno values the seam reports (positive, as the kernel's). */
export const EAGAIN = 11;
export const EMSGSIZE = 90;
export const ENOBUFS = 105;

export interface DumpChannel {
  /** Sends one request (its flags and seq already set): 0, or the errno sendmsg failed with. */
  send(bytes: Buffer): number;
  /**
   * The next datagram the kernel has queued, or the errno recvmsg failed
   * with: EAGAIN when none is queued yet, EMSGSIZE when one was too large.
   * `readAhead` false: start no read of the next one (a reply, not a dump part).
   */
  receive(readAhead?: boolean): Buffer | number;
  /** No read is running on a worker thread (one ahead of a dump): a reply read now would not be taken by it. */
  idle?(): boolean;
  /** Resolves when receive() is worth calling again; `attempt` counts the EAGAINs of this wait so far. */
  wait(attempt: number): Promise<void>;
  close(): void;
}

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
/** The kernel sizes dump parts to at most 32 KiB unless one object needs more. */
const PART_BYTES = 64 * 1024;

/** A non-blocking netlink socket of our own in the calling thread's namespace, or in the one behind `netns`. */
export function openKernelDumpChannel(protocol: number, netns?: number): DumpChannel {
  const socket = libcFunction('int socket(int, int, int)');
  const open = (): number => check('socket', socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
  const fd = netns === undefined ? open() : inNetns(netns, open);
  const close = libcFunction('int close(int)');
  try {
    const addr = Buffer.alloc(12);
    addr.writeUInt16LE(AF_NETLINK, 0); // nl_pid 0: the kernel picks our port id
    check('bind', libcFunction('int bind(int, const void *, uint32_t)')(fd, addr, 12));
    setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  } catch (e) {
    close(fd);
    throw e;
  }
  const send = libcFunction('long send(int, const void *, unsigned long, int)');
  const recv = libcFunction('long recv(int, _Out_ void *, unsigned long, int)');
  let closed = false;
  /** A buffer no part was read into yet (the last receive found nothing). */
  let spare: Buffer | undefined;
  /** The read ahead on a worker thread, if one was started and not consumed yet. */
  let ahead: { done: boolean; result: Buffer | number; waiters: (() => void)[] } | undefined;
  /** A part read into `buf` (n bytes, or -1), as receive() reports it. */
  const partOf = (buf: Buffer, n: number): Buffer | number => {
    if (n >= 0 && n <= PART_BYTES) return buf.subarray(0, n);
    spare = buf;
    return n < 0 ? lastErrno() : EMSGSIZE;
  };
  const readAhead = (): void => {
    // A part lives as long as a message of it is kept (messages are views): a buffer per part.
    const buf = Buffer.allocUnsafe(PART_BYTES);
    const a: NonNullable<typeof ahead> = { done: false, result: EAGAIN, waiters: [] };
    ahead = a;
    recv.async(fd, buf, PART_BYTES, MSG_DONTWAIT | MSG_TRUNC, (err: unknown, n: number) => {
      a.done = true;
      a.result = err ? EAGAIN : partOf(buf, n);
      for (const w of a.waiters) w();
      if (closed) close(fd); // close() left the fd open for this read
    });
  };
  return {
    send: (bytes) => (send(fd, bytes, bytes.length, 0) < 0 ? lastErrno() : 0),
    idle: () => !ahead || ahead.done,
    receive: (more = true) => {
      if (ahead) {
        if (!ahead.done) return EAGAIN; // wait() resolves when it is
        const { result } = ahead;
        ahead = undefined;
        if (typeof result !== 'number') {
          if (more) readAhead();
          return result;
        }
        if (result !== EAGAIN) return result;
        // Nothing was queued when the worker looked: look again here.
      }
      const buf = spare ?? Buffer.allocUnsafe(PART_BYTES);
      spare = undefined;
      const got = partOf(buf, recv(fd, buf, PART_BYTES, MSG_DONTWAIT | MSG_TRUNC));
      if (typeof got !== 'number' && more) readAhead();
      return got;
    },
    // The kernel queues the next part inside recvmsg, so an empty queue is rare: yield, then back off.
    wait: (attempt) => {
      const a = ahead;
      if (a && !a.done) return new Promise<void>((res) => a.waiters.push(res));
      return new Promise<void>((res) => (attempt < 8 ? setImmediate(res) : setTimeout(res, 1)));
    },
    close: () => {
      if (closed) return;
      closed = true;
      // A read ahead still on its worker thread uses the fd: it closes it when it returns.
      if (!ahead || ahead.done) close(fd);
    },
  };
}
