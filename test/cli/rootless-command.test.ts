// The netnest command without root: nobody runs `netnest demo`, `netnest bench`,
// and `netnest up`, `verify`, `show`, `exec`, `down` on a topology. demo and
// bench run in a user namespace that goes with them; up starts the user's home
// (a keeper process holding a user namespace) where the topology stands until
// down, which stops the home again. The real host — checked here, as root — is
// as it was.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox } from '../../src/testing/fixtures.js';
import { diffState, hostState } from '../support/host-state.js';
import { waitUntil } from '../support/netns.js';
import { processStartTime, processStat } from '../../src/netns/syscalls.js';
import { NobodyPlace, needRootAndUtilLinux, PACKAGE, run } from '../support/rootless.js';

const SPEC = `
name: rl
namespaces:
  r1:
    links:
      eth0: { addresses: [10.70.0.2/30] }
      br0: { kind: bridge, addresses: [10.71.0.1/24] }
    routes:
      - { dst: default, gateway: 10.70.0.1 }
      - { dst: 10.72.0.0/24, type: blackhole, table: 100, count: 5 }
    rules:
      - { priority: 1000, fwmark: 1, table: 100 }
current:
  links:
    rl0: { kind: veth, peer: r1/eth0, addresses: [10.70.0.1/30] }
`;

