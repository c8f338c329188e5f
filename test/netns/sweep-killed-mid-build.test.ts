// A process killed with SIGKILL in the middle of building a topology runs
// no cleanup at all. Anonymous namespaces die with it and take their veth
// pairs along; named ones and objects made in the current namespace are
// what the crash journal is for: sweep() removes exactly those.
import { expect } from 'chai';
import { diff, Rtnl, sweep } from '../../src/index.js';
import { Child } from '../support/child.js';
import { currentSnapshot, journalLines, linkIndex, linkNames, ours, ownNetnsNames, removeDir, removeNetnsNames, tempJournalDir, uniqueName, waitUntil } from '../support/netns.js';

// Builds, says so on stdout, and goes on building (routes in an anonymous
// namespace) until it is killed.
const ANONYMOUS = `
import { NamespaceManager } from __LIB__;
const m = new NamespaceManager({ journalDir: process.argv[2] });
const here = m.rtnl();
const inside = [];
for (let i = 0; i < 3; i++) {
  const ns = m.create();
  const r = m.rtnl(ns);
  inside.push(r);
  await here.link.add({ name: 'sk' + i + 'a', kind: 'veth', up: true, peer: { name: 'sk' + i + 'b', netns: ns.fd, up: true } });
  await here.addr.add({ dev: 'sk' + i + 'a', local: '10.90.' + i + '.1/24' });
  await r.addr.add({ dev: 'sk' + i + 'b', local: '10.90.' + i + '.2/24' });
  await here.route.add({ dst: '10.91.' + i + '.0/24', gateway: '10.90.' + i + '.2' });
  await r.route.add({ dst: 'default', gateway: '10.90.' + i + '.1' });
  await r.rule.add({ priority: 100, fwmark: i + 1, table: 100 });
}
console.log(JSON.stringify({ ready: true }));
for (let n = 0; ; n++) await inside[0].route.add({ dst: '10.92.' + ((n >> 8) & 255) + '.' + (n & 255) + '/32', type: 'blackhole' });
`;

const NAMED = `
import { NamespaceManager } from __LIB__;
import { readdirSync, readFileSync } from 'node:fs';
const [journalDir, bound, persistent] = process.argv.slice(2);
const m = new NamespaceManager({ journalDir });
const here = m.rtnl();
const pb = m.create({ name: bound });
const pers = m.create({ name: persistent, mode: 'persistent' });
const anon = m.create();
await here.link.add({ name: 'skp0', kind: 'veth', peer: { name: 'skp1', netns: pers.fd } });
await here.link.add({ name: 'skb0', kind: 'veth', peer: { name: 'skb1', netns: pb.fd } });
await here.link.add({ name: 'ska0', kind: 'veth', peer: { name: 'ska1', netns: anon.fd } });
await here.route.add({ dst: '10.123.0.0/24', type: 'blackhole', table: 123 });
await here.rule.add({ priority: 1234, fwmark: 0x42, table: 123 });
await m.rtnl(pers).route.add({ dst: '10.124.0.0/24', type: 'blackhole' });
// A link's identity (its ifindex) is journaled just after it is made; wait for the three.
const made = () => readdirSync(journalDir).flatMap((f) => readFileSync(journalDir + '/' + f, 'utf8').split('\\n')).filter((l) => l.includes('"obj-made"') && l.includes('"index"')).length;
while (made() < 3) await new Promise((r) => setTimeout(r, 5));
console.log(JSON.stringify({ ready: true }));
const r = m.rtnl(anon);
for (let n = 0; ; n++) await r.route.add({ dst: '10.125.' + ((n >> 8) & 255) + '.' + (n & 255) + '/32', type: 'blackhole' });
`;

