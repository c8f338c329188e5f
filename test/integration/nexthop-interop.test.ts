// Nexthop objects, both directions: what netnest adds `ip -j -d nexthop`
// reads back (gateways, devices, blackholes, groups with weights, resilient
// groups with their timers), and nexthops made by `ip nexthop add` decode
// with the same values.
import { expect } from 'chai';
import { NetlinkError, type Namespace, type Nexthop, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { skipBecause } from '../support/skip.js';
import { addVeth } from '../support/veth.js';

/** `ip -j -d nexthop` entry (-d prints scope and protocol even when they are the defaults). */
interface IpNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  scope?: string;
  protocol?: string;
  blackhole?: null;
  group?: { id: number; weight?: number }[];
  type?: string;
  resilient_args?: { buckets: number; idle_timer: number; unbalanced_timer: number; unbalanced_time: number };
  flags: string[];
}

interface Compared {
  id: number;
  gateway?: string;
  oif?: number;
  blackhole: boolean;
  group?: { id: number; weight: number }[];
  type?: string;
  buckets?: number;
  idle_timer?: number;
  unbalanced_timer?: number;
  scope: string | number;
  protocol: string | number;
  flags: string[];
}

/** Drops undefined keys so that "absent" and "undefined" compare equal. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function fromIp(e: IpNexthop, index: Map<string, number>): Compared {
  const protocol = e.protocol !== undefined && /^\d+$/.test(e.protocol) ? Number(e.protocol) : e.protocol ?? 'unspec';
  return defined({
    id: e.id, gateway: e.gateway, oif: e.dev === undefined ? undefined : index.get(e.dev), blackhole: 'blackhole' in e,
    // ip leaves out weight 1 and the default (hash-threshold) group type.
    group: e.group?.map((m) => ({ id: m.id, weight: m.weight ?? 1 })), type: e.group ? e.type ?? 'mpath' : undefined,
    buckets: e.resilient_args?.buckets, idle_timer: e.resilient_args?.idle_timer, unbalanced_timer: e.resilient_args?.unbalanced_timer,
    scope: e.scope ?? 'global', protocol, flags: e.flags,
  });
}

function fromNetnest(n: Nexthop): Compared {
  return defined({
    id: n.id, gateway: n.gateway, oif: n.oif, blackhole: n.blackhole, group: n.group, type: n.type, buckets: n.buckets,
    idle_timer: n.idle_timer, unbalanced_timer: n.unbalanced_timer, scope: n.scope, protocol: n.protocol, flags: n.flags,
  });
}

// Blackhole nexthops sit on lo: the kernel refuses them while it is down.
describe('nexthops: interop with ip nexthop', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let index: Map<string, number>;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl, { lo: true });
    index = new Map((await rtnl.link.list()).map((l) => [l.name, l.index]));
  });

  const ipView = (args: string[] = []): Compared[] =>
    ipJson<IpNexthop[]>(['-d', ...args, 'nexthop', 'show'], ns).map((e) => fromIp(e, index));
  const ipOne = (id: number): Compared => {
    const found = ipView().find((c) => c.id === id);
    if (!found) throw new Error(`ip nexthop show has no id ${id}`);
    return found;
  };

  it('adds single nexthops and blackholes; ip reads back the same values', async () => {
    const v0 = index.get('v0')!;
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 2, gateway: '2001:db8::2', dev: 'v0', protocol: 'static' });
    await rtnl.nexthop.add({ id: 3, dev: 'v0' });
    await rtnl.nexthop.add({ id: 4, dev: v0, family: 6 });
    await rtnl.nexthop.add({ id: 5, gateway: '10.9.0.1', dev: 'v0', onlink: true, protocol: 77 });
    await rtnl.nexthop.add({ id: 6, blackhole: true });
    await rtnl.nexthop.add({ id: 7, blackhole: true, family: 6, protocol: 'zebra' });

    expect(ipView()).to.deep.equal([
      { id: 1, gateway: '10.0.0.2', oif: v0, blackhole: false, scope: 'link', protocol: 'unspec', flags: [] },
      { id: 2, gateway: '2001:db8::2', oif: v0, blackhole: false, scope: 'link', protocol: 'static', flags: [] },
      // A device-only IPv4 nexthop is host-scoped, an IPv6 one link-scoped (the kernel's choice).
      { id: 3, oif: v0, blackhole: false, scope: 'host', protocol: 'unspec', flags: [] },
      { id: 4, oif: v0, blackhole: false, scope: 'link', protocol: 'unspec', flags: [] },
      { id: 5, gateway: '10.9.0.1', oif: v0, blackhole: false, scope: 'link', protocol: 77, flags: ['onlink'] },
      { id: 6, blackhole: true, scope: 'global', protocol: 'unspec', flags: [] },
      { id: 7, blackhole: true, scope: 'global', protocol: 'zebra', flags: [] },
    ]);
    // The family ip uses for its -4/-6 filters.
    expect(ipJson<{ id: number }[]>(['-6', 'nexthop', 'show'], ns).map((e) => e.id)).to.deep.equal([2, 4, 7]);
  });

  it('adds weighted groups; ip shows the members and weights', async () => {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 2, gateway: '10.0.0.3', dev: 'v0' });
    await rtnl.nexthop.add({ id: 3, gateway: '2001:db8::3', dev: 'v0' });
    await rtnl.nexthop.add({ id: 10, group: [{ id: 1 }, { id: 2, weight: 5 }, { id: 3, weight: 256 }] });
    await rtnl.nexthop.add({ id: 11, group: [{ id: 2, weight: 1 }], type: 'mpath', protocol: 'static' });

    expect(ipOne(10)).to.deep.equal({
      id: 10, blackhole: false, group: [{ id: 1, weight: 1 }, { id: 2, weight: 5 }, { id: 3, weight: 256 }], type: 'mpath',
      scope: 'global', protocol: 'unspec', flags: [],
    });
    expect(ipOne(11)).to.deep.include({ group: [{ id: 2, weight: 1 }], protocol: 'static' });
    expect(ipJson<{ id: number }[]>(['nexthop', 'show', 'groups'], ns).map((e) => e.id)).to.deep.equal([10, 11]);
  });

  it('adds resilient groups with buckets and timers', async function () {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 2, gateway: '10.0.0.3', dev: 'v0' });
    try {
      await rtnl.nexthop.add({ id: 20, group: [{ id: 1, weight: 3 }, { id: 2 }], type: 'resilient', buckets: 32, idle_timer: 60, unbalanced_timer: 20 });
    } catch (e) {
      // Resilient groups came with Linux 5.13; older kernels refuse the group type.
      if (e instanceof NetlinkError && (e.code === 'EOPNOTSUPP' || (e.code === 'EINVAL' && /type/i.test(e.extackMessage ?? '')))) {
        skipBecause(this, `kernel lacks resilient nexthop groups (${e.message})`);
      }
      throw e;
    }
    await rtnl.nexthop.add({ id: 21, group: [{ id: 2 }], type: 'resilient', buckets: 4 });

    expect(ipOne(20)).to.deep.equal({
      id: 20, blackhole: false, group: [{ id: 1, weight: 3 }, { id: 2, weight: 1 }], type: 'resilient', buckets: 32, idle_timer: 60,
      unbalanced_timer: 20, scope: 'global', protocol: 'unspec', flags: [],
    });
    // Kernel defaults: 120 s idle timer, no unbalanced timer.
    expect(ipOne(21)).to.deep.include({ type: 'resilient', buckets: 4, idle_timer: 120, unbalanced_timer: 0 });
    // The buckets exist and are shared between the members.
    const buckets = ipJson<{ bucket: { nhid: number } }[]>(['nexthop', 'bucket', 'show', 'id', '20'], ns);
    expect(buckets).to.have.length(32);
    expect(new Set(buckets.map((b) => b.bucket.nhid))).to.deep.equal(new Set([1, 2]));
  });

  it('keeps group weights above 256 (kernel 6.12+); iproute2 before 6.12 shows only their low byte', async function () {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 2, gateway: '10.0.0.3', dev: 'v0' });
    await rtnl.nexthop.add({ id: 3, gateway: '10.0.0.4', dev: 'v0' });
    const group = [{ id: 1, weight: 300 }, { id: 2, weight: 65535 }, { id: 3, weight: 257 }];
    try {
      await rtnl.nexthop.add({ id: 10, group });
    } catch (e) {
      // Before 6.12 the high byte of the weight was a reserved field that had to be 0.
      if (e instanceof NetlinkError && e.code === 'EINVAL') skipBecause(this, `kernel lacks 16-bit nexthop weights (${e.message})`);
      throw e;
    }
    expect((await rtnl.nexthop.get(10)).group).to.deep.equal(group);
    expect((await rtnl.nexthop.list({ groups: true }))[0]!.group).to.deep.equal(group);
    // iproute2 reads weight_high from 6.12 on; before, it prints the low byte of weight - 1, plus 1:
    // 300 shows as 44, 65535 as 255, and 257 as no weight at all (1).
    const [major = 0, minor = 0] = /iproute2-(\d+)\.(\d+)/.exec(ip(['-V'], ns))?.slice(1).map(Number) ?? [];
    const wide = major > 6 || (major === 6 && minor >= 12);
    expect(ipOne(10).group).to.deep.equal(group.map((m) => ({ id: m.id, weight: wide ? m.weight : ((m.weight - 1) & 0xff) + 1 })));
  });

  it('lists what it added with the values ip prints', async () => {
    await rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0', protocol: 'static' });
    await rtnl.nexthop.add({ id: 2, gateway: '2001:db8::2', dev: 'v0' });
    await rtnl.nexthop.add({ id: 3, dev: 'v1' });
    await rtnl.nexthop.add({ id: 4, blackhole: true });
    await rtnl.nexthop.add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 2 }, { id: 3, weight: 9 }] });
    await rtnl.nexthop.add({ id: 11, group: [{ id: 1 }, { id: 2, weight: 4 }], type: 'resilient', buckets: 8, idle_timer: 5 });

    expect((await rtnl.nexthop.list()).map(fromNetnest)).to.deep.equal(ipView());
  });

  it('decodes nexthops made by ip nexthop add with the values ip prints', async () => {
    ipBatch([
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 2001:db8::2 dev v0 protocol bgp',
      'nexthop add id 3 dev v1',
      'nexthop add id 4 via 10.9.9.9 dev v0 onlink',
      'nexthop add id 5 blackhole',
      'nexthop add id 10 group 1/2,7/3,200',
      'nexthop add id 11 group 1,2/3 type resilient buckets 16 idle_timer 30 unbalanced_timer 10',
    ], ns);
    ip(['-6', 'nexthop', 'add', 'id', '6', 'blackhole'], ns);
    const ours = (await rtnl.nexthop.list()).map(fromNetnest);
    expect(ours).to.deep.equal(ipView());
    const by = (id: number): Compared => ours.find((c) => c.id === id)!;
    expect(by(2)).to.include({ gateway: '2001:db8::2', protocol: 'bgp' });
    expect(by(4).flags).to.deep.equal(['onlink']);
    expect(by(10).group).to.deep.equal([{ id: 1, weight: 1 }, { id: 2, weight: 7 }, { id: 3, weight: 200 }]);
    expect(by(11)).to.include({ type: 'resilient', buckets: 16, idle_timer: 30, unbalanced_timer: 10 });
    // Families: the IPv4 gateway, the IPv6 gateway and blackhole, and none for a group.
    const families = new Map((await rtnl.nexthop.list()).map((n) => [n.id, n.family]));
    expect([...families]).to.deep.equal([[1, 4], [2, 6], [3, 4], [4, 4], [5, 4], [6, 6], [10, undefined], [11, undefined]]);
  });

  it('filters like ip nexthop show -6 / dev / groups', async () => {
    ipBatch([
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 2001:db8::2 dev v0',
      'nexthop add id 3 dev v1',
      'nexthop add id 5 blackhole',
      'nexthop add id 10 group 1/3',
    ], ns);
    ip(['-6', 'nexthop', 'add', 'id', '4', 'dev', 'v1'], ns);
    const ids = (list: Nexthop[]): number[] => list.map((n) => n.id);
    const ipIds = (args: string[]): number[] => ipJson<{ id: number }[]>(args, ns).map((e) => e.id);
    expect(ids(await rtnl.nexthop.list({ family: 6 }))).to.deep.equal(ipIds(['-6', 'nexthop', 'show'])).and.deep.equal([2, 4]);
    expect(ids(await rtnl.nexthop.list({ family: 4 }))).to.deep.equal(ipIds(['-4', 'nexthop', 'show'])).and.deep.equal([1, 3, 5]);
    expect(ids(await rtnl.nexthop.list({ dev: 'v1' }))).to.deep.equal(ipIds(['nexthop', 'show', 'dev', 'v1'])).and.deep.equal([3, 4]);
    expect(ids(await rtnl.nexthop.list({ groups: true }))).to.deep.equal(ipIds(['nexthop', 'show', 'groups'])).and.deep.equal([10]);
  });
});
