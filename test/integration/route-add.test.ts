// Routes netnest adds, as `ip -d -j route show table all` reads them back:
// every field of RouteSpec must reach the kernel with the value given.
import { expect } from 'chai';
import type { Namespace, RouteSpec, Rtnl } from '../../src/index.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

/** `ip -d -j route` entry (the fields ip prints for the routes used here). */
interface IpRoute {
  type: string;
  dst: string;
  table: string;
  protocol: string;
  scope: string;
  flags: string[];
  expires?: number;
  [key: string]: unknown;
}

/** v0 (10.0.0.1/24, 2001:db8::1/64) and its peer v1, both up, so gateways on those subnets resolve. */
function vethPair(ns: Namespace): void {
  ipBatch([
    'link set lo up',
    'link add v0 type veth peer name v1',
    'link set v0 up',
    'link set v1 up',
    'addr add 10.0.0.1/24 dev v0',
    'addr add 2001:db8::1/64 dev v0 nodad',
  ], ns);
}

interface Case {
  title: string;
  spec: RouteSpec;
  /** What `ip -d -j` prints for it, complete (expires is checked apart: it counts down). */
  ip: Record<string, unknown>;
  /** Extra setup before the route is added. */
  before?: (rtnl: Rtnl) => Promise<void>;
}

const unicast = { type: 'unicast', table: 'main', protocol: 'boot', scope: 'global', flags: [] };

