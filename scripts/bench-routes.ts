// Bulk-loading benchmark: netnest's addMany against `ip -batch` and, when it
// can be built, the C yardstick (../shared/yardstick/nlbench.c) for the same
// number of routes and rules, each run in a fresh anonymous namespace of
// src/bench/world.ts (nothing touches the host; each is let go and waited for
// until the kernel has destroyed it). The tools take turns within each repetition.
//
//   npm run bench:routes                  # 10k, 100k, 1M IPv4; 100k IPv6; 10k rules
//   npm run bench:routes -- --quick       # 10k and 100k IPv4 only
//   npm run bench:routes -- --repeat 3    # medians of 3 with min-max
//
// Prints items per second for each tool, netnest's ratio to each, the time to
// dump and decode the loaded table against `ip route show` (text and -j) and
// the C client's kernel-filtered dump, and the process's peak RSS after the
// 1M load and the 1M dump.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteSpec, RuleSpec } from '../src/index.js';
import { openWorld, type World } from '../src/bench/world.js';
import { commandLine } from './command-line.js';
import { buildYardstick, nlbench } from './yardstick.js';

const args = commandLine({ flags: ['quick'], values: ['repeat', 'yardstick'] });
const quick = args.flag('quick');
const REPEAT = args.number('repeat', 1);
const dir = mkdtempSync(join(tmpdir(), 'netnest-bench-'));
const TABLE = 100;

/** Seconds per tool, one per repetition; NaN where a tool was skipped. */
type Times = Record<string, number[]>;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function v4(i: number): string {
  return `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
}
function v6(i: number): string {
  return `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
}

const yardstick = buildYardstick(dir, args.value('yardstick'));

/** Runs the C client in `path`'s namespace. */
function nlbenchIn(path: string, ...a: string[]): Record<string, string> {
  return nlbench(yardstick.bin!, path, ...a);
}

function ipBatch(path: string, lines: Iterable<string>, name: string): number {
  const file = join(dir, `${name}.batch`);
  writeFileSync(file, `${[...lines].join('\n')}\n`);
  const t = process.hrtime.bigint();
  const r = spawnSync('nsenter', [`--net=${path}`, 'ip', '-batch', file], { encoding: 'utf8' });
  const s = seconds(t);
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
  return s;
}

/** Peak RSS during one phase: sampled while it runs, after a full GC before it (npm run bench:routes gives node --expose-gc). */
class RssWatch {
  private peak = 0;
  private readonly base: number;
  constructor() {
    (globalThis as { gc?: () => void }).gc?.();
    this.base = process.memoryUsage().rss;
    this.sample();
  }
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  text(): string {
    this.sample();
    const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;
    return `peak ${mb(this.peak)} (${mb(this.base)} before)`;
  }
}

const loads: { what: string; n: number; times: Times }[] = [];
const dumps: { n: number; times: Times }[] = [];
const rss: string[] = [];

