// The manager records an object as its own only once the kernel confirmed
// the create. Creates that fail, bulk loads that stop part-way, clients closed
// with requests in flight: cleanup() then removes everything the kernel made
// for us — and nothing that was there before, even when we asked for an
// identical object.
import { expect } from 'chai';
import { diff, NamespaceManager, type NetnestError, SocketClosedError, ValidationError, type Rtnl, type Snapshot } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { rejection } from '../support/rejection.js';
import { currentSnapshot, ours, removeDir, tempJournalDir } from '../support/netns.js';

/** Objects someone else made before the test: the manager must never remove them. */
const FOREIGN = [
  'link add fk0 type bridge',
  'route add blackhole 10.73.0.0/24 table 73',
  'route add blackhole 10.81.0.7/32 table 81',
  'rule add priority 7300 fwmark 73 table 73',
];
const FOREIGN_UNDO = [
  'link del fk0',
  'route del blackhole 10.73.0.0/24 table 73',
  'route del blackhole 10.81.0.7/32 table 81',
  'rule del priority 7300 fwmark 73 table 73',
];

/**
 * Calls fn synchronously right after the sendmsg that hands the client's n-th
 * request to the kernel: the kernel has done it, its answer is not read yet.
 */
function afterRequests(r: Rtnl, n: number, fn: () => void): void {
  const raw = (r.socket as unknown as { raw: { send: (msg: Buffer | Buffer[], ...a: unknown[]) => void } }).raw;
  const send = raw.send.bind(raw);
  let count = 0;
  raw.send = (msg, ...a) => {
    send(msg, ...a);
    const before = count;
    count += Array.isArray(msg) ? msg.length : 1;
    if (before < n && count >= n) fn();
  };
}

