// Namespace ids against the real kernel: nsid.set() gives another namespace
// an id here (by an fd of it or a process in it), `ip netns list-id` shows
// it, the kernel announces it and its end as nsid events, and a manager turns
// a veth's link_netnsid back into the Namespace it made.
import { expect } from 'chai';
import { readlinkSync } from 'node:fs';
import { NetlinkError, type Namespace, type Rtnl, type RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipJson } from '../support/ip.js';

/** The next nsid event; the bound only turns a missing event into a failure. */
async function nextNsid(it: AsyncIterator<RtnlEvent>, ms = 5000): Promise<RtnlEvent> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no nsid event within ${ms} ms`)), ms); });
  try {
    for (;;) {
      const n = await Promise.race([it.next(), deadline]);
      if (n.done) throw new Error('the subscription ended');
      if (n.value.kind === 'nsid') return n.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

describe('nsid: ids of other namespaces', () => {
  const nn = useNamespaces();
  let a: Namespace;
  let b: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    a = nn().create();
    b = nn().create();
    rtnl = nn().rtnl(a);
  });

  const listed = (): { nsid: number }[] => ipJson<{ nsid: number }[]>(['netns', 'list-id'], a);

  it('nsid.set({ fd, nsid }) gives the namespace that id here; ip netns list-id and nsid.get() read it', async () => {
    expect(await rtnl.nsid.get(b.fd)).to.equal(undefined);
    expect(await rtnl.nsid.set({ fd: b.fd, nsid: 42 })).to.equal(42);
    expect(listed()).to.deep.equal([{ nsid: 42 }]);
    expect(await rtnl.nsid.get(b.fd)).to.equal(42);
  });

  it('without an id the kernel picks the lowest free one, and set() returns it', async () => {
    const c = nn().create();
    await rtnl.nsid.set({ fd: b.fd, nsid: 0 });
    expect(await rtnl.nsid.set({ fd: c.fd })).to.equal(1);
    expect(listed().map((l) => l.nsid).sort()).to.deep.equal([0, 1]);
    expect(await rtnl.nsid.get(c.fd)).to.equal(1);
  });

  it('nsid.set({ pid }) names the namespace a process is in', async () => {
    const child = b.spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      expect(await rtnl.nsid.set({ pid: child.pid!, nsid: 9 })).to.equal(9);
      expect(await rtnl.nsid.get(b.fd)).to.equal(9);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a second id for a namespace, or an id taken, is EEXIST naming the field', async () => {
    const c = nn().create();
    await rtnl.nsid.set({ fd: b.fd, nsid: 5 });
    const again = await rtnl.nsid.set({ fd: b.fd, nsid: 6 }).then(() => undefined, (e: unknown) => e);
    expect(again).to.be.instanceOf(NetlinkError);
    expect(again).to.include({ errnoName: 'EEXIST', extackMessage: 'Peer netns already has a nsid assigned', field: 'fd' });
    const taken = await rtnl.nsid.set({ fd: c.fd, nsid: 5 }).then(() => undefined, (e: unknown) => e);
    expect(taken).to.include({ errnoName: 'EEXIST', extackMessage: 'The specified nsid is already used', field: 'nsid' });
    expect(listed()).to.deep.equal([{ nsid: 5 }]);
  });

  it("'nsid' events: new when a namespace gets an id here, del when that namespace dies", async () => {
    const events = rtnl.events({ groups: ['nsid'] });
    // A namespace held only by a process of its own: it dies with the process.
    const child = a.spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
    try {
      const here = readlinkSync(`/proc/${process.pid}/fd/${a.fd}`);
      for (let i = 0; i < 200 && readlinkSync(`/proc/${child.pid}/ns/net`) === here; i++) await new Promise((r) => setTimeout(r, 5));
      const id = await rtnl.nsid.set({ pid: child.pid! });
      expect(await nextNsid(events)).to.deep.equal({ kind: 'nsid', action: 'new', nsid: id });
      child.kill('SIGKILL');
      expect(await nextNsid(events)).to.deep.equal({ kind: 'nsid', action: 'del', nsid: id });
    } finally {
      child.kill('SIGKILL');
      await events.return!();
    }
  });

  it("the manager turns a veth's link_netnsid into the Namespace of its peer; a plain client keeps the number", async () => {
    await rtnl.link.add({ name: 'va', kind: 'veth', peer: { name: 'vb', netns: b.fd } });
    const va = await rtnl.link.get('va');
    expect(va.link_netnsid).to.equal(await rtnl.nsid.get(b.fd));
    expect(await nn().linkNamespace(rtnl, va)).to.equal(b);
    expect(await nn().nsidNamespace(a, va.link_netnsid!)).to.equal(b);
    // From b's side the peer is in a; a link in its own namespace names that one.
    const vb = await nn().rtnl(b).link.get('vb');
    expect(await nn().linkNamespace(b, vb)).to.equal(a);
    await rtnl.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    expect(await nn().linkNamespace(rtnl, await rtnl.link.get('v0'))).to.equal(a);
    expect(await nn().linkNamespace(rtnl, await rtnl.link.get('lo'))).to.equal(undefined);
    // An id of a namespace the manager does not know answers undefined.
    expect(await nn().nsidNamespace(a, 4000)).to.equal(undefined);
  });
});
