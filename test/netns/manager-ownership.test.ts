// cleanup() and sweep() remove only what netnest created: objects and
// namespaces that existed before (made here with `ip`) survive both, even
// when the manager's clients replaced them, tried to create them again, or
// worked inside them.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { diff, Namespace, NamespaceManager, NetnestError, sweep, type Rtnl, type Snapshot } from '../../src/index.js';
import { ipBatch } from '../support/ip.js';
import { Child } from '../support/child.js';
import { currentSnapshot, netnsNames, ours, removeDir, removeNetnsNames, tempJournalDir, uniqueName, waitUntil } from '../support/netns.js';

const EXISTING = [
  'link add own0 type veth peer name own1',
  // No IPv6 link-local addresses: the kernel would add them (and their routes) a moment
  // after the snapshot is taken, and the diff would see someone else's change.
  'link set own0 addrgenmode none',
  'link set own1 addrgenmode none',
  'link set own0 up',
  'link set own1 up',
  'addr add 10.70.0.1/24 dev own0',
  'route add 10.71.0.0/24 via 10.70.0.2 dev own0',
  'rule add priority 7000 fwmark 70 table 70',
  'neigh add 10.70.0.9 lladdr 02:00:00:00:70:09 dev own0 nud permanent',
  'nexthop add id 700 via 10.70.0.2 dev own0',
];

/**
 * What a client does to objects that exist already: try to replace them, or
 * to create them again (each attempt's error code is returned). Then one new route.
 * Runs here, and in a child process as its source text.
 */
async function touch(here: Rtnl): Promise<string[]> {
  const failed: string[] = [];
  const tryAdd = (p: Promise<unknown>): Promise<unknown> => p.then(() => failed.push('created?!'), (e: { code: string }) => failed.push(e.code));
  // Replacing them would change what cleanup cannot restore: refused, nothing sent.
  await tryAdd(here.route.replace({ dst: '10.71.0.0/24', gateway: '10.70.0.3', dev: 'own0' }));
  await tryAdd(here.addr.replace({ dev: 'own0', local: '10.70.0.1/24', valid_lft: 100 }));
  await tryAdd(here.neigh.replace({ dst: '10.70.0.9', dev: 'own0', lladdr: '02:00:00:00:70:10' }));
  await tryAdd(here.nexthop.replace({ id: 700, gateway: '10.70.0.3', dev: 'own0' }));
  await tryAdd(here.link.add({ name: 'own0', kind: 'veth', peer: { name: 'own9' } }));
  await tryAdd(here.route.add({ dst: '10.71.0.0/24', gateway: '10.70.0.2', dev: 'own0' }));
  await tryAdd(here.nexthop.add({ id: 700, gateway: '10.70.0.2', dev: 'own0' }));
  await tryAdd(here.neigh.add({ dst: '10.70.0.9', dev: 'own0', lladdr: '02:00:00:00:70:09' }));
  await tryAdd(here.rule.add({ priority: 7000, fwmark: 70, table: 70 }));
  await here.route.add({ dst: '10.72.0.0/24', gateway: '10.70.0.2' });
  return failed;
}

const TOUCH_AND_DIE = `
import { NamespaceManager } from __LIB__;
import { readdirSync, readFileSync } from 'node:fs';
const [journalDir, theirs] = process.argv.slice(2);
const m = new NamespaceManager({ journalDir });
const here = m.rtnl();
const failed = await (${touch.toString()})(here);
try { m.create({ name: theirs, mode: 'persistent' }); failed.push('taken over?!'); } catch (e) { failed.push(e.code); }
const adopted = m.rtnl(m.adopt(theirs));
await adopted.link.add({ name: 'mine1', kind: 'bridge' });
await here.link.add({ name: 'own5', kind: 'bridge' });
// The link's identity (ifindex) reaches the journal just after add() resolves; a
// link without one is left alone by sweep, so wait for it before announcing.
const made = () => readdirSync(journalDir).flatMap((f) => readFileSync(journalDir + '/' + f, 'utf8').split('\\n')).filter((l) => l.includes('"obj-made"') && l.includes('"index"')).length;
while (made() < 2) await new Promise((r) => setTimeout(r, 5));
console.log(JSON.stringify({ failed }));
setInterval(() => {}, 1000);
`;

