// Bridges as iproute2 and the kernel spoke them (test/fixtures/golden): a
// port's options (`ip link set ... type bridge_slave`) and a bridge's
// (`ip link add ... type bridge ...`) are sent as ip sends them and read back
// from the kernel's link messages; `bridge vlan` requests are bridge's bytes,
// and this kernel's refusal of them (no CONFIG_BRIDGE_VLAN_FILTERING) is an
// error that names the option. Setup "BR" (README.md): br0 2, v1 3, v0 4.
import { expect } from 'chai';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { UnsupportedKernelFeatureError } from '../../src/netlink/core/errors.js';
import type { Request } from '../../src/netlink/core/request.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { checkBridgeVlan, checkBridgeVlanDel, decodeBridgeVlans, encodeBridgeVlan, encodeBridgeVlanDump, type BridgeVlanSpec } from '../../src/netlink/rtnl/bridge/codec.js';
import { RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK } from '../../src/netlink/rtnl/constants.js';
import { checkLinkAdd, checkLinkSet, decodeLink, encodeLink, type Link } from '../../src/netlink/rtnl/link/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, datagram, done, errorReply, openFake, refusal, wireBytes } from '../support/fake-socket.js';
import { datagramWithSeq, loadGolden, seqOf, typeOf, withoutSeqPid, type Golden } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
const linkNamed = (g: Golden, name: string): Link => g.received.filter((m) => typeOf(m) === RTM_NEWLINK && m[16] === 0).map(decodeLink).find((l) => l.name === name)!;
const vlanAdd = (spec: BridgeVlanSpec): Request => encodeBridgeVlan(RTM_SETLINK, 0, checkBridgeVlan(spec));
const PORT = { priority: 5, cost: 7, hairpin: true, learning: false, flood: false, isolated: true } as const;
const BRIDGE = { forward_delay: 400, ageing_time: 1000, stp_state: 1, mcast_snooping: false } as const;

/** A copy of a link message with one more attribute (as a kernel with VLAN filtering adds IFLA_AF_SPEC). */
function withAttribute(msg: Buffer, type: number, body: Buffer): Buffer {
  const w = new NetlinkWriter(64);
  w.attrBytes(type, body);
  const out = Buffer.concat([msg, Buffer.alloc(((msg.length + 3) & ~3) - msg.length), w.toBuffer()]);
  out.writeUInt32LE(out.length, 0);
  return out;
}

/** IFLA_BRIDGE_VLAN_INFO attributes: [flags, vid] each. */
function vlanInfos(...infos: [number, number][]): Buffer {
  return Buffer.concat(infos.map(([flags, vid]) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(8, 0);
    b.writeUInt16LE(2, 2);
    b.writeUInt16LE(flags, 4);
    b.writeUInt16LE(vid, 6);
    return b;
  }));
}

