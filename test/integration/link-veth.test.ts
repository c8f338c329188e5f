// veth pairs: both ends are made by one request, each directly in its
// namespace, so a test topology never has a half-moved pair. `ip` in each
// namespace must see what was asked for.
import { expect } from 'chai';
import type { Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipLink, ipLinks } from '../support/ip.js';

describe('veth pairs', () => {
  // What the tests make in the test run's own namespace is removed by the
  // manager after each test; the namespaces it made take theirs with them.
  const nn = useNamespaces();
  let rtnl: Rtnl;

  beforeEach(() => {
    rtnl = nn().rtnl();
  });

  it('creates a pair in the current namespace with mtu and address on each end', async () => {
    await rtnl.link.add({
      name: 'vth-a0', kind: 'veth', mtu: 1400, address: '02:00:00:00:a0:01', up: true,
      peer: { name: 'vth-a1', mtu: 1300, address: '02:00:00:00:a0:02', up: true },
    });

    const a = ipLink('vth-a0', { details: true });
    const b = ipLink('vth-a1', { details: true });
    expect(a.linkinfo?.info_kind).to.equal('veth');
    expect(b.linkinfo?.info_kind).to.equal('veth');
    expect([a.mtu, a.address, a.link]).to.deep.equal([1400, '02:00:00:00:a0:01', 'vth-a1']);
    expect([b.mtu, b.address, b.link]).to.deep.equal([1300, '02:00:00:00:a0:02', 'vth-a0']);
    expect(a.flags).to.include('UP');
    expect(b.flags).to.include('UP');

    const got = await rtnl.link.get('vth-a0');
    expect(got).to.include({ kind: 'veth', mtu: 1400, address: '02:00:00:00:a0:01', up: true, link: b.ifindex });
    expect(got.link_netnsid).to.equal(undefined);
  });

  it('creates the peer directly in another namespace and brings it up there', async () => {
    const other = nn().create();
    await rtnl.link.add({
      name: 'vth-b0', kind: 'veth', up: true,
      peer: { name: 'vth-b1', netns: other.fd, up: true, mtu: 1280, address: '02:00:00:00:b0:02' },
    });

    expect(ipLinks().map((l) => l.ifname)).not.to.include('vth-b1');
    const peer = ipLink('vth-b1', { details: true, netns: other });
    const here = ipLink('vth-b0');
    expect(peer.linkinfo?.info_kind).to.equal('veth');
    expect(peer.flags).to.include('UP');
    expect([peer.mtu, peer.address]).to.deep.equal([1280, '02:00:00:00:b0:02']);
    // Each end names the other by index in a namespace it knows by id.
    expect(peer.link_index).to.equal(here.ifindex);
    expect(here.link_index).to.equal(peer.ifindex);
    expect(here.link_netnsid).to.be.a('number');
    expect(peer.link_netnsid).to.be.a('number');

    const seen = await nn().rtnl(other).link.get('vth-b1');
    expect(seen).to.include({ up: true, mtu: 1280, link: here.ifindex, link_netnsid: peer.link_netnsid });
  });

  it('creates both ends in two other namespaces in one request, leaving the current one untouched', async () => {
    const a = nn().create();
    const b = nn().create();
    const before = ipLinks().map((l) => l.ifname);
    await rtnl.link.add({
      name: 'vth-c0', kind: 'veth', netns: a.fd, up: true, mtu: 1450, address: '02:00:00:00:c0:01',
      peer: { name: 'vth-c1', netns: b.fd, up: true, mtu: 1350, address: '02:00:00:00:c0:02' },
    });

    expect(ipLinks().map((l) => l.ifname)).to.deep.equal(before);
    const end0 = ipLink('vth-c0', { details: true, netns: a });
    const end1 = ipLink('vth-c1', { details: true, netns: b });
    expect([end0.linkinfo?.info_kind, end0.mtu, end0.address]).to.deep.equal(['veth', 1450, '02:00:00:00:c0:01']);
    expect([end1.linkinfo?.info_kind, end1.mtu, end1.address]).to.deep.equal(['veth', 1350, '02:00:00:00:c0:02']);
    expect(end0.flags).to.include('UP');
    expect(end1.flags).to.include('UP');
    expect(end0.link_index).to.equal(end1.ifindex);
    expect(end1.link_index).to.equal(end0.ifindex);

    const seen0 = await nn().rtnl(a).link.get('vth-c0');
    const seen1 = await nn().rtnl(b).link.get('vth-c1');
    expect(seen0).to.include({ kind: 'veth', link: end1.ifindex, link_netnsid: end0.link_netnsid });
    expect(seen1).to.include({ kind: 'veth', link: end0.ifindex, link_netnsid: end1.link_netnsid });
  });

  it('deletes both ends when one is deleted, even across namespaces', async () => {
    const a = nn().create();
    const b = nn().create();
    await rtnl.link.add({ name: 'vth-d0', kind: 'veth', netns: a.fd, peer: { name: 'vth-d1', netns: b.fd } });
    expect(ipLinks({ netns: b }).map((l) => l.ifname)).to.include('vth-d1');

    await nn().rtnl(a).link.del('vth-d0');

    expect(ipLinks({ netns: a }).map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(ipLinks({ netns: b }).map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(await nn().rtnl(b).link.find('vth-d1')).to.equal(undefined);
  });
});
