// A client is bound to the namespace it was opened in, and the test run
// itself is not in the host's namespace: this guards the sandbox that makes
// every other test harmless.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { Rtnl } from '../../src/index.js';
import { currentNetnsId } from '../../src/netns/syscalls.js';
import { sandbox, useNamespaces } from '../../src/testing/fixtures.js';
import { ipLinks } from '../support/ip.js';

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw e;
  }
}

describe('namespace isolation', () => {
  const nn = useNamespaces();

  it('the test process runs outside the host network namespace', () => {
    const self = statSync('/proc/self/ns/net').ino;
    // init's namespace is the host's; where /proc/1 is off limits (no ptrace
    // access to init), the process that started the run stands in for it.
    // (Without root neither is readable: the run's launcher namespace, the sandbox's host, stands in.)
    const host = inode('/proc/1/ns/net') ?? inode(`/proc/${process.ppid}/ns/net`) ?? sandbox().host.inode;
    expect(host).to.be.a('number');
    expect(self).not.to.equal(host);
    // useNamespaces() runs each test in a world of its own inside the run's sandbox.
    expect(`net:[${self}]`).to.equal(nn().root.id).and.not.equal(sandbox().world.id).and.not.equal(sandbox().host.id);
    // The host's own interfaces are not visible from here.
    const hostOnly = ['eth0', 'ifb0', 'ifb1'];
    expect(ipLinks().map((l) => l.ifname)).not.to.include.any.members(hostOnly);
  });

  it('a test that leaves a veth end, an address, a route and a rule in its root ...', async () => {
    const r = nn().rtnl();
    await r.link.add({ name: 'iso0', kind: 'veth', up: true, peer: { name: 'eth0', netns: nn().create().fd } });
    await r.addr.add({ dev: 'iso0', local: '10.77.0.1/30' });
    await r.route.add({ dst: '10.78.0.0/24', gateway: '10.77.0.2', table: 77 });
    await r.rule.add({ priority: 777, fwmark: 7, table: 77 });
    const own = Rtnl.open(); // a client the manager knows nothing of
    try {
      await own.link.add({ name: 'iso1', kind: 'bridge' });
    } finally {
      own.close();
    }
  });

  it('... leaves nothing the next test can see, and every name is free again', async () => {
    const r = nn().rtnl();
    expect((await r.link.list()).map((l) => l.name)).to.deep.equal(['lo']);
    expect(await r.route.list({ table: 77 })).to.deep.equal([]);
    expect((await r.rule.list()).filter((x) => x.priority === 777)).to.deep.equal([]);
    await r.link.add({ name: 'iso0', kind: 'veth', peer: { name: 'eth0', netns: nn().create().fd } });
    await r.link.add({ name: 'iso1', kind: 'bridge' });
  });

  it('a client opened with { netns } sees only that namespace links', async () => {
    const a = nn().rtnl(nn().create());
    const b = nn().rtnl(nn().create());
    await a.link.add({ name: 'only-in-a', kind: 'bridge' });
    await b.link.add({ name: 'only-in-b', kind: 'ifb' });

    expect((await a.link.list()).map((l) => l.name)).to.deep.equal(['lo', 'only-in-a']);
    expect((await b.link.list()).map((l) => l.name)).to.deep.equal(['lo', 'only-in-b']);
    expect(await a.link.find('only-in-b')).to.equal(undefined);
    const here = Rtnl.open();
    try {
      const names = (await here.link.list()).map((l) => l.name);
      expect(names).not.to.include.any.members(['only-in-a', 'only-in-b']);
    } finally {
      here.close();
    }
  });

  it('opening a client in another namespace leaves the caller where it was', () => {
    const before = currentNetnsId();
    const ns = nn().create();
    const extra = Rtnl.open({ netns: ns.fd });
    extra.close();
    expect(currentNetnsId()).to.equal(before);
  });

  it('a client keeps its namespace alive and bound after the fd is closed', async () => {
    const ns = nn().create();
    const first = nn().rtnl(ns);
    await first.link.add({ name: 'kept0', kind: 'bridge' });
    const client = Rtnl.open({ netns: ns.fd });
    try {
      first.close();
      ns.close(); // the fd and the first client are gone; this client still holds the namespace
      expect((await client.link.list()).map((l) => l.name)).to.deep.equal(['lo', 'kept0']);
    } finally {
      client.close();
    }
  });
});
