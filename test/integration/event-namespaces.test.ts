// rtnl.events() reports the client's own namespace only: a change in
// another namespace (made by a child `ip` there) never shows up, while the
// same change in the client's namespace does. The marker change at the end
// proves the subscription was live when the foreign change happened.
import { expect } from 'chai';
import type { Namespace, Rtnl, RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch } from '../support/ip.js';

/** Events up to and including the first that `match` accepts; the bound only turns a hang into a failure. */
async function readUntil(it: AsyncIterator<RtnlEvent>, match: (e: RtnlEvent) => boolean, ms = 5000): Promise<RtnlEvent[]> {
  const seen: RtnlEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms; saw ${seen.length} others`)), ms);
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), deadline]);
      if (r.done) throw new Error('the iteration ended before a matching event');
      seen.push(r.value);
      if (match(r.value)) return seen;
    }
  } finally {
    clearTimeout(timer);
  }
}

const routeDsts = (events: RtnlEvent[]): string[] => events.flatMap((e) => (e.kind === 'route' ? [`${e.action} ${e.route.dst}`] : []));
const linkNames = (events: RtnlEvent[]): string[] => events.flatMap((e) => (e.kind === 'link' ? [`${e.action} ${e.link.name}`] : []));

describe('events: only from the client namespace', () => {
  const open: AsyncIterableIterator<RtnlEvent>[] = [];

  // Before useNamespaces(): afterEach hooks run in the order they are declared,
  // so the subscriptions end before the manager closes the clients.
  afterEach(async () => {
    for (const it of open.splice(0)) await it.return?.();
  });

  const nn = useNamespaces();
  let a: Namespace;
  let b: Namespace;
  let ra: Rtnl;
  let rb: Rtnl;

  beforeEach(() => {
    a = nn().create();
    b = nn().create();
    ra = nn().rtnl(a);
    rb = nn().rtnl(b);
  });

  it('a change in another namespace is not seen; the same change here is', async () => {
    const it = ra.events({ groups: ['route', 'link'] });
    open.push(it);
    ipBatch(['link add e0 type ifb', 'route add blackhole 192.168.1.0/24', 'route add blackhole 192.168.2.0/24'], b);
    ipBatch(['link add e1 type ifb', 'route add blackhole 192.168.2.0/24'], a);

    const seen = await readUntil(it, (e) => e.kind === 'route' && e.route.dst === '192.168.2.0/24');
    expect(routeDsts(seen)).to.deep.equal(['new 192.168.2.0/24']);
    expect(linkNames(seen)).to.deep.equal(['new e1']);
  });

  it('two subscriptions in two namespaces each see their own changes', async () => {
    const inA = ra.events({ groups: ['route'] });
    const inB = rb.events({ groups: ['route'] });
    open.push(inA, inB);
    ip(['route', 'add', 'blackhole', '10.1.0.0/16'], a);
    ip(['route', 'add', 'blackhole', '10.2.0.0/16'], b);
    ip(['route', 'add', 'blackhole', '10.9.0.0/16'], a);
    ip(['route', 'add', 'blackhole', '10.9.0.0/16'], b);

    const isMarker = (e: RtnlEvent): boolean => e.kind === 'route' && e.route.dst === '10.9.0.0/16';
    expect(routeDsts(await readUntil(inA, isMarker))).to.deep.equal(['new 10.1.0.0/16', 'new 10.9.0.0/16']);
    expect(routeDsts(await readUntil(inB, isMarker))).to.deep.equal(['new 10.2.0.0/16', 'new 10.9.0.0/16']);
  });
});
