// Interop, direction 2: routes made by `ip route add` are decoded by
// netnest with the values `ip -d -j route show table all` prints, field by
// field, for every route of the namespace (the kernel's own included).
import { expect } from 'chai';
import type { Namespace, Route, Rtnl } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

type Entry = Record<string, unknown>;

const TABLE_NAMES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };

/** netnest's route in ip's words: names for indexes, tables and protocols, tos in hex, rtt in ms. */
function asIpPrints(r: Route, devs: Map<number, string>): Entry {
  const max = r.family === 4 ? 32 : 128;
  const v: Entry = {
    type: r.type, dst: r.dst, table: TABLE_NAMES[r.table] ?? String(r.table), protocol: String(r.protocol),
    scope: String(r.scope), flags: r.flags,
  };
  if (r.src !== undefined) v.from = r.src_len === max ? r.src : `${r.src}/${r.src_len}`;
  if (r.tos) v.tos = `0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.gateway !== undefined) v.gateway = r.gateway;
  if (r.via) v.via = { family: r.via.family === 4 ? 'inet' : 'inet6', host: r.via.host };
  if (r.oif !== undefined) v.dev = devs.get(r.oif);
  if (r.prefsrc !== undefined) v.prefsrc = r.prefsrc;
  if (r.metric !== undefined) v.metric = r.metric;
  if (r.nhid !== undefined) v.nhid = r.nhid;
  if (r.pref !== undefined) v.pref = r.pref;
  if (r.metrics) {
    const { lock: _lock, congctl, rtt, ...rest } = r.metrics;
    const m: Entry = { ...rest };
    // ip prints rtt in ms (the kernel keeps 1/8 ms) and congctl as "congestion".
    if (rtt !== undefined) m.rtt = rtt / 8;
    if (congctl !== undefined) m.congestion = congctl;
    v.metrics = [m];
  }
  if (r.nexthops) {
    v.nexthops = r.nexthops.map((nh) => {
      const n: Entry = {};
      if (nh.gateway !== undefined) n.gateway = nh.gateway;
      if (nh.via) n.via = { family: nh.via.family === 4 ? 'inet' : 'inet6', host: nh.via.host };
      n.dev = devs.get(nh.oif);
      n.weight = nh.weight;
      n.flags = nh.flags;
      return n;
    });
  }
  return v;
}

describe('routes: what `ip route add` made, netnest decodes with the same values', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;

  before(async () => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    ipBatch([
      'link set lo up',
      'link add v0 type veth peer name v1',
      // No link-local addresses: their routes would appear after DAD, between two reads.
      'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
      'link set v0 up',
      'link set v1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 2001:db8::1/64 dev v0 nodad',
      'route add 20.0.0.0/24 via 10.0.0.2 dev v0 src 10.0.0.1 table 1000 metric 10 proto static tos 0x10',
      'route add 20.0.1.0/24 via 10.0.0.2 proto 99 mtu 1400 advmss 1360 window 1000 rtt 100ms hoplimit 10 initcwnd 5 initrwnd 6 quickack 1 congctl cubic',
      'route add 20.0.2.0/24 via 10.0.0.2 mtu lock 1400 table 5',
      'route add blackhole 20.0.3.0/24',
      'route add unreachable 20.0.4.0/24 table 100',
      'route add prohibit 20.0.5.0/24 metric 7',
      'route add throw 20.0.6.0/24 table 100',
      'route add local 10.0.0.99 dev v0 table local',
      'route add broadcast 10.0.0.254 dev v0 table local',
      'route add 20.0.9.0/24 via 1.2.3.4 dev v0 onlink',
      'route add 20.0.10.0/24 nexthop via 10.0.0.2 dev v0 weight 2 nexthop via 10.0.0.3 dev v0 weight 256',
      'nexthop add id 5 via 10.0.0.2 dev v0',
      'route add 20.0.11.0/24 nhid 5',
      'route add 20.0.12.0/24 via inet6 2001:db8::2 dev v0',
      'route add multicast 224.1.0.0/16 dev v0 table 300',
      'route add 20.0.13.0/24 dev v0 scope link table 256',
      'route add default via 10.0.0.2 table 4000000000',
      'route add 20.0.14.0/24 via 10.0.0.2 proto 200',
      'route add 20.0.15.0/24 nexthop via inet6 2001:db8::2 dev v0 nexthop via 10.0.0.3 dev v0',
      'route add 20.0.16.1 dev v0 scope host',
      'route add 2001:db8:1::/64 via 2001:db8::2 expires 300 pref high',
      'route add 2001:db8:5::/64 from 2001:db8:6::/64 via 2001:db8::2 table 5',
      'route add 2001:db8:7::/64 nexthop via 2001:db8::2 dev v0 weight 3 nexthop via 2001:db8::3 dev v0',
      'route add blackhole 2001:db8:8::/64 metric 5 proto bgp',
      'route add 2001:db8:9::/64 dev v0 metric 5 table 1000 mtu 1300 pref low',
      'route add default via 2001:db8::2 dev v0 table 100',
    ], ns);
  });

  it('every route of every table, IPv4 then IPv6, in the kernel\'s order', async () => {
    const devs = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
    const ours = (await rtnl.route.list({ table: 'all' })).map((r) => asIpPrints(r, devs));
    const theirs = [
      ...ipJson<Entry[]>(['-d', '-4', 'route', 'show', 'table', 'all'], ns),
      ...ipJson<Entry[]>(['-d', '-6', 'route', 'show', 'table', 'all'], ns),
    ].map(({ nh_info: _fetchedApart, ...e }) => e);

    // Lifetimes count down between the two reads.
    const expiring = theirs.findIndex((e) => e.expires !== undefined);
    expect(expiring, 'ip shows the expiring route').to.be.at.least(0);
    expect(ours[expiring]?.dst).to.equal('2001:db8:1::/64');
    const ourRoute = (await rtnl.route.list({ family: 6 })).find((r) => r.dst === '2001:db8:1::/64');
    expect(ourRoute?.expires).to.be.within((theirs[expiring]!.expires as number) - 1, (theirs[expiring]!.expires as number) + 1);
    delete theirs[expiring]!.expires;

    expect(ours.map((r) => `${r.dst} ${r.table}`)).to.deep.equal(theirs.map((r) => `${r.dst} ${r.table}`));
    for (let i = 0; i < theirs.length; i++) {
      expect(ours[i], `${theirs[i]!.dst} table ${theirs[i]!.table}`).to.deep.equal(theirs[i]);
    }
  });

  it('locked metrics come back as `lock`', async () => {
    const [r] = await rtnl.route.list({ table: 5, family: 4 });
    expect(r?.metrics).to.deep.equal({ mtu: 1400, lock: ['mtu'] });
  });
});
