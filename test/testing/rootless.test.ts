// Rootless: an unprivileged user (nobody) runs `mocha --require netnest/mocha`
// on a suite that builds namespaces, a veth pair, a bridge, routes, rules and a
// small topology. The plugin re-runs mocha inside a user namespace of that
// user's own; the suite passes, its exit status comes back unchanged, and the
// real host — checked here, as root, with ip -j — is as it was. Where user
// namespaces are disabled (a limit of 0, set inside a throwaway user namespace
// of root's) the run fails with one message naming the setting.
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox } from '../../src/testing/fixtures.js';
import { diffState, hostState } from '../support/host-state.js';
import { NOBODY, NobodyPlace, needRootAndUtilLinux, PACKAGE, run, type Run } from '../support/rootless.js';
import { skipBecause } from '../support/skip.js';

// A test file of a project that depends on netnest (node_modules/netnest is this package).
const SPEC = `
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { useNamespaces, useTopology } from 'netnest/testing';
import { runtimeDirs } from 'netnest';
const ip = (...args) => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }) || '[]');

describe('rootless', () => {
  it('runs as the mapped root of a user namespace of its own', () => {
    assert.deepEqual(readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\\s+/), ['0', '${NOBODY}', '1']);
    assert.equal(runtimeDirs().mode, 'rootless');
    // Names in the run's own /run/netns (a tmpfs of its mount namespace); journals in the user's runtime directory.
    assert.equal(runtimeDirs().netns, '/run/netns');
    assert.equal(runtimeDirs().journals, process.env.XDG_RUNTIME_DIR + '/netnest/journal');
  });

  describe('useNamespaces()', () => {
    const nn = useNamespaces();
    it('builds namespaces, a veth pair, a bridge, routes and rules', async () => {
      const red = nn().create({ name: 'red' });
      const blue = nn().create({ name: 'blue', mode: 'persistent' });
      const r = nn().rtnl(red);
      await r.link.add({ name: 'br0', kind: 'bridge', up: true });
      await r.link.add({ name: 'v0', kind: 'veth', up: true, peer: { name: 'v1', netns: blue.fd, up: true } });
      await r.link.set('v0', { master: 'br0' });
      await r.addr.add({ dev: 'br0', local: '10.50.0.1/24' });
      await nn().rtnl(blue).addr.add({ dev: 'v1', local: '10.50.0.2/24' });
      await r.route.add({ dst: '10.51.0.0/24', gateway: '10.50.0.2' });
      await r.rule.add({ priority: 500, fwmark: 5, table: 50 });
      // Only uid 0 (nobody, outside) exists here: a rule for it can be made, one for other uids is refused first.
      await r.rule.add({ priority: 501, uidrange: [0, 0], table: 50 });
      await assert.rejects(r.rule.add({ priority: 502, uidrange: [1000, 1999], table: 50 }), /uid 1000 of 1000-1999 is not mapped in this process's user namespace .mapped: 0./);
      // iproute2 sees the names too (the run's /run/netns is the user's directory).
      assert.deepEqual(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\\n').map((l) => l.split(' ')[0]).filter(Boolean).sort(), ['blue', 'red']);
      assert.deepEqual(ip('-n', 'red', 'route', 'show', '10.51.0.0/24').map((x) => x.gateway), ['10.50.0.2']);
      assert.deepEqual(ip('-n', 'red', 'rule', 'show').filter((x) => x.priority === 500).map((x) => x.table), ['50']);
      assert.equal(ip('-n', 'red', 'link', 'show', 'v0')[0].master, 'br0');
    });
  });

  describe('useTopology()', () => {
    const lab = useTopology({
      name: 'rl',
      namespaces: { r1: { links: { eth0: { addresses: ['10.60.0.2/30'] } }, routes: [{ dst: 'default', gateway: '10.60.0.1' }] } },
      current: { links: { rl0: { kind: 'veth', peer: 'r1/eth0', addresses: ['10.60.0.1/30'] } } },
    });
    it('is built and matches its spec', async () => {
      assert.deepEqual(await lab().verify(), []);
    });
  });

  it("cannot reach the machine's network namespace", () => {
    assert.throws(() => openSync('/proc/1/ns/net', 'r'), /EACCES|EPERM/);
  });

  it('fails when asked to', () => {
    if (process.env.NNTEST_FAIL === '1') throw new Error('deliberate failure');
  });
});
`;

