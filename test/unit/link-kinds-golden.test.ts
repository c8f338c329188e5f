// `ip link add ... type KIND ...` for the kinds beyond veth and bridge, as
// iproute2 6.1 sent it (test/fixtures/golden, scripts/capture-golden.sh):
// netnest puts the same bytes on the wire for the same options, decodes ip's
// request back into them, and, where this kernel lacks the kind (all but
// vxlan here), turns its refusal into UnsupportedLinkKindError naming the
// kernel option.
import { expect } from 'chai';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { UnsupportedLinkKindError } from '../../src/netlink/core/errors.js';
import type { Request } from '../../src/netlink/core/socket.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { directIndex, type DevResolver } from '../../src/netlink/rtnl/devices.js';
import { checkLinkAdd, decodeLink, encodeLink, type LinkAddSpec } from '../../src/netlink/rtnl/link/codec.js';
import { refusal, wireBytes } from '../support/fake-socket.js';
import { loadGolden, typeOf, withoutSeqPid } from '../support/golden.js';

// ip resolved `dev v0`, `link v0` and `primary v0` to v0's index, 3, before sending.
const indexes: DevResolver = (dev, field) => (dev === 'v0' ? 3 : directIndex(dev, field));
const add = (spec: LinkAddSpec): Request => encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(spec), indexes);
const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');

interface Case {
  fixture: string;
  spec: LinkAddSpec;
  /** What netnest decodes from ip's request (IFLA_INFO_DATA), when it says more than the spec. */
  decoded?: object;
  /** The kernel option this kernel lacks, when it refused. */
  option?: string;
  /** Attributes ip sends that netnest keeps undecoded (ip 6.1 sends IFLA_GRE_ERSPAN_VER for every ip6gre kind). */
  leftover?: number[];
}

