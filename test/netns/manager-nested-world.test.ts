// The story netnest must make true: from inside the run's sandbox, a
// manager builds a small world of six namespaces linked to the current
// namespace and to each other (veth pairs across namespaces, bridges,
// routes, rules), and one cleanup() puts the current namespace back exactly
// as it was, with every veth end that dies with those namespaces already gone.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { currentNetnsId, diff, NamespaceManager } from '../../src/index.js';
import { sandbox } from '../../src/testing/fixtures.js';
import { currentSnapshot, linkNames, managerFixture, ours, ownNetnsNames, uniqueName, waitUntil } from '../support/netns.js';

describe('a nested world of six namespaces', () => {
  const f = managerFixture();
  const names = f.names;


  it('is built from inside the sandbox and cleanup() leaves the current namespace as it was', async () => {
    expect(currentNetnsId()).to.equal(sandbox().world.id);
    const before = await currentSnapshot();
    const linksBefore = linkNames();
    const netnsBefore = ownNetnsNames();
    const bound = uniqueName('nest-pb');
    const persistent = uniqueName('nest-p');
    names.push(bound, persistent);

    const spaces = [f.m.create({ lo: true }), f.m.create({ lo: true }), f.m.create({ lo: true }), f.m.create({ lo: true }),
      f.m.create({ name: bound, lo: true }), f.m.create({ name: persistent, mode: 'persistent', lo: true })];
    await f.m.whenReady();
    const here = f.m.rtnl();
    const inside = spaces.map((ns) => f.m.rtnl(ns));

    // The current namespace: a bridge, and a veth into each namespace made in one
    // request with both ends placed (netns and peer.netns).
    await here.link.add({ name: 'brw', kind: 'bridge', up: true });
    await here.addr.add({ dev: 'brw', local: '10.50.0.1/24' });
    for (const [i, ns] of spaces.entries()) {
      await here.link.add({ name: `w${i}`, kind: 'veth', netns: ns.fd, up: true, peer: { name: `h${i}`, netns: f.m.root.fd, up: true } });
      if (i < 3) {
        await here.link.set(`h${i}`, { master: 'brw' });
        await inside[i]!.addr.add({ dev: `w${i}`, local: `10.50.0.${10 + i}/24` });
        await inside[i]!.route.add({ dst: 'default', gateway: '10.50.0.1' });
      } else {
        await here.addr.add({ dev: `h${i}`, local: `10.51.${i}.1/24` });
        await inside[i]!.addr.add({ dev: `w${i}`, local: `10.51.${i}.2/24` });
        await here.route.add({ dst: `10.52.${i}.0/24`, gateway: `10.51.${i}.2` });
        await here.route.add({ dst: `10.53.${i}.0/24`, gateway: `10.51.${i}.2`, table: 500 + i });
        await inside[i]!.route.add({ dst: '10.50.0.0/24', gateway: `10.51.${i}.1` });
      }
      await here.rule.add({ priority: 3000 + i, fwmark: 300 + i, table: 500 + i });
    }

    // Between the namespaces: a ring of veth pairs made from the current
    // namespace's client, neither end here; a bridge in n3 joining two of them.
    for (let i = 0; i < 5; i++) {
      await here.link.add({ name: `r${i}a`, kind: 'veth', netns: spaces[i]!.fd, up: true, peer: { name: `r${i}b`, netns: spaces[i + 1]!.fd, up: true } });
    }
    await inside[3]!.link.add({ name: 'br3', kind: 'bridge', up: true });
    await inside[3]!.link.set('r2b', { master: 'br3' });
    await inside[3]!.link.set('r3a', { master: 'br3' });
    await inside[1]!.rule.add({ priority: 100, src: '10.50.0.0/24', table: 10 });
    await inside[4]!.rule.add({ priority: 100, iif: 'r3b', table: 20 });
    await inside[4]!.route.add({ dst: '10.54.0.0/16', type: 'unreachable', table: 20 });
    await inside[5]!.route.add({ dst: '10.55.0.0/16', type: 'blackhole', table: 30 });

    // What a daemon under test would do, knowing nothing of netnest: veth pairs
    // made from inside two namespaces with one end in the current one. Nothing
    // records them; they vanish only when their namespace is destroyed.
    const rootPath = `/proc/${process.pid}/fd/${f.m.root.fd}`;
    spaces[4]!.run(() => execFileSync('ip', ['link', 'add', 'u4', 'type', 'veth', 'peer', 'name', 'hu4', 'netns', rootPath]));
    spaces[5]!.run(() => execFileSync('ip', ['link', 'add', 'u5', 'type', 'veth', 'peer', 'name', 'hu5', 'netns', rootPath]));
    const raw = spaces[2]!.rtnl();
    await raw.link.add({ name: 'u2', kind: 'veth', peer: { name: 'hu2', netns: f.m.root.fd } });
    raw.close();

    expect(linkNames()).to.include.members(['brw', 'h0', 'h5', 'hu2', 'hu4', 'hu5']);
    expect(ownNetnsNames()).to.include.members([bound, persistent]);

    const report = await f.m.cleanup();

    // Nothing of it is left when cleanup() returns: no waiting here.
    expect(linkNames()).to.deep.equal(linksBefore);
    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
    expect(ownNetnsNames()).to.deep.equal(netnsBefore);

    expect(report.failed).to.deep.equal([]);
    expect(report.lingering).to.deep.equal([]);
    expect(report.namespaces).to.have.length(6);
    expect(report.namespaces.filter((n) => n.startsWith('nntest-'))).to.have.members([
      `${bound} (${spaces[4]!.id})`, `${persistent} (${spaces[5]!.id})`,
    ]);
    expect(report.removed).to.include.members([
      'link brw in root', 'address 10.50.0.1/24 dev brw in root',
      ...[0, 1, 2, 3, 4, 5].flatMap((i) => [`link h${i} in root`, `rule priority ${3000 + i} in root`]),
      ...[3, 4, 5].flatMap((i) => [`route 10.52.${i}.0/24 in root`, `route 10.53.${i}.0/24 table ${500 + i} in root`, `address 10.51.${i}.1/24 dev h${i} in root`]),
    ]);
    expect(report.removed).to.have.length(1 + 1 + 12 + 9);
    // Objects inside the namespaces went with them: none is listed one by one.
    expect(report.removed.filter((l) => !l.endsWith(' in root'))).to.deep.equal([]);
  });

  it('reports a veth end that outlives the bounded settle wait, when something else holds its namespace', async () => {
    const quick = new NamespaceManager({ journalDir: f.journalDir, settleTimeoutMs: 50 });
    const ns = quick.create();
    // A process started inside keeps the namespace alive after the manager lets go of it.
    const holder = ns.spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      ns.run(() => execFileSync('ip', ['link', 'add', 'held0', 'type', 'veth', 'peer', 'name', 'hheld0', 'netns', `/proc/${process.pid}/fd/${quick.root.fd}`]));
      const index = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', 'hheld0'], { encoding: 'utf8' }))[0].ifindex as number;

      const report = await quick.dispose();
      expect(report.lingering).to.deep.equal([`link hheld0 (index ${index}) in root`]);
      expect(linkNames()).to.include('hheld0');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    await waitUntil(() => !linkNames().includes('hheld0'), 'the veth end to go with its namespace');
  });
});
