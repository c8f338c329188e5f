// Addresses, both directions: what netnest adds `ip -j addr` reads back, and
// what `ip addr add` adds netnest decodes with the same values.
import { expect } from 'chai';
import { NetlinkError, type Address, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipAddrs, ipBatch, ipJson, type IpAddrInfo } from '../support/ip.js';

/** An address as `ip -j addr` would print it: flags become `name: true` keys. */
function ipStyle(a: Address): Record<string, unknown> {
  const v: Record<string, unknown> = {
    family: a.family === 4 ? 'inet' : 'inet6', local: a.local, address: a.peer, prefixlen: a.prefixlen,
    broadcast: a.broadcast, scope: a.scope, label: a.label,
  };
  for (const f of a.flags) {
    if (f === 'permanent') continue;
    // ip calls IPv6 secondary addresses "temporary", and spells stable_privacy with a dash.
    const name = f === 'secondary' && a.family === 6 ? 'temporary' : f === 'stable_privacy' ? 'stable-privacy' : f;
    v[name] = true;
  }
  if (!a.flags.includes('permanent')) v.dynamic = true;
  return v;
}

/** ip's entry without lifetimes (compared apart: they count down between two reads). */
function withoutLifetimes(a: IpAddrInfo): Record<string, unknown> {
  const { valid_life_time: _v, preferred_life_time: _p, ...rest } = a;
  return { address: undefined, broadcast: undefined, label: undefined, ...rest };
}

function sameLifetimes(ours: Address, theirs: IpAddrInfo): void {
  const close = (a: number | undefined, b: number): boolean => a === b || (b !== 0xffffffff && a !== undefined && Math.abs(a - b) <= 1);
  expect(close(ours.valid_lft, theirs.valid_life_time), `valid_lft ${ours.valid_lft} vs ${theirs.valid_life_time}`).to.equal(true);
  expect(close(ours.preferred_lft, theirs.preferred_life_time), `preferred_lft ${ours.preferred_lft} vs ${theirs.preferred_life_time}`).to.equal(true);
}