describe('uncertain outcomes: what cleanup() removes', () => {
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
      // The foreign objects are the test's own: removed by exact name, whatever is left of them.
      for (const line of FOREIGN_UNDO) {
        try { ipBatch([line]); } catch { /* already gone: a failure the test reports */ }
      }
      removeDir(journalDir);
    }
  });

  /** Cleanup left the namespace exactly as before (the foreign objects included) and listed nothing as failed. */
  async function cleanedUp(): Promise<Awaited<ReturnType<NamespaceManager['cleanup']>>> {
    const report = await m.cleanup();
    expect(report.failed).to.deep.equal([]);
    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
    return report;
  }

  it('a rule addMany that stops at a malformed item leaves the foreign twin of another item', async () => {
    const here = m.rtnl();
    const settled = await here.rule.addMany([
      { priority: 7300, fwmark: 73, table: 73 }, // identical to the foreign rule: EEXIST
      { priority: 7301, table: 73 },
      { priority: 7302, table: 73, tun_id: 'x' as unknown as bigint },
      { priority: 7303, table: 73 },
    ]).then((r) => r, (e: unknown) => e as Error);
    if (!(settled instanceof Error)) {
      expect(settled.failed.map((f) => [f.index, (f.error as NetnestError).code])).to.deep.include.members([[0, 'EEXIST']]);
    }
    const report = await cleanedUp();
    expect(report.removed).to.include('rule priority 7301 in root');
    expect(ipJson<unknown[]>(['rule', 'show', 'priority', '7300'])).to.have.length(1);
  });

  it('a route addMany with a bad item or a bad option settles, and leaves the foreign twin of an item', async () => {
    const here = m.rtnl();
    const items = [
      { dst: '10.73.0.0/24', type: 'blackhole' as const, table: 73 }, // identical to the foreign route
      { dst: '10.74.0.0/24', type: 'blackhole' as const, table: 73 },
      { dst: '10.75.0.0/24', type: 'blackhole' as const, table: 73, metrics: null as never },
    ];
    const result = await here.route.addMany(items).then((r) => r, (e: unknown) => e as Error);
    if (!(result instanceof Error)) expect(result.failed.map((f) => f.index)).to.include.members([0]);
    const bad = await rejection(here.route.addMany(items, { onProgress: 1 as never }));
    expect(bad).to.be.instanceOf(ValidationError).with.property('field', 'onProgress');
    const report = await cleanedUp();
    expect(report.removed).to.include('route 10.74.0.0/24 table 73 in root');
    expect(ipJson<unknown[]>(['route', 'show', 'table', '73', '10.73.0.0/24'])).to.have.length(1);
  });

  it('a tun given a peer (a foreign link\'s name) is refused before anything exists, and the link survives', async () => {
    const err = await rejection(m.rtnl().link.add({ name: 'tn0', kind: 'tun', peer: { name: 'fk0' } }));
    expect(err).to.be.instanceOf(ValidationError).with.property('field', 'peer');
    expect(ipJson<{ ifname: string }[]>(['link', 'show']).map((l) => l.ifname)).to.not.include('tn0');
    await cleanedUp();
  });

  it('an IPv6 route with a source prefix is removed (the deletion selector carries src)', async () => {
    const here = m.rtnl();
    await here.link.add({ name: 'us0', kind: 'bridge', up: true });
    await here.route.add({ dst: '2001:db8:33::/64', src: '2001:db8:44::/64', dev: 'us0' });
    const report = await cleanedUp();
    expect(report.removed).to.include.members(['route 2001:db8:33::/64 in root', 'link us0 in root']);
    expect(report.alreadyGone).to.deep.equal([]);
  });

  it('a nexthop whose id the kernel chose (no id, or id 0) is removed', async () => {
    const here = m.rtnl();
    const a = await here.nexthop.add({ blackhole: true });
    const b = await here.nexthop.add({ id: 0, blackhole: true });
    expect(a).to.be.a('number').and.not.equal(b);
    const report = await cleanedUp();
    expect(report.removed).to.include.members([`nexthop ${a} in root`, `nexthop ${b} in root`]);
    expect(report.skipped).to.deep.equal([]);
  });

  it('a route through a blackhole nexthop object is removed (the kernel reports it as a blackhole route)', async () => {
    const here = m.rtnl();
    const id = await here.nexthop.add({ blackhole: true });
    await here.route.add({ dst: '10.78.0.0/16', nhid: id, table: 73 });
    const report = await cleanedUp();
    expect(report.removed).to.include('route 10.78.0.0/16 table 73 in root');
    expect(report.alreadyGone).to.deep.equal([]);
  });

  it('a route we replaced is removed as it is now (the replace supersedes its entry)', async () => {
    const here = m.rtnl();
    await here.link.add({ name: 'us1', kind: 'bridge', up: true });
    await here.addr.add({ dev: 'us1', local: '10.76.0.1/24' });
    await here.route.add({ dst: '10.77.0.0/24', gateway: '10.76.0.2', table: 73 });
    await here.route.replace({ dst: '10.77.0.0/24', gateway: '10.76.0.3', table: 73 });
    const report = await cleanedUp();
    expect(report.removed).to.include('route 10.77.0.0/24 table 73 in root');
  });

  it('closing a client with creates in flight: sent ones settle with the kernel\'s answer, the rest fail unsent, and cleanup removes exactly what the kernel made', async () => {
    const here = m.rtnl();
    // Close right after the 60th request has been handed to the kernel.
    afterRequests(here, 60, () => here.close());
    const calls = Array.from({ length: 200 }, (_, i) => here.route.add({ dst: `10.81.0.${i}/32`, type: 'blackhole', table: 81 }));
    const outcomes = await Promise.allSettled(calls);
    const made = outcomes.filter((o) => o.status === 'fulfilled').length;
    const codes = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as NetnestError).code] : []));
    // What was sent was answered (the foreign twin with EEXIST); what was not, failed unsent.
    expect(made + codes.filter((c) => c === 'EEXIST').length, 'answered').to.equal(60);
    expect(codes.filter((c) => c === 'EEXIST')).to.have.length(1);
    expect(codes.filter((c) => c === 'ERR_SOCKET_CLOSED')).to.have.length(140);
    for (const o of outcomes) {
      if (o.status === 'rejected' && o.reason instanceof SocketClosedError) expect(o.reason.outcomeUnknown, o.reason.message).to.equal(false);
    }
    expect(ipJson<unknown[]>(['route', 'show', 'table', '81'])).to.have.length(60);
    const report = await cleanedUp();
    expect(ipJson<{ dst: string }[]>(['route', 'show', 'table', '81']).map((r) => r.dst)).to.deep.equal(['10.81.0.7']);
    expect(report.removed).to.have.length(59);
    expect(report.unknown).to.deep.equal([]);
  });
});
