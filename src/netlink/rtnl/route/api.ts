// `ip route` / `ip -6 route` bound to a socket: each operation checks its
// input once, resolves device names, tells the create observer, encodes
// and sends.
import { BulkOptionsSchema, runBulk, type BulkHooks, type BulkOptions, type BulkResult } from '../../core/bulk.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, NetlinkError } from '../../core/errors.js';
import { checker, CLOSED, Type, type Static } from '../../core/schema.js';
import type { NetlinkSocket, Request } from '../../core/socket.js';
import type { DevCache } from '../devices.js';
import type { Family } from '../inet.js';
import type { LinkApi } from '../link/api.js';
import { observed, observedMany, type Hooks } from '../observer.js';
import { checkRoute, decodeRoute, describeRoute, encodeRoute, routeToSpec, writeRoute, type Route, type RouteChecked, type RouteSpec } from './codec.js';
import { ROUTE_ADD_FLAGS, RTM_DELROUTE, RTM_NEWROUTE, type RouteAddMode } from './constants.js';
import { checkRouteFast } from './plain.js';
import { RuleApi } from '../rule/api.js';
import { swapTable, type SwapTableResult, type SwapTableSpec } from './swap.js';
import {
  checkRouteFilter, checkRouteGet, encodeRouteDump, encodeRouteGet, routeSelected, type RouteFilter, type RouteFilterChecked,
  type RouteGetSpec,
} from './query.js';

export const RouteBulkOptionsSchema = Type.Object({
  ...BulkOptionsSchema.properties,
  /** How each route is added: add (default, EEXIST on duplicates), replace, append, prepend. */
  mode: Type.Optional(Type.Enum(Object.keys(ROUTE_ADD_FLAGS) as RouteAddMode[])),
}, CLOSED);
export type RouteBulkOptions = Static<typeof RouteBulkOptionsSchema>;

const checkRouteBulkOptions = checker(RouteBulkOptionsSchema);

type Routes = Iterable<RouteSpec> | AsyncIterable<RouteSpec>;

