// Bulk links: link.addMany / link.delMany make and remove many links at once.
// Items go in order, so a port can name a bridge made a few items before it
// (it waits for that one's answer); what link.add() sets after a create (an
// alias, a veth peer's `up`) is set for bulk-made links too; every link is
// accounted for, as `ip -j -d link show` lists them.
import { expect } from 'chai';
import type { LinkAddSpec, Namespace, Rtnl } from '../../src/index.js';
import { UnsupportedLinkKindError } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { BULK_MODES, expectAccounted, plant } from '../support/bulk.js';
import { ipLinks } from '../support/ip.js';

describe('bulk: links', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('bridges and the ports that name them in the same call: every port is enslaved', async () => {
    const specs: LinkAddSpec[] = [];
    for (let b = 0; b < 10; b++) {
      specs.push({ name: `br${b}`, kind: 'bridge', up: true });
      for (let p = 0; p < 10; p++) specs.push({ name: `p${b}x${p}`, kind: 'veth', master: `br${b}`, up: true, peer: { name: `q${b}x${p}`, up: true } });
    }
    const sendCalls = rtnl.socket.stats.sendCalls;
    expect(await rtnl.link.addMany(specs)).to.deep.equal({ total: 110, ok: 110, failed: [] });
    const links = ipLinks({ netns: ns, details: true });
    for (let b = 0; b < 10; b++) {
      const ports = links.filter((l) => l.master === `br${b}`).map((l) => l.ifname).sort();
      expect(ports, `br${b}`).to.deep.equal(Array.from({ length: 10 }, (_, p) => `p${b}x${p}`).sort());
    }
    // The peers' `up` is set after their pair exists (the second pass): all are up.
    expect(links.filter((l) => l.ifname.startsWith('q') && l.flags.includes('UP'))).to.have.length(100);
    // A port of a bridge made in this call starts a new batch: the first port of each bridge waits for it.
    expect(rtnl.socket.stats.sendCalls - sendCalls).to.be.at.least(10);
  });

  it('a macvlan on a veth and an alias made in the same call; names made elsewhere are looked up', async () => {
    await rtnl.link.add({ name: 'old0', kind: 'bridge' });
    const result = await rtnl.link.addMany([
      { name: 'v0', kind: 'veth', alias: 'uplink', peer: { name: 'v1', alias: 'far end' } },
      { name: 'mv0', kind: 'macvlan', link: 'v0', macvlan: { mode: 'bridge' } },
      { name: 'v2', kind: 'veth', master: 'old0', peer: { name: 'v3' } },
    ]);
    expect(result).to.deep.equal({ total: 3, ok: 3, failed: [] });
    const links = ipLinks({ netns: ns, details: true });
    const byName = (n: string): (typeof links)[number] => links.find((l) => l.ifname === n)!;
    expect(byName('mv0').link).to.equal('v0');
    expect(byName('v0').ifalias).to.equal('uplink');
    expect(byName('v1').ifalias).to.equal('far end');
    expect(byName('v2').master).to.equal('old0');
  });

  const N = 300;
  const veth = (i: number): LinkAddSpec => ({ name: `ve${i}`, kind: 'veth', peer: { name: `vp${i}` } });
  function scenario(): ReturnType<typeof plant<LinkAddSpec>> {
    return plant(Array.from({ length: N }, (_, i) => veth(i)), [
      [0, { name: 'ex0', kind: 'bridge', master: 'nope0' }, { code: 'ENODEV', errnoName: 'ENODEV', field: 'master', extackMessage: "no link named 'nope0'" }],
      [3, veth(2), { code: 'EEXIST', errnoName: 'EEXIST' }],
      [10, { name: 'a-name-too-long-0', kind: 'bridge' }, { code: 'ERR_INVALID_ARGUMENT', field: 'name' }],
      [11, { name: 'tun7', kind: 'tun' }, { code: 'ERR_INVALID_ARGUMENT', field: 'kind' }],
      [12, { name: 'ex1', kind: 'veth', peer: { name: 've5' } }, { code: 'EEXIST', errnoName: 'EEXIST' }],
      [N - 1, { name: 'd0', kind: 'dummy' }, { code: 'ERR_LINK_KIND_UNSUPPORTED', errnoName: 'EOPNOTSUPP', field: 'kind', extackMessage: 'Unknown device type' }],
    ]);
  }

  for (const [title, opts] of BULK_MODES) {
    it(`bad links are reported one by one; the others exist (${title})`, async () => {
      const { items, expected } = scenario();
      const result = await rtnl.link.addMany(items, opts);
      expectAccounted(result, items, expected);
      expect(result.failed.at(-1)!.error).to.be.instanceOf(UnsupportedLinkKindError);
      const names = ipLinks({ netns: ns }).map((l) => l.ifname);
      // Each veth is two links; lo is there too.
      expect(names).to.have.length(2 * (N - expected.length) + 1);
      expect(names).to.not.include.members(['ex0', 'ex1', 'd0']);
    });
  }

  it('delMany removes links by name or index; naming both ends of a veth fails the second (ENODEV)', async () => {
    expect((await rtnl.link.addMany(Array.from({ length: 20 }, (_, i) => veth(i)))).ok).to.equal(20);
    const ve0 = (await rtnl.link.get('ve0')).index;
    const gone = await rtnl.link.delMany([ve0, 'vp0', ...Array.from({ length: 19 }, (_, i) => `ve${i + 1}`), 'nope0']);
    expect(gone.total).to.equal(22);
    expect(gone.failed.map((f) => [f.index, (f.error as { errnoName?: string }).errnoName])).to.deep.equal([[1, 'ENODEV'], [21, 'ENODEV']]);
    expect(ipLinks({ netns: ns }).map((l) => l.ifname)).to.deep.equal(['lo']);
  });
});
