// `netnest nexthops` lists nexthop objects: single paths, blackholes and
// groups, with members written as `ip nexthop` writes them.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { ipJson } from '../support/ip.js';
import { NetnestRuns } from '../support/cli.js';

describe('netnest nexthops', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();
  const ids = [3110, 3111, 3112, 3101, 3102, 3103]; // groups first: members cannot go while a group uses them

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'c3nh0', kind: 'veth', up: true, peer: { name: 'c3nh1', up: true } });
    await rtnl.addr.add({ dev: 'c3nh0', local: '10.33.0.1/24' });
    await rtnl.nexthop.add({ id: 3101, gateway: '10.33.0.2', dev: 'c3nh0' });
    await rtnl.nexthop.add({ id: 3102, blackhole: true });
    await rtnl.nexthop.add({ id: 3103, gateway: '10.33.0.3', dev: 'c3nh0', onlink: true, protocol: 'static' });
    await rtnl.nexthop.add({ id: 3110, group: [{ id: 3101, weight: 2 }, { id: 3103 }] });
    await rtnl.nexthop.add({ id: 3111, group: [{ id: 3101 }, { id: 3103 }], type: 'resilient', buckets: 8 });
    await rtnl.nexthop.add({ id: 3112, group: [{ id: 3102 }] });
    cli.start(['nexthops'], ['nexthops', '--json']);
  });

  after(async () => {
    await cli.settled();
    for (const id of ids) await rtnl.nexthop.del(id);
    await rtnl.link.del('c3nh0');
    rtnl.close();
  });

  it('prints id, via, dev, group, type, blackhole, scope, proto and flags', async () => {
    const r = await cli.run('nexthops');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n')[0]).to.match(/^id\s+via\s+dev\s+group\s+type\s+blackhole\s+scope\s+proto\s+flags$/);
    expect(r.stdout).to.match(/^3101\s+10\.33\.0\.2\s+c3nh0\s+-\s+-\s+-\s+link\s+unspec\s+-$/m);
    expect(r.stdout).to.match(/^3102\s+-\s+-\s+-\s+-\s+blackhole\s+global\s+unspec\s+-$/m);
    expect(r.stdout).to.match(/^3103\s+10\.33\.0\.3\s+c3nh0\s+-\s+-\s+-\s+link\s+static\s+onlink$/m);
    expect(r.stdout).to.match(/^3110\s+-\s+-\s+3101,2\/3103\s+mpath\s+-\s+global\s+unspec\s+-$/m);
    expect(r.stdout).to.match(/^3111\s+-\s+-\s+3101\/3103\s+resilient buckets 8\s+-\s/m);
  });

  it('--json agrees with ip -j nexthop on gateways, devices and group members', async () => {
    type JsonNh = { id: number; gateway?: string; dev?: string; blackhole: boolean; group?: { id: number; weight: number }[] };
    type IpNh = { id: number; gateway?: string; dev?: string; blackhole?: null; group?: { id: number; weight?: number }[] };
    const ours = (await cli.json<JsonNh[]>('nexthops')).filter((n) => ids.includes(n.id));
    const ip = ipJson<IpNh[]>(['nexthop', 'show']).filter((n) => ids.includes(n.id));
    const view = (n: JsonNh | IpNh): string => JSON.stringify([
      n.id, n.gateway ?? null, n.dev ?? null, n.blackhole === true || n.blackhole === null,
      (n.group ?? []).map((m) => `${m.id}*${m.weight ?? 1}`),
    ]);
    expect(ours.map(view).sort()).to.deep.equal(ip.map(view).sort());
    expect(ours).to.have.length(ids.length);
  });
});
