// No input escapes as a raw exception or a hang: thousands of calls to every
// public entry point of Rtnl, with specs of the real shapes whose values are
// mutated (wrong types, out-of-range numbers, NaN, bigints, functions, null,
// prototype keys, NUL, huge strings, unknown fields...), against the real
// kernel in a namespace of their own. Each call resolves, or rejects with a
// NetnestError that has a `code` (ValidationError, or the kernel's refusal),
// within 2 s. The seed is fixed: a failure names the call and replays.
import { expect } from 'chai';
import fc from 'fast-check';
import { inspect } from 'node:util';
import {
  AddressSpecSchema, LinkAddSpecSchema, LinkSetSpecSchema, NetnestError, NeighSpecSchema, NexthopSpecSchema, RouteGetSpecSchema,
  RouteSpecSchema, RuleSpecSchema, SwapTableSpecSchema, type Rtnl,
} from '../../src/index.js';
import { sharedManager } from '../support/netns.js';
import { addVeth } from '../support/veth.js';

const SEED = 20261202;
const RUNS = 6000;
const CALL_MS = 2000;

// ------------------------------------------------------------- bad values

/** Values of the wrong kind for almost any field: what type confusion looks like. */
const confusing = fc.constantFrom<unknown>(
  null, NaN, Infinity, -1, 1.5, 2 ** 32, 1n, 'x', '', 'a\0b', '__proto__', 'constructor', 'toString', [], [1], {}, { a: 1 },
  () => 1, true, new Date(0), new Map(), new String('v0'), new Uint8Array(2), Object.create(null), Symbol('s'),
);
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: confusing },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(
    undefined, -Infinity, -0, 0, 2 ** 31, 2 ** 53, 2 ** 64, -1n, 2n ** 64n, ' ', '\0', 'lo\0', '::1::2', '10.0.0.1/33', 'default',
    // biome-ignore lint/suspicious/noSparseArray: a list with a hole is one of the inputs under test
    'all', 'forever', 'x'.repeat(70_000), '1e3', '0x10', [1, 2, 3], [null], [, 1], false, new Set([1]), new Number(1),
    Buffer.from('v0'), 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  ) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 2, arbitrary: fc.anything({
    maxDepth: 2, withBigInt: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true,
    withTypedArray: true, withMap: true, withSet: true, withDate: true,
  }) },
);

// --------------------------------------------------------- the real shapes

const name = fc.constantFrom('v0', 'v1', 'lo', 'fz0', 'fz1', 'fzbr');
const ref = fc.oneof(name, fc.integer({ min: 1, max: 6 }));
const v4 = fc.constantFrom('10.0.0.2', '10.0.0.9', '192.0.2.1');
const v6 = fc.constantFrom('2001:db8::2', 'fe80::1');
const host = fc.oneof(v4, v6);
const table = fc.oneof(fc.constantFrom<number | string>('main', 'local', 254), fc.integer({ min: 100, max: 110 }));
const protocol = fc.constantFrom<number | string>('boot', 'static', 'bird', 99);
const u8 = fc.integer({ min: 0, max: 255 });
const opt = { requiredKeys: [] as never[] };
const some = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { minLength: 1, maxLength: 3 });

