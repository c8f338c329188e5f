// A kernel refusal with an extended ACK names the caller's field: the offset
// the kernel gives (from the request's nlmsghdr) is mapped back through the
// encoder's field marks to `mtu`, `peer.mtu`, `vxlan.srcport`...
import { expect } from 'chai';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { NetlinkError } from '../../src/netlink/core/errors.js';
import type { Request } from '../../src/netlink/core/socket.js';
import { encodeAddress } from '../../src/netlink/rtnl/address/codec.js';
import { RTM_NEWADDR, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { errorReply, openFake, tick, type ErrorReplyOptions } from '../support/fake-socket.js';

/** The attribute of this type in [from, to) of a request, found without the library's reader. */
function findAttr(msg: Buffer, from: number, to: number, type: number): { at: number; end: number } {
  for (let pos = from; pos + 4 <= to;) {
    const len = msg.readUInt16LE(pos);
    if ((msg.readUInt16LE(pos + 2) & 0x3fff) === type) return { at: pos, end: pos + len };
    pos += (len + 3) & ~3;
  }
  throw new Error(`no attribute of type ${type} in [${from}, ${to})`);
}

async function refusedWith(req: Request, errno: number, o: ErrorReplyOptions): Promise<NetlinkError> {
  const { sock, raw } = openFake();
  const p = sock.request(req).then(() => { throw new Error('resolved'); }, (e: unknown) => e as NetlinkError);
  await tick();
  raw.deliver(errorReply(raw.last, errno, o));
  const err = await p;
  sock.close();
  expect(err).to.be.instanceOf(NetlinkError);
  return err;
}

describe('socket: kernel errors name the caller\'s field', () => {
  it('an offset at a top-level attribute names it (mtu)', async () => {
    const req = encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 100000, txqueuelen: 5 });
    const mtu = findAttr(req.bytes, 32, req.bytes.length, 4);
    const err = await refusedWith(req, 22, { msg: 'mtu greater than device maximum', offset: mtu.at });
    expect(err).to.include({ code: 'EINVAL', field: 'mtu', extackOffset: mtu.at });
    expect(err.message).to.equal(
      'RTM_NEWLINK set index 3: EINVAL (Invalid argument): mtu greater than device maximum [field: mtu]');
  });

  it('an offset inside a nested attribute names the innermost field (peer.mtu, not peer)', async () => {
    const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, { name: 'v0', kind: 'veth', mtu: 1400, peer: { name: 'v1', mtu: 1300 } });
    const b = req.bytes;
    const info = findAttr(b, 32, b.length, 18); // IFLA_LINKINFO
    const data = findAttr(b, info.at + 4, info.end, 2); // IFLA_INFO_DATA
    const peer = findAttr(b, data.at + 4, data.end, 1); // VETH_INFO_PEER
    const peerMtu = findAttr(b, peer.at + 4 + 16, peer.end, 4); // after the peer's ifinfomsg
    const err = await refusedWith(req, 22, { offset: peerMtu.at });
    expect(err.field).to.equal('peer.mtu');
    // The peer's own ifinfomsg belongs to no narrower field than the peer.
    expect((await refusedWith(req, 22, { offset: peer.at + 4 })).field).to.equal('peer');
  });

  it('an offset pointing into the middle of an attribute still names it', async () => {
    const req = encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, { dev: 3, local: '10.0.0.1/24', label: 'v0:1' });
    const label = findAttr(req.bytes, 24, req.bytes.length, 3); // IFA_LABEL
    expect((await refusedWith(req, 22, { offset: label.at + 5 })).field).to.equal('label');
  });

  it('an offset outside every field keeps the offset and names no field', async () => {
    const req = encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 });
    const err = await refusedWith(req, 22, { msg: 'bad header', offset: 20 }); // inside ifinfomsg
    expect(err).to.include({ field: undefined, extackOffset: 20 });
    expect(err.message).to.include('[attribute at offset 20]');
  });

  it('a missing attribute reported inside a nest names that nest (vxlan)', async () => {
    const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, { name: 'vx0', kind: 'vxlan', vxlan: { id: 7 } });
    const info = findAttr(req.bytes, 32, req.bytes.length, 18);
    const data = findAttr(req.bytes, info.at + 4, info.end, 2);
    const err = await refusedWith(req, 22, { msg: 'Missing attribute', missingType: 15, missingNest: data.at });
    expect(err).to.include({ field: 'vxlan', missingType: 15 });
    expect(err.message).to.include('[missing attribute type 15]');
  });

  it('works the same when the kernel echoes the whole request (no NETLINK_CAP_ACK)', async () => {
    const req = encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 100000 });
    const err = await refusedWith(req, 22, { offset: 32, capped: false });
    expect(err.field).to.equal('mtu');
  });
});
