// Property tests of the link kinds' options (fast-check): for every kind
// beyond veth and bridge, an `ip link add` request with random options
// decodes back to those options, and encoding what was decoded gives the
// same bytes again (what the kernel reports can be sent back as it is).
// Flags that the kernel only has as present or absent (vxlan gbp, gpe, remcsum_nopartial) are
// generated as `true` or left out: `false` means the same as leaving them out.
import { expect } from 'chai';
import fc from 'fast-check';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { checkLinkAdd, decodeLink, decodeLinkAt, encodeLink, type LinkAddSpec } from '../../src/netlink/rtnl/link/codec.js';
import { address, index, mac, runs, u16, u32, u8 } from '../support/arbitraries.js';

const opt = { requiredKeys: [] as never[] };
const bool = fc.boolean();
const yes = fc.constant(true);
/** An address other than "any" (all zeroes), which the kernel reports as no address. */
const addr = (f: 4 | 6) => address(f).filter((a) => a !== '0.0.0.0' && a !== '::');
/** A TOS byte other than 1, which the IPv4 tunnels and geneve keep as 'inherit'. */
const tos = u8.filter((t) => t !== 1);
const label = fc.integer({ min: 0, max: 0xfffff });
const oneOf = <T extends string>(...v: T[]) => fc.constantFrom(...v);

const encap = {
  encap: oneOf('none', 'fou', 'gue', 'mpls'), encap_sport: u16, encap_dport: u16, encap_csum: bool, encap_udp6_csum: bool, encap_remcsum: bool,
};
const v4 = {
  remote: addr(4), local: addr(4), ttl: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constant('inherit' as const)),
  tos: fc.oneof(tos, fc.constant('inherit' as const)), pmtudisc: bool, fwmark: u32,
};
const v6 = {
  remote: addr(6), local: addr(6), hoplimit: u8, encaplimit: fc.oneof(u8, fc.constant('none' as const)),
  tclass: fc.oneof(u8, fc.constant('inherit' as const)), flowlabel: fc.oneof(label, fc.constant('inherit' as const)),
  dscp: fc.constant('inherit' as const), fwmark: fc.oneof(u32, fc.constant('inherit' as const)), allow_localremote: bool,
};
const greKeys = { ikey: u32, okey: u32, iseq: bool, oseq: bool, icsum: bool, ocsum: bool };
/** The tunnels: `external` alone, or the other options. */
const tunnel = <T>(kind: string, options: fc.Arbitrary<T>) =>
  fc.record({ kind: fc.constant(kind), data: fc.oneof({ weight: 1, arbitrary: fc.constant({ external: true }) }, { weight: 9, arbitrary: options }), link: fc.option(index, { nil: undefined }) });

const bondEnums = {
  mode: oneOf('balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'),
  arp_validate: oneOf('none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'),
  arp_all_targets: oneOf('any', 'all'), primary_reselect: oneOf('always', 'better', 'failure'), fail_over_mac: oneOf('none', 'active', 'follow'),
  xmit_hash_policy: oneOf('layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'), lacp_rate: oneOf('slow', 'fast'),
  ad_select: oneOf('stable', 'bandwidth', 'count'), lacp_active: oneOf('off', 'on'),
};

