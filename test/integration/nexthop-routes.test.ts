// Routes that use nexthop objects (`nhid`): route.list() shows the id and
// the nexthops the kernel expands it to, as `ip -j -d route` prints them,
// for routes added by netnest and by `ip route add ... nhid`.
import { expect } from 'chai';
import type { Namespace, NextHop, Route, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { addVeth } from '../support/veth.js';

interface IpRouteNexthop {
  gateway?: string;
  via?: { family: string; host: string };
  dev: string;
  weight: number;
  flags: string[];
}

interface IpRoute {
  type: string;
  dst: string;
  nhid?: number;
  gateway?: string;
  dev?: string;
  table: string;
  protocol: string;
  scope: string;
  metric?: number;
  flags: string[];
  nexthops?: IpRouteNexthop[];
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const tables: Record<string, number> = { main: 254, local: 255, default: 253 };

function fromIp(r: IpRoute, index: Map<string, number>): Record<string, unknown> {
  return defined({
    dst: r.dst, type: r.type, table: tables[r.table] ?? Number(r.table), protocol: r.protocol, scope: r.scope, metric: r.metric,
    nhid: r.nhid, gateway: r.gateway, oif: r.dev === undefined ? undefined : index.get(r.dev), flags: r.flags,
    nexthops: r.nexthops?.map((n) => defined({
      gateway: n.gateway, via: n.via && { family: n.via.family === 'inet6' ? 6 : 4, host: n.via.host }, oif: index.get(n.dev),
      weight: n.weight, flags: n.flags,
    })),
  });
}

function fromNetnest(r: Route): Record<string, unknown> {
  return defined({
    dst: r.dst, type: r.type, table: r.table, protocol: r.protocol, scope: r.scope, metric: r.metric, nhid: r.nhid,
    gateway: r.gateway, oif: r.oif, flags: r.flags,
    nexthops: r.nexthops?.map((n: NextHop) => defined({ gateway: n.gateway, via: n.via, oif: n.oif, weight: n.weight, flags: n.flags })),
  });
}

describe('nexthops: routes using them by nhid', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let index: Map<string, number>;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl, { lo: true });
    index = new Map((await rtnl.link.list()).map((l) => [l.name, l.index]));
    ipBatch([
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 2001:db8::2 dev v0',
      'nexthop add id 3 dev v1',
      'nexthop add id 4 blackhole',
      'nexthop add id 5 via 2001:db8::5 dev v0',
      // ip's group syntax: ID[,WEIGHT]/ID[,WEIGHT]...
      'nexthop add id 10 group 1/2,3/3,4',
      'nexthop add id 11 group 2,5/5',
    ], ns);
  });

  /** Every route with an nhid, both families, all tables, as ip prints them. */
  const ipView = (): Record<string, unknown>[] => ['-4', '-6']
    .flatMap((f) => ipJson<IpRoute[]>([f, '-d', 'route', 'show', 'table', 'all'], ns))
    .filter((r) => r.nhid !== undefined)
    .map((r) => fromIp(r, index));
  const ourView = async (): Promise<Record<string, unknown>[]> =>
    (await rtnl.route.list({ table: 'all' })).filter((r) => r.nhid !== undefined).map(fromNetnest);

  it('adds routes by nhid; ip shows the id and the expanded nexthops', async () => {
    await rtnl.route.add({ dst: '192.168.1.0/24', nhid: 10, metric: 5, protocol: 'static' });
    await rtnl.route.add({ dst: '192.168.2.0/24', nhid: 1, table: 100 });
    await rtnl.route.add({ dst: '2001:db8:5::/64', nhid: 2 });
    await rtnl.route.add({ dst: '2001:db8:6::/64', nhid: 11 });

    const v0 = index.get('v0');
    const v1 = index.get('v1');
    expect(ipView()).to.deep.equal([
      {
        dst: '192.168.2.0/24', type: 'unicast', table: 100, protocol: 'boot', scope: 'global', nhid: 1, gateway: '10.0.0.2', oif: v0, flags: [],
      },
      {
        dst: '192.168.1.0/24', type: 'unicast', table: 254, protocol: 'static', scope: 'global', metric: 5, nhid: 10, flags: [],
        nexthops: [
          { gateway: '10.0.0.2', oif: v0, weight: 1, flags: [] },
          // An IPv6 member of an IPv4 route's group: RFC 5549, printed as via.
          { via: { family: 6, host: '2001:db8::2' }, oif: v0, weight: 3, flags: [] },
          { oif: v1, weight: 4, flags: [] },
        ],
      },
      {
        dst: '2001:db8:5::/64', type: 'unicast', table: 254, protocol: 'boot', scope: 'global', metric: 1024, nhid: 2,
        gateway: '2001:db8::2', oif: v0, flags: [],
      },
      {
        dst: '2001:db8:6::/64', type: 'unicast', table: 254, protocol: 'boot', scope: 'global', metric: 1024, nhid: 11, flags: [],
        nexthops: [{ gateway: '2001:db8::2', oif: v0, weight: 5, flags: [] }, { gateway: '2001:db8::5', oif: v0, weight: 1, flags: [] }],
      },
    ]);
  });

  it('lists routes by nhid with the values ip prints (added by netnest)', async () => {
    await rtnl.route.add({ dst: '192.168.1.0/24', nhid: 10, metric: 5, protocol: 'static' });
    await rtnl.route.add({ dst: '192.168.2.0/24', nhid: 1, table: 100 });
    await rtnl.route.add({ dst: '192.168.4.0/24', nhid: 4 });
    await rtnl.route.add({ dst: '2001:db8:6::/64', nhid: 11 });
    expect(await ourView()).to.have.length(4);
    expect(await ourView()).to.deep.equal(ipView());
  });

  it('decodes routes added by ip route add ... nhid with the values ip prints', async () => {
    ipBatch([
      'route add 192.168.1.0/24 nhid 10 metric 5 proto static',
      'route add 192.168.2.0/24 nhid 1 table 100',
      'route add 192.168.4.0/24 nhid 4',
      'route add 2001:db8:5::/64 nhid 2',
      'route add 2001:db8:6::/64 nhid 11 table 200',
    ], ns);
    const ours = await ourView();
    expect(ours).to.deep.equal(ipView());
    const by = (dst: string): Record<string, unknown> => ours.find((r) => r.dst === dst)!;
    expect(by('192.168.1.0/24')).to.include({ nhid: 10, metric: 5, protocol: 'static' });
    expect(by('192.168.1.0/24').nexthops).to.have.length(3);
    // A blackhole nexthop makes a blackhole route.
    expect(by('192.168.4.0/24')).to.include({ nhid: 4, type: 'blackhole' });
    expect(by('2001:db8:6::/64')).to.include({ nhid: 11, table: 200 });
  });

  it('route.get resolves through the nexthop object', async () => {
    await rtnl.route.add({ dst: '192.168.2.0/24', nhid: 1 });
    const r = await rtnl.route.get({ dst: '192.168.2.7' });
    expect(r).to.include({ gateway: '10.0.0.2', oif: index.get('v0') });
  });
});
