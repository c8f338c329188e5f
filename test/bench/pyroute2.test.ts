// The pyroute2 runner of `netnest bench`: each phase really changes the kernel
// (iproute2 is the oracle), failures are counted rather than thrown, and the
// figures it reports are plausible. Skipped, with the reason, where pyroute2
// cannot be imported.
import { expect } from 'chai';
import { closeSync } from 'node:fs';
import { createAnonymousNetns } from '../../src/index.js';
import type { RouteItem, RuleItem } from '../../src/bench/sets.js';
import { findPyroute2, runPyroute2 } from '../../src/bench/tools/pyroute2.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { uidsMapped } from '../support/privilege.js';

const TABLE = 100;

/** 200 IPv4 routes in table 100: every fifth over two gateways, every other one with its device named. */
const routes: RouteItem[] = Array.from({ length: 200 }, (_, i) => {
  const dst = `10.${1 + (i >> 8)}.${i & 255}.0/24`;
  if (i % 5 === 0) return { dst, table: TABLE, nexthops: [{ gateway: '10.255.0.2', dev: 'v0' }, { gateway: '10.255.0.3', weight: 3 }] };
  return i % 2 ? { dst, gateway: '10.255.0.2', dev: 'v0', table: TABLE } : { dst, gateway: '10.255.0.3', table: TABLE };
});

/** 50 rules over tables 100..102, each kind of selector in turn. */
const rules: RuleItem[] = Array.from({ length: 50 }, (_, i) => {
  const base = { priority: 1000 + i * 10, table: TABLE + (i % 3) };
  switch (i % 5) {
    case 0: return { ...base, src: `172.16.${i}.0/24` };
    case 1: return { ...base, fwmark: 0x100 + i };
    case 2: return { ...base, iif: 'v0', dst: `192.0.2.${i}/32` };
    case 3: return { ...base, ipproto: 'tcp', dport: [1000 + i, 2000 + i], sport: 443 };
    // Without root only uid 0 exists in the run's user namespace.
    default: return { ...base, uidrange: uidsMapped(1000 * i, 1000 * i + 999) ? [1000 * i, 1000 * i + 999] : [0, 0] };
  }
});

interface IpRule {
  priority: number; table: string; src: string; srclen?: number; dst?: string; dstlen?: number; fwmark?: string; iif?: string;
  ipproto?: string; sport?: number; dport_start?: number; dport_end?: number; uid_start?: number; uid_end?: number;
}

