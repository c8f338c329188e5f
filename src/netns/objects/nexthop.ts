// Nexthop objects in the table of object kinds: found by id (or, for an id the
// kernel chose and nobody read, as the look-alike that was not there before),
// and removed only while that id still holds the nexthop created.
import type { Nexthop } from '../../netlink/rtnl/nexthop/codec.js';
import { cached, same, type Kind, type ObjectOf } from './kind.js';

/** The nexthop under an id still looks like the one created: same kind, gateway, device and members. */
function sameNexthop(nh: Nexthop, spec: ObjectOf<'nexthop'>['spec']): boolean {
  if (!!spec.blackhole !== nh.blackhole) return false;
  if (spec.gateway !== undefined && nh.gateway !== spec.gateway) return false;
  if (typeof spec.dev === 'number' && nh.oif !== spec.dev) return false;
  if (spec.group !== undefined && !same(spec.group.map((m) => m.id), (nh.group ?? []).map((m) => m.id))) return false;
  return true;
}

export const nexthop: Kind<ObjectOf<'nexthop'>> = {
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