describe('a child process killed with SIGKILL mid-build', () => {
  let journalDir: string;
  let child: Child | undefined;
  const names: string[] = [];

  beforeEach(() => {
    journalDir = tempJournalDir();
  });

  afterEach(async () => {
    try {
      await child?.dispose();
      child = undefined;
      // If a test failed half-way, take out what the child left in our world, by exact name.
      const r = Rtnl.open();
      try {
        for (const l of ['skp0', 'skb0', 'ska0']) await r.link.del(l).catch(() => undefined);
        await r.route.del({ dst: '10.123.0.0/24', type: 'blackhole', table: 123 }).catch(() => undefined);
        await r.rule.del({ priority: 1234, fwmark: 0x42, table: 123 }).catch(() => undefined);
      } finally {
        r.close();
      }
    } finally {
      removeNetnsNames(names.splice(0));
      removeDir(journalDir);
    }
  });

  it('leaves nothing once its anonymous namespaces are destroyed', async () => {
    const before = await currentSnapshot();
    const netnsBefore = ownNetnsNames();
    child = new Child(ANONYMOUS, [journalDir]);
    await child.line();
    expect(linkNames()).to.include.members(['sk0a', 'sk1a', 'sk2a']);

    await child.kill();

    // The kernel destroys the namespaces asynchronously; their veth pairs go with them.
    await waitUntil(() => !linkNames().some((n) => n.startsWith('sk')), 'the veth ends of the dead child to vanish');
    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
    expect(ownNetnsNames()).to.deep.equal(netnsBefore);
  });

  it('leaves only what sweep() removes, and sweep() removes exactly that', async () => {
    const before = await currentSnapshot();
    const netnsBefore = ownNetnsNames();
    const bound = uniqueName('kill-pb');
    const persistent = uniqueName('kill-p');
    names.push(bound, persistent);
    child = new Child(NAMED, [journalDir, bound, persistent]);
    await child.line();
    await child.kill();
    const pid = child.pid;

    // The veths into the process-bound and the anonymous namespace die with them.
    await waitUntil(() => !linkNames().some((n) => n === 'skb0' || n === 'ska0'), 'the veth ends into the dead namespaces to vanish');
    // (A rule's key spells out its whole selector; the priority is enough here.)
    const left = ours(diff(before, await currentSnapshot())).map((c) => `${c.change} ${c.key}`.replace(/^(added rule inet priority 1234) .*/, '$1'));
    expect(left).to.have.members([
      'added link skp0', 'added route inet blackhole 10.123.0.0/24 table 123 tos 0 metric 0', 'added rule inet priority 1234',
      `added netns ${bound}`, `added netns ${persistent}`,
    ]);

    // Written ahead: the journal knew every one of them, the link by its ifindex.
    const lines = journalLines(journalDir);
    const skp0 = (await linkIndex('skp0'))!;
    const [seq] = lines.flatMap((l) => (l.t === 'obj' && (l.obj as { spec: { name?: string } }).spec.name === 'skp0' ? [l.seq] : []));
    expect(lines.find((l) => l.t === 'obj-made' && l.seq === seq)).to.deep.include({ id: { index: skp0 } });
    expect(lines.flatMap((l) => (l.t === 'ns' ? [[l.name, l.mode]] : []))).to.deep.equal([[bound, 'process-bound'], [persistent, 'persistent']]);

    const report = await sweep({ journalDir });
    expect(report.failed).to.deep.equal([]);
    expect(report.removed).to.have.members([
      `rule priority 1234 (pid ${pid})`, `route 10.123.0.0/24 table 123 (pid ${pid})`, `link skp0 (pid ${pid})`,
      `netns ${bound} (pid ${pid})`, `netns ${persistent} (pid ${pid})`,
    ]);
    expect(report.skipped).to.have.members([`link ska0 (pid ${pid}): already gone`, `link skb0 (pid ${pid}): already gone`]);
    expect(report.journals).to.have.length(1);

    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
    expect(ownNetnsNames()).to.deep.equal(netnsBefore);

    const again = await sweep({ journalDir });
    expect(again).to.deep.equal({ live: [], removed: [], skipped: [], unknown: [], failed: [], journals: [] });
  });
});
