// A client closed in the middle of a bulk load whose batches leave from a
// worker thread: the load ends with SocketClosedError (what was not sent yet
// was not made: the outcome is known), the routes of the batches handed to
// the kernel before the close are there, and nothing keeps the process alive
// afterwards.
import { expect } from 'chai';
import { LIB_URL, runModule } from '../support/child.js';

const CHILD = `
import { Rtnl, SocketClosedError } from ${JSON.stringify(LIB_URL)};
const N = 60000;
const r = Rtnl.open();
function* routes() { for (let i = 0; i < N; i++) yield { dst: (10 + (i >> 16)) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '.0/24', type: 'blackhole', table: 100 }; }
let loadedAtClose;
let error;
try {
  await r.route.addMany(routes(), { batchBytes: 4096, onProgress: (done) => { if (loadedAtClose === undefined) { loadedAtClose = done; r.close(); } } });
} catch (e) {
  error = e;
}
const r2 = Rtnl.open();
const listed = (await r2.route.list({ table: 100 })).length;
r2.close();
console.log(JSON.stringify({ error: error?.constructor.name, unknown: error?.outcomeUnknown, loadedAtClose, listed }));
// No process.exit(): the run must end by itself.
`;

describe('bulk: a client closed mid-load', () => {
  it('ends the load with SocketClosedError, keeps what was sent, and lets the process exit', async () => {
    const run = await runModule(CHILD, { unshare: true, timeoutMs: 20_000 });
    expect(run.signal, `the child was killed (it did not exit by itself): ${run.stderr}`).to.equal(null);
    expect(run.status, run.stderr).to.equal(0);
    const r = JSON.parse(run.stdout) as { error: string; unknown: boolean; loadedAtClose: number; listed: number };
    expect(r.error).to.equal('SocketClosedError');
    expect(r.unknown, 'what was never sent was not made').to.equal(false);
    expect(r.loadedAtClose).to.be.greaterThan(0);
    expect(r.listed, 'the routes confirmed before the close are there').to.be.at.least(r.loadedAtClose);
    expect(r.listed, 'the close stopped the load').to.be.below(60000);
  });
});
