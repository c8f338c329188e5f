// What a benchmark run reports: one documented shape (`netnest bench ... --json`,
// and what bench.routes()/bench.rules() resolve with). docs/benchmarks.md
// describes every field.

/** The phases a run measures, in the order they run on one table. */
export const BENCH_PHASES = ['load', 'dump', 'replace', 'delete', 'teardown'] as const;
export type BenchPhase = (typeof BENCH_PHASES)[number];

/** One repetition of one phase by one tool at one size. */
export interface BenchRun {
  /** Wall time of the phase, seconds. */
  wall: number;
  /** CPU time (user + system) of the process doing the work, seconds; null when not measurable. */
  cpu: number | null;
  /** Peak resident memory of that process during the phase, bytes; null when not measurable. */
  peakRss: number | null;
  /** Items the phase accounted as done. */
  ok: number;
  /** Items that failed (then `rate` is null: no rate is reported for a phase that did not do it all). */
  failed: number;
  /** ok / wall, items per second; null when some item failed. */
  rate: number | null;
  /** The first failure's message, when some item failed. */
  error?: string;
}

/** Every repetition of one phase by one tool at one size, with the median and range of the rate. */
export interface BenchResult {
  tool: string;
  /** Items in the set (routes or rules). */
  n: number;
  phase: BenchPhase;
  runs: BenchRun[];
  /** Median, min and max of the runs' rates (runs with failures left out); null when no run did it all. */
  rate: { median: number; min: number; max: number } | null;
}

export interface BenchReport {
  schema: 'netnest-bench/1';
  /** What was loaded. */
  kind: 'routes' | 'rules';
  /** The options as run, defaults filled in. */
  options: Record<string, unknown>;
  machine: { kernel: string; node: string; cpus: number; cpuModel: string; memoryBytes: number };
  /** The version of each tool that ran; a tool that was asked for but could not run is in `skipped`. */
  tools: Record<string, string>;
  skipped: { tool: string; reason: string }[];
  startedAt: string;
  finishedAt: string;
  results: BenchResult[];
}
