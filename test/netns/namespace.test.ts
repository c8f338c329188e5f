// A Namespace handle: its identity, a path other tools can enter, and the
// three ways to work inside it (a client, a switched function, a child
// process). Named namespaces, process-bound or persistent, are what `ip
// netns` sees and uses.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { currentNetnsId, Namespace, NetnestError, ValidationError } from '../../src/index.js';
import { ipJson } from '../support/ip.js';
import { linkNames, managerFixture, netnsNames, ownNetnsNames, uniqueName } from '../support/netns.js';

describe('a Namespace handle', () => {
  const f = managerFixture();
  const names = f.names;
  const named = (tag: string): string => {
    const n = uniqueName(tag);
    names.push(n);
    return n;
  };


  it('two handles on the same namespace compare equal, and its id is the one /proc shows', () => {
    const a = Namespace.current();
    const b = Namespace.openPath(`/proc/${process.pid}/ns/net`);
    const other = f.m.create();
    try {
      expect(a.equals(b)).to.equal(true);
      expect(a.equals(other)).to.equal(false);
      expect(a.id).to.match(/^net:\[\d+\]$/).and.equal(readlinkSync('/proc/self/ns/net')).and.equal(b.id);
      expect(other.id).not.to.equal(a.id);
    } finally {
      a.close();
      b.close();
    }
  });

  it('the path of an anonymous namespace works with nsenter --net', async () => {
    const ns = f.m.create();
    await f.m.rtnl(ns).link.add({ name: 'path0', kind: 'bridge' });
    expect(ns.path).to.equal(`/proc/${process.pid}/fd/${ns.fd}`);
    const out = execFileSync('nsenter', [`--net=${ns.path}`, 'ip', '-j', 'link', 'show'], { encoding: 'utf8' });
    expect((JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname)).to.deep.equal(['lo', 'path0']);
  });

  it('run() switches in for a synchronous function and always back, even when it throws', () => {
    const home = currentNetnsId();
    const ns = f.m.create();
    expect(ns.run(() => currentNetnsId())).to.equal(ns.id);
    expect(currentNetnsId()).to.equal(home);

    expect(() => ns.run(() => {
      throw new Error('boom inside');
    })).to.throw('boom inside');
    expect(currentNetnsId()).to.equal(home);
  });

  it('run() refuses an async function and leaves the caller where it was', () => {
    const home = currentNetnsId();
    const ns = f.m.create();
    let err: unknown;
    try {
      ns.run(async () => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(NetnestError).with.property('code', 'ERR_ASYNC_IN_NETNS');
    expect(currentNetnsId()).to.equal(home);
  });

  it('spawn() starts a child process inside the namespace', async () => {
    const ns = f.m.create();
    const child = ns.spawn('readlink', ['/proc/self/ns/net'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).to.equal(0);
    expect(out.trim()).to.equal(ns.id);
  });

  it('rtnl() is bound to the namespace: what it creates is there and nowhere else', async () => {
    const ns = f.m.create();
    const r = ns.rtnl();
    try {
      await r.link.add({ name: 'bound0', kind: 'bridge' });
      expect((await r.link.list()).map((l) => l.name)).to.deep.equal(['lo', 'bound0']);
      expect(linkNames()).not.to.include('bound0');
      expect(ipJson<{ ifname: string }[]>(['link', 'show'], ns.fd).map((l) => l.ifname)).to.deep.equal(['lo', 'bound0']);
    } finally {
      r.close();
    }
  });

  it('a closed handle refuses to be used', () => {
    const ns = f.m.create();
    ns.close();
    expect(() => ns.rtnl()).to.throw(NetnestError).with.property('code', 'ERR_NAMESPACE_CLOSED');
    expect(() => ns.run(() => 1)).to.throw(NetnestError).with.property('code', 'ERR_NAMESPACE_CLOSED');
  });

  it('a process-bound named namespace is listed by ip netns and entered by ip netns exec while we live', async () => {
    const name = named('pb');
    const ns = f.m.create({ name });
    await f.m.rtnl(ns).link.add({ name: 'pb0', kind: 'bridge' });

    expect(ns.kind).to.equal('process-bound');
    expect(ns.path).to.equal(`/run/netns/${name}`);
    expect(readlinkSync(ns.path)).to.equal(`/proc/${process.pid}/fd/${ns.fd}`);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).to.match(new RegExp(`^${name}\\b`, 'm'));
    expect(execFileSync('ip', ['netns', 'exec', name, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim()).to.equal(ns.id);
    const links = JSON.parse(execFileSync('ip', ['-n', name, '-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
    expect(links.map((l) => l.ifname)).to.deep.equal(['lo', 'pb0']);

    await f.m.cleanup();
    expect(netnsNames()).not.to.include(name);
  });

  it('a name ip netns would not accept, or an unknown mode, is refused before anything is made', () => {
    const before = ownNetnsNames();
    for (const name of ['', '.', '..', 'a/b', 'with space', '-dash-first']) {
      expect(() => f.m.create({ name }), JSON.stringify(name)).to.throw(ValidationError);
    }
    expect(() => f.m.create({ name: uniqueName('mode'), mode: 'sticky' as never })).to.throw(ValidationError);
    expect(f.m.namespaces).to.deep.equal([]);
    expect(ownNetnsNames()).to.deep.equal(before);
  });

  it('a persistent named namespace is made exactly as ip netns add makes it', () => {
    const name = named('pers');
    const ns = f.m.create({ name, mode: 'persistent' });
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');

    // A bind mount of the namespace on /run/netns/NAME, and /run/netns a shared mount, as ip netns add leaves them.
    const bind = mounts.find((l) => l.split(' ')[4] === `/run/netns/${name}`);
    expect(bind, 'mount of the name').to.be.a('string');
    expect(bind!.split(' - ')[1]!.split(' ')[0]).to.equal('nsfs');
    // The topmost mount on /run/netns (a run without root mounts its own over the machine's).
    const dir = [...mounts].reverse().find((l) => l.split(' ')[4] === '/run/netns');
    expect(dir, 'mount of /run/netns').to.match(/ shared:\d+/);
    expect(lstatSync(ns.path).isSymbolicLink()).to.equal(false);
    expect(execFileSync('ip', ['netns', 'exec', name, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim()).to.equal(ns.id);
  });

  it('a persistent named namespace can be removed by ip netns del, and cleanup then has nothing left to do for it', async () => {
    const name = named('del');
    f.m.create({ name, mode: 'persistent' });
    execFileSync('ip', ['netns', 'del', name]);
    expect(netnsNames()).not.to.include(name);

    const report = await f.m.cleanup();
    expect(report.failed).to.deep.equal([]);
    expect(netnsNames()).not.to.include(name);
  });
});
