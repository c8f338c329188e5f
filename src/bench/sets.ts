// The route and rule sets a benchmark loads: deterministic from a seed, shaped
// like real tables, or read from a file of `ip route` lines or prefixes. Every
// tool gets the same items. Gateways are the benchmark's own (reachable through
// the veth of its namespace), whatever the source of the prefixes.
import { readFileSync } from 'node:fs';
import { ValidationError } from '../netlink/core/errors.js';
import { formatAddress, parseAddress, type Family } from '../netlink/rtnl/inet.js';
import { mappedUids } from '../netlink/rtnl/rule/uids.js';

/** A route of a set, as every tool takes it (a RouteSpec netnest can add as it is). */
export interface RouteItem {
  dst: string;
  gateway?: string;
  dev?: string;
  table: number;
  nexthops?: { gateway: string; dev?: string; weight?: number }[];
}

/** A rule of a set, as every tool takes it (a RuleSpec netnest can add as it is). */
export interface RuleItem {
  priority: number;
  table: number;
  src?: string;
  dst?: string;
  fwmark?: number;
  iif?: string;
  ipproto?: string;
  dport?: number | [number, number];
  sport?: number | [number, number];
  uidrange?: [number, number];
}

/** The veth in each benchmark namespace: gateways 10.255.0.2.. and 2001:db8:ffff::2.. sit behind it. */
export const LINK = { name: 'v0', v4: '10.255.0.1/16', v6: '2001:db8:ffff::1/64' };
const gatewayOf = (family: Family, k: number): string => (family === 4 ? `10.255.0.${2 + k}` : `2001:db8:ffff::${(2 + k).toString(16)}`);
/** Table ids start here: 100, 101... */
export const FIRST_TABLE = 100;

/** A small seeded generator (mulberry32): the same seed, the same set, on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Prefix lengths in the proportions of the global BGP tables (rounded from public
// table reports of 2024-2025: IPv4 ~60 % /24, IPv6 ~45 % /48).
const V4_MIX: [number, number][] = [[24, 60], [23, 9], [22, 12], [21, 5], [20, 5], [19, 3], [18, 2], [17, 1], [16, 2], [15, 0.4], [14, 0.3], [13, 0.2], [12, 0.1]];
const V6_MIX: [number, number][] = [[48, 45], [44, 8], [40, 6], [36, 4], [32, 14], [29, 4], [46, 3], [47, 3], [42, 2], [45, 2], [56, 3], [64, 4], [28, 1], [33, 1]];

function pickLength(mix: [number, number][], r: number): number {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [len, w] of mix) if ((x -= w) < 0) return len;
  return mix[0]![0];
}

/** A prefix of `len` bits from random bytes, outside what the benchmark's own link uses. */
function randomPrefix(family: Family, len: number, next: () => number): string | undefined {
  const bytes = Buffer.alloc(family === 4 ? 4 : 16);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  if (family === 4) {
    bytes[0] = 1 + (bytes[0]! % 223); // unicast: 1..223
    if (bytes[0] === 10 || bytes[0] === 127) return undefined; // the benchmark's link, loopback
  } else {
    bytes[0] = 0x20;
    bytes[1] = (bytes[1]! & 0x0f) | 0x00; // 2000::/12, global unicast
    if (bytes.readUInt16BE(0) === 0x2001 && bytes.readUInt16BE(2) === 0x0db8) return undefined;
  }
  for (let bit = len; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7)); // clear host bits
  return `${formatAddress(bytes)}/${len}`;
}

