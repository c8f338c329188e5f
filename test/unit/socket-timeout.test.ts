// timeoutMs: a request the kernel never answers fails with TimeoutError
// instead of hanging, and frees its place in the window.
import { expect } from 'chai';
import sinon from 'sinon';
import { TimeoutError } from '../../src/netlink/core/errors.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLinkDump, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, collect, done, linkMessage, openFake, tick, track } from '../support/fake-socket.js';
import { seqOf } from '../support/golden.js';

describe('socket: request timeout', () => {
  let clock: sinon.SinonFakeTimers;
  // Only timers are faked: setImmediate and microtasks (the socket's flush, the fake's callbacks) run for real.
  beforeEach(() => { clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); });
  afterEach(() => { clock.restore(); });

  it('rejects with TimeoutError (ERR_NETLINK_TIMEOUT) when no reply comes within timeoutMs', async () => {
    const { sock, raw } = openFake({ timeoutMs: 500 });
    const p = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 })));
    await tick();
    clock.tick(499);
    await tick();
    expect(p.settled).to.equal(false);
    clock.tick(1);
    await p.done;
    expect(p.error).to.be.instanceOf(TimeoutError);
    expect((p.error as TimeoutError).code).to.equal('ERR_NETLINK_TIMEOUT');
    expect((p.error as TimeoutError).message).to.equal('RTM_NEWLINK set index 3: no reply from the kernel within 500 ms; the outcome is unknown');

    raw.deliver(ack(raw.last)); // the late ACK belongs to no one now
    expect(sock.stats.unmatched).to.equal(1);
    sock.close();
  });

  it('a reply in time cancels the timer', async () => {
    const { sock, raw } = openFake({ timeoutMs: 500 });
    const p = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 })));
    await tick();
    raw.deliver(ack(raw.last));
    await p.done;
    expect(p.error).to.equal(undefined);
    expect(clock.countTimers()).to.equal(0);
    sock.close();
  });

  it('a timed-out request frees its slot: the queued one is sent', async () => {
    const { sock, raw } = openFake({ timeoutMs: 500, maxInFlight: 1 });
    const first = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const second = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    await tick();
    expect(raw.sent).to.have.length(1);
    clock.tick(500);
    await first.done;
    await tick();
    expect(first.error).to.be.instanceOf(TimeoutError);
    expect(raw.sent).to.have.length(2);
    raw.deliver(ack(raw.last));
    await second.done;
    expect(second.error).to.equal(undefined);
    sock.close();
  });

  it('dumps are not timed: they may legitimately stream for long', async () => {
    const { sock, raw } = openFake({ timeoutMs: 500 });
    const d = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    clock.tick(5000);
    await tick();
    expect(d.settled).to.equal(false);
    const seq = seqOf(raw.last);
    raw.deliver(linkMessage(seq, 1, 'lo', 2), done(seq));
    await d.done;
    expect(d.error).to.equal(undefined);
    expect(d.value).to.have.length(1);
    sock.close();
  });
});
