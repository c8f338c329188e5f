// A bridge's options and its ports' options against the real kernel, with
// `ip -j -d link` and `bridge -j link` as the oracle: what netnest sets ip
// reads back, what ip sets netnest reads back; VLAN filtering and bridge
// VLANs, which this project's kernels lack, skip naming the kernel option.
import { expect } from 'chai';
import { UnsupportedKernelFeatureError, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { bridgeJson, ip, ipJson, type IpLink } from '../support/ip.js';
import { waitUntil } from '../support/netns.js';
import { skipBecause } from '../support/skip.js';

const details = (name: string, ns: Namespace): IpLink => ipJson<IpLink[]>(['-d', 'link', 'show', 'dev', name], ns)[0]!;
const slaveData = (name: string, ns: Namespace): Record<string, unknown> => (details(name, ns).linkinfo as { info_slave_data: Record<string, unknown> }).info_slave_data;

describe('bridges: options, port options and VLANs against ip and bridge', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await rtnl.link.add({ name: 'v0', kind: 'veth', master: 'br0', peer: { name: 'v1' } });
  });

  it('link.set({ bridgePort }) sets a port\'s options; ip and bridge read them back', async () => {
    await rtnl.link.set('v0', { bridgePort: { priority: 5, cost: 7, hairpin: true, learning: false, flood: false, isolated: true, mcast_flood: false } });
    expect(slaveData('v0', ns)).to.include({ priority: 5, cost: 7, hairpin: true, learning: false, flood: false, isolated: true, mcast_flood: false, bcast_flood: true });
    expect(bridgeJson<Record<string, unknown>[]>(['-d', 'link', 'show', 'dev', 'v0'], ns)[0]).to.include({ priority: 5, cost: 7, hairpin: true, learning: false, flood: false, isolated: true });
    expect((await rtnl.link.get('v0')).bridgePort).to.include({ priority: 5, cost: 7, hairpin: true, learning: false, flood: false, isolated: true, mcast_flood: false });
  });

  it('link.get() reads what `ip link set type bridge_slave` set', async () => {
    ip(['link', 'set', 'dev', 'v0', 'type', 'bridge_slave', 'cost', '9', 'priority', '3', 'learning', 'off', 'neigh_suppress', 'on'], ns);
    const port = (await rtnl.link.get('v0')).bridgePort!;
    expect(port).to.include({ cost: 9, priority: 3, learning: false, neigh_suppress: true, state: 'disabled' });
    expect(port.unknown?.length).to.be.greaterThan(0); // the port's STP ids and timers, kept raw
  });

  it('a port\'s STP state, on a bridge without STP', async () => {
    for (const dev of ['br0', 'v0', 'v1']) await rtnl.link.set(dev, { up: true });
    // The kernel takes a port state only from a port whose operstate is up (ENETDOWN before), which linkwatch sets a moment later.
    await waitUntil(async () => (await rtnl.link.get('v0')).operstate === 'UP', 'v0 operationally up');
    await rtnl.link.set('v0', { bridgePort: { state: 'listening' } });
    expect(bridgeJson<{ state: string }[]>(['link', 'show', 'dev', 'v0'], ns)[0]!.state).to.equal('listening');
    expect((await rtnl.link.get('v0')).bridgePort?.state).to.equal('listening');
  });

  it('enslaving and setting port options in one call; link.add({ master, bridgePort })', async () => {
    await rtnl.link.add({ name: 'v2', kind: 'veth', peer: { name: 'v3' } });
    await rtnl.link.set('v2', { master: 'br0', bridgePort: { cost: 11 } });
    await rtnl.link.add({ name: 'v4', kind: 'veth', master: 'br0', bridgePort: { isolated: true }, peer: { name: 'v5' } });
    expect(details('v2', ns).master).to.equal('br0');
    expect(slaveData('v2', ns)).to.include({ cost: 11 });
    expect(slaveData('v4', ns)).to.include({ isolated: true });
  });

  it('bridge options on create; ip reads them back and link.get() gives them', async () => {
    await rtnl.link.add({ name: 'br1', kind: 'bridge', bridge: { stp_state: 1, forward_delay: 400, ageing_time: 1000, mcast_snooping: false, priority: 100 } });
    const want = { stp_state: 1, forward_delay: 400, ageing_time: 1000, mcast_snooping: 0, priority: 100 };
    expect((details('br1', ns).linkinfo as { info_data: Record<string, unknown> }).info_data).to.include(want);
    expect((await rtnl.link.get('br1')).info).to.include({ ...want, mcast_snooping: false });
  });

  it('vlan_filtering and vlan_default_pvid (needs CONFIG_BRIDGE_VLAN_FILTERING)', async function () {
    try {
      await rtnl.link.add({ name: 'br1', kind: 'bridge', bridge: { vlan_filtering: true, vlan_default_pvid: 10 } });
    } catch (e) {
      if (e instanceof UnsupportedKernelFeatureError) skipBecause(this, `kernel lacks ${e.option}`);
      throw e;
    }
    expect((details('br1', ns).linkinfo as { info_data: Record<string, unknown> }).info_data).to.include({ vlan_filtering: 1, vlan_default_pvid: 10 });
    expect((await rtnl.link.get('br1')).info).to.include({ vlan_filtering: true, vlan_default_pvid: 10 });
  });

  it('bridge.vlan.list() matches `bridge vlan show`', async () => {
    const theirs = bridgeJson<{ ifname: string; vlans: unknown[] }[]>(['vlan', 'show'], ns);
    const ours = await rtnl.bridge.vlan.list();
    expect(ours.map((p) => p.ifname)).to.deep.equal(theirs.map((p) => p.ifname));
  });

  it('bridge.vlan.add() and del(): VLANs, ranges, pvid and untagged as bridge shows them (needs CONFIG_BRIDGE_VLAN_FILTERING)', async function () {
    try {
      await rtnl.bridge.vlan.add({ dev: 'v0', vid: 10, pvid: true, untagged: true });
    } catch (e) {
      if (e instanceof UnsupportedKernelFeatureError) skipBecause(this, `kernel lacks ${e.option}`);
      throw e;
    }
    await rtnl.bridge.vlan.add({ dev: 'v0', vid: 20, vidEnd: 30 });
    const v0 = (await rtnl.bridge.vlan.list({ dev: 'v0' }))[0]!;
    expect(v0.vlans).to.deep.include({ vid: 10, pvid: true, untagged: true });
    const theirs = bridgeJson<{ ifname: string; vlans: { vlan: number; vlanEnd?: number }[] }[]>(['vlan', 'show', 'dev', 'v0'], ns);
    expect(theirs[0]!.vlans.map((v) => v.vlan)).to.include.members([10, 20]);
    await rtnl.bridge.vlan.del({ dev: 'v0', vid: 20, vidEnd: 30 });
    expect((await rtnl.bridge.vlan.list({ dev: 'v0' }))[0]!.vlans.some((v) => v.vid === 20)).to.equal(false);
  });
});
