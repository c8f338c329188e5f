// `netnest links` lists the links of the namespace it runs in, as a table or
// as the Link objects (--json). It runs as a child process of the test run,
// so it sees the sandbox world and the bridge made here.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { NetnestRuns } from '../support/cli.js';

describe('netnest links', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'clibr0', kind: 'bridge', up: true });
    cli.start(['links', '--json'], ['links']);
  });

  after(async () => {
    await cli.settled();
    await rtnl.link.del('clibr0');
    rtnl.close();
  });

  it('links --json prints the Link objects, lo included', async () => {
    const r = await cli.run('links', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const links = JSON.parse(r.stdout) as { name: string; index: number; kind?: string; up: boolean }[];
    expect(links.find((l) => l.name === 'lo')).to.include({ index: 1, up: true });
    expect(links.find((l) => l.name === 'clibr0')).to.include({ kind: 'bridge', up: true });
  });

  it('prints a table of links with their names', async () => {
    const links = await cli.run('links');
    expect(links.code, links.stderr).to.equal(0);
    expect(links.stdout).to.match(/^index\s+name\s+state\s+mtu\s+address\s+master\s+kind\s+link$/m);
    expect(links.stdout).to.match(/^1\s+lo\s+UP\s+65536\s/m);
    expect(links.stdout).to.match(/^\d+\s+clibr0\s+UP\s+1500\s+\S+\s+-\s+bridge\s/m);
  });
});