const cases: Case[] = [
  {
    fixture: 'link-add-ipvlan', option: 'CONFIG_IPVLAN',
    spec: { name: 'ipv0', kind: 'ipvlan', link: 'v0', ipvlan: { mode: 'l3s', flags: 'private' } },
    decoded: { mode: 'l3s', flags: 'private' },
  },
  {
    fixture: 'link-add-gre', option: 'CONFIG_NET_IPGRE',
    spec: {
      name: 'gre1', kind: 'gre', link: 'v0',
      gre: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, tos: 0x10, ikey: 100, okey: 200, iseq: true, ocsum: true, fwmark: 7, ignore_df: true },
    },
    // ip sends the whole set on a create: the defaults come back too.
    decoded: {
      remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, tos: 0x10, ikey: 100, okey: 200, iseq: true, icsum: false, oseq: false,
      ocsum: true, fwmark: 7, ignore_df: true, link: 3, pmtudisc: true, encap: 'none', encap_sport: 0, encap_dport: 0,
      encap_csum: false, encap_udp6_csum: false, encap_remcsum: false,
    },
  },
  {
    fixture: 'link-add-gre-inherit', option: 'CONFIG_NET_IPGRE',
    spec: { name: 'g10', kind: 'gre', gre: { tos: 'inherit', ttl: 'inherit' } },
  },
  {
    // `key` and `csum` set both directions.
    fixture: 'link-add-gretap', option: 'CONFIG_NET_IPGRE',
    spec: {
      name: 'gtap1', kind: 'gretap',
      gretap: { remote: '192.0.2.2', key: 7, csum: true, encap: 'fou', encap_sport: 5555, encap_dport: 6666, encap_csum: true },
    },
    decoded: { ikey: 7, okey: 7, icsum: true, ocsum: true, encap: 'fou', encap_sport: 5555, encap_dport: 6666, encap_csum: true },
  },
  { fixture: 'link-add-gretap-external', option: 'CONFIG_NET_IPGRE', spec: { name: 'gtap2', kind: 'gretap', gretap: { external: true } } },
  {
    fixture: 'link-add-ip6gre', option: 'CONFIG_IPV6_GRE', leftover: [22],
    spec: {
      name: 'g6', kind: 'ip6gre',
      ip6gre: { remote: '2001:db8::2', local: '2001:db8::1', hoplimit: 32, flowlabel: 0x12345, encaplimit: 4, key: 9, tclass: 0x20 },
    },
    decoded: {
      remote: '2001:db8::2', local: '2001:db8::1', hoplimit: 32, flowlabel: 0x12345, tclass: 0x20, encaplimit: 4, ikey: 9, okey: 9,
      fwmark: 0, allow_localremote: false, encap_udp6_csum: true,
    },
  },
  {
    fixture: 'link-add-ip6gre-dev', option: 'CONFIG_IPV6_GRE', leftover: [22],
    spec: { name: 'g9', kind: 'ip6gre', link: 'v0', ip6gre: { remote: '2001:db8::9' } },
    decoded: { remote: '2001:db8::9', link: 3, hoplimit: 64, encaplimit: 4 },
  },
  { fixture: 'link-add-ip6gre-external', option: 'CONFIG_IPV6_GRE', spec: { name: 'g8', kind: 'ip6gre', ip6gre: { external: true } } },
  {
    fixture: 'link-add-ip6gretap', option: 'CONFIG_IPV6_GRE', leftover: [22],
    spec: { name: 'g6t', kind: 'ip6gretap', ip6gretap: { remote: '2001:db8::2', seq: true } },
    decoded: { iseq: true, oseq: true },
  },
  {
    fixture: 'link-add-ipip', option: 'CONFIG_NET_IPIP',
    spec: { name: 'ipip1', kind: 'ipip', link: 'v0', ipip: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 32, tos: 4 } },
    decoded: { mode: 'any', remote: '192.0.2.2', local: '192.0.2.1', ttl: 32, tos: 4, link: 3, pmtudisc: true, fwmark: 0 },
  },
  {
    fixture: 'link-add-ipip-nopmtudisc', option: 'CONFIG_NET_IPIP',
    spec: { name: 'ipip2', kind: 'ipip', ipip: { remote: '192.0.2.2', pmtudisc: false } },
    decoded: { pmtudisc: false, ttl: 'inherit', tos: 0 },
  },
  { fixture: 'link-add-ipip-external', option: 'CONFIG_NET_IPIP', spec: { name: 'i3', kind: 'ipip', ipip: { external: true } } },
  {
    fixture: 'link-add-sit', option: 'CONFIG_IPV6_SIT',
    spec: { name: 'sit1', kind: 'sit', sit: { remote: '192.0.2.2', mode: 'ip6ip', isatap: true } },
    decoded: { remote: '192.0.2.2', mode: 'ip6ip', isatap: true },
  },
  {
    fixture: 'link-add-sit-6rd', option: 'CONFIG_IPV6_SIT',
    spec: { name: 'sit2', kind: 'sit', sit: { local: '192.0.2.1', '6rd_prefix': '2001:db8::/32', '6rd_relay_prefix': '192.0.2.0/24' } },
    decoded: { isatap: false, mode: 'any' },
  },
  {
    fixture: 'link-add-ip6tnl', option: 'CONFIG_IPV6_TUNNEL',
    spec: {
      name: 't6', kind: 'ip6tnl',
      ip6tnl: { remote: '2001:db8::2', local: '2001:db8::1', mode: 'ip6ip6', hoplimit: 40, encaplimit: 'none' },
    },
    decoded: { mode: 'ip6ip6', hoplimit: 40, encaplimit: 'none', tclass: 0, flowlabel: 0, encap_udp6_csum: true },
  },
  {
    fixture: 'link-add-ip6tnl-inherit', option: 'CONFIG_IPV6_TUNNEL',
    spec: {
      name: 't8', kind: 'ip6tnl', link: 'v0',
      ip6tnl: { tclass: 'inherit', flowlabel: 'inherit', dscp: 'inherit', fwmark: 'inherit', allow_localremote: true },
    },
  },
  {
    fixture: 'link-add-geneve', option: 'CONFIG_GENEVE',
    spec: { name: 'gnv0', kind: 'geneve', geneve: { id: 10, remote: '192.0.2.2', ttl: 20, tos: 8, dstport: 6082, udpcsum: false, df: 'set' } },
    decoded: { flowlabel: 0 },
  },
  {
    fixture: 'link-add-geneve6', option: 'CONFIG_GENEVE',
    spec: { name: 'gnv6', kind: 'geneve', geneve: { id: 11, remote: '2001:db8::2', flowlabel: 5, udp6zerocsumtx: true, ttl: 'inherit' } },
    decoded: { tos: 0 },
  },
  { fixture: 'link-add-wireguard', option: 'CONFIG_WIREGUARD', spec: { name: 'wg0', kind: 'wireguard' } },
  { fixture: 'link-add-netkit', option: 'CONFIG_NETKIT', spec: { name: 'nk0', kind: 'netkit' } },
  {
    fixture: 'link-add-bond', option: 'CONFIG_BONDING',
    spec: {
      name: 'b0', kind: 'bond',
      bond: { mode: '802.3ad', miimon: 100, updelay: 200, downdelay: 200, xmit_hash_policy: 'layer3+4', min_links: 2, lacp_rate: 'fast', ad_select: 'bandwidth' },
    },
  },
  {
    fixture: 'link-add-bond-primary', option: 'CONFIG_BONDING',
    spec: { name: 'b1', kind: 'bond', bond: { mode: 'active-backup', miimon: 50, primary: 'v0', primary_reselect: 'better', fail_over_mac: 'active' } },
    decoded: { primary: 3 },
  },
  {
    // The kernel has vxlan: these were created. ip always sends learning on a create.
    fixture: 'link-add-vxlan-more',
    spec: {
      name: 'vx2', kind: 'vxlan', link: 'v0',
      vxlan: {
        id: 7, group: '192.0.2.9', dstport: 4789, ttl: 'inherit', tos: 0x10, df: 'set', maxaddress: 100, proxy: true, rsc: true,
        l2miss: true, l3miss: true, udpcsum: false, gbp: true, learning: true,
      },
    },
    decoded: { link: 3 },
  },
  {
    fixture: 'link-add-vxlan-external',
    spec: {
      name: 'vx3', kind: 'vxlan',
      vxlan: { dstport: 4790, udp6zerocsumtx: true, udp6zerocsumrx: true, remcsumtx: true, remcsumrx: true, external: true, learning: false },
    },
  },
  {
    fixture: 'link-add-vxlan-v6',
    spec: { name: 'vx4', kind: 'vxlan', link: 'v0', vxlan: { id: 8, group: 'ff05::1', dstport: 4789, ttl: 5, flowlabel: 0x77, learning: true } },
    decoded: { link: 3 },
  },
];

