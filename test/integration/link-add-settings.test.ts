// Settings the kernel ignores or refuses in a create request are not lost:
// link.add applies them right after the link exists (an alias, on a veth's
// far end too, in whichever namespace each end lives), and when that fails
// the link it made is gone again. `ip` is the judge.
import { expect } from 'chai';
import { NetlinkError } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipLink, ipLinks } from '../support/ip.js';
import { needTun } from '../support/privilege.js';

describe('link.add: what the kernel does not take at creation', () => {
  const nn = useNamespaces();

  it('gives a new link its alias', async () => {
    const ns = nn().create();
    const rtnl = nn().rtnl(ns);
    await rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'lab bridge', up: true });

    expect(ipLink('br0', { netns: ns }).ifalias).to.equal('lab bridge');
    expect((await rtnl.link.get('br0')).alias).to.equal('lab bridge');
  });

  it('gives both ends of a veth their alias, each end in its own namespace', async () => {
    const here = nn().create();
    const a = nn().create();
    const b = nn().create();
    await nn().rtnl(here).link.add({
      name: 'va', kind: 'veth', netns: a.fd, alias: 'end a',
      peer: { name: 'vb', netns: b.fd, alias: 'end b', up: true },
    });

    expect(ipLinks({ netns: here }).map((l) => l.ifname)).to.deep.equal(['lo']);
    expect(ipLink('va', { netns: a }).ifalias).to.equal('end a');
    expect(ipLink('vb', { netns: b }).ifalias).to.equal('end b');
    expect(ipLink('vb', { netns: b }).flags).to.include('UP');
  });

  it('removes a tun again when a setting after its creation is refused', async function () {
    needTun(this);
    const ns = nn().create();
    const err = await nn().rtnl(ns).link.add({ name: 'tun0', kind: 'tun', mtu: 100000 }).then(() => undefined, (e: unknown) => e);

    expect(err).to.be.instanceOf(NetlinkError);
    expect(err).to.include({ errnoName: 'EINVAL', extackMessage: 'mtu greater than device maximum' });
    expect(ipLinks({ netns: ns }).map((l) => l.ifname)).to.deep.equal(['lo']);
  });
});
