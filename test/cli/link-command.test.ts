// `netnest links` lists the links of the namespace it runs in, as a table or
// as the Link objects (--json). It runs as a child process of the test run,
// so it sees the sandbox world and the bridge made here.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { linksTable } from '../../src/cli/format.js';
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

  it("-d shows each kind's options, the kernel's nested ones (a bond's ad_info) in a row", () => {
    const table = linksTable([
      { index: 7, name: 'bond0', flags: [], up: false, link_type: 'ether', kind: 'bond', info: { mode: '802.3ad', ad_info: { aggregator: 1, num_ports: 2 } } },
      { index: 8, name: 'vx0', flags: [], up: false, link_type: 'ether', kind: 'vxlan', info: { id: 5, ttl: 'inherit', srcport: [1000, 2000] } },
    ], true);
    expect(table).to.match(/mode 802\.3ad, ad_info aggregator 1 num_ports 2/);
    expect(table).to.match(/id 5, ttl inherit, srcport 1000-2000/);
  });

  it('prints a table of links with their names', async () => {
    const links = await cli.run('links');
    expect(links.code, links.stderr).to.equal(0);
    expect(links.stdout).to.match(/^index\s+name\s+state\s+mtu\s+address\s+master\s+kind\s+link$/m);
    expect(links.stdout).to.match(/^1\s+lo\s+UP\s+65536\s/m);
    expect(links.stdout).to.match(/^\d+\s+clibr0\s+UP\s+1500\s+\S+\s+-\s+bridge\s/m);
  });
});