/** The spec's options as netnest reports them: shorthands (`key`, `seq`, `csum`) and names (`v0`) aside. */
function given(spec: LinkAddSpec): Record<string, unknown> {
  const { key: _k, seq: _s, csum: _c, primary: _p, ...rest } = (spec as unknown as Record<string, Record<string, unknown>>)[spec.kind] ?? {};
  return rest;
}

describe('golden: ip link add, the kinds and their options', () => {
  describe('encoding the same request as ip', () => {
    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\``, async () => {
        expect(hex(await wireBytes(add(c.spec), 'request'))).to.equal(hex(g.sent.at(-1)!));
      });
    }
  });

  describe("decoding ip's request", () => {
    for (const c of cases.filter((x) => given(x.spec) && Object.keys(given(x.spec)).length)) {
      it(`${c.fixture}: ${c.spec.kind} options come back in netnest's names`, () => {
        const link = decodeLink(loadGolden(c.fixture).sent.at(-1)!);
        expect(link).to.include({ name: c.spec.name, kind: c.spec.kind });
        expect(link.info).to.deep.include({ ...given(c.spec), ...c.decoded });
        expect((link.info?.unknown ?? []).map((a) => a.type), 'attributes left undecoded').to.deep.equal(c.leftover ?? []);
      });
    }
  });

  describe("decoding the kernel's answer", () => {
    it('`ip -d link show vx5`: every vxlan option the kernel reports, in the names `ip link add` took them in', () => {
      // vx5 was made with: id 77 remote 2001:db8::7 local 2001:db8::1 dev v0 dstport 4790 ttl inherit tos 0x20
      // df set flowlabel 0x99 maxaddress 50 ageing 120 srcport 1000 2000 proxy l2miss noudpcsum udp6zerocsumtx remcsumrx gbp
      const g = loadGolden('link-get-vxlan');
      const vx5 = g.received.filter((m) => typeOf(m) === RTM_NEWLINK).map(decodeLink).find((l) => l.name === 'vx5')!;
      expect(vx5).to.include({ kind: 'vxlan', link_type: 'ether' });
      const { unknown, ...info } = vx5.info as Record<string, unknown>;
      expect(info).to.deep.equal({
        id: 77, group: '2001:db8::7', local: '2001:db8::1', link: 3, dstport: 4790, ttl: 'inherit', tos: 0x20, df: 'set', flowlabel: 0x99,
        maxaddress: 50, ageing: 120, srcport: [1000, 2000], proxy: true, l2miss: true, udpcsum: false, udp6zerocsumtx: true,
        remcsumrx: true, gbp: true,
        // and what the kernel says of the rest
        learning: true, rsc: false, l3miss: false, external: false, udp6zerocsumrx: false, remcsumtx: false, localbypass: true,
      });
      // IFLA_VXLAN_RESERVED_BITS (Linux 6.13): which reserved header bits may be set; netnest keeps it as it is.
      expect((unknown as { type: number }[]).map((a) => a.type)).to.deep.equal([33]);
    });
  });

  describe('the kinds this kernel lacks', () => {
    for (const c of cases.filter((x) => x.option)) {
      it(`${c.spec.kind}: UnsupportedLinkKindError naming ${c.option}`, async () => {
        const err = await refusal(add(c.spec), loadGolden(c.fixture).received.at(-1)!);
        expect(err).to.be.instanceOf(UnsupportedLinkKindError);
        expect(err).to.include({ code: 'ERR_LINK_KIND_UNSUPPORTED', errnoName: 'EOPNOTSUPP', extackMessage: 'Unknown device type', kind: c.spec.kind });
        expect(err.message).to.include(c.option);
      });
    }
  });
});