const linkAttrs = { mtu: fc.integer({ min: 68, max: 9000 }), address: fc.constantFrom('02:00:00:00:00:01'), txqueuelen: u8, alias: fc.constantFrom('fz'), group: u8, up: fc.boolean() };
const linkAdd = fc.record({
  name: fc.constantFrom('fz0', 'fz1', 'fzbr'),
  kind: fc.constantFrom('veth', 'bridge', 'macvlan', 'vxlan', 'ifb', 'tun', 'dummy'),
  ...linkAttrs,
  master: fc.constantFrom('fzbr'),
  link: fc.constantFrom('v0', 2),
  peer: fc.record({ name: fc.constantFrom('fzp0', 'fzp1'), ...linkAttrs }, { requiredKeys: ['name'] }),
  bridge: fc.record({ stp_state: fc.integer({ min: 0, max: 1 }), priority: u8, vlan_filtering: fc.boolean() }, opt),
  macvlan: fc.record({ mode: fc.constantFrom('private', 'vepa', 'bridge', 'passthru') }, opt),
  vxlan: fc.record({ id: fc.integer({ min: 1, max: 100 }), dstport: fc.constantFrom(4789), srcport: fc.constant([1000, 2000]), ttl: u8, group: v4 }, { requiredKeys: ['id'] }),
  tun: fc.record({ mode: fc.constantFrom('tun', 'tap'), pi: fc.boolean() }, { requiredKeys: ['mode'] }),
}, { requiredKeys: ['name', 'kind'] });
const linkSet = fc.record({ ...linkAttrs, name: fc.constantFrom('fz9'), master: fc.constantFrom<string | null>('fzbr', null) }, opt);
const addr = fc.record({
  dev: ref, local: fc.constantFrom('10.0.0.7/24', '10.7.0.1/16', '2001:db8:7::1/64'), broadcast: fc.constantFrom('+'),
  label: fc.constantFrom('v0:fz'), scope: fc.constantFrom<string | number>('link', 'host', 0), flags: fc.constant(['nodad']),
  valid_lft: fc.constantFrom<number | string>(100, 'forever'), preferred_lft: fc.constantFrom(50), metric: u8, proto: u8,
}, { requiredKeys: ['dev', 'local'] });
const nexthopOfRoute = fc.record({ gateway: v4.filter((a) => a.startsWith('10.')), dev: fc.constantFrom<string | number>('v0', 2), weight: fc.integer({ min: 1, max: 256 }), flags: fc.constant(['onlink']) }, { requiredKeys: ['gateway'] });
const routeCommon = {
  table, metric: u8, protocol, scope: fc.constantFrom<string | number>('global', 'link', 253), tos: fc.constantFrom(0, 4),
  metrics: fc.record({ mtu: fc.integer({ min: 1000, max: 1500 }), congctl: fc.constantFrom('cubic'), lock: fc.constant(['mtu']) }, opt),
};
/** Routes that make sense (one way to reach the destination, addresses of one family), so that mutations reach deep. */
const route = fc.oneof(
  fc.record({ dst: fc.constantFrom('10.9.1.0/24', '10.9.2.0/24', 'default', '10.0.0.5'), gateway: fc.constantFrom('10.0.0.2', '10.0.0.3'), dev: fc.constantFrom<string | number>('v0', 2), flags: fc.constant(['onlink']), ...routeCommon }, { requiredKeys: ['dst', 'gateway'] }),
  fc.record({ dst: fc.constantFrom('2001:db8:9::/64', '2001:db8:8::/64'), gateway: fc.constantFrom('2001:db8::2'), dev: fc.constantFrom<string | number>('v0', 2), pref: fc.constantFrom('low', 'medium', 'high'), expires: u8, ...routeCommon }, { requiredKeys: ['dst'] }),
  fc.record({ dst: fc.constantFrom('10.9.3.0/24', '10.9.4.0/24'), nexthops: some(nexthopOfRoute), ...routeCommon }, { requiredKeys: ['dst', 'nexthops'] }),
  fc.record({ dst: fc.constantFrom('10.9.5.0/24', '2001:db8:5::/64'), type: fc.constantFrom('blackhole', 'unreachable', 'prohibit'), ...routeCommon }, { requiredKeys: ['dst', 'type'] }),
  fc.record({ dst: fc.constantFrom('10.9.6.0/24'), nhid: fc.integer({ min: 1, max: 5 }), table }, { requiredKeys: ['dst', 'nhid'] }),
);
const routeGet = fc.record({ dst: host, src: v4, iif: ref, oif: ref, mark: u8, fibmatch: fc.boolean(), ipproto: u8, sport: u8, dport: u8 }, { requiredKeys: ['dst'] });
const rule = fc.record({
  family: fc.constantFrom(4), priority: fc.integer({ min: 1000, max: 1010 }), src: fc.constantFrom('10.9.1.0/24', 'all'), dst: fc.constantFrom('10.9.2.0/24'), fwmark: u8,
  iif: name, oif: name, uidrange: fc.constant([1000, 2000]), sport: fc.constantFrom<number | number[]>(80, [1000, 2000]),
  ipproto: fc.constantFrom<number | string>('tcp', 17), tun_id: fc.constantFrom<number | bigint>(5, 7n), not: fc.boolean(),
  action: fc.constantFrom('lookup', 'blackhole', 'nop'), table, protocol,
}, opt);
const neigh = fc.oneof(
  fc.record({ dst: host, dev: ref, lladdr: fc.constantFrom('02:00:00:00:00:09'), state: fc.constantFrom('permanent', 'stale', 'noarp'), router: fc.boolean(), protocol }, { requiredKeys: ['dst', 'dev', 'lladdr'] }),
  fc.record({ dst: host, dev: ref, proxy: fc.constant(true), protocol }, { requiredKeys: ['dst', 'dev', 'proxy'] }),
);
const nexthop = fc.oneof(
  fc.record({ id: fc.integer({ min: 1, max: 5 }), gateway: fc.constantFrom('10.0.0.2', '10.0.0.3'), dev: fc.constantFrom<string | number>('v0', 2), onlink: fc.boolean(), protocol }, { requiredKeys: ['gateway', 'dev'] }),
  fc.record({ id: fc.integer({ min: 1, max: 5 }), blackhole: fc.constant(true), protocol }, { requiredKeys: ['blackhole'] }),
  fc.record({
    id: fc.integer({ min: 6, max: 9 }), group: some(fc.record({ id: fc.integer({ min: 1, max: 5 }), weight: fc.integer({ min: 1, max: 300 }) }, { requiredKeys: ['id'] })),
    type: fc.constantFrom('mpath', 'resilient'), buckets: fc.integer({ min: 1, max: 64 }),
  }, { requiredKeys: ['group', 'buckets'] }),
);
const family = fc.constantFrom(4, 6);
const filters = {
  link: fc.record({ master: ref, kind: fc.constantFrom('veth', 'bridge') }, opt),
  addr: fc.record({ family, dev: ref }, opt),
  route: fc.record({ family, table: fc.oneof(table, fc.constant('all')), protocol, type: fc.constantFrom('unicast', 'local'), dev: ref }, opt),
  rule: fc.record({ family }, opt),
  neigh: fc.record({ family, dev: ref, proxy: fc.boolean() }, opt),
  nexthop: fc.record({ family, dev: ref, groups: fc.boolean(), fdb: fc.boolean() }, opt),
};
const bulkOptions = fc.record({
  ack: fc.constantFrom('barrier', 'each'), batchBytes: fc.integer({ min: 1, max: 4096 }), window: fc.integer({ min: 1, max: 4 }),
  onProgress: fc.constant(() => undefined),
}, opt);
const eventOptions = fc.record({
  groups: some(fc.constantFrom('link', 'route', 'rule', 'ipv6-route', 'nexthop')), maxQueue: fc.integer({ min: 1, max: 10 }),
  receiveBufferSize: fc.integer({ min: 1, max: 1 << 20 }), signal: fc.constant(new AbortController().signal),
}, opt);

