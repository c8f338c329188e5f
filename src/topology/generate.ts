// Generated lists: one spec line standing for many items (`count`), each
// with the fields named in `step` moved on. A prefix (`dst`, `src`) moves on
// by blocks of its own size: 20.0.0.0/24 with step 1 gives 20.0.1.0/24 next.
import { formatAddress, parseAddress } from '../netlink/rtnl/inet.js';

export interface Generated<T> {
  spec: T;
  /** Index of the item within its line (0 for a line without `count`). */
  item: number;
}

/** The items a line with `count`/`step` stands for; `defaults` says what steps when `step` does not. */
export function expand<T extends { count?: number | undefined; step?: Record<string, number> | undefined }>(
  line: T, defaults: Record<string, number>,
): Generated<Omit<T, 'count' | 'step'>>[] {
  const { count = 1, step, ...base } = line;
  const steps = Object.entries(step ?? defaults);
  const out: Generated<Omit<T, 'count' | 'step'>>[] = [];
  for (let i = 0; i < count; i++) {
    if (i === 0 || steps.length === 0) {
      out.push({ spec: { ...base } as Omit<T, 'count' | 'step'>, item: i });
      continue;
    }
    const spec: Record<string, unknown> = { ...base };
    for (const [field, by] of steps) {
      const v = spec[field];
      if (typeof v === 'number') spec[field] = v + by * i;
      else if (typeof v === 'string' && v.includes('/')) spec[field] = movePrefix(v, by * i, field);
    }
    out.push({ spec: spec as Omit<T, 'count' | 'step'>, item: i });
  }
  return out;
}

/** The prefix `blocks` blocks of its own size after `prefix` ("10.0.0.0/24", 3 -> "10.0.3.0/24"). */
export function movePrefix(prefix: string, blocks: number, field: string): string {
  const a = parseAddress(prefix, field);
  const bits = a.family === 4 ? 32 : 128;
  const len = a.prefixlen ?? bits;
  let n = 0n;
  for (const b of a.bytes) n = (n << 8n) | BigInt(b);
  n += BigInt(blocks) << BigInt(bits - len);
  if (n < 0n || n >= 1n << BigInt(bits)) throw new RangeError(`${prefix} moved ${blocks} blocks runs out of IPv${a.family} addresses`);
  const out = Buffer.alloc(bits / 8);
  for (let i = out.length - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return `${formatAddress(out)}/${len}`;
}
