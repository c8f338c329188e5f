// Requests made together leave in one sendmsg, and no more than maxInFlight
// wait for replies at once, so the kernel's answers always fit the receive buffer.
import { expect } from 'chai';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, openFake, tick } from '../support/fake-socket.js';

describe('socket: batching and the in-flight window', () => {
  it('sends the requests of one tick in a single sendmsg', async () => {
    const { sock, raw } = openFake();
    const pending = Array.from({ length: 5 }, (_, i) => sock.request(encodeLink(RTM_NEWLINK, 0, { dev: i + 1, mtu: 1400 })));
    await tick();
    expect(raw.sendCalls.map((c) => c.length)).to.deep.equal([5]);
    expect(sock.stats).to.include({ sendCalls: 1, sent: 5 });
    raw.deliver(...raw.sent.map(ack));
    await Promise.all(pending);
    sock.close();
  });

  it('with maxInFlight 4, ten requests: four go out, the next only as replies come back', async () => {
    const { sock, raw } = openFake({ maxInFlight: 4 });
    const pending = Array.from({ length: 10 }, (_, i) => sock.request(encodeLink(RTM_NEWLINK, 0, { dev: i + 1, mtu: 1400 })));
    await tick();
    expect(raw.sendCalls.map((c) => c.length)).to.deep.equal([4]);
    expect(sock.pending).to.equal(10);

    raw.deliver(ack(raw.sent[0]!), ack(raw.sent[1]!)); // two slots free up
    await tick();
    expect(raw.sendCalls.map((c) => c.length)).to.deep.equal([4, 2]);

    // The rest, answering whatever is in flight: never more than four outstanding.
    let answered = 2;
    let maxOutstanding = 0;
    while (answered < 10) {
      maxOutstanding = Math.max(maxOutstanding, raw.sent.length - answered);
      raw.deliver(ack(raw.sent[answered]!));
      answered++;
      await tick();
    }
    await Promise.all(pending);
    expect(maxOutstanding).to.equal(4);
    expect(raw.sent.length).to.equal(10);
    // Sent in the order they were made (the window never reorders).
    expect(raw.sent.map((m) => m.readInt32LE(20))).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    sock.close();
  });
});
