// A hook for whoever must know what a client creates (the namespace
// manager's ledger and crash journal): told before each create request is
// sent (write-ahead) and after the kernel answered. The rtnl layer only
// reports; what to do with it is the caller's business.
import type { AddressSpec } from './address.js';
import type { LinkAddSpec } from './link.js';
import type { NeighSpec } from './neigh.js';
import type { NexthopSpec } from './nexthop.js';
import type { RouteSpec } from './route.js';
import type { RuleSpec } from './rule.js';

/** What a create request is about to make, in terms that identify it for deletion. */
export type CreatedObject =
  | { object: 'link'; spec: LinkAddSpec }
  | { object: 'address'; spec: AddressSpec; index: number; replace: boolean }
  | { object: 'route'; spec: RouteSpec; mode: 'add' | 'replace' | 'append' | 'prepend' }
  | { object: 'rule'; spec: RuleSpec }
  | { object: 'neigh'; spec: NeighSpec; index: number; replace: boolean }
  | { object: 'nexthop'; spec: NexthopSpec; replace: boolean };

export interface CreateObserver {
  /** Before the request is sent; may be async (e.g. a flushed journal write). Returns a token for settled(). */
  creating(obj: CreatedObject): unknown;
  /**
   * After the kernel answered; ok is false when the object was not created.
   * A returned promise delays the create call's own result (e.g. until the
   * object's identity is journaled), so a crash right after it cannot lose it.
   */
  settled(token: unknown, ok: boolean): void | Promise<void>;
}

/** Shared by a client's object APIs; `observer` may be set after the client is opened. */
export interface Hooks {
  observer?: CreateObserver | undefined;
}

/** Runs one create request between the observer's two calls. */
export async function observed<T>(hooks: Hooks, obj: () => CreatedObject, send: () => Promise<T>): Promise<T> {
  const o = hooks.observer;
  if (!o) return send();
  const token = await o.creating(obj());
  let ok = false;
  let r: T;
  try {
    r = await send();
    ok = true;
  } finally {
    if (!ok) await o.settled(token, false);
  }
  await o.settled(token, true);
  return r;
}
