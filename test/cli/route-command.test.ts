// `netnest routes` lists what `ip route show` lists, with link names, in a
// table or as JSON. The routes live in a table of their own in the sandbox.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { ipJson } from '../support/ip.js';
import { netnest, NetnestRuns } from '../support/cli.js';

const T = 3101;

interface JsonRoute {
  family: number;
  dst: string;
  gateway?: string;
  dev?: string;
  oif?: number;
  protocol: string | number;
  metric?: number;
  table: number;
  type: string;
  nexthops?: { gateway?: string; dev?: string; weight: number }[];
}

describe('netnest routes', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'c3rt0', kind: 'veth', up: true, peer: { name: 'c3rt1', up: true } });
    await rtnl.addr.add({ dev: 'c3rt0', local: '10.31.0.1/24' });
    await rtnl.addr.add({ dev: 'c3rt0', local: '2001:db8:31::1/64', flags: ['nodad'] });
    await rtnl.route.add({ dst: '10.31.1.0/24', gateway: '10.31.0.2', table: T, protocol: 'static', metric: 10 });
    await rtnl.route.add({ dst: '10.31.2.0/24', table: T, nexthops: [{ gateway: '10.31.0.2', weight: 3 }, { gateway: '10.31.0.3', dev: 'c3rt0' }] });
    await rtnl.route.add({ dst: '10.31.3.0/24', type: 'blackhole', table: T });
    await rtnl.route.add({ dst: '2001:db8:31:1::/64', gateway: '2001:db8:31::2', table: T });
    cli.start(
      ['routes', '--table', String(T), '--json'], ['routes', '--table', String(T), '-4'],
      ['routes', '--table', String(T), '-6', '--json'], ['routes', '--table', String(T), '--protocol', 'static', '--json'],
      ['routes', '--table', String(T), '--dev', 'c3rt0', '-4', '--json'], ['routes', '--dev', 'c3rt0', '--json'],
      ['routes', '--table', 'all', '-4', '--dev', 'c3rt0'], ['routes', '--table', 'c3-no-such-table'],
    );
  });

  after(async () => {
    await cli.settled();
    await rtnl.link.del('c3rt0'); // takes its routes along; the blackhole goes by hand
    await rtnl.route.del({ dst: '10.31.3.0/24', table: T });
    rtnl.close();
  });

  it('--json lists the routes of one table with link names, multipath paths included', async () => {
    const routes = await cli.json<JsonRoute[]>('routes', '--table', String(T));
    expect(routes.map((r) => r.dst)).to.have.members(['10.31.1.0/24', '10.31.2.0/24', '10.31.3.0/24', '2001:db8:31:1::/64']);
    expect(routes.every((r) => r.table === T)).to.equal(true);
    expect(routes.find((r) => r.dst === '10.31.1.0/24')).to.include({ gateway: '10.31.0.2', dev: 'c3rt0', protocol: 'static', metric: 10 });
    expect(routes.find((r) => r.dst === '10.31.3.0/24')).to.include({ type: 'blackhole' });
    const mp = routes.find((r) => r.dst === '10.31.2.0/24')!;
    expect(mp.nexthops!.map(({ gateway, dev, weight }) => ({ gateway, dev, weight }))).to.deep.equal([
      { gateway: '10.31.0.2', dev: 'c3rt0', weight: 3 },
      { gateway: '10.31.0.3', dev: 'c3rt0', weight: 1 },
    ]);
  });

  it('agrees with ip -j route show on destination, gateway, device, protocol and metric', async () => {
    type IpRoute = { dst: string; gateway?: string; dev?: string; protocol?: string; metric?: number; type?: string };
    const ip = [...ipJson<IpRoute[]>(['route', 'show', 'table', String(T)]), ...ipJson<IpRoute[]>(['-6', 'route', 'show', 'table', String(T)])];
    const ours = await cli.json<JsonRoute[]>('routes', '--table', String(T));
    const view = (r: IpRoute | JsonRoute): string =>
      [r.dst, r.gateway ?? '-', r.dev ?? '-', r.protocol ?? 'boot', r.metric ?? 0].join(' ');
    expect(ours.map(view).sort()).to.deep.equal(ip.map(view).sort());
  });

  it('prints a table with ip\'s columns and each path of a multipath route on its own line', async () => {
    const r = await cli.run('routes', '--table', String(T), '-4');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^dst\s+via\s+dev\s+proto\s+scope\s+metric\s+table\s+type\s+prefsrc\s+nhid\s+flags$/);
    expect(r.stdout).to.match(/^10\.31\.1\.0\/24\s+10\.31\.0\.2\s+c3rt0\s+static\s+global\s+10\s+3101\s+unicast\s+-\s+-\s+-$/m);
    const mp = lines.findIndex((l) => l.startsWith('10.31.2.0/24 '));
    expect(lines.slice(mp + 1, mp + 3)).to.deep.equal([
      '  nexthop via 10.31.0.2 dev c3rt0 weight 3',
      '  nexthop via 10.31.0.3 dev c3rt0 weight 1',
    ]);
    expect(r.stdout).to.match(/^10\.31\.3\.0\/24\s+-\s+-\s+boot\s+global\s+-\s+3101\s+blackhole\s/m);
    expect(r.stdout).to.not.include('2001:db8:31:1::/64');
  });

  it('filters by family, protocol and output device, and defaults to the main table', async () => {
    const v6 = await cli.json<JsonRoute[]>('routes', '--table', String(T), '-6');
    expect(v6.map((r) => r.dst)).to.deep.equal(['2001:db8:31:1::/64']);
    const statics = await cli.json<JsonRoute[]>('routes', '--table', String(T), '--protocol', 'static');
    expect(statics.map((r) => r.dst)).to.deep.equal(['10.31.1.0/24']);
    const viaDev = await cli.json<JsonRoute[]>('routes', '--table', String(T), '--dev', 'c3rt0', '-4');
    // The kernel's filter also keeps multipath routes with a path through the device (ip filters on RTA_OIF only).
    expect(viaDev.map((r) => r.dst)).to.deep.equal(['10.31.1.0/24', '10.31.2.0/24']);
    const main = await cli.json<JsonRoute[]>('routes', '--dev', 'c3rt0');
    expect(main.map((r) => `${r.dst} ${r.protocol}`)).to.include.members(['10.31.0.0/24 kernel', '2001:db8:31::/64 kernel']);
    expect(main.every((r) => r.table === 254)).to.equal(true);
  });

  it('--table all adds the local table, shown by name', async () => {
    const r = await cli.run('routes', '--table', 'all', '-4', '--dev', 'c3rt0');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^10\.31\.0\.1\s+-\s+c3rt0\s+kernel\s+host\s+-\s+local\s+local\s+10\.31\.0\.1\s/m);
    expect(r.stdout).to.match(/^10\.31\.0\.0\/24\s+-\s+c3rt0\s+kernel\s+link\s+-\s+main\s+unicast\s+10\.31\.0\.1\s/m);
  });

  it('lists a table that holds routes of one family only', async () => {
    // Table 3102 exists for IPv4 only: the IPv6 half of the listing has nothing to add.
    await rtnl.route.add({ dst: '10.31.9.0/24', type: 'blackhole', table: 3102 });
    try {
      const r = await netnest('routes', '--table', '3102', '--json');
      expect(r.code, r.stderr).to.equal(0);
      expect((JSON.parse(r.stdout) as JsonRoute[]).map((x) => `${x.type} ${x.dst}`)).to.deep.equal(['blackhole 10.31.9.0/24']);
    } finally {
      await rtnl.route.del({ dst: '10.31.9.0/24', table: 3102 });
    }
  });

  it('exits 1 naming the field for an unknown table name', async () => {
    const r = await cli.run('routes', '--table', 'c3-no-such-table');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^netnest: table: unknown name 'c3-no-such-table' .*\(ERR_INVALID_ARGUMENT\)$/m);
  });
});
