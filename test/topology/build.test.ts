// Building a topology: every phase against the real kernel, verify reading
// it back, apply changing only what differs, a failure halfway rolling back
// everything, sysctls of the current namespace put back, and destroy leaving
// the current namespace exactly as it was.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { diff, Lab, Namespace, NamespaceManager, TopologyBuildError, type Snapshot, type TopologySpec } from '../../src/index.js';
import { ipJson } from '../support/ip.js';
import { currentSnapshot, netnsNames } from '../support/netns.js';

const spec = (): TopologySpec => ({
  name: 'tb',
  namespaces: {
    r1: {
      sysctl: { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 },
      links: {
        br0: { kind: 'bridge', addresses: ['10.70.1.1/24'] },
        e2: { kind: 'veth', peer: 'r2/e1', mtu: 9000, addresses: ['10.70.12.1/30', { local: 'fd00:12::1/64', flags: ['nodad'] }] },
        p0: { kind: 'veth', peer: 'p1', master: 'br0' },
        lo: { addresses: ['1.1.1.1/32'] },
      },
      nexthops: [{ id: 1, gateway: '10.70.12.2', dev: 'e2' }, { id: 2, blackhole: true }],
      neigh: [{ dst: '10.70.12.9', dev: 'e2', lladdr: '02:00:00:00:12:09' }],
      routes: [
        { dst: '20.0.0.0/8', gateway: '10.70.12.2' },
        { dst: '30.0.0.0/8', table: 1000, nexthops: [{ gateway: '10.70.12.2', weight: 2 }, { gateway: '10.70.1.3', dev: 'br0' }] },
        { dst: '40.0.0.0/24', type: 'blackhole', table: 300, count: 20 },
        { dst: '2001:db8:70::/48', gateway: 'fd00:12::2' },
        { dst: '50.0.0.0/8', nhid: 1 },
      ],
      rules: [
        { priority: 1000, src: '10.0.0.0/8', table: 1000 },
        { priority: 1100, fwmark: 0x10, fwmask: 0xff, table: 300, count: 5, step: { priority: 1, fwmark: 1 } },
        { priority: 1200, goto: 1300 },
        { priority: 1300, ipproto: 'tcp', dport: 443, table: 300 },
      ],
    },
    r2: { links: { e1: { mtu: 9000, addresses: ['10.70.12.2/30', { local: 'fd00:12::2/64', flags: ['nodad'] }] } }, routes: [{ dst: 'default', gateway: '10.70.12.1' }] },
  },
  current: {
    links: { tb0: { kind: 'veth', peer: 'r1/up0', addresses: ['192.0.2.101/30'] } },
    routes: [{ dst: '10.70.0.0/16', gateway: '192.0.2.102' }],
    rules: [{ priority: 31000, fwmark: 0x7070, table: 70 }],
  },
});