/** Sequential prefixes: IPv4 /24s from 11.0.0.0, IPv6 /64s from 2001:db8:0:0:: (never the link's). */
function sequentialPrefix(family: Family, i: number): string {
  return family === 4 ? `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` : `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
}

export interface RouteSetOptions {
  n: number;
  family: 4 | 6 | 'both';
  shape: 'full-table' | 'sequential';
  seed: number;
  /** Next hops per route (1: a plain gateway; k > 1: multipath over k gateways). */
  paths: number;
  tables: number;
  /** Prefixes from a file instead (the first n of them, or all when n is larger). */
  from?: string;
}

/** The routes of a benchmark: n of them, spread over the tables, with the benchmark's gateways. */
export function routeSet(o: RouteSetOptions): RouteItem[] {
  const prefixes = o.from ? prefixesFromFile(o.from).slice(0, o.n) : generatedPrefixes(o);
  return prefixes.map((dst, i) => {
    const family: Family = dst.includes(':') ? 6 : 4;
    const table = FIRST_TABLE + (i % o.tables);
    if (o.paths <= 1) return { dst, gateway: gatewayOf(family, 0), table };
    return { dst, table, nexthops: Array.from({ length: o.paths }, (_, k) => ({ gateway: gatewayOf(family, k) })) };
  });
}

function generatedPrefixes(o: RouteSetOptions): string[] {
  const next = random(o.seed);
  const families: Family[] = o.family === 'both' ? [4, 6] : [o.family];
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < o.n; i++) {
    const family = families[i % families.length]!;
    if (o.shape === 'sequential') {
      out.push(sequentialPrefix(family, Math.floor(i / families.length)));
      continue;
    }
    const p = randomPrefix(family, pickLength(family === 4 ? V4_MIX : V6_MIX, next()), next);
    if (p === undefined || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out;
}

/**
 * The destination prefixes of a file: `ip route` output or an `ip -batch`
 * file ("[route add|replace] PREFIX [via ...] ..."), or one prefix a line.
 * Lines without a prefix (default routes, comments, blank) are skipped.
 */
export function prefixesFromFile(file: string): string[] {
  const out: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const words = raw.trim().split(/\s+/);
    if (words[0] === 'route') words.splice(0, 2); // "route add|replace|append ..."
    if (/^(unicast|blackhole|unreachable|prohibit)$/.test(words[0] ?? '')) words.shift();
    const w = words[0];
    if (!w || w.startsWith('#') || w === 'default') continue;
    try {
      const a = parseAddress(w, 'from');
      const len = a.prefixlen ?? (a.family === 4 ? 32 : 128);
      out.push(`${formatAddress(a.bytes)}/${len}`);
    } catch {
      // not a route line
    }
  }
  if (out.length === 0) throw new ValidationError(`no route prefixes found in ${file}`, 'from');
  return out;
}

export interface RuleSetOptions {
  n: number;
  seed: number;
  tables: number;
}

/**
 * The uid range of the i-th rule: 101 uids from 1000 + i % 60000, where the
 * user namespace maps them (as root); without root only uid 0 is mapped, and
 * every range is 0-0.
 */
function uidRange(i: number): [number, number] {
  const start = 1000 + (i % 60000);
  if (mappedUids().some(([a, b]) => a <= start && b >= start + 100)) return [start, start + 100];
  const [first, last] = mappedUids()[0] ?? [0, 0];
  return [first, Math.min(last, first + 100)];
}

/** n rules with a mix of selectors (source prefix, fwmark, iif, ports, uid ranges), priorities from 1000. */
export function ruleSet(o: RuleSetOptions): RuleItem[] {
  const next = random(o.seed);
  return Array.from({ length: o.n }, (_, i): RuleItem => {
    const rule: RuleItem = { priority: 1000 + i, table: FIRST_TABLE + (i % o.tables) };
    const r = next();
    if (r < 0.4) rule.src = `${11 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
    else if (r < 0.6) rule.fwmark = 1 + i;
    else if (r < 0.7) rule.iif = LINK.name;
    else if (r < 0.8) Object.assign(rule, { ipproto: 'tcp', dport: [1024 + (i % 60000), 1024 + (i % 60000) + 10] });
    else if (r < 0.9) Object.assign(rule, { ipproto: 'udp', sport: [1024 + (i % 60000), 1024 + (i % 60000)] });
    else rule.uidrange = uidRange(i);
    return rule;
  });
}
