// The C yardstick (../shared/yardstick/nlbench.c, beside the repository, or
// --yardstick FILE): built with gcc into a scratch folder when it can be, for
// the benchmarks to run in the same run as netnest. Not part of the product.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Yardstick {
  /** The built binary, or why there is none (the benchmark says so and skips its column). */
  bin?: string;
  why?: string;
}

/** Builds nlbench into `dir`; `source` defaults to ../shared/yardstick/nlbench.c beside the package. */
export function buildYardstick(dir: string, source?: string): Yardstick {
  const root = fileURLToPath(new URL('../../', import.meta.url)); // dist/scripts -> the package root
  const file = source ?? join(root, '..', 'shared', 'yardstick', 'nlbench.c');
  if (!existsSync(file)) return { why: `${file} not found (--yardstick FILE names it)` };
  const bin = join(dir, 'nlbench');
  const r = spawnSync('gcc', ['-O2', '-o', bin, file], { encoding: 'utf8' });
  if (r.error) return { why: `gcc: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : r.error.message}` };
  if (r.status !== 0) return { why: `gcc failed: ${r.stderr.trim().split('\n')[0]}` };
  return { bin };
}

/** Runs nlbench (inside the namespace at `netnsPath` when given); its key=value line as a record. */
export function nlbench(bin: string, netnsPath: string | undefined, ...args: string[]): Record<string, string> {
  const out = netnsPath === undefined
    ? execFileSync(bin, args, { encoding: 'utf8' })
    : execFileSync('nsenter', [`--net=${netnsPath}`, bin, ...args], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
}
