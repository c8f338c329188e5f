// `link.set()` changes what `ip link set` changes; `ip -j link` is the judge.
import { expect } from 'chai';
import type { Namespace, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipLink, ipLinks } from '../support/ip.js';

describe('changing links', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await rtnl.link.add({ name: 'set0', kind: 'veth', peer: { name: 'set1' } });
  });

  it('brings a link up and down', async () => {
    await rtnl.link.set('set0', { up: true });
    expect(ipLink('set0', { netns: ns }).flags).to.include('UP');
    expect((await rtnl.link.get('set0')).up).to.equal(true);

    await rtnl.link.set('set0', { up: false });
    expect(ipLink('set0', { netns: ns }).flags).not.to.include('UP');
    expect((await rtnl.link.get('set0')).up).to.equal(false);
  });

  it('sets mtu, address, alias and txqueuelen in one request', async () => {
    await rtnl.link.set('set0', { mtu: 1400, address: '02:00:00:00:00:09', alias: 'uplink to rack 7', txqueuelen: 500 });

    const l = ipLink('set0', { netns: ns });
    expect([l.mtu, l.address, l.ifalias, l.txqlen]).to.deep.equal([1400, '02:00:00:00:00:09', 'uplink to rack 7', 500]);
  });

  it('addresses a link by index as well as by name', async () => {
    const { index } = await rtnl.link.get('set0');
    await rtnl.link.set(index, { mtu: 1234, up: true });

    const l = ipLink('set0', { netns: ns });
    expect(l.mtu).to.equal(1234);
    expect(l.flags).to.include('UP');
  });

  it('renames a link, keeping its index', async () => {
    const before = ipLink('set0', { netns: ns });
    await rtnl.link.set('set0', { name: 'uplink0' });

    const names = ipLinks({ netns: ns }).map((l) => l.ifname);
    expect(names).to.include('uplink0').and.not.include('set0');
    expect(ipLink('uplink0', { netns: ns }).ifindex).to.equal(before.ifindex);
    // The peer still points at the renamed end.
    expect(ipLink('set1', { netns: ns }).link).to.equal('uplink0');
  });

  it('clears an alias with an empty string', async () => {
    await rtnl.link.set('set0', { alias: 'temporary' });
    expect(ipLink('set0', { netns: ns }).ifalias).to.equal('temporary');

    await rtnl.link.set('set0', { alias: '' });
    expect(ipLink('set0', { netns: ns }).ifalias).to.equal(undefined);
    expect((await rtnl.link.get('set0')).alias).to.equal(undefined);
  });

  it('enslaves a link to a bridge and releases it (master / nomaster)', async () => {
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await rtnl.link.set('set0', { master: 'br0' });

    expect(ipLink('set0', { netns: ns }).master).to.equal('br0');
    const bridge = await rtnl.link.get('br0');
    expect((await rtnl.link.get('set0')).master).to.equal(bridge.index);
    expect(ipLink('set0', { details: true, netns: ns }).linkinfo?.info_slave_kind).to.equal('bridge');

    await rtnl.link.set('set0', { master: null });
    expect(ipLink('set0', { netns: ns }).master).to.equal(undefined);
    expect((await rtnl.link.get('set0')).master).to.equal(undefined);
  });

  it('moves a link into another namespace', async () => {
    const other = nn().create();
    await rtnl.link.set('set0', { mtu: 1300 });

    await rtnl.link.set('set0', { netns: other.fd });

    expect(ipLinks({ netns: ns }).map((l) => l.ifname)).not.to.include('set0');
    expect(await rtnl.link.find('set0')).to.equal(undefined);
    const moved = ipLink('set0', { netns: other });
    expect(moved.mtu).to.equal(1300); // the same device, with its settings
    expect(moved.link_netnsid).to.be.a('number'); // its peer stayed behind
    expect((await nn().rtnl(other).link.get('set0')).kind).to.equal('veth');
  });
});
