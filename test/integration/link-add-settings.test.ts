// Settings the kernel ignores or refuses in a create request are not lost:
// link.add applies them right after the link exists (an alias, on a veth's
// far end too, in whichever namespace each end lives), and when that fails
// the link it made is gone again. `ip` is the judge.
import { expect } from 'chai';
import { NetlinkError } from '../../src/index.js';
import { FreshNetns } from './fresh-netns.js';

describe('link.add: what the kernel does not take at creation', () => {
  const namespaces: FreshNetns[] = [];
  const fresh = (): FreshNetns => {
    const ns = new FreshNetns();
    namespaces.push(ns);
    return ns;
  };

  afterEach(() => {
    for (const ns of namespaces.splice(0)) ns.close();
  });

  it('gives a new link its alias', async () => {
    const ns = fresh();
    await ns.rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'lab bridge', up: true });

    expect(ns.ipLink('br0').ifalias).to.equal('lab bridge');
    expect((await ns.rtnl.link.get('br0')).alias).to.equal('lab bridge');
  });

  it('gives both ends of a veth their alias, each end in its own namespace', async () => {
    const here = fresh();
    const a = fresh();
    const b = fresh();
    await here.rtnl.link.add({
      name: 'va', kind: 'veth', netns: a.fd, alias: 'end a',
      peer: { name: 'vb', netns: b.fd, alias: 'end b', up: true },
    });

    expect(here.ipLinks().map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(a.ipLink('va').ifalias).to.equal('end a');
    expect(b.ipLink('vb').ifalias).to.equal('end b');
    expect(b.ipLink('vb').flags).to.include('UP');
  });

  it('removes a tun again when a setting after its creation is refused', async () => {
    const ns = fresh();
    const err = await ns.rtnl.link.add({ name: 'tun0', kind: 'tun', mtu: 100000 }).then(() => undefined, (e: unknown) => e);

    expect(err).to.be.instanceOf(NetlinkError);
    expect(err).to.include({ errnoName: 'EINVAL', extackMessage: 'mtu greater than device maximum' });
    expect(ns.ipLinks().map((l) => l.ifname)).to.deep.equal(['lo']);
  });
});
