// snapshot() and diff(): how "the namespace is as it was" is proven. Every
// kind of object shows up as one readable line when it is added, changed or
// removed, and an untouched namespace compares equal to itself.
import { expect } from 'chai';
import { diff, NamespaceManager, snapshot, type Namespace, type Rtnl, type Snapshot, type SnapshotChange } from '../../src/index.js';
import { ours, removeDir, removeNetnsNames, tempJournalDir, uniqueName } from '../support/netns.js';

// Other processes may add or remove named namespaces meanwhile: diffs keep only what can be ours.
const changes = (a: Snapshot, b: Snapshot): SnapshotChange[] => ours(diff(a, b));
const lines = (cs: SnapshotChange[]): string[] => cs.map((c) => c.line);

describe('snapshot and diff', () => {
  let journalDir: string;
  let m: NamespaceManager;
  let ns: Namespace;
  let r: Rtnl;
  const names: string[] = [];

  beforeEach(async () => {
    journalDir = tempJournalDir();
    m = new NamespaceManager({ journalDir });
    ns = m.create({ lo: true });
    await m.whenReady();
    r = m.rtnl(ns);
    await r.link.add({ name: 'sn0', kind: 'veth', up: true, peer: { name: 'sn1', up: true } });
    await r.addr.add({ dev: 'sn0', local: '10.30.0.1/24' });
    await r.addr.add({ dev: 'sn0', local: '2001:db8:30::1/64' });
  });

  afterEach(async () => {
    try {
      await m.dispose();
    } finally {
      removeNetnsNames(names.splice(0));
      removeDir(journalDir);
    }
  });

  it('two snapshots of an untouched namespace are equal', async () => {
    const a = await snapshot(ns);
    // Let IPv6 duplicate address detection and the kernel's timers move on.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const b = await snapshot(r);
    expect(lines(changes(a, b))).to.deep.equal([]);
    expect(a.namespace).to.equal(ns.id);
    expect(a.items.length).to.be.greaterThan(5);
  });

  it('a link is reported when added, when its mtu changes and when deleted', async () => {
    const s0 = await snapshot(ns);
    await r.link.add({ name: 'snb', kind: 'bridge', mtu: 1500 });
    const s1 = await snapshot(ns);
    await r.link.set('snb', { mtu: 1400 });
    const s2 = await snapshot(ns);
    await r.link.del('snb');
    const s3 = await snapshot(ns);

    const added = changes(s0, s1);
    expect(added.map((c) => [c.change, c.key])).to.deep.equal([['added', 'link snb']]);
    expect(added[0]!.line).to.match(/^\+ link snb \(kind bridge, mtu 1500,/);
    expect(lines(changes(s1, s2))).to.deep.equal(['~ link snb: mtu 1500 -> 1400']);
    const removed = changes(s2, s3);
    expect(removed.map((c) => [c.change, c.key])).to.deep.equal([['removed', 'link snb']]);
    expect(removed[0]!.line).to.match(/^- link snb \(kind bridge, mtu 1400,/);
    expect(lines(changes(s0, s3))).to.deep.equal([]);
  });

  it('routes in several tables, IPv4 and IPv6, are one line each', async () => {
    const before = await snapshot(ns);
    await r.route.add({ dst: '10.31.0.0/24', gateway: '10.30.0.2' });
    await r.route.add({ dst: '10.32.0.0/24', gateway: '10.30.0.2', table: 100 });
    await r.route.add({ dst: '10.33.0.0/24', type: 'blackhole', table: 200 });
    await r.route.add({ dst: '2001:db8:34::/64', gateway: '2001:db8:30::2', table: 300 });
    const after = await snapshot(ns);

    const added = changes(before, after);
    expect(added.every((c) => c.change === 'added' && c.kind === 'route')).to.equal(true);
    expect(lines(added)).to.have.members([
      '+ route inet unicast 10.31.0.0/24 table 254 tos 0 metric 0 (gateway 10.30.0.2, dev sn0, protocol boot, scope global)',
      '+ route inet unicast 10.32.0.0/24 table 100 tos 0 metric 0 (gateway 10.30.0.2, dev sn0, protocol boot, scope global)',
      '+ route inet blackhole 10.33.0.0/24 table 200 tos 0 metric 0 (protocol boot, scope global)',
      '+ route inet6 unicast 2001:db8:34::/64 table 300 tos 0 metric 1024 dev sn0 (gateway 2001:db8:30::2, dev sn0, protocol boot, scope global, pref medium)',
    ]);
  });

  it('a route whose gateway changes is reported as changed', async () => {
    await r.route.add({ dst: '10.35.0.0/24', gateway: '10.30.0.2' });
    const before = await snapshot(ns);
    await r.route.replace({ dst: '10.35.0.0/24', gateway: '10.30.0.3' });
    const after = await snapshot(ns);
    expect(lines(changes(before, after))).to.deep.equal(['~ route inet unicast 10.35.0.0/24 table 254 tos 0 metric 0: gateway "10.30.0.2" -> "10.30.0.3"']);
  });

  it('rules, permanent neighbours and nexthops are added and removed one line each', async () => {
    const before = await snapshot(ns);
    await r.rule.add({ priority: 1000, fwmark: 7, table: 100 });
    await r.rule.add({ family: 6, priority: 1001, src: '2001:db8:36::/48', table: 300 });
    await r.neigh.add({ dst: '10.30.0.9', dev: 'sn0', lladdr: '02:00:00:00:30:09' });
    await r.nexthop.add({ id: 30, gateway: '10.30.0.2', dev: 'sn0' });
    const during = await snapshot(ns);

    const added = changes(before, during);
    expect(added.map((c) => `${c.change} ${c.kind}`).sort()).to.deep.equal(['added neigh', 'added nexthop', 'added rule', 'added rule']);
    expect(lines(added)).to.include.members([
      '+ neigh 10.30.0.9 dev sn0 (lladdr 02:00:00:00:30:09, state PERMANENT)',
      '+ nexthop 30 (gateway 10.30.0.2, dev sn0)',
    ]);
    const rules = added.filter((c) => c.kind === 'rule').map((c) => c.line);
    expect(rules.some((l) => l.startsWith('+ rule inet priority 1000 ') && l.includes('"fwmark":7') && l.includes('"table":100'))).to.equal(true);
    expect(rules.some((l) => l.startsWith('+ rule inet6 priority 1001 ') && l.includes('2001:db8:36::') && l.includes('"table":300'))).to.equal(true);

    await r.rule.del({ priority: 1000, fwmark: 7, table: 100 });
    await r.rule.del({ family: 6, priority: 1001, src: '2001:db8:36::/48', table: 300 });
    await r.neigh.del({ dst: '10.30.0.9', dev: 'sn0' });
    await r.nexthop.del(30);
    const after = await snapshot(ns);
    expect(changes(during, after).map((c) => `${c.line[0]} ${c.kind}`).sort()).to.deep.equal(['- neigh', '- nexthop', '- rule', '- rule']);
    expect(lines(changes(before, after))).to.deep.equal([]);
  });

  it('a named namespace appears among the netns items', async () => {
    const before = await snapshot(ns);
    const name = uniqueName('snap');
    names.push(name);
    m.create({ name });
    const after = await snapshot(ns);
    expect(lines(changes(before, after))).to.include(`+ netns ${name}`);
  });
});
