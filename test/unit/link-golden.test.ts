// `ip link` as iproute2 and the kernel spoke it (test/fixtures/golden): the
// kernel's answers decode into the Link a user expects, and netnest puts the
// same request bytes on the wire as `ip` for the same command.
import { expect } from 'chai';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLMSG_ERROR } from '../../src/netlink/core/constants.js';
import { decodeError } from '../../src/netlink/core/message.js';
import type { Request } from '../../src/netlink/core/socket.js';
import { RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { directIndex, type DevResolver } from '../../src/netlink/rtnl/devices.js';
import { checkLinkAdd, checkLinkSet, decodeLink, encodeLink, encodeLinkDump, encodeLinkGet, type Link, type LinkAddSpec, type LinkSetSpec } from '../../src/netlink/rtnl/link/codec.js';
import type { LinkRef } from '../../src/netlink/rtnl/devices.js';
import { IFLA_INFO_SLAVE_DATA, IFLA_LINKINFO } from '../../src/netlink/rtnl/link/kinds/index.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { openFake, wireBytes } from '../support/fake-socket.js';
import {
  answersTo, datagramWithSeq, flagsOf, goldenNames, loadGolden, seqOf, typeOf, withFlags, withoutSeqPid, type Golden,
} from '../support/golden.js';

const links = (g: Golden): Link[] => g.received.filter((m) => typeOf(m) === RTM_NEWLINK).map(decodeLink);
const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');

describe('golden: ip link', () => {
  describe('decoding what the kernel answered', () => {
    it('`ip link show lo` gives the loopback link', () => {
      const g = loadGolden('link-get-lo');
      const lo = links(g).at(-1)!; // the answer on ip's main socket
      // Captured in a fresh namespace where lo is still down: LOOPBACK without UP.
      expect(lo).to.include({
        name: 'lo', index: 1, link_type: 'loopback', up: false, mtu: 65536, operstate: 'DOWN', txqueuelen: 1000,
        qdisc: 'noop', address: '00:00:00:00:00:00', broadcast: '00:00:00:00:00:00', carrier: true,
      });
      expect(lo.flags).to.deep.equal(['LOOPBACK']);
      expect(lo.kind).to.equal(undefined);
      expect(lo.stats).to.deep.equal({
        rx_packets: 0, tx_packets: 0, rx_bytes: 0, tx_bytes: 0, rx_errors: 0, tx_errors: 0, rx_dropped: 0, tx_dropped: 0,
      });
    });

    it('`ip link show` gives lo, the veth pair and the bridge with its port', () => {
      const g = loadGolden('link-dump');
      const [lo, v1, v0, br0, ...rest] = links(g);
      expect(rest).to.have.length(0);
      expect(lo).to.include({ index: 1, name: 'lo', link_type: 'loopback', up: false });

      expect(v1).to.include({
        index: 2, name: 'v1', kind: 'veth', link: 3, up: false, operstate: 'DOWN', mtu: 1500, link_type: 'ether',
        address: '6a:96:fb:a9:d7:92', broadcast: 'ff:ff:ff:ff:ff:ff', qdisc: 'noop',
      });
      expect(v1!.flags).to.deep.equal(['BROADCAST', 'MULTICAST']);
      expect(v1!.master).to.equal(undefined);

      expect(v0).to.include({
        index: 3, name: 'v0', kind: 'veth', link: 2, master: 4, slave_kind: 'bridge', up: true,
        operstate: 'LOWERLAYERDOWN', promiscuity: 1, mtu: 1500, qdisc: 'noqueue', address: 'fa:ea:b3:af:03:b5',
      });
      expect(v0!.flags).to.deep.equal(['UP', 'BROADCAST', 'MULTICAST']);
      expect(v0!.link_netnsid).to.equal(undefined); // the peer is in the same namespace

      expect(br0).to.include({ index: 4, name: 'br0', kind: 'bridge', up: true, address: 'fa:ea:b3:af:03:b5', num_tx_queues: 1 });
      expect(br0!.flags).to.deep.equal(['UP', 'BROADCAST', 'MULTICAST']);
      expect(br0!.info).to.deep.include({
        forward_delay: 1500, hello_time: 200, max_age: 2000, ageing_time: 30000, stp_state: 0, priority: 32768,
        vlan_filtering: false, mcast_snooping: true,
      });
    });

    it('`ip link show`: a bridge port\'s IFLA_INFO_SLAVE_DATA is its bridgePort; what netnest does not name stays there', () => {
      // Lossless decoding: v0's IFLA_LINKINFO carries 332 bytes of bridge-port data; the options
      // netnest names are decoded, every other attribute survives in bridgePort.unknown.
      const g = loadGolden('link-dump');
      const raw = g.received.filter((m) => typeOf(m) === RTM_NEWLINK)[2]!;
      const attrs = new AttrReader(raw, 32, raw.length);
      while (attrs.next() && attrs.type !== IFLA_LINKINFO);
      const info = attrs.nested();
      while (info.next() && info.type !== IFLA_INFO_SLAVE_DATA);
      const slaveData = info.copy();
      expect(slaveData.length).to.equal(332);

      const v0 = decodeLink(raw);
      expect(v0.slave_kind).to.equal('bridge');
      expect((v0.unknown ?? []).filter((a) => a.type === IFLA_LINKINFO), 'linkinfo entries in unknown').to.have.length(0);
      const { unknown, ...port } = v0.bridgePort!;
      expect(port).to.deep.equal({
        state: 'disabled', priority: 32, cost: 2, hairpin: false, learning: true, flood: true, mcast_flood: true,
        bcast_flood: true, neigh_suppress: false, isolated: false,
      });
      // 10 named attributes of 5 to 8 bytes (64 with headers and padding) + the 29 kept = the 332 bytes.
      expect(unknown).to.have.length(29);
      const keptBytes = unknown!.reduce((n, a) => n + ((4 + a.data.length + 3) & ~3), 0);
      expect(keptBytes + 10 * 8).to.equal(332);
    });

    it('rtnl.link.list() over the captured `ip link show` dump returns the four links', async () => {
      const g = loadGolden('link-dump');
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        const req = msgs[0]!;
        if (typeOf(req) !== RTM_GETLINK) throw new Error(`unexpected request type ${typeOf(req)}`);
        for (const d of answersTo(g, 1)) raw.deliver(datagramWithSeq(d, seqOf(req)));
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        const listed = await rtnl.link.list();
        expect(listed.map((l) => [l.index, l.name, l.kind])).to.deep.equal([
          [1, 'lo', undefined], [2, 'v1', 'veth'], [3, 'v0', 'veth'], [4, 'br0', 'bridge'],
        ]);
        expect(listed).to.deep.equal(links(g));
      } finally {
        rtnl.close();
      }
    });

    it('`ip link show tun0` gives the tun device and its IFLA_TUN_* data', () => {
      const tun0 = links(loadGolden('link-get-tun')).at(-1)!;
      expect(tun0).to.include({ index: 2, name: 'tun0', kind: 'tun', link_type: 'none', up: false, txqueuelen: 500, mtu: 1500 });
      expect(tun0.flags).to.deep.equal(['POINTOPOINT', 'NOARP', 'MULTICAST']);
      expect(tun0.address).to.equal(undefined); // a tun has no link-layer address
      expect(tun0.info).to.deep.equal({ mode: 'tun', pi: false, vnet_hdr: false, persist: true, multi_queue: false });
    });

    it('every link message in every fixture decodes, with its name and index', () => {
      let n = 0;
      for (const name of goldenNames()) {
        for (const l of links(loadGolden(name))) {
          expect(l.name, name).to.match(/^[a-z0-9]+$/);
          expect(l.index, name).to.be.greaterThan(0);
          n++;
        }
      }
      expect(n).to.be.greaterThan(20);
    });

    it('every ACK decodes as errno 0 and names the request it answers', () => {
      let n = 0;
      for (const name of goldenNames()) {
        const g = loadGolden(name);
        for (const m of g.received.filter((x) => typeOf(x) === NLMSG_ERROR)) {
          const e = decodeError(m, 16, m.length, flagsOf(m));
          if (e.errno !== 0) continue;
          const req = g.sent.find((s) => s.readUInt32LE(8) === e.request!.seq && typeOf(s) === e.request!.type);
          expect(req, `${name}: the acked request`).to.not.equal(undefined);
          // The echo is the request's header as the kernel last saw it: for an IPv6
          // multipath route it has cleared NLM_F_EXCL by then (route-add-v6-multipath).
          const flagsDiffer = (e.request!.flags ^ flagsOf(req!)) & ~0x200;
          expect({ ...e.request, flags: flagsDiffer }).to.deep.equal({
            len: req!.readUInt32LE(0), type: typeOf(req!), flags: 0, seq: req!.readUInt32LE(8), pid: req!.readUInt32LE(12),
          });
          expect(e.extackMessage).to.equal(undefined);
          n++;
        }
      }
      expect(n).to.be.greaterThan(15);
    });
  });

  describe('encoding the same request as ip', () => {
    // Each case: the fixture, what the user writes, and which message of ip's it must equal.
    // seq and pid are zeroed on both sides; flags are compared as they go on the wire.
    interface Case {
      fixture: string;
      build: () => Request;
      mode?: 'request' | 'dump';
      /** ip's message to compare with (default: the last one ip sent). */
      pick?: (g: Golden) => Buffer;
      /** A documented, legitimate difference applied to ip's bytes. */
      adjust?: (ip: Buffer) => Buffer;
    }
    // As LinkApi sends them: checked, then encoded with the names ip resolved (`v0` is 3, `br0` is 4).
    const indexes: DevResolver = (dev, field) => (dev === 'v0' ? 3 : dev === 'br0' ? 4 : directIndex(dev, field));
    const add = (spec: LinkAddSpec): Request => encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(spec), indexes);
    const set = (ref: LinkRef, spec: LinkSetSpec): Request => encodeLink(RTM_NEWLINK, 0, checkLinkSet(ref, spec), indexes);
    const cases: Case[] = [
      { fixture: 'link-add-veth', build: () => add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } }) },
      {
        fixture: 'link-add-veth-peer-opts',
        build: () => add({
          name: 'v0', kind: 'veth', mtu: 1400, address: '02:00:00:00:00:01',
          peer: { name: 'v1', mtu: 1300, address: '02:00:00:00:00:02' },
        }),
      },
      { fixture: 'link-add-bridge', build: () => add({ name: 'br0', kind: 'bridge' }) },
      { fixture: 'link-add-ifb', build: () => add({ name: 'ifbx', kind: 'ifb' }) },
      { fixture: 'link-add-dummy-eopnotsupp', build: () => add({ name: 'd0', kind: 'dummy' }) },
      {
        // ip resolved `link v0` to ifindex 3 on its second socket; netnest's LinkApi does the same lookup.
        fixture: 'link-add-macvlan',
        build: () => add({ name: 'mv0', kind: 'macvlan', link: 'v0', macvlan: { mode: 'bridge' } }),
      },
      {
        // `nolearning` is learning: false.
        fixture: 'link-add-vxlan',
        build: () => add({
          name: 'vx0', kind: 'vxlan', vxlan: { id: 42, dstport: 4789, local: '10.1.1.1', ttl: 64, learning: false },
        }),
      },
      {
        // iproute2 always sends IFLA_VXLAN_LEARNING (default on), so the spec says learning: true.
        fixture: 'link-add-vxlan-port-range-extack',
        build: () => add({ name: 'vx1', kind: 'vxlan', vxlan: { id: 5, dstport: 4789, srcport: [2000, 1000], learning: true } }),
      },
      {
        // ip resolved `dev v0` (3) and `master br0` (4) to indexes before sending.
        fixture: 'link-set',
        build: () => set(3, { up: true, mtu: 1400, address: '02:00:00:00:00:09', alias: 'hello', txqueuelen: 500, master: 'br0' }),
      },
      { fixture: 'link-set-nomaster', build: () => set(3, { master: null }) },
      { fixture: 'link-set-name', build: () => set(3, { name: 'v0renamed' }) },
      { fixture: 'link-set-mtu-too-big-extack', build: () => set(3, { mtu: 100000 }) },
      { fixture: 'link-del', build: () => encodeLink(RTM_DELLINK, 0, { dev: 3 }) },
      {
        // The GETLINK ip's ll_name_to_index() sent on its second socket: EXT_MASK (VF|SKIP_STATS), IFNAME.
        // ip sends GETs without NLM_F_ACK; netnest always asks for one (it ends the exchange).
        fixture: 'link-get-lo',
        build: () => encodeLinkGet('lo'),
        pick: (g) => g.sent[1]!,
        adjust: (ip) => withFlags(ip, flagsOf(ip) | NLM_F_ACK),
      },
      {
        fixture: 'link-get-tun',
        build: () => encodeLinkGet('tun0'),
        pick: (g) => g.sent[1]!,
        adjust: (ip) => withFlags(ip, flagsOf(ip) | NLM_F_ACK),
      },
      {
        // `ip link show` dumps with ifi_family AF_PACKET; the kernel has no AF_PACKET link
        // handler and falls back to AF_UNSPEC's, which is what netnest asks for directly.
        fixture: 'link-dump',
        build: () => encodeLinkDump(),
        mode: 'dump',
        adjust: (ip) => { const b = Buffer.from(ip); b[16] = 0; return b; },
      },
    ];

    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        const ip = (c.pick ?? ((x: Golden) => x.sent.at(-1)!))(g);
        const expected = c.adjust ? c.adjust(ip) : ip;
        const ours = await wireBytes(c.build(), c.mode ?? 'request');
        expect(hex(ours)).to.equal(hex(expected));
      });
    }
  });
});
