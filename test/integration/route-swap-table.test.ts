// route.swapTable() against the real kernel: a whole table replaced while
// another process looks routes up in a loop, and not one lookup finds no
// route; a failed load leaves the live rule and table as they were; what
// cannot be swapped safely is refused before anything changes. `ip -j rule`
// and `ip route show table` are the oracle.
import { expect } from 'chai';
import { type NetnestError, ValidationError, type Namespace, type RouteSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { Child } from '../support/child.js';
import { ip, ipBatch, ipJson, ipLineCount } from '../support/ip.js';

const N = 1_000;
const dst = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.0/24`;
const routes = (gateway: string, n = N): RouteSpec[] => Array.from({ length: n }, (_, i) => ({ dst: dst(i), gateway }));

/**
 * Looks up destinations of the table in a loop until told to stop, then says
 * how many lookups it made, how many found no route, which tables answered,
 * and how often the answering table changed between two lookups.
 */
const LOOKUPS = `
import { Rtnl } from __LIB__;
const dsts = JSON.parse(process.argv[2]);
const r = Rtnl.open();
let stop = false;
process.stdin.on('data', () => { stop = true; });
const tables = {};
let lookups = 0, misses = 0, switches = 0, last;
while (!stop) {
  const dst = dsts[lookups % dsts.length];
  try {
    const { table } = await r.route.get({ dst });
    tables[table] = (tables[table] ?? 0) + 1;
    if (last === undefined) console.log(JSON.stringify({ ready: true }));
    else if (table !== last) switches++;
    last = table;
  } catch (e) {
    if (misses++ === 0) console.log(JSON.stringify({ miss: dst, error: e.message }));
  }
  lookups++;
}
console.log(JSON.stringify({ lookups, misses, switches, tables }));
r.close();
`;

interface IpRule { priority: number; table?: string; fwmark?: string; action?: string }

describe('route.swapTable: a whole table replaced under live lookups', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let child: Child | undefined;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0',
      'rule add priority 1000 lookup 100',
    ], ns);
    expect((await rtnl.route.addMany(routes('192.0.2.2').map((r) => ({ ...r, table: 100 })))).ok).to.equal(N);
  });

  afterEach(async () => {
    await child?.dispose();
    child = undefined;
  });

  const ours = (family: 4 | 6 = 4): IpRule[] => ipJson<IpRule[]>([`-${family}`, 'rule', 'show'], ns).filter((r) => r.priority > 0 && r.priority < 32766);
  const count = (table: number, family: 4 | 6 = 4): number => ipLineCount(`-${family} route show table ${table}`, ns);

  async function startLookups(): Promise<Child> {
    child = new Child(LOOKUPS, [JSON.stringify(Array.from({ length: 64 }, (_, i) => dst((i * 31) % N).replace('.0/24', '.1')))], {}, ns);
    expect(await child.line()).to.deep.equal({ ready: true });
    return child;
  }

  it('4 swaps of a 1,000-route table while another process looks routes up: every lookup finds a route', async () => {
    const c = await startLookups();
    const tables = [100];
    for (let i = 0; i < 4; i++) {
      const res = await rtnl.route.swapTable({ rule: { priority: 1000 }, routes: routes(i % 2 ? '192.0.2.2' : '192.0.2.3') });
      expect(res).to.deep.include({ swapped: true, previous: tables.at(-1), shadow: res.table });
      expect(res.load).to.deep.equal({ total: N, ok: N, failed: [] });
      expect(res.flush).to.deep.include({ total: N, ok: N });
      expect(res.steps.map((s) => [s.step, s.outcome])).to.deep.equal([['load', 'done'], ['rule-add', 'done'], ['rule-del', 'done'], ['flush-old', 'done']]);
      tables.push(res.table);
      expect(ours()).to.deep.equal([{ priority: 1000, src: 'all', table: String(res.table) }]);
    }
    expect([count(tables.at(-1)!), count(tables.at(-2)!)]).to.deep.equal([N, 0]);
    // The live table's twin takes turns with it.
    expect(tables.slice(0, 4)).to.deep.equal([100, 101, 100, 101]);
    c.send('stop');
    const end = await c.line<{ lookups: number; misses: number; switches: number; tables: Record<string, number> }>();
    expect(end.misses, 'lookups that found no route').to.equal(0);
    expect(end.switches, 'swaps the lookups ran across').to.be.at.least(2);
    expect(Object.keys(end.tables).sort()).to.deep.equal(['100', '101']);
  });

  it('the same loop does see a gap when there is one (the rule removed for a while)', async () => {
    const c = await startLookups();
    await rtnl.rule.del({ priority: 1000 });
    const miss = await c.line<{ miss: string; error: string }>();
    expect(miss.error).to.match(/ENETUNREACH/);
    await rtnl.rule.add({ priority: 1000, table: 100 });
    c.send('stop');
    expect((await c.line<{ misses: number }>()).misses).to.be.greaterThan(0);
  });

  it('IPv6: the rule and routes of family 6 are swapped; the IPv4 ones are left alone', async () => {
    for (const line of ['addr add 2001:db8::1/64 dev v0 nodad', 'rule add priority 1000 lookup 600', 'route add 2001:db8:1::/64 via 2001:db8::2 table 600']) {
      ip(['-6', ...line.split(' ')], ns);
    }
    const v6 = Array.from({ length: 300 }, (_, i): RouteSpec => ({ dst: `2001:db8:${(i + 16).toString(16)}::/48`, gateway: '2001:db8::3' }));
    const res = await rtnl.route.swapTable({ rule: { family: 6, priority: 1000 }, routes: v6 });
    expect(res).to.deep.include({ swapped: true, previous: 600, table: 601 });
    expect(ours(6)).to.deep.equal([{ priority: 1000, src: 'all', table: '601' }]);
    expect([count(601, 6), count(600, 6)]).to.deep.equal([300, 0]);
    expect(ours(4)).to.deep.equal([{ priority: 1000, src: 'all', table: '100' }]);
    expect(count(100)).to.equal(N);
  });

  it('a load with more failures than maxFailures is abandoned: the live rule and table stay, the shadow is emptied', async () => {
    const bad = routes('192.0.2.3', 500);
    bad[250] = { dst: '10.200.0.0/24', gateway: '172.16.0.1' }; // no route to the gateway
    const res = await rtnl.route.swapTable({ rule: { priority: 1000 }, routes: bad });
    expect(res).to.deep.include({ swapped: false, table: 100, previous: 100, shadow: 101 });
    expect(res.load.failed.map((f) => [f.index, (f.error as { errnoName?: string }).errnoName])).to.deep.equal([[250, 'ENETUNREACH']]);
    expect(res.steps.map((s) => [s.step, s.outcome])).to.deep.equal([['load', 'failed'], ['drop-shadow', 'done']]);
    expect(res.flush).to.deep.include({ total: 499, ok: 499 });
    expect(ours()).to.deep.equal([{ priority: 1000, src: 'all', table: '100' }]);
    expect([count(100), count(101)]).to.deep.equal([N, 0]);

    const tolerated = await rtnl.route.swapTable({ rule: { priority: 1000 }, routes: bad, maxFailures: 1 });
    expect(tolerated).to.deep.include({ swapped: true, table: 101 });
    expect(count(101)).to.equal(499);
  });

  it('a given shadow table, the old one kept; a table another rule looks up is never flushed', async () => {
    ipBatch(['rule add priority 2000 fwmark 7 lookup 100'], ns);
    const res = await rtnl.route.swapTable({ rule: { priority: 1000 }, routes: routes('192.0.2.3', 100), shadowTable: 5000 });
    expect(res).to.deep.include({ swapped: true, table: 5000, previous: 100 });
    expect(res.steps.at(-1)).to.deep.equal({ step: 'flush-old', outcome: 'skipped', detail: 'table 100 kept: still looked up by the rule at priority 2000' });
    expect(count(100)).to.equal(N);
    const kept = await rtnl.route.swapTable({ rule: { priority: 1000, table: 5000 }, routes: routes('192.0.2.2', 10), keepOld: true });
    expect(kept).to.deep.include({ swapped: true, table: 5001, previous: 5000 });
    expect(kept.steps.at(-1)).to.deep.include({ step: 'flush-old', outcome: 'skipped' });
    expect([count(5001), count(5000)]).to.deep.equal([10, 100]);
  });

  it('routes naming another table fail one by one; routes naming the live table go to the shadow', async () => {
    const res = await rtnl.route.swapTable({
      rule: { priority: 1000 }, maxFailures: 1,
      routes: [{ dst: '10.1.0.0/24', gateway: '192.0.2.3', table: 100 }, { dst: '10.2.0.0/24', gateway: '192.0.2.3', table: 7 }, { dst: '10.3.0.0/24', gateway: '192.0.2.3' }],
    });
    expect(res.swapped).to.equal(true);
    expect(res.load.failed.map((f) => [f.index, f.error instanceof ValidationError && f.error.field])).to.deep.equal([[1, 'table']]);
    expect(count(res.table)).to.equal(2);
  });

  it('what cannot be swapped safely is refused before anything changes', async () => {
    ipBatch(['rule add priority 3000 lookup 300', 'rule add priority 3000 fwmark 3 lookup 301', 'rule add priority 4000 blackhole', 'route add blackhole 10.9.0.0/16 table 102'], ns);
    const before = [ours(), count(100)];
    const refusal = (p: Promise<unknown>): Promise<{ code?: string; field?: string; message: string }> =>
      p.then(() => { throw new Error('swapTable resolved'); }, (e: NetnestError) => e);
    expect(await refusal(rtnl.route.swapTable({ rule: { priority: 999 }, routes: [] }))).to.include({ code: 'ERR_RULE_NOT_FOUND' });
    expect(await refusal(rtnl.route.swapTable({ rule: { priority: 3000 }, routes: [] }))).to.include({ code: 'ERR_RULE_AMBIGUOUS' });
    // Lookups at priority 3000 stop at `lookup 300` before the fwmark rule: a new rule would go after both.
    const notLast = await refusal(rtnl.route.swapTable({ rule: { priority: 3000, table: 300 }, routes: [] }));
    expect(notLast).to.include({ code: 'ERR_RULE_NOT_LAST' });
    expect(await refusal(rtnl.route.swapTable({ rule: { priority: 4000 }, routes: [] }))).to.include({ code: 'ERR_INVALID_ARGUMENT', field: 'rule' });
    for (const shadowTable of [100, 254, 300, 102]) {
      expect(await refusal(rtnl.route.swapTable({ rule: { priority: 1000 }, routes: [], shadowTable })), `shadow ${shadowTable}`).to.include({ code: 'ERR_TABLE_IN_USE' });
    }
    expect(await refusal(rtnl.route.swapTable({ rule: { priority: 1000 }, routes: 7 as unknown as RouteSpec[] }))).to.include({ code: 'ERR_INVALID_ARGUMENT', field: 'routes' });
    expect(await refusal(rtnl.route.swapTable({ rule: { priority: 1000 }, routes: [] }, { window: 0 }))).to.include({ code: 'ERR_INVALID_ARGUMENT', field: 'window' });
    expect([ours(), count(100)]).to.deep.equal(before);
  });
});
