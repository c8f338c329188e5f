// NLM_F_DUMP_INTR: the objects changed while the kernel listed them. list()
// runs the dump again and never returns an inconsistent list; the streaming
// iterator reports it after the last item, unless told to ignore it.
import { expect } from 'chai';
import { NLM_F_DUMP_INTR, NLM_F_MULTI } from '../../src/netlink/core/constants.js';
import { DumpInterruptedError } from '../../src/netlink/core/errors.js';
import { decodeLink, encodeLinkDump } from '../../src/netlink/rtnl/link/codec.js';
import { collect, done, linkMessage, openFake, type FakeRawSocket } from '../support/fake-socket.js';
import { seqOf } from '../support/golden.js';

const MULTI = NLM_F_MULTI;
const INTR = NLM_F_MULTI | NLM_F_DUMP_INTR;

/** Plays a kernel whose dumps are interrupted the first `interrupted` times. */
function kernel(raw: FakeRawSocket, interrupted: number): { attempts: number } {
  const state = { attempts: 0 };
  raw.onSend = (msgs) => {
    for (const req of msgs) {
      const seq = seqOf(req);
      const n = ++state.attempts;
      if (n <= interrupted) {
        // A link appeared during the walk: the kernel marks the messages after it, and DONE.
        raw.deliver(linkMessage(seq, 1, 'lo', MULTI), linkMessage(seq, 2, `stale${n}`, INTR), done(seq, INTR));
      } else {
        raw.deliver(linkMessage(seq, 1, 'lo', MULTI), linkMessage(seq, 2, 'v0', MULTI), linkMessage(seq, 3, 'v1', MULTI), done(seq));
      }
    }
  };
  return state;
}

describe('socket: interrupted dumps (NLM_F_DUMP_INTR)', () => {
  it('list() runs an interrupted dump again and returns the clean second result', async () => {
    const { sock, raw } = openFake();
    const k = kernel(raw, 1);
    const links = await sock.list(encodeLinkDump(), decodeLink);
    expect(links.map((l) => l.name)).to.deep.equal(['lo', 'v0', 'v1']);
    expect(k.attempts).to.equal(2);
    sock.close();
  });

  it('list() gives up with DumpInterruptedError after dumpRetries + 1 attempts', async () => {
    const { sock, raw } = openFake({ dumpRetries: 2 });
    const k = kernel(raw, Infinity);
    let err: unknown;
    try {
      await sock.list(encodeLinkDump(), decodeLink);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DumpInterruptedError);
    expect(err).to.include({ code: 'ERR_DUMP_INTERRUPTED', attempts: 3, request: 'RTM_GETLINK dump' });
    expect(k.attempts).to.equal(3);
    sock.close();
  });

  it('the iterator hands out every item, then throws DumpInterruptedError', async () => {
    const { sock, raw } = openFake();
    kernel(raw, 1);
    const got: string[] = [];
    let err: unknown;
    try {
      for await (const m of sock.dump(encodeLinkDump())) got.push(decodeLink(m).name);
    } catch (e) {
      err = e;
    }
    expect(got).to.deep.equal(['lo', 'stale1']);
    expect(err).to.be.instanceOf(DumpInterruptedError);
    sock.close();
  });

  it("the iterator with interrupted: 'ignore' returns every item without error", async () => {
    const { sock, raw } = openFake();
    kernel(raw, 1);
    const msgs = await collect(sock.dump(encodeLinkDump(), { interrupted: 'ignore' }));
    expect(msgs.map((m) => decodeLink(m).name)).to.deep.equal(['lo', 'stale1']);
    sock.close();
  });
});
