// `rtnl.route.get()` answers as `ip route get` does: the same gateway,
// device, preferred source and table for the same question, with and
// without `fibmatch`, and with the from/iif/oif/mark selectors.
import { expect } from 'chai';
import { NetlinkError, ValidationError, type Namespace, type Route, type RouteGetSpec, type Rtnl } from '../../src/index.js';
import { checkRouteGet, encodeRouteGet } from '../../src/netlink/rtnl/route/query.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';

interface IpGet {
  dst: string;
  from?: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
  table?: string;
  type?: string;
  iif?: string;
  [key: string]: unknown;
}

const TABLE_NAMES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };

/** `ip route get` words for a RouteGetSpec. */
function ipArgs(q: RouteGetSpec): string[] {
  const a = ['route', 'get'];
  if (q.fibmatch) a.push('fibmatch');
  a.push(q.dst);
  if (q.src !== undefined) a.push('from', q.src);
  if (q.iif !== undefined) a.push('iif', String(q.iif));
  if (q.oif !== undefined) a.push('oif', String(q.oif));
  if (q.mark !== undefined) a.push('mark', String(q.mark));
  return a;
}

describe('routes: get answers as `ip route get`', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;
  let devs: Map<number, string>;

  before(async () => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    ipBatch([
      'link set lo up',
      'link add v0 type veth peer name v1',
      'link add w0 type veth peer name w1',
      'link set v0 up', 'link set v1 up', 'link set w0 up', 'link set w1 up',
      'addr add 10.0.0.1/24 dev v0',
      'addr add 10.0.0.5/24 dev v0',
      'addr add 10.1.0.1/24 dev w0',
      'addr add 2001:db8::1/64 dev v0 nodad',
      'route add 20.0.0.0/16 via 10.0.0.2 src 10.0.0.5',
      'route add 20.0.0.0/16 via 10.1.0.2 table 100',
      'route add 20.0.5.0/24 via 10.1.0.3 dev w0 table 1000',
      'route add 2001:db8:20::/48 via 2001:db8::2 metric 10',
      'rule add fwmark 7 lookup 100 pref 10',
      'rule add from 10.0.0.1 to 20.0.5.0/24 lookup 1000 pref 11',
      'route add 2001:db8:30::/48 via 2001:db8::3 table 1000',
    ], ns);
    ip(['-6', 'rule', 'add', 'from', '2001:db8::1', 'to', '2001:db8:30::/48', 'lookup', '1000', 'pref', '12'], ns);
    devs = new Map((await rtnl.link.list()).map((l) => [l.index, l.name]));
  });

  /** The fields both sides report, in ip's words. */
  function compared(r: Route): Record<string, unknown> {
    return {
      gateway: r.gateway, dev: r.oif === undefined ? undefined : devs.get(r.oif), prefsrc: r.prefsrc,
      table: TABLE_NAMES[r.table] ?? String(r.table),
    };
  }

  function theirs(q: RouteGetSpec): Record<string, unknown> {
    const [e] = ipJson<IpGet[]>(ipArgs(q), ns);
    if (!e) throw new Error(`ip ${ipArgs(q).join(' ')} printed nothing`);
    // ip leaves out the main table.
    return { gateway: e.gateway, dev: e.dev, prefsrc: e.prefsrc, table: e.table ?? 'main' };
  }

  const queries: [string, RouteGetSpec][] = [
    ['a destination via the main table', { dst: '20.0.1.1' }],
    ['IPv6', { dst: '2001:db8:20::7' }],
    ['a connected destination (no gateway)', { dst: '10.0.0.77' }],
    ['from a source address', { dst: '20.0.1.1', src: '10.0.0.1' }],
    ['from a source that a rule sends to table 1000', { dst: '20.0.5.9', src: '10.0.0.1' }],
    ['with an output device', { dst: '20.0.1.1', oif: 'v0' }],
    ['with a mark a rule sends to table 100', { dst: '20.0.1.1', mark: 7 }],
    ['arriving on an interface (iif), for a local address', { dst: '10.0.0.5', src: '10.0.0.9', iif: 'v0' }],
    ['fibmatch: the FIB entry', { dst: '20.0.1.1', fibmatch: true }],
    ['fibmatch with a mark: the entry of table 100', { dst: '20.0.1.1', mark: 7, fibmatch: true }],
    ['fibmatch, IPv6', { dst: '2001:db8:20::7', fibmatch: true }],
    ['IPv6 from a source that a rule sends to table 1000', { dst: '2001:db8:30::1', src: '2001:db8::1' }],
  ];

  for (const [title, q] of queries) {
    it(title, async () => {
      expect(compared(await rtnl.route.get(q))).to.deep.equal(theirs(q));
    });
  }

  it('the resolved route is for the address; fibmatch gives the prefix', async () => {
    const resolved = await rtnl.route.get({ dst: '20.0.1.1' });
    const entry = await rtnl.route.get({ dst: '20.0.1.1', fibmatch: true });
    expect([resolved.dst, entry.dst]).to.deep.equal(['20.0.1.1', '20.0.0.0/16']);
    expect(entry.protocol).to.equal('boot');
  });

  // Why RouteGetSpec has no table: the kernel refuses RTA_TABLE in a lookup of either family.
  for (const dst of ['20.0.1.1', '2001:db8:30::1']) {
    it(`the kernel refuses a table in a lookup (${dst}), and so does route.get`, async () => {
      const req = encodeRouteGet(checkRouteGet({ dst }));
      const table = Buffer.from([8, 0, 15, 0, 100, 0, 0, 0]); // RTA_TABLE 100
      const bytes = Buffer.concat([req.bytes, table]);
      bytes.writeUInt32LE(bytes.length, 0);
      const kernel = await rtnl.socket.request({ bytes, describe: req.describe }).then(() => undefined, (e: unknown) => e);
      expect(kernel).to.be.instanceOf(NetlinkError).with.property('errnoName', 'EINVAL');
      expect((kernel as NetlinkError).extackMessage).to.match(/Unsupported attribute in (route get|get route) request/);
      const ours = await rtnl.route.get({ dst, table: 100 } as RouteGetSpec).then(() => undefined, (e: unknown) => e);
      expect(ours).to.be.instanceOf(ValidationError).with.property('field', 'table');
    });
  }

  it('the mark and iif asked about come back in the answer', async () => {
    expect((await rtnl.route.get({ dst: '20.0.1.1', mark: 7 })).mark).to.equal(7);
    const viaIif = await rtnl.route.get({ dst: '10.0.0.5', src: '10.0.0.9', iif: 'v0' });
    expect(viaIif.iif === undefined ? undefined : devs.get(viaIif.iif)).to.equal('v0');
    expect(viaIif.type).to.equal('local');
  });
});
