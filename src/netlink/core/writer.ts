// One growable buffer for netlink messages: headers, fixed structs and
// attributes. Lengths are patched afterwards instead of concatenating small
// buffers. Every attribute can be tagged with the caller's field name so a
// kernel extended-ACK offset can be mapped back to that field.
import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN, nlmsgAlign } from './constants.js';
import { describeValue, ValidationError } from './errors.js';

/** Where the encoder put one of the caller's fields (offsets within its message). */
export interface FieldMark {
  start: number;
  end: number;
  field: string;
}

/** A nested attribute being written; pass it back to endNested(). */
export interface NestToken {
  start: number;
  mark: FieldMark | undefined;
}

export class NetlinkWriter {
  buf: Buffer;
  pos = 0;
  /** Field marks of the current (last begun) message. */
  marks: FieldMark[] = [];
  private msgStart = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for n more bytes and returns the position they start at. */
  reserve(n: number): number {
    const need = this.pos + n;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos = need;
    return at;
  }

  /** Starts a message; seq and pid are usually patched in by the socket. */
  beginMessage(type: number, flags: number, seq = 0, pid = 0): void {
    this.align();
    this.msgStart = this.pos;
    this.marks = [];
    const at = this.reserve(NLMSG_HDRLEN);
    const b = this.buf;
    b.fill(0, at, at + NLMSG_HDRLEN);
    b[at + 4] = type & 0xff;
    b[at + 5] = type >>> 8;
    b[at + 6] = flags & 0xff;
    b[at + 7] = flags >>> 8;
    if (seq !== 0) b.writeUInt32LE(seq >>> 0, at + 8);
    if (pid !== 0) b.writeUInt32LE(pid >>> 0, at + 12);
  }

  /** Patches the length of the current message and pads it to 4 bytes. */
  endMessage(): void {
    this.buf.writeUInt32LE(this.pos - this.msgStart, this.msgStart);
    this.align();
  }

  /** Start of the current message in the buffer. */
  get messageStart(): number {
    return this.msgStart;
  }

  align(): void {
    const padded = nlmsgAlign(this.pos);
    if (padded !== this.pos) {
      const at = this.reserve(padded - this.pos);
      for (let i = at; i < padded; i++) this.buf[i] = 0;
    }
  }

  // Fixed struct fields (ifinfomsg, ifaddrmsg...), host byte order.
  // reserve() may replace this.buf: always take the position first, then the buffer.
  u8(v: number): void { const at = this.reserve(1); this.buf[at] = v & 0xff; }
  u16(v: number): void {
    const at = this.reserve(2);
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
  }
  u32(v: number): void {
    const at = this.reserve(4);
    const b = this.buf;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = v >>> 24;
  }
  s32(v: number): void { const at = this.reserve(4); this.buf.writeInt32LE(v | 0, at); }
  zeros(n: number): void { const at = this.reserve(n); this.buf.fill(0, at, at + n); }
  raw(data: Uint8Array): void { const at = this.reserve(data.length); this.buf.set(data, at); }

  // Plain byte stores: this is the bulk-encoding hot path, and Buffer's
  // write*LE methods cost a bounds check and a call each.
  private header(type: number, payload: number, field: string | undefined): number {
    const at = this.reserve(NLA_HDRLEN + payload);
    const b = this.buf;
    const len = NLA_HDRLEN + payload;
    b[at] = len & 0xff;
    b[at + 1] = len >>> 8;
    b[at + 2] = type & 0xff;
    b[at + 3] = type >>> 8;
    if (field !== undefined) {
      this.marks.push({ start: at - this.msgStart, end: at + NLA_HDRLEN + payload - this.msgStart, field });
    }
    return at + NLA_HDRLEN;
  }

  private done(): void { this.align(); }

  attrU8(type: number, v: number, field?: string): void {
    const at = this.header(type, 1, field);
    this.buf[at] = v & 0xff;
    this.done();
  }
  attrU16(type: number, v: number, field?: string): void {
    const at = this.header(type, 2, field);
    this.buf.writeUInt16LE(v & 0xffff, at);
    this.done();
  }
  attrU16be(type: number, v: number, field?: string): void {
    const at = this.header(type, 2, field);
    this.buf.writeUInt16BE(v & 0xffff, at);
    this.done();
  }
  attrU32(type: number, v: number, field?: string): void {
    const at = this.header(type, 4, field);
    const b = this.buf;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = v >>> 24;
  }
  attrS32(type: number, v: number, field?: string): void {
    const at = this.header(type, 4, field);
    this.buf.writeInt32LE(v | 0, at);
  }
  attrU32be(type: number, v: number, field?: string): void {
    const at = this.header(type, 4, field);
    this.buf.writeUInt32BE(v >>> 0, at);
  }
  attrU64(type: number, v: bigint | number, field?: string): void {
    const at = this.header(type, 8, field);
    this.buf.writeBigUInt64LE(BigInt(v), at);
  }
  /** NUL-terminated string, as the kernel expects for names and kinds. */
  attrString(type: number, s: string, field?: string): void {
    noNul(s, field);
    const n = Buffer.byteLength(s);
    const at = this.header(type, n + 1, field);
    this.buf.write(s, at, n, 'utf8');
    this.buf[at + n] = 0;
    this.done();
  }
  /** A string without the NUL; iproute2 sends kinds and aliases this way (NLA_STRING takes both). */
  attrStringNoNul(type: number, s: string, field?: string): void {
    noNul(s, field);
    const n = Buffer.byteLength(s);
    const at = this.header(type, n, field);
    this.buf.write(s, at, n, 'utf8');
    this.done();
  }
  attrBytes(type: number, data: Uint8Array, field?: string): void {
    const at = this.header(type, data.length, field);
    const b = this.buf;
    if (data.length <= 16) for (let i = 0; i < data.length; i++) b[at + i] = data[i]!;
    else b.set(data, at);
    this.done();
  }
  attrFlag(type: number, field?: string): void {
    this.header(type, 0, field);
  }

  /** iproute2 leaves NLA_F_NESTED off for rtnetlink nests; the kernel accepts both. */
  beginNested(type: number, field?: string, nestedFlag = false): NestToken {
    const start = this.pos;
    this.header(nestedFlag ? type | NLA_F_NESTED : type, 0, undefined);
    const mark = field === undefined ? undefined : { start: start - this.msgStart, end: 0, field };
    if (mark) this.marks.push(mark);
    return { start, mark };
  }

  endNested(t: NestToken): void {
    this.align();
    this.buf.writeUInt16LE(this.pos - t.start, t.start);
    if (t.mark) t.mark.end = this.pos - this.msgStart;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far as a buffer of their own. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  reset(): void {
    this.pos = 0;
    this.msgStart = 0;
    this.marks = [];
  }
}

/**
 * The last guard for strings (specs are checked before they reach an
 * encoder): the kernel would read 'ab\0cd' as 'ab'.
 */
function noNul(s: string, field: string | undefined): void {
  if (typeof s !== 'string' || s.includes('\0')) throw new ValidationError(`expected a string without NUL characters, got ${describeValue(s)}`, field);
}

/** The innermost field whose attribute contains the byte at offset. */
export function fieldAt(marks: readonly FieldMark[], offset: number): string | undefined {
  let best: FieldMark | undefined;
  for (const m of marks) {
    if (offset >= m.start && offset < m.end && (!best || m.end - m.start <= best.end - best.start)) best = m;
  }
  return best?.field;
}
