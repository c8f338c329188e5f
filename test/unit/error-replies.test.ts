// NLMSG_ERROR and NLMSG_DONE: errno, the echoed request (capped or whole),
// and the extended-ACK TLVs after it.
import { expect } from 'chai';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE, NLMSGERR_ATTR_MSG } from '../../src/netlink/core/constants.js';
import { DecodeError } from '../../src/netlink/core/errors.js';
import { decodeDone, decodeError } from '../../src/netlink/core/message.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { errorReply, message } from '../support/fake-socket.js';

const decode = (m: Buffer) => decodeError(m, 16, m.length, m.readUInt16LE(6));

function request(): Buffer {
  const w = new NetlinkWriter();
  w.beginMessage(16, 0x605, 77, 1234);
  w.zeros(16);
  w.attrU32(4, 1400);
  w.attrString(3, 'v0');
  w.endMessage();
  return w.toBuffer(); // 48 bytes
}

describe('error replies', () => {
  it('an ACK (capped) is errno 0 with the request header', () => {
    const m = errorReply(request(), 0);
    expect(m.length).to.equal(36);
    const e = decode(m);
    expect(e.errno).to.equal(0);
    expect(e.request).to.deep.equal({ len: 48, type: 16, flags: 0x605, seq: 77, pid: 1234 });
  });

  it('an ACK\'s errno is +0, not -0 (deepStrictEqual and Object.is tell them apart)', () => {
    expect(Object.is(decode(errorReply(request(), 0)).errno, 0)).to.equal(true);
    const doneMsg = message(NLMSG_DONE, 2, 5, Buffer.alloc(4));
    expect(Object.is(decodeDone(doneMsg, 16, doneMsg.length, 2).errno, 0)).to.equal(true);
  });

  it('an error echoing the whole request (no CAP_ACK), with message and offset after it', () => {
    const m = errorReply(request(), 22, { capped: false, msg: 'mtu too big', offset: 32 });
    expect(m.readUInt16LE(6)).to.equal(NLM_F_ACK_TLVS);
    expect(decode(m)).to.deep.include({ errno: 22, extackMessage: 'mtu too big', extackOffset: 32 });
  });

  it('an error echoing only the header (CAPPED), with TLVs right after it', () => {
    const m = errorReply(request(), 17, { msg: 'exists', offset: 40, missingType: 3, missingNest: 20 });
    expect(m.readUInt16LE(6)).to.equal(NLM_F_CAPPED | NLM_F_ACK_TLVS);
    expect(decode(m)).to.deep.equal({
      errno: 17, request: { len: 48, type: 16, flags: 0x605, seq: 77, pid: 1234 },
      extackMessage: 'exists', extackOffset: 40, missingType: 3, missingNestOffset: 20,
    });
  });

  it('an error without ACK_TLVS does not read the bytes after the echo as TLVs', () => {
    const m = errorReply(request(), 1, { capped: false });
    expect(decode(m)).to.deep.equal({ errno: 1, request: { len: 48, type: 16, flags: 0x605, seq: 77, pid: 1234 } });
  });

  it('an error that carries only the int (old kernels) has no request', () => {
    const payload = Buffer.alloc(4);
    payload.writeInt32LE(-95);
    expect(decode(message(2, 0, 1, payload))).to.deep.equal({ errno: 95, request: undefined });
  });

  it('rejects a payload too short for the error int, and TLVs claimed past the end', () => {
    expect(() => decode(message(2, 0, 1, Buffer.alloc(2)))).to.throw(DecodeError);
    // Not capped, so the TLVs would start after a 44-byte echo the message does not hold.
    const cut = errorReply(request(), 22, { capped: true, msg: 'x' });
    cut.writeUInt16LE(NLM_F_ACK_TLVS, 6);
    expect(() => decode(cut)).to.throw(DecodeError);
  });

  it('NLMSG_DONE: errno 0 normally; an error and extended ACK when the dump failed', () => {
    const ok = message(NLMSG_DONE, 2, 5, Buffer.alloc(4));
    const e = decodeDone(ok, 16, ok.length, 2);
    expect(e.errno).to.equal(0);
    expect(e.extackMessage).to.equal(undefined);

    const w = new NetlinkWriter();
    w.beginMessage(NLMSG_DONE, 2 | NLM_F_ACK_TLVS, 5);
    w.s32(-22);
    w.attrString(NLMSGERR_ATTR_MSG, 'bad filter');
    w.endMessage();
    const failed = w.toBuffer();
    expect(decodeDone(failed, 16, failed.length, 2 | NLM_F_ACK_TLVS)).to.deep.equal({ errno: 22, request: undefined, extackMessage: 'bad filter' });
  });
});