const kinds = fc.oneof(
  fc.record({ kind: fc.constant('ipvlan'), data: fc.record({ mode: oneOf('l2', 'l3', 'l3s'), flags: oneOf('bridge', 'private', 'vepa') }, opt), link: index }),
  ...['gre', 'gretap'].map((k) => tunnel(k, fc.record({ ...greKeys, ...v4, ignore_df: bool, ...encap }, opt))),
  ...['ip6gre', 'ip6gretap'].map((k) => tunnel(k, fc.record({ ...greKeys, ...v6, ...encap }, opt))),
  tunnel('ipip', fc.record({ mode: oneOf('any', 'ipip', 'mplsip'), ...v4, ...encap }, opt)),
  tunnel('sit', fc.record({
    mode: oneOf('any', 'ip6ip', 'ipip', 'mplsip'), ...v4, ...encap, isatap: bool,
    '6rd_prefix': fc.tuple(addr(6), fc.integer({ min: 1, max: 128 })).map(([a, l]) => `${a}/${l}`),
  }, opt).chain((d) => (d['6rd_prefix'] === undefined ? fc.constant(d)
    : fc.option(fc.tuple(addr(4), fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`), { nil: undefined })
      .map((relay) => (relay === undefined ? d : { ...d, '6rd_relay_prefix': relay }))))),
  tunnel('ip6tnl', fc.record({ mode: oneOf('any', 'ip6ip6', 'ipip6'), ...v6, ...encap }, opt)),
  fc.record({
    kind: fc.constant('geneve'),
    data: fc.oneof(
      fc.record({ external: yes, dstport: u16 }, { requiredKeys: ['external'] }),
      fc.record({
        id: fc.integer({ min: 0, max: 0xffffff }), remote: fc.oneof(addr(4), addr(6)), ttl: fc.oneof(u8, fc.constant('inherit' as const)),
        tos: fc.oneof(tos, fc.constant('inherit' as const)), df: oneOf('unset', 'set', 'inherit'), flowlabel: label, dstport: u16,
        udpcsum: bool, udp6zerocsumtx: bool, udp6zerocsumrx: bool, inner_proto_inherit: yes,
      }, { requiredKeys: ['id', 'remote'] }),
    ),
  }),
  fc.record({
    kind: fc.constant('netkit'),
    data: fc.record({
      mode: oneOf('l2', 'l3'), policy: oneOf('forward', 'blackhole'), peer_policy: oneOf('forward', 'blackhole'), scrub: oneOf('none', 'default'),
      peer_scrub: oneOf('none', 'default'), headroom: u16, tailroom: u16,
    }, opt),
  }),
  fc.record({
    kind: fc.constant('bond'),
    data: fc.record({
      ...bondEnums, active_slave: index, primary: index, miimon: u32, updelay: u32, downdelay: u32, use_carrier: bool, arp_interval: u32,
      arp_ip_target: fc.array(addr(4), { minLength: 1, maxLength: 16 }), resend_igmp: u32, num_peer_notif: u8, all_slaves_active: bool,
      min_links: u32, lp_interval: u32, packets_per_slave: u32, ad_actor_sys_prio: u16, ad_user_port_key: u16, ad_actor_system: mac,
      tlb_dynamic_lb: bool, peer_notify_delay: u32, missed_max: u8, ns_ip6_target: fc.array(addr(6), { minLength: 1, maxLength: 16 }),
      coupled_control: bool,
    }, opt),
  }),
  fc.record({
    kind: fc.constant('vxlan'),
    data: fc.record({
      id: fc.integer({ min: 0, max: 0xffffff }), group: fc.oneof(addr(4), addr(6)), local: fc.oneof(addr(4), addr(6)), dstport: u16,
      srcport: fc.tuple(u16, u16), ttl: fc.oneof(u8, fc.constant('inherit' as const)), tos: u8, df: oneOf('unset', 'set', 'inherit'),
      flowlabel: fc.oneof(label, fc.constant('inherit' as const)), learning: bool, ageing: u32, maxaddress: u32, proxy: bool, rsc: bool,
      l2miss: bool, l3miss: bool, udpcsum: bool, udp6zerocsumtx: bool, udp6zerocsumrx: bool, remcsumtx: bool, remcsumrx: bool, gbp: yes,
      gpe: yes, remcsum_nopartial: yes, external: bool, vnifilter: bool, localbypass: bool,
    }, { requiredKeys: ['id'] }),
    link: fc.option(index, { nil: undefined }),
  }),
  fc.record({ kind: fc.constantFrom('wireguard', 'netkit'), data: fc.constant(undefined) }),
);

const request = (spec: LinkAddSpec): Buffer => encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(spec)).bytes;

describe('link kinds properties', () => {
  it('every kind: the options come back decoded, and encoding what was decoded gives the same request', () => {
    fc.assert(fc.property(kinds, (k) => {
      const { kind, data, link } = k as { kind: string; data?: Record<string, unknown>; link?: number };
      const spec = { name: 'x0', kind, ...(data !== undefined && { [kind]: data }), ...(link !== undefined && { link }) } as LinkAddSpec;
      const bytes = request(spec);
      const decoded = decodeLink(bytes);
      expect(decoded.kind).to.equal(kind);
      if (data === undefined) {
        expect(decoded.info).to.equal(undefined);
        return;
      }
      const inData = kind !== 'ipvlan' && link !== undefined && !(data.external && kind !== 'vxlan');
      expect(decoded.info).to.deep.include({ ...data, ...(inData && { link }) });
      expect(decoded.info?.unknown, 'undecoded attributes').to.satisfy((u: { type: number }[] | undefined) => !u || u.every((a) => a.type === 22));
      const { unknown: _u, ...again } = decoded.info as Record<string, unknown>;
      const respec = { name: 'x0', kind, [kind]: again, ...(kind === 'ipvlan' && { link }) } as LinkAddSpec;
      expect(request(respec).toString('hex')).to.equal(bytes.toString('hex'));
    }), runs(1000));
  });

  it("bond: the kernel's report of an 802.3ad aggregator (IFLA_BOND_AD_INFO) decodes", () => {
    fc.assert(fc.property(fc.tuple(u16, u16, u16, u16), fc.uint8Array({ minLength: 6, maxLength: 6 }), (keys, partner) => {
      const w = new NetlinkWriter();
      w.beginMessage(RTM_NEWLINK, 0);
      w.zeros(16);
      w.attrString(3, 'bond0');
      const li = w.beginNested(18);
      w.attrString(1, 'bond');
      const data = w.beginNested(2);
      w.attrU8(1, 4); // mode 802.3ad
      const ad = w.beginNested(23);
      keys.forEach((k, i) => { w.attrU16(i + 1, k); });
      w.attrBytes(5, partner);
      w.endNested(ad);
      w.endNested(data);
      w.endNested(li);
      w.endMessage();
      const [aggregator, num_ports, actor_key, partner_key] = keys;
      const partner_mac = Buffer.from(partner).toString('hex').replace(/(..)(?!$)/g, '$1:');
      expect(decodeLink(w.toBuffer()).info).to.deep.equal({ mode: '802.3ad', ad_info: { aggregator, num_ports, actor_key, partner_key, partner_mac } });
    }), runs(100));
  });

  it("netkit: the peer follows the options in the kind's data, as a veth's", () => {
    fc.assert(fc.property(fc.record({ mode: oneOf('l2', 'l3'), policy: oneOf('forward', 'blackhole') }, opt), index, (data, mtu) => {
      const l = decodeLink(request({ name: 'nk0', kind: 'netkit', netkit: data, peer: { name: 'nk1', mtu } }));
      expect(l.info).to.deep.include(data);
      // IFLA_NETKIT_PEER_INFO (1): the peer's ifinfomsg and attributes.
      const [peer] = l.info!.unknown!;
      expect(peer!.type).to.equal(1);
      const p = Buffer.from(peer!.data);
      expect(decodeLinkAt(p, 0, p.length)).to.include({ name: 'nk1', mtu });
    }), runs(100));
  });
});
