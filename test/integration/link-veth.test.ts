// veth pairs: both ends are made by one request, each directly in its
// namespace, so a test topology never has a half-moved pair. `ip` in each
// namespace must see what was asked for.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { ipLink, ipLinks } from '../support/ip.js';
import { FreshNetns } from './fresh-netns.js';

describe('veth pairs', () => {
  let rtnl: Rtnl;
  const made: string[] = [];
  const namespaces: FreshNetns[] = [];
  const fresh = (): FreshNetns => {
    const ns = new FreshNetns();
    namespaces.push(ns);
    return ns;
  };

  beforeEach(() => {
    rtnl = Rtnl.open();
  });

  afterEach(async () => {
    // Links in the test run's own namespace are removed by exact name; the
    // fresh namespaces take theirs with them.
    for (const name of made.splice(0)) await rtnl.link.del(name).catch(() => undefined);
    for (const ns of namespaces.splice(0)) ns.close();
    rtnl.close();
  });

  it('creates a pair in the current namespace with mtu and address on each end', async () => {
    made.push('vth-a0');
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
    const other = fresh();
    made.push('vth-b0');
    await rtnl.link.add({
      name: 'vth-b0', kind: 'veth', up: true,
      peer: { name: 'vth-b1', netns: other.fd, up: true, mtu: 1280, address: '02:00:00:00:b0:02' },
    });

    expect(ipLinks().map((l) => l.ifname)).not.to.include('vth-b1');
    const peer = other.ipLink('vth-b1', { details: true });
    const here = ipLink('vth-b0');
    expect(peer.linkinfo?.info_kind).to.equal('veth');
    expect(peer.flags).to.include('UP');
    expect([peer.mtu, peer.address]).to.deep.equal([1280, '02:00:00:00:b0:02']);
    // Each end names the other by index in a namespace it knows by id.
    expect(peer.link_index).to.equal(here.ifindex);
    expect(here.link_index).to.equal(peer.ifindex);
    expect(here.link_netnsid).to.be.a('number');
    expect(peer.link_netnsid).to.be.a('number');

    const seen = await other.rtnl.link.get('vth-b1');
    expect(seen).to.include({ up: true, mtu: 1280, link: here.ifindex, link_netnsid: peer.link_netnsid });
  });

  it('creates both ends in two other namespaces in one request, leaving the current one untouched', async () => {
    const a = fresh();
    const b = fresh();
    const before = ipLinks().map((l) => l.ifname);
    await rtnl.link.add({
      name: 'vth-c0', kind: 'veth', netns: a.fd, up: true, mtu: 1450, address: '02:00:00:00:c0:01',
      peer: { name: 'vth-c1', netns: b.fd, up: true, mtu: 1350, address: '02:00:00:00:c0:02' },
    });

    expect(ipLinks().map((l) => l.ifname)).to.deep.equal(before);
    const end0 = a.ipLink('vth-c0', { details: true });
    const end1 = b.ipLink('vth-c1', { details: true });
    expect([end0.linkinfo?.info_kind, end0.mtu, end0.address]).to.deep.equal(['veth', 1450, '02:00:00:00:c0:01']);
    expect([end1.linkinfo?.info_kind, end1.mtu, end1.address]).to.deep.equal(['veth', 1350, '02:00:00:00:c0:02']);
    expect(end0.flags).to.include('UP');
    expect(end1.flags).to.include('UP');
    expect(end0.link_index).to.equal(end1.ifindex);
    expect(end1.link_index).to.equal(end0.ifindex);

    const seen0 = await a.rtnl.link.get('vth-c0');
    const seen1 = await b.rtnl.link.get('vth-c1');
    expect(seen0).to.include({ kind: 'veth', link: end1.ifindex, link_netnsid: end0.link_netnsid });
    expect(seen1).to.include({ kind: 'veth', link: end0.ifindex, link_netnsid: end1.link_netnsid });
  });

  it('deletes both ends when one is deleted, even across namespaces', async () => {
    const a = fresh();
    const b = fresh();
    await rtnl.link.add({ name: 'vth-d0', kind: 'veth', netns: a.fd, peer: { name: 'vth-d1', netns: b.fd } });
    expect(b.ipLinks().map((l) => l.ifname)).to.include('vth-d1');

    await a.rtnl.link.del('vth-d0');

    expect(a.ipLinks().map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(b.ipLinks().map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(await b.rtnl.link.find('vth-d1')).to.equal(undefined);
  });
});
