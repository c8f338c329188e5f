// Dumps read one part ahead on a worker thread. Leaving a dump early, or
// closing the client in the middle of one, must neither lose nor mix up
// parts, nor leave anything that keeps the process alive.
import { expect } from 'chai';
import { LIB_URL, runModule } from '../support/child.js';

const CHILD = `
import { Rtnl, SocketClosedError } from ${JSON.stringify(LIB_URL)};
const N = 20000;
const r = Rtnl.open();
function* routes() { for (let i = 0; i < N; i++) yield { dst: '10.' + (i >> 8) + '.' + (i & 255) + '.0/24', type: 'blackhole', table: 100 }; }
await r.route.addMany(routes());
// Left early, twice in a row: the rest of each dump is drained before the next starts.
const firsts = [];
for (let k = 0; k < 2; k++) {
  for await (const route of r.route.dump({ family: 4, table: 100 })) { firsts.push(route.dst); break; }
}
const all = await r.route.list({ family: 4, table: 100 });
const streamed = [];
for await (const route of r.route.dump({ family: 4, table: 100 })) streamed.push(route.dst);
// Closed in the middle of a dump.
let n = 0;
let error;
try {
  for await (const route of r.route.dump({ family: 4, table: 100 })) if (++n === 100) r.close();
} catch (e) {
  error = e;
}
console.log(JSON.stringify({ firsts, listed: all.length, same: JSON.stringify(streamed) === JSON.stringify(all.map((x) => x.dst)), distinct: new Set(streamed).size, n, error: error?.constructor.name }));
`;

describe('route dumps read ahead', () => {
  it('survive leaving early and closing mid-dump, and let the process exit', async () => {
    const run = await runModule(CHILD, { unshare: true, timeoutMs: 20_000 });
    expect(run.signal, `the child was killed (it did not exit by itself): ${run.stderr}`).to.equal(null);
    expect(run.status, run.stderr).to.equal(0);
    const r = JSON.parse(run.stdout) as { firsts: string[]; listed: number; same: boolean; distinct: number; n: number; error?: string };
    expect(r.firsts).to.deep.equal([r.firsts[0], r.firsts[0]]);
    expect(r.listed).to.equal(20000);
    expect(r.same, 'dump() yields what list() returns, in the same order').to.equal(true);
    expect(r.distinct).to.equal(20000);
    expect(r.error).to.equal('SocketClosedError');
    expect(r.n).to.be.below(20000);
  });
});