/** One repetition of loading n routes with each tool, each in a fresh world; the 1st tool rotates. */
async function routesOnce(what: string, n: number, family: 4 | 6, rep: number, times: Times, dumpTimes: Times | undefined): Promise<void> {
  const gw = family === 4 ? '10.255.0.2' : '2001:db8:ffff::2';
  const prefix = family === 4 ? v4 : v6;
  const tools: Record<string, () => Promise<number>> = {
    netnest: async () => {
      const w = await openWorld();
      try {
        function* specs(): Generator<RouteSpec> {
          for (let i = 0; i < n; i++) yield { dst: prefix(i), gateway: gw, table: TABLE };
        }
        const watch = n >= 1_000_000 && rep === 0 ? new RssWatch() : undefined;
        const t = process.hrtime.bigint();
        const res = await w.rtnl.route.addMany(specs(), { ...(watch && { onProgress: () => watch.sample() }) });
        const s = seconds(t);
        if (res.ok !== n || res.failed.length) throw new Error(`${what}: ${res.ok}/${n} loaded, first failure: ${res.failed[0]?.error.message}`);
        if (watch) rss.push(`loading ${n.toLocaleString('en-US')} ${what} (addMany): ${watch.text()}`);
        if (dumpTimes) await dumpOnce(w, n, family, dumpTimes, rep);
        return s;
      } finally {
        await w.teardown();
      }
    },
    'ip -batch': async () => {
      const w = await openWorld();
      try {
        function* lines(): Generator<string> {
          for (let i = 0; i < n; i++) yield `route add ${prefix(i)} via ${gw} table ${TABLE}`; // the address says the family
        }
        return ipBatch(w.path, lines(), what.replace(/\W+/g, '-'));
      } finally {
        await w.teardown();
      }
    },
    ...(yardstick.bin && {
      'C yardstick': async () => {
        const w = await openWorld();
        try {
          const op = family === 4 ? ['add4', String(n), '-g', gw] : ['add6', String(n), '-G', gw];
          const r = nlbenchIn(w.path, ...op, '-i', 'v0', '-t', String(TABLE), '-b', '256');
          if (r.acks !== String(n) || r.errors !== '0') throw new Error(`nlbench ${op[0]}: ${r.acks} acks, ${r.errors} errors`);
          return Number(r.secs);
        } finally {
          await w.teardown();
        }
      },
    }),
  };
  await takeTurns(tools, rep, times);
}

/** netnest's list of the loaded table against ip route show (text and -j) and the C client's filtered dump. */
async function dumpOnce(w: World, n: number, family: 4 | 6, times: Times, rep: number): Promise<void> {
  // route.dump(): every route decoded, none kept (memory bounded whatever the table's size).
  let watch = n >= 1_000_000 && rep === 0 ? new RssWatch() : undefined;
  let t = process.hrtime.bigint();
  let count = 0;
  for await (const _ of w.rtnl.route.dump({ family, table: TABLE })) if ((++count & 0xffff) === 0) watch?.sample();
  (times.netnest ??= []).push(seconds(t));
  if (count !== n) throw new Error(`dumped ${count} of ${n}`);
  if (watch) rss.push(`dumping and decoding them (route.dump): ${watch.text()}`);
  // route.list(): the same, kept in one array.
  watch = n >= 1_000_000 && rep === 0 ? new RssWatch() : undefined;
  t = process.hrtime.bigint();
  const listed = await w.rtnl.route.list({ family, table: TABLE });
  (times['netnest list()'] ??= []).push(seconds(t));
  if (listed.length !== n) throw new Error(`listed ${listed.length} of ${n}`);
  if (watch) rss.push(`route.list() of them, all held in one array: ${watch.text()}`);
  for (const [tool, ipArgs] of [['ip route show', []], ['ip -j route show', ['-j']]] as const) {
    t = process.hrtime.bigint();
    const r = spawnSync('nsenter', [`--net=${w.path}`, 'ip', ...ipArgs, `-${family}`, 'route', 'show', 'table', String(TABLE)], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    (times[tool] ??= []).push(seconds(t));
    if (r.status !== 0) throw new Error(`${tool} failed`);
  }
  if (yardstick.bin) {
    const r = nlbenchIn(w.path, family === 4 ? 'dump4' : 'dump6', '-F', '-t', String(TABLE));
    (times['C yardstick, kernel-filtered'] ??= []).push(Number(r.secs));
  }
}

async function takeTurns(tools: Record<string, () => Promise<number>>, rep: number, times: Times): Promise<void> {
  const names = Object.keys(tools);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + rep) % names.length]!;
    (times[name] ??= []).push(await tools[name]!());
  }
}

async function routes(what: string, n: number, family: 4 | 6): Promise<void> {
  const times: Times = {};
  const dumpTimes: Times | undefined = n >= 100_000 && family === 4 ? {} : undefined;
  for (let rep = 0; rep < REPEAT; rep++) await routesOnce(what, n, family, rep, times, dumpTimes);
  loads.push({ what, n, times });
  report(what, n, times);
  if (dumpTimes) dumps.push({ n, times: dumpTimes });
}