const ipv4: Case[] = [
  {
    title: 'gateway, dev, prefsrc, table >= 256, metric, protocol by name, tos',
    spec: { dst: '20.0.0.0/24', gateway: '10.0.0.2', dev: 'v0', prefsrc: '10.0.0.1', table: 1000, metric: 10, protocol: 'static', tos: 0x10 },
    ip: { ...unicast, dst: '20.0.0.0/24', gateway: '10.0.0.2', dev: 'v0', prefsrc: '10.0.0.1', table: '1000', metric: 10, protocol: 'static', tos: '0x10' },
  },
  {
    title: 'the defaults of `ip route add`: table main, protocol boot, scope global',
    spec: { dst: '20.0.1.0/24', gateway: '10.0.0.2' },
    ip: { ...unicast, dst: '20.0.1.0/24', gateway: '10.0.0.2', dev: 'v0' },
  },
  {
    title: 'protocol by number (99, named openr in rt_protos)',
    spec: { dst: '20.0.2.0/24', gateway: '10.0.0.2', protocol: 99 },
    ip: { ...unicast, dst: '20.0.2.0/24', gateway: '10.0.0.2', dev: 'v0', protocol: 'openr' },
  },
  {
    title: 'protocol 200 (no name in rt_protos)',
    spec: { dst: '20.0.3.0/24', gateway: '10.0.0.2', protocol: 200 },
    ip: { ...unicast, dst: '20.0.3.0/24', gateway: '10.0.0.2', dev: 'v0', protocol: '200' },
  },
  {
    title: "table by name 'main' and protocol 'static'",
    spec: { dst: '20.0.4.0/24', gateway: '10.0.0.2', table: 'main', protocol: 'static' },
    ip: { ...unicast, dst: '20.0.4.0/24', gateway: '10.0.0.2', dev: 'v0', protocol: 'static' },
  },
  {
    title: 'table 256, the first id that does not fit rtm_table',
    spec: { dst: '20.0.5.0/24', gateway: '10.0.0.2', table: 256 },
    ip: { ...unicast, dst: '20.0.5.0/24', gateway: '10.0.0.2', dev: 'v0', table: '256' },
  },
  {
    title: 'table 4000000000 (32-bit id)',
    spec: { dst: '20.0.6.0/24', gateway: '10.0.0.2', table: 4000000000 },
    ip: { ...unicast, dst: '20.0.6.0/24', gateway: '10.0.0.2', dev: 'v0', table: '4000000000' },
  },
  {
    title: 'a dev-only route gets scope link, as with `ip route add PREFIX dev DEV`',
    spec: { dst: '20.0.7.0/24', dev: 'v0' },
    ip: { ...unicast, dst: '20.0.7.0/24', dev: 'v0', scope: 'link' },
  },
  {
    title: 'an explicit scope (host) and a /32 destination',
    spec: { dst: '20.0.8.1', dev: 'v0', scope: 'host' },
    ip: { ...unicast, dst: '20.0.8.1', dev: 'v0', scope: 'host' },
  },
  {
    title: "type local in table 'local'",
    spec: { dst: '10.0.0.99', type: 'local', dev: 'v0', table: 'local' },
    ip: { ...unicast, type: 'local', dst: '10.0.0.99', dev: 'v0', table: 'local', scope: 'host' },
  },
  {
    title: 'type broadcast',
    spec: { dst: '10.0.0.254', type: 'broadcast', dev: 'v0', table: 'local' },
    ip: { ...unicast, type: 'broadcast', dst: '10.0.0.254', dev: 'v0', table: 'local', scope: 'link' },
  },
  {
    title: 'type blackhole',
    spec: { dst: '20.0.9.0/24', type: 'blackhole' },
    ip: { ...unicast, type: 'blackhole', dst: '20.0.9.0/24' },
  },
  {
    title: 'type unreachable',
    spec: { dst: '20.0.10.0/24', type: 'unreachable', table: 100 },
    ip: { ...unicast, type: 'unreachable', dst: '20.0.10.0/24', table: '100' },
  },
  {
    title: 'type prohibit',
    spec: { dst: '20.0.11.0/24', type: 'prohibit', metric: 7 },
    ip: { ...unicast, type: 'prohibit', dst: '20.0.11.0/24', metric: 7 },
  },
  {
    title: 'type throw',
    spec: { dst: '20.0.12.0/24', type: 'throw', table: 100 },
    ip: { ...unicast, type: 'throw', dst: '20.0.12.0/24', table: '100' },
  },
  {
    title: 'type multicast (the kernel accepts it for IPv4)',
    spec: { dst: '224.1.0.0/16', type: 'multicast', dev: 'v0', table: 300 },
    ip: { ...unicast, type: 'multicast', dst: '224.1.0.0/16', dev: 'v0', table: '300', scope: 'link' },
  },
  {
    title: 'dscp is sent as tos = dscp << 2',
    spec: { dst: '20.0.13.0/24', gateway: '10.0.0.2', dscp: 10 },
    // tos 0x28 is DSCP AF11; ip names it from /etc/iproute2/rt_dsfield.
    ip: { ...unicast, dst: '20.0.13.0/24', gateway: '10.0.0.2', dev: 'v0', tos: 'AF11' },
  },
  {
    title: 'flag onlink: a gateway outside every connected subnet',
    spec: { dst: '20.0.14.0/24', gateway: '1.2.3.4', dev: 'v0', flags: ['onlink'] },
    ip: { ...unicast, dst: '20.0.14.0/24', gateway: '1.2.3.4', dev: 'v0', flags: ['onlink'] },
  },
  {
    title: 'multipath: nexthops with gateway, dev and weight',
    spec: {
      dst: '20.0.15.0/24',
      nexthops: [{ gateway: '10.0.0.2', dev: 'v0', weight: 2 }, { gateway: '10.0.0.3', dev: 'v0', weight: 256 }, { gateway: '10.0.0.4' }],
    },
    ip: {
      ...unicast, dst: '20.0.15.0/24',
      nexthops: [
        { gateway: '10.0.0.2', dev: 'v0', weight: 2, flags: [] },
        { gateway: '10.0.0.3', dev: 'v0', weight: 256, flags: [] },
        { gateway: '10.0.0.4', dev: 'v0', weight: 1, flags: [] },
      ],
    },
  },
  {
    title: 'nhid: a route using a nexthop object',
    before: async (rtnl) => { await rtnl.nexthop.add({ id: 5, gateway: '10.0.0.2', dev: 'v0' }); },
    spec: { dst: '20.0.16.0/24', nhid: 5 },
    ip: {
      ...unicast, dst: '20.0.16.0/24', nhid: 5, gateway: '10.0.0.2', dev: 'v0',
      nh_info: { id: 5, gateway: '10.0.0.2', dev: 'v0', scope: 'link', protocol: 'unspec', flags: [] },
    },
  },
  {
    title: 'metrics: mtu, advmss, window, rtt, hoplimit, initcwnd, initrwnd, quickack, congctl',
    spec: {
      dst: '20.0.17.0/24', gateway: '10.0.0.2',
      // The kernel keeps rtt in 1/8 ms (ip divides by 8 to print milliseconds).
      metrics: { mtu: 1400, advmss: 1360, window: 1000, rtt: 800, hoplimit: 10, initcwnd: 5, initrwnd: 6, quickack: 1, congctl: 'cubic' },
    },
    ip: {
      ...unicast, dst: '20.0.17.0/24', gateway: '10.0.0.2', dev: 'v0',
      // ip 6.1 prints congctl as "congestion" in JSON.
      metrics: [{ mtu: 1400, advmss: 1360, window: 1000, rtt: 100, hoplimit: 10, initcwnd: 5, initrwnd: 6, quickack: 1, congestion: 'cubic' }],
    },
  },
  {
    title: 'an IPv6 gateway for an IPv4 route (RTA_VIA, RFC 5549)',
    spec: { dst: '20.0.18.0/24', gateway: '2001:db8::2', dev: 'v0' },
    ip: { ...unicast, dst: '20.0.18.0/24', via: { family: 'inet6', host: '2001:db8::2' }, dev: 'v0' },
  },
  {
    title: "default route (dst 'default') in a table",
    spec: { dst: 'default', gateway: '10.0.0.2', table: 100 },
    ip: { ...unicast, dst: 'default', gateway: '10.0.0.2', dev: 'v0', table: '100' },
  },
];

