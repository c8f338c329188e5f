// Bulk nexthops: nexthop.addMany / nexthop.delMany load and remove many
// nexthop objects at once — groups may name members added earlier in the
// same call, since the kernel takes the items in order — account for each,
// and the kernel holds exactly the others, as `ip -j nexthop show` lists them.
import { expect } from 'chai';
import type { Namespace, NexthopSpec, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { BULK_MODES, expectAccounted, invalidCount, plant } from '../support/bulk.js';
import { ipBatch, ipJson } from '../support/ip.js';

const N = 1_200;
const gw = (i: number): string => `10.0.${(i >> 8) + 1}.${i & 255}`;

interface IpNexthop { id: number; gateway?: string; group?: { id: number; weight?: number }[] }

/** Nexthops 1..N-100 through v0, then groups of consecutive pairs made of them. */
function nexthops(): NexthopSpec[] {
  const out: NexthopSpec[] = [];
  for (let i = 1; i <= N - 100; i++) out.push({ id: i, gateway: gw(i), dev: 'v0' });
  for (let i = 0; i < 100; i++) out.push({ id: 10_000 + i, group: [{ id: 2 * i + 1 }, { id: 2 * i + 2, weight: 3 }] });
  return out;
}

function scenario(): ReturnType<typeof plant<NexthopSpec>> {
  const all = nexthops();
  const missingMember = { code: 'EINVAL', errnoName: 'EINVAL', extackMessage: 'Invalid nexthop id' };
  return plant(all, [
    [0, { id: 1, gateway: gw(1), dev: 'nope0' }, { code: 'ENODEV', errnoName: 'ENODEV', field: 'dev', extackMessage: "no link named 'nope0'" }],
    [4, { gateway: gw(5), dev: 'v0' }, { code: 'ERR_INVALID_ARGUMENT', field: 'id' }],
    [9, { id: 10, gateway: '192.0.2.1', dev: 'v0' }, { code: 'ENETUNREACH', errnoName: 'ENETUNREACH', extackMessage: 'Nexthop has invalid gateway' }],
    [10, { id: 11, gateway: '2001:db8::1', family: 4, dev: 'v0' }, { code: 'ERR_INVALID_ARGUMENT', field: 'gateway' }],
    [11, { id: 3, gateway: gw(12), dev: 'v0' }, { code: 'EEXIST', errnoName: 'EEXIST' }],
    // A group naming a member that failed above (id 1), and one naming a member twice.
    [N - 100, { id: 10_000, group: [{ id: 1 }, { id: 2 }] }, missingMember],
    // Groups of members that failed above (ids 5, 10, 11, 12) fail in turn.
    [N - 98, all[N - 98]!, missingMember],
    [N - 96, all[N - 96]!, missingMember],
    [N - 95, all[N - 95]!, missingMember],
    [N - 1, { id: 10_099, group: [{ id: 5 }, { id: 5 }] }, { code: 'EINVAL', errnoName: 'EINVAL', extackMessage: 'Nexthop id can not be used twice in a group' }],
  ]);
}

describe('bulk: nexthops', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch(['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/16 dev v0'], ns);
  });

  const shown = (): IpNexthop[] => ipJson<IpNexthop[]>(['nexthop', 'show'], ns);

  for (const [title, opts] of BULK_MODES) {
    it(`bad nexthops are reported one by one; the others, groups included, are in the kernel (${title})`, async () => {
      const { items, expected } = scenario();
      const sent = rtnl.socket.stats.sent;
      const result = await rtnl.nexthop.addMany(items, opts);
      expectAccounted(result, items, expected);
      expect(rtnl.socket.stats.sent - sent).to.equal(N - invalidCount(expected) + 1);
      const all = shown();
      expect(all).to.have.length(N - expected.length);
      expect(all.find((n) => n.id === 10_001)).to.deep.include({ group: [{ id: 3 }, { id: 4, weight: 3 }] });
      expect(all.find((n) => n.id === N - 100)).to.deep.include({ gateway: gw(N - 100) });
    });
  }

  it("mode 'replace' changes nexthops in place; delMany removes them by id", async () => {
    const specs = nexthops().slice(0, 200);
    expect(await rtnl.nexthop.addMany(specs)).to.deep.equal({ total: 200, ok: 200, failed: [] });
    const moved = specs.map((s) => ({ ...s, gateway: '10.0.255.1' }));
    expect(await rtnl.nexthop.addMany(moved, { mode: 'replace' })).to.deep.equal({ total: 200, ok: 200, failed: [] });
    expect(shown().every((n) => n.gateway === '10.0.255.1')).to.equal(true);
    const gone = await rtnl.nexthop.delMany([...specs.map((s) => s.id!), 999, 0]);
    expect(gone.total).to.equal(202);
    expect(gone.failed.map((f) => [f.index, (f.error as { code?: string }).code])).to.deep.equal([[200, 'ENOENT'], [201, 'ERR_INVALID_ARGUMENT']]);
    expect(shown()).to.deep.equal([]);
  });
});
