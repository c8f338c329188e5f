// Neighbour entries, both directions: what netnest adds `ip -j neigh` reads
// back (dst, dev, lladdr, state, router flag, protocol), and entries made by
// `ip neigh add` decode with the same values.
import { expect } from 'chai';
import type { Namespace, Neigh, NeighSpec, Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { addVeth } from '../support/veth.js';

/** `ip -j neigh` entry: flags are printed as `name: null`, state NONE is left out. */
interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
  protocol?: string;
  [flag: string]: unknown;
}

interface Compared {
  dst: string;
  ifindex: number | undefined;
  lladdr: string | undefined;
  state: string[];
  router: boolean;
  proxy: boolean;
  extern_learn: boolean;
  protocol: string | number | undefined;
}

function fromIp(e: IpNeigh, index: Map<string, number>): Compared {
  // ip prints a protocol without a name as a string of digits; netnest as a number.
  const protocol = e.protocol !== undefined && /^\d+$/.test(e.protocol) ? Number(e.protocol) : e.protocol;
  return {
    dst: e.dst, ifindex: index.get(e.dev), lladdr: e.lladdr, state: e.state ?? ['NONE'], router: 'router' in e,
    proxy: 'proxy' in e, extern_learn: 'extern_learn' in e, protocol,
  };
}

function fromNetnest(n: Neigh): Compared {
  return {
    dst: n.dst, ifindex: n.ifindex, lladdr: n.lladdr, state: n.state, router: n.router, proxy: n.proxy,
    extern_learn: n.flags.includes('extern_learn'), protocol: n.protocol,
  };
}

// IPv6 multicast entries (MLD reports to ff02::16...) come and go on their own.
const mine = (c: Compared): boolean => !c.dst.startsWith('ff');
const byKey = (a: Compared, b: Compared): number => `${a.ifindex} ${a.dst}`.localeCompare(`${b.ifindex} ${b.dst}`);