const ipv6: Case[] = [
  {
    title: 'gateway, dev, metric, table >= 256, protocol',
    spec: { dst: '2001:db8:1::/64', gateway: '2001:db8::2', dev: 'v0', metric: 100, table: 1000, protocol: 'bgp' },
    ip: { ...unicast, dst: '2001:db8:1::/64', gateway: '2001:db8::2', dev: 'v0', metric: 100, table: '1000', protocol: 'bgp', pref: 'medium' },
  },
  {
    title: 'expires and pref high',
    spec: { dst: '2001:db8:2::/64', gateway: '2001:db8::2', expires: 300, pref: 'high' },
    ip: { ...unicast, dst: '2001:db8:2::/64', gateway: '2001:db8::2', dev: 'v0', metric: 1024, pref: 'high' },
  },
  {
    title: 'pref low, prefsrc',
    spec: { dst: '2001:db8:3::/64', gateway: '2001:db8::2', pref: 'low', prefsrc: '2001:db8::1' },
    ip: { ...unicast, dst: '2001:db8:3::/64', gateway: '2001:db8::2', dev: 'v0', metric: 1024, pref: 'low', prefsrc: '2001:db8::1' },
  },
  {
    title: 'a source prefix (`from`, IPv6 subtrees)',
    spec: { dst: '2001:db8:4::/64', src: '2001:db8:6::/64', gateway: '2001:db8::2', table: 5 },
    ip: { ...unicast, dst: '2001:db8:4::/64', from: '2001:db8:6::/64', gateway: '2001:db8::2', dev: 'v0', table: '5', metric: 1024, pref: 'medium' },
  },
  {
    title: 'type unreachable',
    spec: { dst: '2001:db8:5::/64', type: 'unreachable', metric: 5 },
    ip: { ...unicast, type: 'unreachable', dst: '2001:db8:5::/64', dev: 'lo', metric: 5, pref: 'medium' },
  },
  {
    title: 'multipath with weights',
    spec: { dst: '2001:db8:7::/64', nexthops: [{ gateway: '2001:db8::2', dev: 'v0', weight: 3 }, { gateway: '2001:db8::3', dev: 'v0' }] },
    ip: {
      ...unicast, dst: '2001:db8:7::/64', metric: 1024, pref: 'medium',
      nexthops: [{ gateway: '2001:db8::2', dev: 'v0', weight: 3, flags: [] }, { gateway: '2001:db8::3', dev: 'v0', weight: 1, flags: [] }],
    },
  },
  {
    title: 'metrics: mtu and hoplimit',
    spec: { dst: '2001:db8:8::/64', gateway: '2001:db8::2', metrics: { mtu: 1300, hoplimit: 33 } },
    ip: { ...unicast, dst: '2001:db8:8::/64', gateway: '2001:db8::2', dev: 'v0', metric: 1024, pref: 'medium', metrics: [{ mtu: 1300, hoplimit: 33 }] },
  },
];

describe('routes: every RouteSpec field reaches the kernel as ip reads it back', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;

  // One namespace for the file: every case adds its own prefix.
  before(() => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    vethPair(ns);
  });

  /** The one route ip shows for dst in that table. */
  function ipRoute(family: 4 | 6, dst: string, table: string): IpRoute {
    const all = ipJson<IpRoute[]>(['-d', `-${family}`, 'route', 'show', 'table', 'all'], ns);
    const found = all.filter((r) => r.dst === dst && r.table === table);
    expect(found, `ip route show table all: ${dst} table ${table} in ${JSON.stringify(all)}`).to.have.length(1);
    return found[0]!;
  }

  for (const [family, cases] of [[4, ipv4], [6, ipv6]] as const) {
    for (const c of cases) {
      it(`IPv${family}: ${c.title}`, async () => {
        await c.before?.(rtnl);
        await rtnl.route.add(c.spec);

        const { expires, ...shown } = ipRoute(family, c.ip.dst as string, c.ip.table as string);
        expect(shown).to.deep.equal(c.ip);
        if (c.spec.expires !== undefined) expect(expires).to.be.within(c.spec.expires - 2, c.spec.expires);
        else expect(expires).to.equal(undefined);
      });
    }
  }

  it('IPv4: locked metrics (`mtu lock`) are locked in the kernel', async () => {
    await rtnl.route.add({ dst: '20.0.30.0/24', gateway: '10.0.0.2', table: 31, metrics: { mtu: 1400, advmss: 1300, lock: ['mtu', 'advmss'] } });
    // ip -j does not print locks; its text output does.
    expect(ip(['route', 'show', 'table', '31'], ns).trim()).to.equal('20.0.30.0/24 via 10.0.0.2 dev v0 mtu lock 1400 advmss lock 1300');
  });
});
