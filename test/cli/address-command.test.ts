// `netnest addrs` lists addresses with their link names and options, as a
// table or as JSON, filtered by device and family; a kernel error (a device
// that does not exist) is reported as "netnest: ..." with exit status 1.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { NetnestRuns } from '../support/cli.js';

describe('netnest addrs', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'clibr0', kind: 'bridge', up: true });
    await rtnl.addr.add({ dev: 'clibr0', local: '198.51.100.7/24', label: 'clibr0:web' });
    await rtnl.addr.add({ dev: 'clibr0', local: '2001:db8:77::7/64', flags: ['nodad'], valid_lft: 600, preferred_lft: 300 });
    cli.start(['addrs', '--json', 'dev', 'clibr0'], ['addrs', '-6', '--json', '--dev', 'clibr0'], ['addrs', 'clibr0'], ['addrs', 'dev', 'nosuch0']);
  });

  after(async () => {
    await cli.settled();
    await rtnl.link.del('clibr0');
    rtnl.close();
  });

  it('addrs --json shows an address added through Rtnl, with its link name and options', async () => {
    const r = await cli.run('addrs', '--json', 'dev', 'clibr0');
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
    const r = await cli.run('addrs', '-6', '--json', '--dev', 'clibr0');
    expect(r.code, r.stderr).to.equal(0);
    const families = (JSON.parse(r.stdout) as { family: number }[]).map((a) => a.family);
    expect(families).to.include(6);
    expect(families).to.not.include(4);
  });

  it('prints a table of addresses with their link names', async () => {
    const addrs = await cli.run('addrs', 'clibr0');
    expect(addrs.code, addrs.stderr).to.equal(0);
    expect(addrs.stdout).to.match(/^clibr0\s+inet\s+198\.51\.100\.7\/24\s+global\s+permanent\s+clibr0:web\s+forever\s+forever$/m);
    expect(addrs.stdout).to.match(/^clibr0\s+inet6\s+2001:db8:77::7\/64\s+global\s+nodad\s+-\s+(600|59\d)sec\s+(300|29\d)sec$/m);
  });

  it('reports kernel errors as "netnest: ..." with exit status 1', async () => {
    const r = await cli.run('addrs', 'dev', 'nosuch0');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^netnest: RTM_GETLINK nosuch0: ENODEV/);
  });
});
