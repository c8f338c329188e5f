// A process killed between a request and its answer: the kernel has done
// the request (or refused it, EEXIST for a twin of a foreign object) and the
// process never learns which. sweep() must then remove everything of ours
// and nothing foreign. The child kills itself right after the sendmsg that
// hands its n-th request to the kernel, for every n of a build that covers
// each object kind, then at seeded random moments.
import { expect } from 'chai';
import { diff, NamespaceManager, snapshot, sweep, type Namespace, type Snapshot, type SnapshotChange } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { Child } from '../support/child.js';
import { journalLines, netnsNames, removeDir, removeNetnsNames, tempJournalDir, uniqueName } from '../support/netns.js';

/** Someone else's objects, made before the child runs; the child asks for twins of some. */
const FOREIGN = [
  'route add blackhole 10.88.0.0/24 table 86',
  'rule add priority 8601 table 86',
  'nexthop add id 8602 blackhole',
];
// The build. `die` is the request after whose sendmsg the child kills itself
// (0: it says "built" and waits to be killed). It counts the requests of the
// client the manager handed out; the manager's own lookups do not count.
const BUILD = `
import { NamespaceManager } from __LIB__;
const [journalDir, die, bound, persistent] = process.argv.slice(2);
const m = new NamespaceManager({ journalDir });
const here = m.rtnl();
let sent = 0;
const types = [];
const count = (msg) => {
  // Bulk batches are one buffer of many messages: count the messages.
  for (const b of Array.isArray(msg) ? msg : [msg]) {
    for (let off = 0; off < b.length; off += (b.readUInt32LE(off) + 3) & ~3) {
      sent++;
      types.push(b.readUInt16LE(off + 4));
    }
  }
};
const maybeDie = () => { if (Number(die) > 0 && sent >= Number(die)) process.kill(process.pid, 'SIGKILL'); };
// Requests leave through the netlink package's socket, bulk batches from a worker thread:
// the child dies right after the send that hands the kernel request number die.
const raw = here.socket.raw;
const send = raw.send.bind(raw);
raw.send = (msg, ...rest) => { send(msg, ...rest); count(msg); maybeDie(); };
const offThread = here.socket.sendBatchOffThread.bind(here.socket);
here.socket.sendBatchOffThread = (bytes, cb) => { count(bytes); offThread(bytes, (err) => { maybeDie(); cb(err); }); };
const twin = (p) => p.catch((e) => { if (e.code !== 'EEXIST') throw e; });
console.log(JSON.stringify({ start: true }));
m.create({ name: bound });
const pers = m.create({ name: persistent, mode: 'persistent' });
await here.link.add({ name: 'kv0', kind: 'veth', peer: { name: 'kv1', netns: pers.fd } });
await here.link.add({ name: 'kb0', kind: 'bridge', up: true });
await here.addr.add({ dev: 'kb0', local: '10.86.0.1/24' });
await here.neigh.add({ dst: '10.86.0.9', dev: 'kb0', lladdr: '02:00:00:00:86:09' });
await here.route.add({ dst: '10.87.0.0/24', type: 'blackhole', table: 86 });
await twin(here.route.add({ dst: '10.88.0.0/24', type: 'blackhole', table: 86 }));
await here.route.add({ dst: '2001:db8:86::/64', src: '2001:db8:87::/64', dev: 'kb0', table: 86 });
await here.rule.add({ priority: 8600, fwmark: 0x86, table: 86 });
await twin(here.rule.add({ priority: 8601, table: 86 }));
await here.rule.add({ iif: 'kb0', table: 86 });
await here.nexthop.add({ id: 8600, blackhole: true });
await here.nexthop.add({ blackhole: true });
await twin(here.nexthop.add({ id: 8602, blackhole: true }));
const single = sent;
// Small batches: a kill lands after some of them.
const routes = [{ dst: '10.88.0.0/24', type: 'blackhole', table: 86 }];
for (let i = 0; i < 9; i++) routes.push({ dst: '10.89.' + i + '.0/24', type: 'blackhole', table: 86 });
await here.route.addMany(routes, { batchBytes: 100 });
await here.rule.addMany([{ priority: 8601, table: 86 }, { priority: 8610, table: 86 }, { priority: 8611, table: 86 }, { priority: 8612, table: 86 }], { batchBytes: 60 });
console.log(JSON.stringify({ built: true, single, sent, types }));
setInterval(() => {}, 1000);
`;

/** The changes inside a world (named namespaces are global: trials running beside it add theirs). */
const inWorld = (changes: SnapshotChange[]): string[] => changes.filter((c) => c.kind !== 'netns').map((c) => c.line);

