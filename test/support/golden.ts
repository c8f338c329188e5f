// Golden rtnetlink conversations captured from iproute2 (test/fixtures/golden,
// see its README.md): loading them, and splitting datagrams into messages
// without the library's own reader, so a bug there cannot hide itself.
import { readdirSync, readFileSync } from 'node:fs';

export type Direction = 'send' | 'recv';

export interface Exchange {
  dir: Direction;
  /** One whole datagram, as the syscall saw it. */
  bytes: Buffer;
}

export interface Golden {
  name: string;
  setup: string[];
  /** The `ip` command whose traffic was captured. */
  command: string;
  kernel: string;
  iproute2: string;
  exchanges: Exchange[];
  /** Every message ip sent, in order (datagrams split). */
  sent: Buffer[];
  /** Every message the kernel answered, in order. */
  received: Buffer[];
}

// Compiled into <outDir>/test/support/, so the repository root is three levels up.
const fixtureDir = new URL('../../../test/fixtures/golden/', import.meta.url);

export function goldenNames(): string[] {
  return readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadGolden(name: string): Golden {
  const raw = JSON.parse(readFileSync(new URL(`${name}.json`, fixtureDir), 'utf8')) as {
    name: string; setup: string[]; command: string; kernel: string; iproute2: string;
    exchanges: { dir: Direction; hex: string }[];
  };
  const exchanges = raw.exchanges.map((e) => ({ dir: e.dir, bytes: Buffer.from(e.hex, 'hex') }));
  const messages = (dir: Direction): Buffer[] => exchanges.filter((e) => e.dir === dir).flatMap((e) => splitMessages(e.bytes));
  return { ...raw, exchanges, sent: messages('send'), received: messages('recv') };
}

/**
 * The messages of one datagram (views). Like the kernel's netlink_rcv_skb it
 * stops at a header whose nlmsg_len is below 16: iproute2's GETADDR dump
 * request is followed by 128 zero bytes.
 */
export function splitMessages(datagram: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (datagram.length - pos >= 16) {
    const len = datagram.readUInt32LE(pos);
    if (len < 16) break;
    if (pos + len > datagram.length) throw new Error(`message at ${pos} claims ${len} bytes, ${datagram.length - pos} left`);
    out.push(datagram.subarray(pos, pos + len));
    pos += (len + 3) & ~3;
  }
  return out;
}

export const typeOf = (msg: Buffer): number => msg.readUInt16LE(4);
export const flagsOf = (msg: Buffer): number => msg.readUInt16LE(6);
export const seqOf = (msg: Buffer): number => msg.readUInt32LE(8);

/** A copy with nlmsg_seq and nlmsg_pid zeroed: they differ from run to run and from client to client. */
export function withoutSeqPid(msg: Buffer): Buffer {
  const b = Buffer.from(msg);
  b.fill(0, 8, 16);
  return b;
}

/** A copy with another nlmsg_seq (to replay a captured kernel reply to a request of ours). */
export function withSeq(msg: Buffer, seq: number): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt32LE(seq >>> 0, 8);
  return b;
}

/** A copy with other nlmsg_flags. */
export function withFlags(msg: Buffer, flags: number): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt16LE(flags, 6);
  return b;
}

/** A copy of a datagram with every message's nlmsg_seq replaced (to replay a captured dump to our socket). */
export function datagramWithSeq(datagram: Buffer, seq: number): Buffer {
  const b = Buffer.from(datagram);
  let pos = 0;
  while (b.length - pos >= 16) {
    const len = b.readUInt32LE(pos);
    if (len < 16) break;
    b.writeUInt32LE(seq >>> 0, pos + 8);
    pos += (len + 3) & ~3;
  }
  return b;
}

/** The datagrams the kernel sent after ip's n-th send (0-based), up to ip's next send. */
export function answersTo(g: Golden, n: number): Buffer[] {
  let sends = -1;
  const out: Buffer[] = [];
  for (const e of g.exchanges) {
    if (e.dir === 'send') {
      sends++;
      if (sends > n) break;
    } else if (sends === n) {
      out.push(e.bytes);
    }
  }
  return out;
}
