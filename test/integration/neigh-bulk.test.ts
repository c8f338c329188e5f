// Bulk neighbours: neigh.addMany / neigh.delMany load and remove many
// entries at once (a static ARP/ND table), account for each, and the kernel
// holds exactly the others, as `ip -j neigh show` lists them.
import { expect } from 'chai';
import type { Namespace, NeighSpec, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { BULK_MODES, expectAccounted, invalidCount, plant } from '../support/bulk.js';
import { ipBatch, ipJson } from '../support/ip.js';

const N = 1_500;
const dst = (i: number): string => `10.0.${(i >> 8) + 1}.${i & 255}`;
const mac = (i: number): string => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

interface IpNeigh { dst: string; dev: string; lladdr?: string; state: string[] }

function scenario(): ReturnType<typeof plant<NeighSpec>> {
  const items: NeighSpec[] = Array.from({ length: N }, (_, i) => ({ dst: dst(i), lladdr: mac(i), dev: 'v0' }));
  return plant(items, [
    [0, { dst: '10.0.0.77', lladdr: mac(1), dev: 'nope0' }, { code: 'ENODEV', errnoName: 'ENODEV', field: 'dev', extackMessage: "no link named 'nope0'" }],
    [3, { ...items[2]! }, { code: 'EEXIST', errnoName: 'EEXIST' }],
    [40, { dst: '10.0.0.78', lladdr: '02:00:00:00:00', dev: 'v0' }, { code: 'ERR_INVALID_ARGUMENT', field: 'lladdr' }],
    [41, { dst: '10.0.0.79', dev: 'v0', state: 'reachable' }, { code: 'ERR_INVALID_ARGUMENT', field: 'lladdr' }],
    [42, { dst: '10.0.0.80/24', lladdr: mac(2), dev: 'v0' }, { code: 'ERR_INVALID_ARGUMENT', field: 'dst' }],
    // An index that names no link goes to the kernel as it is.
    [700, { dst: '10.0.0.81', lladdr: mac(3), dev: 9999 }, { code: 'ENODEV', errnoName: 'ENODEV' }],
    [N - 1, { dst: '10.0.0.2', lladdr: mac(4), dev: 'v0' }, { code: 'EEXIST', errnoName: 'EEXIST' }],
  ]);
}

describe('bulk: neighbours', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1', 'link set v0 addrgenmode none', 'link set v0 up', 'link set v1 up',
      'addr add 10.0.0.1/16 dev v0', 'neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent',
    ], ns);
  });

  const permanent = (): IpNeigh[] => ipJson<IpNeigh[]>(['neigh', 'show', 'dev', 'v0', 'nud', 'permanent'], ns);

  for (const [title, opts] of BULK_MODES) {
    it(`bad entries are reported one by one; the rest are in the kernel (${title})`, async () => {
      const { items, expected } = scenario();
      const sent = rtnl.socket.stats.sent;
      const result = await rtnl.neigh.addMany(items, opts);
      expectAccounted(result, items, expected);
      expect((result.failed.find((f) => f.index === 700)!.error as { request?: string }).request).to.equal('RTM_NEWNEIGH 10.0.0.81 dev 9999');
      // One message per valid item, the nope0 item's lookup in its place, and one lookup of v0.
      expect(rtnl.socket.stats.sent - sent).to.equal(N - invalidCount(expected) + 1);
      const shown = permanent();
      expect(shown).to.have.length(N - expected.length + 1);
      expect(shown.find((n) => n.dst === dst(N - 2))).to.deep.include({ lladdr: mac(N - 2), state: ['PERMANENT'] });
    });
  }

  it("mode 'replace' overwrites; delMany removes every entry", async () => {
    const specs: NeighSpec[] = Array.from({ length: 300 }, (_, i) => ({ dst: dst(i), lladdr: mac(i), dev: 'v0' }));
    expect(await rtnl.neigh.addMany(specs)).to.deep.equal({ total: 300, ok: 300, failed: [] });
    const moved = specs.map((s) => ({ ...s, lladdr: '02:aa:00:00:00:01' }));
    expect(await rtnl.neigh.addMany(moved, { mode: 'replace' })).to.deep.equal({ total: 300, ok: 300, failed: [] });
    expect(permanent().filter((n) => n.lladdr === '02:aa:00:00:00:01')).to.have.length(300);
    const proxies: NeighSpec[] = Array.from({ length: 50 }, (_, i) => ({ dst: `10.0.200.${i}`, dev: 'v0', proxy: true }));
    expect((await rtnl.neigh.addMany(proxies)).ok).to.equal(50);
    expect(ipJson<IpNeigh[]>(['neigh', 'show', 'proxy', 'dev', 'v0'], ns)).to.have.length(50);

    const gone = await rtnl.neigh.delMany([...specs.map(({ dst: d, dev }) => ({ dst: d, dev })), ...proxies, { dst: '10.0.99.99', dev: 'v0' }]);
    expect(gone.total).to.equal(351);
    expect(gone.failed.map((f) => [f.index, (f.error as { errnoName?: string }).errnoName])).to.deep.equal([[350, 'ENOENT']]);
    expect(permanent().map((n) => n.dst)).to.deep.equal(['10.0.0.2']);
    expect(ipJson<IpNeigh[]>(['neigh', 'show', 'proxy', 'dev', 'v0'], ns)).to.deep.equal([]);
  });
});