describe('golden: bridge ports, bridge options and bridge vlans', () => {
  describe('port options (`ip link set dev DEV type bridge_slave ...`)', () => {
    it('link.set(4, { bridgePort }) sends what ip sends: IFLA_LINKINFO { KIND bridge_slave, SLAVE_DATA }', async () => {
      const g = loadGolden('link-set-bridge-slave');
      const req = encodeLink(RTM_NEWLINK, 0, checkLinkSet(4, { bridgePort: { state: 'learning', ...PORT } }));
      expect(hex(await wireBytes(req, 'request'))).to.equal(hex(g.sent.at(-1)!));
    });

    it('`bridge link set` sends the same IFLA_BRPORT_* attributes, in IFLA_PROTINFO of an AF_BRIDGE RTM_SETLINK', () => {
      const ip = loadGolden('link-set-bridge-slave').sent.at(-1)!;
      const bridge = loadGolden('bridge-link-set').sent.at(-1)!;
      expect(typeOf(bridge)).to.equal(RTM_SETLINK);
      expect(bridge[16]).to.equal(7);
      // ip: IFLA_LINKINFO { KIND, SLAVE_DATA { STATE, PRIORITY...ISOLATED } }; bridge: IFLA_PROTINFO|NLA_F_NESTED
      // { the same but STATE, in its own order }.
      const attrs = (r: AttrReader): string[] => {
        const out: string[] = [];
        while (r.next()) out.push(`${r.type}:${r.copy().toString('hex')}`);
        return out.sort();
      };
      const protinfo = new AttrReader(bridge, 32, bridge.length);
      protinfo.next();
      const linkinfo = new AttrReader(ip, 32, ip.length);
      linkinfo.next();
      const slave = linkinfo.nested();
      while (slave.next() && slave.type !== 5);
      expect(attrs(protinfo.nested())).to.deep.equal(attrs(slave.nested()).filter((a) => !a.startsWith('1:')));
    });

    it('link.get() of a port gives its bridgePort as the kernel reports it', () => {
      const v0 = linkNamed(loadGolden('link-get-bridge-port'), 'v0');
      expect(v0).to.include({ slave_kind: 'bridge', master: 2 });
      const { unknown, ...port } = v0.bridgePort!;
      expect(port).to.deep.equal({ state: 'disabled', ...PORT, mcast_flood: true, bcast_flood: true, neigh_suppress: false });
      expect(unknown!.length).to.be.greaterThan(10);
    });
  });

  describe('bridge options (`ip link add NAME type bridge ...`)', () => {
    it('link.add() sends what ip sends, in IFLA_BR_* order', async () => {
      const g = loadGolden('link-add-bridge-opts');
      const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd({ name: 'br1', kind: 'bridge', bridge: BRIDGE }));
      expect(hex(await wireBytes(req, 'request'))).to.equal(hex(g.sent.at(-1)!));
    });

    it('link.get() of the bridge gives them back in info', () => {
      expect(linkNamed(loadGolden('link-get-bridge'), 'br1').info).to.include({ ...BRIDGE, hello_time: 200, vlan_filtering: false });
    });

    it('vlan_filtering and vlan_default_pvid are sent as ip sends them', async () => {
      const g = loadGolden('link-add-bridge-vlan-filtering-eopnotsupp');
      const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd({ name: 'br1', kind: 'bridge', bridge: { vlan_filtering: true, vlan_default_pvid: 10 } }));
      expect(hex(await wireBytes(req, 'request'))).to.equal(hex(g.sent.at(-1)!));
    });

    it('a kernel without VLAN filtering: UnsupportedKernelFeatureError naming CONFIG_BRIDGE_VLAN_FILTERING', async () => {
      const g = loadGolden('link-add-bridge-vlan-filtering-eopnotsupp');
      const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd({ name: 'br1', kind: 'bridge', bridge: { vlan_filtering: true } }));
      const err = await refusal(req, g.received.at(-1)!);
      expect(err).to.be.instanceOf(UnsupportedKernelFeatureError);
      expect(err).to.include({ code: 'ERR_KERNEL_FEATURE_UNSUPPORTED', errnoName: 'EOPNOTSUPP', option: 'CONFIG_BRIDGE_VLAN_FILTERING', field: 'bridge.vlan_filtering' });
      expect(err.message).to.equal('RTM_NEWLINK bridge br1: the kernel does not support bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not enabled in this kernel; EOPNOTSUPP) [field: bridge.vlan_filtering]');
    });
  });

  describe('bridge vlan', () => {
    const cases: { fixture: string; build: () => Request; mode?: 'dump' }[] = [
      { fixture: 'bridge-vlan-add-eopnotsupp', build: () => vlanAdd({ dev: 4, vid: 10, pvid: true, untagged: true }) },
      { fixture: 'bridge-vlan-add-range-eopnotsupp', build: () => vlanAdd({ dev: 4, vid: 20, vidEnd: 30 }) },
      { fixture: 'bridge-vlan-add-self-eopnotsupp', build: () => vlanAdd({ dev: 2, vid: 10, self: true }) },
      { fixture: 'bridge-vlan-add-master-eopnotsupp', build: () => vlanAdd({ dev: 4, vid: 10, master: true }) },
      { fixture: 'bridge-vlan-del', build: () => encodeBridgeVlan(RTM_DELLINK, 0, checkBridgeVlanDel({ dev: 4, vid: 10 })) },
      { fixture: 'bridge-vlan-del-range', build: () => encodeBridgeVlan(RTM_DELLINK, 0, checkBridgeVlanDel({ dev: 4, vid: 20, vidEnd: 30 })) },
      { fixture: 'bridge-vlan-show', build: encodeBridgeVlanDump, mode: 'dump' },
    ];
    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        expect(hex(await wireBytes(c.build(), c.mode ?? 'request'))).to.equal(hex(g.sent.at(-1)!));
      });
    }

    it('`bridge vlan show` on this kernel: the ports and the bridge, with no VLANs', () => {
      const msgs = loadGolden('bridge-vlan-show').received.filter((m) => typeOf(m) === RTM_NEWLINK && m[16] === 7);
      expect(msgs.map(decodeBridgeVlans)).to.deep.equal([
        { ifindex: 2, ifname: 'br0', master: 2, vlans: [] },
        { ifindex: 4, ifname: 'v0', master: 2, vlans: [] },
      ]);
    });

    it('VLANs one by one (RTEXT_FILTER_BRVLAN) and as ranges (..._COMPRESSED) decode alike', () => {
      const v0 = loadGolden('bridge-vlan-show').received.filter((m) => typeOf(m) === RTM_NEWLINK && m[16] === 7)[1]!;
      const single = withAttribute(v0, 26, vlanInfos([6, 1], [0, 10], [8, 20], [16, 30]));
      expect(decodeBridgeVlans(single).vlans).to.deep.equal([
        { vid: 1, pvid: true, untagged: true }, { vid: 10, pvid: false, untagged: false },
        { vid: 20, vidEnd: 30, pvid: false, untagged: false },
      ]);
    });

    it('rtnl.bridge.vlan.add(): EOPNOTSUPP from the bridge becomes UnsupportedKernelFeatureError', async () => {
      const g = loadGolden('bridge-vlan-add-eopnotsupp');
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => { for (const req of msgs) raw.deliver(datagramWithSeq(g.received.at(-1)!, seqOf(req))); };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        const err = await rtnl.bridge.vlan.add({ dev: 4, vid: 10, pvid: true, untagged: true }).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(UnsupportedKernelFeatureError);
        expect((err as Error).message).to.equal('RTM_SETLINK bridge vlan 10 dev index 4: the kernel does not support bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not enabled in this kernel; EOPNOTSUPP)');
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.bridge.vlan.add({ self }) on a device that is no bridge: the plain EOPNOTSUPP', async () => {
      const g = loadGolden('bridge-vlan-show');
      const v1 = g.received.find((m) => typeOf(m) === RTM_NEWLINK && m[16] === 0 && decodeLink(m).name === 'v1')!;
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        for (const req of msgs) raw.deliver(typeOf(req) === RTM_GETLINK ? datagramWithSeq(datagram(v1, ack(req)), seqOf(req)) : errorReply(req, 95));
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        const err = await rtnl.bridge.vlan.add({ dev: 3, vid: 10, self: true }).then(() => undefined, (e: unknown) => e);
        expect(err).to.not.be.instanceOf(UnsupportedKernelFeatureError);
        expect(err).to.include({ code: 'EOPNOTSUPP' });
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.bridge.vlan.list() keeps only links that have VLANs', async () => {
      const g = loadGolden('bridge-vlan-show');
      const [br0, v0] = g.received.filter((m) => typeOf(m) === RTM_NEWLINK && m[16] === 7);
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        for (const req of msgs) raw.deliver(datagramWithSeq(datagram(br0!, withAttribute(v0!, 26, vlanInfos([6, 1])), done(0)), seqOf(req)));
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.bridge.vlan.list()).to.deep.equal([{ ifindex: 4, ifname: 'v0', master: 2, vlans: [{ vid: 1, pvid: true, untagged: true }] }]);
      } finally {
        rtnl.close();
      }
    });
  });
});
