// Qdiscs made through a manager's client are recorded like links: cleanup()
// deletes them (their classes and filters go with them), and the snapshot of
// the namespace is as before. The kernel's own default qdiscs — the noqueue a
// veth or bridge gets when it comes up — never show up as changes.
import { expect } from 'chai';
import { diff, NamespaceManager, NetnestError, Rtnl, type Snapshot } from '../../src/index.js';
import { currentSnapshot, ours, removeDir, tempJournalDir } from '../support/netns.js';
import { tcJson } from '../support/tc.js';

describe('cleanup of qdiscs', () => {
  let journalDir: string;
  let m: NamespaceManager;
  let before: Snapshot;

  beforeEach(async () => {
    journalDir = tempJournalDir();
    m = new NamespaceManager({ journalDir });
    before = await currentSnapshot();
  });

  afterEach(async () => {
    try {
      await m.dispose();
    } finally {
      removeDir(journalDir);
    }
  });

  const changes = async (): Promise<string[]> => ours(diff(before, await currentSnapshot())).map((c) => c.line);
  const loQdiscs = (): string[] => tcJson<{ kind: string; handle: string }[]>(['qdisc', 'show', 'dev', 'lo']).map((q) => `${q.kind} ${q.handle}`);

  it('a qdisc tree added in the root through a manager is gone after cleanup(), and the snapshot diff is empty', async () => {
    const here = m.rtnl();
    await here.qdisc.add({ dev: 'lo', handle: '1:', kind: 'htb', options: { default: '10' } });
    await here.tclass.add({ dev: 'lo', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: '10mbit' } });
    await here.qdisc.add({ dev: 'lo', parent: '1:10', handle: '10:', kind: 'tbf', options: { rate: '10mbit', burst: '32kb', latency: '10ms' } });
    await here.filter.add({ dev: 'lo', parent: '1:', kind: 'u32', options: { match: [{ value: 0, mask: 0 }], classid: '1:10' } });
    await here.qdisc.add({ dev: 'lo', kind: 'ingress' });
    expect(await changes()).to.deep.equal([
      // tc's tick arithmetic gives the 32 KiB burst back as 32767 bytes (tc shows the same).
      '+ qdisc dev lo parent 1:10 (kind tbf, handle 10:, options {"rate":1250000,"burst":32767,"limit":45268})',
      '+ qdisc dev lo parent ingress (kind ingress, handle ffff:, options {})',
      '+ qdisc dev lo root (kind htb, handle 1:, options {"r2q":10,"default":"10","direct_qlen":1000})',
    ]);

    const report = await m.cleanup();
    expect(report.failed).to.deep.equal([]);
    expect(report.removed).to.include.members(['qdisc ingress dev lo parent ingress in root', 'qdisc htb dev lo root in root']);
    expect(loQdiscs()).to.deep.equal(['noqueue 0:']);
    expect(await changes()).to.deep.equal([]);
  });

  it('replacing the root default qdisc is adding: cleanup() brings the default back', async () => {
    await m.rtnl().qdisc.replace({ dev: 'lo', kind: 'tbf', options: { rate: '1mbit', burst: '10kb', limit: 10_000 } });
    expect(loQdiscs()[0]).to.match(/^tbf [0-9a-f]+:$/); // the kernel chose the handle
    await m.cleanup();
    expect(loQdiscs()).to.deep.equal(['noqueue 0:']);
    expect(await changes()).to.deep.equal([]);
  });

  it('replacing a qdisc the manager did not make is refused before anything is sent', async () => {
    const plain = Rtnl.open();
    try {
      await plain.qdisc.add({ dev: 'lo', handle: '5:', kind: 'htb' });
      const err = await m.rtnl().qdisc.replace({ dev: 'lo', handle: '6:', kind: 'htb' }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(NetnestError).with.property('code', 'ERR_NOT_OURS');
      expect(loQdiscs()).to.deep.equal(['htb 5:']);
      await m.cleanup();
      expect(loQdiscs()).to.deep.equal(['htb 5:']); // not ours: left alone
    } finally {
      await plain.qdisc.del({ dev: 'lo' });
      plain.close();
    }
  });

  it('links that come up with the kernel\'s default qdiscs (veth, bridge) add no qdisc lines to a diff', async () => {
    const here = m.rtnl();
    await here.link.add({ name: 'qdv0', kind: 'veth', up: true, peer: { name: 'qdv1', up: true } });
    await here.link.add({ name: 'qdbr', kind: 'bridge', up: true });
    await here.link.set('qdv1', { master: 'qdbr' });
    const kinds = new Set(ours(diff(before, await currentSnapshot())).map((c) => c.kind));
    expect([...kinds]).to.not.include('qdisc');
    expect(kinds.has('link')).to.equal(true);
    await m.cleanup();
    expect(await changes()).to.deep.equal([]);
  });
});
