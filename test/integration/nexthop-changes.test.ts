// Changing nexthop objects: get by id, replace (routes that use the id
// follow at once, which is the point of nexthop objects) and del (the
// kernel shrinks groups and removes routes left without a nexthop).
import { expect } from 'chai';
import { FreshNetns } from './fresh-netns.js';

const vethNetns = (): Promise<FreshNetns> => FreshNetns.withVeth({ lo: true });

interface IpRoute {
  dst: string;
  nhid?: number;
  gateway?: string;
  nexthops?: { gateway?: string; weight: number }[];
}

describe('nexthops: get, replace and del', () => {
  let ns: FreshNetns;
  let v0: number;

  beforeEach(async () => {
    ns = await vethNetns();
    v0 = await ns.rtnl.link.index('v0');
  });

  afterEach(() => {
    ns.close();
  });

  const ipRoutes = (): IpRoute[] => ns.ipJson<IpRoute[]>(['route', 'show', 'proto', 'boot']);

  it('get returns one nexthop by id, as list shows it', async () => {
    await ns.rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await ns.rtnl.nexthop.add({ id: 7, gateway: '2001:db8::7', dev: 'v0', protocol: 'static' });
    await ns.rtnl.nexthop.add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 7 }] });

    const seven = await ns.rtnl.nexthop.get(7);
    expect(seven).to.include({ id: 7, family: 6, gateway: '2001:db8::7', oif: v0, protocol: 'static', blackhole: false });
    expect(seven).to.deep.equal((await ns.rtnl.nexthop.list()).find((n) => n.id === 7));
    expect((await ns.rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 1, weight: 2 }, { id: 7, weight: 1 }]);
  });

  it('replace changes a gateway, and routes using the id follow', async () => {
    await ns.rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await ns.rtnl.route.add({ dst: '192.168.1.0/24', nhid: 1 });

    await ns.rtnl.nexthop.replace({ id: 1, gateway: '10.0.0.3', dev: 'v0', protocol: 'static' });

    expect(await ns.rtnl.nexthop.get(1)).to.include({ gateway: '10.0.0.3', protocol: 'static' });
    expect(ipRoutes()).to.deep.equal([{ dst: '192.168.1.0/24', nhid: 1, gateway: '10.0.0.3', dev: 'v0', flags: [] }]);
    expect((await ns.rtnl.route.list({ family: 4, protocol: 'boot' }))[0]).to.include({ nhid: 1, gateway: '10.0.0.3' });
  });

  it('replace changes the members and weights of a group, and routes using it follow', async () => {
    ns.ipBatch(['nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 via 10.0.0.3 dev v0', 'nexthop add id 3 via 10.0.0.4 dev v0']);
    await ns.rtnl.nexthop.add({ id: 10, group: [{ id: 1 }, { id: 2 }] });
    await ns.rtnl.route.add({ dst: '192.168.1.0/24', nhid: 10 });

    await ns.rtnl.nexthop.replace({ id: 10, group: [{ id: 2, weight: 4 }, { id: 3, weight: 2 }] });

    expect((await ns.rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 2, weight: 4 }, { id: 3, weight: 2 }]);
    const [route] = await ns.rtnl.route.list({ family: 4, protocol: 'boot' });
    expect(route!.nexthops!.map((n) => [n.gateway, n.weight])).to.deep.equal([['10.0.0.3', 4], ['10.0.0.4', 2]]);
    expect(ipRoutes()[0]!.nexthops!.map((n) => [n.gateway, n.weight])).to.deep.equal([['10.0.0.3', 4], ['10.0.0.4', 2]]);
  });

  it('replace of an id that does not exist creates it', async () => {
    await ns.rtnl.nexthop.replace({ id: 42, gateway: '10.0.0.42', dev: 'v0' });
    expect(ns.ipJson<{ id: number; gateway: string }[]>(['nexthop', 'show', 'id', '42'])[0]).to.include({ id: 42, gateway: '10.0.0.42' });
  });

  it('add without an id: the kernel picks one, and list finds it', async () => {
    await ns.rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await ns.rtnl.nexthop.add({ gateway: '10.0.0.9', dev: 'v0' });
    const picked = (await ns.rtnl.nexthop.list()).find((n) => n.gateway === '10.0.0.9');
    expect(picked?.id).to.be.a('number').and.not.equal(0).and.not.equal(1);
    expect((await ns.rtnl.nexthop.get(picked!.id)).gateway).to.equal('10.0.0.9');
  });

  it('del removes a nexthop; ip no longer shows it', async () => {
    ns.ipBatch(['nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 blackhole']);
    await ns.rtnl.nexthop.del(1);
    expect(ns.ipJson<{ id: number }[]>(['nexthop', 'show']).map((e) => e.id)).to.deep.equal([2]);
    expect((await ns.rtnl.nexthop.list()).map((n) => n.id)).to.deep.equal([2]);
  });

  it('deleting a group member shrinks the group; deleting the last one removes the group and its routes', async () => {
    ns.ipBatch([
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 10.0.0.3 dev v0',
      'nexthop add id 10 group 1/2',
      'route add 192.168.1.0/24 nhid 10',
      'route add 192.168.2.0/24 nhid 1',
    ]);

    await ns.rtnl.nexthop.del(1);
    expect((await ns.rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 2, weight: 1 }]);
    // The route on nexthop 1 itself is gone; the one on the group now goes
    // through member 2 only (a one-path IPv4 route: plain gateway, no list).
    expect(ipRoutes()).to.deep.equal([{ dst: '192.168.1.0/24', nhid: 10, gateway: '10.0.0.3', dev: 'v0', flags: [] }]);
    const ours = await ns.rtnl.route.list({ family: 4, protocol: 'boot' });
    expect(ours.map((r) => [r.dst, r.nhid, r.gateway ?? r.nexthops?.map((n) => n.gateway)])).to.deep.equal([['192.168.1.0/24', 10, '10.0.0.3']]);

    await ns.rtnl.nexthop.del(2);
    expect(await ns.rtnl.nexthop.list()).to.deep.equal([]);
    expect(ipRoutes()).to.deep.equal([]);
  });
});
