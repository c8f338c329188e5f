// Routes in the table of object kinds: found in their table's dump by every
// field the spec fixed, and deleted by a request that names all the fields the
// kernel compares, so that it can only hit the route that was created.
import { checkRoute, decodeRoute, encodeRoute, routeToSpec, type Route, type RouteSpec } from '../../netlink/rtnl/route/codec.js';
import { RTM_NEWROUTE } from '../../netlink/rtnl/route/constants.js';
import type { Rtnl } from '../../netlink/rtnl/rtnl.js';
import { cached, forget, type Kind, type ObjectOf } from './kind.js';

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

/**
 * The request that deletes exactly this route: every field the kernel
 * compares — destination, source, tos, metric, table, type, protocol, and
 * the next hops (a field left out matches anything).
 */
function deletionSpec(want: Route): RouteSpec {
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

const routeKey = (want: Route): string => `route:${want.family}:${want.table}`;
const dumpRoutes = (r: Rtnl, want: Route) => (): Promise<Route[]> => r.route.list({ family: want.family, table: want.table });

export const route: Kind<ObjectOf<'route'>> = {
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