// ----------------------------------------------------------------- mutation

/** Top-level fields a mutation may touch even when the base spec left them out. */
const fieldsOf = (schema: { properties: object }): string[] => Object.keys(schema.properties);

/** Paths to every value inside `v` (objects and arrays, two levels down). */
function paths(v: unknown, depth = 0, at: string[] = []): string[][] {
  if (depth > 2 || v === null || typeof v !== 'object' || v instanceof AbortSignal) return [];
  const out: string[][] = [];
  for (const k of Object.keys(v)) out.push([...at, k], ...paths((v as Record<string, unknown>)[k], depth + 1, [...at, k]));
  return out;
}

/** `value` for that path, except a small integer where a namespace fd goes: it could name a real namespace (the host's). */
function safe(path: string[], value: unknown): unknown {
  return path.at(-1) === 'netns' && typeof value === 'number' && value > 1 ? -1 : value;
}

interface Mutation {
  /** Values put at paths (chosen modulo the paths there are), or at a top-level field. */
  sets: [number, unknown][];
  /** An extra field the spec does not have. */
  extra: [string, unknown] | null;
  /** The whole argument replaced. */
  whole: { value: unknown } | null;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  // Half the calls keep the real shape, so that many reach the kernel.
  sets: fc.oneof(fc.constant<[number, unknown][]>([]), fc.array(fc.tuple(fc.nat(), badValue), { minLength: 1, maxLength: 3 })),
  extra: rarely(fc.tuple(fc.constantFrom('gatway', 'nmae', 'tabel', 'x', '__proto__', 'constructor', ''), badValue), 8),
  whole: rarely(badValue.map((value) => ({ value })), 12),
});

