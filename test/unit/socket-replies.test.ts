// Replies reach the request they answer: matched by sequence number, in any
// order, whatever else arrives on the socket.
import { expect } from 'chai';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netlink/core/constants.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { decodeLink, encodeLinkGet, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, linkMessage, openFake, tick, track } from '../support/fake-socket.js';
import { flagsOf, seqOf } from '../support/golden.js';

describe('socket: replies are matched to requests', () => {
  it('gives each request its own sequence number and sets REQUEST|ACK', async () => {
    const { sock, raw } = openFake();
    for (let i = 1; i <= 3; i++) track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: i, mtu: 1400 })));
    await tick();
    const seqs = raw.sent.map(seqOf);
    expect(new Set(seqs).size).to.equal(3);
    expect(seqs).to.not.include(0); // seq 0 is what the kernel uses for notifications
    for (const m of raw.sent) expect(flagsOf(m) & (NLM_F_REQUEST | NLM_F_ACK)).to.equal(NLM_F_REQUEST | NLM_F_ACK);
    sock.close();
  });

  it('resolves each request with its own data when replies arrive out of order', async () => {
    const { sock, raw } = openFake();
    const pending = [1, 2, 3].map((i) => sock.request(encodeLinkGet(i)));
    await tick();
    const [a, b, c] = raw.sent;
    raw.deliver(linkMessage(seqOf(c!), 3, 'c0'), ack(c!));
    raw.deliver(linkMessage(seqOf(a!), 1, 'a0'), linkMessage(seqOf(b!), 2, 'b0'), ack(b!), ack(a!)); // interleaved in one datagram
    const replies = await Promise.all(pending);
    expect(replies.map((r) => r.map((m) => decodeLink(m).name))).to.deep.equal([['a0'], ['b0'], ['c0']]);
    sock.close();
  });

  it('an echo (NLM_F_ECHO) is a reply even though the kernel marks it with the group it also went to', async () => {
    // The kernel multicasts the notification, then unicasts the same skb to the requester:
    // the group stays marked. A socket that joined no group receives only unicast.
    const { sock, raw } = openFake();
    const p = sock.request(encodeLinkGet(1));
    await tick();
    const req = raw.last;
    raw.emit('message', linkMessage(seqOf(req), 1, 'echoed'), { port: 0, groups: 1 });
    raw.deliver(ack(req));
    expect((await p).map((m) => decodeLink(m).name)).to.deep.equal(['echoed']);
    sock.close();
  });

  it('a reply for an unknown seq is counted in stats.unmatched and disturbs no one', async () => {
    const { sock, raw } = openFake();
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const b = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    await tick();
    const [ma, mb] = raw.sent;
    const stray = Buffer.from(ack(ma!));
    stray.writeUInt32LE((seqOf(mb!) + 1000) >>> 0, 8);
    raw.deliver(stray, ack(ma!));
    await a.done;
    expect(a.error).to.equal(undefined);
    expect(sock.stats.unmatched).to.equal(1);
    expect(b.settled).to.equal(false);
    raw.deliver(ack(mb!));
    await b.done;
    expect(b.error).to.equal(undefined);
    expect(b.value).to.deep.equal([]);
    sock.close();
  });

  it('the same Request object sent twice at once gets two sequence numbers and two answers', async () => {
    // The socket writes seq into req.bytes; two sends of one buffer must not end up sharing a seq.
    const { sock, raw } = openFake();
    const req = encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 });
    const a = track(sock.request(req));
    const b = track(sock.request(req));
    await tick();
    expect(new Set(raw.sent.map(seqOf)).size, 'distinct seqs on the wire').to.equal(2);
    for (const m of raw.sent) raw.deliver(ack(m));
    await tick();
    expect([a.settled, b.settled]).to.deep.equal([true, true]);
    sock.close();
  });

  it('ignores datagrams that do not come from the kernel (port 0)', async () => {
    const { sock, raw } = openFake();
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    raw.deliverFrom(4242, ack(raw.last)); // another process spoofing an ACK
    await tick();
    expect(a.settled).to.equal(false);
    expect(sock.stats.received).to.equal(0);
    raw.deliver(ack(raw.last));
    await a.done;
    expect(a.error).to.equal(undefined);
    sock.close();
  });
});