describe('netnest/mocha without root', function () {
  this.timeout(60_000);
  let place: NobodyPlace;

  before(function () {
    needRootAndUtilLinux(this);
  });

  beforeEach(() => {
    place = new NobodyPlace();
  });

  afterEach(() => place?.remove());

  /** mocha --require netnest/mocha, as nobody, on the suite. */
  function mochaAsNobody(env: NodeJS.ProcessEnv): Promise<Run> {
    const { dir, pkg } = place;
    // The project: its test file, and netnest in its node_modules; mocha run from it as `mocha --require netnest/mocha`.
    writeFileSync(join(dir, 'rootless.test.mjs'), SPEC, { mode: 0o644 });
    mkdirSync(join(dir, 'node_modules'), { recursive: true, mode: 0o755 });
    if (!existsSync(join(dir, 'node_modules/netnest'))) symlinkSync(pkg, join(dir, 'node_modules/netnest'));
    return place.run([process.execPath, join(pkg, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--no-package', '--require', 'netnest/mocha', '--reporter', 'dot', 'rootless.test.mjs'], env);
  }

  it('runs the suite in a user namespace of the user\'s own; the host is unchanged', async () => {
    const host = `/proc/${process.pid}/fd/${sandbox().host.fd}`;
    const before = { host: hostState(host), here: hostState() };
    const r = await mochaAsNobody({});
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.match(/\b5 passing\b/).and.not.match(/failing|pending/);
    expect(diffState(before.host, hostState(host)), "the real host's network state").to.deep.equal([]);
    expect(diffState(before.here, hostState()), 'the network state of the namespace nobody ran in').to.deep.equal([]);
    // Journals went to the user's runtime directory, and none is left there; names never did.
    expect(readdirSync(join(place.xdg, 'netnest/journal'))).to.deep.equal([]);
    expect(existsSync(join(place.xdg, 'netnest/netns'))).to.equal(false);
  });

  it('two runs at once each have their own names: both make red and blue', async () => {
    const runs = await Promise.all([mochaAsNobody({}), mochaAsNobody({})]);
    for (const r of runs) expect(r.status, r.out).to.equal(0);
  });

  it('passes a failing run\'s exit status through', async () => {
    const r = await mochaAsNobody({ NNTEST_FAIL: '1' });
    expect(r.status, r.out).to.equal(1);
    expect(r.out).to.match(/\b4 passing\b/).and.match(/\b1 failing\b/).and.include('deliberate failure');
  });

  it('where user namespaces are disabled, fails with one message naming the setting', async function () {
    if (!existsSync('/proc/sys/user/max_user_namespaces')) skipBecause(this, 'the kernel has no user.max_user_namespaces sysctl');
    // Inside a throwaway user namespace of root's, the limit for namespaces below it is set to 0,
    // and the run drops every capability: not root there, and no user namespace to be had.
    const inner = [process.execPath, join(PACKAGE, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--no-package', '--require', join(PACKAGE, 'dist/src/testing/mocha.js'), join(place.dir, 'none.test.mjs')];
    writeFileSync(join(place.dir, 'none.test.mjs'), "it('never runs', () => {});\n");
    const script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "$@"';
    const r = await run('unshare', ['--user', '--map-root-user', 'sh', '-c', script, 'sh', ...inner], { PATH: process.env.PATH });
    expect(r.status, r.out).to.not.equal(0);
    expect(r.out).to.include('ERR_ROOTLESS_UNAVAILABLE').and.include('sysctl user.max_user_namespaces is 0').and.not.include('never runs');
  });
});
