// A real receive-buffer overrun: with a tiny buffer and no window, thousands
// of replies cannot all fit. The kernel drops some and cannot say which, so
// every request in flight must settle, either with its reply or with
// OverrunError; none may hang. (A get whose reply the kernel could not even
// queue is answered with EAGAIN instead: that is the kernel's own verdict.) The scenario runs in a child process so
// that a crash in the native socket layer fails this test, not the whole run.
import { expect } from 'chai';
import { runModule } from '../support/child.js';

const library = new URL('../../src/index.js', import.meta.url).href;

interface Outcome {
  ok: number;
  overrun: number;
  eagain: number;
  other: string[];
  after?: string;
}

/** Fires `count` link.get('lo') at once on a 4 KiB socket in a child, then runs `then`; its exit status and report. */
async function overrun(count: number, then = ''): Promise<{ outcome: Outcome | undefined; status: number | null; signal: string | null; stderr: string }> {
  const code = `
    import { Rtnl, OverrunError, NetlinkError } from ${JSON.stringify(library)};
    // The kernel doubles 4096 (its minimum is about 4.5 KiB): room for a few ~1.5 KiB replies.
    const rtnl = Rtnl.open({ receiveBufferSize: 4096, maxInFlight: 100000 });
    let settled = 0;
    const watchdog = setTimeout(() => { console.error('hung: ' + (${count} - settled) + ' of ${count} never settled'); process.exit(3); }, 5000);
    const results = await Promise.allSettled(Array.from({ length: ${count} }, () => rtnl.link.get('lo').finally(() => settled++)));
    clearTimeout(watchdog);
    const out = { ok: 0, overrun: 0, eagain: 0, other: [] };
    for (const r of results) {
      if (r.status === 'fulfilled') out.ok++;
      else if (r.reason instanceof OverrunError && r.reason.code === 'ERR_NETLINK_OVERRUN') out.overrun++;
      else if (r.reason instanceof NetlinkError && r.reason.code === 'EAGAIN') out.eagain++;
      else out.other.push(String(r.reason));
    }
    ${then}
    rtnl.close();
    console.log(JSON.stringify(out));
  `;
  const r = await runModule(code, { timeoutMs: 15_000 });
  const last = r.stdout.split('\n').pop();
  return { outcome: last ? (JSON.parse(last) as Outcome) : undefined, status: r.status, signal: r.signal, stderr: r.stderr };
}

describe('receive buffer overrun (real ENOBUFS)', () => {
  // One child for both tests: the overrun, then one more request on the same socket.
  let run: ReturnType<typeof overrun>;
  before(() => {
    run = overrun(5000, `out.after = (await rtnl.link.get('lo')).name;`);
  });

  it('settles every request in flight: its reply or OverrunError, and at least one overruns', async () => {
    const r = await run;
    expect({ status: r.status, signal: r.signal }, `child failed: ${r.stderr}`).to.deep.equal({ status: 0, signal: null });
    const o = r.outcome!;
    expect(o.other, 'errors other than OverrunError').to.deep.equal([]);
    expect(o.ok + o.overrun + o.eagain).to.equal(5000);
    expect(o.overrun).to.be.at.least(1);
  });

  it('the socket answers again after an overrun', async () => {
    const r = await run;
    expect({ status: r.status, signal: r.signal }, `child failed: ${r.stderr}`).to.deep.equal({ status: 0, signal: null });
    expect(r.outcome!.overrun).to.be.at.least(1);
    expect(r.outcome!.after).to.equal('lo');
  });
});
