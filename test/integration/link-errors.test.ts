// What a caller learns when the kernel refuses a link request: the errno as
// `code`, the request in the message, the kernel's extended-ACK text, and the
// caller's own field when the kernel points at an attribute.
import { expect } from 'chai';
import { NetlinkError, UnsupportedKernelFeatureError, UnsupportedLinkKindError, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipLinks } from '../support/ip.js';
import { skipBecause } from '../support/skip.js';

/** The NetlinkError a request failed with, or undefined when it succeeded. */
async function outcome(p: Promise<unknown>): Promise<NetlinkError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(NetlinkError);
    return e as NetlinkError;
  }
}

/** The NetlinkError of a request that must fail. */
async function rejection(p: Promise<unknown>): Promise<NetlinkError> {
  const err = await outcome(p);
  if (!err) throw new Error('expected the kernel to refuse the request');
  return err;
}

describe('link errors from the kernel', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('EEXIST when the name is taken, naming the request', async () => {
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    const err = await rejection(rtnl.link.add({ name: 'br0', kind: 'bridge' }));
    expect(err.code).to.equal('EEXIST');
    expect(err.request).to.equal('RTM_NEWLINK bridge br0');
    expect(err.message).to.contain('RTM_NEWLINK bridge br0').and.contain('EEXIST');
  });

  it('EEXIST when a veth peer name is taken', async () => {
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    const err = await rejection(rtnl.link.add({ name: 'v0', kind: 'veth', peer: { name: 'br0' } }));
    expect(err.code).to.equal('EEXIST');
    expect(err.message).to.contain('v0').and.contain('peer br0');
    expect(ipLinks({ netns: ns }).map((l) => l.ifname)).to.deep.equal(['lo', 'br0']); // nothing half-made
  });

  it('ENODEV for get, set and del of a missing link; find() gives undefined', async () => {
    const calls = [
      () => rtnl.link.get('nope0'), () => rtnl.link.get(4242), () => rtnl.link.del('nope0'), () => rtnl.link.set('nope0', { up: true }),
    ];
    for (const call of calls) {
      const err = await rejection(call());
      expect(err.code).to.equal('ENODEV');
      expect(err.errnoName).to.equal('ENODEV');
    }
    expect(await rtnl.link.find('nope0')).to.equal(undefined);
    expect(await rtnl.link.find(4242)).to.equal(undefined);
  });

  it('a kind the kernel lacks (dummy) is an UnsupportedLinkKindError', async function () {
    const err = await outcome(rtnl.link.add({ name: 'd0', kind: 'dummy' }));
    if (err === undefined) skipBecause(this, 'this kernel has CONFIG_DUMMY');
    expect(err).to.be.instanceOf(UnsupportedLinkKindError);
    expect(err.code).to.equal('ERR_LINK_KIND_UNSUPPORTED');
    expect(err.errnoName).to.equal('EOPNOTSUPP');
    expect(err.message).to.contain("the kernel does not support link kind 'dummy'").and.contain('CONFIG_DUMMY');
    expect((err as UnsupportedLinkKindError).kind).to.equal('dummy');
  });

  it('an option the kernel lacks is not mistaken for a missing link kind: it names the option', async function () {
    // Bridges exist here; VLAN filtering may be compiled out (EOPNOTSUPP with no message).
    const err = await outcome(rtnl.link.add({ name: 'br1', kind: 'bridge', bridge: { vlan_filtering: true } }));
    if (err === undefined) skipBecause(this, 'this kernel has CONFIG_BRIDGE_VLAN_FILTERING');
    expect(err.errnoName).to.equal('EOPNOTSUPP');
    expect(err).to.be.instanceOf(UnsupportedKernelFeatureError);
    expect(err).to.include({ code: 'ERR_KERNEL_FEATURE_UNSUPPORTED', option: 'CONFIG_BRIDGE_VLAN_FILTERING', field: 'bridge.vlan_filtering' });
    expect(err).not.to.be.instanceOf(UnsupportedLinkKindError);
  });

  it('maps the extended-ACK offset to the caller field: vxlan.srcport', async () => {
    const err = await rejection(rtnl.link.add({ name: 'vx1', kind: 'vxlan', vxlan: { id: 5, srcport: [2000, 1000] } }));
    expect(err.code).to.equal('EINVAL');
    expect(err.extackMessage).to.equal('Invalid source port range');
    expect(err.extackOffset).to.be.a('number');
    expect(err.field).to.equal('vxlan.srcport');
    expect(err.message).to.contain('Invalid source port range').and.contain('vxlan.srcport');
  });

  it('maps the extended-ACK offset to the caller field: a multicast MAC address', async () => {
    // The kernel points at IFLA_ADDRESS (checked on this kernel: 6.18).
    const err = await rejection(rtnl.link.add({ name: 'vx2', kind: 'vxlan', vxlan: { id: 6 }, address: '01:00:5e:00:00:01' }));
    expect(err.code).to.equal('EADDRNOTAVAIL');
    expect(err.extackMessage).to.equal('Provided Ethernet address is not unicast');
    expect(err.field).to.equal('address');
  });

  it('keeps the kernel message when there is no offset to map', async () => {
    await rtnl.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    const err = await rejection(rtnl.link.set('v0', { mtu: 100000 }));
    expect(err.code).to.equal('EINVAL');
    expect(err.extackMessage).to.equal('mtu greater than device maximum');
    expect(err.extackOffset).to.equal(undefined);
    expect(err.field).to.equal(undefined);
    expect(err.message).to.contain('RTM_NEWLINK set v0').and.contain('mtu greater than device maximum');
  });
});
