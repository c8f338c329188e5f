// Property tests of links (fast-check): an `ip link add` request decodes
// back to the link that was asked for, every kind with its options; a
// kernel RTM_NEWLINK decodes into the Link with every field, unknown
// attributes kept; and no byte string — random, a mutated capture, a link
// message with random kind data — makes decodeLink fail with anything but
// DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { checkLinkAdd, decodeLink, encodeLink, type Link, type LinkAddSpec } from '../../src/netlink/rtnl/link/codec.js';
import { index, ipText, mac, malformed, onlyDecodeErrors, runs, text, u16, u32, u8 } from '../support/arbitraries.js';

const linkName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'), minLength: 1, maxLength: 15 })
  .filter((s) => s !== '.' && s !== '..');

describe('link properties', () => {
  describe('round trips', () => {
    const kindSpec = fc.oneof(
      fc.record({
        kind: fc.constant('bridge' as const),
        bridge: fc.record({
          forward_delay: u32, hello_time: u32, max_age: u32, ageing_time: u32, stp_state: fc.integer({ min: 0, max: 1 }),
          priority: u16, vlan_filtering: fc.boolean(), mcast_snooping: fc.boolean(),
        }, { requiredKeys: [] }),
      }),
      fc.record({
        kind: fc.constant('vxlan' as const),
        vxlan: fc.record({
          id: fc.integer({ min: 0, max: 0xffffff }), group: ipText, local: ipText, ttl: u8, tos: u8, learning: fc.boolean(),
          ageing: u32, dstport: u16, srcport: fc.tuple(u16, u16),
        }, { requiredKeys: ['id'] }),
        lower: fc.option(index, { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('macvlan' as const),
        macvlan: fc.record({ mode: fc.constantFrom('private', 'vepa', 'bridge', 'passthru', 'source') as fc.Arbitrary<'bridge'>, flags: u16 }, { requiredKeys: [] }),
        lower: index,
      }),
      fc.record({ kind: fc.constant('vlan' as const), vlan: fc.record({ id: fc.integer({ min: 0, max: 4094 }), protocol: fc.constantFrom('802.1Q', '802.1ad') as fc.Arbitrary<'802.1Q'> }, { requiredKeys: ['id'] }), lower: index }),
      fc.record({ kind: fc.constant('vrf' as const), vrf: fc.record({ table: u32 }) }),
      fc.record({ kind: fc.constant('bond' as const), bond: fc.record({ mode: fc.constantFrom('balance-rr', 'active-backup', '802.3ad') as fc.Arbitrary<'802.3ad'> }, { requiredKeys: [] }) }),
      fc.record({ kind: fc.constantFrom('ifb' as const, 'dummy' as const) }),
      fc.record({ kind: fc.constant('veth' as const), peer: fc.record({ name: linkName, mtu: u32 }, { requiredKeys: ['name'] }) }),
    );
    const common = fc.record({
      name: linkName, mtu: u32, address: mac, txqueuelen: u32, alias: text(255).filter((s) => Buffer.byteLength(s) <= 255),
      group: u32, up: fc.boolean(), master: index,
    }, { requiredKeys: ['name'] });

    it('links: an `ip link add` request decodes back to the link that was asked for', () => {
      fc.assert(fc.property(common, kindSpec, (c, k) => {
        const { master, ...attrs } = c;
        const { lower, ...kind } = k as typeof k & { lower?: number };
        const spec = { ...attrs, ...kind, ...(master !== undefined && { master }), ...(lower !== undefined && { link: lower }) } as LinkAddSpec;
        const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(spec));
        const l = decodeLink(req.bytes);
        const expected: Partial<Link> = { name: c.name, kind: k.kind, up: c.up === true };
        if (c.mtu !== undefined) expected.mtu = c.mtu;
        if (c.address !== undefined) expected.address = c.address;
        if (c.txqueuelen !== undefined) expected.txqueuelen = c.txqueuelen;
        if (c.alias !== undefined) expected.alias = c.alias;
        if (c.group !== undefined) expected.group = c.group;
        if (master !== undefined) expected.master = master;
        if (lower !== undefined && k.kind !== 'vxlan') expected.link = lower;
        expect(l).to.deep.include(expected);
        if (k.kind !== 'vxlan' && lower === undefined) expect(l.link).to.equal(undefined);
        const data = (kind as Record<string, unknown>)[k.kind];
        if (k.kind === 'veth' || k.kind === 'ifb' || k.kind === 'dummy') {
          expect(l.info).to.equal(undefined);
        } else if (k.kind === 'vxlan') {
          expect(l.info).to.deep.equal({ ...(data as object), ...(lower !== undefined && { link: lower }) });
        } else {
          expect(l.info).to.deep.equal(data);
        }
      }), runs(500));
    });

    // The kernel's side: RTM_NEWLINK built as the kernel builds it, from a random link.
    const flagNames = ['UP', 'BROADCAST', 'DEBUG', 'LOOPBACK', 'POINTOPOINT', 'NOTRAILERS', 'RUNNING', 'NOARP', 'PROMISC',
      'ALLMULTI', 'MASTER', 'SLAVE', 'MULTICAST', 'PORTSEL', 'AUTOMEDIA', 'DYNAMIC', 'LOWER_UP', 'DORMANT', 'ECHO'];
    const arphrd: Record<number, string> = { 1: 'ether', 65534: 'none', 772: 'loopback', 768: 'ipip', 776: 'sit', 778: 'gre', 823: 'ip6gre', 65535: 'void' };
    const operStates = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
    const kernelLink = fc.record({
      index, type: fc.oneof(fc.constantFrom(1, 772, 65534, 768), u16), flags: fc.integer({ min: 0, max: (1 << 19) - 1 }), name: linkName,
      mtu: fc.option(u32), min_mtu: fc.option(u32), max_mtu: fc.option(u32), txqueuelen: fc.option(u32),
      operstate: fc.option(u8), address: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 })), broadcast: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 })),
      master: fc.option(u32), link: fc.option(u32), link_netnsid: fc.option(fc.integer({ min: -1, max: 0x7fffffff })), alias: fc.option(text(64)),
      qdisc: fc.option(linkName), promiscuity: fc.option(u32), carrier: fc.option(fc.boolean()), num_tx_queues: fc.option(u32),
      altnames: fc.option(fc.array(linkName, { minLength: 1, maxLength: 3 })),
      bridge: fc.option(fc.record({ forward_delay: u32, priority: u16, vlan_filtering: fc.boolean() })),
      unknown: fc.array(fc.record({ type: fc.integer({ min: 0x1000, max: 0x3fff }), data: fc.uint8Array({ maxLength: 12 }) }), { maxLength: 3 }),
    });

    it('links: a kernel RTM_NEWLINK decodes into the Link with every field, unknown attributes kept', () => {
      fc.assert(fc.property(kernelLink, (k) => {
        const w = new NetlinkWriter();
        w.beginMessage(16, 2, 1);
        w.u8(0); w.u8(0); w.u16(k.type); w.s32(k.index); w.u32(k.flags); w.u32(0);
        w.attrString(3, k.name);
        const expected: Link = {
          index: k.index, name: k.name, flags: flagNames.filter((_, i) => k.flags & (1 << i)), up: (k.flags & 1) === 1,
          link_type: arphrd[k.type] ?? k.type,
        };
        const u32attr = (type: number, v: number | null, key: keyof Link): void => {
          if (v === null) return;
          w.attrU32(type, v);
          (expected as unknown as Record<string, unknown>)[key] = v;
        };
        u32attr(4, k.mtu, 'mtu'); u32attr(50, k.min_mtu, 'min_mtu'); u32attr(51, k.max_mtu, 'max_mtu');
        u32attr(13, k.txqueuelen, 'txqueuelen'); u32attr(10, k.master, 'master'); u32attr(5, k.link, 'link');
        u32attr(30, k.promiscuity, 'promiscuity'); u32attr(31, k.num_tx_queues, 'num_tx_queues');
        if (k.operstate !== null) { w.attrU8(16, k.operstate); expected.operstate = (operStates[k.operstate] ?? k.operstate) as Link['operstate']; }
        if (k.address !== null) { w.attrBytes(1, k.address); expected.address = Buffer.from(k.address).toString('hex').replace(/(..)(?!$)/g, '$1:'); }
        if (k.broadcast !== null) { w.attrBytes(2, k.broadcast); expected.broadcast = Buffer.from(k.broadcast).toString('hex').replace(/(..)(?!$)/g, '$1:'); }
        if (k.link_netnsid !== null) { w.attrS32(37, k.link_netnsid); expected.link_netnsid = k.link_netnsid; }
        if (k.alias !== null) { w.attrString(20, k.alias); expected.alias = k.alias; }
        if (k.qdisc !== null) { w.attrString(6, k.qdisc); expected.qdisc = k.qdisc; }
        if (k.carrier !== null) { w.attrU8(33, k.carrier ? 1 : 0); expected.carrier = k.carrier; }
        if (k.altnames !== null) {
          const p = w.beginNested(52, undefined, true);
          for (const a of k.altnames) w.attrString(53, a);
          w.endNested(p);
          expected.altnames = k.altnames;
        }
        if (k.bridge !== null) {
          const li = w.beginNested(18);
          w.attrString(1, 'bridge');
          const d = w.beginNested(2);
          w.attrU32(1, k.bridge.forward_delay); w.attrU16(6, k.bridge.priority); w.attrU8(7, k.bridge.vlan_filtering ? 1 : 0);
          w.endNested(d);
          w.endNested(li);
          expected.kind = 'bridge';
          expected.info = { ...k.bridge };
        }
        for (const u of k.unknown) w.attrBytes(u.type, u.data);
        if (k.unknown.length) expected.unknown = k.unknown.map((u) => ({ type: u.type, data: Buffer.from(u.data) }));
        w.endMessage();
        expect(decodeLink(w.toBuffer())).to.deep.equal(expected);
      }), runs(500));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformed();

    it('decodeLink', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeLink(b))), runs(2000));
    });

    it('decodeLink of link messages with random kind data (decodeKindData)', () => {
      const kinds = ['bridge', 'macvlan', 'macvtap', 'vxlan', 'vlan', 'vrf', 'bond', 'tun', 'veth', 'other'];
      const attrs = fc.array(fc.record({ type: fc.integer({ min: 0, max: 40 }), data: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 8 });
      fc.assert(fc.property(fc.constantFrom(...kinds), attrs, fc.option(fc.nat()), (kind, data, cut) => {
        const w = new NetlinkWriter();
        w.beginMessage(16, 0);
        w.zeros(16);
        const li = w.beginNested(18);
        w.attrString(1, kind);
        const d = w.beginNested(2);
        for (const a of data) w.attrBytes(a.type, a.data);
        w.endNested(d);
        w.endNested(li);
        w.endMessage();
        const msg = w.toBuffer();
        onlyDecodeErrors(() => decodeLink(msg));
        if (cut !== null) onlyDecodeErrors(() => decodeLink(msg.subarray(0, cut % (msg.length + 1))));
      }), runs(1500));
    });
  });
});
