// bench.routes() and bench.rules(): how fast this kernel takes a routing
// table or a rule list, through netnest and, side by side in the same run,
// through the tools people use today. Every run happens in throwaway
// namespaces (a fresh one per tool per repetition); the tools take turns.
import { cpus, release, totalmem } from 'node:os';
import { checker, CLOSED, Int, List, Text, Type, type Static } from '../netlink/core/schema.js';
import { BENCH_PHASES, type BenchPhase, type BenchReport, type BenchResult, type BenchRun } from './report.js';
import { routeSet, ruleSet } from './sets.js';
import { ipPhase, ipVersion, netnestPhase, run, type Items, type Kind, type PhaseRunner } from './tools.js';
import { findPyroute2, runPyroute2 } from './tools/pyroute2.js';
import { openWorld } from './world.js';
import { netnestVersion } from '../version.js';

export { BENCH_PHASES, type BenchPhase, type BenchReport, type BenchResult, type BenchRun } from './report.js';

export const BENCH_TOOLS = ['ip', 'pyroute2'] as const;

export const BenchOptionsSchema = Type.Object({
  /** Set sizes, each run in turn (default [10000]). */
  sizes: Type.Optional(List(Int(1, 10_000_000), { minItems: 1 })),
  /** Routes: 4, 6 or 'both' (alternating). Default 4. */
  family: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(6), Type.Literal('both')])),
  /** Routes: 'full-table' (the prefix lengths of the global table, default) or 'sequential' (/24s, /64s). */
  shape: Type.Optional(Type.Enum(['full-table', 'sequential'])),
  /** Seed of the generated set: the same seed, the same set. Default 1. */
  seed: Type.Optional(Int(0, 0xffffffff)),
  /** Routes: next hops per route (more than 1: multipath). Default 1. */
  paths: Type.Optional(Int(1, 16)),
  /** Tables the items are spread over (100, 101...). Default 1. */
  tables: Type.Optional(Int(1, 1000)),
  /** Routes: take the prefixes of this file (`ip route` lines, an `ip -batch` file, or one prefix a line). */
  from: Type.Optional(Text({ minLength: 1 })),
  /** Repetitions of each size (medians with min-max). Default 1. */
  repeat: Type.Optional(Int(1, 100)),
  /** Tools to run beside netnest, in the same worlds' shape; one not installed is reported as skipped. */
  compare: Type.Optional(List(Type.Enum([...BENCH_TOOLS]))),
  /** Phases to measure (default all; rules have no replace). */
  phases: Type.Optional(List(Type.Enum([...BENCH_PHASES]), { minItems: 1 })),
  /** Told before each measured step, for progress bars. */
  onProgress: Type.Optional(Type.Unsafe<(step: BenchStep) => void>(Type.Any())),
}, CLOSED);
export type BenchOptions = Static<typeof BenchOptionsSchema>;
const checkBenchOptions = checker(BenchOptionsSchema);

/** One step of a run: `done` of `total` steps, and what runs now. */
export interface BenchStep {
  done: number;
  total: number;
  tool: string;
  n: number;
  repetition: number;
  phase: BenchPhase;
}

/** The tools `compare` can name: each found (with its version and runner) or not (with the reason). */
const extraTools: Record<(typeof BENCH_TOOLS)[number], () => { version: string; runner: PhaseRunner } | { reason: string }> = {
  ip: () => {
    const v = ipVersion();
    return 'reason' in v ? v : { version: v.version, runner: ipPhase };
  },
  pyroute2: () => {
    const py = findPyroute2();
    if ('reason' in py) return py;
    return {
      version: `pyroute2 ${py.version} (${py.python})`,
      runner: async (world, kind, phase, items) => {
        const r = runPyroute2(py, world.path, kind, phase, items);
        return run(r.wall, r.cpu, r.peakRss, r.ok, r.failed, r.firstError);
      },
    };
  },
};

/** Loads routes: load, dump, replace, delete, teardown, for netnest and the tools compared. */
export function routes(opts: BenchOptions = {}): Promise<BenchReport> {
  return bench('routes', opts);
}

/** Loads rules: load, dump, delete, teardown (the kernel has no rule replace). */
export function rules(opts: BenchOptions = {}): Promise<BenchReport> {
  return bench('rules', opts);
}

