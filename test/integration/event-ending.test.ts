// Ending an event subscription: breaking out of the for-await loop or
// aborting its signal ends the iteration and closes the event socket. The
// proof that the socket is closed is that a process holding nothing else
// exits on its own; a socket left open would keep it alive (the child is
// then killed after 10 s and the test fails).
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import type { Namespace, Rtnl, RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { runModule, type ModuleRun } from '../support/child.js';
import { ip, ipBatch } from '../support/ip.js';

const library = new URL('../../src/index.js', import.meta.url).href;

/** Runs an ES module in a node child in a namespace of its own (unshare -n); its exit and output. */
function runChild(code: string): Promise<ModuleRun> {
  const prelude = `import { Rtnl } from ${JSON.stringify(library)};\nimport { execFileSync } from 'node:child_process';\n`;
  return runModule(prelude + code, { unshare: true });
}

/** `p`, or a failure after `ms` instead of a hang. */
async function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const done = { value: undefined, done: true };

describe('events: ending the iteration', () => {
  const subscriptions: AsyncIterableIterator<RtnlEvent>[] = [];

  // Before useNamespaces(): afterEach hooks run in the order they are declared,
  // so the subscriptions end before the manager closes the client.
  afterEach(async () => {
    // A test that failed half-way must not leave a socket keeping mocha alive.
    for (const it of subscriptions.splice(0)) await it.return?.();
  });

  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  const subscribe = (opts: Parameters<Rtnl['events']>[0]): AsyncIterableIterator<RtnlEvent> => {
    const it = rtnl.events(opts);
    subscriptions.push(it);
    return it;
  };

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('break ends the loop; the iterator is done afterwards', async () => {
    const it = subscribe({ groups: ['route'] });
    ip(['route', 'add', 'blackhole', '10.1.0.0/16'], ns);
    let got: string | undefined;
    for await (const e of it) {
      if (e.kind === 'route') got = e.route.dst;
      break;
    }
    expect(got).to.equal('10.1.0.0/16');
    // Later changes are not delivered: the subscription is gone.
    ip(['route', 'add', 'blackhole', '10.2.0.0/16'], ns);
    expect(await within(it.next(), 'next() after break')).to.deep.equal(done);
  });

  it('aborting the signal ends a loop that is waiting for events, without an error', async () => {
    const ac = new AbortController();
    const it = subscribe({ groups: ['route'], signal: ac.signal });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const e of it) {
        if (e.kind === 'route') seen.push(e.route.dst);
        setImmediate(() => ac.abort()); // once the loop waits again
      }
    })();
    ip(['route', 'add', 'blackhole', '10.1.0.0/16'], ns);
    await within(loop, 'the loop to end after abort');
    expect(seen).to.deep.equal(['10.1.0.0/16']);
    expect(await within(it.next(), 'next() after abort')).to.deep.equal(done);
  });

  it('an already aborted signal gives an iteration that ends at once', async () => {
    const it = subscribe({ groups: ['route'], signal: AbortSignal.abort() });
    ip(['route', 'add', 'blackhole', '10.1.0.0/16'], ns);
    expect(await within(it.next(), 'next() with an aborted signal')).to.deep.equal(done);
  });

  it('next() calls made without waiting are served in order', async () => {
    // As with async generators: each pending next() gets its own event.
    const it = subscribe({ groups: ['route'] });
    const first = it.next();
    const second = it.next();
    ipBatch(['route add blackhole 10.1.0.0/16', 'route add blackhole 10.2.0.0/16'], ns);
    const got = await within(Promise.all([first, second]), 'two pending next() calls to settle', 2000);
    expect(got.map((r) => (r.value?.kind === 'route' ? r.value.route.dst : r))).to.deep.equal(['10.1.0.0/16', '10.2.0.0/16']);
  });

  it('every pending next() settles when the signal aborts', async () => {
    const ac = new AbortController();
    const it = subscribe({ groups: ['route'], signal: ac.signal });
    const pending = [it.next(), it.next()];
    ac.abort();
    expect(await within(Promise.all(pending), 'both pending next() calls to settle', 2000)).to.deep.equal([done, done]);
  });

  it('an ended subscription leaves nothing on its signal: one signal can serve many', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) await subscribe({ groups: ['route'], signal: stop.signal }).return!();
    expect(getEventListeners(stop.signal, 'abort')).to.have.length(0);
    const it = subscribe({ groups: ['route'], signal: stop.signal });
    stop.abort();
    expect(await within(it.next(), 'the end after abort')).to.deep.equal(done);
  });

  describe('in a child process', () => {
    // Three independent children (each in a namespace of its own), started together; each test reads its own.
    let afterBreak: Promise<ModuleRun>;
    let afterAbort: Promise<ModuleRun>;
    let waiting: Promise<ModuleRun>;
    before(() => {
      afterBreak = runChild(`
        const rtnl = Rtnl.open();
        const events = rtnl.events({ groups: ['route'] });
        execFileSync('ip', ['route', 'add', 'blackhole', '10.1.0.0/16']);
        for await (const e of events) {
          console.log(e.kind, e.route.dst);
          break;
        }
        rtnl.close();
      `);
      afterAbort = runChild(`
        const rtnl = Rtnl.open();
        const ac = new AbortController();
        const events = rtnl.events({ groups: ['route'], signal: ac.signal });
        execFileSync('ip', ['route', 'add', 'blackhole', '10.1.0.0/16']);
        for await (const e of events) {
          console.log(e.kind, e.route.dst);
          setImmediate(() => ac.abort());
        }
        console.log('loop ended');
        rtnl.close();
      `);
      // The counterpart of the two above: the only thing left is an
      // unref'd timer, yet the child stays to receive the event it causes.
      waiting = runChild(`
        const rtnl = Rtnl.open();
        const events = rtnl.events({ groups: ['route'] });
        setTimeout(() => execFileSync('ip', ['route', 'add', 'blackhole', '10.1.0.0/16']), 50).unref();
        for await (const e of events) {
          console.log(e.kind, e.route.dst);
          break;
        }
        rtnl.close();
      `);
    });

    it('after break, a process with nothing else to do exits on its own', async () => {
      const r = await afterBreak;
      expect({ status: r.status, signal: r.signal }, `child: ${r.stderr}`).to.deep.equal({ status: 0, signal: null });
      expect(r.stdout).to.equal('route 10.1.0.0/16');
    });

    it('after abort, a process with nothing else to do exits on its own', async () => {
      const r = await afterAbort;
      expect({ status: r.status, signal: r.signal }, `child: ${r.stderr}`).to.deep.equal({ status: 0, signal: null });
      expect(r.stdout.split('\n')).to.deep.equal(['route 10.1.0.0/16', 'loop ended']);
    });

    it('until then, the waiting loop keeps the process alive', async () => {
      const r = await waiting;
      expect({ status: r.status, signal: r.signal }, `child: ${r.stderr}`).to.deep.equal({ status: 0, signal: null });
      expect(r.stdout).to.equal('route 10.1.0.0/16');
    });
  });
});
