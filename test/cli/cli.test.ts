// The netnest command as a user runs it: a child process of the test run, so
// it inherits the sandbox namespace and everything it sees or builds is there.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Rtnl } from '../../src/index.js';
import { FreshNetns } from '../integration/fresh-netns.js';
import { netnest, netnestIn } from '../support/cli.js';

describe('netnest command', () => {
  let rtnl: Rtnl;

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'clibr0', kind: 'bridge', up: true });
    await rtnl.addr.add({ dev: 'clibr0', local: '198.51.100.7/24', label: 'clibr0:web' });
    await rtnl.addr.add({ dev: 'clibr0', local: '2001:db8:77::7/64', flags: ['nodad'], valid_lft: 600, preferred_lft: 300 });
  });

  after(async () => {
    await rtnl.link.del('clibr0');
    rtnl.close();
  });

  it('links --json prints the Link objects, lo included', async () => {
    const r = await netnest('links', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const links = JSON.parse(r.stdout) as { name: string; index: number; kind?: string; up: boolean }[];
    expect(links.find((l) => l.name === 'lo')).to.include({ index: 1, up: true });
    expect(links.find((l) => l.name === 'clibr0')).to.include({ kind: 'bridge', up: true });
  });

  it('addrs --json shows an address added through Rtnl, with its link name and options', async () => {
    const r = await netnest('addrs', '--json', 'dev', 'clibr0');
    expect(r.code, r.stderr).to.equal(0);
    const addrs = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(addrs.find((a) => a.local === '198.51.100.7')).to.include({ dev: 'clibr0', family: 4, prefixlen: 24, label: 'clibr0:web' });
    const v6 = addrs.find((a) => a.local === '2001:db8:77::7');
    expect(v6).to.include({ dev: 'clibr0', family: 6 });
    // The kernel reports the time left, so a second may already have gone.
    expect(v6!.valid_lft).to.be.within(590, 600);
    expect(v6!.preferred_lft).to.be.within(290, 300);
    expect(addrs.every((a) => a.dev === 'clibr0'), 'only clibr0 addresses').to.equal(true);
  });

  it('addrs -6 leaves out IPv4 addresses', async () => {
    const r = await netnest('addrs', '-6', '--json', '--dev', 'clibr0');
    expect(r.code, r.stderr).to.equal(0);
    const families = (JSON.parse(r.stdout) as { family: number }[]).map((a) => a.family);
    expect(families).to.include(6);
    expect(families).to.not.include(4);
  });

  it('prints tables with the names and addresses', async () => {
    const links = await netnest('links');
    expect(links.code, links.stderr).to.equal(0);
    expect(links.stdout).to.match(/^index\s+name\s+state\s+mtu\s+address\s+master\s+kind\s+link$/m);
    expect(links.stdout).to.match(/^1\s+lo\s+UP\s+65536\s/m);
    expect(links.stdout).to.match(/^\d+\s+clibr0\s+UP\s+1500\s+\S+\s+-\s+bridge\s/m);

    const addrs = await netnest('addrs', 'clibr0');
    expect(addrs.code, addrs.stderr).to.equal(0);
    expect(addrs.stdout).to.match(/^clibr0\s+inet\s+198\.51\.100\.7\/24\s+global\s+permanent\s+clibr0:web\s+forever\s+forever$/m);
    expect(addrs.stdout).to.match(/^clibr0\s+inet6\s+2001:db8:77::7\/64\s+global\s+nodad\s+-\s+(600|59\d)sec\s+(300|29\d)sec$/m);
  });

  it('demo builds the reference network in a sandbox, proves traffic across three routers, verifies, draws, destroys, and leaves this namespace as it was', async function () {
    this.timeout(60000);
    // In a quiet namespace of its own: the shared world holds this file's bridge, whose
    // IPv6 state may change while the demo compares its host view before and after.
    const quiet = new FreshNetns();
    try {
      const before = await quiet.rtnl.link.list();
      const r = await netnestIn(quiet.fd, 'demo');
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      expect(r.stdout).to.match(/6 namespaces and the current one, 8 bridges, 20 veth pairs, 5 dummies, \d{3} routes, \d{3} rules/);
      expect(r.stdout.match(/^traffic: TCP from h1 to h2 .* h1 → r1 → r2 → r3 → h2 \(3 routers\), echoed "netnest h1->h2"/gm)).to.have.length(2); // IPv4 and IPv6
      expect(r.stdout).to.match(/^verify: the kernel matches the spec$/m);
      expect(r.stdout).to.match(/^diagram: \S+\.svg/m);
      expect(r.stdout).to.match(/^host unchanged: /m);
      expect(r.stdout).to.match(/^times: check the spec \d+ ms, .* build \d+ ms, .* destroy \d+ ms/m);
      expect((await quiet.rtnl.link.list()).map((l) => l.name)).to.deep.equal(before.map((l) => l.name));
    } finally {
      quiet.close();
    }
  });

  it('reports kernel errors as "netnest: ..." with exit status 1', async () => {
    const r = await netnest('addrs', 'dev', 'nosuch0');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^netnest: RTM_GETLINK nosuch0: ENODEV/);
  });

  it('--help lists every command and exits 0', async () => {
    const r = await netnest('--help');
    expect(r.code).to.equal(0);
    for (const command of ['links', 'addrs', 'routes', 'rules', 'neigh', 'nexthops', 'demo']) {
      expect(r.stdout).to.match(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('--version and -V print the version of package.json and exit 0', async () => {
    // The package.json beside the compiled tree this test runs from (dist/test/cli -> the package root).
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).to.match(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      const r = await netnest(flag);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`${version}\n`);
    }
    expect((await netnest('--help')).stdout).to.match(/^\s+-V, --version\s+print netnest's version$/m);
  });

  it('exits 2 on an unknown command', async () => {
    const r = await netnest('frobnicate');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown command 'frobnicate'");
  });
});
