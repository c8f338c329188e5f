// useTopology(): a spec built before each test in the sandbox world, with
// typed handles on its namespaces, and destroyed after it without a trace.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { diff, Namespace, snapshot, type Snapshot } from '../../src/index.js';
import { useTopology } from '../../src/testing/fixtures.js';
import { waitUntil } from '../support/netns.js';

const SMALL = {
  name: 'fx',
  namespaces: {
    r1: {
      sysctl: { 'net.ipv4.ip_forward': 1 },
      links: {
        eth0: { addresses: ['10.60.0.2/30'] },
        br0: { kind: 'bridge' as const, addresses: ['10.61.0.1/24'] },
      },
      routes: [
        { dst: 'default', gateway: '10.60.0.1' },
        { dst: '10.62.0.0/24', type: 'blackhole' as const, table: 100, count: 5 },
      ],
      rules: [{ priority: 1000, fwmark: 1, table: 100, count: 3, step: { priority: 1, fwmark: 1 } }],
    },
  },
  current: {
    links: { fx0: { kind: 'veth' as const, peer: 'r1/eth0', addresses: ['10.60.0.1/30'] } },
    routes: [{ dst: '10.61.0.0/24', gateway: '10.60.0.2' }],
  },
};

describe('useTopology()', () => {
  let start: Snapshot;
  const here = (): Promise<Snapshot> => {
    const ns = Namespace.current();
    return snapshot(ns).finally(() => ns.close());
  };
  before(async () => {
    start = await here();
  });

  describe('a small topology per test', () => {
    const lab = useTopology(SMALL);

    it('is built, with handles by the spec\'s keys, and matches its spec', async () => {
      const r1 = lab().ns('r1');
      expect(r1.name).to.equal('fx-r1');
      expect(await lab().verify()).to.deep.equal([]);
      expect((await r1.rtnl.route.list({ table: 100 })).map((r) => r.dst)).to.have.length(5);
      expect((await r1.rtnl.rule.list({ family: 4 })).filter((r) => r.table === 100).map((r) => [r.priority, r.fwmark])).to.deep.equal([[1000, 1], [1001, 2], [1002, 3]]);
      expect(r1.run(() => execFileSync('cat', ['/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' }).trim())).to.equal('1');
      // `ip netns exec` sees it by name while the test runs.
      expect(execFileSync('ip', ['netns', 'exec', 'fx-r1', 'ip', '-br', 'link', 'show', 'br0'], { encoding: 'utf8' })).to.match(/^br0\s.*<[^>]*\bUP\b/);
    });

    it('starts afresh in the next test: the same names are free again', async () => {
      const r1 = lab().ns('r1');
      expect((await lab().link('r1', 'eth0')).up).to.equal(true);
      await r1.rtnl.route.add({ dst: '10.99.0.0/24', type: 'blackhole' }); // made by the test: goes with the namespace
      expect((await lab().verify()).map((d) => `${d.change} ${d.what}`)).to.deep.equal(['extra route 10.99.0.0/24 (blackhole, proto boot)']);
    });
  });

  describe('after the tests', () => {
    it('the current namespace is as it was before the first topology', async () => {
      // The veth ends in the current namespace were renamed out of the way at once (settle
      // 'defer'); the kernel frees them with their namespaces in the background.
      const changes = async (): Promise<string[]> => diff(start, await here()).filter((c) => c.kind !== 'netns').map((c) => c.line);
      await waitUntil(async () => (await changes()).length === 0, 'the topologies to be gone from the current namespace');
    });
  });
});
