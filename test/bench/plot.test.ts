// A benchmark report drawn as SVG shows what a reader compares: a line per
// tool in a chart per phase, every tool in the legend, named axes, and no
// point for a result that has no rate. The assertions read the roles and
// labels Vega writes into its SVG (class="mark-line ...", aria-roledescription).
import { expect } from 'chai';
import { plotSvg } from '../../src/bench/plot.js';
import type { BenchPhase, BenchReport, BenchResult } from '../../src/bench/report.js';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

// Enough XML for SVG as Vega writes it: elements, attributes in double quotes, text, entities.
// Anything else (a comment, an unclosed or crossed tag, a bare '&') fails the parse.
function parseXml(xml: string): El {
  const doc: El = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [doc];
  const token = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const badEntity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/;
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const m = token.exec(xml);
    const fail = (why: string) => new Error(`not well-formed at ${at} (${why}): ${xml.slice(at, at + 60)}`);
    if (!m) throw fail('no tag or text here');
    const [, close, name, attrText = '', selfClose, text] = m;
    const top = stack.at(-1)!;
    if (badEntity.test(m[0])) throw fail('bare &');
    if (text !== undefined) {
      if (top === doc && text.trim() !== '') throw fail('text outside the root');
      top.text += text;
    } else if (close) {
      if (attrText || selfClose || top.name !== name) throw fail(`closes ${name} inside ${top.name}`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of attrText.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
        if (k! in attrs) throw fail(`attribute ${k} twice`);
        attrs[k!] = v!;
      }
      const el: El = { name: name!, attrs, children: [], text: '' };
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`not well-formed: <${stack.at(-1)!.name}> never closed`);
  if (doc.children.length !== 1) throw new Error(`not well-formed: ${doc.children.length} root elements`);
  return doc.children[0]!;
}

const all = (el: El, pick: (e: El) => boolean): El[] => [
  ...(pick(el) ? [el] : []),
  ...el.children.flatMap((c) => all(c, pick)),
];
const textOf = (el: El): string => el.text + el.children.map(textOf).join('');
const hasClass = (c: string) => (e: El) => (e.attrs.class ?? '').split(' ').includes(c);
const role = (r: string) => (e: El) => e.attrs['aria-roledescription'] === r;
/** The tool a mark stands for, from the label Vega gives it ("items (N): 1000; items/s: 50k; tool: ip"). */
const toolOf = (e: El): string => /(?:^|; )tool: ([^;]*)/.exec(e.attrs['aria-label'] ?? '')?.[1] ?? '?';

const result = (tool: string, phase: BenchPhase, n: number, median: number | null, runs = 3): BenchResult => ({
  tool,
  phase,
  n,
  runs: Array.from({ length: runs }, () => ({ wall: 1, cpu: null, peakRss: null, ok: n, failed: median === null ? 1 : 0, rate: median })),
  rate: median === null ? null : { median, min: median * 0.9, max: median * 1.1 },
});

// netnest in both phases (one run each when dumping), ip only loading and failing at 10k.
// Results are listed dump first: the charts follow BENCH_PHASES, not the report.
const report: BenchReport = {
  schema: 'netnest-bench/1',
  kind: 'routes',
  options: {},
  machine: { kernel: '6.8.0-test', node: 'v20.99.0', cpus: 4, cpuModel: 'test cpu', memoryBytes: 2 ** 33 },
  tools: { netnest: '0.1.0', ip: 'iproute2-6.1.0' },
  skipped: [],
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  results: [
    result('netnest', 'dump', 1_000, 2e6, 1),
    result('netnest', 'dump', 10_000, 3e6, 1),
    result('netnest', 'dump', 100_000, 4e6, 1),
    result('netnest', 'load', 1_000, 2e5),
    result('netnest', 'load', 10_000, 3e5),
    result('netnest', 'load', 100_000, 4e5),
    result('ip', 'load', 1_000, 1e5),
    result('ip', 'load', 10_000, null),
    result('ip', 'load', 100_000, 1.5e5),
  ],
};

