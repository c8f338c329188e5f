// A benchmark report as an SVG chart: items per second against N (log scale),
// a line per tool, a small chart per phase, min–max bars where a point had
// several runs. Vega-Lite states the chart (scales, axes, legend, facets) in
// a few lines and Vega renders it to SVG in this process, with no canvas,
// browser or network; hand-drawn SVG would be a second charting library.
import type { TopLevelSpec } from 'vega-lite';
import { BENCH_PHASES, type BenchReport } from './report.js';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

// Loaded on the first plotSvg(): importing Vega and Vega-Lite takes ~150 ms
// that every process importing netnest would otherwise pay.
let libs: Promise<[Vega, VegaLite]> | undefined;

/** One plotted point: a result that has a rate. */
interface Row {
  tool: string;
  phase: string;
  n: number;
  rate: number;
  min: number;
  max: number;
  runs: number;
}

/** Cells side by side: three of 200 px (plus each one's y axis) keep the whole chart near 900 px wide. */
const COLUMNS = 3;

/** The report as SVG: one chart per phase present, in BENCH_PHASES order. */
export async function plotSvg(report: BenchReport): Promise<string> {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).catch((e: unknown) => {
    libs = undefined; // the next call tries again
    throw e;
  });
  const [vega, vl] = await libs;
  const view = new vega.View(vega.parse(vl.compile(chartSpec(report)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The Vega-Lite spec; the data goes inline, so rendering loads nothing. */
function chartSpec(report: BenchReport): TopLevelSpec {
  const rows: Row[] = [];
  for (const r of report.results) {
    // A failed phase has no rate: leaving it out beats drawing it at zero.
    if (r.rate === null) continue;
    rows.push({ tool: r.tool, phase: r.phase, n: r.n, rate: r.rate.median, min: r.rate.min, max: r.rate.max, runs: r.runs.length });
  }
  const phases = BENCH_PHASES.filter((p) => rows.some((r) => r.phase === p));
  // Ticks at the sizes measured, not at a log scale's 2,000 or 4,000; SI labels (10k, 3M),
  // but '~s' alone would write the origin as "0k".
  const sizes = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const x = { field: 'n', type: 'quantitative', title: 'items (N)', scale: { type: 'log' }, axis: { values: sizes, format: '~s' } } as const;
  const axis = { format: '~s', labelExpr: "datum.value === 0 ? '0' : datum.label" };
  const y = { field: 'rate', type: 'quantitative', title: 'items/s', axis } as const;
  const color = { field: 'tool', type: 'nominal', title: 'tool' } as const;
  return {
    title: {
      text: `netnest bench ${report.kind}: items/s against N`,
      subtitle: `kernel ${report.machine.kernel}, node ${report.machine.node}`,
      anchor: 'start',
      offset: 12,
    },
    data: { values: rows },
    facet: { field: 'phase', type: 'nominal', sort: phases, title: null },
    columns: Math.min(COLUMNS, Math.max(1, phases.length)),
    spec: {
      width: 200,
      height: 160,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: { x, y, color },
        },
        {
          // A single run has no spread to show.
          transform: [{ filter: 'datum.runs > 1' }],
          mark: { type: 'errorbar', ticks: true },
          encoding: { x, y: { ...y, field: 'min' }, y2: { field: 'max' }, color },
        },
      ],
    },
    // Phases differ by orders of magnitude (a dump outruns a load): each gets its own y scale.
    resolve: { scale: { y: 'independent' } },
  };
}
