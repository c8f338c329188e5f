// Many requests in flight on one socket: every promise settles with its own
// reply (or its own error), and a dump can run among them.
import { expect } from 'chai';
import { NetlinkError, type Link, type Rtnl } from '../../src/index.js';
import { sharedManager } from '../support/netns.js';

describe('many requests in flight on one socket', () => {
  const shared = sharedManager();
  let rtnl: Rtnl;
  let links: Link[];

  // The links are only read by the tests, so they are made once.
  before(async () => {
    rtnl = shared().rtnl(shared().create());
    // 40 pairs, made concurrently too.
    await Promise.all(Array.from({ length: 40 }, (_, i) => rtnl.link.add({ name: `cc${i}a`, kind: 'veth', mtu: 1280 + i, peer: { name: `cc${i}b` } })));
    links = await rtnl.link.list();
    expect(links).to.have.length(81);
  });

  it('1,000 gets by name and by index each resolve with their own link', async () => {
    const refs = Array.from({ length: 1000 }, (_, i) => {
      const l = links[(i * 7) % links.length]!;
      return i % 2 ? l.name : l.index;
    });
    const pending = refs.map((ref) => rtnl.link.get(ref));
    expect(rtnl.socket.pending).to.be.at.least(1000); // really all at once
    const got = await Promise.all(pending);

    got.forEach((l, i) => {
      const want = links.find((x) => x.name === refs[i] || x.index === refs[i])!;
      expect([l.index, l.name, l.mtu], `request ${i} (${refs[i]})`).to.deep.equal([want.index, want.name, want.mtu]);
    });
  });

  it('errors go to their own requests only', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? `missing${i}` : links[i % links.length]!.name));
    const settled = await Promise.allSettled(names.map((n) => rtnl.link.get(n)));

    settled.forEach((s, i) => {
      if (names[i]!.startsWith('missing')) {
        expect(s.status, names[i]).to.equal('rejected');
        const err = (s as PromiseRejectedResult).reason as NetlinkError;
        expect(err).to.be.instanceOf(NetlinkError);
        expect([err.code, err.request]).to.deep.equal(['ENODEV', `RTM_GETLINK ${names[i]}`]);
      } else {
        expect(s.status, names[i]).to.equal('fulfilled');
        expect((s as PromiseFulfilledResult<Link>).value.name).to.equal(names[i]);
      }
    });
  });

  it('1,000 address adds, then 1,000 deletes, all in flight at once', async () => {
    const locals = Array.from({ length: 1000 }, (_, i) => `10.77.${i >> 8}.${i & 255}`);
    await Promise.all(locals.map((local) => rtnl.addr.add({ dev: 'cc0a', local: `${local}/32` })));

    const added = await rtnl.addr.list({ dev: 'cc0a', family: 4 });
    expect(added.map((a) => a.local).sort()).to.deep.equal([...locals].sort());

    await Promise.all(locals.map((local) => rtnl.addr.del({ dev: 'cc0a', local: `${local}/32` })));
    expect(await rtnl.addr.list({ dev: 'cc0a', family: 4 })).to.deep.equal([]);
  });

  it('a dump runs while requests are in flight, and both finish with the right answers', async () => {
    const gets = links.flatMap((l) => Array.from({ length: 6 }, () => rtnl.link.get(l.name)));
    const listed = rtnl.link.list();
    const more = links.map((l) => rtnl.link.get(l.index));

    const [dump, a, b] = await Promise.all([listed, Promise.all(gets), Promise.all(more)]);
    expect(dump.map((l) => l.name).sort()).to.deep.equal(links.map((l) => l.name).sort());
    expect(a.map((l) => l.name)).to.deep.equal(links.flatMap((l) => Array.from({ length: 6 }, () => l.name)));
    expect(b.map((l) => l.index)).to.deep.equal(links.map((l) => l.index));
  });
});
