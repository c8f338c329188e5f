// Bridge FDB entries, both directions, with `bridge -j fdb show` as the
// oracle: what netnest adds (a bridge's static and permanent entries, a
// device's own, a vxlan's remotes) bridge reads back, what `bridge fdb add`
// made netnest lists with the same values, and list filters, replace, del and
// the kernel's refusals behave as bridge's do.
import { expect } from 'chai';
import { NetlinkError, type Fdb, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { bridge, bridgeJson } from '../support/ip.js';

/** `bridge -j fdb show` entry. */
interface BridgeFdb {
  mac: string;
  ifname: string;
  master?: string;
  state: string;
  flags: string[];
  dst?: string;
  port?: number;
  vni?: number;
  viaIf?: string;
  vlan?: number;
}

interface Compared { mac: string; dev: string; master?: string; state: string; self: boolean; dst?: string; port?: number; vni?: number; via?: string }

const byKey = (a: Compared, b: Compared): number => `${a.dev} ${a.mac} ${a.dst}`.localeCompare(`${b.dev} ${b.mac} ${b.dst}`);
const clean = (c: Compared): Compared => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as Compared;

describe('fdb: interop with bridge fdb', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let names: Map<number, string>;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    // Links stay down: nothing is learned, no multicast address comes or goes.
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await rtnl.link.add({ name: 'v0', kind: 'veth', master: 'br0', peer: { name: 'v1' } });
    await rtnl.link.add({ name: 'vx0', kind: 'vxlan', master: 'br0', vxlan: { id: 42, dstport: 4789, local: '10.1.1.1', learning: false } });
    names = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
  });

  // bridge prints a REACHABLE (dynamic) entry's state as "".
  const fromBridge = (e: BridgeFdb): Compared => clean({
    mac: e.mac, dev: e.ifname, master: e.master, state: e.state || 'dynamic', self: e.flags.includes('self'),
    dst: e.dst, port: e.port, vni: e.vni, via: e.viaIf,
  });
  const fromNetnest = (e: Fdb): Compared => clean({
    mac: e.mac, dev: names.get(e.ifindex)!, master: e.master === undefined ? undefined : names.get(e.master), state: e.state,
    self: e.flags.includes('self'), dst: e.dst, port: e.port, vni: e.vni, via: e.via === undefined ? undefined : names.get(e.via),
  });
  const bridgeView = (args: string[] = []): Compared[] => bridgeJson<BridgeFdb[]>(['fdb', 'show', ...args], ns).map(fromBridge).sort(byKey);
  const ourView = async (filter: Parameters<Rtnl['fdb']['list']>[0] = {}): Promise<Compared[]> => (await rtnl.fdb.list(filter)).map(fromNetnest).sort(byKey);

  it('adds bridge, device and vxlan entries; bridge reads back the same values', async () => {
    const before = bridgeView();
    await rtnl.fdb.add({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'static' });
    await rtnl.fdb.add({ mac: '02:00:00:00:00:ab', dev: 'v0', master: true }); // permanent
    await rtnl.fdb.add({ mac: '02:00:00:00:00:ad', dev: 'v0' }); // the device's own (self)
    await rtnl.fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.2' });
    await rtnl.fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.3' }); // a vxlan with an IPv4 local address takes IPv4 remotes
    await rtnl.fdb.add({ mac: '02:00:00:00:00:ae', dev: 'vx0', dst: '10.0.0.4', vni: 100, port: 4790, via: 'v1' });
    const added = bridgeView().filter((e) => !before.some((b) => byKey(b, e) === 0));
    expect(added).to.deep.equal([
      { mac: '02:00:00:00:00:aa', dev: 'v0', master: 'br0', state: 'static', self: false },
      { mac: '02:00:00:00:00:ab', dev: 'v0', master: 'br0', state: 'permanent', self: false },
      { mac: '02:00:00:00:00:ad', dev: 'v0', state: 'permanent', self: true },
      { mac: '00:00:00:00:00:00', dev: 'vx0', state: 'permanent', self: true, dst: '10.0.0.2' },
      { mac: '00:00:00:00:00:00', dev: 'vx0', state: 'permanent', self: true, dst: '10.0.0.3' },
      { mac: '02:00:00:00:00:ae', dev: 'vx0', state: 'permanent', self: true, dst: '10.0.0.4', port: 4790, vni: 100, via: 'v1' },
    ].sort(byKey));
  });

  it('lists what bridge made with the values bridge prints, the kernel\'s own entries included', async () => {
    bridge(['fdb', 'add', '02:00:00:00:00:aa', 'dev', 'v0', 'master', 'static'], ns);
    bridge(['fdb', 'add', '02:00:00:00:00:ac', 'dev', 'v0', 'master', 'permanent'], ns);
    bridge(['fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.0.0.2'], ns);
    bridge(['fdb', 'add', '02:00:00:00:00:ae', 'dev', 'vx0', 'dst', '10.0.0.4', 'vni', '100', 'port', '4790', 'via', 'v1', 'self', 'permanent'], ns);
    expect(await ourView()).to.deep.equal(bridgeView());
    expect((await ourView()).length).to.be.greaterThan(6);
  });

  it('a dynamic entry on a forwarding port, as bridge shows it', async () => {
    for (const dev of ['br0', 'v0', 'v1']) await rtnl.link.set(dev, { up: true });
    await rtnl.fdb.add({ mac: '02:00:00:00:00:af', dev: 'v0', master: true, state: 'dynamic' });
    const want = { mac: '02:00:00:00:00:af', dev: 'v0', master: 'br0', state: 'dynamic', self: false };
    expect(bridgeView()).to.deep.include(want);
    expect(await ourView({ state: ['dynamic'] })).to.deep.include(want);
  });

  it('filters as `bridge fdb show br BR` and `dev DEV` do', async () => {
    await rtnl.fdb.add({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'static' });
    await rtnl.fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.2' });
    // With a filter bridge leaves out what it filtered on; the full view has the names.
    const full = bridgeView();
    const ofBr = bridgeJson<BridgeFdb[]>(['fdb', 'show', 'br', 'br0'], ns).length;
    expect(await ourView({ br: 'br0' })).to.have.length(ofBr);
    expect(await ourView({ dev: 'v0' })).to.deep.equal(full.filter((e) => e.dev === 'v0'));
    expect(await ourView({ dev: 'vx0', state: ['permanent'] })).to.deep.equal(full.filter((e) => e.dev === 'vx0' && e.state === 'permanent'));
    expect(await rtnl.fdb.list({ br: 'br0', dev: 'v1' })).to.deep.equal([]);
  });

  it('replace changes an entry; del removes exactly the entry or remote named', async () => {
    await rtnl.fdb.add({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'static' });
    await rtnl.fdb.replace({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'permanent' });
    expect(bridgeView().filter((e) => e.mac === '02:00:00:00:00:aa')).to.deep.equal([
      { mac: '02:00:00:00:00:aa', dev: 'v0', master: 'br0', state: 'permanent', self: false },
    ]);
    await rtnl.fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.2' });
    await rtnl.fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.3' });
    await rtnl.fdb.del({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.2' });
    await rtnl.fdb.del({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true });
    const left = bridgeView().filter((e) => e.mac === '02:00:00:00:00:aa' || e.dev === 'vx0' && e.self);
    expect(left).to.deep.equal([{ mac: '00:00:00:00:00:00', dev: 'vx0', state: 'permanent', self: true, dst: '10.0.0.3' }]);
  });

  it('the kernel\'s refusals: EEXIST for a second add, ENOENT for a missing entry', async () => {
    const spec = { mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'static' } as const;
    await rtnl.fdb.add(spec);
    const again = await rtnl.fdb.add(spec).then(() => undefined, (e: unknown) => e);
    expect(again).to.be.instanceOf(NetlinkError).and.include({ code: 'EEXIST' });
    expect((again as Error).message).to.equal('RTM_NEWNEIGH fdb 02:00:00:00:00:aa dev v0 master: EEXIST (File exists)');
    const missing = await rtnl.fdb.del({ mac: '02:00:00:00:00:99', dev: 'v0', master: true }).then(() => undefined, (e: unknown) => e);
    expect(missing).to.be.instanceOf(NetlinkError).and.include({ code: 'ENOENT' });
  });
});