describe('addresses', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    // The peer stays down: no carrier, so IPv6 DAD never runs and flags stay put.
    await rtnl.link.add({ name: 'a0', kind: 'veth', up: true, peer: { name: 'a1' } });
    await rtnl.link.add({ name: 'b0', kind: 'veth', up: true, peer: { name: 'b1' } });
  });

  const find = (list: IpAddrInfo[], local: string): IpAddrInfo => {
    const a = list.find((x) => x.local === local);
    if (!a) throw new Error(`ip does not show ${local}: ${JSON.stringify(list)}`);
    return a;
  };

  it('adds IPv4 with computed broadcast, label, scope and lifetimes; ip reads them back', async () => {
    await rtnl.addr.add({
      dev: 'a0', local: '10.0.1.1/24', broadcast: '+', label: 'a0:web', scope: 'link', valid_lft: 100, preferred_lft: 50,
    });

    const a = find(ipAddrs('a0', { netns: ns }), '10.0.1.1');
    expect(a).to.include({
      family: 'inet', prefixlen: 24, broadcast: '10.0.1.255', label: 'a0:web', scope: 'link', dynamic: true,
    });
    expect(a.valid_life_time).to.be.within(99, 100);
    expect(a.preferred_life_time).to.be.within(49, 50);
  });

  it('adds IPv4 with an explicit broadcast and a point-to-point peer', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.3.1/16', broadcast: '10.0.3.255' });
    await rtnl.addr.add({ dev: 'a0', local: '10.0.2.1', peer: '10.0.2.2/32' });

    const list = ipAddrs('a0', { netns: ns });
    expect(find(list, '10.0.3.1')).to.include({ prefixlen: 16, broadcast: '10.0.3.255', scope: 'global', label: 'a0' });
    expect(find(list, '10.0.2.1')).to.include({ address: '10.0.2.2', prefixlen: 32 });
    expect(find(list, '10.0.2.1').valid_life_time).to.equal(0xffffffff);
  });

  it('adds IPv6 with nodad and noprefixroute, and with lifetimes', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '2001:db8::1/64', flags: ['nodad', 'noprefixroute'] });
    await rtnl.addr.add({ dev: 'a0', local: '2001:db8:1::1/64', flags: ['nodad'], valid_lft: 3600, preferred_lft: 1800 });

    const list = ipAddrs('a0', { netns: ns });
    expect(find(list, '2001:db8::1')).to.include({ family: 'inet6', prefixlen: 64, scope: 'global', nodad: true, noprefixroute: true });
    expect(find(list, '2001:db8::1').dynamic).to.equal(undefined);
    const timed = find(list, '2001:db8:1::1');
    expect(timed).to.include({ nodad: true, dynamic: true });
    expect(timed.noprefixroute).to.equal(undefined);
    expect(timed.valid_life_time).to.be.within(3599, 3600);
    expect(timed.preferred_life_time).to.be.within(1799, 1800);
    // noprefixroute: no kernel route for 2001:db8::/64, but one for 2001:db8:1::/64.
    const routes = ipJson<{ dst: string }[]>(['-6', 'route', 'show', 'dev', 'a0'], ns).map((r) => r.dst);
    expect(routes).to.include('2001:db8:1::/64').and.not.include('2001:db8::/64');
  });

  it('decodes what it added with the values ip prints', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.1.1/24', broadcast: '+', label: 'a0:x', scope: 'host', valid_lft: 200, preferred_lft: 100 });
    await rtnl.addr.add({ dev: 'a0', local: '10.0.8.1/24' });
    await rtnl.addr.add({ dev: 'a0', local: '10.0.8.2/24' }); // secondary
    await rtnl.addr.add({ dev: 'a0', local: '10.0.2.1', peer: '10.0.2.2/32' });
    await rtnl.addr.add({ dev: 'a0', local: '2001:db8:5::1/64', flags: ['nodad', 'noprefixroute'] });
    compareWithIp(await rtnl.addr.list({ dev: 'a0' }), ipAddrs('a0', { netns: ns }));
  });

  it('decodes addresses added by ip addr add with the values ip prints', async () => {
    ipBatch([
      'addr add 10.0.1.1/24 brd + dev a0 label a0:1 scope link valid_lft 100 preferred_lft 50',
      'addr add 10.0.2.1 peer 10.0.2.2/32 dev a0',
      'addr add 10.0.3.1/16 broadcast 10.0.3.255 dev a0',
      'addr add 10.0.3.2/16 dev a0',
      'addr add 2001:db8::1/64 dev a0 nodad noprefixroute',
      'addr add 2001:db8:1::1/64 dev a0 valid_lft 3600 preferred_lft 1800',
    ], ns);
    const ours = await rtnl.addr.list({ dev: 'a0' });
    compareWithIp(ours, ipAddrs('a0', { netns: ns }));
    // And the values ip was given, in netnest's names.
    const by = (local: string): Address => ours.find((a) => a.local === local)!;
    expect(by('10.0.1.1')).to.include({ prefixlen: 24, broadcast: '10.0.1.255', label: 'a0:1', scope: 'link' });
    expect(by('10.0.2.1')).to.include({ peer: '10.0.2.2', prefixlen: 32 });
    expect(by('10.0.3.2').flags).to.include('secondary');
    expect(by('2001:db8::1').flags).to.include.members(['nodad', 'noprefixroute', 'permanent']);
    expect(by('2001:db8:1::1').flags).to.include('tentative').and.not.include('permanent');
    expect(by('2001:db8:1::1').valid_lft).to.be.within(3599, 3600);
  });

  it('replace updates lifetimes of an existing address and adds a missing one', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.5.1/24', valid_lft: 100, preferred_lft: 100 });
    await rtnl.addr.replace({ dev: 'a0', local: '10.0.5.1/24', valid_lft: 500, preferred_lft: 400 });
    await rtnl.addr.replace({ dev: 'a0', local: '10.0.6.1/24' });

    const list = ipAddrs('a0', { netns: ns });
    expect(list.filter((a) => a.local === '10.0.5.1')).to.have.length(1);
    expect(find(list, '10.0.5.1').valid_life_time).to.be.within(499, 500);
    expect(find(list, '10.0.5.1').preferred_life_time).to.be.within(399, 400);
    expect(find(list, '10.0.6.1').valid_life_time).to.equal(0xffffffff);
  });

  it('lists by dev and by family', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.1.1/24' });
    await rtnl.addr.add({ dev: 'a0', local: '2001:db8::1/64', flags: ['nodad'] });
    await rtnl.addr.add({ dev: 'b0', local: '10.0.9.1/24' });
    const a0 = (await rtnl.link.get('a0')).index;

    const onA0 = await rtnl.addr.list({ dev: 'a0' });
    expect(onA0.every((a) => a.index === a0)).to.equal(true);
    expect(onA0.map((a) => a.local)).to.include.members(['10.0.1.1', '2001:db8::1']).and.not.include('10.0.9.1');
    expect((await rtnl.addr.list({ dev: 'a0', family: 4 })).map((a) => a.local)).to.deep.equal(['10.0.1.1']);
    const v6 = await rtnl.addr.list({ family: 6 });
    expect(v6.every((a) => a.family === 6)).to.equal(true);
    expect(v6.map((a) => a.local)).to.include('2001:db8::1');
    expect((await rtnl.addr.list({ family: 4 })).map((a) => a.local).sort()).to.deep.equal(['10.0.1.1', '10.0.9.1']);
  });

  it('deletes IPv4 and IPv6 addresses', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.1.1/24' });
    await rtnl.addr.add({ dev: 'a0', local: '10.0.2.1', peer: '10.0.2.2/32' });
    await rtnl.addr.add({ dev: 'a0', local: '2001:db8::1/64', flags: ['nodad'] });

    await rtnl.addr.del({ dev: 'a0', local: '10.0.1.1/24' });
    await rtnl.addr.del({ dev: 'a0', local: '10.0.2.1', peer: '10.0.2.2/32' });
    await rtnl.addr.del({ dev: 'a0', local: '2001:db8::1/64' });

    const left = ipAddrs('a0', { netns: ns }).map((a) => a.local);
    expect(left).not.to.include.any.members(['10.0.1.1', '10.0.2.1', '2001:db8::1']);
  });

  it('EEXIST when adding an address twice', async () => {
    await rtnl.addr.add({ dev: 'a0', local: '10.0.1.1/24' });
    const err = await rtnl.addr.add({ dev: 'a0', local: '10.0.1.1/24' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(NetlinkError);
    expect(err).to.include({ code: 'EEXIST', request: 'RTM_NEWADDR 10.0.1.1/24 dev a0' });
  });

  it("EADDRNOTAVAIL with the kernel's message when deleting a missing address", async () => {
    const v4 = await rtnl.addr.del({ dev: 'a0', local: '10.9.9.9/24' }).then(() => undefined, (e: unknown) => e);
    expect(v4).to.be.instanceOf(NetlinkError);
    expect(v4).to.include({ code: 'EADDRNOTAVAIL', extackMessage: 'ipv4: Address not found' });
    expect((v4 as Error).message).to.contain('RTM_DELADDR 10.9.9.9/24 dev a0').and.contain('ipv4: Address not found');
    const v6 = await rtnl.addr.del({ dev: 'a0', local: '2001:db8::9/64' }).then(() => undefined, (e: unknown) => e);
    expect(v6).to.include({ code: 'EADDRNOTAVAIL', extackMessage: 'ipv6: address not found' });
  });
});

/** Every address on both sides, matched by local address and compared field by field. */
function compareWithIp(ours: Address[], theirs: IpAddrInfo[]): void {
  expect(ours.map((a) => a.local).sort()).to.deep.equal(theirs.map((a) => a.local).sort());
  for (const a of ours) {
    const t = theirs.find((x) => x.local === a.local)!;
    expect(ipStyle(a), a.local).to.deep.equal(withoutLifetimes(t));
    sameLifetimes(a, t);
  }
}
