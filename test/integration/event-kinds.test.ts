// rtnl.events() reports what other processes change: every `ip` command here
// runs as a child process in the client's namespace, and its change arrives
// as a typed event (action 'new' or 'del') with the fields `ip` was given.
import { expect } from 'chai';
import type { Namespace, Rtnl, RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip } from '../support/ip.js';
import { tc } from '../support/tc.js';

type Kind = Exclude<RtnlEvent['kind'], 'overrun'>;
type EventOf<K extends RtnlEvent['kind']> = Extract<RtnlEvent, { kind: K }>;

function show(e: RtnlEvent): string {
  switch (e.kind) {
    case 'route': return `route ${e.action} ${e.route.dst} table ${e.route.table}`;
    case 'link': return `link ${e.action} ${e.link.name}`;
    case 'address': return `address ${e.action} ${e.address.local}`;
    case 'rule': return `rule ${e.action} ${e.rule.priority}`;
    case 'neigh': return `neigh ${e.action} ${e.neigh.dst}`;
    case 'nexthop': return `nexthop ${e.action} ${e.nexthop.id}`;
    case 'fdb': return `fdb ${e.action} ${e.fdb.mac}`;
    case 'nsid': return `nsid ${e.action} ${e.nsid}`;
    case 'qdisc': return `qdisc ${e.action} ${e.qdisc.kind} ${e.qdisc.handle}`;
    case 'tclass': return `tclass ${e.action} ${e.tclass.classid}`;
    case 'filter': return `filter ${e.action} ${e.filter.kind} pref ${e.filter.pref}`;
    case 'overrun': return 'overrun';
  }
}

/**
 * The next event of `kind` that `match` accepts, skipping the others. The
 * bound only turns a missing event into a failure instead of a hang.
 */
