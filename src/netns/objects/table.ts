// The table of object kinds that the ledger records and sweep removes: for
// each, how it is described, how it is found in the kernel by its identity,
// and how it is deleted so that the request can only hit it (one file per
// kind beside this one; kind.ts says what an entry provides).
import { NetlinkError } from '../../netlink/core/errors.js';
import type { Rtnl } from '../../netlink/rtnl/rtnl.js';
import { address } from './address.js';
import { bridgeVlan } from './bridge-vlan.js';
import { fdb } from './fdb.js';
import type { CreatedObject, Kind, LookupCache, ObjectOf, Recorded, Removal } from './kind.js';
import { link } from './link.js';
import { neigh } from './neigh.js';
import { nexthop } from './nexthop.js';
import { qdisc } from './qdisc.js';
import { route } from './route.js';
import { rule } from './rule.js';
import { sysctl } from './sysctl.js';

const KINDS: { [K in CreatedObject['object']]: Kind<ObjectOf<K>> } = {
  link, address, route, rule, neigh, nexthop, qdisc, sysctl, fdb, 'bridge-vlan': bridgeVlan,
};

function kindOf<O extends CreatedObject>(o: O): Kind<O> {
  return KINDS[o.object] as unknown as Kind<O>;
}

/** The errors that mean the object (or its device) is no longer there. */
const gone = (e: unknown): boolean => e instanceof NetlinkError && ['ENODEV', 'ESRCH', 'ENOENT', 'EADDRNOTAVAIL'].includes(e.errnoName);

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
