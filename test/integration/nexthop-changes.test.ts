// Changing nexthop objects: get by id, replace (routes that use the id
// follow at once, which is the point of nexthop objects) and del (the
// kernel shrinks groups and removes routes left without a nexthop).
import { expect } from 'chai';
import type { Namespace, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { addVeth } from '../support/veth.js';

interface IpRoute {
  dst: string;
  nhid?: number;
  gateway?: string;
  nexthops?: { gateway?: string; weight: number }[];
}

describe('nexthops: get, replace and del', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let v0: number;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl, { lo: true });
    v0 = await rtnl.link.index('v0');
  });

  const ipRoutes = (): IpRoute[] => ipJson<IpRoute[]>(['route', 'show', 'proto', 'boot'], ns);

  it('get returns one nexthop by id, as list shows it', async () => {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 7, gateway: '2001:db8::7', dev: 'v0', protocol: 'static' });
    await rtnl.nexthop.add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 7 }] });

    const seven = await rtnl.nexthop.get(7);
    expect(seven).to.include({ id: 7, family: 6, gateway: '2001:db8::7', oif: v0, protocol: 'static', blackhole: false });
    expect(seven).to.deep.equal((await rtnl.nexthop.list()).find((n) => n.id === 7));
    expect((await rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 1, weight: 2 }, { id: 7, weight: 1 }]);
  });

  it('replace changes a gateway, and routes using the id follow', async () => {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.route.add({ dst: '192.168.1.0/24', nhid: 1 });

    await rtnl.nexthop.replace({ id: 1, gateway: '10.0.0.3', dev: 'v0', protocol: 'static' });

    expect(await rtnl.nexthop.get(1)).to.include({ gateway: '10.0.0.3', protocol: 'static' });
    expect(ipRoutes()).to.deep.equal([{ dst: '192.168.1.0/24', nhid: 1, gateway: '10.0.0.3', dev: 'v0', flags: [] }]);
    expect((await rtnl.route.list({ family: 4, protocol: 'boot' }))[0]).to.include({ nhid: 1, gateway: '10.0.0.3' });
  });

  it('replace changes the members and weights of a group, and routes using it follow', async () => {
    ipBatch(['nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 via 10.0.0.3 dev v0', 'nexthop add id 3 via 10.0.0.4 dev v0'], ns);
    await rtnl.nexthop.add({ id: 10, group: [{ id: 1 }, { id: 2 }] });
    await rtnl.route.add({ dst: '192.168.1.0/24', nhid: 10 });

    await rtnl.nexthop.replace({ id: 10, group: [{ id: 2, weight: 4 }, { id: 3, weight: 2 }] });

    expect((await rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 2, weight: 4 }, { id: 3, weight: 2 }]);
    const [route] = await rtnl.route.list({ family: 4, protocol: 'boot' });
    expect(route!.nexthops!.map((n) => [n.gateway, n.weight])).to.deep.equal([['10.0.0.3', 4], ['10.0.0.4', 2]]);
    expect(ipRoutes()[0]!.nexthops!.map((n) => [n.gateway, n.weight])).to.deep.equal([['10.0.0.3', 4], ['10.0.0.4', 2]]);
  });

  it('replace of an id that does not exist creates it', async () => {
    await rtnl.nexthop.replace({ id: 42, gateway: '10.0.0.42', dev: 'v0' });
    expect(ipJson<{ id: number; gateway: string }[]>(['nexthop', 'show', 'id', '42'], ns)[0]).to.include({ id: 42, gateway: '10.0.0.42' });
  });

  it('add without an id: the kernel picks one, and list finds it', async () => {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ gateway: '10.0.0.9', dev: 'v0' });
    const picked = (await rtnl.nexthop.list()).find((n) => n.gateway === '10.0.0.9');
    expect(picked?.id).to.be.a('number').and.not.equal(0).and.not.equal(1);
    expect((await rtnl.nexthop.get(picked!.id)).gateway).to.equal('10.0.0.9');
  });

  it('del removes a nexthop; ip no longer shows it', async () => {
    ipBatch(['nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 blackhole'], ns);
    await rtnl.nexthop.del(1);
    expect(ipJson<{ id: number }[]>(['nexthop', 'show'], ns).map((e) => e.id)).to.deep.equal([2]);
    expect((await rtnl.nexthop.list()).map((n) => n.id)).to.deep.equal([2]);
  });

  it('deleting a group member shrinks the group; deleting the last one removes the group and its routes', async () => {
    ipBatch([
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 10.0.0.3 dev v0',
      'nexthop add id 10 group 1/2',
      'route add 192.168.1.0/24 nhid 10',
      'route add 192.168.2.0/24 nhid 1',
    ], ns);

    await rtnl.nexthop.del(1);
    expect((await rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 2, weight: 1 }]);
    // The route on nexthop 1 itself is gone; the one on the group now goes
    // through member 2 only (a one-path IPv4 route: plain gateway, no list).
    expect(ipRoutes()).to.deep.equal([{ dst: '192.168.1.0/24', nhid: 10, gateway: '10.0.0.3', dev: 'v0', flags: [] }]);
    const ours = await rtnl.route.list({ family: 4, protocol: 'boot' });
    expect(ours.map((r) => [r.dst, r.nhid, r.gateway ?? r.nexthops?.map((n) => n.gateway)])).to.deep.equal([['192.168.1.0/24', 10, '10.0.0.3']]);

    await rtnl.nexthop.del(2);
    expect(await rtnl.nexthop.list()).to.deep.equal([]);
    expect(ipRoutes()).to.deep.equal([]);
  });
});