describe('netnest without root', function () {
  this.timeout(60_000);
  let place: NobodyPlace;
  let host: string;
  let start: { host: Record<string, unknown>; here: Record<string, unknown> };

  before(function () {
    needRootAndUtilLinux(this);
  });

  beforeEach(() => {
    place = new NobodyPlace();
    host = `/proc/${process.pid}/fd/${sandbox().host.fd}`;
    start = { host: hostState(host), here: hostState() };
  });

  afterEach(() => {
    if (!place) return;
    try {
      expect(diffState(start.host, hostState(host)), "the real host's network state").to.deep.equal([]);
      expect(diffState(start.here, hostState()), 'the network state of the namespace nobody ran in').to.deep.equal([]);
    } finally {
      place.remove();
    }
  });

  it('demo builds, proves and removes the reference network in a user namespace of its own', async () => {
    const r = await place.netnest('demo');
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.include('left out 30 rules whose uid ranges this user namespace does not map')
      .and.include('verify: the kernel matches the spec').and.include('host unchanged');
    expect(r.out.match(/echoed "netnest h1->h2"/g)).to.have.length(2);
  });

  it('bench loads and deletes routes in a user namespace of its own', async () => {
    const r = await place.netnest('bench', 'routes', '--sizes', '200', '--phases', 'load,delete', '--json');
    expect(r.status, r.out).to.equal(0);
    const report = JSON.parse(r.out) as { results: { tool: string; phase: string; runs: { ok: number; failed: number }[] }[] };
    const netnest = report.results.filter((x) => x.tool === 'netnest');
    expect(netnest.map((x) => [x.phase, x.runs[0]?.ok, x.runs[0]?.failed])).to.deep.equal([['load', 200, 0], ['delete', 200, 0]]);
  });

  it('up leaves a topology standing in the home; verify, show, exec find it; down removes it and stops the home', async () => {
    writeFileSync(join(place.dir, 'rl.yaml'), SPEC, { mode: 0o644 });
    const up = await place.netnest('up', 'rl.yaml');
    expect(up.status, up.out).to.equal(0);
    expect(up.out).to.include('netnest exec rl r1 -- bash').and.not.include('ip netns exec');
    const home = place.home();
    expect(home, 'the home is recorded').to.not.equal(undefined);
    expect(processStartTime(home!.pid)).to.equal(home!.start);

    const verify = await place.netnest('verify', 'rl.yaml');
    expect(verify.status, verify.out).to.equal(0);
    expect(verify.out).to.include('topology rl matches rl.yaml');
    const show = await place.netnest('show', '--json');
    expect(show.status, show.out).to.equal(0);
    expect((JSON.parse(show.out) as { name: string }[]).map((t) => t.name)).to.deep.equal(['rl']);
    const exec = await place.netnest('exec', 'rl', 'r1', '--', 'ip', '-j', 'route', 'show', 'table', '100');
    expect(exec.status, exec.out).to.equal(0);
    expect((JSON.parse(exec.out) as { dst: string }[]).map((x) => x.dst)).to.have.length(5);

    const down = await place.netnest('down', 'rl');
    expect(down.status, down.out).to.equal(0);
    expect(down.out).to.include('removed  netns rl-r1');
    expect(place.home(), 'the home record is gone').to.equal(undefined);
    // Ended: gone, or a zombie until whoever inherited it reaps it.
    await waitUntil(() => [undefined, 'Z'].includes(processStat(home!.pid)?.state), 'the keeper has ended', 2000);
  });

  it('two ups at once share one home; two downs at once stop it once both are done', async () => {
    writeFileSync(join(place.dir, 'rl.yaml'), SPEC, { mode: 0o644 });
    writeFileSync(join(place.dir, 'rm.yaml'), SPEC.replace('name: rl', 'name: rm').replaceAll('rl0', 'rm0').replaceAll('10.70.0.', '10.80.0.'), { mode: 0o644 });
    const ups = await Promise.all([place.netnest('up', 'rl.yaml'), place.netnest('up', 'rm.yaml')]);
    for (const up of ups) expect(up.status, up.out).to.equal(0);
    const home = place.home();
    expect(home).to.not.equal(undefined);
    const show = await place.netnest('show', '--json');
    expect((JSON.parse(show.out) as { name: string }[]).map((t) => t.name).sort()).to.deep.equal(['rl', 'rm']);
    expect(place.home(), 'still the same home').to.deep.equal(home);

    const downs = await Promise.all([place.netnest('down', 'rl'), place.netnest('down', 'rm')]);
    for (const down of downs) expect(down.status, down.out).to.equal(0);
    expect(place.home()).to.equal(undefined);
    await waitUntil(() => [undefined, 'Z'].includes(processStat(home!.pid)?.state), 'the keeper has ended', 2000);
  });

  it('the listing commands read where they run, without privilege, as ip does', async () => {
    const r = await place.netnest('links', '--json');
    expect(r.status, r.out).to.equal(0);
    const ip = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
    expect((JSON.parse(r.out) as { name: string }[]).map((l) => l.name)).to.deep.equal(ip.map((l) => l.ifname));
    const routes = await place.netnest('routes', '--json');
    expect(routes.status, routes.out).to.equal(0);
  });

  it('a rootless run killed holding named namespaces leaves no name behind; sweep clears its journal', async () => {
    const { dir, pkg } = place;
    writeFileSync(join(dir, 'crash.test.mjs'), `
      import { useNamespaces } from '${pkg}/dist/src/testing/fixtures.js';
      const nn = useNamespaces();
      it('is killed holding named namespaces', () => {
        nn().create({ name: 'crash-p', mode: 'persistent' });
        nn().create({ name: 'crash-b' });
        process.kill(process.pid, 'SIGKILL');
      });
    `, { mode: 0o644 });
    const crashed = await place.run([process.execPath, join(pkg, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--no-package', '--require', join(pkg, 'dist/src/testing/mocha.js'), join(dir, 'crash.test.mjs')]);
    expect(crashed.status, crashed.out).to.equal(null); // killed, and the launcher died of the same signal
    // The names lived in the run's own /run/netns and went with it; its journal is left.
    expect(existsSync(join(place.xdg, 'netnest/netns'))).to.equal(false);
    expect(readdirSync(join(place.xdg, 'netnest/journal'))).to.have.length(1);

    const sweep = await place.netnest('sweep');
    expect(sweep.status, sweep.out).to.equal(0);
    expect(sweep.out).to.include('netns crash-p').and.include('netns crash-b').and.include(`sweep of ${place.xdg}/netnest/journal:`);
    expect(readdirSync(join(place.xdg, 'netnest/journal'))).to.deep.equal([]);
  });

  it('where user namespaces are disabled, up fails with one message naming the setting', async function () {
    if (!existsSync('/proc/sys/user/max_user_namespaces')) this.skip();
    // Inside a throwaway user namespace of root's: a limit of 0 below it, and no capability left.
    const script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "$@"';
    const netnest = [process.execPath, join(PACKAGE, 'bin/netnest.js'), 'up', join(PACKAGE, 'examples/lab.yaml')];
    const r = await run('unshare', ['--user', '--map-root-user', 'sh', '-c', script, 'sh', ...netnest], { PATH: process.env.PATH });
    expect(r.status, r.out).to.equal(1);
    expect(r.out.trim()).to.match(/^netnest: netnest up: not root, and cannot run in a user namespace of its own: user namespaces are disabled: sysctl user.max_user_namespaces is 0 .*\(ERR_ROOTLESS_UNAVAILABLE\)$/);
  });
});
