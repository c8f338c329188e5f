// Snapshots of a namespace with bridges: the FDB entries the kernel keeps by
// itself (each port's and the bridge's address, the multicast addresses
// devices join, what is learned from traffic) are never in a snapshot, so
// creating bridges and ports and bringing them up shows as links only, and
// the entries someone adds show as one line each.
import { expect } from 'chai';
import { diff, snapshot, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { bridgeJson } from '../support/ip.js';

describe('snapshot: bridges and their FDB', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('a bridge with up ports and traffic adds links, no FDB lines, and stays stable', async () => {
    const s0 = await snapshot(rtnl);
    await rtnl.link.add({ name: 'br0', kind: 'bridge', up: true });
    await rtnl.link.add({ name: 'v0', kind: 'veth', master: 'br0', up: true, peer: { name: 'v1', up: true } });
    await rtnl.link.add({ name: 'vx0', kind: 'vxlan', master: 'br0', vxlan: { id: 5, group: '10.9.9.9', dstport: 4789, local: '10.1.1.1' } });
    await rtnl.addr.add({ dev: 'v1', local: '10.0.0.2/24' });
    await rtnl.addr.add({ dev: 'br0', local: '10.0.0.1/24' });
    // IPv6 link-local addresses, their multicast groups and the traffic of DAD/MLD come and go meanwhile.
    await new Promise((r) => setTimeout(r, 100));
    const s1 = await snapshot(rtnl);
    expect(bridgeJson<unknown[]>(['fdb', 'show'], ns).length, 'the kernel keeps entries of its own').to.be.greaterThan(5);
    const kinds = new Set(diff(s0, s1).map((c) => c.kind));
    expect([...kinds].sort()).to.deep.equal(['address', 'fdb', 'link', 'route']);
    // The one FDB line: the vxlan's default remote, from its `group`.
    expect(diff(s0, s1).filter((c) => c.kind === 'fdb').map((c) => c.line)).to.deep.equal(['+ fdb 00:00:00:00:00:00 dev vx0 dst 10.9.9.9 self (state permanent)']);
    await new Promise((r) => setTimeout(r, 100));
    expect(diff(s1, await snapshot(rtnl)).map((c) => c.line)).to.deep.equal([]);
  });

  it('entries someone adds are one line each, and gone again when deleted', async () => {
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await rtnl.link.add({ name: 'v0', kind: 'veth', master: 'br0', peer: { name: 'v1' } });
    const v1 = (await rtnl.link.get('v1')).address!;
    const s0 = await snapshot(rtnl);
    // The peer's address on the bridge port is the user's entry, not the port's own.
    await rtnl.fdb.add({ mac: v1, dev: 'v0', master: true, state: 'static' });
    await rtnl.fdb.add({ mac: '02:00:00:00:00:ad', dev: 'v0', self: true });
    expect(diff(s0, await snapshot(rtnl)).map((c) => c.line).sort()).to.deep.equal([
      '+ fdb 02:00:00:00:00:ad dev v0 self (state permanent)',
      `+ fdb ${v1} dev v0 master br0 (state static)`,
    ].sort());
    await rtnl.fdb.del({ mac: v1, dev: 'v0', master: true });
    await rtnl.fdb.del({ mac: '02:00:00:00:00:ad', dev: 'v0', self: true });
    expect(diff(s0, await snapshot(rtnl)).map((c) => c.line)).to.deep.equal([]);
  });
});
