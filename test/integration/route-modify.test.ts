// Changing routes: replace/append/prepend order routes for one prefix as
// `ip route` does, deletion selects exactly the route described, flush
// removes exactly what its filter selects, and refusals carry the kernel's
// errno and extended-ACK message (or never leave the process).
import { expect } from 'chai';
import { NetlinkError, ValidationError, type Namespace, type RouteSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';

interface IpRoute {
  dst: string;
  gateway?: string;
  table?: string;
  protocol?: string;
  metric?: number;
  nexthops?: { gateway: string }[];
}

/** Rejects with an error of that class, returning it for closer checks. */
async function rejection<E extends Error>(p: Promise<unknown>, cls: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}, but the call succeeded`);
}

describe('routes: replace, append, prepend, del, flush and their errors', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1',
      // No link-local addresses: their routes would appear after DAD, between two reads.
      'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
      'link set v0 up',
      'link set v1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 2001:db8::1/64 dev v0 nodad',
    ], ns);
  });

  /** Gateways of the routes for one prefix, in the order `ip route show` lists them. */
  const gateways = (dst: string, table = 'main'): string[] =>
    ipJson<IpRoute[]>(['route', 'show', 'table', table, dst], ns).map((r) => r.gateway ?? '-');

  const routes = (...args: string[]): IpRoute[] => ipJson<IpRoute[]>(['-d', '-4', 'route', 'show', ...args], ns);

  describe('ordering of routes for the same IPv4 prefix', () => {
    it('append adds after the existing routes, prepend before them', async () => {
      await rtnl.route.add({ dst: '20.0.0.0/24', gateway: '10.0.0.2' });
      await rtnl.route.append({ dst: '20.0.0.0/24', gateway: '10.0.0.3' });
      expect(gateways('20.0.0.0/24')).to.deep.equal(['10.0.0.2', '10.0.0.3']);

      await rtnl.route.prepend({ dst: '20.0.0.0/24', gateway: '10.0.0.4' });
      expect(gateways('20.0.0.0/24')).to.deep.equal(['10.0.0.4', '10.0.0.2', '10.0.0.3']);
    });

    it('replace replaces the first route for the prefix and keeps the others', async () => {
      ipBatch(['route add 20.0.0.0/24 via 10.0.0.2', 'route append 20.0.0.0/24 via 10.0.0.3'], ns);
      await rtnl.route.replace({ dst: '20.0.0.0/24', gateway: '10.0.0.9' });
      expect(gateways('20.0.0.0/24')).to.deep.equal(['10.0.0.9', '10.0.0.3']);
    });

    it('replace creates the route when none exists', async () => {
      await rtnl.route.replace({ dst: '20.0.1.0/24', gateway: '10.0.0.2', table: 100 });
      expect(gateways('20.0.1.0/24', '100')).to.deep.equal(['10.0.0.2']);
    });

    it('netnest lists the routes of one prefix in the same order as ip', async () => {
      ipBatch(['route add 20.0.0.0/24 via 10.0.0.2', 'route append 20.0.0.0/24 via 10.0.0.3', 'route prepend 20.0.0.0/24 via 10.0.0.4'], ns);
      const ours = (await rtnl.route.list({ family: 4 })).filter((r) => r.dst === '20.0.0.0/24').map((r) => r.gateway);
      expect(ours).to.deep.equal(gateways('20.0.0.0/24'));
    });
  });

  describe('IPv6: append and prepend add paths to one multipath route; replace replaces it whole', () => {
    it('append, prepend, then replace', async () => {
      await rtnl.route.add({ dst: '2001:db8:1::/64', gateway: '2001:db8::2' });
      await rtnl.route.append({ dst: '2001:db8:1::/64', gateway: '2001:db8::3' });
      await rtnl.route.prepend({ dst: '2001:db8:1::/64', gateway: '2001:db8::4' });
      const [multi] = ipJson<IpRoute[]>(['-6', 'route', 'show', '2001:db8:1::/64'], ns);
      expect(multi?.nexthops?.map((n) => n.gateway)).to.deep.equal(['2001:db8::2', '2001:db8::3', '2001:db8::4']);

      await rtnl.route.replace({ dst: '2001:db8:1::/64', gateway: '2001:db8::9' });
      const after = ipJson<IpRoute[]>(['-6', 'route', 'show', '2001:db8:1::/64'], ns);
      expect(after.map((r) => [r.gateway, r.nexthops])).to.deep.equal([['2001:db8::9', undefined]]);
    });
  });

  describe('del', () => {
    it('by dst and table: only that table\'s route goes', async () => {
      ipBatch(['route add 20.0.0.0/24 via 10.0.0.2', 'route add 20.0.0.0/24 via 10.0.0.2 table 100', 'route add 20.0.0.0/24 via 10.0.0.2 table 1000'], ns);
      await rtnl.route.del({ dst: '20.0.0.0/24', table: 100 });
      await rtnl.route.del({ dst: '20.0.0.0/24', table: 1000 });
      expect(routes('table', 'all', '20.0.0.0/24').map((r) => r.table)).to.deep.equal(['main']);
    });

    it('by full selector: gateway or metric picks one of several routes for the prefix', async () => {
      ipBatch([
        'route add 20.0.0.0/24 via 10.0.0.2', 'route append 20.0.0.0/24 via 10.0.0.3', 'route append 20.0.0.0/24 via 10.0.0.4',
        'route add 20.0.1.0/24 via 10.0.0.2 metric 10', 'route add 20.0.1.0/24 via 10.0.0.2 metric 20',
      ], ns);
      await rtnl.route.del({ dst: '20.0.0.0/24', gateway: '10.0.0.3' });
      expect(gateways('20.0.0.0/24')).to.deep.equal(['10.0.0.2', '10.0.0.4']);

      await rtnl.route.del({ dst: '20.0.1.0/24', gateway: '10.0.0.2', metric: 20 });
      expect(routes('20.0.1.0/24').map((r) => r.metric)).to.deep.equal([10]);
    });

    it('a route of the wrong type is not deleted (type is part of the selector)', async () => {
      ipBatch(['route add blackhole 20.0.2.0/24'], ns);
      const e = await rejection(rtnl.route.del({ dst: '20.0.2.0/24', type: 'unreachable' }), NetlinkError);
      expect(e.code).to.equal('ESRCH');
      await rtnl.route.del({ dst: '20.0.2.0/24', type: 'blackhole' });
      expect(routes('20.0.2.0/24')).to.deep.equal([]);
    });

    it('IPv6 by dst, gateway and metric', async () => {
      ipBatch(['route add 2001:db8:1::/64 via 2001:db8::2 metric 5', 'route add 2001:db8:1::/64 via 2001:db8::2 metric 6'], ns);
      await rtnl.route.del({ dst: '2001:db8:1::/64', gateway: '2001:db8::2', metric: 6 });
      expect(ipJson<IpRoute[]>(['-6', 'route', 'show', '2001:db8:1::/64'], ns).map((r) => r.metric)).to.deep.equal([5]);
    });
  });

  describe('flush', () => {
    beforeEach(() => {
      ipBatch([
        'route add 20.0.0.0/24 via 10.0.0.2 table 100',
        'route add 20.0.1.0/24 via 10.0.0.2 table 100 proto static',
        'route add blackhole 20.0.2.0/24 table 100',
        'route add 20.0.0.0/24 via 10.0.0.2 table 200',
        'route add 20.0.0.0/24 via 10.0.0.2 table 1000',
        'route add 20.0.3.0/24 via 10.0.0.2 proto static',
        'route add 20.0.4.0/24 via 10.0.0.2 proto bird',
        'route add 20.0.5.0/24 via 10.0.0.2',
        'route add 2001:db8:1::/64 via 2001:db8::2 table 100',
      ], ns);
    });

    const everything = (): string[] => [
      ...ipJson<IpRoute[]>(['-d', '-4', 'route', 'show', 'table', 'all'], ns),
      ...ipJson<IpRoute[]>(['-d', '-6', 'route', 'show', 'table', 'all'], ns),
    ].map((r) => `${r.dst} ${r.table} ${r.protocol}`);

    it('by table: exactly that table\'s routes, of both families', async () => {
      const before = everything();
      const result = await rtnl.route.flush({ table: 100 });
      expect(result).to.deep.include({ total: 4, ok: 4, failed: [] });
      expect(everything()).to.deep.equal(before.filter((r) => !r.includes(' 100 ')));
    });

    it('by table >= 256', async () => {
      const before = everything();
      expect((await rtnl.route.flush({ table: 1000 })).ok).to.equal(1);
      expect(everything()).to.deep.equal(before.filter((r) => r !== '20.0.0.0/24 1000 boot'));
    });

    it('by protocol: exactly the routes of that protocol in the table', async () => {
      const before = everything();
      const result = await rtnl.route.flush({ protocol: 'static' });
      expect(result).to.deep.include({ total: 1, ok: 1, failed: [] });
      expect(everything()).to.deep.equal(before.filter((r) => r !== '20.0.3.0/24 main static'));
    });

    it('by table and protocol', async () => {
      const before = everything();
      expect((await rtnl.route.flush({ table: 100, protocol: 'static' })).ok).to.equal(1);
      expect(everything()).to.deep.equal(before.filter((r) => r !== '20.0.1.0/24 100 static'));
    });

    it('with no filter: the main table\'s routes, but not the kernel\'s own', async () => {
      const before = everything();
      await rtnl.route.flush();
      const gone = new Set(['20.0.3.0/24 main static', '20.0.4.0/24 main bird', '20.0.5.0/24 main boot']);
      expect(everything()).to.deep.equal(before.filter((r) => !gone.has(r)));
      expect(everything()).to.include('10.0.0.0/24 main kernel');
    });
  });

  describe('errors', () => {
    it('EEXIST when the route exists, naming the request', async () => {
      const spec: RouteSpec = { dst: '20.0.0.0/24', gateway: '10.0.0.2', table: 100 };
      await rtnl.route.add(spec);
      const e = await rejection(rtnl.route.add(spec), NetlinkError);
      expect(e).to.include({ code: 'EEXIST', errnoName: 'EEXIST', errno: 17 });
      expect(e.request).to.equal('RTM_NEWROUTE 20.0.0.0/24 via 10.0.0.2 table 100');
    });

    it('EEXIST for IPv6 too', async () => {
      await rtnl.route.add({ dst: '2001:db8:1::/64', gateway: '2001:db8::2' });
      const e = await rejection(rtnl.route.add({ dst: '2001:db8:1::/64', gateway: '2001:db8::2' }), NetlinkError);
      expect(e.code).to.equal('EEXIST');
    });

    it('ESRCH when deleting a route that does not exist', async () => {
      const e = await rejection(rtnl.route.del({ dst: '20.9.0.0/24' }), NetlinkError);
      expect(e).to.include({ code: 'ESRCH', errnoName: 'ESRCH' });
      expect(e.request).to.equal('RTM_DELROUTE 20.9.0.0/24');
    });

    it('ESRCH when the selector matches no route (wrong gateway)', async () => {
      await rtnl.route.add({ dst: '20.0.0.0/24', gateway: '10.0.0.2' });
      const e = await rejection(rtnl.route.del({ dst: '20.0.0.0/24', gateway: '10.0.0.77' }), NetlinkError);
      expect(e.code).to.equal('ESRCH');
      expect(gateways('20.0.0.0/24')).to.deep.equal(['10.0.0.2']);
    });

    it('a gateway on no connected subnet: ENETUNREACH with the kernel\'s extended-ACK message', async () => {
      const e = await rejection(rtnl.route.add({ dst: '20.0.0.0/24', gateway: '10.9.0.2' }), NetlinkError);
      expect(e).to.include({ code: 'ENETUNREACH', extackMessage: 'Nexthop has invalid gateway' });
      expect(e.message).to.contain('Nexthop has invalid gateway');
      expect(routes('20.0.0.0/24')).to.deep.equal([]);
    });

    it('host bits beyond the prefix length: EINVAL with the kernel\'s message', async () => {
      const e = await rejection(rtnl.route.add({ dst: '20.0.0.1/24', gateway: '10.0.0.2' }), NetlinkError);
      expect(e).to.include({ code: 'EINVAL', extackMessage: 'Invalid prefix for given prefix length' });
    });

    it('an unknown device: ENODEV before the route is sent', async () => {
      const sent = rtnl.socket.stats.sent;
      const e = await rejection(rtnl.route.add({ dst: '20.0.0.0/24', dev: 'nope0' }), NetlinkError);
      expect(e.code).to.equal('ENODEV');
      // Only the device lookup went out.
      expect(rtnl.socket.stats.sent - sent).to.equal(1);
    });

    it('table 0 is rejected with a ValidationError and nothing is sent', async () => {
      const sent = rtnl.socket.stats.sent;
      for (const spec of [
        { dst: '20.0.0.0/24', gateway: '10.0.0.2', table: 0 },
        { dst: '20.0.0.0/24', gateway: '10.0.0.2', table: 'unspec' },
        { dst: '20.0.0.0/24', dev: 'v0', table: 0 },
      ]) {
        for (const op of ['add', 'replace', 'append', 'prepend'] as const) {
          const e = await rejection(rtnl.route[op](spec), ValidationError);
          expect(e).to.include({ code: 'ERR_INVALID_ARGUMENT', field: 'table' });
        }
      }
      expect(rtnl.socket.stats.sent).to.equal(sent);
    });
  });
});
