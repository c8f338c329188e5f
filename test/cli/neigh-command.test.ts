// `netnest neigh` lists ARP/NDP entries as `ip neigh show` does: the entries
// ip hides by default (NOARP, NONE) only with --all, proxies with --proxy.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { NetnestRuns } from '../support/cli.js';

interface JsonNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
  flags: string[];
  proxy: boolean;
  router: boolean;
  family: number;
}

describe('netnest neigh', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'c3nb0', kind: 'veth', up: true, peer: { name: 'c3nb1', up: true } });
    await rtnl.neigh.add({ dst: '10.32.0.9', dev: 'c3nb0', lladdr: '02:00:00:00:32:09' });
    await rtnl.neigh.add({ dst: '10.32.0.8', dev: 'c3nb0', lladdr: '02:00:00:00:32:08', state: 'stale', router: true });
    await rtnl.neigh.add({ dst: '2001:db8:32::7', dev: 'c3nb0', lladdr: '02:00:00:00:32:07', state: 'noarp' });
    await rtnl.neigh.add({ dst: '10.32.0.10', dev: 'c3nb0', proxy: true });
    cli.start(['neigh', '--dev', 'c3nb0'], ['neigh', '--dev', 'c3nb0', '--json'], ['neigh', '--dev', 'c3nb0', '--all', '-6', '--json'], ['neigh', '--proxy', '-4', '--json']);
  });

  after(async () => {
    await cli.settled();
    await rtnl.neigh.del({ dst: '10.32.0.10', dev: 'c3nb0', proxy: true });
    await rtnl.link.del('c3nb0'); // its neighbour entries go with it
    rtnl.close();
  });

  it('prints dst, dev, lladdr, state and flags of a link\'s entries', async () => {
    const r = await cli.run('neigh', '--dev', 'c3nb0');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^dst\s+dev\s+lladdr\s+state\s+flags$/);
    expect(lines.slice(1).sort()).to.deep.equal([
      '10.32.0.8  c3nb0  02:00:00:00:32:08  STALE      router',
      '10.32.0.9  c3nb0  02:00:00:00:32:09  PERMANENT  -',
    ]);
  });

  it('--all adds the NOARP entries ip hides, and -6 keeps IPv6 ones only', async () => {
    const hidden = await cli.json<JsonNeigh[]>('neigh', '--dev', 'c3nb0');
    const all = await cli.json<JsonNeigh[]>('neigh', '--dev', 'c3nb0', '--all', '-6');
    expect(hidden.map((n) => n.dst)).to.not.include('2001:db8:32::7');
    expect(all.find((n) => n.dst === '2001:db8:32::7')).to.deep.include({ dev: 'c3nb0', lladdr: '02:00:00:00:32:07', state: ['NOARP'], family: 6 });
    expect(all.every((n) => n.family === 6)).to.equal(true);
  });

  it('--proxy lists proxy entries only', async () => {
    const proxies = await cli.json<JsonNeigh[]>('neigh', '--proxy', '-4');
    const ours = proxies.filter((n) => n.dev === 'c3nb0');
    expect(ours).to.have.length(1);
    expect(ours[0]).to.deep.include({ dst: '10.32.0.10', proxy: true, flags: ['proxy'] });
    expect(proxies.every((n) => n.proxy)).to.equal(true);
  });
});