async function rules(n: number): Promise<void> {
  const times: Times = {};
  for (let rep = 0; rep < REPEAT; rep++) {
    const tools: Record<string, () => Promise<number>> = {
      netnest: async () => {
        const w = await openWorld();
        try {
          function* specs(): Generator<RuleSpec> {
            for (let i = 0; i < n; i++) yield { priority: 1000 + i, src: v4(i), table: 100 + (i % 50) };
          }
          const t = process.hrtime.bigint();
          const res = await w.rtnl.rule.addMany(specs());
          const s = seconds(t);
          if (res.ok !== n) throw new Error(`rules: ${res.ok}/${n} loaded: ${res.failed[0]?.error.message}`);
          return s;
        } finally {
          await w.teardown();
        }
      },
      'ip -batch': async () => {
        const w = await openWorld();
        try {
          function* lines(): Generator<string> {
            for (let i = 0; i < n; i++) yield `rule add priority ${1000 + i} from ${v4(i)} table ${100 + (i % 50)}`;
          }
          return ipBatch(w.path, lines(), 'rules');
        } finally {
          await w.teardown();
        }
      },
      ...(yardstick.bin && {
        'C yardstick': async () => {
          const w = await openWorld();
          try {
            const r = nlbenchIn(w.path, 'rule4', String(n), '-p', '1000', '-t', String(TABLE), '-b', '256', '-i', '-');
            if (r.acks !== String(n) || r.errors !== '0') throw new Error(`nlbench rule4: ${r.acks} acks, ${r.errors} errors`);
            return Number(r.secs);
          } finally {
            await w.teardown();
          }
        },
      }),
    };
    await takeTurns(tools, rep, times);
  }
  loads.push({ what: 'IPv4 rules', n, times });
  report('IPv4 rules', n, times);
}

/** Median and range of items per second. */
function rates(n: number, secs: number[]): { median: number; min: number; max: number } {
  const r = secs.map((s) => n / s).sort((a, b) => a - b);
  return { median: r[r.length >> 1]!, min: r[0]!, max: r[r.length - 1]! };
}

function fmtRate(n: number, secs: number[]): string {
  const { median, min, max } = rates(n, secs);
  const k = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')}k`;
  return secs.length > 1 ? `${k(median)}/s (${k(min)}-${k(max)})` : `${k(median)}/s`;
}

/** netnest's ratio to `tool` (> 1: netnest is faster), from medians. */
function ratio(n: number, times: Times, tool: string): string {
  if (!times[tool]) return '';
  return `${(rates(n, times.netnest!).median / rates(n, times[tool]!).median).toFixed(2)}x ${tool}`;
}

function report(what: string, n: number, times: Times): void {
  const others = Object.keys(times).filter((t) => t !== 'netnest');
  const cols = Object.keys(times).map((t) => `${t} ${fmtRate(n, times[t]!)}`).join('  ');
  console.log(`${what.padEnd(12)} ${n.toLocaleString('en-US').padStart(9)}  ${cols}  netnest = ${others.map((t) => ratio(n, times, t)).join(', ')}`);
}

try {
  console.log(`node ${process.version}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${REPEAT} repetition(s)`);
  console.log(yardstick.bin ? 'C yardstick: nlbench, pipelined, 256 messages per sendmsg, every ACK read' : `C yardstick skipped: ${yardstick.why}`);
  await routes('IPv4 routes', 10_000, 4);
  await routes('IPv4 routes', 100_000, 4);
  if (!quick) {
    await routes('IPv4 routes', 1_000_000, 4);
    await routes('IPv6 routes', 100_000, 6);
    await rules(10_000);
  }
  console.log('\ndump + decode of one table (netnest route.dump, route.list, ip route show, ip -j route show, C with the kernel\'s table filter):');
  for (const d of dumps) {
    const others = Object.keys(d.times).filter((t) => !t.startsWith('netnest'));
    console.log(`${d.n.toLocaleString('en-US').padStart(9)} routes  ${Object.keys(d.times).map((t) => `${t} ${fmtRate(d.n, d.times[t]!)}`).join('  ')}  netnest = ${others.map((t) => ratio(d.n, d.times, t)).join(', ')}`);
  }
  if (rss.length) console.log(`\nRSS of the process during:\n  ${rss.join('\n  ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
