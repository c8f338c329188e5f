// NetlinkSocket.requestNow(): a get sent and answered at once on the dump
// channel (cleanup() asks for namespace ids this way). The same answers as
// request(), the kernel's refusals thrown the same way, and nothing sent
// while a dump holds the channel.
import { expect } from 'chai';
import { NetlinkError } from '../../src/index.js';
import { decodeLink, encodeLinkGet } from '../../src/netlink/rtnl/link/codec.js';
import { decodeNsid, encodeNsidGet } from '../../src/netlink/rtnl/nsid/codec.js';
import { useNamespaces } from '../../src/testing/fixtures.js';

describe('socket: requestNow()', () => {
  const nn = useNamespaces();

  it('answers a get at once, as request() does', async () => {
    const ns = nn().create();
    const r = nn().rtnl();
    await r.link.add({ name: 'rn0', kind: 'veth', peer: { name: 'rn1', netns: ns.fd } }); // gives the namespace an id here
    const now = r.socket.requestNow(encodeNsidGet(ns.fd));
    expect(now, 'answered at once').to.not.equal(undefined);
    const later = await r.socket.request(encodeNsidGet(ns.fd));
    expect(now!.map(decodeNsid)).to.deep.equal(later.map(decodeNsid));
    expect(decodeNsid(now![0]!)).to.be.at.least(0);
    expect(await r.nsid.get(ns.fd)).to.equal(decodeNsid(now![0]!));
    const link = r.socket.requestNow(encodeLinkGet('rn0'));
    expect(link!.map((m) => decodeLink(m).name)).to.deep.equal(['rn0']);
  });

  it("throws the kernel's refusal as a NetlinkError", () => {
    const r = nn().rtnl();
    expect(() => r.socket.requestNow(encodeLinkGet('no-such-link'))).to.throw(NetlinkError).with.property('errnoName', 'ENODEV');
  });

  it('sends nothing while a dump runs, and nsid.get() still answers', async () => {
    const ns = nn().create();
    const r = nn().rtnl();
    await r.link.add({ name: 'rn0', kind: 'veth', peer: { name: 'rn1', netns: ns.fd } });
    const want = await r.nsid.get(ns.fd);
    const names: string[] = [];
    for await (const l of r.link.dump()) {
      names.push(l.name);
      expect(r.socket.requestNow(encodeNsidGet(ns.fd)), 'the dump holds the channel').to.equal(undefined);
      expect(await r.nsid.get(ns.fd)).to.equal(want);
    }
    expect(names).to.include.members(['lo', 'rn0']);
    // The read ahead after the dump's last part finds nothing and ends (its worker thread
    // reports back through the event loop); then the channel is free again.
    let now: Buffer[] | undefined;
    for (let turn = 0; turn < 500 && now === undefined; turn++) {
      await new Promise((res) => setTimeout(res, 1));
      now = r.socket.requestNow(encodeNsidGet(ns.fd));
    }
    expect(now?.map(decodeNsid)).to.deep.equal([want]);
  });
});
