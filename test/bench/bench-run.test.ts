// bench.routes() and bench.rules() on tiny sets: every phase of every tool
// accounted for item by item, the report in its documented shape, and the
// tables of the namespace the test runs in untouched.
import { expect } from 'chai';
import { Rtnl, ValidationError } from '../../src/index.js';
import { BENCH_PHASES, routes, rules, type BenchReport } from '../../src/bench/index.js';

function expectAccounted(report: BenchReport, tools: string[], sizes: number[], phases: readonly string[], repeat: number): void {
  for (const tool of tools) {
    for (const n of sizes) {
      for (const phase of phases) {
        const r = report.results.find((x) => x.tool === tool && x.n === n && x.phase === phase);
        expect(r, `${tool} ${n} ${phase}`).to.not.equal(undefined);
        expect(r!.runs).to.have.length(repeat);
        for (const run of r!.runs) {
          expect(run.ok + run.failed, `${tool} ${n} ${phase}: every item accounted`).to.equal(n);
          expect(run.failed, `${tool} ${n} ${phase}`).to.equal(0);
          expect(run.wall).to.be.greaterThan(0);
          expect(run.rate).to.be.closeTo(n / run.wall, 1e-6 * n / run.wall);
        }
        expect(r!.rate!.min).to.be.at.most(r!.rate!.median);
        expect(r!.rate!.median).to.be.at.most(r!.rate!.max);
      }
    }
  }
}

describe('bench: routes() and rules()', function () {
  this.timeout(60_000);
  let routesBefore: number;

  before(async () => {
    const r = Rtnl.open();
    routesBefore = (await r.route.list({ table: 'all' })).length;
    r.close();
  });

  after(async () => {
    const r = Rtnl.open();
    expect((await r.route.list({ table: 'all' })).length, 'the namespace the test runs in is untouched').to.equal(routesBefore);
    r.close();
  });

  it('routes: multipath over 2 tables, both families, 2 sizes, 2 repetitions, netnest and ip', async () => {
    const report = await routes({ sizes: [150, 300], family: 'both', paths: 2, tables: 2, repeat: 2, compare: ['ip'] });
    expect(report.schema).to.equal('netnest-bench/1');
    expect(report.kind).to.equal('routes');
    expect(report.options).to.deep.include({ sizes: [150, 300], family: 'both', paths: 2, tables: 2, repeat: 2, shape: 'full-table', seed: 1 });
    expect(report.tools).to.have.keys('netnest', 'ip');
    expect(report.skipped).to.deep.equal([]);
    expect(report.machine.cpus).to.be.greaterThan(0);
    expectAccounted(report, ['netnest', 'ip'], [150, 300], BENCH_PHASES, 2);
    expect(report.results).to.have.length(2 * 2 * BENCH_PHASES.length);
  });

  it('rules: load, dump, delete and teardown (no replace), and only the phases asked for', async () => {
    const report = await rules({ sizes: [120], compare: ['ip'] });
    expectAccounted(report, ['netnest', 'ip'], [120], ['load', 'dump', 'delete', 'teardown'], 1);
    expect(report.results.some((r) => r.phase === 'replace')).to.equal(false);
    const some = await routes({ sizes: [100], phases: ['load', 'teardown'] });
    expect(some.results.map((r) => r.phase)).to.deep.equal(['load', 'teardown']);
  });

  it('refuses bad options before any namespace is made', async () => {
    for (const bad of [{ sizes: [0] }, { sizes: [] }, { compare: ['iproute'] }, { paths: 0 }, { phases: ['warmup'] }, { sise: [1] }]) {
      let err: unknown;
      try {
        await routes(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).to.be.instanceOf(ValidationError);
    }
  });
});
