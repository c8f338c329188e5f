// What a manager's clients make in bulk — links, addresses, neighbours,
// nexthops with addMany, a table swapped with route.swapTable — is recorded
// like what they make one by one: cleanup() removes all of it and leaves the
// namespace as it was, and an item that failed because an identical object
// was there already is not taken for ours.
import { expect } from 'chai';
import { diff, NamespaceManager, type Snapshot } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { currentSnapshot, ours, removeDir, tempJournalDir } from '../support/netns.js';

/** Objects someone else made before the test: never removed by the manager. */
const FOREIGN = ['link add fk9 type bridge', 'addr add 10.79.0.1/24 dev fk9', 'rule add priority 7900 lookup 790'];
const FOREIGN_UNDO = ['rule del priority 7900 lookup 790', 'link del fk9'];

describe('bulk-made objects are recorded and cleaned up like single ones', () => {
  let journalDir: string;
  let m: NamespaceManager;
  let before: Snapshot;

  beforeEach(async () => {
    journalDir = tempJournalDir();
    ipBatch(FOREIGN);
    before = await currentSnapshot();
    m = new NamespaceManager({ journalDir });
  });

  afterEach(async () => {
    try {
      await m.dispose();
    } finally {
      for (const line of FOREIGN_UNDO) {
        try { ipBatch([line]); } catch { /* already gone: the test reports it */ }
      }
      removeDir(journalDir);
    }
  });

  it('links, addresses, neighbours, nexthops and a swapped table: all gone after cleanup(), the foreign ones kept', async () => {
    const here = m.rtnl();
    expect((await here.link.addMany([
      { name: 'bk0', kind: 'bridge', up: true },
      { name: 'bk1', kind: 'veth', master: 'bk0', up: true, peer: { name: 'bk1p', up: true } },
    ])).ok).to.equal(2);
    const addrs = await here.addr.addMany([
      ...Array.from({ length: 50 }, (_, i) => ({ dev: 'bk0', local: `10.78.0.${i + 1}/16` })),
      { dev: 'fk9', local: '10.79.0.1/24' }, // the foreign address: EEXIST, not ours
    ]);
    expect(addrs.failed.map((f) => f.index)).to.deep.equal([50]);
    expect((await here.neigh.addMany(Array.from({ length: 20 }, (_, i) => ({ dst: `10.78.1.${i}`, lladdr: '02:00:00:00:00:07', dev: 'bk0' })))).ok).to.equal(20);
    expect((await here.nexthop.addMany(Array.from({ length: 10 }, (_, i) => ({ id: 7800 + i, gateway: `10.78.2.${i}`, dev: 'bk0' })))).ok).to.equal(10);
    await here.rule.add({ priority: 7800, fwmark: 78, table: 780 });
    expect((await here.route.addMany(Array.from({ length: 30 }, (_, i) => ({ dst: `10.77.${i}.0/24`, gateway: '10.78.0.9', table: 780 })))).ok).to.equal(30);
    const swap = await here.route.swapTable({ rule: { priority: 7800, fwmark: 78 }, routes: Array.from({ length: 40 }, (_, i) => ({ dst: `10.76.${i}.0/24`, nhid: 7800 + (i % 10) })) });
    expect(swap).to.deep.include({ swapped: true, table: 781 });
    expect(ipJson<{ priority: number; table: string }[]>(['rule', 'show', 'priority', '7800'])).to.deep.include({ priority: 7800, src: 'all', fwmark: '0x4e', table: '781' });

    const report = await m.cleanup();
    expect(report.failed).to.deep.equal([]);
    expect(report.removed.filter((l) => l.startsWith('route'))).to.have.length(40);
    expect(report.removed.filter((l) => l.startsWith('neighbour'))).to.have.length(20);
    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
  });
});
