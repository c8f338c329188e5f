// The seam dumps are pulled through: send one request, receive one datagram
// without waiting, wait a little. The kernel produces the next part of a dump
// only inside recvmsg(), so a socket read on demand gives real backpressure
// (pull.ts). The `netlink` package's socket reads eagerly, so dumps run on a
// second socket beside it, opened here and read through koffi; unit tests
// hand pull.ts a fake channel instead (RawSocket.openDumpChannel).
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
   */
  receive(): Buffer | number;
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
  return {
    send: (bytes) => (send(fd, bytes, bytes.length, 0) < 0 ? lastErrno() : 0),
    receive: () => {
      // A part lives as long as a message of it is kept (messages are views): a buffer per part.
      const buf = spare ?? Buffer.allocUnsafe(PART_BYTES);
      const n = recv(fd, buf, PART_BYTES, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0 || n > PART_BYTES) {
        spare = buf;
        return n < 0 ? lastErrno() : EMSGSIZE;
      }
      spare = undefined;
      return buf.subarray(0, n);
    },
    // The kernel queues the next part inside recvmsg, so an empty queue is rare: yield, then back off.
    wait: (attempt) => new Promise<void>((res) => (attempt < 8 ? setImmediate(res) : setTimeout(res, 1))),
    close: () => {
      if (closed) return;
      closed = true;
      close(fd);
    },
  };
}