async function nextEvent<K extends Kind>(
  it: AsyncIterator<RtnlEvent>, kind: K, match: (e: EventOf<K>) => boolean, ms = 5000,
): Promise<EventOf<K>> {
  const seen: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching ${kind} event within ${ms} ms; saw: ${seen.join('; ') || 'nothing'}`)), ms);
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), deadline]);
      if (r.done) throw new Error(`the iteration ended before a matching ${kind} event; saw: ${seen.join('; ') || 'nothing'}`);
      if (r.value.kind === kind && match(r.value as EventOf<K>)) return r.value as EventOf<K>;
      seen.push(show(r.value));
    }
  } finally {
    clearTimeout(timer);
  }
}

describe('events: changes made by other processes', () => {
  let events: AsyncIterableIterator<RtnlEvent>;

  // Before useNamespaces(): afterEach hooks run in the order they are declared,
  // so the subscriptions end before the manager closes the client.
  afterEach(async () => {
    await events?.return?.();
  });

  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let v0: number;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await rtnl.link.set('lo', { up: true });
    await rtnl.link.add({ name: 'v0', kind: 'veth', up: true, peer: { name: 'v1', up: true } });
    await rtnl.addr.add({ dev: 'v0', local: '10.0.0.1/24' });
    await rtnl.addr.add({ dev: 'v0', local: '2001:db8::1/64', flags: ['nodad'] });
    v0 = await rtnl.link.index('v0');
    events = rtnl.events();
  });

  it('ip route add: a route "new" event with dst, gateway, table, protocol and metric', async () => {
    ip(['route', 'add', '192.168.7.0/24', 'via', '10.0.0.2', 'table', '100', 'metric', '7', 'proto', 'static'], ns);
    const e = await nextEvent(events, 'route', (x) => x.route.dst === '192.168.7.0/24');
    expect(e.action).to.equal('new');
    expect(e.route).to.include({
      family: 4, dst: '192.168.7.0/24', dst_len: 24, gateway: '10.0.0.2', oif: v0, table: 100, protocol: 'static', metric: 7,
      type: 'unicast', scope: 'global',
    });
  });

  it('ip route del: a route "del" event for the same route', async () => {
    ip(['route', 'add', '192.168.7.0/24', 'via', '10.0.0.2', 'table', '100', 'metric', '7', 'proto', 'static'], ns);
    await nextEvent(events, 'route', (x) => x.action === 'new' && x.route.dst === '192.168.7.0/24');
    ip(['route', 'del', '192.168.7.0/24', 'table', '100', 'metric', '7'], ns);
    const e = await nextEvent(events, 'route', (x) => x.route.dst === '192.168.7.0/24');
    expect(e.action).to.equal('del');
    expect(e.route).to.include({ gateway: '10.0.0.2', table: 100, protocol: 'static', metric: 7 });
  });

  it('IPv6 routes: add and del, with gateway and metric', async () => {
    ip(['-6', 'route', 'add', '2001:db8:7::/64', 'via', '2001:db8::2', 'metric', '300', 'proto', 'zebra'], ns);
    const added = await nextEvent(events, 'route', (x) => x.route.dst === '2001:db8:7::/64');
    expect(added.action).to.equal('new');
    expect(added.route).to.include({ family: 6, gateway: '2001:db8::2', oif: v0, table: 254, protocol: 'zebra', metric: 300 });
    ip(['-6', 'route', 'del', '2001:db8:7::/64', 'via', '2001:db8::2', 'metric', '300'], ns);
    expect((await nextEvent(events, 'route', (x) => x.route.dst === '2001:db8:7::/64')).action).to.equal('del');
  });

  it('ip link add / del: link "new" and "del" events', async () => {
    ip(['link', 'add', 'e0', 'mtu', '1400', 'type', 'ifb'], ns);
    const added = await nextEvent(events, 'link', (x) => x.link.name === 'e0');
    expect(added.action).to.equal('new');
    expect(added.link).to.include({ name: 'e0', mtu: 1400, kind: 'ifb' });
    ip(['link', 'del', 'e0'], ns);
    const deleted = await nextEvent(events, 'link', (x) => x.action === 'del' && x.link.name === 'e0');
    expect(deleted.link).to.include({ index: added.link.index, kind: 'ifb' });
  });

  it('ip addr add / del: address events for IPv4 and IPv6', async () => {
    ip(['addr', 'add', '10.0.5.1/24', 'dev', 'v0', 'label', 'v0:five'], ns);
    const v4 = await nextEvent(events, 'address', (x) => x.address.local === '10.0.5.1');
    expect(v4.action).to.equal('new');
    expect(v4.address).to.include({ family: 4, prefixlen: 24, index: v0, label: 'v0:five' });

    ip(['addr', 'add', '2001:db8:5::1/64', 'dev', 'v0', 'nodad'], ns);
    const v6 = await nextEvent(events, 'address', (x) => x.address.local === '2001:db8:5::1');
    expect(v6.action).to.equal('new');
    expect(v6.address).to.include({ family: 6, prefixlen: 64, index: v0 });
    expect(v6.address.flags).to.include('nodad');

    ip(['addr', 'del', '10.0.5.1/24', 'dev', 'v0'], ns);
    expect(await nextEvent(events, 'address', (x) => x.address.local === '10.0.5.1')).to.include({ action: 'del' });
    ip(['addr', 'del', '2001:db8:5::1/64', 'dev', 'v0'], ns);
    expect(await nextEvent(events, 'address', (x) => x.address.local === '2001:db8:5::1')).to.include({ action: 'del' });
  });

  it('ip rule add / del: rule events for IPv4 and IPv6', async () => {
    ip(['rule', 'add', 'pref', '100', 'from', '10.1.0.0/16', 'fwmark', '0x10', 'table', '100'], ns);
    const v4 = await nextEvent(events, 'rule', (x) => x.rule.priority === 100);
    expect(v4.action).to.equal('new');
    expect(v4.rule).to.include({ family: 4, src: '10.1.0.0/16', fwmark: 0x10, table: 100, action: 'lookup' });

    ip(['-6', 'rule', 'add', 'pref', '101', 'to', '2001:db8:1::/48', 'table', '200'], ns);
    const v6 = await nextEvent(events, 'rule', (x) => x.rule.priority === 101);
    expect(v6.action).to.equal('new');
    expect(v6.rule).to.include({ family: 6, dst: '2001:db8:1::/48', table: 200 });

    ip(['rule', 'del', 'pref', '100'], ns);
    expect(await nextEvent(events, 'rule', (x) => x.rule.priority === 100)).to.include({ action: 'del' });
    ip(['-6', 'rule', 'del', 'pref', '101'], ns);
    expect(await nextEvent(events, 'rule', (x) => x.rule.priority === 101)).to.include({ action: 'del' });
  });

  it('ip neigh add / del: neighbour events', async () => {
    ip(['neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0', 'nud', 'permanent', 'router'], ns);
    const added = await nextEvent(events, 'neigh', (x) => x.neigh.dst === '10.0.0.9');
    expect(added.action).to.equal('new');
    expect(added.neigh).to.include({ family: 4, ifindex: v0, lladdr: '02:00:00:00:00:09', router: true });
    expect(added.neigh.state).to.deep.equal(['PERMANENT']);

    ip(['neigh', 'del', '10.0.0.9', 'dev', 'v0'], ns);
    // The kernel may first report the entry as failed, then its removal.
    const deleted = await nextEvent(events, 'neigh', (x) => x.neigh.dst === '10.0.0.9' && x.action === 'del');
    expect(deleted.neigh).to.include({ ifindex: v0 });
  });

  it('ip nexthop add / del: nexthop events', async () => {
    ip(['nexthop', 'add', 'id', '5', 'via', '10.0.0.2', 'dev', 'v0', 'protocol', 'static'], ns);
    const added = await nextEvent(events, 'nexthop', (x) => x.nexthop.id === 5);
    expect(added.action).to.equal('new');
    expect(added.nexthop).to.include({ gateway: '10.0.0.2', oif: v0, protocol: 'static' });

    ip(['nexthop', 'add', 'id', '6', 'group', '5'], ns);
    expect((await nextEvent(events, 'nexthop', (x) => x.nexthop.id === 6)).nexthop.group).to.deep.equal([{ id: 5, weight: 1 }]);

    ip(['nexthop', 'del', 'id', '6'], ns);
    expect(await nextEvent(events, 'nexthop', (x) => x.nexthop.id === 6)).to.include({ action: 'del' });
  });

  it('tc qdisc / class / filter add and del: qdisc, tclass and filter events from the tc group', async () => {
    const tcEvents = rtnl.events({ groups: ['tc'] });
    try {
      tc(['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb', 'default', '10'], ns);
      const q = await nextEvent(tcEvents, 'qdisc', (x) => x.qdisc.kind === 'htb');
      expect(q.action).to.equal('new');
      expect(q.qdisc).to.include({ ifindex: v0, handle: '1:', parent: 'root' });
      expect(q.qdisc.options).to.include({ default: '10' });

      tc(['class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1mbit'], ns);
      const c = await nextEvent(tcEvents, 'tclass', (x) => x.tclass.classid === '1:10');
      expect(c).to.include({ action: 'new' });
      expect(c.tclass).to.include({ ifindex: v0, kind: 'htb', parent: 'root' });

      tc(['filter', 'add', 'dev', 'v0', 'parent', '1:', 'protocol', 'ip', 'prio', '7', 'u32', 'match', 'u32', '0', '0', 'flowid', '1:10'], ns);
      const f = await nextEvent(tcEvents, 'filter', (x) => x.filter.pref === 7 && x.filter.handle !== undefined);
      expect(f).to.include({ action: 'new' });
      expect(f.filter).to.include({ ifindex: v0, kind: 'u32', parent: '1:', protocol: 'ip' });

      tc(['qdisc', 'del', 'dev', 'v0', 'root'], ns);
      expect(await nextEvent(tcEvents, 'qdisc', (x) => x.qdisc.kind === 'htb')).to.include({ action: 'del' });
    } finally {
      await tcEvents.return?.();
    }
  });

  it("the client's own changes are reported too", async () => {
    await rtnl.route.add({ dst: '192.168.9.0/24', gateway: '10.0.0.2', metric: 9 });
    const e = await nextEvent(events, 'route', (x) => x.route.dst === '192.168.9.0/24');
    expect(e).to.include({ action: 'new' });
    expect(e.route).to.include({ gateway: '10.0.0.2', metric: 9, protocol: 'boot' });
  });
});
