// `link.set()` changes what `ip link set` changes; `ip -j link` is the judge.
import { expect } from 'chai';
import { FreshNetns } from './fresh-netns.js';

describe('changing links', () => {
  let ns: FreshNetns;
  const others: FreshNetns[] = [];

  beforeEach(async () => {
    ns = new FreshNetns();
    await ns.rtnl.link.add({ name: 'set0', kind: 'veth', peer: { name: 'set1' } });
  });

  afterEach(() => {
    for (const o of others.splice(0)) o.close();
    ns.close();
  });

  it('brings a link up and down', async () => {
    await ns.rtnl.link.set('set0', { up: true });
    expect(ns.ipLink('set0').flags).to.include('UP');
    expect((await ns.rtnl.link.get('set0')).up).to.equal(true);

    await ns.rtnl.link.set('set0', { up: false });
    expect(ns.ipLink('set0').flags).not.to.include('UP');
    expect((await ns.rtnl.link.get('set0')).up).to.equal(false);
  });

  it('sets mtu, address, alias and txqueuelen in one request', async () => {
    await ns.rtnl.link.set('set0', { mtu: 1400, address: '02:00:00:00:00:09', alias: 'uplink to rack 7', txqueuelen: 500 });

    const l = ns.ipLink('set0');
    expect([l.mtu, l.address, l.ifalias, l.txqlen]).to.deep.equal([1400, '02:00:00:00:00:09', 'uplink to rack 7', 500]);
  });

  it('addresses a link by index as well as by name', async () => {
    const { index } = await ns.rtnl.link.get('set0');
    await ns.rtnl.link.set(index, { mtu: 1234, up: true });

    const l = ns.ipLink('set0');
    expect(l.mtu).to.equal(1234);
    expect(l.flags).to.include('UP');
  });

  it('renames a link, keeping its index', async () => {
    const before = ns.ipLink('set0');
    await ns.rtnl.link.set('set0', { name: 'uplink0' });

    const names = ns.ipLinks().map((l) => l.ifname);
    expect(names).to.include('uplink0').and.not.include('set0');
    expect(ns.ipLink('uplink0').ifindex).to.equal(before.ifindex);
    // The peer still points at the renamed end.
    expect(ns.ipLink('set1').link).to.equal('uplink0');
  });

  it('clears an alias with an empty string', async () => {
    await ns.rtnl.link.set('set0', { alias: 'temporary' });
    expect(ns.ipLink('set0').ifalias).to.equal('temporary');

    await ns.rtnl.link.set('set0', { alias: '' });
    expect(ns.ipLink('set0').ifalias).to.equal(undefined);
    expect((await ns.rtnl.link.get('set0')).alias).to.equal(undefined);
  });

  it('enslaves a link to a bridge and releases it (master / nomaster)', async () => {
    await ns.rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await ns.rtnl.link.set('set0', { master: 'br0' });

    expect(ns.ipLink('set0').master).to.equal('br0');
    const bridge = await ns.rtnl.link.get('br0');
    expect((await ns.rtnl.link.get('set0')).master).to.equal(bridge.index);
    expect(ns.ipLink('set0', { details: true }).linkinfo?.info_slave_kind).to.equal('bridge');

    await ns.rtnl.link.set('set0', { master: null });
    expect(ns.ipLink('set0').master).to.equal(undefined);
    expect((await ns.rtnl.link.get('set0')).master).to.equal(undefined);
  });

  it('moves a link into another namespace', async () => {
    const other = new FreshNetns();
    others.push(other);
    await ns.rtnl.link.set('set0', { mtu: 1300 });

    await ns.rtnl.link.set('set0', { netns: other.fd });

    expect(ns.ipLinks().map((l) => l.ifname)).not.to.include('set0');
    expect(await ns.rtnl.link.find('set0')).to.equal(undefined);
    const moved = other.ipLink('set0');
    expect(moved.mtu).to.equal(1300); // the same device, with its settings
    expect(moved.link_netnsid).to.be.a('number'); // its peer stayed behind
    expect((await other.rtnl.link.get('set0')).kind).to.equal('veth');
  });
});
