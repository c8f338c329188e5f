// A fake of the `netlink` package's RawNetlinkSocket, to test the transport
// without a kernel: it records every sendmsg, lets a test play the kernel
// (datagrams from port 0, socket errors as the package emits them) and
// tracks ref/unref/close. It also opens the channel dumps are pulled through
// (FakeDumpChannel): the same production code reads dumps from it as from
// the kernel's socket. Like the kernel, the fake answers a request on the
// socket that sent it. Below it, builders for kernel replies.
import { EventEmitter } from 'node:events';
import {
  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS,
} from '../../src/netlink/core/constants.js';
import { EAGAIN, ENOBUFS, type DumpChannel } from '../../src/netlink/core/dump-channel.js';
import { NetlinkSocket, type RawSocket, type Request, type SocketOptions } from '../../src/netlink/core/socket.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { expect } from 'chai';
import { NetlinkError } from '../../src/netlink/core/errors.js';
import { decodeError } from '../../src/netlink/core/message.js';
import { flagsOf, seqOf, splitMessages, typeOf, withSeq, type Golden } from './golden.js';

/** The error object the `netlink` package emits: binding.cc's ErrnoException (errno positive, code its name). */
export interface ErrnoException extends Error {
  errno: number;
  code: string;
  syscall: string;
}

export function errnoException(code: string, errno: number, syscall: string, message: string): ErrnoException {
  const e = new Error(message) as ErrnoException;
  e.name = 'ErrnoException';
  e.errno = errno;
  e.code = code;
  e.syscall = syscall;
  return e;
}

const EBADF = 9;

export class FakeRawSocket extends EventEmitter implements RawSocket {
  /** One entry per sendmsg, on either socket: copies of the messages of that call, as the kernel would see them. */
  readonly sendCalls: Buffer[][] = [];
  /** The package refs a new socket; NetlinkSocket is expected to unref it at once. */
  referenced = true;
  readonly refLog: ('ref' | 'unref')[] = [];
  closeCalls = 0;
  readonly groups = new Set<number>();
  /** Fails the next sendmsg with this error (given to its callback, as the package does). */
  nextSendError: Error | undefined;
  /** Plays the kernel: called after each sendmsg with its messages. */
  onSend: ((msgs: Buffer[]) => void) | undefined;
  /** The dump channels opened on this socket, in order. */
  readonly dumpChannels: FakeDumpChannel[] = [];
  /** Which dump channel sent the request with this seq: its answers go there. */
  private readonly dumpSeqs = new Map<number, FakeDumpChannel>();

  constructor(readonly port = 4321) {
    super();
  }

  send(msg: Uint8Array | Uint8Array[], _options: { port?: number } | undefined, cb: (err?: Error) => void): void {
    if (this.closeCalls > 0) throw new Error('send on a closed raw socket');
    const err = this.record(msg);
    queueMicrotask(() => cb(err));
  }

  openDumpChannel(): DumpChannel {
    const channel = new FakeDumpChannel(this);
    this.dumpChannels.push(channel);
    return channel;
  }

  /** A sendmsg of the dump channel: recorded with the others; its answers go back to that channel. */
  sendFromDump(channel: FakeDumpChannel, bytes: Buffer): Error | undefined {
    for (const m of splitMessages(Buffer.from(bytes))) this.dumpSeqs.set(seqOf(m), channel);
    return this.record(bytes);
  }

  address(): { port: number } {
    return { port: this.port };
  }

  close(): void {
    this.closeCalls++;
  }

  ref(): void {
    this.referenced = true;
    this.refLog.push('ref');
  }

  unref(): void {
    this.referenced = false;
    this.refLog.push('unref');
  }

  addMembership(group: number): void {
    this.groups.add(group);
  }

  dropMembership(group: number): void {
    this.groups.delete(group);
  }

  /** Every message sent so far, in order. */
  get sent(): Buffer[] {
    return this.sendCalls.flat();
  }

  /** The last message sent. */
  get last(): Buffer {
    const all = this.sent;
    if (all.length === 0) throw new Error('nothing was sent');
    return all[all.length - 1]!;
  }

  /**
   * One datagram from the kernel holding these messages (each padded to 4
   * bytes), to the socket that sent the request of the first one's seq.
   */
  deliver(...messages: Buffer[]): void {
    const data = datagram(...messages);
    const channel = data.length >= 16 ? this.dumpSeqs.get(seqOf(data)) : undefined;
    if (channel) channel.queue(data);
    else this.deliverFrom(0, data);
  }

  deliverFrom(port: number, data: Buffer): void {
    this.emit('message', data, { port, groups: 0 });
  }