describe('bench: the pyroute2 runner', () => {
  let found: ReturnType<typeof findPyroute2>;
  let py = { python: '' };
  let fd = -1;
  let path = '';

  before(() => {
    found = findPyroute2();
    if ('reason' in found) return;
    py = found;
    fd = createAnonymousNetns();
    path = `/proc/${process.pid}/fd/${fd}`;
    ipBatch(['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.255.0.1/16 dev v0',
      'addr add 2001:db8:ffff::1/64 dev v0 nodad'], fd);
  });
  beforeEach(function () {
    if (!('reason' in found)) return;
    this.currentTest!.title += ` (skipped: ${found.reason})`;
    this.skip();
  });
  after(() => {
    if (fd >= 0) closeSync(fd);
  });

  const table = (t: number): { dst: string; gateway?: string; nexthops?: unknown[] }[] => ipJson(['route', 'show', 'table', String(t)], fd);
  const ourRules = (): IpRule[] => ipJson<IpRule[]>(['rule', 'show'], fd).filter((r) => r.priority >= 1000 && r.priority < 2000);

  it('finds an interpreter that imports pyroute2 and its version', () => {
    expect(py).to.have.property('version').that.matches(/^\d+\.\d+/);
    expect(py.python).to.match(/python/);
  });

  it('loads, dumps, replaces and deletes 200 routes (some multipath) with nothing failing', () => {
    const load = runPyroute2(py, path, 'routes', 'load', routes);
    expect(load).to.include({ ok: 200, failed: 0 });
    expect(load.firstError).to.equal(undefined);
    expect(load.wall).to.be.greaterThan(0);
    expect(load.cpu).to.be.a('number').and.greaterThan(0);
    expect(load.peakRss).to.be.a('number').and.greaterThan(1 << 20);

    const shown = table(TABLE);
    expect(shown).to.have.length(200);
    const multi = shown.find((r) => r.dst === '10.1.0.0/24')!;
    expect(multi.nexthops).to.deep.equal([
      { gateway: '10.255.0.2', dev: 'v0', weight: 1, flags: [] },
      { gateway: '10.255.0.3', dev: 'v0', weight: 3, flags: [] },
    ]);
    expect(shown.find((r) => r.dst === '10.1.1.0/24')).to.include({ gateway: '10.255.0.2' });

    expect(runPyroute2(py, path, 'routes', 'dump', [], { table: TABLE })).to.include({ ok: 200, failed: 0 });
    expect(runPyroute2(py, path, 'routes', 'dump', routes)).to.include({ ok: 200 });

    // Replace with the gateways swapped: every route changes in place.
    const swapped = routes.map((r) => (r.gateway ? { ...r, gateway: r.gateway === '10.255.0.2' ? '10.255.0.3' : '10.255.0.2' } : r));
    expect(runPyroute2(py, path, 'routes', 'replace', swapped)).to.include({ ok: 200, failed: 0 });
    const after = table(TABLE);
    expect(after).to.have.length(200);
    expect(after.find((r) => r.dst === '10.1.1.0/24')).to.include({ gateway: '10.255.0.3' });

    expect(runPyroute2(py, path, 'routes', 'delete', swapped)).to.include({ ok: 200, failed: 0 });
    expect(table(TABLE)).to.deep.equal([]);
  });

  it('counts failed routes without stopping and reports the first error', () => {
    const good: RouteItem[] = routes.slice(0, 10).map((r) => ({ ...r, table: 101 }));
    const items = [...good.slice(0, 5), { dst: '10.9.0.0/24', gateway: '10.77.0.1', table: 101 }, good[2]!, ...good.slice(5)];
    const r = runPyroute2(py, path, 'routes', 'load', items);
    expect(r).to.include({ ok: items.length - 2, failed: 2 });
    expect(r.firstError).to.include('10.9.0.0/24').and.include('Network is unreachable');
    expect(table(101)).to.have.length(10);
    expect(runPyroute2(py, path, 'routes', 'delete', good)).to.include({ ok: 10, failed: 0 });
  });

  it('loads 50 rules with their selectors, dumps them and deletes them', () => {
    expect(runPyroute2(py, path, 'rules', 'load', rules)).to.include({ ok: 50, failed: 0 });
    const shown = ourRules();
    expect(shown.map((r) => r.priority)).to.deep.equal(rules.map((r) => r.priority));
    for (const [i, r] of shown.entries()) {
      const want = rules[i]!;
      expect(r.table, `rule ${r.priority}`).to.equal(String(want.table));
      if (want.src) expect(`${r.src}/${r.srclen}`).to.equal(want.src);
      if (want.dst) expect(`${r.dst}/${r.dstlen ?? 32}`).to.equal(want.dst);
      if (want.fwmark) expect(r.fwmark).to.equal(`0x${want.fwmark.toString(16)}`);
      if (want.iif) expect(r.iif).to.equal('v0');
      if (want.dport) expect(r).to.include({ ipproto: 'tcp', sport: 443, dport_start: (want.dport as number[])[0], dport_end: (want.dport as number[])[1] });
      if (want.uidrange) expect(r).to.include({ uid_start: want.uidrange[0], uid_end: want.uidrange[1] });
    }

    expect(runPyroute2(py, path, 'rules', 'dump', rules)).to.include({ ok: 50, failed: 0 });
    expect(() => runPyroute2(py, path, 'rules', 'replace', rules)).to.throw(/no replace/);
    expect(runPyroute2(py, path, 'rules', 'delete', rules)).to.include({ ok: 50, failed: 0 });
    expect(ourRules()).to.deep.equal([]);
  });
});
