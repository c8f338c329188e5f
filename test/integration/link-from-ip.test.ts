// Interop, direction 2: links made by `ip` are decoded by netnest with the
// same values `ip -j -d link` prints, field by field, for every link in the
// namespace.
import { expect } from 'chai';
import type { Link, Namespace, Rtnl } from '../../src/index.js';
import { ipBatch, ipLinks, type IpLink } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';
import { needTun } from '../support/privilege.js';

/** The fields compared, in netnest's names and types, built from ip's output... */
function fromIp(l: IpLink, byName: Map<string, number>): Record<string, unknown> {
  const d = (l.linkinfo?.info_data ?? {}) as Record<string, unknown>;
  const v: Record<string, unknown> = {
    index: l.ifindex, name: l.ifname, flags: [...l.flags].sort(), mtu: l.mtu, operstate: l.operstate,
    link_type: l.link_type, txqueuelen: l.txqlen, address: l.address, broadcast: l.broadcast,
    min_mtu: l.min_mtu, max_mtu: l.max_mtu, alias: l.ifalias, qdisc: l.qdisc,
    group: l.group === 'default' ? 0 : Number(l.group),
    master: l.master === undefined ? undefined : byName.get(l.master),
    link: l.link !== undefined ? byName.get(l.link) : l.link_index, link_netnsid: l.link_netnsid,
    kind: l.linkinfo?.info_kind, slave_kind: l.linkinfo?.info_slave_kind,
  };
  switch (l.linkinfo?.info_kind) {
    case 'bridge':
      v.info = {
        forward_delay: d.forward_delay, hello_time: d.hello_time, max_age: d.max_age, ageing_time: d.ageing_time,
        stp_state: d.stp_state, priority: d.priority, vlan_filtering: d.vlan_filtering === 1, mcast_snooping: d.mcast_snooping === 1,
      };
      break;
    case 'macvlan':
      v.info = { mode: d.mode };
      break;
    case 'vxlan': {
      const range = d.port_range as { low: number; high: number };
      v.info = {
        id: d.id, group: d.group ?? d.remote ?? d.group6 ?? d.remote6, local: d.local ?? d.local6,
        link: d.link === undefined ? undefined : byName.get(d.link as string), dstport: d.port, srcport: [range.low, range.high],
        ttl: d.ttl, learning: d.learning, ageing: d.ageing,
      };
      break;
    }
    case 'tun':
      v.info = { mode: d.type, pi: d.pi, vnet_hdr: d.vnet_hdr, multi_queue: d.multi_queue, persist: d.persist };
      break;
    default:
      break;
  }
  return v;
}

/** ...and from netnest's decoding, with flags spelled as ip spells them. */
function fromNetnest(l: Link, all: Map<number, Link>): Record<string, unknown> {
  const flags = new Set(l.flags);
  // ip shows NO-CARRIER for an up link that is not running, never RUNNING
  // itself, and M-DOWN when the peer/lower link here is down.
  if (flags.has('UP') && !flags.has('RUNNING')) flags.add('NO-CARRIER');
  flags.delete('RUNNING');
  if (l.link !== undefined && l.link_netnsid === undefined && all.get(l.link)?.up === false) flags.add('M-DOWN');
  const v: Record<string, unknown> = {
    index: l.index, name: l.name, flags: [...flags].sort(), mtu: l.mtu, operstate: l.operstate,
    link_type: l.link_type, txqueuelen: l.txqueuelen, address: l.address, broadcast: l.broadcast,
    min_mtu: l.min_mtu, max_mtu: l.max_mtu, alias: l.alias, qdisc: l.qdisc, group: l.group,
    master: l.master, link: l.link, link_netnsid: l.link_netnsid, kind: l.kind, slave_kind: l.slave_kind,
  };
  if (l.info) {
    const keys = {
      bridge: ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority', 'vlan_filtering', 'mcast_snooping'],
      macvlan: ['mode'],
      vxlan: ['id', 'group', 'local', 'link', 'dstport', 'srcport', 'ttl', 'learning', 'ageing'],
      tun: ['mode', 'pi', 'vnet_hdr', 'multi_queue', 'persist'],
    }[l.kind as 'bridge'];
    if (keys) v.info = Object.fromEntries(keys.map((k) => [k, (l.info as Record<string, unknown>)[k]]));
  }
  return v;
}

describe('links made by ip, decoded by netnest', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;
  let elsewhere: Namespace;

  before(function () {
    needTun(this); // the links ip makes include a tun and a tap
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    elsewhere = shared().create();
    ipBatch([
      'link add br0 type bridge stp_state 1 forward_delay 400 hello_time 150 priority 7 mcast_snooping 0',
      'link add v0 mtu 1400 address 02:00:00:00:00:01 type veth peer name v1 mtu 1300',
      'link set v0 master br0 up',
      'link set v1 up alias peer-end txqueuelen 300',
      'link add v2 type veth peer name v3',
      'link set v2 master br0',
      'link set br0 up',
      'link add mv0 link v1 type macvlan mode vepa',
      'link add vx0 type vxlan id 77 dstport 4789 local 10.2.2.2 ttl 32 nolearning srcport 3000 4000 dev v1',
      'link add vx6 type vxlan id 78 group ff05::78 dev v3',
      'tuntap add dev tun9 mode tun',
      'tuntap add dev tap9 mode tap pi vnet_hdr',
      'link add ifb7 type ifb',
      `link add x0 type veth peer name x1 netns /proc/${process.pid}/fd/${elsewhere.fd}`,
    ], ns);
  });

  it('decodes every link with the fields ip -j -d link prints', async () => {
    // Carrier and operstate settle asynchronously in the kernel: compare only
    // when ip printed the same thing before and after netnest's dump.
    const ipView = (): Record<string, unknown>[] => {
      const links = ipLinks({ details: true, netns: ns });
      const byName = new Map(links.map((l) => [l.ifname, l.ifindex]));
      return links.map((l) => fromIp(l, byName));
    };
    for (let attempt = 1; ; attempt++) {
      const before = ipView();
      const links = await rtnl.link.list();
      const after = ipView();
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const all = new Map(links.map((l) => [l.index, l]));
      expect(links.map((l) => l.name)).to.deep.equal(after.map((l) => l.name));
      for (const [i, l] of links.entries()) expect(fromNetnest(l, all), `link ${l.name}`).to.deep.equal(after[i]);
      break;
    }
  });

  it('decodes the kind-specific data ip was asked for', async () => {
    // A guard against comparing two identical mistakes: the values ip was given.
    const get = async (name: string): Promise<Link> => rtnl.link.get(name);
    expect((await get('br0')).info).to.include({ stp_state: 1, forward_delay: 400, hello_time: 150, priority: 7, mcast_snooping: false });
    expect((await get('mv0')).info).to.include({ mode: 'vepa' });
    expect((await get('vx0')).info).to.deep.include({ id: 77, dstport: 4789, local: '10.2.2.2', ttl: 32, learning: false, srcport: [3000, 4000] });
    expect((await get('vx6')).info).to.include({ id: 78, group: 'ff05::78' });
    expect((await get('tap9')).info).to.include({ mode: 'tap', pi: true, vnet_hdr: true });
    expect(await get('v1')).to.include({ alias: 'peer-end', txqueuelen: 300, mtu: 1300 });
    expect(await get('v0')).to.include({ master: (await get('br0')).index, address: '02:00:00:00:00:01', slave_kind: 'bridge' });
    expect((await get('x0')).link_netnsid).to.be.a('number');
  });
});
