// When a build fails halfway, cleanup() still puts everything back; the
// manager disposes itself at the end of an `await using` block; cleanup()
// can be called twice and the manager used again afterwards.
import { expect } from 'chai';
import { diff, NamespaceManager, NetlinkError, NetnestError, type Snapshot } from '../../src/index.js';
import { currentSnapshot, linkNames, ours, ownNetnsNames, removeDir, removeNetnsNames, tempJournalDir, uniqueName } from '../support/netns.js';

describe('cleanup after exceptions', () => {
  let journalDir: string;
  let before: Snapshot;
  let namesBefore: string[];
  const names: string[] = [];
  const managers: NamespaceManager[] = [];
  const manager = (): NamespaceManager => {
    const m = new NamespaceManager({ journalDir });
    managers.push(m);
    return m;
  };

  beforeEach(async () => {
    journalDir = tempJournalDir();
    before = await currentSnapshot();
    namesBefore = ownNetnsNames();
  });

  afterEach(async () => {
    try {
      for (const m of managers.splice(0)) await m.dispose();
    } finally {
      removeNetnsNames(names.splice(0));
      removeDir(journalDir);
    }
  });

  const unchanged = async (): Promise<void> => {
    const now = await currentSnapshot();
    expect(ours(diff(before, now)).map((c) => c.line)).to.deep.equal([]);
    expect(ownNetnsNames()).to.deep.equal(namesBefore);
  };

  /** Namespaces, veths into the current namespace, addresses, routes and a rule; then a duplicate. */
  async function build(m: NamespaceManager, failWith: 'link' | 'route' | 'namespace'): Promise<void> {
    const here = m.rtnl();
    const name = uniqueName('exc');
    names.push(name, `${name}-p`);
    const spaces = [m.create(), m.create({ name }), m.create({ name: `${name}-p`, mode: 'persistent' })];
    for (const [i, ns] of spaces.entries()) {
      const inside = m.rtnl(ns);
      await here.link.add({ name: `ex${i}`, kind: 'veth', up: true, peer: { name: `ex${i}p`, netns: ns.fd, up: true } });
      await here.addr.add({ dev: `ex${i}`, local: `10.40.${i}.1/24` });
      await inside.addr.add({ dev: `ex${i}p`, local: `10.40.${i}.2/24` });
      await here.route.add({ dst: `10.41.${i}.0/24`, gateway: `10.40.${i}.2` });
      await inside.route.add({ dst: 'default', gateway: `10.40.${i}.1` });
    }
    await here.rule.add({ priority: 4000, fwmark: 40, table: 40 });
    switch (failWith) {
      case 'link': await here.link.add({ name: 'ex1', kind: 'bridge' }); break;
      case 'route': await here.route.add({ dst: '10.41.0.0/24', gateway: '10.40.0.2' }); break;
      case 'namespace': m.create({ name }); break;
    }
    await here.route.add({ dst: '10.42.0.0/24', gateway: '10.40.0.2' }); // never reached
  }

  for (const [failWith, code] of [['link', 'EEXIST'], ['route', 'EEXIST'], ['namespace', 'ERR_NAMESPACE_EXISTS']] as const) {
    it(`a build that throws halfway (a duplicate ${failWith}: ${code}) leaves nothing after cleanup()`, async () => {
      const m = manager();
      let err: unknown;
      try {
        await build(m, failWith);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(failWith === 'namespace' ? NetnestError : NetlinkError).with.property('code', code);

      const report = await m.cleanup();
      expect(report.failed).to.deep.equal([]);
      expect(report.lingering).to.deep.equal([]);
      expect(report.namespaces).to.have.length(3);
      expect(m.namespaces).to.deep.equal([]);
      await unchanged();
    });
  }

  it('await using cleans up at the end of the block, even when it throws', async () => {
    let seen: string[] = [];
    let err: unknown;
    try {
      await using m = new NamespaceManager({ journalDir });
      const ns = m.create();
      await m.rtnl().link.add({ name: 'ud0', kind: 'veth', peer: { name: 'ud1', netns: ns.fd } });
      await m.rtnl().route.add({ dst: '10.43.0.0/24', type: 'blackhole', table: 43 });
      seen = linkNames();
      throw new Error('leaving the block');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('leaving the block');
    expect(seen).to.include('ud0');
    await unchanged();
  });

  it('cleanup() is idempotent: a second call removes nothing and does not throw', async () => {
    const m = manager();
    const ns = m.create();
    const client = m.rtnl();
    await client.link.add({ name: 'id0', kind: 'veth', peer: { name: 'id1', netns: ns.fd } });

    const first = await m.cleanup();
    expect(client.socket.isClosed, 'the clients it handed out are closed').to.equal(true);
    expect(first.removed).to.deep.equal(['link id0 in root']);
    expect(first.namespaces).to.deep.equal([ns.toString()]);

    const second = await m.cleanup();
    expect(second).to.deep.equal({ removed: [], alreadyGone: [], skipped: [], unknown: [], namespaces: [], failed: [], lingering: [], deferred: [] });
    await unchanged();
  });

  it("settle: 'defer' reports the root end of a veth into a deleted namespace as deferred, not also as removed", async () => {
    const m = manager();
    await m.rtnl().link.add({ name: 'df0', kind: 'veth', peer: { name: 'df1', netns: m.create().fd } });
    const report = await m.cleanup({ settle: 'defer' });
    expect(report.removed).to.deep.equal([]);
    expect(report.deferred).to.have.length(1);
    expect(report.deferred[0]).to.match(/^link df0 \(index \d+\) as \S+$/);
    expect(await m.settle()).to.deep.equal([]);
    await unchanged();
  });

  it('the manager can be used again after cleanup()', async () => {
    const m = manager();
    await m.rtnl().link.add({ name: 'again0', kind: 'veth', peer: { name: 'again1', netns: m.create().fd } });
    await m.cleanup();

    const ns = m.create();
    const here = m.rtnl();
    await here.link.add({ name: 'again0', kind: 'veth', peer: { name: 'again1', netns: ns.fd } });
    expect((await m.rtnl(ns).link.list()).map((l) => l.name)).to.deep.equal(['lo', 'again1']);
    const report = await m.cleanup();
    expect(report.removed).to.deep.equal(['link again0 in root']);
    expect(report.namespaces).to.have.length(1);
    await unchanged();
  });
});

