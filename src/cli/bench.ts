// `netnest bench routes|rules`: the benchmark of src/bench/ as a command — a
// table on the terminal (a progress bar meanwhile, on a terminal only), the
// report as JSON, a chart, and a comparison with an earlier report.
import { readFileSync, writeFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { routes, rules, type BenchOptions, type BenchReport, type BenchResult } from '../bench/index.js';
import { UsageError } from './list.js';

export interface BenchCommandOptions {
  sizes: string;
  family: string;
  shape: 'full-table' | 'sequential';
  seed: string;
  paths: string;
  tables: string;
  from?: string;
  repeat: string;
  compare?: string;
  phases?: string;
  json?: boolean;
  plot?: string;
  against?: string;
}

/** "10k,100k,1M" -> [10000, 100000, 1000000]. */
export function parseSizes(s: string): number[] {
  return s.split(',').map((w) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(w.trim());
    if (!m) throw new UsageError(`--sizes: '${w}' is not a size (10000, 10k, 1M)`);
    const n = Math.round(Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6));
    if (n < 1) throw new UsageError(`--sizes: '${w}' is not a size (10000, 10k, 1M)`);
    return n;
  });
}

const int = (flag: string, s: string): number => {
  if (!/^\d+$/.test(s)) throw new UsageError(`${flag} takes a whole number, got '${s}'`);
  return Number(s);
};

function options(o: BenchCommandOptions): BenchOptions {
  const family = o.family === 'both' ? 'both' : o.family === '4' ? 4 : o.family === '6' ? 6 : undefined;
  if (family === undefined) throw new UsageError(`--family takes 4, 6 or both, got '${o.family}'`);
  return {
    sizes: parseSizes(o.sizes), family, shape: o.shape, seed: int('--seed', o.seed), paths: int('--paths', o.paths),
    tables: int('--tables', o.tables), repeat: int('--repeat', o.repeat),
    ...(o.from !== undefined && { from: o.from }),
    ...(o.compare !== undefined && { compare: o.compare.split(',').filter(Boolean) as ('ip' | 'pyroute2')[] }),
    ...(o.phases !== undefined && { phases: o.phases.split(',').filter(Boolean) as BenchOptions['phases'] }),
  };
}

/** Runs the benchmark and prints it; the exit status (1 when a regression against --against was found). */
export async function benchCommand(kind: 'routes' | 'rules', o: BenchCommandOptions, write: (s: string) => void): Promise<number> {
  const opts = options(o);
  const bar = process.stderr.isTTY && !o.json
    ? new SingleBar({ format: 'bench {bar} {value}/{total} {step}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic)
    : undefined;
  let started = false;
  opts.onProgress = (s) => {
    if (!bar) return;
    if (!started) bar.start(s.total, 0, { step: '' });
    started = true;
    bar.update(s.done, { step: `${s.tool} ${s.n.toLocaleString('en-US')} ${s.phase}${opts.repeat! > 1 ? ` (run ${s.repetition + 1})` : ''}` });
  };
  let report: BenchReport;
  try {
    report = await (kind === 'routes' ? routes(opts) : rules(opts));
  } finally {
    bar?.stop();
  }
  if (o.plot) {
    const { plotSvg } = await import('../bench/plot.js');
    writeFileSync(o.plot, await plotSvg(report));
  }
  const regressions = o.against ? compareWith(report, JSON.parse(readFileSync(o.against, 'utf8')) as BenchReport) : [];
  if (o.json) write(JSON.stringify(report, null, 2));
  else {
    for (const line of table(report)) write(line);
    if (o.plot) write(`chart: ${o.plot}`);
    if (o.against) write(regressions.length ? `regressions against ${o.against}:\n  ${regressions.join('\n  ')}` : `no regression against ${o.against}`);
  }
  return regressions.length ? 1 : 0;
}

const k = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${Math.round(x / 1e3)}k` : `${(x / 1e3).toFixed(1)}k`);

/** One cell: the median rate with its range, or why there is none. */
function cell(r: BenchResult | undefined): string {
  if (!r) return '-';
  if (!r.rate) {
    const failed = Math.max(...r.runs.map((x) => x.failed));
    return `${failed} failed`;
  }
  return r.runs.length > 1 ? `${k(r.rate.median)}/s (${k(r.rate.min)}-${k(r.rate.max)})` : `${k(r.rate.median)}/s`;
}

/** The results as a table: a row per size and phase, a column per tool, netnest's ratio to each. */
export function table(report: BenchReport): string[] {
  const o = report.options as { sizes: number[]; family: unknown; shape: string; paths: number; tables: number; repeat: number; seed: number; from?: string };
  const tools = Object.keys(report.tools);
  const what = report.kind === 'routes'
    ? `${o.from ? `prefixes of ${o.from}` : `${o.shape}, IPv${o.family === 'both' ? '4+6' : o.family}`}, ${o.paths} path(s), ${o.tables} table(s), seed ${o.seed}`
    : `${o.tables} table(s), seed ${o.seed}`;
  const lines = [`netnest bench ${report.kind}: ${what}; ${o.repeat} repetition(s); kernel ${report.machine.kernel}, node ${report.machine.node}`];
  for (const s of report.skipped) lines.push(`skipped ${s.tool}: ${s.reason}`);
  const head = ['N', 'phase', ...tools, ...tools.filter((t) => t !== 'netnest').map((t) => `netnest/${t}`)];
  const rows: string[][] = [head];
  const ns = [...new Set(report.results.map((r) => r.n))].sort((a, b) => a - b);
  for (const n of ns) {
    for (const phase of [...new Set(report.results.map((r) => r.phase))]) {
      const by = (t: string): BenchResult | undefined => report.results.find((r) => r.n === n && r.phase === phase && r.tool === t);
      // A teardown is the kernel's work whoever loaded the table: no ratio.
      const ours = phase === 'teardown' ? undefined : by('netnest')?.rate?.median;
      rows.push([n.toLocaleString('en-US'), phase, ...tools.map((t) => cell(by(t))), ...tools.filter((t) => t !== 'netnest').map((t) => {
        const theirs = by(t)?.rate?.median;
        return ours && theirs ? `${(ours / theirs).toFixed(2)}x` : '-';
      })]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) lines.push(r.map((c, i) => (i < 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
  return lines;
}

/**
 * Regressions against an earlier report: a (tool, N, phase) whose rate fell
 * below the earlier one's whole range, by more than 5 % of its median.
 */
export function compareWith(now: BenchReport, before: BenchReport): string[] {
  if (before.schema !== now.schema || before.kind !== now.kind) throw new UsageError(`--against: not a netnest bench ${now.kind} report (${now.schema})`);
  const out: string[] = [];
  for (const r of now.results) {
    const old = before.results.find((b) => b.tool === r.tool && b.n === r.n && b.phase === r.phase);
    if (!old?.rate || !r.rate) continue;
    if (r.rate.max < old.rate.min && r.rate.median < old.rate.median * 0.95) {
      out.push(`${r.tool} ${r.n.toLocaleString('en-US')} ${r.phase}: ${k(r.rate.median)}/s, was ${k(old.rate.median)}/s (${k(old.rate.min)}-${k(old.rate.max)}): ${((1 - r.rate.median / old.rate.median) * 100).toFixed(0)} % slower`);
    }
  }
  return out;
}
