// Listing neighbours by device and by family returns exactly what
// `ip -4|-6 neigh show dev DEV nud all` prints: entries of other devices and
// of the other family never leak in.
import { expect } from 'chai';
import { ValidationError, type Family, type Namespace, type Rtnl } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';
import { addVeth } from '../support/veth.js';

describe('neighbours: list filtered by device and family', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;
  let index: Map<string, number>;

  before(async () => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    await addVeth(rtnl);
    index = new Map((await rtnl.link.list()).map((l) => [l.name, l.index]));
    // The same addresses on both devices, so only the device tells them apart.
    ipBatch([
      'neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0',
      'neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud stale',
      'neigh add 10.0.0.2 lladdr 02:00:00:00:01:02 dev v1',
      'neigh add 2001:db8::2 lladdr 02:00:00:00:00:12 dev v0',
      'neigh add 2001:db8::2 lladdr 02:00:00:00:01:12 dev v1 nud noarp',
      'neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev lo',
    ], ns);
  });

  /** "dev dst lladdr" of every non-multicast entry ip prints for these filters. */
  const ipView = (family: Family | undefined, dev: string): string[] =>
    ipJson<{ dst: string; lladdr?: string }[]>([...(family ? [`-${family}`] : []), 'neigh', 'show', 'dev', dev, 'nud', 'all'], ns)
    .filter((e) => !e.dst.startsWith('ff'))
    .map((e) => `${dev} ${e.dst} ${e.lladdr}`)
    .sort();

  const ours = async (family: Family | undefined, dev: string | number): Promise<string[]> => {
    const list = await rtnl.neigh.list({ dev, ...(family && { family }) });
    const name = typeof dev === 'number' ? [...index].find(([, i]) => i === dev)![0] : dev;
    for (const n of list) expect(n.ifindex, `${n.dst} is on ifindex ${n.ifindex}, not ${name}`).to.equal(index.get(name));
    return list.filter((n) => !n.dst.startsWith('ff')).map((n) => `${name} ${n.dst} ${n.lladdr}`).sort();
  };

  for (const dev of ['v0', 'v1', 'lo']) {
    for (const family of [undefined, 4, 6] as const) {
      it(`dev ${dev}${family ? `, IPv${family}` : ''}: the entries ip shows, no others`, async () => {
        const expected = ipView(family, dev);
        expect(await ours(family, dev)).to.deep.equal(expected);
        if (family) expect((await rtnl.neigh.list({ dev, family })).every((n) => n.family === family)).to.equal(true);
      });
    }
  }

  it('takes the device by index as well as by name', async () => {
    expect(await ours(4, index.get('v1')!)).to.deep.equal(['v1 10.0.0.2 02:00:00:00:01:02']);
  });

  it('by family alone: every device, one family', async () => {
    const v6 = (await rtnl.neigh.list({ family: 6 })).filter((n) => !n.dst.startsWith('ff'));
    expect(v6.map((n) => `${n.ifindex} ${n.dst}`).sort()).to.deep.equal([`${index.get('v0')} 2001:db8::2`, `${index.get('v1')} 2001:db8::2`].sort());
  });

  it('rejects a family other than 4 or 6 and an unknown device', async () => {
    const family = await rtnl.neigh.list({ family: 5 as Family }).then(() => undefined, (e: unknown) => e);
    expect(family).to.be.instanceOf(ValidationError).and.include({ field: 'family' });
    const dev = await rtnl.neigh.list({ dev: 'nope0' }).then(() => undefined, (e: unknown) => e);
    expect(dev).to.have.property('code', 'ENODEV');
  });
});
