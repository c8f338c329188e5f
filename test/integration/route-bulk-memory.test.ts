// addMany holds only the batches in flight, never its whole input: fed
// 100,000 routes by a generator, the heap stays far below what holding
// them all would take. (A memory bound, not a timing assertion.) Batches of
// 32 KiB keep what is legitimately in flight the same small share of the
// input as 300,000 routes in the default 128 KiB batches, at a third of the
// load; the bound scales with the input, so it is as tight per route.
import { expect } from 'chai';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Namespace, RouteSpec, Rtnl } from '../../src/index.js';
import { ipBatch } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

/** A full collection on demand, so heapUsed measures live objects rather than garbage not yet collected. */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const N = 100_000;
const BATCH_BYTES = 32 * 1024;

function route(i: number): RouteSpec {
  return { dst: `${30 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: '10.0.0.2', table: 100 };
}

function* routes(n: number): Generator<RouteSpec> {
  for (let i = 0; i < n; i++) yield route(i);
}

describe('bulk: memory stays bounded for long inputs', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;

  // The kernel frees the routes with the namespace, when the manager deletes it.
  before(() => {
    ns = shared().create();
    // A plain client, as a daemon opens one: the manager's own clients also
    // tell its ledger about every item, which is not what is measured here.
    rtnl = ns.rtnl();
    ipBatch(['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0'], ns);
  });

  after(() => rtnl?.close());

  it('100,000 routes from a generator: heap growth stays under a tenth of what holding them all needs', async () => {
    const gc = collector();

    // What holding every item would cost, measured on a sample and scaled up.
    const sample = 20_000;
    gc();
    const empty = process.memoryUsage().heapUsed;
    const held = Array.from({ length: sample }, (_, i) => route(i));
    gc();
    const holdAll = ((process.memoryUsage().heapUsed - empty) / sample) * N;
    expect(held).to.have.length(sample); // keeps the sample alive until measured
    held.length = 0;

    // Bound: a tenth of that. The library legitimately holds the batches in
    // flight (window 4 + the one being filled, each 32 KiB of 44- to 60-byte
    // messages, 550 to 750 routes): at most 3,700 items, under 4% of the input.
    const bound = holdAll / 10;

    let batches = 0;
    let baseline = 0;
    let growth = 0;
    const result = await rtnl.route.addMany(routes(N), {
      batchBytes: BATCH_BYTES,
      onProgress: () => {
        batches++;
        // Sample after the first batches (buffers and caches warmed up), every tenth batch.
        if (batches !== 5 && (batches < 5 || batches % 10 !== 0)) return;
        gc();
        const used = process.memoryUsage().heapUsed;
        if (batches === 5) baseline = used;
        else growth = Math.max(growth, used - baseline);
      },
    });

    expect(result).to.deep.equal({ total: N, ok: N, failed: [] });
    expect(batches, 'enough batches to sample').to.be.greaterThan(50);
    expect(holdAll, 'holding every route costs megabytes').to.be.greaterThan(N * 33); // 10 MB for 300,000, as before
    expect(growth, `heap grew ${(growth / 1e6).toFixed(1)} MB; holding all would take ${(holdAll / 1e6).toFixed(1)} MB`).to.be.below(bound);
  });
});
