// Field marks: where the writer put each caller field, so that the kernel's
// extended-ACK offset (counted from the request's nlmsghdr) names the field.
import { expect } from 'chai';
import { fieldAt, NetlinkWriter } from '../../src/netlink/core/writer.js';

describe('field marks', () => {
  function veth(): NetlinkWriter {
    const w = new NetlinkWriter();
    w.beginMessage(16, 0);
    w.zeros(16); // ifinfomsg
    w.attrU32(4, 1400, 'mtu'); // 32..40
    const peer = w.beginNested(1, 'peer'); // 40..
    w.zeros(16);
    w.attrU32(4, 1300, 'peer.mtu'); // 60..68
    w.attrString(3, 'v1', 'peer.name'); // 68..75
    w.endNested(peer);
    w.endMessage();
    return w;
  }

  it('records each field\'s attribute with offsets from the start of its message', () => {
    expect(veth().marks).to.deep.equal([
      { start: 32, end: 40, field: 'mtu' },
      { start: 40, end: 76, field: 'peer' },
      { start: 60, end: 68, field: 'peer.mtu' },
      { start: 68, end: 75, field: 'peer.name' },
    ]);
  });

  it('names the innermost field containing the offset', () => {
    const { marks } = veth();
    expect(fieldAt(marks, 32)).to.equal('mtu');
    expect(fieldAt(marks, 39)).to.equal('mtu');
    expect(fieldAt(marks, 40)).to.equal('peer'); // the nest's own header
    expect(fieldAt(marks, 56)).to.equal('peer'); // the peer's ifinfomsg
    expect(fieldAt(marks, 60)).to.equal('peer.mtu');
    expect(fieldAt(marks, 68)).to.equal('peer.name');
  });

  it('names nothing outside every field (the header, an unmarked attribute, past the end)', () => {
    const { marks } = veth();
    expect(fieldAt(marks, 0)).to.equal(undefined);
    expect(fieldAt(marks, 16)).to.equal(undefined);
    expect(fieldAt(marks, 76)).to.equal(undefined);
    expect(fieldAt([], 32)).to.equal(undefined);
  });

  it('counts from the current message when the writer holds several', () => {
    const w = new NetlinkWriter();
    w.beginMessage(16, 0);
    w.zeros(16);
    w.attrString(3, 'first', 'name');
    w.endMessage();
    w.beginMessage(16, 0);
    w.zeros(16);
    w.attrU32(4, 9000, 'mtu');
    w.endMessage();
    expect(w.messageStart).to.equal(44);
    expect(w.marks).to.deep.equal([{ start: 32, end: 40, field: 'mtu' }]);
  });
});
