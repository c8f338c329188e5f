// netnest's sockets set NETLINK_GET_STRICT_CHK, under which the kernel
// refuses dump requests with stray header fields — a classic way for a
// library to break rule and neighbour dumps. Every kind of dump must still
// work, and its filters must be applied by the kernel.
import { expect } from 'chai';
import sinon from 'sinon';
import { decodeRule, NetlinkError, NetlinkWriter, type Namespace, type Neigh, type Nexthop, type Rtnl } from '../../src/index.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

const RTM_GETRULE = 34;
const AF_INET = 2;

interface IpNeigh {
  dst: string;
  dev: string;
}

describe('dumps with strict checking on, for every object kind', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;
  let devs: Map<number, string>;

  before(async () => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    ipBatch([
      'link set lo up', // blackhole nexthops need it
      'link add v0 type veth peer name v1',
      // No link-local addresses: their routes would appear after DAD, between two reads.
      'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
      'link add w0 type veth peer name w1',
      'link set w0 addrgenmode none', 'link set w1 addrgenmode none',
      'link set v0 up', 'link set v1 up', 'link set w0 up', 'link set w1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 10.1.0.1/24 dev w0',
      'addr add 2001:db8::1/64 dev v0 nodad',
      'rule add priority 100 from 10.0.0.0/8 lookup 100',
      'rule add priority 101 fwmark 3 blackhole',
      'route add 20.0.0.0/24 via 10.0.0.2 table 100',
      'route add 20.0.1.0/24 via 10.1.0.2 table 100',
      'route add 20.0.2.0/24 via 10.0.0.2',
      'neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent',
      'neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud stale',
      'neigh add 10.1.0.2 lladdr 02:00:00:00:01:02 dev w0 nud permanent',
      'neigh add 2001:db8::2 lladdr 02:00:00:00:00:22 dev v0 nud permanent',
      'neigh add proxy 10.0.0.50 dev v0',
      'nexthop add id 1 via 10.0.0.2 dev v0',
      'nexthop add id 2 via 10.1.0.2 dev w0',
      'nexthop add id 3 blackhole',
      'nexthop add id 4 group 1/2',
    ], ns);
    ip(['-6', 'rule', 'add', 'priority', '100', 'from', '2001:db8::/32', 'lookup', '100'], ns);
    devs = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
  });

  afterEach(() => {
    sinon.restore();
  });

  /** Everything the kernel sent for the dumps made through list(), before the library filters anything. */
  function kernelSent<T>(): T[] {
    const sent: T[] = [];
    const sock = rtnl.socket;
    const list = sock.list.bind(sock);
    sinon.stub(sock, 'list').callsFake(((req: Parameters<typeof list>[0], decode: (m: Buffer) => unknown) =>
      list(req, (m) => {
        const v = decode(m);
        sent.push(v as T);
        return v;
      })) as typeof sock.list);
    return sent;
  }

  it('strict checking is really on: a rule dump with a stray header field is refused', async () => {
    const w = new NetlinkWriter(32);
    w.beginMessage(RTM_GETRULE, 0);
    w.u8(AF_INET);
    w.u8(0); w.u8(0);
    w.u8(0x10); // tos: meaningless in a dump request
    w.zeros(8);
    w.endMessage();
    const err = await rtnl.socket.list({ bytes: w.toBuffer(), describe: 'RTM_GETRULE dump with tos' }, decodeRule).then(
      () => undefined, (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(NetlinkError);
    expect(err).to.include({ code: 'EINVAL' });
    expect((err as NetlinkError).extackMessage).to.match(/header/i);
  });

  it('rules, both families: the same priorities ip lists', async () => {
    const v4 = ipJson<{ priority: number }[]>(['-4', 'rule', 'show'], ns).map((r) => r.priority);
    const v6 = ipJson<{ priority: number }[]>(['-6', 'rule', 'show'], ns).map((r) => r.priority);
    expect((await rtnl.rule.list({ family: 4 })).map((r) => r.priority)).to.deep.equal(v4);
    expect((await rtnl.rule.list({ family: 6 })).map((r) => r.priority)).to.deep.equal(v6);
    expect(v4).to.include.members([100, 101]);
  });

  it('routes of one table: only that table crosses the socket', async () => {
    const sent = kernelSent<{ table: number; dst: string }>();
    const routes = await rtnl.route.list({ table: 100, family: 4 });
    expect(routes.map((r) => r.dst)).to.deep.equal(['20.0.0.0/24', '20.0.1.0/24']);
    expect(sent.map((r) => r.table)).to.deep.equal([100, 100]);
  });

  it('neighbours of one device: what ip shows, and only that device crosses the socket', async () => {
    const sent = kernelSent<Neigh>();
    const list = await rtnl.neigh.list({ dev: 'v0' });
    // netnest lists every state (ip hides noarp entries unless `nud all`).
    // Multicast entries come and go with MLD reports: compare the others.
    const unicast = (dst: string): boolean => !dst.startsWith('ff');
    const theirs = ipJson<IpNeigh[]>(['neigh', 'show', 'dev', 'v0', 'nud', 'all'], ns).map((n) => n.dst).filter(unicast);
    expect(list.map((n) => n.dst).filter(unicast)).to.deep.equal(theirs);
    expect(theirs).to.include.members(['10.0.0.2', '10.0.0.3', '2001:db8::2']);
    expect(new Set(sent.map((n) => devs.get(n.ifindex)))).to.deep.equal(new Set(['v0']));
  });

  it('all neighbours, and proxy entries', async () => {
    const all = await rtnl.neigh.list({ family: 4 });
    expect(all.filter((n) => n.state.includes('PERMANENT')).map((n) => `${n.dst} ${devs.get(n.ifindex)}`))
      .to.include.members(['10.0.0.2 v0', '10.1.0.2 w0']);
    const proxies = await rtnl.neigh.list({ proxy: true });
    expect(proxies.map((n) => [n.dst, devs.get(n.ifindex), n.proxy])).to.deep.equal([['10.0.0.50', 'v0', true]]);
  });

  it('nexthops: all of them, those of one device (filtered by the kernel), and groups', async () => {
    expect((await rtnl.nexthop.list()).map((n) => n.id)).to.deep.equal([1, 2, 3, 4]);

    const sent = kernelSent<Nexthop>();
    const onW0 = await rtnl.nexthop.list({ dev: 'w0' });
    expect(onW0.map((n) => [n.id, n.gateway])).to.deep.equal([[2, '10.1.0.2']]);
    expect(sent.map((n) => n.id)).to.deep.equal([2]);

    const groups = await rtnl.nexthop.list({ groups: true });
    expect(groups.map((n) => [n.id, n.group])).to.deep.equal([[4, [{ id: 1, weight: 1 }, { id: 2, weight: 1 }]]]);
  });
});
