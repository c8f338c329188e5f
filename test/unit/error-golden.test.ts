// The kernel's refusals captured from iproute2 (test/fixtures/golden): they
// decode into errno + extended ACK exactly as README.md lists them, and the
// same bytes answering a netnest request give the error a user should see.
import { expect } from 'chai';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_CREATE, NLM_F_EXCL, NLMSG_ERROR } from '../../src/netlink/core/constants.js';
import { UnsupportedLinkKindError } from '../../src/netlink/core/errors.js';
import { decodeError, type ErrorMessage } from '../../src/netlink/core/message.js';
import { encodeAddress } from '../../src/netlink/rtnl/address/codec.js';
import { RTM_DELADDR, RTM_NEWADDR, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { flagsOf, loadGolden, seqOf, typeOf, type Golden } from '../support/golden.js';
import { refusal } from '../support/fake-socket.js';

function lastError(g: Golden): { reply: Buffer; e: ErrorMessage } {
  const reply = g.received.at(-1)!;
  expect(typeOf(reply)).to.equal(NLMSG_ERROR);
  return { reply, e: decodeError(reply, 16, reply.length, flagsOf(reply)) };
}

/** Attribute type at an offset of a request (the kernel's extack offsets point at attribute headers). */
const attrTypeAt = (msg: Buffer, offset: number): number => msg.readUInt16LE(offset + 2) & 0x3fff;

describe('golden: kernel errors', () => {
  describe('decoding the error replies', () => {
    const cases: { fixture: string; errno: number; msg?: string; offset?: number }[] = [
      { fixture: 'link-add-dummy-eopnotsupp', errno: 95, msg: 'Unknown device type' },
      { fixture: 'link-add-exists-eexist', errno: 17 },
      { fixture: 'link-set-gso-max-size-range-extack', errno: 34, msg: 'integer out of range', offset: 32 },
      { fixture: 'link-add-vxlan-port-range-extack', errno: 22, msg: 'Invalid source port range', offset: 60 },
      { fixture: 'link-set-mtu-too-big-extack', errno: 22, msg: 'mtu greater than device maximum' },
      { fixture: 'addr-add-v6-multicast-extack', errno: 99, msg: 'ipv6: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag' },
      { fixture: 'addr-del-v4-missing-extack', errno: 99, msg: 'ipv4: Address not found' },
    ];
    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\`: errno ${c.errno}${c.msg ? `, "${c.msg}"` : ''}${c.offset !== undefined ? ` at offset ${c.offset}` : ''}`, () => {
        const { reply, e } = lastError(g);
        const req = g.sent.at(-1)!;
        expect(e.errno).to.equal(c.errno);
        expect(e.extackMessage).to.equal(c.msg);
        expect(e.extackOffset).to.equal(c.offset);
        // ip does not set NETLINK_CAP_ACK: the whole request is echoed, and decodeError must skip it.
        expect(flagsOf(reply) & NLM_F_CAPPED).to.equal(0);
        expect(flagsOf(reply) & NLM_F_ACK_TLVS).to.equal(c.msg ? NLM_F_ACK_TLVS : 0);
        expect(e.request).to.deep.equal({ len: req.length, type: typeOf(req), flags: flagsOf(req), seq: seqOf(req), pid: 0 });
        expect(reply.subarray(20, 20 + req.length).equals(req), 'the echoed request is ip\'s').to.equal(true);
      });
    }

    it('the extended-ACK offsets point at the offending attributes of ip\'s requests', () => {
      // IFLA_GSO_MAX_SIZE (41) at the top level; IFLA_VXLAN_PORT_RANGE (10) inside LINKINFO/INFO_DATA.
      expect(attrTypeAt(loadGolden('link-set-gso-max-size-range-extack').sent.at(-1)!, 32)).to.equal(41);
      expect(attrTypeAt(loadGolden('link-add-vxlan-port-range-extack').sent.at(-1)!, 60)).to.equal(10);
    });

    it('iproute2\'s link-add probe is refused with ENODEV and no extended ACK', () => {
      const g = loadGolden('link-add-veth');
      const probe = g.received[0]!;
      const e = decodeError(probe, 16, probe.length, flagsOf(probe));
      expect(e).to.deep.equal({ errno: 19, request: { len: 32, type: 16, flags: 5, seq: 0, pid: 0 } });
    });
  });

  describe('the error a caller gets for the same refusal', () => {
    it('`ip link add d0 type dummy`: UnsupportedLinkKindError naming CONFIG_DUMMY', async () => {
      const err = await refusal(encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, { name: 'd0', kind: 'dummy' }), lastError(loadGolden('link-add-dummy-eopnotsupp')).reply);
      expect(err).to.be.instanceOf(UnsupportedLinkKindError);
      expect(err.code).to.equal('ERR_LINK_KIND_UNSUPPORTED');
      expect(err.errnoName).to.equal('EOPNOTSUPP');
      expect((err as UnsupportedLinkKindError).kind).to.equal('dummy');
      expect(err.message).to.include('CONFIG_DUMMY');
      expect(err.extackMessage).to.equal('Unknown device type');
    });

    it('`ip link add br0 type bridge` when br0 exists: EEXIST without extended ACK', async () => {
      const err = await refusal(encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, { name: 'br0', kind: 'bridge' }), lastError(loadGolden('link-add-exists-eexist')).reply);
      expect(err).to.not.be.instanceOf(UnsupportedLinkKindError);
      expect(err).to.include({ code: 'EEXIST', errno: 17, errnoName: 'EEXIST', extackMessage: undefined, extackOffset: undefined, field: undefined });
      expect(err.request).to.equal('RTM_NEWLINK bridge br0');
      expect(err.message).to.equal('RTM_NEWLINK bridge br0: EEXIST (File exists)');
    });

    it('`ip link add vx1 type vxlan ... srcport 2000 1000`: EINVAL blamed on vxlan.srcport', async () => {
      const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, { name: 'vx1', kind: 'vxlan', vxlan: { id: 5, dstport: 4789, srcport: [2000, 1000], learning: true } });
      const ip = loadGolden('link-add-vxlan-port-range-extack').sent.at(-1)!;
      // The kernel's offset counts in ip's bytes; it names our field only if our attribute sits at the same place.
      expect(req.bytes.subarray(60, 68).toString('hex')).to.equal(ip.subarray(60, 68).toString('hex'));
      const err = await refusal(req, lastError(loadGolden('link-add-vxlan-port-range-extack')).reply);
      expect(err).to.include({
        code: 'EINVAL', extackMessage: 'Invalid source port range', extackOffset: 60, field: 'vxlan.srcport',
      });
      expect(err.message).to.include('[field: vxlan.srcport]');
    });

    it('`ip link set dev v0 mtu 100000`: EINVAL with the kernel\'s message and no field', async () => {
      const err = await refusal(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 100000 }), lastError(loadGolden('link-set-mtu-too-big-extack')).reply);
      expect(err).to.include({ code: 'EINVAL', extackMessage: 'mtu greater than device maximum', extackOffset: undefined, field: undefined });
      expect(err.message).to.equal('RTM_NEWLINK set index 3: EINVAL (Invalid argument): mtu greater than device maximum');
    });

    it('`ip link set dev v0 gso_max_size 10`: ERANGE with the offset, for a request without field marks', async () => {
      // netnest has no gso_max_size option; replay ip's own request bytes.
      const g = loadGolden('link-set-gso-max-size-range-extack');
      const err = await refusal({ bytes: Buffer.from(g.sent.at(-1)!), describe: 'RTM_NEWLINK set index 3' }, lastError(g).reply);
      expect(err).to.include({ code: 'ERANGE', extackMessage: 'integer out of range', extackOffset: 32, field: undefined });
      expect(err.message).to.include('[attribute at offset 32]');
    });

    it('`ip -6 addr add ff02::5/64 dev v0`: EADDRNOTAVAIL with the kernel\'s message', async () => {
      const g = loadGolden('addr-add-v6-multicast-extack');
      const err = await refusal(encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, { dev: 'v0', local: 'ff02::5/64' }, () => 3), lastError(g).reply);
      expect(err).to.include({
        code: 'EADDRNOTAVAIL', extackMessage: 'ipv6: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag', field: undefined,
      });
    });

    it('`ip addr del 10.9.9.9/24 dev v0`: EADDRNOTAVAIL "ipv4: Address not found"', async () => {
      const g = loadGolden('addr-del-v4-missing-extack');
      const err = await refusal(encodeAddress(RTM_DELADDR, 0, { dev: 'v0', local: '10.9.9.9/24' }, () => 3), lastError(g).reply);
      expect(err).to.include({ code: 'EADDRNOTAVAIL', errno: 99, extackMessage: 'ipv4: Address not found' });
      expect(err.request).to.equal('RTM_DELADDR 10.9.9.9/24 dev v0');
    });
  });
});
