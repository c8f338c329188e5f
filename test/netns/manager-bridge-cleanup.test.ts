// A bridge FDB entry and a bridge VLAN added in the current namespace (the
// run's sandbox, the "root" of these tests) through a manager are gone after
// cleanup(), and the snapshot diff is empty: the manager removes exactly what
// it added, the bridge and its ports (made outside the manager) stay.
import { expect } from 'chai';
import { diff, Rtnl, snapshot, UnsupportedKernelFeatureError, type Snapshot } from '../../src/index.js';
import { bridgeJson } from '../support/ip.js';
import { managerFixture } from '../support/netns.js';
import { skipBecause } from '../support/skip.js';

describe('cleanup of bridge FDB entries and VLANs', () => {
  const f = managerFixture();
  let plain: Rtnl;
  let before: Snapshot;

  beforeEach(async () => {
    plain = Rtnl.open();
    await plain.link.add({ name: 'cbr0', kind: 'bridge' });
    await plain.link.add({ name: 'cv0', kind: 'veth', master: 'cbr0', peer: { name: 'cv1' } });
    await plain.link.add({ name: 'cvx0', kind: 'vxlan', master: 'cbr0', vxlan: { id: 77, dstport: 4789, local: '10.1.1.1', learning: false } });
    before = await snapshot(plain);
  });

  afterEach(async () => {
    try {
      for (const name of ['cv0', 'cvx0', 'cbr0']) await plain.link.del(name).catch(() => undefined);
    } finally {
      plain.close();
    }
  });

  const changes = async (): Promise<string[]> => diff(before, await snapshot(plain)).map((c) => c.line);
  const macs = (): string[] => bridgeJson<{ mac: string }[]>(['fdb', 'show']).map((e) => e.mac);

  it('the kernel\'s own FDB entries (port addresses, multicast) are not in a snapshot', () => {
    expect(before.items.filter((i) => i.key.includes('dev c'))).to.satisfy((items: { kind: string }[]) => items.every((i) => i.kind !== 'fdb'));
  });

  it('FDB entries added through a manager are gone after cleanup(), and the snapshot diff is empty', async () => {
    const r = f.m.rtnl();
    await r.fdb.add({ mac: '02:00:00:00:c0:01', dev: 'cv0', master: true, state: 'static' });
    await r.fdb.append({ mac: '00:00:00:00:00:00', dev: 'cvx0', dst: '10.0.0.2' });
    await r.fdb.append({ mac: '00:00:00:00:00:00', dev: 'cvx0', dst: '10.0.0.3' });
    expect(await changes()).to.deep.equal([
      '+ fdb 00:00:00:00:00:00 dev cvx0 dst 10.0.0.2 self (state permanent)',
      '+ fdb 00:00:00:00:00:00 dev cvx0 dst 10.0.0.3 self (state permanent)',
      '+ fdb 02:00:00:00:c0:01 dev cv0 master cbr0 (state static)',
    ]);
    const report = await f.m.cleanup();
    expect(report.removed).to.have.members([
      'fdb 02:00:00:00:c0:01 dev cv0 master in root', 'fdb 00:00:00:00:00:00 dev cvx0 dst 10.0.0.2 self in root',
      'fdb 00:00:00:00:00:00 dev cvx0 dst 10.0.0.3 self in root',
    ]);
    expect(await changes()).to.deep.equal([]);
    expect(macs()).to.not.include('02:00:00:00:c0:01');
  });

  it('an entry someone else deleted meanwhile is reported as already gone', async () => {
    const r = f.m.rtnl();
    await r.fdb.add({ mac: '02:00:00:00:c0:02', dev: 'cv0', master: true });
    await plain.fdb.del({ mac: '02:00:00:00:c0:02', dev: 'cv0', master: true });
    const report = await f.m.cleanup();
    expect(report.alreadyGone).to.deep.equal(['fdb 02:00:00:00:c0:02 dev cv0 master in root']);
    expect(await changes()).to.deep.equal([]);
  });

  it('a bridge VLAN added through a manager is gone after cleanup() (needs CONFIG_BRIDGE_VLAN_FILTERING)', async function () {
    const r = f.m.rtnl();
    try {
      await r.bridge.vlan.add({ dev: 'cv0', vid: 42, untagged: true });
    } catch (e) {
      if (e instanceof UnsupportedKernelFeatureError) skipBecause(this, `kernel lacks ${e.option}`);
      throw e;
    }
    expect(await changes()).to.deep.equal(['+ bridge-vlan 42 dev cv0 (untagged true)']);
    const report = await f.m.cleanup();
    expect(report.removed).to.deep.equal(['bridge vlan 42 dev cv0 in root']);
    expect(await changes()).to.deep.equal([]);
  });
});
