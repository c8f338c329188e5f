// An idle socket never keeps the process alive (a forgotten client must not
// hang a test run); while requests are pending it does, so they get answers.
import { expect } from 'chai';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLinkDump, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, collect, done, openFake, tick, track } from '../support/fake-socket.js';
import { seqOf } from '../support/golden.js';

describe('socket: keeping the process alive', () => {
  it('unrefs at once when opened', () => {
    const { sock, raw } = openFake();
    expect(raw.referenced).to.equal(false);
    sock.close();
  });

  it('refs while a request is pending and unrefs when it is answered', async () => {
    const { sock, raw } = openFake();
    const p = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    expect(raw.referenced).to.equal(true);
    await tick();
    raw.deliver(ack(raw.last));
    await p.done;
    expect(raw.referenced).to.equal(false);
    expect(raw.refLog).to.deep.equal(['unref', 'ref', 'unref']); // no churn per message
    sock.close();
  });

  it('stays referenced until the last of several requests, queued ones included', async () => {
    const { sock, raw } = openFake({ maxInFlight: 1 });
    const a = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
    const b = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 2, mtu: 1400 })));
    await tick();
    raw.deliver(ack(raw.last));
    await a.done;
    expect(raw.referenced, 'b is still queued').to.equal(true);
    await tick();
    raw.deliver(ack(raw.last));
    await b.done;
    expect(raw.referenced).to.equal(false);
    sock.close();
  });

  it('refs for a running dump', async () => {
    const { sock, raw } = openFake();
    const d = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    expect(raw.referenced).to.equal(true);
    raw.deliver(done(seqOf(raw.last)));
    await d.done;
    expect(raw.referenced).to.equal(false);
    sock.close();
  });

  it('hold(true) keeps an idle socket referenced (event listeners), hold(false) releases it', () => {
    const { sock, raw } = openFake();
    sock.hold(true);
    expect(raw.referenced).to.equal(true);
    sock.hold(false);
    expect(raw.referenced).to.equal(false);
    sock.close();
  });
});
