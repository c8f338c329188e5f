// IP and MAC addresses: user input is validated with `ip-address`; the wire
// formats (4/16 bytes, 6-byte MACs) are read and written here, on the hot path,
// without allocating more than the result.
import { Address4, Address6 } from 'ip-address';
import type { AttrReader } from '../core/attributes.js';
import { ValidationError } from '../core/errors.js';
import { Type, type Static } from '../core/schema.js';
import { AF_INET, AF_INET6 } from './constants.js';
import { describe } from './validate.js';

export { describe };

/** 4 or 6: IPv4 or IPv6. */
export const FamilySchema = Type.Enum([4, 6]);
export type Family = Static<typeof FamilySchema>;

export interface ParsedAddress {
  family: Family;
  bytes: Buffer;
  /** Present when the input had "/len". */
  prefixlen?: number;
}

/** Parses "10.0.0.1", "10.0.0.1/24", "2001:db8::1/64". `field` names the caller's field in errors. */
export function parseAddress(input: unknown, field: string, opts: { prefix?: 'allowed' | 'forbidden' } = {}): ParsedAddress {
  if (typeof input !== 'string' || input.length === 0) {
    throw new ValidationError(`expected an IP address string, got ${describe(input)}`, field);
  }
  const slash = input.indexOf('/');
  const addr = slash === -1 ? input : input.slice(0, slash);
  const lenText = slash === -1 ? undefined : input.slice(slash + 1);
  if (lenText !== undefined && opts.prefix === 'forbidden') {
    throw new ValidationError(`'${input}' has a prefix length; a plain address is expected here`, field);
  }
  // Canonical forms take the fast path (this is the bulk-encoding hot path);
  // anything else goes through ip-address, which validates and explains.
  let bytes = plainAddress(addr);
  let family: Family;
  if (bytes) {
    family = bytes.length === 4 ? 4 : 6;
  } else if (addr.includes(':')) {
    if (!Address6.isValid(addr) || addr.includes('%')) throw new ValidationError(`'${input}' is not a valid IPv6 address`, field);
    family = 6;
    bytes = Buffer.from(new Address6(addr).toUnsignedByteArray());
    if (bytes.length < 16) bytes = Buffer.concat([Buffer.alloc(16 - bytes.length), bytes]);
  } else {
    if (!Address4.isValid(addr) || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
      throw new ValidationError(`'${input}' is not a valid IPv4 address`, field);
    }
    family = 4;
    bytes = Buffer.from(new Address4(addr).toArray());
  }
  const out: ParsedAddress = { family, bytes };
  if (lenText !== undefined) out.prefixlen = parsePrefixLength(lenText, family, field);
  return out;
}

/**
 * An address in its canonical text form ("10.0.0.1", "2001:db8::1", no
 * prefix), parsed without allocating more than its bytes; undefined for
 * anything else (which parseAddress() then decides on and explains).
 */
export function plainAddress(s: string): Buffer | undefined {
  return s.includes(':') ? fastIPv6(s) : fastIPv4(s);
}

/** A short string of decimal digits as a number; undefined otherwise. */
export function decimal(s: string): number | undefined {
  if (s.length === 0 || s.length > 3) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n;
}

/** Dotted quad without leading zeros ("10.0.0.1"); undefined for anything else. */
function fastIPv4(s: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return undefined; // leading zero
      value = value * 10 + (c - 48);
      if (value > 255) return undefined;
      digits++;
    } else if (c === 46 && digits > 0 && part < 3) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (part !== 3 || digits === 0) return undefined;
  out[3] = value;
  return out;
}

/** Hex groups with at most one "::" ("2001:db8::1"); undefined for anything else (embedded IPv4, zones...). */
function fastIPv6(s: string): Buffer | undefined {
  const out = Buffer.alloc(16);
  const words: number[] = [];
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (n < 2) return undefined;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
    if (i === n) return out; // "::"
  }
  while (i < n) {
    let v = 0;
    let d = 0;
    for (; i < n && d < 5; i++, d++) {
      const c = s.charCodeAt(i);
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) break;
      v = v * 16 + h;
    }
    if (d === 0 || d > 4) return undefined;
    words.push(v);
    if (words.length > 8) return undefined;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return undefined; // '.', '%' or junk: slow path
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap !== -1) return undefined;
      gap = words.length;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return undefined; // trailing single ':'
    }
  }
  if (gap === -1 ? words.length !== 8 : words.length > 7) return undefined;
  const tail = gap === -1 ? 0 : words.length - gap;
  for (let k = 0; k < words.length; k++) {
    const pos = gap === -1 || k < gap ? k : 8 - tail + (k - gap);
    out.writeUInt16BE(words[k]!, pos * 2);
  }
  return out;
}

export function parsePrefixLength(value: unknown, family: Family, field: string): number {
  const max = family === 4 ? 32 : 128;
  const n = typeof value === 'string' ? decimal(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    throw new ValidationError(`prefix length ${describe(value)} is out of range for IPv${family} (0..${max})`, field);
  }
  return n;
}

/** Checks that an address is of the family the request is about. */
export function expectFamily(a: ParsedAddress, family: Family, field: string, input: string): void {
  if (a.family !== family) {
    throw new ValidationError(`'${input}' is an IPv${a.family} address, but this request is IPv${family}`, field);
  }
}

export function familyOf(af: number): Family | undefined {
  return af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined;
}

export function afOf(family: Family): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** Formats 4 or 16 bytes as iproute2 (inet_ntop) prints them; other lengths as hex. */
/** The attribute `r` is at as an address of `family`: exactly 4 or 16 bytes, else a DecodeError naming it. */
export function readAddress(r: AttrReader, family: Family): string {
  const n = family === 4 ? 4 : 16;
  r.exactly(n, `an IPv${family} address`);
  return formatAddress(r.buf, r.off, n);
}

export function formatAddress(buf: Buffer, off = 0, len = buf.length - off): string {
  if (len === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  if (len === 16) return formatIPv6(buf, off);
  return formatHex(buf, off, len);
}

function formatIPv6(b: Buffer, off: number): string {
  const w = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = b.readUInt16BE(off + i * 2);
  // Longest run of zero words (length >= 2) becomes "::", as RFC 5952 and glibc do.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { bestBase = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  // glibc prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  const dotted = bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (dotted && i === 6) {
      s += `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
      break;
    }
    s += w[i]!.toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function formatHex(b: Buffer, off: number, len: number): string {
  if (len === 0) return '';
  let s = HEX[b[off]!]!;
  for (let i = 1; i < len; i++) s += `:${HEX[b[off + i]!]!}`;
  return s;
}

const macPattern = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

/** Parses "02:00:00:00:00:01" into 6 bytes. */
export function parseMac(input: unknown, field: string): Buffer {
  if (typeof input !== 'string' || !macPattern.test(input)) {
    throw new ValidationError(`${describe(input)} is not a MAC address (expected six hex bytes like 02:00:00:00:00:01)`, field);
  }
  return Buffer.from(input.split(':').map((x) => parseInt(x, 16)));
}

/** Formats link-layer addresses as iproute2 does (lowercase hex bytes joined by ':'). */
export function formatLinkAddress(buf: Buffer, off = 0, len = buf.length - off): string {
  return formatHex(buf, off, len);
}
