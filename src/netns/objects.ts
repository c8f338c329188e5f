// The table of object kinds that the ledger records and sweep removes: for
// each, how it is described, how it is found in the kernel by its identity,
// and how it is deleted so that the request can only hit it. Specs are put
// in the kernel's own shape by the codec (encode, then decode), so a spec and
// a dumped object compare field by field.
import { closeSync as closeFd } from 'node:fs';
import { NetlinkError } from '../netlink/core/errors.js';
import { decodeAddress, encodeAddress, type Address } from '../netlink/rtnl/address/codec.js';
import { checkNeigh, decodeNeigh, encodeNeigh, RTM_NEWNEIGH, type Neigh } from '../netlink/rtnl/neigh/codec.js';
import type { Nexthop } from '../netlink/rtnl/nexthop/codec.js';
import { RTM_NEWADDR } from '../netlink/rtnl/constants.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { inNetns } from '../netlink/core/libc.js';
import type { CreatedObject as RtnlObject } from '../netlink/rtnl/observer.js';
import { checkRoute, decodeRoute, encodeRoute, routeToSpec, type Route, type RouteSpec } from '../netlink/rtnl/route/codec.js';
import { RTM_NEWROUTE } from '../netlink/rtnl/route/constants.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import { checkRule, decodeRule, encodeRule, RTM_NEWRULE, type Rule, type RuleSpec } from '../netlink/rtnl/rule/codec.js';

/** A sysctl (`net.*`) value set in a namespace: `old` is what cleanup writes back. */
export interface SysctlObject {
  object: 'sysctl';
  key: string;
  value: string;
  old: string;
}

/** What the ledger records: an object a client created, or a sysctl the manager set. */
export type CreatedObject = RtnlObject | SysctlObject;

/** What the kernel told about an object after creating it, beyond its spec. */
export interface Identity {
  /** A link's ifindex. */
  index?: number;
  /** A nexthop's id, when the kernel chose it. */
  id?: number;
}

/** An object as recorded in the ledger and the journal. */
export interface Recorded {
  obj: CreatedObject;
  id?: Identity | undefined;
  /**
   * What the kernel numbers itself — a rule without a priority, a nexthop
   * without an id: the priorities or ids of identical objects that existed
   * before the create. Ours is the one not among them.
   */
  before?: number[] | undefined;
}

/** Dumps made during one operation, shared by its checks (one dump per table for many routes). */
export type LookupCache = Map<string, Promise<unknown[]>>;

/** What a removal did. */
export type Removal = { outcome: 'removed' | 'alreadyGone' } | { outcome: 'skipped'; reason: string };

interface Kind<O extends CreatedObject> {
  describe(o: O): string;
  /** Equal for two creates of objects the kernel would take for the same one (EEXIST, or what a replace replaces). */
  key(o: O): string;
  /** Whether an object this one would collide with exists (before a create). */
  exists(r: Rtnl, o: O, cache: LookupCache): Promise<{ exists: boolean; before?: number[] }>;
  /** Finds the recorded object and deletes it, unless the name or id now means something else. */
  remove(r: Rtnl, rec: Recorded & { obj: O }, cache: LookupCache, dryRun: boolean): Promise<Removal>;
}

const gone = (e: unknown): boolean => e instanceof NetlinkError && ['ENODEV', 'ESRCH', 'ENOENT', 'EADDRNOTAVAIL'].includes(e.errnoName);

