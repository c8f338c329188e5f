// Whether an object a client created (as the create observer described it)
// is in the kernel now: the manager asks before recording a replace, sweep
// before it reports in a dry run.
import { NetlinkError } from '../netlink/core/errors.js';
import type { CreatedObject } from '../netlink/rtnl/observer.js';
import type { Route, RouteSpec } from '../netlink/rtnl/route.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';

/** The route a spec selects: same destination, and metric and tos where given. */
export function sameRoute(r: Route, spec: RouteSpec): boolean {
  const dst = spec.dst === 'default' || spec.dst === 'all' || spec.dst === 'any' ? 'default' : spec.dst.replace(/\/(32|128)$/, '');
  return r.dst === dst && (spec.metric === undefined || r.metric === spec.metric) && (r.tos ?? 0) === (spec.tos ?? 0);
}

export async function objectExists(r: Rtnl, obj: CreatedObject): Promise<boolean> {
  switch (obj.object) {
    case 'link':
      return (await r.link.find(obj.spec.name)) !== undefined;
    case 'address': {
      const local = obj.spec.local.split('/')[0];
      return (await r.addr.list({ dev: obj.index })).some((a) => a.local === local);
    }
    case 'route': {
      const s = obj.spec;
      const routes = await r.route.list({ table: s.table ?? 'main', ...(s.family !== undefined && { family: s.family }) });
      return routes.some((x) => sameRoute(x, s));
    }
    case 'rule': {
      const p = obj.spec.priority;
      return p === undefined || (await r.rule.list()).some((x) => x.priority === p);
    }
    case 'neigh':
      return (await r.neigh.list({ dev: obj.index, ...(obj.spec.proxy && { proxy: true }) })).some((n) => n.dst === obj.spec.dst);
    case 'nexthop':
      if (obj.spec.id === undefined) return false;
      try {
        await r.nexthop.get(obj.spec.id);
        return true;
      } catch (e) {
        if (e instanceof NetlinkError && e.errnoName === 'ENOENT') return false;
        throw e;
      }
  }
}

/** The fields that select exactly the route we added (`ip route del` matches on what is given). */
export function deletionSpec(spec: RouteSpec): RouteSpec {
  const out: RouteSpec = { dst: spec.dst, table: spec.table ?? 'main' };
  for (const k of ['family', 'tos', 'dscp', 'metric', 'gateway', 'dev', 'type', 'protocol', 'nhid'] as const) {
    if (spec[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = spec[k];
  }
  if (out.protocol === undefined) out.protocol = 'boot'; // what netnest adds with by default
  return out;
}
