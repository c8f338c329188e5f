// Bridges in a topology: port options and bridge options are built, read back
// by `ip -d` and verify, and put back by apply; bridge VLANs are checked with
// the rest of the spec and built where the kernel has VLAN filtering (they
// skip, naming CONFIG_BRIDGE_VLAN_FILTERING, where it has not).
import { expect } from 'chai';
import { Lab, resolveTopology, toIpCommands, TopologyBuildError, TopologyError, UnsupportedKernelFeatureError, type TopologySpec } from '../../src/index.js';
import { ipJson, ip } from '../support/ip.js';
import { skipBecause } from '../support/skip.js';

const spec = (vlans = false): TopologySpec => ({
  name: 'tbr',
  namespaces: {
    sw: {
      links: {
        br0: { kind: 'bridge', bridge: { stp_state: 0, ageing_time: 1000, mcast_snooping: false } },
        p0: { kind: 'veth', peer: 'h1/e0', master: 'br0', bridgePort: { cost: 7, learning: false, isolated: true } },
        p1: { kind: 'veth', peer: 'h2/e0', master: 'br0', ...(vlans && { vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, vidEnd: 30 }] }) },
      },
    },
    h1: { links: { e0: { addresses: ['10.80.0.1/24'] } } },
    h2: { links: { e0: { addresses: ['10.80.0.2/24'] } } },
  },
});

describe('topology: bridges, bridge ports and bridge VLANs', () => {
  let lab: Lab | undefined;

  afterEach(async () => {
    await lab?.destroy();
    lab = undefined;
  });

  it('builds port and bridge options; ip reads them back, verify finds none missing, apply puts a changed one back', async () => {
    lab = await Lab.build(spec());
    const sw = lab.ns('sw');
    const p0 = ipJson<{ linkinfo: { info_slave_data: Record<string, unknown> } }[]>(['-d', 'link', 'show', 'dev', 'p0'], sw.namespace)[0]!;
    expect(p0.linkinfo.info_slave_data).to.include({ cost: 7, learning: false, isolated: true });
    expect((await sw.rtnl.link.get('br0')).info).to.include({ ageing_time: 1000, mcast_snooping: false });
    expect(await lab.verify()).to.deep.equal([]);
    ip(['link', 'set', 'dev', 'p0', 'type', 'bridge_slave', 'cost', '9'], sw.namespace);
    expect((await lab.verify()).map((d) => d.what)).to.deep.equal(['link p0 bridge port cost 9 (spec: 7)']);
    await lab.apply();
    expect(await lab.verify()).to.deep.equal([]);
  });

  it('checks bridge ports and VLANs with the rest of the spec', () => {
    const bad = (links: NonNullable<NonNullable<TopologySpec['namespaces']>[string]['links']>): unknown => {
      try {
        resolveTopology({ name: 'tbad', namespaces: { sw: { links } } });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const noMaster = bad({ p0: { kind: 'veth', peer: 'p1', bridgePort: { cost: 7 } } });
    expect(noMaster).to.be.instanceOf(TopologyError);
    expect((noMaster as Error).message).to.include('namespaces.sw.links.p0.bridgePort');
    const range = bad({ br0: { kind: 'bridge' }, p0: { kind: 'veth', peer: 'p1', master: 'br0', vlans: [{ vid: 30, vidEnd: 20 }] } });
    expect((range as Error).message).to.include('namespaces.sw.links.p0.vlans[0]');
  });

  it('the ip script sets the port options with `type bridge_slave`, and says it leaves the VLANs out', () => {
    const script = toIpCommands(resolveTopology(spec(true)));
    const ports = script.build.filter((c) => c.argv.includes('bridge_slave')).map((c) => c.argv.join(' '));
    expect(ports).to.deep.equal(['ip -n tbr-sw link set dev p0 type bridge_slave cost 7 learning off isolated on']);
    expect(script.notes).to.deep.equal([
      'namespaces.sw.links.p1.vlans[0]: not made by this script (bridge vlan add vid 10 dev p1: a bridge command)',
      'namespaces.sw.links.p1.vlans[1]: not made by this script (bridge vlan add vid 20-30 dev p1: a bridge command)',
    ]);
  });

  it('builds bridge VLANs and verifies them (needs CONFIG_BRIDGE_VLAN_FILTERING)', async function () {
    try {
      lab = await Lab.build(spec(true));
    } catch (e) {
      const cause = e instanceof TopologyBuildError ? e.cause : e;
      if (cause instanceof UnsupportedKernelFeatureError) skipBecause(this, `kernel lacks ${cause.option}`);
      throw e;
    }
    expect(await lab.verify()).to.deep.equal([]);
    const vlans = await lab.ns('sw').rtnl.bridge.vlan.list({ dev: 'p1' });
    expect(vlans[0]!.vlans).to.deep.include({ vid: 10, pvid: true, untagged: true });
  });
});
