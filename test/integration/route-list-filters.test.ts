// list() filters by family, table (number, name, 'all'), protocol, type and
// device, returning what `ip route show` with the same filter shows; and
// the kernel does the filtering (strict checking): the messages it sends
// for a filtered dump already match the filter. dump() takes the same
// filter with the same meaning.
import { expect } from 'chai';
import sinon from 'sinon';
import type { Namespace, Route, RouteFilter, Rtnl } from '../../src/index.js';
import { ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

interface IpRoute {
  dst: string;
  table?: string;
  [key: string]: unknown;
}

const TABLE_NAMES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };

describe('routes: list filters', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;
  let devs: Map<number, string>;

  before(async () => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    const lines = [
      'link set lo up',
      'link add v0 type veth peer name v1',
      // No link-local addresses: their routes would appear after DAD, between two reads.
      'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
      'link add w0 type veth peer name w1',
      'link set w0 addrgenmode none', 'link set w1 addrgenmode none',
      'link set v0 up', 'link set v1 up', 'link set w0 up', 'link set w1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 10.1.0.1/24 dev w0',
      'addr add 2001:db8::1/64 dev v0 nodad',
      'route add 20.0.0.0/24 via 10.0.0.2',
      'route add 20.0.1.0/24 via 10.1.0.2 proto static',
      'route add blackhole 20.0.2.0/24 proto static',
      'route add 20.0.0.0/24 via 10.0.0.2 table 100',
      'route add 20.0.1.0/24 via 10.1.0.2 table 100 proto static',
      'route add unreachable 20.0.3.0/24 table 100',
      'route add 2001:db8:1::/64 via 2001:db8::2 table 100',
      'route add blackhole 2001:db8:2::/64 table 100 proto static',
      'route add 20.0.0.0/24 via 10.1.0.2 table 1000',
      'route add blackhole 20.0.4.0/24 table 1000',
      'route add 2001:db8:3::/64 dev v0 table 2000',
      'route add 2001:db8:4::/64 via 2001:db8::2 proto static',
    ];
    // Many routes elsewhere: an unfiltered dump would bring them along.
    for (let i = 0; i < 500; i++) lines.push(`route add 30.0.${i >> 8}.${i & 255} via 10.0.0.2 table 200`);
    ipBatch(lines, ns);
    devs = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
  });

  afterEach(() => {
    sinon.restore();
  });

  const key = (r: Route): string => `${r.dst} ${TABLE_NAMES[r.table] ?? r.table}`;

  /** What ip shows for `route show ARGS`, IPv4 then IPv6 unless one family is asked for. */
  function ipShows(args: string[], family?: 4 | 6): string[] {
    const out: string[] = [];
    for (const f of family ? [family] : [4, 6]) {
      // ip leaves out the table when it is the one asked for; put it back.
      const asked = args.includes('table') ? args[args.indexOf('table') + 1] : 'main';
      for (const r of ipJson<IpRoute[]>(['-d', `-${f}`, 'route', 'show', ...args], ns)) out.push(`${r.dst} ${r.table ?? asked}`);
    }
    return out;
  }

  /** Every route the kernel sent for the dumps list() made, before any filtering in the library. */
  function kernelSent(): Route[] {
    const sent: Route[] = [];
    const sock = rtnl.socket;
    const list = sock.list.bind(sock);
    sinon.stub(sock, 'list').callsFake(((req: Parameters<typeof list>[0], decode: (m: Buffer) => unknown) =>
      list(req, (m) => {
        const v = decode(m);
        sent.push(v as Route);
        return v;
      })) as typeof sock.list);
    return sent;
  }

  const cases: [string, RouteFilter, string[], (4 | 6)?][] = [
    ['no filter: the main table, both families', {}, []],
    ['family 4', { family: 4, table: 'all' }, ['table', 'all'], 4],
    ['family 6', { family: 6, table: 'all' }, ['table', 'all'], 6],
    ["table 'all'", { table: 'all' }, ['table', 'all']],
    ['table by number', { table: 100 }, ['table', '100']],
    ["table by name 'local'", { table: 'local' }, ['table', 'local']],
    ["table by name 'main', IPv6", { table: 'main', family: 6 }, ['table', 'main'], 6],
    ['table >= 256, IPv4', { table: 1000, family: 4 }, ['table', '1000'], 4],
    ['protocol by name, every table', { table: 'all', protocol: 'static' }, ['table', 'all', 'proto', 'static']],
    ['protocol by number, one table', { table: 100, protocol: 4 }, ['table', '100', 'proto', 'static']],
    ['protocol kernel', { table: 'all', protocol: 'kernel', family: 4 }, ['table', 'all', 'proto', 'kernel'], 4],
    ['type blackhole, every table', { table: 'all', type: 'blackhole' }, ['table', 'all', 'type', 'blackhole']],
    ['type local', { table: 'local', type: 'local', family: 4 }, ['table', 'local', 'type', 'local'], 4],
    ['device, every table', { table: 'all', dev: 'w0' }, ['table', 'all', 'dev', 'w0']],
    ['device and protocol, IPv4', { table: 'all', dev: 'w0', protocol: 'static', family: 4 }, ['table', 'all', 'dev', 'w0', 'proto', 'static'], 4],
  ];

  for (const [title, filter, args, family] of cases) {
    it(`${title}: the routes ip shows, and only those came from the kernel`, async () => {
      const sent = kernelSent();
      const ours = await rtnl.route.list(filter);
      expect(ours.map(key)).to.deep.equal(ipShows(args, family));
      expect(ours.length).to.be.greaterThan(0);
      expect(sent.length).to.be.at.least(ours.length);

      // The kernel applied the filter: nothing else crossed the socket.
      const table = filter.table === undefined ? 254 : filter.table;
      for (const r of sent) {
        if (filter.family !== undefined) expect(r.family, key(r)).to.equal(filter.family);
        if (typeof table === 'number') expect(r.table, key(r)).to.equal(table);
        if (filter.table === 'local') expect(r.table, key(r)).to.equal(255);
        if (filter.protocol !== undefined) expect(r.protocol, key(r)).to.equal(filter.protocol === 4 ? 'static' : filter.protocol);
        if (filter.type !== undefined) expect(r.type, key(r)).to.equal(filter.type);
        if (filter.dev !== undefined) expect(devs.get(r.oif ?? 0), key(r)).to.equal(filter.dev);
      }
    });
  }

  it('a table >= 256 is filtered by the kernel too (RTA_TABLE), not in the library', async () => {
    const sent = kernelSent();
    const ours = await rtnl.route.list({ table: 1000, family: 4 });
    expect(ours.map(key)).to.deep.equal(['20.0.0.0/24 1000', '20.0.4.0/24 1000']);
    expect(sent.map(key)).to.deep.equal(ours.map(key));
  });

  it('a table that has routes of one family only lists them (both families asked)', async () => {
    // Table 1000 has IPv4 routes only, table 2000 IPv6 routes only.
    expect((await rtnl.route.list({ table: 1000 })).map(key)).to.deep.equal(['20.0.0.0/24 1000', '20.0.4.0/24 1000']);
    expect((await rtnl.route.list({ table: 2000 })).map(key)).to.deep.equal(['2001:db8:3::/64 2000']);
  });

  it('a table with no routes lists as empty', async () => {
    expect(await rtnl.route.list({ table: 77 })).to.deep.equal([]);
    expect(await rtnl.route.list({ table: 77, family: 4 })).to.deep.equal([]);
  });

  // dump() takes list()'s filter with the same meaning (it used to apply the table only).
  for (const [title, filter] of cases) {
    for (const family of filter.family === undefined ? ([4, 6] as const) : [filter.family]) {
      it(`dump() streams what list() returns for the same filter: ${title}, IPv${family}`, async () => {
        const f = { ...filter, family };
        const streamed: string[] = [];
        for await (const r of rtnl.route.dump(f)) streamed.push(key(r));
        expect(streamed).to.deep.equal((await rtnl.route.list(f)).map(key));
      });
    }
  }

  it('dump() streams one table of one family', async () => {
    const streamed: string[] = [];
    for await (const r of rtnl.route.dump({ family: 4, table: 200 })) streamed.push(key(r));
    expect(streamed).to.have.length(500);
    expect(new Set(streamed.map((k) => k.split(' ')[1]))).to.deep.equal(new Set(['200']));
  });
});
