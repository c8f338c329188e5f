// Decoding stays linear in the size of what the kernel (or anyone writing to
// the socket) sends: a string attribute without its NUL is read up to its own
// end, never searched for a NUL to the end of the datagram. These messages
// are crafted; the test asserts what they decode to, not how fast (the
// project has no timed tests), but the quadratic search it guards against
// took seconds on them.
import { expect } from 'chai';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { decodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { decodeAddress } from '../../src/netlink/rtnl/address/codec.js';

const IFLA_IFNAME = 3;
const IFLA_QDISC = 6;
const IFLA_IFALIAS = 20;
const IFA_LABEL = 3;

/** Set on the attribute type so that no byte of the attribute headers is 0 either (the decoder masks it off). */
const NLA_F_NET_BYTEORDER = 0x4000;

/**
 * A link message with `count` attributes of `type`, each `size` bytes of
 * 'a'..'z': not one zero byte from the first attribute to the end when
 * nla_len = size + 4 has no zero byte and needs no padding (256: 0x0104; 512: 0x0204).
 */
function linkMessage(count: number, size: number, type = IFLA_IFNAME): Buffer {
  const w = new NetlinkWriter(count * (size + 8) + 64);
  w.beginMessage(16 /* RTM_NEWLINK */, 0);
  w.u8(0); w.u8(0); w.u16(1);
  w.s32(7);
  w.u32(0); w.u32(0);
  const payload = Buffer.alloc(size);
  for (let i = 0; i < count; i++) {
    payload.fill(97 + (i % 26));
    w.attrBytes(type | NLA_F_NET_BYTEORDER, payload);
  }
  w.endMessage();
  return w.toBuffer();
}

describe('decoding large messages', () => {
  it('an 8 MB link message of 32,768 IFNAME attributes without NUL decodes, the last name winning', () => {
    const msg = linkMessage(32_768, 256);
    expect(msg.length).to.be.above(8_000_000);
    expect(msg.indexOf(0, 32), 'a zero byte after the header').to.equal(-1);
    const link = decodeLink(msg);
    expect(link.index).to.equal(7);
    expect(link.name).to.equal(String.fromCharCode(97 + (32_767 % 26)).repeat(256));
  });

  it('the same for alias and qdisc strings', () => {
    expect(decodeLink(linkMessage(16_384, 512, IFLA_IFALIAS)).alias).to.have.length(512);
    expect(decodeLink(linkMessage(16_384, 512, IFLA_QDISC)).qdisc).to.have.length(512);
  });

  it('a string ends at its own NUL, or at its own end when it has none: never in the next attribute', () => {
    const w = new NetlinkWriter();
    w.attrBytes(1, Buffer.from('abc\0def'));
    w.attrBytes(2, Buffer.from('xyz')); // no NUL; padding and the next attribute follow
    w.attrBytes(3, Buffer.from('q\0'));
    const r = AttrReader.of(w.bytes());
    const strings: string[] = [];
    while (r.next()) strings.push(r.string());
    expect(strings).to.deep.equal(['abc', 'xyz', 'q']);
  });

  it('an address message of many NUL-less labels decodes', () => {
    const w = new NetlinkWriter();
    w.beginMessage(20 /* RTM_NEWADDR */, 0);
    w.u8(2); w.u8(24); w.u8(0); w.u8(0); w.u32(3);
    w.attrBytes(2 /* IFA_LOCAL */, Buffer.from([10, 0, 0, 1]));
    for (let i = 0; i < 50_000; i++) w.attrBytes(IFA_LABEL, Buffer.from('labellabellabel'));
    w.endMessage();
    expect(decodeAddress(w.toBuffer())).to.include({ local: '10.0.0.1', label: 'labellabellabel' });
  });
});
