// iproute2's view of a namespace, the independent oracle for "the host is
// unchanged" beside the library's own snapshot/diff: links, addresses, routes, rules and
// named namespaces, with counters and timers removed.
import { execFileSync } from 'node:child_process';

const commands: string[][] = [
  ['-j', 'link', 'show'],
  ['-j', 'addr', 'show'],
  ['-j', 'route', 'show', 'table', 'all'],
  ['-j', '-6', 'route', 'show', 'table', 'all'],
  ['-j', 'rule', 'show'],
  ['-j', '-6', 'rule', 'show'],
  ['-j', 'neigh', 'show', 'nud', 'permanent'],
];

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (/stats|life_time|used|updated|confirmed|probes/.test(k)) continue;
      out[k] = strip(x);
    }
    return out;
  }
  return v;
}

/** iproute2's view of a namespace; `netnsPath` (e.g. /proc/PID/fd/FD) selects it, default: the current one. */
export function hostState(netnsPath?: string): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  const run = (args: string[]): string =>
    netnsPath === undefined ? execFileSync('ip', args, { encoding: 'utf8' }) : execFileSync('nsenter', [`--net=${netnsPath}`, 'ip', ...args], { encoding: 'utf8' });
  for (const args of commands) {
    const out = run(args);
    state[args.join(' ')] = strip(out.trim() ? JSON.parse(out) : []);
  }
  state['netns list'] = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).sort();
  return state;
}

/** Lines that differ between two states, for a readable failure. */
export function diffState(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(before)) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a !== b) lines.push(`ip ${key}:\n  before: ${a}\n  after:  ${b}`);
  }
  return lines;
}