describe('a process killed between a request and its answer', () => {
  // Each trial runs in a world of its own (a named namespace, so that sweep can reach it
  // as it reaches the root of a dead process), two trials at a time.
  let m: NamespaceManager;
  const dirs: string[] = [];
  const names: string[] = [];
  const children: Child[] = [];

  beforeEach(() => {
    const journalDir = tempJournalDir();
    dirs.push(journalDir);
    m = new NamespaceManager({ journalDir });
  });

  afterEach(async () => {
    try {
      for (const c of children.splice(0)) await c.dispose();
      await m.dispose();
    } finally {
      removeNetnsNames(names.splice(0));
      for (const d of dirs.splice(0)) removeDir(d);
    }
  });

  /** A world with the foreign objects in it, its snapshot, and a journal directory for the child. */
  async function world(): Promise<{ ns: Namespace; before: Snapshot; journalDir: string }> {
    const name = uniqueName('kmr-w');
    names.push(name);
    const ns = m.create({ name, lo: true });
    await m.whenReady();
    ipBatch(FOREIGN, ns.fd);
    const journalDir = tempJournalDir();
    dirs.push(journalDir);
    return { ns, before: await snapshot(ns), journalDir };
  }

  /** Runs the build in a world, killed after request `die` (or `ms` after it started), and sweeps; the world must be as before. */
  async function trial(how: { die: number } | { ms: number }): Promise<void> {
    const { ns, before, journalDir } = await world();
    const bound = uniqueName('kmr-pb');
    const persistent = uniqueName('kmr-p');
    names.push(bound, persistent);
    const child = new Child(BUILD, [journalDir, String('die' in how ? how.die : 0), bound, persistent], {}, ns);
    children.push(child);
    await child.line(); // started
    if ('die' in how) {
      const end = await child.exit();
      expect(end.signal, `request ${how.die}: ${child.stderr}`).to.equal('SIGKILL');
    } else {
      await new Promise((r) => setTimeout(r, how.ms));
      await child.kill();
    }
    const label = 'die' in how ? `killed after request ${how.die}` : `killed ${how.ms} ms into the build`;
    const report = await sweep({ journalDir });
    expect(report.failed.map((f) => `${f.what}: ${f.error.message}`), label).to.deep.equal([]);
    expect(inWorld(diff(before, await snapshot(ns))), `${label}: left behind or deleted`).to.deep.equal([]);
    expect(netnsNames(), label).to.not.include.any.members([bound, persistent]);
    // Only twins of the foreign objects may be unknown: never one of ours.
    for (const u of report.unknown) expect(u, label).to.match(/route 10\.88\.0\.0\/24|rule priority 8601|nexthop 8602/);
    expect(journalLines(journalDir), `${label}: the journal is settled`).to.deep.equal([]);
  }

  /** Runs trials two at a time (the machine has two cores; each trial is mostly a node start). */
  async function trials(list: ({ die: number } | { ms: number })[]): Promise<void> {
    for (let i = 0; i < list.length; i += 2) await Promise.all(list.slice(i, i + 2).map((t) => trial(t)));
  }

  /** Requests the build makes (device lookups included): up to the bulk loads, and in all. */
  let single = 0;
  let total = 0;
  /** The message type of each request, 1-based: the creates are where a kill is worth trying. */
  let types: number[] = [];
  const CREATES = new Set([16, 20, 24, 28, 32, 104]); // RTM_NEWLINK, NEWADDR, NEWROUTE, NEWNEIGH, NEWRULE, NEWNEXTHOP

  it('the build, whole, is swept away leaving the foreign objects', async () => {
    const { ns, before, journalDir } = await world();
    const bound = uniqueName('kmr-pb');
    const persistent = uniqueName('kmr-p');
    names.push(bound, persistent);
    const child = new Child(BUILD, [journalDir, '0', bound, persistent], {}, ns);
    children.push(child);
    await child.line();
    const built = await child.line<{ single: number; sent: number; types: number[] }>();
    single = built.single;
    total = built.sent;
    types = [0, ...built.types];
    expect(total - single, 'bulk items').to.equal(14);
    await child.kill();
    const report = await sweep({ journalDir });
    expect(report.failed).to.deep.equal([]);
    expect(report.unknown).to.deep.equal([]);
    expect(inWorld(diff(before, await snapshot(ns)))).to.deep.equal([]);
    expect(ipJson<unknown[]>(['route', 'show', 'table', '86'], ns.fd)).to.have.length(1); // the foreign route
  });

  it('after each create request of the single creates, sweep removes what the kernel made and leaves the foreign twins', async function () {
    this.timeout(60000);
    expect(single, 'the whole build ran first').to.be.greaterThan(0);
    const points: { die: number }[] = [];
    for (let die = 1; die <= single; die++) if (CREATES.has(types[die]!)) points.push({ die });
    await trials(points);
  });

  it('after a batch of a bulk load, and at random moments (seeded), the same', async function () {
    this.timeout(30000);
    let seed = 86;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Two random moments: the kill after each create above is what covers every object kind.
    await trials([{ die: single + 6 }, { die: total - 1 }, ...Array.from({ length: 2 }, () => ({ ms: Math.floor(next() * 40) }))]);
  });
});