/** `a` once in `n` times, else null. */
function rarely<T>(a: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });
}

function mutate<T>(base: T, m: Mutation, fields: string[] = []): unknown {
  if (m.whole) return m.whole.value;
  const v = clone(base);
  if (v === null || typeof v !== 'object') return v;
  const all = [...paths(v), ...fields.map((f) => [f])];
  for (const [n, value] of m.sets) if (all.length) setPath(v, all[n % all.length]!, value);
  if (m.extra) Object.defineProperty(v, m.extra[0], { value: m.extra[1], enumerable: true, configurable: true, writable: true });
  return v;
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v === null || typeof v !== 'object' || v instanceof AbortSignal) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
}

function setPath(root: object, path: string[], value: unknown): void {
  let o = root as Record<string, unknown>;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (next === null || typeof next !== 'object') return;
    o = next as Record<string, unknown>;
  }
  o[path.at(-1)!] = safe(path, value);
}

// -------------------------------------------------------------------- calls

interface Call {
  what: string;
  args: unknown[];
  run: (rtnl: Rtnl) => unknown;
}

const call = (what: string, run: (r: Rtnl, ...a: never[]) => unknown) => (...args: unknown[]): Call =>
  ({ what, args, run: (r) => run(r, ...(args as never[])) });

/** Mutated specs for one entry point: `base` of the real shape, the spec's fields as extra targets. */
const spec = <T>(base: fc.Arbitrary<T>, fields: string[] = []): fc.Arbitrary<unknown> =>
  fc.tuple(base, mutation).map(([b, m]) => mutate(b, m, fields));
const anyRef = fc.oneof({ weight: 3, arbitrary: ref }, { weight: 1, arbitrary: badValue });
/** Links these calls may change or delete: not v0/v1, through which the gateways resolve for every other call. */
const ownRef = fc.oneof({ weight: 3, arbitrary: fc.constantFrom<string | number>('fz0', 'fz1', 'fzbr', 'fzp0', 'fz9', 9) }, { weight: 1, arbitrary: badValue });
const anyId = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: badValue });
const list = (a: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 11, arbitrary: fc.array(a, { maxLength: 4 }) }, { weight: 1, arbitrary: badValue });