  /**
   * The receive buffers overflowed: the package emits what recvmsg failed
   * with (ENOBUFS), and so does the receive a dump waits for.
   */
  overrun(): void {
    for (const c of this.dumpChannels) c.interrupt(ENOBUFS);
    this.emit('error', errnoException('ENOBUFS', 105, 'recvmsg', 'Error when receiving Netlink message: No buffer space available'));
  }

  private record(msg: Uint8Array | Uint8Array[]): Error | undefined {
    const parts = Array.isArray(msg) ? msg : [msg];
    const copies = parts.flatMap((p) => splitMessages(Buffer.from(p)));
    this.sendCalls.push(copies);
    const err = this.nextSendError;
    this.nextSendError = undefined;
    // The kernel handles the request at once but the reply is read on a later turn of the loop.
    if (this.onSend) setImmediate(() => this.onSend?.(copies));
    return err;
  }
}

/**
 * The fake kernel's side of a dump channel: datagrams delivered to it wait
 * in an inbox until pull.ts receives them, one per receive().
 */
export class FakeDumpChannel implements DumpChannel {
  /** Datagrams delivered and not received yet. */
  readonly inbox: Buffer[] = [];
  /** Datagrams received so far: how many parts the consumer has pulled. */
  reads = 0;
  closed = false;
  private errno = 0;
  private wakers: (() => void)[] = [];

  constructor(private readonly kernel: FakeRawSocket) {}

  send(bytes: Buffer): number {
    if (this.closed) return EBADF;
    const err = this.kernel.sendFromDump(this, bytes) as (Error & { errno?: number }) | undefined;
    return err ? Math.abs(err.errno ?? 5) : 0;
  }

  receive(): Buffer | number {
    if (this.closed) return EBADF;
    if (this.errno) {
      const e = this.errno;
      this.errno = 0;
      return e;
    }
    const d = this.inbox.shift();
    if (!d) return EAGAIN;
    this.reads++;
    return d;
  }

  wait(): Promise<void> {
    if (this.inbox.length > 0 || this.errno || this.closed) return Promise.resolve();
    return new Promise((resolve) => { this.wakers.push(resolve); });
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  queue(data: Buffer): void {
    this.inbox.push(data);
    this.wake();
  }

  /** A dump waiting for its next part: its next receive fails with this errno. */
  interrupt(errno: number): void {
    if (this.wakers.length === 0) return;
    this.errno = errno;
    this.wake();
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }
}

/** A NetlinkSocket over a fresh fake. */
export function openFake(opts: Omit<SocketOptions, 'raw'> = {}): { sock: NetlinkSocket; raw: FakeRawSocket } {
  const raw = new FakeRawSocket();
  return { sock: NetlinkSocket.open({ ...opts, raw }), raw };
}

/** Lets queued microtasks (the socket's flush) and I/O callbacks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The bytes netnest puts on the wire for a request (flags and seq as the socket sets them). */
export async function wireBytes(req: Request, mode: 'request' | 'dump'): Promise<Buffer> {
  const { sock, raw } = openFake();
  const req2 = { ...req, bytes: Buffer.from(req.bytes) };
  const pending = mode === 'request' ? sock.request(req2) : sock.dump(req2).next();
  pending.catch(() => undefined);
  await tick();
  sock.close();
  if (raw.sent.length !== 1) throw new Error(`expected one message on the wire, got ${raw.sent.length}`);
  return raw.sent[0]!;
}

// ------------------------------------------------------- kernel-side builders

export function datagram(...messages: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of messages) {
    parts.push(m);
    const pad = ((m.length + 3) & ~3) - m.length;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  return Buffer.concat(parts);
}

/** One netlink message with this payload. */
export function message(type: number, flags: number, seq: number, payload: Uint8Array = Buffer.alloc(0), pid = 0): Buffer {
  const b = Buffer.alloc(16 + payload.length);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(pid >>> 0, 12);
  b.set(payload, 16);
  return b;
}

export interface ErrorReplyOptions {
  /** Extended-ACK message (NLMSGERR_ATTR_MSG). */
  msg?: string;
  /** Offset of the bad attribute from the start of the request (NLMSGERR_ATTR_OFFS). */
  offset?: number;
  missingType?: number;
  missingNest?: number;
  /** Echo only the request header (NETLINK_CAP_ACK, which netnest sets). Default true. */
  capped?: boolean;
}

/** NLMSG_ERROR answering `request` (its seq is taken from it); errno 0 is an ACK. */
export function errorReply(request: Buffer, errno: number, o: ErrorReplyOptions = {}): Buffer {
  const capped = o.capped ?? true;
  const reqLen = request.readUInt32LE(0);
  const w = new NetlinkWriter();
  let flags = capped ? NLM_F_CAPPED : 0;
  const tlvs = o.msg !== undefined || o.offset !== undefined || o.missingType !== undefined || o.missingNest !== undefined;
  if (tlvs) flags |= NLM_F_ACK_TLVS;
  w.beginMessage(NLMSG_ERROR, flags, request.readUInt32LE(8), request.readUInt32LE(12));
  w.s32(-errno);
  w.raw(capped ? request.subarray(0, 16) : request.subarray(0, reqLen));
  w.align();
  if (o.msg !== undefined) w.attrString(NLMSGERR_ATTR_MSG, o.msg);
  if (o.offset !== undefined) w.attrU32(NLMSGERR_ATTR_OFFS, o.offset);
  if (o.missingType !== undefined) w.attrU32(NLMSGERR_ATTR_MISS_TYPE, o.missingType);
  if (o.missingNest !== undefined) w.attrU32(NLMSGERR_ATTR_MISS_NEST, o.missingNest);
  w.endMessage();
  return w.toBuffer();
}

export function ack(request: Buffer): Buffer {
  return errorReply(request, 0);
}

/** NLMSG_DONE ending a dump (an int 0 payload, as the kernel sends). */
export function done(seq: number, flags = NLM_F_MULTI): Buffer {
  return message(NLMSG_DONE, flags, seq, Buffer.alloc(4));
}

/** A minimal RTM_NEWLINK as the kernel sends it: ifinfomsg, IFLA_IFNAME, IFLA_MTU. */
export function linkMessage(seq: number, index: number, name: string, flags = 0, opts: { mtu?: number } = {}): Buffer {
  const w = new NetlinkWriter();
  w.beginMessage(16 /* RTM_NEWLINK */, flags, seq);
  w.u8(0); w.u8(0); w.u16(1); // family, pad, ARPHRD_ETHER
  w.s32(index);
  w.u32(0); w.u32(0);
  w.attrString(3 /* IFLA_IFNAME */, name);
  if (opts.mtu !== undefined) w.attrU32(4 /* IFLA_MTU */, opts.mtu);
  w.endMessage();
  return w.toBuffer();
}

/** Watches a promise so a test can ask whether it has settled yet, without awaiting it. */
export interface Tracked<T> {
  settled: boolean;
  value: T | undefined;
  error: unknown;
  /** Resolves when the promise settles (never rejects). */
  done: Promise<void>;
}

export function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { settled: false, value: undefined, error: undefined, done: Promise.resolve() };
  t.done = p.then(
    (v) => { t.settled = true; t.value = v; },
    (e: unknown) => { t.settled = true; t.error = e; },
  );
  return t;
}

