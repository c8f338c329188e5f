// `netnest fdb` lists FDB entries as `bridge fdb show` does (the devices'
// multicast addresses only with --all), `netnest vlans` bridge VLANs as
// `bridge vlan show` does; both with --json.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { NetnestRuns } from '../support/cli.js';
import { bridgeJson } from '../support/ip.js';

interface JsonFdb {
  mac: string; dev: string; ifindex: number; master_dev?: string; via?: number; via_dev?: string; state: string; flags: string[];
  dst?: string; vni?: number; used?: number; updated?: number;
}

describe('netnest fdb and netnest vlans', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'c4br0', kind: 'bridge' });
    await rtnl.link.add({ name: 'c4v0', kind: 'veth', master: 'c4br0', address: '02:00:00:00:44:00', peer: { name: 'c4v1' } });
    await rtnl.link.add({ name: 'c4vx0', kind: 'vxlan', vxlan: { id: 44, dstport: 4789, local: '10.1.1.1', learning: false } });
    await rtnl.fdb.add({ mac: '02:00:00:00:44:aa', dev: 'c4v0', master: true, state: 'static' });
    await rtnl.fdb.add({ mac: '02:00:00:00:44:ae', dev: 'c4vx0', dst: '10.0.0.4', vni: 100, via: 'c4v1' });
    cli.start(['fdb', '--br', 'c4br0'], ['fdb', '--dev', 'c4vx0', '--json'], ['fdb', '--dev', 'c4v0', '--all', '--json'], ['vlans'], ['vlans', '--json']);
  });

  after(async () => {
    await cli.settled();
    for (const name of ['c4v0', 'c4vx0', 'c4br0']) await rtnl.link.del(name); // their entries go with them
    rtnl.close();
  });

  it('prints mac, dev, vlan, dst, master, state and flags of a bridge\'s entries', async () => {
    const r = await cli.run('fdb', '--br', 'c4br0');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^mac\s+dev\s+vlan\s+dst\s+master\s+state\s+flags$/);
    // The bridge took its port's address: one local entry for both.
    expect(lines.slice(1).sort()).to.deep.equal([
      '02:00:00:00:44:00  c4v0  -     -    c4br0   permanent  -',
      '02:00:00:00:44:aa  c4v0  -     -    c4br0   static     -',
    ]);
    expect(lines.some((l) => l.startsWith('33:33:'))).to.equal(false);
  });

  it('--json gives the entries with link names, as bridge -j fdb show', async () => {
    const vx = await cli.json<JsonFdb[]>('fdb', '--dev', 'c4vx0');
    expect(vx).to.deep.equal([{
      dev: 'c4vx0', ifindex: vx[0]!.ifindex, mac: '02:00:00:00:44:ae', state: 'permanent', flags: ['self'], dst: '10.0.0.4', vni: 100,
      via: vx[0]!.via, via_dev: 'c4v1', confirmed: 0, used: vx[0]!.used, updated: vx[0]!.updated,
    }]);
    const all = await cli.json<JsonFdb[]>('fdb', '--dev', 'c4v0', '--all');
    const theirs = bridgeJson<{ mac: string }[]>(['fdb', 'show', 'dev', 'c4v0']);
    expect(all.map((e) => e.mac).sort()).to.deep.equal(theirs.map((e) => e.mac).sort());
  });

  it('vlans: the header, and no rows on a kernel without bridge VLANs; --json as bridge -j vlan show', async () => {
    const r = await cli.run('vlans');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trimEnd().split('\n')[0]).to.match(/^dev\s+vlan\s+flags$/);
    const ours = await cli.json<{ ifname: string }[]>('vlans');
    expect(ours.map((p) => p.ifname)).to.deep.equal(bridgeJson<{ ifname: string }[]>(['vlan', 'show']).map((p) => p.ifname));
  });
});
