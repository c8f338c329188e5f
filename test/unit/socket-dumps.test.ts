// Dumps stream: messages are handed out as their datagrams arrive, the dump
// ends at NLMSG_DONE, one dump runs at a time (the kernel allows one per
// socket), and a consumer may stop early.
import { expect } from 'chai';
import { NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST } from '../../src/netlink/core/constants.js';
import { NetlinkError, NetnestError } from '../../src/netlink/core/errors.js';
import { NetlinkSocket } from '../../src/netlink/core/socket.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { decodeLink, encodeLinkDump, encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { ack, collect, done, errorReply, FakeRawSocket, linkMessage, message, openFake, tick, track } from '../support/fake-socket.js';import { flagsOf, seqOf } from '../support/golden.js';

const names = (msgs: Buffer[]): string[] => msgs.map((m) => decodeLink(m).name);
const link = (seq: number, index: number, name: string): Buffer => linkMessage(seq, index, name, NLM_F_MULTI);

describe('socket: dumps', () => {
  it('streams a multi-part dump across datagrams, before NLMSG_DONE arrives', async () => {
    const { sock, raw } = openFake();
    const it = sock.dump(encodeLinkDump());
    const first = it.next();
    await tick();
    expect(flagsOf(raw.last) & (NLM_F_REQUEST | NLM_F_DUMP)).to.equal(NLM_F_REQUEST | NLM_F_DUMP);
    const seq = seqOf(raw.last);

    raw.deliver(link(seq, 1, 'lo'), link(seq, 2, 'v0'));
    expect(decodeLink((await first).value as Buffer).name).to.equal('lo'); // not waiting for the end
    raw.deliver(link(seq, 3, 'v1'));
    raw.deliver(done(seq));
    expect(names(await collect(it))).to.deep.equal(['v0', 'v1']);
    expect(sock.pending).to.equal(0);
    sock.close();
  });

  it('is pulled: the next part is read from the kernel only once the consumer has used up the last one', async () => {
    const { sock, raw } = openFake();
    const it = sock.dump(encodeLinkDump());
    const first = it.next();
    await tick();
    const seq = seqOf(raw.last);
    raw.deliver(link(seq, 1, 'lo'), link(seq, 2, 'v0'));
    raw.deliver(link(seq, 3, 'v1'));
    raw.deliver(done(seq));
    const channel = raw.dumpChannels[0]!;
    expect(decodeLink((await first).value as Buffer).name).to.equal('lo');
    expect([channel.reads, channel.inbox.length], 'parts read, parts left with the kernel').to.deep.equal([1, 2]);
    expect(decodeLink((await it.next()).value as Buffer).name).to.equal('v0'); // from the same part
    expect(channel.reads).to.equal(1);
    expect(decodeLink((await it.next()).value as Buffer).name).to.equal('v1');
    expect(channel.reads).to.equal(2);
    expect((await it.next()).done).to.equal(true);
    sock.close();
  });

  it('a dump is sent when iteration starts, not when it is created', async () => {
    const { sock, raw } = openFake();
    const it = sock.dump(encodeLinkDump());
    await tick();
    expect(raw.sent).to.have.length(0);
    const all = track(collect(it));
    await tick();
    expect(raw.sent).to.have.length(1);
    raw.deliver(done(seqOf(raw.last)));
    await all.done;
    expect(all.value).to.deep.equal([]);
    sock.close();
  });

  it('two dumps requested at once are sent one after the other', async () => {
    const { sock, raw } = openFake();
    const a = track(collect(sock.dump(encodeLinkDump())));
    const b = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    expect(raw.sent).to.have.length(1);

    const s1 = seqOf(raw.last);
    raw.deliver(link(s1, 1, 'lo'), done(s1));
    await a.done;
    await tick();
    expect(raw.sent).to.have.length(2);

    const s2 = seqOf(raw.last);
    expect(s2).to.not.equal(s1);
    raw.deliver(link(s2, 2, 'v0'), done(s2));
    await b.done;
    expect(names(a.value!)).to.deep.equal(['lo']);
    expect(names(b.value!)).to.deep.equal(['v0']);
    sock.close();
  });

  it('other requests are not held back while a dump runs', async () => {
    const { sock, raw } = openFake();
    const d = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    const set = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 })));
    await tick();
    expect(raw.sent).to.have.length(2);
    raw.deliver(ack(raw.last));
    await set.done;
    expect(set.error).to.equal(undefined);
    expect(d.settled).to.equal(false);
    raw.deliver(done(seqOf(raw.sent[0]!)));
    await d.done;
    sock.close();
  });

  it('breaking out early drops the rest of the dump; the next dump still works', async () => {
    const { sock, raw } = openFake();
    const got: string[] = [];
    const first = track((async () => {
      for await (const m of sock.dump(encodeLinkDump())) {
        got.push(decodeLink(m).name);
        break;
      }
    })());
    await tick();
    const s1 = seqOf(raw.last);
    raw.deliver(link(s1, 1, 'lo'), link(s1, 2, 'v0'));
    await first.done;
    expect(got).to.deep.equal(['lo']);

    // The kernel is still sending the first dump: the second waits for its end.
    const second = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    expect(raw.sent).to.have.length(1);
    raw.deliver(link(s1, 3, 'v1'));
    await tick();
    expect(raw.sent, 'not before the first dump ends').to.have.length(1);
    raw.deliver(done(s1));
    await tick();
    expect(raw.sent).to.have.length(2);
    const s2 = seqOf(raw.last);
    raw.deliver(link(s2, 1, 'lo'), link(s2, 2, 'v0'), link(s2, 3, 'v1'), done(s2));
    await second.done;
    expect(names(second.value!)).to.deep.equal(['lo', 'v0', 'v1']);
    expect(sock.stats.unmatched).to.equal(0);
    sock.close();
  });

  it('an injected raw socket without a dump channel cannot dump (ERR_SOCKET_FD) but serves requests', async () => {
    const raw = new FakeRawSocket();
    Object.assign(raw, { openDumpChannel: undefined }); // a raw socket of the `netlink` package has none
    const sock = NetlinkSocket.open({ raw });
    const err = await sock.dump(encodeLinkDump()).next().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(NetnestError).and.include({ code: 'ERR_SOCKET_FD' });
    const set = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 3, mtu: 1400 })));
    await tick();
    raw.deliver(ack(raw.last));
    await set.done;
    expect(set.error).to.equal(undefined);
    sock.close();
  });

  it('a dump the kernel refuses (NLMSG_ERROR) fails with its NetlinkError', async () => {
    const { sock, raw } = openFake();
    const d = track(collect(sock.dump(encodeLinkDump())));
    await tick();
    raw.deliver(errorReply(raw.last, 22, { msg: 'Invalid values in header for link dump request' }));
    await d.done;
    expect(d.error).to.be.instanceOf(NetlinkError);
    expect(d.error).to.include({ code: 'EINVAL', extackMessage: 'Invalid values in header for link dump request' });
    sock.close();
  });

  it('a dump that fails midway (NLMSG_DONE carrying an error) ends with that error after the items', async () => {
    const { sock, raw } = openFake();
    const it = sock.dump(encodeLinkDump());
    const got: string[] = [];
    const run = track((async () => { for await (const m of it) got.push(decodeLink(m).name); })());
    await tick();
    const seq = seqOf(raw.last);
    const errDone = Buffer.alloc(4);
    errDone.writeInt32LE(-16); // EBUSY
    raw.deliver(link(seq, 1, 'lo'), message(3, NLM_F_MULTI, seq, errDone));
    await run.done;
    expect(got).to.deep.equal(['lo']);
    expect(run.error).to.be.instanceOf(NetlinkError);
    expect((run.error as NetlinkError).code).to.equal('EBUSY');
    sock.close();
  });
});
