// Fifty namespaces created and used at the same time from one process: each
// client's socket stays in its own namespace whatever the others do, and one
// cleanup() removes all of it.
import { expect } from 'chai';
import { fstatSync, closeSync } from 'node:fs';
import { diff } from '../../src/index.js';
import { currentSnapshot, managerFixture, ours } from '../support/netns.js';

const N = 50;

describe('fifty namespaces used concurrently', () => {
  const f = managerFixture();

  it('each client stays in its own namespace, and cleanup() removes everything', async () => {
    const before = await currentSnapshot();
    const here = f.m.rtnl();

    // Per namespace: a client, a veth into the current namespace, an address on
    // each end, a route each way. All fifty run at once.
    const built = await Promise.all(Array.from({ length: N }, async (_, i) => {
      const ns = f.m.create();
      const r = f.m.rtnl(ns);
      await r.link.add({ name: `cc${i}`, kind: 'veth', up: true, peer: { name: `cr${i}`, netns: f.m.root.fd, up: true } });
      await Promise.all([
        r.addr.add({ dev: `cc${i}`, local: `10.60.${i}.2/24` }),
        here.addr.add({ dev: `cr${i}`, local: `10.60.${i}.1/24` }),
      ]);
      await Promise.all([
        r.route.add({ dst: '10.61.0.0/16', gateway: `10.60.${i}.1` }),
        here.route.add({ dst: `10.62.${i}.0/24`, gateway: `10.60.${i}.2` }),
      ]);
      return { ns, r };
    }));

    // Every socket is in the namespace its client was made for...
    for (const { ns, r } of built) {
      const fd = r.socket.namespaceFd();
      try {
        expect(fstatSync(fd).ino).to.equal(ns.inode);
      } finally {
        closeSync(fd);
      }
    }
    // ...and sees that namespace only: lo, its own veth end, its own address and route.
    const views = await Promise.all(built.map(async ({ r }) => ({
      links: (await r.link.list()).map((l) => l.name),
      addrs: (await r.addr.list({ family: 4 })).map((a) => a.local),
      routes: (await r.route.list({ family: 4 })).filter((x) => x.dst === '10.61.0.0/16').map((x) => x.gateway),
    })));
    views.forEach((v, i) => {
      expect(v, `namespace ${i}`).to.deep.equal({ links: ['lo', `cc${i}`], addrs: [`10.60.${i}.2`], routes: [`10.60.${i}.1`] });
    });
    // The current namespace sees fifty peers, each in a namespace of its own (distinct nsids).
    const peers = (await here.link.list()).filter((l) => l.name.startsWith('cr'));
    expect(peers).to.have.length(N);
    expect(new Set(peers.map((l) => l.link_netnsid)).size).to.equal(N);

    const report = await f.m.cleanup();
    expect(report.failed).to.deep.equal([]);
    expect(report.lingering).to.deep.equal([]);
    expect(report.namespaces).to.have.length(N);
    expect(report.removed).to.have.length(3 * N); // per namespace: the veth end, its address, its route
    expect(ours(diff(before, await currentSnapshot())).map((c) => c.line)).to.deep.equal([]);
  });
});
