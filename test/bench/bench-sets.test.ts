// The sets a benchmark loads: the same seed gives the same set, full-table
// sets have the global table's prefix lengths and never touch the
// benchmark's own link, and --from reads ip route output and batch files.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src/index.js';
import { prefixesFromFile, routeSet, ruleSet } from '../../src/bench/sets.js';

describe('bench sets', () => {
  const base = { n: 10_000, family: 4 as const, shape: 'full-table' as const, seed: 1, paths: 1, tables: 1 };

  it('are the same for the same seed, and differ for another', () => {
    expect(routeSet(base)).to.deep.equal(routeSet(base));
    expect(routeSet({ ...base, seed: 2 }).map((r) => r.dst)).not.to.deep.equal(routeSet(base).map((r) => r.dst));
    expect(ruleSet({ n: 100, seed: 1, tables: 2 })).to.deep.equal(ruleSet({ n: 100, seed: 1, tables: 2 }));
  });

  it('full-table: unique prefixes, mostly /24 (IPv4) and /48 (IPv6), never the link 10.255.0.0/16 nor 2001:db8::/32', () => {
    for (const family of [4, 6] as const) {
      const set = routeSet({ ...base, family });
      const dsts = set.map((r) => r.dst);
      expect(new Set(dsts).size).to.equal(dsts.length);
      const lens = dsts.map((d) => Number(d.split('/')[1]));
      const share = (len: number): number => lens.filter((l) => l === len).length / lens.length;
      if (family === 4) {
        expect(share(24)).to.be.within(0.5, 0.7);
        expect(dsts.some((d) => d.startsWith('10.') || d.startsWith('127.'))).to.equal(false);
      } else {
        expect(share(48)).to.be.within(0.35, 0.55);
        expect(dsts.some((d) => d.startsWith('2001:db8:'))).to.equal(false);
      }
      expect(set.every((r) => r.gateway === (family === 4 ? '10.255.0.2' : '2001:db8:ffff::2') && r.table === 100)).to.equal(true);
    }
  });

  it('spread over tables, with k next hops, both families alternating', () => {
    const set = routeSet({ ...base, n: 6, family: 'both', paths: 3, tables: 2, shape: 'sequential' });
    expect(set.map((r) => r.table)).to.deep.equal([100, 101, 100, 101, 100, 101]);
    expect(set.map((r) => r.dst.includes(':'))).to.deep.equal([false, true, false, true, false, true]);
    expect(set[0]!.nexthops).to.deep.equal([{ gateway: '10.255.0.2' }, { gateway: '10.255.0.3' }, { gateway: '10.255.0.4' }]);
    expect(set[0]!.gateway).to.equal(undefined);
  });

  it('--from: the destinations of ip route output, an ip -batch file or a prefix list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netnest-sets-'));
    try {
      const file = join(dir, 'table');
      writeFileSync(file, [
        'default via 192.0.2.1 dev eth0', '198.51.100.0/24 via 192.0.2.1 dev eth0 proto bgp metric 20',
        'blackhole 203.0.113.0/24', '# a comment', 'route add 192.0.2.128/25 via 192.0.2.1', '2001:db8:1::/48', '192.0.2.7', '',
      ].join('\n'));
      expect(prefixesFromFile(file)).to.deep.equal(['198.51.100.0/24', '203.0.113.0/24', '192.0.2.128/25', '2001:db8:1::/48', '192.0.2.7/32']);
      expect(routeSet({ ...base, n: 2, from: file }).map((r) => r.dst)).to.deep.equal(['198.51.100.0/24', '203.0.113.0/24']);
      writeFileSync(file, 'nothing here\n');
      expect(() => prefixesFromFile(file)).to.throw(ValidationError, /no route prefixes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
