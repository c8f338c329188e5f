// `netnest bench routes|rules` as a user runs it, on tiny sizes: the table,
// the JSON report with counts that add up, the chart with a line per tool, a
// comparison tool that is not installed reported as skipped, a regression
// against an earlier report flagged with exit status 1, and usage errors.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from '../../src/bench/report.js';
import { netnest } from '../support/cli.js';

describe('netnest bench', function () {
  this.timeout(60_000);
  let dir: string;
  let report: BenchReport;
  let table: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netnest-bench-cmd-'));
    // Two runs side by side: the JSON report (with a chart) and the table.
    const [json, text] = await Promise.all([
      netnest('bench', 'routes', '--sizes', '200,400', '--compare', 'ip', '--json', '--plot', join(dir, 'routes.svg')),
      netnest('bench', 'rules', '--sizes', '100', '--compare', 'ip'),
    ]);
    expect(json.code, json.stderr).to.equal(0);
    expect(text.code, text.stderr).to.equal(0);
    report = JSON.parse(json.stdout) as BenchReport;
    table = text.stdout;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: the documented report, every item of every phase accounted', () => {
    expect(report).to.include({ schema: 'netnest-bench/1', kind: 'routes' });
    expect(report.tools).to.have.keys('netnest', 'ip');
    expect(report.results).to.have.length(2 * 2 * 5);
    for (const r of report.results) {
      expect([200, 400]).to.include(r.n);
      for (const run of r.runs) expect(run.ok + run.failed, `${r.tool} ${r.n} ${r.phase}`).to.equal(r.n);
      expect(r.rate, `${r.tool} ${r.n} ${r.phase}`).to.not.equal(null);
    }
  });

  it('--plot: an SVG chart with a line per tool in each phase', () => {
    const svg = readFileSync(join(dir, 'routes.svg'), 'utf8');
    expect(svg.startsWith('<svg')).to.equal(true);
    const lines = [...svg.matchAll(/<path [^>]*>/g)].map((m) => m[0]).filter((el) => el.includes('aria-roledescription="line mark"'))
      .map((el) => /tool: (\w+)/.exec(el)?.[1]);
    expect(lines.filter((t) => t === 'netnest')).to.have.length(5);
    expect(lines.filter((t) => t === 'ip')).to.have.length(5);
  });

  it('prints a table: a row per size and phase, a column per tool, netnest\'s ratio to ip', () => {
    const rows = table.trimEnd().split('\n');
    expect(rows[0]).to.match(/^netnest bench rules: 1 table\(s\), seed 1; 1 repetition\(s\); kernel \S+, node v\d+/);
    expect(rows[1]).to.match(/^\s*N\s+phase\s+netnest\s+ip\s+netnest\/ip$/);
    expect(rows.slice(2).map((r) => r.trim().split(/\s+/)[1])).to.deep.equal(['load', 'dump', 'teardown', 'delete']);
    expect(rows[2]).to.match(/^100\s+load\s+[\d.]+k\/s\s+[\d.]+k\/s\s+[\d.]+x$/);
  });

  it('reports a comparison tool that is not installed as skipped, not as an error', async () => {
    // No ip on PATH (nsenter is found by its full path nowhere either: ip is never started).
    const r = await netnest('bench', 'routes', '--sizes', '100', '--phases', 'load', '--compare', 'ip', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const withIp = JSON.parse(r.stdout) as BenchReport;
    expect(withIp.skipped).to.deep.equal([]);
    const { spawnSync } = await import('node:child_process');
    const main = new URL('../../src/cli/main.js', import.meta.url).pathname;
    const p = spawnSync(process.execPath, [main, 'bench', 'routes', '--sizes', '100', '--phases', 'load', '--compare', 'ip'], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(p.status, p.stderr).to.equal(0);
    expect(p.stdout).to.match(/^skipped ip: ip: not installed$/m);
    expect(p.stdout).to.match(/^100\s+load\s+[\d.]+k\/s$/m);
  });

  it('--against: a rate below an earlier run\'s range is a regression (exit status 1)', async () => {
    const earlier = join(dir, 'earlier.json');
    // The earlier run as ten times faster: every rate now falls below its range.
    const faster = { ...report, results: report.results.map((r) => ({ ...r, rate: r.rate && { median: r.rate.median * 10, min: r.rate.min * 10, max: r.rate.max * 10 } })) };
    writeFileSync(earlier, JSON.stringify(faster));
    const r = await netnest('bench', 'routes', '--sizes', '200', '--phases', 'load', '--against', earlier);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(new RegExp(`^regressions against ${earlier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:$`, 'm'));
    expect(r.stdout).to.match(/^ {2}netnest 200 load: [\d.]+[kM]\/s, was [\d.]+[kM]\/s \([\d.]+[kM]-[\d.]+[kM]\): \d+ % slower$/m);
  });

  it('refuses bad sizes and families with a usage error (exit status 2)', async () => {
    const [sizes, family] = await Promise.all([netnest('bench', 'routes', '--sizes', '10q'), netnest('bench', 'routes', '--family', '5')]);
    expect(sizes.code).to.equal(2);
    expect(sizes.stderr).to.match(/--sizes: '10q' is not a size/);
    expect(family.code).to.equal(2);
    expect(family.stderr).to.match(/--family takes 4, 6 or both/);
  });
});
