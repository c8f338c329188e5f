// What every entry of the table of object kinds (table.ts) provides, what the
// ledger and the crash journal record of an object, and the dump cache the
// lookups of one operation share. Specs are put in the kernel's own shape by
// the codec (encode, then decode), so a spec and a dumped object compare
// field by field.
import type { CreatedObject as RtnlObject } from '../../netlink/rtnl/observer.js';
import type { Rtnl } from '../../netlink/rtnl/rtnl.js';

/** A sysctl (`net.*`) value set in a namespace: `old` is what cleanup writes back. */
export interface SysctlObject {
  object: 'sysctl';
  key: string;
  value: string;
  old: string;
}

/** What the ledger records: an object a client created, or a sysctl the manager set. */
export type CreatedObject = RtnlObject | SysctlObject;

/** The recorded objects of one kind ('route' -> the route ones). */
export type ObjectOf<K extends CreatedObject['object']> = Extract<CreatedObject, { object: K }>;

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

/** One entry of the table of object kinds. */
export interface Kind<O extends CreatedObject> {
  describe(o: O): string;
  /** Equal for two creates of objects the kernel would take for the same one (EEXIST, or what a replace replaces). */
  key(o: O): string;
  /** Whether an object this one would collide with exists (before a create). */
  exists(r: Rtnl, o: O, cache: LookupCache): Promise<{ exists: boolean; before?: number[] }>;
  /** Finds the recorded object and deletes it, unless the name or id now means something else. */
  remove(r: Rtnl, rec: Recorded & { obj: O }, cache: LookupCache, dryRun: boolean): Promise<Removal>;
}

/** A dump through the cache: once per key and operation. */
export function cached<T>(cache: LookupCache, key: string, dump: () => Promise<T[]>): Promise<T[]> {
  let p = cache.get(key);
  if (!p) {
    p = dump();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p as Promise<T[]>;
}

/** Forgets one dumped object once we deleted it, so later checks in the same operation see the kernel as it is. */
export async function forget(cache: LookupCache, key: string, item: unknown): Promise<void> {
  const list = await cache.get(key);
  const i = list?.indexOf(item) ?? -1;
  if (i >= 0) list!.splice(i, 1);
}

/** Equal values: primitives (bigints included) by value, arrays element by element. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => same(x, b[i]));
}