/** A namespace with veth v0/v1 up, 10.0.0.1/24 and 2001:db8::1/64 on v0. */
describe('neighbours: interop with ip neigh', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let index: Map<string, number>;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl);
    index = new Map((await rtnl.link.list()).map((l) => [l.name, l.index]));
  });

  /** Every entry ip prints (`nud all`: noarp and state-less ones too), in the compared shape. */
  const ipView = (): Compared[] => ipJson<IpNeigh[]>(['neigh', 'show', 'nud', 'all'], ns).map((e) => fromIp(e, index)).filter(mine).sort(byKey);
  const ourView = async (): Promise<Compared[]> => (await rtnl.neigh.list()).map(fromNetnest).filter(mine).sort(byKey);

  it('adds ARP and NDP entries in every stable state; ip reads back the same values', async () => {
    const specs: NeighSpec[] = [
      { dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02' }, // default state: permanent
      { dst: '10.0.0.3', dev: 'v0', lladdr: '02:00:00:00:00:03', state: 'noarp' },
      { dst: '10.0.0.4', dev: 'v0', lladdr: '02:00:00:00:00:04', state: 'reachable', router: true },
      { dst: '10.0.0.5', dev: 'v0', lladdr: '02:00:00:00:00:05', state: 'stale', protocol: 'static' },
      { dst: '10.0.0.6', dev: 'v0', state: 'failed' },
      { dst: '10.0.0.7', dev: 'v0', state: 'incomplete' },
      { dst: '10.0.0.8', dev: 'v0', state: 'none' },
      { dst: '10.0.0.9', dev: 'v1', lladdr: '02:00:00:00:00:09', state: 'permanent', extern_learn: true },
      { dst: '2001:db8::2', dev: 'v0', lladdr: '02:00:00:00:01:02', state: 'permanent', router: true },
      { dst: '2001:db8::3', dev: 'v0', lladdr: '02:00:00:00:01:03', state: 'stale', protocol: 'zebra' },
      { dst: 'fe80::9', dev: index.get('v1')!, lladdr: '02:00:00:00:01:09', state: 'reachable' },
    ];
    for (const s of specs) await rtnl.neigh.add(s);

    const expected: Compared[] = specs.map((s) => ({
      dst: s.dst, ifindex: typeof s.dev === 'number' ? s.dev : index.get(s.dev), lladdr: s.lladdr,
      state: [(s.state ?? 'permanent').toUpperCase()], router: !!s.router, proxy: false, extern_learn: !!s.extern_learn,
      protocol: s.protocol,
    }));
    expect(ipView()).to.deep.equal(expected.sort(byKey));
  });

  it('accepts delay and probe entries; the kernel starts probing them at once', async () => {
    await rtnl.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02', state: 'delay' });
    await rtnl.neigh.add({ dst: '2001:db8::2', dev: 'v0', lladdr: '02:00:00:00:01:02', state: 'probe' });
    // These states run on kernel timers: by the time ip looks, DELAY may have
    // moved on to PROBE (and an unanswered PROBE to FAILED, dropping lladdr).
    for (const c of ipView()) {
      expect(c.dst).to.be.oneOf(['10.0.0.2', '2001:db8::2']);
      expect(c.state).to.satisfy((s: string[]) => ['DELAY', 'PROBE', 'FAILED'].includes(s.join()));
    }
    expect(ipView()).to.have.length(2);
  });

  it('lists what it added with the values ip prints', async () => {
    await rtnl.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02', router: true });
    await rtnl.neigh.add({ dst: '10.0.0.3', dev: 'v1', lladdr: '02:00:00:00:00:03', state: 'noarp', protocol: 'static' });
    await rtnl.neigh.add({ dst: '10.0.0.4', dev: 'v0', state: 'incomplete' });
    await rtnl.neigh.add({ dst: '2001:db8::2', dev: 'v0', lladdr: '02:00:00:00:01:02', state: 'stale' });
    const ours = await ourView();
    expect(ours.map((c) => c.dst)).to.have.members(['10.0.0.2', '10.0.0.3', '10.0.0.4', '2001:db8::2']);
    expect(ours).to.deep.equal(ipView());
  });

  it('decodes entries made by ip neigh add with the values ip prints', async () => {
    ipBatch([
      'neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent',
      'neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud noarp',
      'neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev v0 nud reachable router',
      'neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev v1 nud stale protocol static',
      'neigh add 10.0.0.6 dev v0 nud failed',
      'neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev v0 extern_learn',
      'neigh add 2001:db8::2 lladdr 02:00:00:00:01:02 dev v0 router',
      'neigh add 2001:db8::3 lladdr 02:00:00:00:01:03 dev v0 nud stale protocol 77',
    ], ns);
    const ours = await ourView();
    expect(ours).to.deep.equal(ipView());
    // And the values ip was given, in netnest's names.
    const by = (dst: string): Compared => ours.find((c) => c.dst === dst)!;
    expect(by('10.0.0.2')).to.include({ ifindex: index.get('v0'), lladdr: '02:00:00:00:00:02', router: false });
    expect(by('10.0.0.2').state).to.deep.equal(['PERMANENT']);
    expect(by('10.0.0.3').state).to.deep.equal(['NOARP']);
    expect(by('10.0.0.4')).to.include({ router: true });
    expect(by('10.0.0.4').state).to.deep.equal(['REACHABLE']);
    expect(by('10.0.0.5')).to.include({ ifindex: index.get('v1'), protocol: 'static' });
    expect(by('10.0.0.6')).to.include({ lladdr: undefined });
    expect(by('10.0.0.6').state).to.deep.equal(['FAILED']);
    expect(by('10.0.0.7')).to.include({ extern_learn: true });
    expect(by('2001:db8::2')).to.include({ router: true, lladdr: '02:00:00:00:01:02' });
    expect(by('2001:db8::3')).to.include({ protocol: 77 });
  });

  it('replace overwrites lladdr, state and flags of an entry, and adds a missing one', async () => {
    await rtnl.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02', router: true });
    await rtnl.neigh.replace({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:22', state: 'stale' });
    await rtnl.neigh.replace({ dst: '2001:db8::5', dev: 'v0', lladdr: '02:00:00:00:01:05', state: 'noarp' });

    const view = ipView();
    expect(view.filter((c) => c.dst === '10.0.0.2')).to.deep.equal([{
      dst: '10.0.0.2', ifindex: index.get('v0'), lladdr: '02:00:00:00:00:22', state: ['STALE'], router: false, proxy: false,
      extern_learn: false, protocol: undefined,
    }]);
    expect(view.find((c) => c.dst === '2001:db8::5')).to.include({ lladdr: '02:00:00:00:01:05' });
    expect(view.find((c) => c.dst === '2001:db8::5')!.state).to.deep.equal(['NOARP']);
  });

  it('del removes exactly the entry named by dst and dev', async () => {
    ipBatch([
      'neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0',
      'neigh add 10.0.0.2 lladdr 02:00:00:00:00:03 dev v1',
      'neigh add 2001:db8::2 lladdr 02:00:00:00:01:02 dev v0',
    ], ns);
    await rtnl.neigh.del({ dst: '10.0.0.2', dev: 'v0' });
    await rtnl.neigh.del({ dst: '2001:db8::2', dev: 'v0' });

    expect(ipView().map((c) => [c.dst, c.ifindex])).to.deep.equal([['10.0.0.2', index.get('v1')]]);
  });
});
