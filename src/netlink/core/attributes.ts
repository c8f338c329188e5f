// Zero-copy attribute reader: a cursor over a byte range. next() moves to
// the following attribute; accessors read its payload in place. Every bound
// is checked, so bad input raises DecodeError, never RangeError, and the
// fixed-size accessors are strict: a u32 read from an attribute of 8 bytes is
// a DecodeError naming the attribute (and the nests it sits in), never a
// silent read of its first four.
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { DecodeError } from './errors.js';

/** An attribute netnest does not interpret, kept so nothing is lost. */
export interface RawAttribute {
  type: number;
  nested?: boolean;
  /** Payload bytes (a view into the received datagram). */
  data: Buffer;
}

/** Names of attribute types, for errors: IFLA_MTU for 4 at the top of a link message. */
export type AttrNames = Readonly<Record<number, string>>;

export class AttrReader {
  /** Attribute type without the NESTED / NET_BYTEORDER bits. */
  type = 0;
  /** True when the kernel set NLA_F_NESTED. */
  nestedFlag = false;
  /** Payload position and length in buf. */
  off = 0;
  len = 0;
  private pos: number;
  /** The reader of the enclosing attribute, and that attribute's type (for errors). */
  private parent: AttrReader | undefined;
  private nestType = 0;

  /** `names`: this level's attribute names, used in errors. */
  constructor(readonly buf: Buffer, start: number, readonly end: number, private readonly names?: AttrNames) {
    if (start < 0 || end > buf.length || start > end) throw new DecodeError('attribute range outside the buffer', start);
    this.pos = start;
  }

  static of(buf: Buffer): AttrReader {
    return new AttrReader(buf, 0, buf.length);
  }

  next(): boolean {
    const rem = this.end - this.pos;
    if (rem === 0) return false;
    if (rem < NLA_HDRLEN) throw new DecodeError(`${rem} trailing bytes after the last attribute`, this.pos);
    const nlaLen = this.buf.readUInt16LE(this.pos);
    const rawType = this.buf.readUInt16LE(this.pos + 2);
    if (nlaLen < NLA_HDRLEN || nlaLen > rem) {
      throw new DecodeError(`${this.describe(rawType & NLA_TYPE_MASK)} has length ${nlaLen}, ${rem} bytes left`, this.pos);
    }
    this.type = rawType & NLA_TYPE_MASK;
    this.nestedFlag = (rawType & NLA_F_NESTED) !== 0;
    this.off = this.pos + NLA_HDRLEN;
    this.len = nlaLen - NLA_HDRLEN;
    this.pos = Math.min((this.pos + nlaLen + 3) & ~3, this.end);
    return true;
  }

  /** A fixed-size read: the payload must be exactly `n` bytes (`what`: "u32", "an IPv4 address"). */
  exactly(n: number, what: string): void {
    if (this.len !== n) throw new DecodeError(`${this.describe()}: ${what} needs exactly ${n} bytes, has ${this.len}`, this.off);
  }

  /**
   * How errors name an attribute of this reader: "attribute IFLA_MTU (4)" or
   * "attribute 4", with the nests it sits in: "attribute 7 in nest 18 > 2".
   */
  describe(type = this.type): string {
    let where = '';
    for (let r: AttrReader | undefined = this; r?.parent; r = r.parent) {
      where = ` > ${r.parent.nameOf(r.nestType)}${where}`;
    }
    return `attribute ${this.nameOf(type)}${where ? ` in nest ${where.slice(3)}` : ''}`;
  }

  private nameOf(type: number): string {
    const name = this.names?.[type];
    return name === undefined ? String(type) : `${name} (${type})`;
  }

  u8(): number { this.exactly(1, 'u8'); return this.buf[this.off]!; }
  u16(): number { this.exactly(2, 'u16'); return this.buf.readUInt16LE(this.off); }
  u16be(): number { this.exactly(2, 'u16'); return this.buf.readUInt16BE(this.off); }
  u32(): number { this.exactly(4, 'u32'); return this.buf.readUInt32LE(this.off); }
  s32(): number { this.exactly(4, 's32'); return this.buf.readInt32LE(this.off); }
  u32be(): number { this.exactly(4, 'u32'); return this.buf.readUInt32BE(this.off); }
  u64(): bigint { this.exactly(8, 'u64'); return this.buf.readBigUInt64LE(this.off); }
  u64be(): bigint { this.exactly(8, 'u64'); return this.buf.readBigUInt64BE(this.off); }
  /** A u64 as a number when it fits exactly (counters, lifetimes). */
  u64n(): number {
    this.exactly(8, 'u64');
    const lo = this.buf.readUInt32LE(this.off);
    const hi = this.buf.readUInt32LE(this.off + 4);
    return hi * 0x100000000 + lo;
  }

  /**
   * A string attribute; the kernel NUL-terminates, a missing NUL is accepted.
   * The NUL is looked for inside the attribute only: a search running on to
   * the end of the datagram would make many NUL-less strings quadratic.
   */
  string(): string {
    const b = this.buf;
    const end = this.off + this.len;
    let e = this.off;
    while (e < end && b[e] !== 0) e++;
    return b.toString('utf8', this.off, e);
  }

  /** The payload as a view (no copy). */
  bytes(): Buffer { return this.buf.subarray(this.off, this.off + this.len); }

  /** The payload as a copy, for values kept after the datagram is released. */
  copy(): Buffer { return Buffer.from(this.bytes()); }

  /**
   * Checks that a struct attribute (rta_cacheinfo, rtnl_link_stats64...)
   * holds at least the `n` bytes read from it: structs grow in newer kernels,
   * so more is fine, less is a DecodeError naming the attribute.
   */
  struct(n: number, what: string): void {
    if (this.len < n) throw new DecodeError(`${this.describe()}: ${what} needs at least ${n} bytes, has ${this.len}`, this.off);
  }

  /** A flag attribute: present, with no payload. */
  flag(): true { this.exactly(0, 'flag'); return true; }

  /** A reader over this attribute's payload; `names` names the nest's attributes in errors. */
  nested(names?: AttrNames): AttrReader {
    const r = new AttrReader(this.buf, this.off, this.off + this.len, names);
    r.parent = this;
    r.nestType = this.type;
    return r;
  }

  /**
   * The attribute as kept for unknown types: a view, not a copy (decoding
   * must not copy payloads nobody asked for); copy it to keep it long.
   */
  raw(): RawAttribute {
    const a: RawAttribute = { type: this.type, data: this.bytes() };
    if (this.nestedFlag) a.nested = true;
    return a;
  }
}