async function bench(kind: Kind, opts: BenchOptions): Promise<BenchReport> {
  checkBenchOptions(opts, 'options');
  const o = {
    sizes: opts.sizes ?? [10_000], family: opts.family ?? 4, shape: opts.shape ?? 'full-table', seed: opts.seed ?? 1,
    paths: opts.paths ?? 1, tables: opts.tables ?? 1, repeat: opts.repeat ?? 1, compare: opts.compare ?? [],
    phases: (opts.phases ?? [...BENCH_PHASES]).filter((p) => kind === 'routes' || p !== 'replace'),
    ...(opts.from !== undefined && { from: opts.from }),
  };
  const startedAt = new Date().toISOString();
  const tools: Record<string, string> = { netnest: netnestVersion() };
  const runners: [string, PhaseRunner][] = [['netnest', netnestPhase]];
  const skipped: BenchReport['skipped'] = [];
  for (const name of o.compare) {
    const found = extraTools[name]();
    if ('reason' in found) skipped.push({ tool: name, reason: found.reason });
    else {
      tools[name] = found.version;
      runners.push([name, found.runner]);
    }
  }
  const results = new Map<string, BenchResult>();
  const record = (tool: string, n: number, phase: BenchPhase, r: BenchRun): void => {
    const key = `${tool}|${n}|${phase}`;
    let res = results.get(key);
    if (!res) results.set(key, (res = { tool, n, phase, runs: [], rate: null }));
    res.runs.push(r);
  };
  const itemsOf = (n: number): Items => (kind === 'routes'
    ? routeSet({ n, family: o.family, shape: o.shape as 'full-table' | 'sequential', seed: o.seed, paths: o.paths, tables: o.tables, ...(o.from !== undefined && { from: o.from }) })
    : ruleSet({ n, seed: o.seed, tables: o.tables }));
  // The warm-up (JIT, first opens, the kernel's first tables) is run and discarded.
  const warm = itemsOf(Math.min(10_000, ...o.sizes));
  for (const [, runner] of runners) await once(kind, runner, warm, o.phases, () => undefined, () => undefined);
  const total = o.sizes.length * o.repeat * runners.length * o.phases.length;
  let done = 0;
  for (const n of o.sizes) {
    const items = itemsOf(n);
    for (let rep = 0; rep < o.repeat; rep++) {
      for (let k = 0; k < runners.length; k++) {
        const [tool, runner] = runners[(k + rep) % runners.length]!; // the tools take turns
        await once(kind, runner, items, o.phases, (phase) => opts.onProgress?.({ done: done++, total, tool, n: items.length, repetition: rep, phase }),
          (phase, r) => record(tool, items.length, phase, r));
      }
    }
  }
  return {
    schema: 'netnest-bench/1', kind, options: o,
    machine: { kernel: release(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
    tools, skipped, startedAt, finishedAt: new Date().toISOString(),
    results: [...results.values()].map((r) => ({ ...r, rate: rateOf(r.runs) })),
  };
}

/**
 * One repetition of one tool: load, dump and replace in one world, then its
 * teardown with the table in it; delete in a second world the table was
 * loaded into by netnest (not measured).
 */
async function once(kind: Kind, runner: PhaseRunner, items: Items, phases: BenchPhase[], starting: (p: BenchPhase) => void, measured: (p: BenchPhase, r: BenchRun) => void): Promise<void> {
  const has = (p: BenchPhase): boolean => phases.includes(p);
  const world = await openWorld();
  try {
    for (const phase of ['load', 'dump', 'replace'] as const) {
      if (phase !== 'load' && !has(phase)) continue;
      if (has(phase)) starting(phase);
      const r = await runner(world, kind, phase, items);
      if (has(phase)) measured(phase, r);
    }
  } finally {
    if (has('teardown')) starting('teardown');
    const secs = await world.teardown();
    if (has('teardown')) measured('teardown', { wall: secs, cpu: null, peakRss: null, ok: items.length, failed: 0, rate: items.length / secs });
  }
  if (!has('delete')) return;
  const second = await openWorld();
  try {
    await netnestPhase(second, kind, 'load', items);
    starting('delete');
    measured('delete', await runner(second, kind, 'delete', items));
  } finally {
    await second.teardown();
  }
}

function rateOf(runs: BenchRun[]): BenchResult['rate'] {
  const rates = runs.filter((r) => r.rate !== null).map((r) => r.rate!).sort((a, b) => a - b);
  if (rates.length === 0) return null;
  const mid = rates.length >> 1;
  const median = rates.length % 2 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return { median, min: rates[0]!, max: rates[rates.length - 1]! };
}