const ROUTE = fieldsOf(RouteSpecSchema);
const RULE = fieldsOf(RuleSpecSchema);
const calls: fc.Arbitrary<Call> = fc.oneof(
  spec(linkAdd, fieldsOf(LinkAddSpecSchema)).map(call('link.add', (r, s) => r.link.add(s))),
  fc.tuple(ownRef, spec(linkSet, fieldsOf(LinkSetSpecSchema))).map(([d, s]) => call('link.set', (r, a, b) => r.link.set(a, b))(d, s)),
  anyRef.map(call('link.get', (r, d) => r.link.get(d))),
  anyRef.map(call('link.find', (r, d) => r.link.find(d))),
  anyRef.map(call('link.index', (r, d) => r.link.index(d))),
  ownRef.map(call('link.del', (r, d) => r.link.del(d))),
  spec(filters.link).map(call('link.list', (r, f) => r.link.list(f))),
  spec(addr, fieldsOf(AddressSpecSchema)).map(call('addr.add', (r, s) => r.addr.add(s))),
  spec(addr, fieldsOf(AddressSpecSchema)).map(call('addr.replace', (r, s) => r.addr.replace(s))),
  spec(addr.map(({ dev, local }) => ({ dev, local }))).map(call('addr.del', (r, s) => r.addr.del(s))),
  spec(filters.addr).map(call('addr.list', (r, f) => r.addr.list(f))),
  fc.tuple(fc.constantFrom('add', 'replace', 'append', 'prepend', 'del') as fc.Arbitrary<'add'>, spec(route, ROUTE))
    .map(([op, s]) => call(`route.${op}`, (r, x) => r.route[op](x))(s)),
  spec(routeGet, fieldsOf(RouteGetSpecSchema)).map(call('route.get', (r, s) => r.route.get(s))),
  spec(filters.route).map(call('route.list', (r, f) => r.route.list(f))),
  spec(filters.route).map(call('route.dump', async (r, f) => { for await (const _ of r.route.dump(f)); })),
  spec(filters.route).map(call('route.flush', (r, f) => r.route.flush(f))),
  fc.tuple(list(spec(route, ROUTE)), spec(fc.tuple(bulkOptions, fc.constantFrom('add', 'replace')).map(([o, mode]) => ({ ...o, mode }))))
    .map(([items, o]) => call('route.addMany', (r, a, b) => r.route.addMany(a, b))(items, o)),
  fc.tuple(list(spec(route, ROUTE)), spec(bulkOptions)).map(([items, o]) => call('route.delMany', (r, a, b) => r.route.delMany(a, b))(items, o)),
  fc.tuple(fc.constantFrom('add', 'del') as fc.Arbitrary<'add'>, spec(rule, RULE)).map(([op, s]) => call(`rule.${op}`, (r, x) => r.rule[op](x))(s)),
  spec(filters.rule).map(call('rule.list', (r, f) => r.rule.list(f))),
  fc.tuple(list(spec(rule, RULE)), spec(bulkOptions)).map(([items, o]) => call('rule.addMany', (r, a, b) => r.rule.addMany(a, b))(items, o)),
  fc.tuple(list(spec(rule, RULE)), spec(bulkOptions)).map(([items, o]) => call('rule.delMany', (r, a, b) => r.rule.delMany(a, b))(items, o)),
  fc.tuple(fc.constantFrom('add', 'replace') as fc.Arbitrary<'add'>, spec(neigh, fieldsOf(NeighSpecSchema)))
    .map(([op, s]) => call(`neigh.${op}`, (r, x) => r.neigh[op](x))(s)),
  spec(neigh.map((n) => ({ dst: n.dst, dev: n.dev, ...('proxy' in n && { proxy: n.proxy }) }))).map(call('neigh.del', (r, s) => r.neigh.del(s))),
  spec(filters.neigh).map(call('neigh.list', (r, f) => r.neigh.list(f))),
  fc.tuple(fc.constantFrom('add', 'replace') as fc.Arbitrary<'add'>, spec(nexthop, fieldsOf(NexthopSpecSchema)))
    .map(([op, s]) => call(`nexthop.${op}`, (r, x) => r.nexthop[op](x))(s)),
  anyId.map(call('nexthop.get', (r, id) => r.nexthop.get(id))),
  anyId.map(call('nexthop.del', (r, id) => r.nexthop.del(id))),
  spec(filters.nexthop).map(call('nexthop.list', (r, f) => r.nexthop.list(f))),
  ...bulkCalls(),
  spec(eventOptions).map(call('events', async (r, o) => { await r.events(o).return?.(); })),
);

/** The bulk calls of links, addresses, neighbours and nexthops, route.swapTable and nsid.set. */
function bulkCalls(): fc.Arbitrary<Call>[] {
  const createOptions = spec(fc.tuple(bulkOptions, fc.constantFrom('add', 'replace')).map(([o, mode]) => ({ ...o, mode })));
  const many = (what: string, items: fc.Arbitrary<unknown>, opts: fc.Arbitrary<unknown>, run: (r: Rtnl, a: never, b: never) => unknown): fc.Arbitrary<Call> =>
    fc.tuple(list(items), opts).map(([a, b]) => call(what, run)(a, b));
  const swap = fc.record({
    rule: fc.oneof(fc.record({ priority: fc.integer({ min: 1000, max: 1010 }) }), rule), routes: list(spec(route, ROUTE)),
    family: fc.constantFrom(4, 6), shadowTable: table, maxFailures: u8, keepOld: fc.boolean(),
  }, { requiredKeys: ['rule', 'routes'] });
  return [
    many('link.addMany', spec(linkAdd, fieldsOf(LinkAddSpecSchema)), spec(bulkOptions), (r, a, b) => r.link.addMany(a, b)),
    many('link.delMany', ownRef, spec(bulkOptions), (r, a, b) => r.link.delMany(a, b)),
    many('addr.addMany', spec(addr, fieldsOf(AddressSpecSchema)), createOptions, (r, a, b) => r.addr.addMany(a, b)),
    many('addr.delMany', spec(addr.map(({ dev, local }) => ({ dev, local }))), spec(bulkOptions), (r, a, b) => r.addr.delMany(a, b)),
    many('neigh.addMany', spec(neigh, fieldsOf(NeighSpecSchema)), createOptions, (r, a, b) => r.neigh.addMany(a, b)),
    many('neigh.delMany', spec(neigh.map((n) => ({ dst: n.dst, dev: n.dev }))), spec(bulkOptions), (r, a, b) => r.neigh.delMany(a, b)),
    many('nexthop.addMany', spec(nexthop, fieldsOf(NexthopSpecSchema)), createOptions, (r, a, b) => r.nexthop.addMany(a, b)),
    many('nexthop.delMany', anyId, spec(bulkOptions), (r, a, b) => r.nexthop.delMany(a, b)),
    fc.tuple(spec(swap, fieldsOf(SwapTableSpecSchema)), spec(bulkOptions)).map(([a, b]) => call('route.swapTable', (r, x, y) => r.route.swapTable(x, y))(a, b)),
    spec(fc.record({ fd: fc.integer({ min: 0, max: 40 }), pid: fc.constantFrom(1, process.pid), nsid: fc.integer({ min: 0, max: 20 }) }, opt))
      .map(call('nsid.set', (r, s) => r.nsid.set(s))),
  ];
}

