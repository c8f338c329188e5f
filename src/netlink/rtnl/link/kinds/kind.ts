// What every link kind's codec provides, so that the registry (index.ts) is
// one table and nothing else asks "which kind is this?": its options' schema,
// the checks the schema cannot make, the encoder of IFLA_INFO_DATA, the
// decoder, and the options in `ip link add ... type KIND` words.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import type { TSchema } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import type { DevResolver, LinkRef } from '../../devices.js';
import { formatAddress, formatLinkAddress, parseAddress, type ParsedAddress } from '../../inet.js';

/** Kind data as the kernel reports it: the fields of the kind's options, plus attributes netnest does not interpret. */
export type Decoded<T> = T & { unknown?: RawAttribute[] };

export interface KindCodec<T extends object = object> {
  /** The schema of the options under the spec's key named after the kind (`gre: {...}`); none for kinds without options. */
  schema?: TSchema;
  /** What the spec must give, each with the message that says so: the lower device (`link`), the options, a peer. */
  needs?: { link?: string; data?: string; peer?: string };
  /** A peer is allowed (veth, netkit). */
  peer?: boolean;
  /** The lower device (`link`) goes in the options (IFLA_VXLAN_LINK, IFLA_GRE_LINK...), not in IFLA_LINK. */
  lowerInData?: boolean;
  /** Checks the schema cannot make (address families...); `f` is the field prefix ("gre"). */
  check?(d: T, f: string): void;
  /** Links the options name, each with its field, to look up before encoding (a bond's primary). */
  refs?(d: T): [LinkRef, string][];
  /** Writes the attributes of IFLA_INFO_DATA (the nest is opened by the caller). */
  write?(w: NetlinkWriter, d: T, f: string, dev: DevResolver): void;
  /** Decodes IFLA_INFO_DATA; what it does not know goes to `unknown`. */
  decode?(r: AttrReader, unknown: RawAttribute[]): Decoded<T>;
  /** The options as `ip link add ... type KIND` words. */
  words?(d: T, path: string): string[];
}

/** Helpers shared by the kinds' codecs. */
export function addressOf(r: AttrReader): string {
  return r.len === 4 || r.len === 16 ? formatAddress(r.buf, r.off, r.len) : formatLinkAddress(r.buf, r.off, r.len);
}

/** An address of the given family ('4', '6', or either), for a field that takes a plain address. */
export function plainAddress(value: string, field: string, family?: 4 | 6): ParsedAddress {
  const a = parseAddress(value, field, { prefix: 'forbidden' });
  if (family !== undefined && a.family !== family) throw new ValidationError(`'${value}' is not an IPv${family} address`, field);
  return a;
}

/** Name of `value` in a table of names by number; undefined when it has none. */
export function nameOf<K extends string>(table: Record<K, number>, value: number): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === value);
}

/** Words builder: `num('ttl')` pushes "ttl 64" when given, `flag('gbp')` pushes "gbp" when true. */
export function wordsOf(d: object): { out: string[]; num(k: string, word?: string): void; flag(k: string, word?: string, off?: string): void } {
  const data = d as Record<string, unknown>;
  const out: string[] = [];
  return {
    out,
    num(k, word = k) {
      if (data[k] !== undefined) out.push(word, String(data[k]));
    },
    flag(k, word = k, off) {
      if (data[k] === true) out.push(word);
      else if (data[k] === false && off !== undefined) out.push(off);
    },
  };
}
