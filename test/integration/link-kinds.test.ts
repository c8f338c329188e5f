// Every link kind netnest can create, with its options, read back two ways:
// decoded by netnest (`info`) and printed by `ip -j -d link show` (linkinfo).
// Kinds this kernel lacks (dummy, vlan, vrf, bond, ipvlan, the IP tunnels,
// geneve, wireguard, netkit here) skip, or are checked to be refused naming
// the missing kernel option.
import { expect } from 'chai';
import { kernelOption, NetlinkError, UnsupportedLinkKindError, type LinkAddSpec, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipLink, ipLinks } from '../support/ip.js';
import { skipBecause } from '../support/skip.js';
import { needTun } from '../support/privilege.js';

describe('link kinds', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  /** Creates a link, or skips the test when the kernel lacks its kind. */
  async function addOrSkip(ctx: Mocha.Context, spec: LinkAddSpec): Promise<void> {
    try {
      await rtnl.link.add(spec);
    } catch (e) {
      if (e instanceof UnsupportedLinkKindError) skipBecause(ctx, `kernel lacks ${kernelOption(spec.kind)}`);
      throw e;
    }
  }

  describe('bridge', () => {
    it('takes STP, timer, priority and multicast snooping options', async () => {
      await rtnl.link.add({
        name: 'br0', kind: 'bridge',
        bridge: { stp_state: 1, forward_delay: 500, hello_time: 300, max_age: 2500, ageing_time: 10000, priority: 100, mcast_snooping: false },
      });

      const link = await rtnl.link.get('br0');
      expect(link.kind).to.equal('bridge');
      expect(link.info).to.include({
        stp_state: 1, forward_delay: 500, hello_time: 300, max_age: 2500, ageing_time: 10000, priority: 100, mcast_snooping: false,
      });
      const { linkinfo } = ipLink('br0', { details: true, netns: ns });
      expect(linkinfo?.info_kind).to.equal('bridge');
      expect(linkinfo?.info_data).to.include({
        stp_state: 1, forward_delay: 500, hello_time: 300, max_age: 2500, ageing_time: 10000, priority: 100, mcast_snooping: 0,
      });
    });

    it('takes vlan_filtering', async function () {
      try {
        await rtnl.link.add({ name: 'br1', kind: 'bridge', bridge: { vlan_filtering: true } });
      } catch (e) {
        // The bridge kind exists; only its VLAN support may be compiled out.
        if (e instanceof NetlinkError && e.errno === 95) skipBecause(this, 'kernel lacks CONFIG_BRIDGE_VLAN_FILTERING');
        throw e;
      }
      expect((await rtnl.link.get('br1')).info).to.include({ vlan_filtering: true });
      expect(ipLink('br1', { details: true, netns: ns }).linkinfo?.info_data).to.include({ vlan_filtering: 1 });
    });
  });

  it('macvlan: each mode over a veth lower device', async () => {
    await rtnl.link.add({ name: 'low0', kind: 'veth', peer: { name: 'low1' } });
    const lower = await rtnl.link.get('low0');
    for (const mode of ['private', 'vepa', 'bridge', 'source'] as const) {
      await rtnl.link.add({ name: `mv-${mode}`, kind: 'macvlan', link: 'low0', macvlan: { mode } });
      const link = await rtnl.link.get(`mv-${mode}`);
      expect(link.kind).to.equal('macvlan');
      expect(link.info).to.include({ mode });
      expect(link.link).to.equal(lower.index);
      const ipl = ipLink(`mv-${mode}`, { details: true, netns: ns });
      expect(ipl.link).to.equal('low0');
      expect(ipl.linkinfo?.info_kind).to.equal('macvlan');
      expect(ipl.linkinfo?.info_data).to.include({ mode });
    }
  });

  it('vxlan: id, local, dstport, ttl, learning, srcport and underlay device', async () => {
    await rtnl.link.add({ name: 'under0', kind: 'veth', peer: { name: 'under1' } });
    await rtnl.link.add({
      name: 'vx0', kind: 'vxlan', link: 'under0',
      vxlan: { id: 42, local: '10.1.1.1', dstport: 4789, ttl: 64, learning: false, srcport: [1000, 2000] },
    });

    const under = await rtnl.link.get('under0');
    const link = await rtnl.link.get('vx0');
    expect(link.kind).to.equal('vxlan');
    expect(link.info).to.deep.include({
      id: 42, local: '10.1.1.1', dstport: 4789, ttl: 64, learning: false, srcport: [1000, 2000], link: under.index,
    });
    const { linkinfo } = ipLink('vx0', { details: true, netns: ns });
    expect(linkinfo?.info_kind).to.equal('vxlan');
    expect(linkinfo?.info_data).to.deep.include({
      id: 42, local: '10.1.1.1', port: 4789, ttl: 64, learning: false, port_range: { low: 1000, high: 2000 }, link: 'under0',
    });
  });

  it('vxlan: IPv6 multicast group and IPv4 remote', async () => {
    await rtnl.link.add({ name: 'under0', kind: 'veth', peer: { name: 'under1' } });
    await rtnl.link.add({ name: 'vx6', kind: 'vxlan', link: 'under0', vxlan: { id: 43, group: 'ff05::100', dstport: 4790 } });
    await rtnl.link.add({ name: 'vx4', kind: 'vxlan', vxlan: { id: 44, group: '192.0.2.7', local: '192.0.2.1' } });

    expect((await rtnl.link.get('vx6')).info).to.include({ id: 43, group: 'ff05::100', dstport: 4790 });
    expect((await rtnl.link.get('vx4')).info).to.include({ id: 44, group: '192.0.2.7', local: '192.0.2.1' });
    // ip calls a multicast group "group" and a unicast one "remote".
    expect(ipLink('vx6', { details: true, netns: ns }).linkinfo?.info_data).to.include({ id: 43, group6: 'ff05::100', port: 4790 });
    expect(ipLink('vx4', { details: true, netns: ns }).linkinfo?.info_data).to.include({ id: 44, remote: '192.0.2.7', local: '192.0.2.1' });
  });

  it('vxlan: ttl inherit, df, flowlabel, maxaddress, proxy, the miss and checksum switches, gbp over an IPv6 group', async () => {
    await rtnl.link.add({ name: 'under0', kind: 'veth', peer: { name: 'under1' } });
    const vxlan = {
      id: 9, group: 'ff05::2', dstport: 4789, ttl: 'inherit', df: 'inherit', flowlabel: 0x44, maxaddress: 3, ageing: 120, proxy: true,
      rsc: true, l2miss: true, l3miss: true, udpcsum: false, udp6zerocsumtx: true, udp6zerocsumrx: false, gbp: true,
    } as const;
    await rtnl.link.add({ name: 'vx7', kind: 'vxlan', link: 'under0', vxlan });

    expect((await rtnl.link.get('vx7')).info).to.deep.include(vxlan);
    const ipl = ipLink('vx7', { details: true, netns: ns });
    expect(ipl.linkinfo?.info_data).to.deep.include({
      id: 9, group6: 'ff05::2', port: 4789, df: 'inherit', label: '0x44', limit: 3, ageing: 120, proxy: true, rsc: true, l2miss: true,
      l3miss: true, udp_csum: false, udp_zero_csum6_tx: true, udp_zero_csum6_rx: false, gbp: true, link: 'under0',
    });
    // ip prints a TTL only when there is one; inherit has none.
    expect(ipl.linkinfo?.info_data).to.not.have.property('ttl');
  });

  it('vxlan: flow label inherited, local bypass off, remote checksum offload without partial checksums', async () => {
    const vxlan = {
      id: 11, group: '2001:db8::7', local: '2001:db8::1', dstport: 4789, flowlabel: 'inherit', localbypass: false, remcsumrx: true,
      remcsum_nopartial: true,
    } as const;
    await rtnl.link.add({ name: 'vx10', kind: 'vxlan', vxlan });
    expect((await rtnl.link.get('vx10')).info).to.deep.include(vxlan);
    // ip 6.1 names neither the label policy nor local bypass (both newer): it reads the rest.
    expect(ipLink('vx10', { details: true, netns: ns }).linkinfo?.info_data).to.deep.include({
      id: 11, remote6: '2001:db8::7', local6: '2001:db8::1', port: 4789, remcsum_rx: true,
    });
  });

  it('vxlan: external (collect metadata) with a VNI filter and remote checksum offload', async () => {
    await rtnl.link.add({
      name: 'vx8', kind: 'vxlan',
      vxlan: { external: true, vnifilter: true, dstport: 4790, remcsumtx: true, remcsumrx: true, learning: false, tos: 0x10 },
    });
    const info = (await rtnl.link.get('vx8')).info;
    // The kernel reports id 0 for a flow-based device.
    expect(info).to.deep.include({ external: true, vnifilter: true, id: 0, dstport: 4790, remcsumtx: true, remcsumrx: true, learning: false, tos: 0x10 });
    expect(ipLink('vx8', { details: true, netns: ns }).linkinfo?.info_data).to.deep.include({
      external: true, vnifilter: true, port: 4790, remcsum_tx: true, remcsum_rx: true, learning: false, tos: '0x10',
    });
    // What the kernel reports can be sent back as it is: a second device from the first one's options.
    const { unknown: _u, ...again } = info as Record<string, unknown>;
    await rtnl.link.add({ name: 'vx9', kind: 'vxlan', vxlan: { ...again, dstport: 4791 } });
    expect((await rtnl.link.get('vx9')).info).to.deep.include({ ...again, dstport: 4791 });
  });

  it('ifb', async () => {
    await rtnl.link.add({ name: 'ifbx', kind: 'ifb', txqueuelen: 64 });
    expect(await rtnl.link.get('ifbx')).to.include({ kind: 'ifb', txqueuelen: 64 });
    expect(ipLink('ifbx', { details: true, netns: ns })).to.deep.include({ linkinfo: { info_kind: 'ifb' }, txqlen: 64 });
  });

  describe('tun and tap', () => {
    before(function () {
      needTun(this);
    });
    it('creates a tun device in the client namespace, not the caller thread one', async () => {
      await rtnl.link.add({ name: 'tun0', kind: 'tun' });

      const link = await rtnl.link.get('tun0');
      expect(link).to.include({ kind: 'tun', link_type: 'none' });
      expect(link.info).to.include({ mode: 'tun', persist: true, pi: false });
      const ipl = ipLink('tun0', { details: true, netns: ns });
      expect(ipl.link_type).to.equal('none');
      expect(ipl.linkinfo?.info_data).to.include({ type: 'tun', persist: true, pi: false });
      expect(ipLinks().map((l) => l.ifname)).not.to.include('tun0');
    });

    it('creates a tap device with mtu and up applied after creation', async () => {
      await rtnl.link.add({ name: 'tap0', kind: 'tun', tun: { mode: 'tap' }, mtu: 1400, up: true });

      const link = await rtnl.link.get('tap0');
      expect(link).to.include({ kind: 'tun', link_type: 'ether', mtu: 1400, up: true });
      expect(link.info).to.include({ mode: 'tap' });
      const ipl = ipLink('tap0', { details: true, netns: ns });
      expect([ipl.link_type, ipl.mtu]).to.deep.equal(['ether', 1400]);
      expect(ipl.flags).to.include('UP');
      expect(ipl.linkinfo?.info_data).to.include({ type: 'tap', persist: true });
    });

    it('passes pi, vnet_hdr, multi_queue, owner and group', async () => {
      await rtnl.link.add({
        name: 'tap1', kind: 'tun', tun: { mode: 'tap', pi: true, vnet_hdr: true, multi_queue: true, owner: 4242, group: 4343 },
      });

      expect((await rtnl.link.get('tap1')).info).to.include({
        mode: 'tap', pi: true, vnet_hdr: true, multi_queue: true, owner: 4242, group: 4343,
      });
      // ip prints owner and group by name when they resolve; these ids do not.
      expect(ipLink('tap1', { details: true, netns: ns }).linkinfo?.info_data).to.include({
        type: 'tap', pi: true, vnet_hdr: true, multi_queue: true, user: 4242, group: 4343,
      });
    });
  });

  describe('kinds some kernels lack', () => {
    it('dummy', async function () {
      await addOrSkip(this, { name: 'dm0', kind: 'dummy', mtu: 9000 });
      expect(await rtnl.link.get('dm0')).to.include({ kind: 'dummy', mtu: 9000 });
      expect(ipLink('dm0', { details: true, netns: ns }).linkinfo?.info_kind).to.equal('dummy');
    });

    it('vlan over a veth, with 802.1ad', async function () {
      await rtnl.link.add({ name: 'trunk0', kind: 'veth', peer: { name: 'trunk1' } });
      await addOrSkip(this, { name: 'trunk0.100', kind: 'vlan', link: 'trunk0', vlan: { id: 100, protocol: '802.1ad' } });
      expect((await rtnl.link.get('trunk0.100')).info).to.include({ id: 100, protocol: '802.1ad' });
      expect(ipLink('trunk0.100', { details: true, netns: ns }).linkinfo?.info_data).to.include({ id: 100, protocol: '802.1ad' });
    });

    it('vrf with its table', async function () {
      await addOrSkip(this, { name: 'vrf-blue', kind: 'vrf', vrf: { table: 10 } });
      expect((await rtnl.link.get('vrf-blue')).info).to.include({ table: 10 });
      expect(ipLink('vrf-blue', { details: true, netns: ns }).linkinfo?.info_data).to.include({ table: 10 });
    });

    // Each of these is refused by a kernel built without it (the one these tests were written on lacks them
    // all): then the error names the kernel option, and ip, asked the same, is refused the same way.
    // Where the kernel has the kind, ip reads the link back.
    const lacking: [LinkAddSpec, string, string[]][] = [
      [{ name: 'ipv0', kind: 'ipvlan', link: 'low0', ipvlan: { mode: 'l3s', flags: 'private' } }, 'CONFIG_IPVLAN', ['link', 'low0', 'type', 'ipvlan']],
      [{ name: 'gre1', kind: 'gre', gre: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, key: 5 } }, 'CONFIG_NET_IPGRE', ['type', 'gre', 'remote', '192.0.2.2']],
      [{ name: 'gtap1', kind: 'gretap', gretap: { remote: '192.0.2.2', csum: true } }, 'CONFIG_NET_IPGRE', ['type', 'gretap', 'remote', '192.0.2.2']],
      [{ name: 'g6', kind: 'ip6gre', ip6gre: { remote: '2001:db8::2', hoplimit: 32 } }, 'CONFIG_IPV6_GRE', ['type', 'ip6gre', 'remote', '2001:db8::2']],
      [{ name: 'g6t', kind: 'ip6gretap', ip6gretap: { remote: '2001:db8::2', seq: true } }, 'CONFIG_IPV6_GRE', ['type', 'ip6gretap', 'remote', '2001:db8::2']],
      [{ name: 'ipip1', kind: 'ipip', link: 'low0', ipip: { remote: '192.0.2.2', ttl: 32 } }, 'CONFIG_NET_IPIP', ['type', 'ipip', 'remote', '192.0.2.2']],
      [{ name: 'sit1', kind: 'sit', sit: { remote: '192.0.2.2', mode: 'ip6ip' } }, 'CONFIG_IPV6_SIT', ['type', 'sit', 'remote', '192.0.2.2']],
      [{ name: 't6', kind: 'ip6tnl', ip6tnl: { remote: '2001:db8::2', mode: 'ip6ip6', encaplimit: 'none' } }, 'CONFIG_IPV6_TUNNEL', ['type', 'ip6tnl', 'remote', '2001:db8::2']],
      [{ name: 'gnv0', kind: 'geneve', geneve: { id: 10, remote: '192.0.2.2', dstport: 6081 } }, 'CONFIG_GENEVE', ['type', 'geneve', 'id', '10', 'remote', '192.0.2.2']],
      [{ name: 'wg0', kind: 'wireguard' }, 'CONFIG_WIREGUARD', ['type', 'wireguard']],
      [{ name: 'nk0', kind: 'netkit', peer: { name: 'nk1' } }, 'CONFIG_NETKIT', ['type', 'netkit']],
      [{ name: 'bond1', kind: 'bond', bond: { mode: '802.3ad', miimon: 100, lacp_rate: 'fast', xmit_hash_policy: 'layer3+4' } }, 'CONFIG_BONDING', ['type', 'bond']],
    ];
    for (const [spec, option, words] of lacking) {
      it(`${spec.kind}: made, or refused naming ${option}`, async () => {
        await rtnl.link.add({ name: 'low0', kind: 'veth', peer: { name: 'low1' } });
        try {
          await rtnl.link.add(spec);
        } catch (e) {
          expect(e).to.be.instanceOf(UnsupportedLinkKindError);
          expect(e).to.include({ code: 'ERR_LINK_KIND_UNSUPPORTED', kind: spec.kind, errnoName: 'EOPNOTSUPP' });
          expect((e as Error).message).to.include(option);
          expect(() => ip(['link', 'add', 'probe0', ...words], ns)).to.throw(/Unknown device type/);
          return;
        }
        expect(ipLink(spec.name, { details: true, netns: ns }).linkinfo?.info_kind).to.equal(spec.kind);
      });
    }

    it('bond in active-backup mode', async function () {
      await addOrSkip(this, { name: 'bond0', kind: 'bond', bond: { mode: 'active-backup' } });
      expect((await rtnl.link.get('bond0')).info).to.include({ mode: 'active-backup' });
      expect(ipLink('bond0', { details: true, netns: ns }).linkinfo?.info_data).to.include({ mode: 'active-backup' });
    });
  });
});
