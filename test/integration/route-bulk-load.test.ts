// Bulk loading routes: addMany/delMany take any iterable (generators, async
// generators), account for every route, and the kernel ends up holding
// exactly what was loaded, as `ip route show` counts it. 20,000 routes fill
// seven batches of the default size, more than the window keeps in flight;
// long inputs are route-bulk-memory's business, speed the benchmark's
// (npm run bench:routes).
import { expect } from 'chai';
import type { Namespace, RouteSpec, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch, ipLineCount } from '../support/ip.js';

/** The n-th /24 of 30.0.0.0/8 upwards: 65,536 per first octet. */
function v4(i: number): string {
  return `${30 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
}

function* routes(n: number, spec: Omit<RouteSpec, 'dst'>): Generator<RouteSpec> {
  for (let i = 0; i < n; i++) yield { dst: v4(i), ...spec };
}

describe('bulk: loading routes', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1',
      'link set v0 up',
      'link set v1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 2001:db8::1/64 dev v0 nodad',
    ], ns);
  });

  it('20,000 IPv4 routes from a generator: all confirmed, all in the kernel, then all deleted', async () => {
    const added = await rtnl.route.addMany(routes(20_000, { gateway: '10.0.0.2', table: 100 }));
    expect(added).to.deep.equal({ total: 20_000, ok: 20_000, failed: [] });
    expect(ipLineCount('route show table 100', ns)).to.equal(20_000);
    // The first and the last arrived intact.
    expect(ip(['route', 'show', 'table', '100', '30.0.0.0/24'], ns).trim()).to.equal('30.0.0.0/24 via 10.0.0.2 dev v0');
    expect(ip(['route', 'show', 'table', '100', v4(19_999)], ns).trim()).to.equal(`${v4(19_999)} via 10.0.0.2 dev v0`);

    const deleted = await rtnl.route.delMany(routes(20_000, { table: 100 }));
    expect(deleted).to.deep.equal({ total: 20_000, ok: 20_000, failed: [] });
    expect(ipLineCount('route show table 100', ns)).to.equal(0);
  });

  it('10,000 IPv6 routes, then deleted', async () => {
    function* v6(): Generator<RouteSpec> {
      for (let i = 0; i < 10_000; i++) yield { dst: `2001:db8:${(i >> 8).toString(16)}:${(i & 255).toString(16)}00::/56`, gateway: '2001:db8::2', table: 600 };
    }
    expect(await rtnl.route.addMany(v6())).to.deep.equal({ total: 10_000, ok: 10_000, failed: [] });
    expect(ipLineCount('-6 route show table 600', ns)).to.equal(10_000);
    expect(ip(['-6', 'route', 'show', 'table', '600', '2001:db8:27:f00::/56'], ns).trim())
      .to.equal('2001:db8:27:f00::/56 via 2001:db8::2 dev v0 metric 1024 pref medium');

    expect(await rtnl.route.delMany(v6())).to.deep.equal({ total: 10_000, ok: 10_000, failed: [] });
    expect(ipLineCount('-6 route show table 600', ns)).to.equal(0);
  });

  it('an async generator as input, with awaits between items', async () => {
    async function* slow(): AsyncGenerator<RouteSpec> {
      for (let i = 0; i < 2_000; i++) {
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        yield { dst: v4(i), dev: 'v0', table: 200 };
      }
    }
    const progress: number[] = [];
    const result = await rtnl.route.addMany(slow(), { batchBytes: 8192, onProgress: (done) => progress.push(done) });
    expect(result).to.deep.equal({ total: 2_000, ok: 2_000, failed: [] });
    expect(ipLineCount('route show table 200', ns)).to.equal(2_000);
    // Progress was reported batch by batch, ending at the total.
    expect(progress.length).to.be.greaterThan(1);
    expect(progress.at(-1)).to.equal(2_000);
  });

  it("mode 'replace' over existing routes: every route replaced, none added twice", async () => {
    ipBatch(Array.from({ length: 1_000 }, (_, i) => `route add ${v4(i)} via 10.0.0.2 table 300`), ns);
    const result = await rtnl.route.addMany(routes(1_500, { gateway: '10.0.0.3', table: 300 }), { mode: 'replace' });
    expect(result).to.deep.equal({ total: 1_500, ok: 1_500, failed: [] });
    expect(ipLineCount('route show table 300', ns)).to.equal(1_500);
    expect(ipLineCount('route show table 300 via 10.0.0.3', ns)).to.equal(1_500);
  });

  it("mode 'add' over existing routes: each one reported as EEXIST, the new ones loaded", async () => {
    ipBatch(Array.from({ length: 500 }, (_, i) => `route add ${v4(i * 2)} via 10.0.0.2 table 300`), ns);
    const result = await rtnl.route.addMany(routes(1_000, { gateway: '10.0.0.3', table: 300 }));
    expect(result.total).to.equal(1_000);
    expect(result.ok).to.equal(500);
    expect(result.failed.map((f) => f.index)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i * 2));
    expect(new Set(result.failed.map((f) => (f.error as { code?: string }).code))).to.deep.equal(new Set(['EEXIST']));
    expect(ipLineCount('route show table 300 via 10.0.0.3', ns)).to.equal(500);
  });

  it("mode 'append' adds a second route per prefix", async () => {
    ipBatch(Array.from({ length: 300 }, (_, i) => `route add ${v4(i)} via 10.0.0.2 table 300`), ns);
    expect((await rtnl.route.addMany(routes(300, { gateway: '10.0.0.3', table: 300 }), { mode: 'append' })).ok).to.equal(300);
    const lines = ip(['route', 'show', 'table', '300', '30.0.1.0/24'], ns).trim().split('\n').map((l) => l.trim());
    expect(lines).to.deep.equal(['30.0.1.0/24 via 10.0.0.2 dev v0', '30.0.1.0/24 via 10.0.0.3 dev v0']);
  });
});