/** A dump through the cache: once per key and operation. */
function cached<T>(cache: LookupCache, key: string, dump: () => Promise<T[]>): Promise<T[]> {
  let p = cache.get(key);
  if (!p) {
    p = dump();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p as Promise<T[]>;
}

/** Forgets one dumped object once we deleted it, so later checks in the same operation see the kernel as it is. */
async function forget(cache: LookupCache, key: string, item: unknown): Promise<void> {
  const list = await cache.get(key);
  const i = list?.indexOf(item) ?? -1;
  if (i >= 0) list!.splice(i, 1);
}

/** Equal values: primitives (bigints included) by value, arrays element by element. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => same(x, b[i]));
}
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

// ------------------------------------------------------------------- links

const link: Kind<Extract<CreatedObject, { object: 'link' }>> = {
  describe: (o) => `link ${o.spec.name}`,
  key: (o) => `link ${o.spec.name}`,
  async exists(r, o) {
    return { exists: (await r.link.find(o.spec.name)) !== undefined };
  },
  async remove(r, rec, _cache, dryRun) {
    const l = await r.link.find(rec.obj.spec.name);
    if (!l) return { outcome: 'alreadyGone' };
    const index = rec.id?.index;
    if (index !== undefined && l.index !== index) return { outcome: 'skipped', reason: `the name now belongs to another link (index ${l.index}, created ${index})` };
    if (!dryRun) await r.link.del(l.index);
    return { outcome: 'removed' };
  },
};

// --------------------------------------------------------------- addresses

function canonicalAddress(o: Extract<CreatedObject, { object: 'address' }>): Address {
  return decodeAddress(encodeAddress(RTM_NEWADDR, 0, o.spec, () => o.index).bytes);
}

/** The kernel keys an IPv4 address by address and prefix length, an IPv6 one by address. */
function sameAddress(a: Address, want: Address): boolean {
  return a.index === want.index && a.family === want.family && a.local === want.local
    && (a.family === 6 || (a.prefixlen === want.prefixlen && (a.peer ?? '') === (want.peer ?? '')));
}

const address: Kind<Extract<CreatedObject, { object: 'address' }>> = {
  describe: (o) => `address ${o.spec.local} dev ${o.spec.dev}`,
  key: (o) => {
    const a = canonicalAddress(o);
    return `address ${a.index} ${a.local}${a.family === 4 ? `/${a.prefixlen} ${a.peer ?? ''}` : ''}`;
  },
  async exists(r, o, cache) {
    const want = canonicalAddress(o);
    const list = await cached(cache, `addr:${o.index}`, () => r.addr.list({ dev: o.index }));
    return { exists: list.some((a) => sameAddress(a, want)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const key = `addr:${o.index}`;
    const want = canonicalAddress(o);
    const found = (await cached(cache, key, () => r.addr.list({ dev: o.index }))).find((a) => sameAddress(a, want));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.addr.del({ dev: o.index, local: o.spec.local, ...(o.spec.peer !== undefined && { peer: o.spec.peer }) });
      await forget(cache, key, found);
    }
    return { outcome: 'removed' };
  },
};

// ------------------------------------------------------------------ routes

/** The route a spec makes, in the shape a dump reports it. */
export function canonicalRoute(spec: RouteSpec): Route {
  const r = decodeRoute(encodeRoute(RTM_NEWROUTE, 0, checkRoute(spec)).bytes);
  // The kernel gives IPv6 routes metric 1024 when none is asked (IP6_RT_PRIO_USER), IPv4 ones 0.
  r.metric ??= r.family === 6 ? 1024 : 0;
  return r;
}

const gatewayOf = (n: { gateway?: string | undefined; via?: { host: string } | undefined }): string | undefined => n.gateway ?? n.via?.host;

/** What the kernel refuses twice with EEXIST: destination, source, tos and metric in one table. */
function sameRouteKey(r: Route, want: Route): boolean {
  return r.family === want.family && r.table === want.table && r.dst === want.dst && (r.src ?? '') === (want.src ?? '')
    && (r.src_len ?? 0) === (want.src_len ?? 0) && r.tos === want.tos && (r.metric ?? 0) === want.metric;
}

/**
 * The same route: its key, and whatever else the spec fixed (type, gateway,
 * device, nexthop id, paths). A device the spec left to the kernel matches any.
 */
export function sameRoute(r: Route, want: Route): boolean {
  if (!sameRouteKey(r, want)) return false;
  // Through a nexthop object the route takes its type from it (a blackhole nexthop makes a blackhole route).
  if (want.nhid !== undefined) return r.nhid === want.nhid;
  if (r.type !== want.type) return false;
  if (gatewayOf(want) !== undefined && gatewayOf(r) !== gatewayOf(want)) return false;
  if (want.oif !== undefined && r.oif !== want.oif) return false;
  if (want.nexthops) {
    const left = [...(r.nexthops ?? [])];
    if (left.length !== want.nexthops.length) return false;
    for (const w of want.nexthops) {
      const i = left.findIndex((n) => gatewayOf(n) === gatewayOf(w) && n.weight === w.weight && (!w.oif || n.oif === w.oif));
      if (i < 0) return false;
      left.splice(i, 1);
    }
  }
  return true;
}

const routeKey = (want: Route): string => `route:${want.family}:${want.table}`;
const dumpRoutes = (r: Rtnl, want: Route) => (): Promise<Route[]> => r.route.list({ family: want.family, table: want.table });

const route: Kind<Extract<CreatedObject, { object: 'route' }>> = {
  describe: (o) => `route ${o.spec.dst}${o.spec.table !== undefined ? ` table ${o.spec.table}` : ''}`,
  key: (o) => {
    const r = canonicalRoute(o.spec);
    return `route ${r.family} ${r.table} ${r.dst} from ${r.src ?? ''}/${r.src_len ?? 0} tos ${r.tos} metric ${r.metric}`;
  },
  async exists(r, o, cache) {
    const want = canonicalRoute(o.spec);
    const list = await cached(cache, routeKey(want), dumpRoutes(r, want));
    // append and prepend add beside a route of the same key; only an identical one collides.
    const collides = o.mode === 'append' || o.mode === 'prepend' ? sameRoute : sameRouteKey;
    return { exists: list.some((x) => collides(x, want)) };
  },
  async remove(r, rec, cache, dryRun) {
    const want = canonicalRoute(rec.obj.spec);
    const found = (await cached(cache, routeKey(want), dumpRoutes(r, want))).find((x) => sameRoute(x, want));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.route.del(deletionSpec(want));
      await forget(cache, routeKey(want), found);
    }
    return { outcome: 'removed' };
  },
};

/**
 * The request that deletes exactly this route: every field the kernel
 * compares — destination, source, tos, metric, table, type, protocol, and
 * the next hops (a field left out matches anything).
 */
export function deletionSpec(want: Route): RouteSpec {
  const spec = routeToSpec(want);
  spec.metric = want.metric ?? 0;
  if (want.nexthops) {
    spec.nexthops = want.nexthops.map((n) => ({
      ...(n.gateway !== undefined || n.via ? { gateway: n.gateway ?? n.via!.host } : {}),
      ...(n.oif ? { dev: n.oif } : {}),
      weight: n.weight,
    }));
  }
  return spec;
}

// ------------------------------------------------------------------- rules

/** The rule a spec makes, in the shape a dump reports it (priority 0 when the kernel is to choose). */
export function canonicalRule(spec: RuleSpec): Rule {
  const r = decodeRule(encodeRule(RTM_NEWRULE, 0, checkRule(spec)).bytes);
  return normaliseRule(r);
}

/** Masks of all ones are what a selector without a mask means; kernels report them or not. */
const FULL_MASKS = { fwmask: 0xffffffff, sport_mask: 0xffff, dport_mask: 0xffff, dscp_mask: 0x3f, flowlabel_mask: 0xfffff } as const;

function normaliseRule(r: Rule): Rule {
  let out = r;
  for (const [k, full] of Object.entries(FULL_MASKS) as [keyof typeof FULL_MASKS, number][]) {
    if (r[k] === full) out = { ...out, [k]: undefined };
  }
  return out;
}

const RULE_FIELDS = [
  'family', 'src', 'src_len', 'dst', 'dst_len', 'tos', 'dscp', 'table', 'action', 'not', 'fwmark', 'fwmask', 'iif', 'oif',
  'uidrange', 'sport', 'dport', 'sport_mask', 'dport_mask', 'dscp_mask', 'flowlabel', 'flowlabel_mask', 'ipproto', 'l3mdev',
  'tun_id', 'protocol', 'goto', 'suppress_prefixlength', 'suppress_ifgroup', 'realms',
] as const;

export function sameSelectors(a: Rule, b: Rule): boolean {
  const x = normaliseRule(a);
  b = normaliseRule(b);
  return RULE_FIELDS.every((f) => same(x[f], b[f]));
}

/**
 * Whether `ip rule del` with our rule's fields would stop at rule `r`: the
 * kernel (rule_find) compares only the fields the request sets — a zero
 * mark, an empty iif... match anything — and deletes the first rule that fits.
 */
function deleteWouldHit(ours: Rule, r: Rule): boolean {
  if (r.family !== ours.family || r.priority !== ours.priority || r.action !== ours.action) return false;
  const set = (v: unknown): boolean => v !== undefined && v !== 0 && v !== '' && v !== false && v !== 0n;
  const fields = ['table', 'iif', 'oif', 'fwmark', 'fwmask', 'suppress_prefixlength', 'suppress_ifgroup', 'goto', 'tun_id', 'l3mdev',
    'uidrange', 'ipproto', 'protocol', 'sport', 'dport', 'tos', 'dscp', 'realms', 'flowlabel'] as const;
  for (const f of fields) if (set(ours[f]) && !(f === 'protocol' && ours[f] === 'unspec') && !same(ours[f], r[f])) return false;
  if (ours.src_len && (r.src_len !== ours.src_len || r.src !== ours.src)) return false;
  if (ours.dst_len && (r.dst_len !== ours.dst_len || r.dst !== ours.dst)) return false;
  return true;
}

const ruleKey = (family: number): string => `rule:${family}`;

/** Our rule among those dumped: by priority when it was given, else the identical one that is new. */
function findRule(list: Rule[], want: Rule, spec: RuleSpec, before: number[] | undefined): Rule[] {
  return list.filter((x) => (spec.priority !== undefined ? x.priority === spec.priority : !(before ?? []).includes(x.priority)) && sameSelectors(x, want));
}

const rule: Kind<Extract<CreatedObject, { object: 'rule' }>> = {
  describe: (o) => `rule${o.spec.priority !== undefined ? ` priority ${o.spec.priority}` : ''}`,
  key: (o) => `rule ${o.spec.priority ?? 'auto'} ${JSON.stringify(RULE_FIELDS.map((f) => canonicalRule(o.spec)[f]), big)}`,
  async exists(r, o, cache) {
    const want = canonicalRule(o.spec);
    const list = await cached(cache, ruleKey(want.family), () => r.rule.list({ family: want.family }));
    if (o.spec.priority !== undefined) return { exists: list.some((x) => x.priority === o.spec.priority && sameSelectors(x, want)) };
    return { exists: false, before: list.filter((x) => sameSelectors(x, want)).map((x) => x.priority) };
  },
  async remove(r, rec, cache, dryRun) {
    const spec = rec.obj.spec;
    const want = canonicalRule(spec);
    const key = ruleKey(want.family);
    const list = await cached(cache, key, () => r.rule.list({ family: want.family }));
    const mine = findRule(list, want, spec, rec.before);
    if (mine.length === 0) return { outcome: 'alreadyGone' };
    if (mine.length > 1) return { outcome: 'skipped', reason: `${mine.length} identical rules (priorities ${mine.map((m) => m.priority).join(', ')}) and the journal cannot tell which is ours` };
    const found = mine[0]!;
    const first = list.find((x) => deleteWouldHit(found, x));
    if (first !== found) {
      return { outcome: 'skipped', reason: `a delete request would remove an earlier rule of the same priority (${first?.priority}) that it also matches` };
    }
    if (!dryRun) {
      await r.rule.del({ ...spec, priority: found.priority, action: found.action as RuleSpec['action'] });
      await forget(cache, key, found);
    }
    return { outcome: 'removed' };
  },
};

// -------------------------------------------------------------- neighbours

function canonicalNeigh(o: Extract<CreatedObject, { object: 'neigh' }>): Neigh {
  return decodeNeigh(encodeNeigh(RTM_NEWNEIGH, 0, checkNeigh(o.spec), () => o.index).bytes);
}

const neighKey = (o: Extract<CreatedObject, { object: 'neigh' }>): string => `neigh:${o.index}:${o.spec.proxy ? 'proxy' : ''}`;
const sameNeigh = (n: Neigh, want: Neigh): boolean => n.family === want.family && n.dst === want.dst && n.ifindex === want.ifindex && n.proxy === want.proxy;

const neigh: Kind<Extract<CreatedObject, { object: 'neigh' }>> = {
  describe: (o) => `neighbour ${o.spec.dst} dev ${o.spec.dev}`,
  key: (o) => {
    const n = canonicalNeigh(o);
    return `neigh ${n.ifindex} ${n.dst} ${n.proxy}`;
  },
  async exists(r, o, cache) {
    const want = canonicalNeigh(o);
    const list = await cached(cache, neighKey(o), () => r.neigh.list({ dev: o.index, ...(o.spec.proxy && { proxy: true }) }));
    return { exists: list.some((n) => sameNeigh(n, want)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const want = canonicalNeigh(o);
    const found = (await cached(cache, neighKey(o), () => r.neigh.list({ dev: o.index, ...(o.spec.proxy && { proxy: true }) })))
      .find((n) => sameNeigh(n, want));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.neigh.del({ dst: o.spec.dst, dev: o.index, ...(o.spec.proxy && { proxy: true }) });
      await forget(cache, neighKey(o), found);
    }
    return { outcome: 'removed' };
  },
};

// ---------------------------------------------------------------- nexthops

/** The nexthop under an id still looks like the one created: same kind, gateway, device and members. */
function sameNexthop(nh: Nexthop, spec: Extract<CreatedObject, { object: 'nexthop' }>['spec']): boolean {
  if (!!spec.blackhole !== nh.blackhole) return false;
  if (spec.gateway !== undefined && nh.gateway !== spec.gateway) return false;
  if (typeof spec.dev === 'number' && nh.oif !== spec.dev) return false;
  if (spec.group !== undefined && !same(spec.group.map((m) => m.id), (nh.group ?? []).map((m) => m.id))) return false;
  return true;
}

const nexthop: Kind<Extract<CreatedObject, { object: 'nexthop' }>> = {
  describe: (o) => `nexthop ${o.spec.id || '(id chosen by the kernel)'}`,
  key: (o) => `nexthop ${o.spec.id || 'auto'}`,
  async exists(r, o, cache) {
    const list = await cached(cache, 'nexthop', () => r.nexthop.list());
    // The kernel picks a free id: note the ids of look-alikes, so that ours is the new one.
    if (!o.spec.id) return { exists: false, before: list.filter((nh) => sameNexthop(nh, o.spec)).map((nh) => nh.id) };
    return { exists: list.some((nh) => nh.id === o.spec.id) };
  },
  async remove(r, rec, cache, dryRun) {
    let id = rec.obj.spec.id || rec.id?.id;
    if (!id) {
      // The answer with the id was never read: ours is the look-alike that was not there before.
      const fresh = (await cached(cache, 'nexthop', () => r.nexthop.list()))
        .filter((nh) => sameNexthop(nh, rec.obj.spec) && !(rec.before ?? []).includes(nh.id));
      if (fresh.length === 0) return { outcome: 'alreadyGone' };
      if (fresh.length > 1) return { outcome: 'skipped', reason: `${fresh.length} look-alike nexthops (ids ${fresh.map((n) => n.id).join(', ')}) appeared and the journal cannot tell which is ours` };
      id = fresh[0]!.id;
    }
    const nh = await r.nexthop.get(id);
    if (!sameNexthop(nh, rec.obj.spec)) return { outcome: 'skipped', reason: `nexthop ${id} is no longer the one created` };
    if (!dryRun) await r.nexthop.del(id);
    return { outcome: 'removed' };
  },
};

// ----------------------------------------------------------------- sysctls

/** /proc/sys path of a `net.*` key: dots are separators (`net.ipv4.ip_forward`); a key with '/' is a path already. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
}

/** Reads or writes a sysctl of the namespace the client lives in (the thread switches there for the call). */
export function inClientNetns<T>(r: Rtnl, fn: () => T): T {
  const fd = r.socket.namespaceFd();
  try {
    return inNetns(fd, fn);
  } finally {
    closeFd(fd);
  }
}

const sysctl: Kind<SysctlObject> = {
  describe: (o) => `sysctl ${o.key}`,
  key: (o) => `sysctl ${o.key}`,
  async exists() {
    return { exists: false }; // a value, not an object: always ours to put back while it is still ours
  },
  async remove(r, rec, _cache, dryRun) {
    const o = rec.obj;
    let now: string;
    try {
      now = inClientNetns(r, () => readFileSync(sysctlPath(o.key), 'utf8').trim());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'alreadyGone' }; // a link's setting, gone with its link
      throw e;
    }
    if (now !== o.value) return { outcome: 'skipped', reason: `it is ${now} now, not the ${o.value} set; someone changed it since` };
    if (!dryRun) inClientNetns(r, () => writeFileSync(sysctlPath(o.key), o.old));
    return { outcome: 'removed' };
  },
};

// ------------------------------------------------------------------- table

const KINDS: { [K in CreatedObject['object']]: Kind<Extract<CreatedObject, { object: K }>> } = {
  link, address, route, rule, neigh, nexthop, sysctl,
};

function kindOf<O extends CreatedObject>(o: O): Kind<O> {
  return KINDS[o.object] as unknown as Kind<O>;
}

/** One line naming a recorded object: "route 10.0.0.0/24 table 100", "nexthop 7". */
export function describeRecorded(rec: Recorded): string {
  if (rec.obj.object === 'nexthop' && !rec.obj.spec.id && rec.id?.id) return `nexthop ${rec.id.id}`;
  return kindOf(rec.obj).describe(rec.obj);
}

/** Equal for two creates the kernel would take for the same object. */
export function collisionKey(obj: CreatedObject): string {
  return kindOf(obj).key(obj);
}

/** Whether something this create would collide with exists now (and, for a rule the kernel will place, its twins' priorities). */
export function existing(r: Rtnl, obj: CreatedObject, cache: LookupCache): Promise<{ exists: boolean; before?: number[] }> {
  return kindOf(obj).exists(r, obj, cache);
}

/** Deletes a recorded object if it is still the one recorded; an object already gone is not an error. */
export async function removeRecorded(r: Rtnl, rec: Recorded, cache: LookupCache, dryRun = false): Promise<Removal> {
  try {
    return await kindOf(rec.obj).remove(r, rec as Recorded & { obj: never }, cache, dryRun);
  } catch (e) {
    if (gone(e)) return { outcome: 'alreadyGone' };
    throw e;
  }
}
