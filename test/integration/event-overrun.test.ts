// Lost events are reported, never silent and never a hang: when the kernel
// drops notifications (the event socket's receive buffer is full) or the
// consumer falls more than maxQueue events behind, the iteration yields an
// { kind: 'overrun' } event (the cue to resync with a dump) and goes on.
import { expect } from 'chai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { OverrunError, type Namespace, type Rtnl, type RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch } from '../support/ip.js';

/** Events up to and including the first that `match` accepts; the bound only turns a hang into a failure. */
async function readUntil(it: AsyncIterator<RtnlEvent>, match: (e: RtnlEvent) => boolean, ms = 5000): Promise<RtnlEvent[]> {
  const seen: RtnlEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms after ${seen.length} others`)), ms);
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), deadline]);
      if (r.done) throw new Error(`the iteration ended after ${seen.length} events, before a matching one`);
      seen.push(r.value);
      if (match(r.value)) return seen;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lets the event loop turn `turns` times without reading the iterator: the
 * socket reads up to 32 datagrams per turn into the subscription's queue.
 */
async function letSocketRead(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

const BURST = 2000;
const burst = (): string[] => Array.from({ length: BURST }, (_, i) => `route add blackhole 10.${i >> 8}.${i & 255}.0/24`);
const isRoute = (dst: string) => (e: RtnlEvent): boolean => e.kind === 'route' && e.route.dst === dst;

describe('events: overruns', () => {
  let events: AsyncIterableIterator<RtnlEvent> | undefined;

  // Before useNamespaces(): afterEach hooks run in the order they are declared,
  // so the subscriptions end before the manager closes the client.
  afterEach(async () => {
    await events?.return?.();
    events = undefined;
  });

  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('a full receive buffer gives an overrun event, and events flow again afterwards', async () => {
    // About 8 KiB of buffer: room for a handful of route notifications.
    events = rtnl.events({ groups: ['route'], receiveBufferSize: 4096 });
    // ip -batch runs synchronously: the whole burst happens while this
    // process reads nothing, the slowest possible consumer.
    ipBatch(burst(), ns);

    const before = await readUntil(events, (e) => e.kind === 'overrun');
    const overrun = before.at(-1) as Extract<RtnlEvent, { kind: 'overrun' }>;
    expect(overrun.error).to.be.instanceOf(OverrunError).and.include({ code: 'ERR_NETLINK_OVERRUN' });
    expect(overrun.dropped, 'messages the kernel dropped (its drop counter)').to.be.above(0);
    expect(overrun.error.message).to.equal(`receive buffer overrun: the kernel dropped ${overrun.dropped} message${overrun.dropped === 1 ? '' : 's'}`);
    expect(before.length - 1, 'route events ahead of the overrun').to.be.below(BURST);

    // Read what the kernel did queue, then change something: it arrives.
    await letSocketRead(50);
    ip(['route', 'add', 'blackhole', '192.168.99.0/24'], ns);
    const after = await readUntil(events, isRoute('192.168.99.0/24'));
    const routes = [...before, ...after].filter((e) => e.kind === 'route');
    expect(routes.length, 'route events delivered in all').to.be.below(BURST + 1);
  });

  it('maxQueue bounds what a consumer that is not reading holds: an overrun event and the newest events', async () => {
    events = rtnl.events({ groups: ['route'], maxQueue: 10 });
    ipBatch([...burst(), 'route add blackhole 192.168.99.0/24'], ns);
    // The default 8 MiB buffer holds the whole burst; let the socket move
    // it all into the subscription's queue before reading a single event.
    await letSocketRead(Math.ceil(BURST / 32) * 3);

    const held = await readUntil(events, isRoute('192.168.99.0/24'));
    expect(held[0]?.kind, 'first event read').to.equal('overrun');
    expect(held.length, 'events held, the overrun event included').to.be.at.most(10);
    // What survived is the newest part of the burst, in order, ending with the last change.
    const dsts = held.slice(1).map((e) => (e.kind === 'route' ? e.route.dst : e.kind));
    const all = [...burst().map((l) => l.split(' ')[3]!), '192.168.99.0/24'];
    expect(dsts).to.deep.equal(all.slice(all.length - dsts.length));
    expect(held.filter((e) => e.kind === 'overrun')).to.have.length(1);
    // Only what overflowed was dropped, and the overrun event says how much.
    expect(held[0]).to.include({ dropped: all.length - dsts.length });
  });
});
