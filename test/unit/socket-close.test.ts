// close(): nothing is left hanging. Every pending request and dump fails with
// SocketClosedError naming it, the raw socket is closed once, and the socket
// refuses new work at once.
import { expect } from 'chai';
import { SocketClosedError } from '../../src/netlink/core/errors.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLinkDump, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { NLM_F_DUMP } from '../../src/netlink/core/constants.js';import { ack, collect, openFake, tick, track } from '../support/fake-socket.js';
import { flagsOf } from '../support/golden.js';

describe('socket: close', () => {
  it('rejects in-flight, queued and dump requests with SocketClosedError and closes the raw socket', async () => {
    const { sock, raw } = openFake({ maxInFlight: 1 });
    const inFlight = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const queued = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    const dump = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    // The first request and the dump (on its own channel) went out; the second request waits.
    expect(raw.sent.map((m) => (flagsOf(m) & NLM_F_DUMP ? 'dump' : 'request'))).to.deep.equal(['request', 'dump']);

    sock.close();
    await Promise.all([inFlight.done, queued.done, dump.done]);
    for (const [p, request] of [[inFlight, 'RTM_NEWLINK set index 1'], [queued, 'RTM_NEWLINK set index 2'], [dump, 'RTM_GETLINK dump']] as const) {
      expect(p.error).to.be.instanceOf(SocketClosedError);
      expect(p.error).to.include({ code: 'ERR_SOCKET_CLOSED', request });
    }
    expect(raw.closeCalls).to.equal(1);
    expect(sock.isClosed).to.equal(true);
    expect(sock.pending).to.equal(0);
  });

  it('is idempotent; later requests and dumps fail at once and send nothing', async () => {
    const { sock, raw } = openFake();
    sock.close();
    sock.close();
    expect(raw.closeCalls).to.equal(1);
    const req = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const dump = track(sock.dump(encodeLinkDump()).next());
    await Promise.all([req.done, dump.done]);
    expect(req.error).to.be.instanceOf(SocketClosedError);
    expect(dump.error).to.be.instanceOf(SocketClosedError);
    await tick();
    expect(raw.sent).to.have.length(0);
  });

  it('a reply arriving after close is ignored', async () => {
    const { sock, raw } = openFake();
    const p = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    await tick();
    const req = raw.last;
    sock.close();
    await p.done;
    raw.deliver(ack(req));
    expect(sock.stats.received).to.equal(0);
    expect(p.error).to.be.instanceOf(SocketClosedError);
  });
});