/** `ip route` / `ip -6 route` bound to one socket. */
export class RouteApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /**
   * `ip route show`: routes of one table ('main' unless told; 'all' for every
   * table), IPv4 and IPv6 unless `family` says one. Filters run in the kernel.
   */
  async list(filter: RouteFilter = {}): Promise<Route[]> {
    const f = checkRouteFilter(filter);
    const oif = f.dev === undefined ? undefined : await this.links.index(f.dev);
    const out: Route[] = [];
    for (const family of f.families) {
      for (const r of await this.listOrEmpty(dumpRequest(family, f, oif))) if (routeSelected(f, r)) out.push(r);
    }
    return out;
  }

  /** A table the kernel has never had answers ENOENT ("FIB table does not exist"): an empty list. */
  private async listOrEmpty(req: Request): Promise<Route[]> {
    try {
      return await this.sock.list(req, decodeRoute);
    } catch (e) {
      if (isMissingTable(e)) return [];
      throw e;
    }
  }

  /** Streams the routes list() would return for one family, without holding them all. */
  async *dump(filter: RouteFilter & { family: Family }): AsyncGenerator<Route> {
    const f = checkRouteFilter(filter, true);
    const oif = f.dev === undefined ? undefined : await this.links.index(f.dev);
    for await (const { route } of this.selected(f, f.families[0]!, oif)) yield route;
  }

  /** The routes of one family the checked filter selects, each with the message the kernel dumped it in. */
  private async *selected(f: RouteFilterChecked, family: Family, oif: number | undefined): AsyncGenerator<{ route: Route; msg: Buffer }> {
    try {
      for await (const part of this.sock.dumpParts(dumpRequest(family, f, oif))) {
        for (const msg of part) {
          const route = decodeRoute(msg);
          if (routeSelected(f, route)) yield { route, msg };
        }
      }
    } catch (e) {
      if (isMissingTable(e)) return;
      throw e;
    }
  }

  /** `ip route get ADDR`: the route the kernel would use. */
  async get(spec: RouteGetSpec): Promise<Route> {
    const c = checkRouteGet(spec);
    const cache = this.links.devCache();
    await cache.ensureAll([spec.iif, spec.oif]);
    const replies = await this.sock.request(encodeRouteGet(c, cache.resolve));
    const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWROUTE);
    if (!msg) throw new DecodeError(`RTM_GETROUTE ${spec.dst}: the kernel sent no route`);
    return decodeRoute(msg);
  }

  private async change(type: number, flags: number, spec: RouteSpec): Promise<void> {
    const c = checkRoute(spec, type);
    const cache = this.links.devCache();
    await cache.ensureAll(routeDevs(spec));
    const send = (): Promise<Buffer[]> => this.sock.request(encodeRoute(type, flags, c, cache.resolve));
    if (type === RTM_DELROUTE) await send();
    else await observed(this.hooks, () => ({ object: 'route', spec: withIndexes(spec, cache), mode: modeOf(flags) }), send);
  }

  /** `ip route add`: EEXIST when the route exists. */
  add(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.add, spec); }
  /** `ip route replace`: adds or replaces. */
  replace(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.replace, spec); }
  /** `ip route append`: adds another route for the same prefix after the existing ones. */
  append(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.append, spec); }
  /** `ip route prepend`: adds another route for the same prefix before the existing ones. */
  prepend(spec: RouteSpec): Promise<void> { return this.change(RTM_NEWROUTE, ROUTE_ADD_FLAGS.prepend, spec); }
  /** `ip route del`: the fields given select the route (dst, table, and optionally gateway, dev, metric...). */
  del(spec: RouteSpec): Promise<void> { return this.change(RTM_DELROUTE, 0, spec); }

  /**
   * Adds many routes, pipelined: many per sendmsg, a bounded window in
   * flight, every route accounted for. Memory stays bounded for inputs of
   * any length (a generator of a million routes is fine).
   */
  async addMany(routes: Routes, opts: RouteBulkOptions = {}): Promise<BulkResult<RouteSpec>> {
    checkRouteBulkOptions(opts, 'options');
    const { mode, ...bulk } = opts;
    return this.many(RTM_NEWROUTE, ROUTE_ADD_FLAGS[mode ?? 'add'], routes, bulk);
  }

  /** Deletes many routes, as addMany adds them. */
  delMany(routes: Routes, opts: BulkOptions = {}): Promise<BulkResult<RouteSpec>> {
    return this.many(RTM_DELROUTE, 0, routes, opts);
  }

  /**
   * `into` rewrites each item before it is checked (swapTable: into the
   * shadow table); the result reports the caller's items as given.
   */
  private many(type: number, flags: number, routes: Routes, opts: BulkOptions, into?: (spec: RouteSpec) => RouteSpec): Promise<BulkResult<RouteSpec>> {
    const cache = this.links.devCache();
    const target = into ?? ((spec: RouteSpec) => spec);
    // runBulk checks each item, then prepares (device lookups, the observer), then encodes
    // what the check made of it.
    const lookup = (spec: RouteSpec): Promise<void> | undefined => cache.ensureAll(routeDevs(spec));
    const hooks: BulkHooks<RouteSpec, RouteChecked> = {
      ...(type === RTM_NEWROUTE
        ? observedMany(this.hooks, (spec: RouteSpec) => ({ object: 'route', spec: withIndexes(target(spec), cache), mode: modeOf(flags) }), lookup)
        : { prepare: lookup }),
      check: into ? (spec) => checkRouteFast(into(spec), type) : (spec) => checkRouteFast(spec, type),
    };
    return runBulk(this.sock, routes, (w, _spec, checked: RouteChecked) => writeRoute(w, type, flags, checked, cache.resolve),
      (spec) => describeRoute(type, target(spec)), opts, hooks);
  }

  /** Adds routes rewritten by `into` (swapTable's load); see many(). */
  addInto(routes: Routes, into: (spec: RouteSpec) => RouteSpec, opts: BulkOptions): Promise<BulkResult<RouteSpec>> {
    return this.many(RTM_NEWROUTE, ROUTE_ADD_FLAGS.add, routes, opts, into);
  }

  /**
   * Loads a whole table into a shadow table, then points the rule that
   * selects the live one at it in one step, so that lookups never miss a
   * route; see swap.ts and docs/bulk.md.
   */
  swapTable(spec: SwapTableSpec, opts: BulkOptions = {}): Promise<SwapTableResult> {
    return swapTable({ routes: this, rules: new RuleApi(this.sock, this.hooks) }, spec, opts);
  }

  /**
   * `ip route flush`: deletes the routes the filter selects (by default the
   * main table's routes of protocol other than 'kernel'); returns how many.
   */
  flush(filter: RouteFilter = {}): Promise<BulkResult<RouteSpec>> {
    return this.flushWhere(filter, (r) => filter.protocol !== undefined || r.protocol !== 'kernel', {});
  }

  /** flush()'s work, for swapTable too: of the routes `filter` selects, those `del` takes are deleted. */
  async flushWhere(filter: RouteFilter, del: (r: Route) => boolean, opts: BulkOptions): Promise<BulkResult<RouteSpec>> {
    const f = checkRouteFilter(filter);
    const oif = f.dev === undefined ? undefined : await this.links.index(f.dev);
    const doomed: { route: Route; msg: Buffer }[] = [];
    for (const family of f.families) {
      for await (const d of this.selected(f, family, oif)) if (del(d.route)) doomed.push(d);
    }
    // As `ip route flush` does: each route is deleted with the very message the kernel dumped
    // it in, retyped RTM_DELROUTE — nothing to re-check or re-encode.
    const res = await runBulk(this.sock, doomed, (w, d) => {
      w.beginMessage(RTM_DELROUTE, 0);
      w.raw(d.msg.subarray(NLMSG_HDRLEN, d.msg.readUInt32LE(0)));
      w.endMessage();
    }, (d) => describeRoute(RTM_DELROUTE, routeToSpec(d.route)), opts);
    return { ...res, failed: res.failed.map((x) => ({ ...x, item: routeToSpec(x.item.route) })) };
  }
}

