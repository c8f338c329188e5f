// A hook for whoever must know what a client creates (the namespace
// manager's ledger and crash journal): told before each create request is
// sent (write-ahead) and after, with what the kernel's answer says. The rtnl
// layer only reports; what to do with it is the caller's business.
import type { BulkHooks } from '../core/bulk.js';
import { outcomeOf } from '../core/errors.js';
import type { AddressSpec } from './address/codec.js';
import type { BridgeVlanSpec } from './bridge/codec.js';
import type { FdbSpec } from './fdb/codec.js';
import type { LinkAddSpec } from './link/codec.js';
import type { NeighSpec } from './neigh/codec.js';
import type { NexthopSpec } from './nexthop/codec.js';
import type { QdiscSpec } from './qdisc/codec.js';
import type { RouteSpec } from './route/codec.js';
import type { RuleSpec } from './rule/codec.js';

/** What a create request is about to make, in terms that identify it for deletion (device names resolved to indexes). */
export type CreatedObject =
  | { object: 'link'; spec: LinkAddSpec }
  | { object: 'address'; spec: AddressSpec; index: number; replace: boolean }
  | { object: 'route'; spec: RouteSpec; mode: 'add' | 'replace' | 'append' | 'prepend' }
  | { object: 'rule'; spec: RuleSpec }
  | { object: 'neigh'; spec: NeighSpec; index: number; replace: boolean }
  | { object: 'nexthop'; spec: NexthopSpec; replace: boolean }
  | { object: 'fdb'; spec: FdbSpec; index: number; mode: 'add' | 'append' | 'replace' }
  | { object: 'bridge-vlan'; spec: BridgeVlanSpec; index: number }
  | { object: 'qdisc'; spec: QdiscSpec; index: number; replace: boolean };

/**
 * What became of a create: 'made' — the kernel confirmed it; 'failed' — the
 * kernel refused it, or it was never sent; 'unknown' — its answer was lost
 * (socket closed in flight, overrun, timeout): it may exist.
 */
export type CreateOutcome = 'made' | 'failed' | 'unknown';

/** What the kernel's reply identified that the request did not say (a nexthop's id the kernel chose). */
export interface CreatedIdentity {
  id?: number;
}

export interface CreateObserver {
  /**
   * Before the request is sent; may be async (a look at what exists, a
   * journal write) and may throw to refuse the create (nothing is sent).
   * `scope` is one object per API call — the items of one addMany share
   * it — where an observer may keep what it looked up. Returns a token for
   * settled().
   */
  creating(obj: CreatedObject, scope: object): unknown;
  /**
   * After the kernel answered (or its answer was lost). A returned promise
   * delays the create call's own result (e.g. until the object's identity is
   * journaled), so a crash right after it cannot lose it.
   */
  settled(token: unknown, outcome: CreateOutcome, identity?: CreatedIdentity): void | Promise<void>;
}

/** Shared by a client's object APIs; `observer` may be set after the client is opened. */
export interface Hooks {
  observer?: CreateObserver | undefined;
}

/** Runs one create request between the observer's two calls. */
export async function observed<T>(
  hooks: Hooks, obj: () => CreatedObject, send: () => Promise<T>, identify?: (result: T) => CreatedIdentity | undefined,
): Promise<T> {
  const o = hooks.observer;
  if (!o) return send();
  const token = await o.creating(obj(), {});
  let r: T;
  try {
    r = await send();
  } catch (e) {
    await o.settled(token, outcomeOf(e));
    throw e;
  }
  await o.settled(token, 'made', identify?.(r));
  return r;
}

/**
 * The bulk hooks that tell the observer about each item: before it is
 * encoded (after `ready`, e.g. device lookups, and `check`, so invalid
 * items are never told), and once runBulk knows its outcome.
 */
export function observedMany<T>(
  hooks: Hooks,
  obj: (item: T) => CreatedObject,
  ready: (item: T) => Promise<void> | undefined = () => undefined,
  check: (item: T) => void = () => undefined,
): Pick<BulkHooks<T>, 'prepare' | 'settled'> {
  const o = hooks.observer;
  if (!o) return { prepare: ready };
  const scope = {};
  const tokens = new Map<number, unknown>();
  return {
    prepare: async (item, index) => {
      await ready(item);
      check(item);
      tokens.set(index, await o.creating(obj(item), scope));
    },
    settled: (index, _item, error) => {
      if (!tokens.has(index)) return;
      const token = tokens.get(index);
      tokens.delete(index);
      void o.settled(token, error ? outcomeOf(error) : 'made');
    },
  };
}