describe('topology build, verify, apply and destroy', () => {
  let before: Snapshot;
  let lab: Lab | undefined;
  beforeEach(async () => {
    before = await currentSnapshot();
  });

  afterEach(async () => {
    await lab?.destroy();
    lab = undefined;
  });

  /** The current namespace as it was before the test, named namespaces of others aside. */
  const unchanged = async (): Promise<void> => {
    expect(diff(before, await currentSnapshot()).filter((c) => c.kind !== 'netns').map((c) => c.line)).to.deep.equal([]);
    expect(netnsNames().filter((n) => n.startsWith('tb-'))).to.deep.equal([]);
  };

  it('builds every part, verify finds it as the spec says, and destroy leaves nothing', async () => {
    const phases: string[] = [];
    lab = await Lab.build(spec(), { onPhase: (p) => phases.push(p) });
    expect(phases).to.deep.equal(['namespaces', 'sysctl', 'links', 'links', 'links', 'masters', 'sysctl', 'up', 'up', 'up', 'addresses', 'qdiscs', 'neighbours', 'nexthops', 'routes', 'rules']);
    expect(await lab.verify()).to.deep.equal([]);

    // ip, the independent oracle, sees the same network.
    const r1 = lab.ns('r1');
    const links = ipJson<{ ifname: string; mtu: number; master?: string; operstate: string }[]>(['link', 'show'], r1.namespace.fd);
    expect(links.find((l) => l.ifname === 'e2')).to.include({ mtu: 9000 });
    expect(links.find((l) => l.ifname === 'p0')).to.include({ master: 'br0' });
    expect(ipJson<unknown[]>(['route', 'show', 'table', '300'], r1.namespace.fd)).to.have.length(20);
    expect(ipJson<{ priority: number }[]>(['rule', 'show'], r1.namespace.fd).map((r) => r.priority)).to.include.members([1000, 1100, 1104, 1200, 1300]);
    expect(r1.run(() => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim())).to.equal('1');
    expect(execFileSync('ip', ['netns', 'exec', 'tb-r2', 'ip', '-j', 'route', 'show', 'default'], { encoding: 'utf8' })).to.include('10.70.12.1');
    // The current namespace's end of the veth, and its route and rule, are the lab's.
    expect(ipJson<{ ifname: string }[]>(['link', 'show', 'tb0']).map((l) => l.ifname)).to.deep.equal(['tb0']);

    const report = await lab.destroy();
    lab = undefined;
    expect(report.failed).to.deep.equal([]);
    expect(report.namespaces).to.have.length(2);
    await unchanged();
  });

  it('verify names each difference made behind its back with ip, and apply puts back only those', async () => {
    lab = await Lab.build(spec());
    const r1 = lab.ns('r1');
    execFileSync('ip', ['netns', 'exec', 'tb-r1', 'ip', 'route', 'del', '20.0.0.0/8']);
    execFileSync('ip', ['netns', 'exec', 'tb-r1', 'ip', 'rule', 'add', 'priority', '77', 'table', '77']);
    execFileSync('ip', ['netns', 'exec', 'tb-r1', 'ip', 'link', 'set', 'e2', 'mtu', '1500']);
    expect((await lab.verify()).map((d) => `${d.change} ${d.path}: ${d.what}`)).to.have.members([
      'missing namespaces.r1.routes[0]: route 20.0.0.0/8',
      'extra namespaces.r1: rule priority 77 (lookup 77)',
      'different namespaces.r1.links.e2: link e2 mtu 1500 (spec: 9000)',
    ]);
    const planned = await lab.apply(undefined, { dryRun: true });
    expect(planned.map((c) => c.action).sort()).to.deep.equal(['add', 'change', 'remove']);
    expect(await lab.verify()).to.have.length(3); // a dry run changes nothing

    const changes = await lab.apply();
    expect(changes.map((c) => `${c.action} ${c.path}`)).to.have.members(['remove namespaces.r1', 'change namespaces.r1.links.e2', 'add namespaces.r1.routes[0]']);
    expect(await lab.verify()).to.deep.equal([]);
    expect(await lab.apply()).to.deep.equal([]); // applied twice: nothing left to do
    expect((await r1.rtnl.rule.list({ family: 4 })).map((r) => r.priority)).to.not.include(77);
  });

  it('apply with an edited spec changes only the difference', async () => {
    lab = await Lab.build(spec());
    const edited = spec();
    const r1 = edited.namespaces!.r1!;
    r1.routes = [...r1.routes!.filter((r) => r.dst !== '40.0.0.0/24'), { dst: '60.0.0.0/8', type: 'unreachable' }];
    r1.links!.e2!.mtu = 8000;
    edited.namespaces!.r2!.links!.e1!.mtu = 8000;
    const changes = await lab.apply(edited);
    const lines = changes.map((c) => `${c.action} ${c.what}`);
    expect(lines.filter((l) => l.startsWith('remove'))).to.have.length(20); // the 20 routes of table 300
    expect(lines.filter((l) => !l.startsWith('remove'))).to.have.members(['add route 60.0.0.0/8', 'change link e2 mtu 9000 (spec: 8000)', 'change link e1 mtu 9000 (spec: 8000)']);
    expect(await lab.verify()).to.deep.equal([]);
  });

  it('apply refuses a spec that adds or removes namespaces, or names another topology, and changes nothing', async () => {
    lab = await Lab.build(spec());
    const refused = async (edited: TopologySpec): Promise<string> => {
      try {
        await lab!.apply(edited);
      } catch (e) {
        expect(e).to.have.property('code', 'ERR_TOPOLOGY_CHANGE');
        return (e as Error).message;
      }
      throw new Error('apply accepted the spec');
    };
    const more = spec();
    more.namespaces!.r3 = { routes: [{ dst: '10.9.0.0/16', type: 'blackhole' }] };
    expect(await refused(more)).to.match(/^namespaces r3 new in the spec: .*netnest down, then netnest up/);
    const fewer = spec();
    fewer.namespaces!.r1!.links!.e2 = { kind: 'veth', peer: 'p9', addresses: ['10.70.12.1/30'] };
    delete fewer.namespaces!.r2;
    expect(await refused(fewer)).to.match(/^namespaces r2 gone from it: /);
    expect(await refused({ ...spec(), name: 'other' })).to.equal('the spec names topology other, this lab is tb');
    expect(await lab.verify()).to.deep.equal([]);
  });

  it('a failure halfway removes everything built so far and names the spec\'s place and the kernel\'s answer', async () => {
    const s = spec();
    // The kernel refuses this one (a gateway no link reaches), after links, addresses and nexthops exist.
    s.namespaces!.r1!.routes!.push({ dst: '70.0.0.0/8', gateway: '203.0.113.1' });
    let err: unknown;
    try {
      lab = await Lab.build(s);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TopologyBuildError);
    const e = err as TopologyBuildError;
    expect(e.path).to.equal('namespaces.r1.routes[5]');
    expect(e.errnoName).to.equal('ENETUNREACH');
    expect(e.message).to.match(/^namespaces\.r1\.routes\[5\]: RTM_NEWROUTE 70\.0\.0\.0\/8 via 203\.0\.113\.1: ENETUNREACH/);
    expect(e.rollback?.failed).to.deep.equal([]);
    await unchanged();
  });

  it('sysctls set in the current namespace are put back by destroy', async () => {
    const ns = Namespace.current();
    const read = (): string => readFileSync('/proc/sys/net/ipv4/conf/all/forwarding', 'utf8').trim();
    try {
      const was = read();
      lab = await Lab.build({ name: 'tb', current: { sysctl: { 'net.ipv4.conf.all.forwarding': was === '1' ? 0 : 1 } } });
      expect(read()).to.not.equal(was);
      expect(await lab.verify()).to.deep.equal([]);
      const report = await lab.destroy();
      lab = undefined;
      expect(report.removed).to.deep.equal(['sysctl net.ipv4.conf.all.forwarding in root']);
      expect(read()).to.equal(was);
    } finally {
      ns.close();
    }
  });

  it('a kind this kernel lacks is refused with the option it needs, or made as the substitute the spec allows', async () => {
    const dummy: TopologySpec = { name: 'tb', namespaces: { r1: { links: { d0: { kind: 'dummy', addresses: ['10.71.0.1/32'] } } } } };
    let err: unknown;
    try {
      lab = await Lab.build(dummy);
    } catch (e) {
      err = e;
    }
    if (!err) {
      // This kernel has dummy after all: nothing to substitute.
      expect(await lab!.verify()).to.deep.equal([]);
      return;
    }
    expect(err).to.be.instanceOf(TopologyBuildError);
    expect((err as Error).message).to.match(/namespaces\.r1\.links\.d0: .*CONFIG_DUMMY.*substitute: \{ dummy: ifb \}/);
    lab = await Lab.build({ ...dummy, substitute: { dummy: 'ifb' } });
    expect(lab.report.substitutions).to.deep.equal(['namespaces.r1.links.d0: dummy → ifb (the kernel lacks CONFIG_DUMMY)']);
    expect((await lab.link('r1', 'd0')).kind).to.equal('ifb');
    expect(await lab.verify()).to.deep.equal([]);
  });

  it("the newer kinds' options: a vxlan over a veth is built with them and verified; a gre over it needs CONFIG_NET_IPGRE", async () => {
    const links = {
      e0: { kind: 'veth' as const, peer: 'e1', addresses: ['192.0.2.1/24'] },
      vx0: { kind: 'vxlan' as const, link: 'e0', vxlan: { id: 7, group: '192.0.2.2', dstport: 4789, df: 'set' as const, ttl: 'inherit' as const, l2miss: true, maxaddress: 10 } },
    };
    lab = await Lab.build({ name: 'tb', namespaces: { r1: { links } } });
    const vx0 = await lab.link('r1', 'vx0');
    expect(vx0.info).to.deep.include({ id: 7, group: '192.0.2.2', df: 'set', ttl: 'inherit', l2miss: true, maxaddress: 10, link: (await lab.link('r1', 'e0')).index });
    expect(await lab.verify()).to.deep.equal([]);
    await lab.destroy();
    lab = undefined;

    const gre1 = { kind: 'gre' as const, link: 'e0', gre: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, key: 9 } };
    try {
      lab = await Lab.build({ name: 'tb', namespaces: { r1: { links: { ...links, gre1 } } } });
    } catch (e) {
      expect(e).to.be.instanceOf(TopologyBuildError);
      expect((e as Error).message).to.match(/namespaces\.r1\.links\.gre1: .*CONFIG_NET_IPGRE/);
      return;
    }
    // This kernel has gre.
    expect((await lab.link('r1', 'gre1')).info).to.deep.include({ remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, ikey: 9, okey: 9 });
  });

  it('a manager given by the caller builds it; its cleanup removes it', async () => {
    const m = new NamespaceManager({ root: Namespace.current(), ephemeralRoot: true });
    try {
      lab = await Lab.build(spec(), { manager: m });
      expect(m.namespaces.map((n) => n.name)).to.deep.equal(['tb-r1', 'tb-r2']);
    } finally {
      lab = undefined;
      await m.dispose();
    }
    await unchanged();
  });
});
