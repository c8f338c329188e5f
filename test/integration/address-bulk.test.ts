// Bulk addresses: addr.addMany / addr.delMany load and remove many addresses
// at once, account for each — the bad ones reported with their own error,
// never sent when invalid — and the kernel holds exactly the others, as
// `ip -j addr show` lists them.
import { expect } from 'chai';
import type { AddressSpec, Namespace, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { BULK_MODES, expectAccounted, invalidCount, plant } from '../support/bulk.js';
import { ipAddrs, ipBatch } from '../support/ip.js';

const N = 2_000;
const local = (i: number): string => `10.${50 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/16`;

function scenario(): ReturnType<typeof plant<AddressSpec>> {
  const items: AddressSpec[] = Array.from({ length: N }, (_, i) => ({ dev: 'v0', local: local(i) }));
  return plant(items, [
    [0, { dev: 'nope0', local: '10.60.0.1/24' }, { code: 'ENODEV', errnoName: 'ENODEV', field: 'dev', extackMessage: "no link named 'nope0'" }],
    [5, { dev: 'v0', local: local(4) }, { code: 'EEXIST', errnoName: 'EEXIST', extackMessage: 'ipv4: Address already assigned' }],
    [17, { dev: 'v0', local: '10.60.0.1/33' }, { code: 'ERR_INVALID_ARGUMENT', field: 'local' }],
    [18, { dev: 'v0', local: '10.60.0.2/24', label: 'v0:a-label-too-long' }, { code: 'ERR_INVALID_ARGUMENT', field: 'label' }],
    [1_234, { dev: 'v0', local: '2001:db8::1/64', valid_lft: 10, preferred_lft: 20 }, { code: 'ERR_INVALID_ARGUMENT', field: 'preferred_lft' }],
    [1_500, { dev: 'v0', local: 'ff02::5/64' }, {
      code: 'EADDRNOTAVAIL', errnoName: 'EADDRNOTAVAIL', extackMessage: 'ipv6: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag',
    }],
    [N - 2, { dev: 'v0', local: '10.70.0.1/24' }, { code: 'EEXIST', errnoName: 'EEXIST', extackMessage: 'ipv4: Address already assigned' }],
    [N - 1, { dev: 'v0', local: '2001:db8::2/64', nodad: true } as AddressSpec, { code: 'ERR_INVALID_ARGUMENT', field: 'nodad' }],
  ]);
}

describe('bulk: addresses', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1', 'link set v0 addrgenmode none', 'link set v0 up',
      'addr add 10.70.0.1/24 dev v0', // there before the load
    ], ns);
  });

  const inet = (): string[] => ipAddrs('v0', { netns: ns }).map((a) => `${a.local}/${a.prefixlen}`);

  for (const [title, opts] of BULK_MODES) {
    it(`bad items are reported one by one and never sent when invalid; the rest are loaded (${title})`, async () => {
      const { items, expected } = scenario();
      const sent = rtnl.socket.stats.sent;
      const result = await rtnl.addr.addMany(items, opts);
      expectAccounted(result, items, expected);
      expect((result.failed[0]!.error as { request?: string }).request).to.equal('RTM_GETLINK nope0');
      // One message per valid item, the nope0 item's lookup in its place, and one lookup of v0.
      expect(rtnl.socket.stats.sent - sent).to.equal(N - invalidCount(expected) + 1);
      const shown = inet();
      expect(shown).to.have.length(N - expected.length + 1);
      expect(shown).to.include.members([local(0 + 1), local(4), local(N - 3), '10.70.0.1/24']);
      expect(shown.filter((a) => a.startsWith('10.60.') || a.includes(':'))).to.deep.equal([]);
    });
  }

  it("mode 'replace' takes addresses that exist; delMany removes them all", async () => {
    // Host addresses: deleting the first of a subnet would take its secondaries with it.
    const specs: AddressSpec[] = Array.from({ length: 500 }, (_, i) => ({ dev: 'v0', local: local(i).replace('/16', '/32') }));
    expect(await rtnl.addr.addMany(specs.slice(0, 250))).to.deep.equal({ total: 250, ok: 250, failed: [] });
    expect(await rtnl.addr.addMany(specs, { mode: 'replace' })).to.deep.equal({ total: 500, ok: 500, failed: [] });
    expect(inet()).to.have.length(501);
    const v6 = Array.from({ length: 100 }, (_, i): AddressSpec => ({ dev: 'v0', local: `2001:db8::${(i + 1).toString(16)}/64`, flags: ['nodad'] }));
    expect((await rtnl.addr.addMany(v6)).ok).to.equal(100);
    expect(inet().filter((a) => a.startsWith('2001:db8::'))).to.have.length(100);

    const gone = await rtnl.addr.delMany([...specs, ...v6.map(({ dev, local: l }) => ({ dev, local: l })), { dev: 'v0', local: '10.99.0.1/24' }]);
    expect(gone.total).to.equal(601);
    expect(gone.failed.map((f) => [f.index, (f.error as { errnoName?: string }).errnoName])).to.deep.equal([[600, 'EADDRNOTAVAIL']]);
    expect(inet()).to.deep.equal(['10.70.0.1/24']);
  });
});