// --------------------------------------------------------------------- check

type Outcome = { ok: unknown } | { error: unknown } | { pending: true };

/** Runs the call with a deadline; fails naming it unless it resolved or rejected with a NetnestError that has a code. */
async function settlesProperly(rtnl: Rtnl, c: Call): Promise<void> {
  const named = (): string => `${c.what}(${c.args.map((a) => inspect(a, { depth: 4, maxStringLength: 60, maxArrayLength: 8, breakLength: Infinity })).join(', ')})`;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => { timer = setTimeout(() => resolve({ pending: true }), CALL_MS); });
  const outcome = await Promise.race([
    (async () => c.run(rtnl))().then((ok): Outcome => ({ ok }), (error: unknown): Outcome => ({ error })),
    deadline,
  ]);
  clearTimeout(timer);
  if ('pending' in outcome) expect.fail(`${named()} did not settle within ${CALL_MS} ms`);
  if ('error' in outcome) {
    const e = outcome.error;
    if (!(e instanceof NetnestError) || typeof e.code !== 'string') {
      expect.fail(`${named()} rejected with ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : inspect(e)}`);
    }
    return;
  }
  // Bulk calls resolve with their items' failures: those are netnest's errors too.
  const failed = (outcome.ok as { failed?: { error: unknown }[] } | undefined)?.failed;
  for (const f of failed ?? []) {
    if (!(f.error instanceof NetnestError)) expect.fail(`${named()}: an item failed with ${inspect(f.error)}`);
  }
}

describe('any input to the API: a result or a NetnestError, never a raw exception or a hang', function () {
  this.timeout(120_000);
  const shared = sharedManager();
  let rtnl: Rtnl;

  before(async () => {
    rtnl = shared().rtnl(shared().create());
    await addVeth(rtnl, { lo: true });
  });

  it(`${RUNS} generated calls to every entry point, against the kernel (seed ${SEED})`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(fc.asyncProperty(calls, async (c) => {
      seen.set(c.what, (seen.get(c.what) ?? 0) + 1);
      await settlesProperly(rtnl, c);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    // Every entry point was exercised.
    expect([...seen.keys()].sort()).to.include.members([
      'link.add', 'link.set', 'link.get', 'link.find', 'link.index', 'link.del', 'link.list', 'addr.add', 'addr.replace', 'addr.del',
      'addr.list', 'route.add', 'route.replace', 'route.append', 'route.prepend', 'route.del', 'route.get', 'route.list', 'route.dump',
      'route.flush', 'route.addMany', 'route.delMany', 'rule.add', 'rule.del', 'rule.list', 'rule.addMany', 'rule.delMany', 'neigh.add',
      'neigh.replace', 'neigh.del', 'neigh.list', 'nexthop.add', 'nexthop.replace', 'nexthop.get', 'nexthop.del', 'nexthop.list', 'events',
      'link.addMany', 'link.delMany', 'addr.addMany', 'addr.delMany', 'neigh.addMany', 'neigh.delMany', 'nexthop.addMany',
      'nexthop.delMany', 'route.swapTable', 'nsid.set',
    ]);
  });
});
