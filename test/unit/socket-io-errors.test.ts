// What the raw socket reports besides replies: failed sendmsg/recvmsg,
// truncated or malformed datagrams, and notifications. Each ends the affected
// requests with a NetnestError (never an exception thrown into the event
// loop), and the socket keeps serving later requests.
import { expect } from 'chai';
import sinon from 'sinon';
import { DecodeError, SyscallError } from '../../src/netlink/core/errors.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, errnoException, linkMessage, openFake, tick, track } from '../support/fake-socket.js';

async function stillWorks(sock: ReturnType<typeof openFake>['sock'], raw: ReturnType<typeof openFake>['raw']): Promise<void> {
  const p = sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 9, mtu: 1400 }));
  await tick();
  raw.deliver(ack(raw.last));
  expect(await p).to.deep.equal([]);
}

describe('socket: I/O errors and unexpected datagrams', () => {
  it('a failed sendmsg rejects the requests of that batch with SyscallError', async () => {
    const { sock, raw } = openFake();
    raw.nextSendError = errnoException('EMSGSIZE', 90, 'sendmsg', 'Error when sending Netlink message: Message too long');
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const b = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    await Promise.all([a.done, b.done]);
    for (const p of [a, b]) {
      expect(p.error).to.be.instanceOf(SyscallError);
      expect(p.error).to.include({ code: 'EMSGSIZE', syscall: 'sendmsg', errno: 90 });
    }
    await stillWorks(sock, raw);
    sock.close();
  });

  it('a failed recvmsg other than ENOBUFS rejects what is in flight with SyscallError', async () => {
    const { sock, raw } = openFake();
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    raw.emit('error', errnoException('ENOMEM', 12, 'recvmsg', 'Error when receiving Netlink message: Cannot allocate memory'));
    await a.done;
    expect(a.error).to.be.instanceOf(SyscallError);
    expect(a.error).to.include({ code: 'ENOMEM', syscall: 'recvmsg' });
    await stillWorks(sock, raw);
    sock.close();
  });

  it('a truncated datagram rejects what is in flight with DecodeError', async () => {
    const { sock, raw } = openFake();
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    raw.emit('truncatedMessage', Buffer.alloc(4096), { port: 0, groups: 0 });
    await a.done;
    expect(a.error).to.be.instanceOf(DecodeError);
    await stillWorks(sock, raw);
    sock.close();
  });

  it('a malformed datagram rejects what is in flight with DecodeError instead of throwing', async () => {
    const { sock, raw } = openFake();
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    const bad = Buffer.from(ack(raw.last));
    bad.writeUInt32LE(400, 0); // nlmsg_len beyond the datagram
    expect(() => raw.deliver(bad)).to.not.throw();
    await a.done;
    expect(a.error).to.be.instanceOf(DecodeError);
    await stillWorks(sock, raw);
    sock.close();
  });

  it('a notification (seq 0) goes to onNotification and matches no request', async () => {
    const { sock, raw } = openFake();
    const onNotification = sinon.spy();
    sock.onNotification = onNotification;
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    raw.deliver(linkMessage(0, 5, 'new0'));
    await tick();
    expect(onNotification.calledOnce).to.equal(true);
    expect((onNotification.firstCall.args[0] as Buffer).equals(linkMessage(0, 5, 'new0'))).to.equal(true);
    expect(a.settled).to.equal(false);
    expect(sock.stats.unmatched).to.equal(0);
    raw.deliver(ack(raw.last));
    await a.done;
    expect(a.error).to.equal(undefined);
    sock.close();
  });
});