function dumpRequest(family: Family, f: RouteFilterChecked, oif: number | undefined): Request {
  return encodeRouteDump(family, { table: f.table, protocol: f.protocol, type: f.type, oif });
}

/** The kernel's answer to a dump of a table it has never had routes of this family in. */
function isMissingTable(e: unknown): boolean {
  return e instanceof NetlinkError && e.errnoName === 'ENOENT' && /table does not exist/i.test(e.extackMessage ?? '');
}

function routeDevs(spec: RouteSpec): (string | number | undefined)[] {
  const devs: (string | number | undefined)[] = [spec.dev];
  if (spec.nexthops) for (const nh of spec.nexthops) devs.push(nh.dev);
  return devs;
}

function modeOf(flags: number): RouteAddMode {
  if (flags === ROUTE_ADD_FLAGS.replace) return 'replace';
  if (flags === ROUTE_ADD_FLAGS.append) return 'append';
  if (flags === ROUTE_ADD_FLAGS.prepend) return 'prepend';
  return 'add';
}

/** The spec with device names replaced by their indexes (what identifies the route later). */
function withIndexes(spec: RouteSpec, cache: DevCache): RouteSpec {
  const out: RouteSpec = { ...spec };
  if (spec.dev !== undefined) out.dev = cache.resolve(spec.dev, 'dev');
  if (spec.nexthops) out.nexthops = spec.nexthops.map((n, i) => (n.dev === undefined ? { ...n } : { ...n, dev: cache.resolve(n.dev, `nexthops[${i}].dev`) }));
  return out;
}
