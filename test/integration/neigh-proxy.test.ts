// Proxy ARP/NDP entries (`ip neigh add proxy ADDR dev DEV`) live in a table
// of their own: `list({ proxy: true })` shows them as `ip neigh show proxy`
// does, a plain list() never mixes them with regular entries, and deleting
// one leaves a regular entry for the same address alone.
import { expect } from 'chai';
import type { Namespace, Neigh, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { addVeth } from '../support/veth.js';

interface IpProxy {
  dst: string;
  dev: string;
  proxy?: null;
}

const key = (n: { dst: string; dev: string }): string => `${n.dev} ${n.dst}`;

describe('neighbours: proxy entries', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let names: Map<number, string>;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl);
    names = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
  });

  const ipProxies = (): string[] => ipJson<IpProxy[]>(['neigh', 'show', 'proxy'], ns).map((e) => {
    expect(e).to.have.property('proxy', null);
    return key(e);
  }).sort();
  const ours = (list: Neigh[]): string[] => list.map((n) => key({ dst: n.dst, dev: names.get(n.ifindex)! })).sort();

  it('adds IPv4 and IPv6 proxy entries that ip neigh show proxy lists', async () => {
    await rtnl.neigh.add({ dst: '10.0.0.50', dev: 'v0', proxy: true });
    await rtnl.neigh.add({ dst: '2001:db8::50', dev: 'v0', proxy: true });
    await rtnl.neigh.add({ dst: '10.0.0.51', dev: 'v1', proxy: true });

    expect(ipProxies()).to.deep.equal(['v0 10.0.0.50', 'v0 2001:db8::50', 'v1 10.0.0.51']);
    // Nothing landed in the regular table.
    expect(ipJson<unknown[]>(['neigh', 'show', 'nud', 'all', 'to', '10.0.0.50'], ns)).to.deep.equal([]);
  });

  it('list({ proxy: true }) decodes proxy entries made by ip, with the proxy flag', async () => {
    ipBatch([
      'neigh add proxy 10.0.0.60 dev v0',
      'neigh add proxy 2001:db8::60 dev v1',
      'neigh add 10.0.0.61 lladdr 02:00:00:00:00:61 dev v0',
    ], ns);
    const proxies = await rtnl.neigh.list({ proxy: true });
    expect(ours(proxies)).to.deep.equal(ipProxies());
    for (const n of proxies) {
      expect(n.proxy).to.equal(true);
      expect(n.flags).to.include('proxy');
      expect(n.lladdr).to.equal(undefined);
    }
    expect(proxies.map((n) => n.family).sort()).to.deep.equal([4, 6]);
  });

  it('a plain list() returns regular entries only', async () => {
    ipBatch(['neigh add proxy 10.0.0.60 dev v0', 'neigh add 10.0.0.61 lladdr 02:00:00:00:00:61 dev v0'], ns);
    const regular = await rtnl.neigh.list({ family: 4 });
    expect(regular.map((n) => n.dst)).to.deep.equal(['10.0.0.61']);
    expect(regular[0]!.proxy).to.equal(false);
  });

  it('list({ proxy: true, dev }) returns the proxies of that device only', async () => {
    ipBatch(['neigh add proxy 10.0.0.60 dev v0', 'neigh add proxy 10.0.0.61 dev v1', 'neigh add proxy 2001:db8::61 dev v1'], ns);
    expect(ours(await rtnl.neigh.list({ proxy: true, dev: 'v1' }))).to.deep.equal(['v1 10.0.0.61', 'v1 2001:db8::61']);
    expect(ours(await rtnl.neigh.list({ proxy: true, dev: 'v1', family: 6 }))).to.deep.equal(['v1 2001:db8::61']);
  });

  it('del with proxy: true removes the proxy entry and keeps a regular one for the same address', async () => {
    ipBatch(['neigh add proxy 10.0.0.70 dev v0', 'neigh add 10.0.0.70 lladdr 02:00:00:00:00:70 dev v0'], ns);
    await rtnl.neigh.del({ dst: '10.0.0.70', dev: 'v0', proxy: true });

    expect(ipProxies()).to.deep.equal([]);
    expect(ipJson<{ dst: string }[]>(['neigh', 'show', 'dev', 'v0', 'to', '10.0.0.70'], ns).map((e) => e.dst)).to.deep.equal(['10.0.0.70']);
  });

  it('adding a proxy entry that exists succeeds (the kernel reports no EEXIST for proxies)', async () => {
    await rtnl.neigh.add({ dst: '10.0.0.50', dev: 'v0', proxy: true });
    await rtnl.neigh.add({ dst: '10.0.0.50', dev: 'v0', proxy: true });
    expect(ipProxies()).to.deep.equal(['v0 10.0.0.50']);
  });
});
