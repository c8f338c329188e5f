// iproute2's tc as the oracle for traffic control, run like `ip` (see ip.ts):
// in the current namespace or, through nsenter, in the one behind an fd.
import { execFileSync } from 'node:child_process';
import type { NetnsRef } from './ip.js';

const fdOf = (netns: NetnsRef): number => (typeof netns === 'number' ? netns : netns.fd);

/** Runs `tc ARGS`; throws with tc's own message when it fails. */
export function tc(args: readonly string[], netns?: NetnsRef): string {
  const [file, argv] = netns === undefined ? ['tc', [...args]] : ['nsenter', [`--net=/proc/${process.pid}/fd/${fdOf(netns)}`, 'tc', ...args]];
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`tc ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

/** Runs `tc -j ARGS` and parses what it prints. */
export function tcJson<T = Record<string, unknown>[]>(args: readonly string[], netns?: NetnsRef): T {
  const out = tc(['-j', ...args], netns).trim();
  return (out ? JSON.parse(out) : []) as T;
}
