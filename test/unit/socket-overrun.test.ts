// ENOBUFS on receive means the kernel dropped replies we cannot identify:
// every request in flight fails with OverrunError (its outcome is unknown),
// and the socket keeps working for what comes next.
import { expect } from 'chai';
import sinon from 'sinon';
import { OverrunError } from '../../src/netlink/core/errors.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLinkDump, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, collect, openFake, tick, track } from '../support/fake-socket.js';

describe('socket: receive buffer overrun (ENOBUFS)', () => {
  it('rejects every in-flight request with OverrunError; queued and later requests still work', async () => {
    const { sock, raw } = openFake({ maxInFlight: 2 });
    const onOverrun = sinon.spy();
    sock.onOverrun = onOverrun;
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const b = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    const queued = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 })));
    await tick();
    expect(raw.sent).to.have.length(2);

    raw.overrun();
    await Promise.all([a.done, b.done]);
    for (const [p, dev] of [[a, 1], [b, 2]] as const) {
      expect(p.error).to.be.instanceOf(OverrunError);
      expect((p.error as OverrunError).code).to.equal('ERR_NETLINK_OVERRUN');
      expect((p.error as OverrunError).request).to.equal(`RTM_NEWLINK set index ${dev}`);
    }
    expect(sock.stats.overruns).to.equal(1);
    expect(onOverrun.calledOnce).to.equal(true);
    expect(onOverrun.firstCall.args[0]).to.be.instanceOf(OverrunError);

    // The queued request was not lost: it goes out now.
    await tick();
    expect(raw.sent).to.have.length(3);
    raw.deliver(ack(raw.last));
    await queued.done;
    expect(queued.error).to.equal(undefined);

    const later = sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 4, mtu: 1400 }));
    await tick();
    raw.deliver(ack(raw.last));
    expect(await later).to.deep.equal([]);
    sock.close();
  });

  it('a dump in flight fails with OverrunError too', async () => {
    const { sock, raw } = openFake();
    const d = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    raw.overrun();
    await d.done;
    expect(d.error).to.be.instanceOf(OverrunError);
    sock.close();
  });
});