/** Reads a whole dump; rejects as the iterator does. */
export async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const m of it) out.push(m);
  return out;
}

/** Sends req through a socket over a fake, answers it with the captured reply, returns the rejection. */
export async function refusal(req: Request, reply: Buffer): Promise<NetlinkError> {
  const { sock, raw } = openFake();
  const pending = sock.request(req);
  pending.catch(() => undefined);
  await tick();
  raw.deliver(withSeq(reply, seqOf(raw.last)));
  try {
    await pending;
  } catch (err) {
    expect(err).to.be.instanceOf(NetlinkError);
    return err as NetlinkError;
  } finally {
    sock.close();
  }
  throw new Error('the kernel refused, but the request resolved');
}

/** A kernel refusal captured from ip, and what a caller must get for it. */
export interface CapturedRefusal {
  code: string;
  errno: number;
  /** The extended-ACK message, when the kernel sent one. */
  msg?: string;
  /** The whole error message a caller sees. */
  text: string;
}

/**
 * The refusal that ends a capture (its last reply): it decodes as the errno
 * and message, echoes ip's whole request (ip does not set NETLINK_CAP_ACK),
 * and carries no offset. Returns the reply.
 */
export function capturedRefusal(g: Golden, c: CapturedRefusal): Buffer {
  const reply = g.received.at(-1)!;
  const req = g.sent.at(-1)!;
  expect(typeOf(reply)).to.equal(NLMSG_ERROR);
  expect(decodeError(reply, 16, reply.length, flagsOf(reply))).to.deep.equal({
    errno: c.errno, request: { len: req.length, type: typeOf(req), flags: flagsOf(req), seq: seqOf(req), pid: 0 },
    ...(c.msg !== undefined && { extackMessage: c.msg }),
  });
  expect(flagsOf(reply) & (NLM_F_CAPPED | NLM_F_ACK_TLVS)).to.equal(c.msg ? NLM_F_ACK_TLVS : 0);
  return reply;
}

/** The NetlinkError a caller got for a captured refusal. */
export function expectRefusalError(err: unknown, c: CapturedRefusal): void {
  expect(err).to.be.instanceOf(NetlinkError);
  expect(err).to.include({ code: c.code, errno: c.errno, errnoName: c.code, extackMessage: c.msg, extackOffset: undefined, field: undefined });
  expect((err as Error).message).to.equal(c.text);
}