describe('benchmark chart (plotSvg)', () => {
  let svg: string;
  let root: El;
  /** Each phase's chart: its title, and the tools of its lines, points and min–max bars. */
  let cells: { phase: string; lines: string[]; points: El[]; bars: string[] }[];

  before(async () => {
    svg = await plotSvg(report);
    root = parseXml(svg);
    const grid = all(root, hasClass('cell'));
    expect(grid, 'one group of per-phase charts').to.have.length(1);
    cells = grid[0]!.children.map((cell) => ({
      phase: all(cell, role('title')).map(textOf).join('|'),
      lines: all(cell, role('line mark')).map(toolOf).sort(),
      points: all(cell, role('point')),
      bars: all(cell, role('errorbar')).map(toolOf).sort(),
    }));
  });

  it('is one well-formed SVG document', () => {
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(root.name).to.equal('svg');
    expect(Number(root.attrs.width)).to.be.within(300, 1000);
    // Nothing fetched when it is opened: no links, remote fonts or images.
    expect(svg).not.to.match(/href=|url\(|@import|@font-face|<image/);
  });

  it('draws a chart per phase present, in the order phases run', () => {
    expect(cells.map((c) => c.phase)).to.deep.equal(['load', 'dump']);
  });

  it('draws one line per tool in each phase, and none for a tool that did not run it', () => {
    expect(cells.map((c) => c.lines)).to.deep.equal([['ip', 'netnest'], ['netnest']]);
    // Each is a <path> of its own in a line-mark group, not one path drawn across tools.
    const paths = all(root, hasClass('mark-line')).flatMap((g) => g.children);
    expect(paths.map((p) => `${p.name} ${p.attrs['aria-roledescription']}`)).to.deep.equal(Array(3).fill('path line mark'));
  });

  it('names every tool once in a single legend titled "tool"', () => {
    const legends = all(root, hasClass('role-legend'));
    expect(legends).to.have.length(1);
    expect(all(legends[0]!, hasClass('role-legend-title')).map(textOf)).to.deep.equal(['tool']);
    expect(all(legends[0]!, hasClass('role-legend-label')).map(textOf).sort()).to.deep.equal(['ip', 'netnest']);
  });

  it('titles the axes and the chart, with the machine in the subtitle', () => {
    const axisTitles = new Set(all(root, hasClass('role-axis-title')).map(textOf));
    expect([...axisTitles].sort()).to.deep.equal(['items (N)', 'items/s']);
    expect(all(root, hasClass('role-title-text')).map(textOf)).to.include('netnest bench routes: items/s against N');
    const subtitle = all(root, hasClass('role-title-subtitle')).map(textOf).join(' ');
    expect(subtitle).to.include('6.8.0-test').and.to.include('v20.99.0');
  });

  it('leaves out the result that has no rate', () => {
    const load = cells[0]!;
    const ipPoints = load.points.filter((p) => toolOf(p) === 'ip').map((p) => p.attrs['aria-label']);
    expect(ipPoints).to.have.length(2);
    expect(ipPoints.some((l) => /items \(N\): 10000;/.test(l ?? ''))).to.equal(false);
    expect(cells.map((c) => c.points.length)).to.deep.equal([5, 3]);
  });

  it('shows min–max bars only where a point had more than one run', () => {
    expect(cells.map((c) => c.bars)).to.deep.equal([['ip', 'ip', 'netnest', 'netnest', 'netnest'], []]);
  });

  it('refuses a document that is not well-formed (the check above can fail)', () => {
    expect(() => parseXml('<svg><g></svg></g>')).to.throw(/not well-formed/);
    expect(() => parseXml('<svg><text>a & b</text></svg>')).to.throw(/bare &/);
    expect(() => parseXml('<svg><g>')).to.throw(/never closed/);
  });
});