describe('ownership: what existed before survives', () => {
  let journalDir: string;
  let m: NamespaceManager;
  let child: Child | undefined;
  const names: string[] = [];

  beforeEach(() => {
    journalDir = tempJournalDir();
    m = new NamespaceManager({ journalDir });
  });

  afterEach(async () => {
    try {
      await child?.dispose();
      child = undefined;
      await m.dispose();
      // The objects made with ip are ours to remove: by exact name.
      execFileSync('sh', ['-c', 'ip nexthop del id 700; ip rule del priority 7000 fwmark 70 table 70; ip link del own0; ip link del own5; true'], { stdio: 'ignore' });
    } finally {
      removeNetnsNames(names.splice(0));
      removeDir(journalDir);
    }
  });

  describe('objects made with ip in the current namespace', () => {
    let before: Snapshot;

    beforeEach(async () => {
      ipBatch(EXISTING);
      before = await currentSnapshot();
    });

    it('survive cleanup() unchanged: the manager refuses to replace them and fails to create them again', async () => {
      const failed = await touch(m.rtnl());
      expect(failed).to.deep.equal([...Array(4).fill('ERR_NOT_OURS'), ...Array(5).fill('EEXIST')]);

      const report = await m.cleanup();
      expect(report.removed).to.deep.equal(['route 10.72.0.0/24 in root']);
      expect([report.failed, report.skipped, report.unknown]).to.deep.equal([[], [], []]);
      expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
    });

    it('survive sweep() after a process that touched them, and a named namespace made with ip, was killed', async () => {
      const theirs = uniqueName('theirs');
      names.push(theirs);
      execFileSync('ip', ['netns', 'add', theirs]);
      execFileSync('ip', ['-n', theirs, 'link', 'add', 'pre1', 'type', 'bridge']);
      const beforeAll = await currentSnapshot();
      child = new Child(TOUCH_AND_DIE, [journalDir, theirs]);
      expect((await child.line()).failed).to.deep.equal([...Array(4).fill('ERR_NOT_OURS'), ...Array(5).fill('EEXIST'), 'ERR_NAMESPACE_EXISTS']);
      await child.kill();

      const report = await sweep({ journalDir });
      expect(report.failed).to.deep.equal([]);
      expect(report.removed).to.have.members([`route 10.72.0.0/24 (pid ${child.pid})`, `link own5 (pid ${child.pid})`, `link mine1 (pid ${child.pid})`]);
      expect(ours(diff(beforeAll, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
      expect(netnsNames()).to.include(theirs);
      const links = JSON.parse(execFileSync('ip', ['-n', theirs, '-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
      expect(links.map((l) => l.ifname)).to.deep.equal(['lo', 'pre1']);
    });
  });

  it('create({ name }) with a name that exists fails with ERR_NAMESPACE_EXISTS and does not take it over', async () => {
    const name = uniqueName('taken');
    names.push(name);
    execFileSync('ip', ['netns', 'add', name]);
    const theirs = Namespace.openPath(name);
    try {
      for (const mode of ['process-bound', 'persistent'] as const) {
        let err: unknown;
        try {
          m.create({ name, mode });
        } catch (e) {
          err = e;
        }
        expect(err, mode).to.be.instanceOf(NetnestError).with.property('code', 'ERR_NAMESPACE_EXISTS');
        expect((err as Error).message).to.include(name);
      }
      expect(m.namespaces).to.deep.equal([]);
      await m.cleanup();

      const still = Namespace.openPath(name);
      try {
        expect(still.equals(theirs)).to.equal(true);
      } finally {
        still.close();
      }
    } finally {
      theirs.close();
    }
  });

  it('adopt() takes a namespace without owning it: cleanup() leaves it and what was in it, removes what the manager made there', async () => {
    const name = uniqueName('adopted');
    names.push(name);
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'add', 'pre0', 'type', 'bridge']);
    execFileSync('ip', ['-n', name, 'rule', 'add', 'priority', '10', 'table', '10']);

    const ns = m.adopt(name);
    const inside = m.rtnl(ns);
    await inside.link.add({ name: 'mine0', kind: 'bridge' });
    await inside.rule.add({ priority: 11, table: 11 });
    await inside.link.set('pre0', { up: true });

    const report = await m.cleanup();
    expect(report.namespaces).to.deep.equal([]);
    expect(report.removed).to.have.members([`link mine0 in ${ns.toString()}`, `rule priority 11 in ${ns.toString()}`]);
    expect(netnsNames()).to.include(name);
    const links = JSON.parse(execFileSync('ip', ['-n', name, '-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
    expect(links.map((l) => l.ifname)).to.deep.equal(['lo', 'pre0']);
    const rules = JSON.parse(execFileSync('ip', ['-n', name, '-j', 'rule', 'show'], { encoding: 'utf8' })) as { priority: number }[];
    expect(rules.map((r) => r.priority)).to.include(10).and.not.include(11);
  });

  it('sweep() never touches the journal of a live process', async () => {
    const name = uniqueName('live');
    names.push(name);
    child = new Child(`
      import { NamespaceManager } from __LIB__;
      import { createInterface } from 'node:readline';
      const m = new NamespaceManager({ journalDir: process.argv[2] });
      m.create({ name: process.argv[3], mode: 'persistent' });
      await m.rtnl().rule.add({ priority: 7100, fwmark: 71, table: 71 });
      console.log(JSON.stringify({ ready: true }));
      for await (const line of createInterface({ input: process.stdin })) break;
      const report = await m.cleanup();
      console.log(JSON.stringify({ removed: report.removed, namespaces: report.namespaces.length }));
      process.stdin.destroy();
    `, [journalDir, name]);
    await child.line();
    const target = readlinkSync(`/proc/${child.pid}/ns/net`);

    const report = await sweep({ journalDir });
    expect(report.live.map((l) => l.pid)).to.deep.equal([child.pid]);
    expect([report.removed, report.skipped, report.failed, report.journals]).to.deep.equal([[], [], [], []]);
    expect(netnsNames()).to.include(name);
    const rules = JSON.parse(execFileSync('ip', ['-j', 'rule', 'show', 'priority', '7100'], { encoding: 'utf8' })) as unknown[];
    expect(rules).to.have.length(1);
    expect(target).to.equal(readlinkSync('/proc/self/ns/net'));

    // The live process still owns them and cleans up itself.
    child.send('done');
    expect(await child.line()).to.deep.equal({ removed: ['rule priority 7100 in root'], namespaces: 1 });
    await child.exit();
    await waitUntil(() => !netnsNames().includes(name), 'the child to remove its namespace');
  });
});
