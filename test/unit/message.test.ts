// Datagrams into messages: the nlmsghdr fields, several messages per datagram
// (each padded to 4 bytes), and malformed lengths rejected with DecodeError.
import { expect } from 'chai';
import { DecodeError } from '../../src/netlink/core/errors.js';
import { decodeHeader, encodeHeader, MessageReader } from '../../src/netlink/core/message.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { datagram, message } from '../support/fake-socket.js';

describe('netlink messages', () => {
  it('walks every message of a multi-part datagram, padding included', () => {
    const d = datagram(
      message(16, 0x2, 7, Buffer.from('abcde')), // 21 bytes: 3 bytes of padding follow
      message(16, 0x2, 7, Buffer.from('0123456789ab')),
      message(3, 0x2, 7, Buffer.alloc(4)),
    );
    const r = new MessageReader(d);
    const seen: unknown[] = [];
    while (r.next()) seen.push([r.type, r.flags, r.seq, r.len, r.start, r.payload().toString('latin1')]);
    expect(seen).to.deep.equal([
      [16, 2, 7, 21, 0, 'abcde'],
      [16, 2, 7, 28, 24, '0123456789ab'],
      [3, 2, 7, 20, 52, '\0\0\0\0'],
    ]);
  });

  it('gives each message as a view of the datagram', () => {
    const d = datagram(message(16, 0, 1, Buffer.from('x')), message(17, 0, 2));
    const r = new MessageReader(d);
    r.next();
    r.next();
    expect(r.message().equals(message(17, 0, 2))).to.equal(true);
    expect(r.message().buffer).to.equal(d.buffer);
    expect(r.header()).to.deep.equal({ len: 16, type: 17, flags: 0, seq: 2, pid: 0 });
  });

  it('accepts a last message without padding at the end of the datagram', () => {
    const d = message(16, 0, 1, Buffer.from('abc')); // 19 bytes, no padding
    const r = new MessageReader(d);
    expect(r.next()).to.equal(true);
    expect(r.next()).to.equal(false);
  });

  describe('rejects malformed datagrams with DecodeError', () => {
    const cases: [string, Buffer][] = [
      ['fewer bytes than a header', Buffer.alloc(10)],
      ['nlmsg_len below 16', (() => { const b = message(16, 0, 1); b.writeUInt32LE(8, 0); return b; })()],
      ['nlmsg_len beyond the datagram', (() => { const b = message(16, 0, 1, Buffer.alloc(8)); b.writeUInt32LE(64, 0); return b; })()],
      ['a truncated second message', Buffer.concat([message(16, 0, 1), message(16, 0, 1, Buffer.alloc(8)).subarray(0, 20)])],
    ];
    for (const [what, d] of cases) {
      it(what, () => {
        const r = new MessageReader(d);
        expect(() => { while (r.next()); }).to.throw(DecodeError);
      });
    }
  });

  it('encodes and decodes nlmsghdr fields (u32 seq and pid in full)', () => {
    const h = { type: 0xffff, flags: 0x0305, seq: 0xfffffffe, pid: 0x80000001 };
    const b = encodeHeader(h, 4);
    expect(b.toString('hex')).to.equal('14000000ffff0503feffffff01000080');
    expect(decodeHeader(Buffer.concat([b, Buffer.alloc(4)]))).to.deep.equal({ len: 20, ...h });
    expect(() => decodeHeader(b)).to.throw(DecodeError); // says 20 bytes, has 16
    expect(() => decodeHeader(b.subarray(0, 12))).to.throw(DecodeError);
  });

  it('the writer patches nlmsg_len after the payload and aligns the next message', () => {
    const w = new NetlinkWriter();
    w.beginMessage(16, 0x5, 9, 4);
    w.attrString(3, 'abc');
    w.endMessage();
    w.beginMessage(17, 0x5, 10);
    w.u8(1);
    w.endMessage();
    const r = new MessageReader(w.bytes());
    const lens: number[] = [];
    while (r.next()) lens.push(r.len, r.seq);
    expect(lens).to.deep.equal([24, 9, 17, 10]);
    expect(w.bytes().length).to.equal(24 + 20);
  });
});
