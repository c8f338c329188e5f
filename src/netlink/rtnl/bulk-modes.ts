// The options of the addMany calls whose items are added or replaced
// (addresses, neighbours, nexthops): the bulk options plus `mode`, and the
// create flags a mode means; and the run of a bulk call whose items sit on a
// device (addresses, neighbours).
import { BulkOptionsSchema, runBulk, type BulkHooks, type BulkOptions, type BulkResult } from '../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { checker, CLOSED, Type, type Static } from '../core/schema.js';
import type { NetlinkSocket } from '../core/socket.js';
import type { NetlinkWriter } from '../core/writer.js';
import type { DevResolver, LinkRef } from './devices.js';
import type { LinkApi } from './link/api.js';
import { observedMany, type CreatedObject, type Hooks } from './observer.js';

/** The items of a bulk call: an array, a generator, any iterable or async iterable. */
export type Many<T> = Iterable<T> | AsyncIterable<T>;

export const CreateBulkOptionsSchema = Type.Object({
  ...BulkOptionsSchema.properties,
  /** How each item is added: 'add' (default, EEXIST when it exists) or 'replace' (adds or overwrites). */
  mode: Type.Optional(Type.Enum(['add', 'replace'])),
}, CLOSED);
export type CreateBulkOptions = Static<typeof CreateBulkOptionsSchema>;

const checkCreateBulkOptions = checker(CreateBulkOptionsSchema);

/** The options checked, split into the create flags of the mode and the bulk options. */
export function createMode(opts: CreateBulkOptions): { flags: number; replace: boolean; bulk: BulkOptions } {
  checkCreateBulkOptions(opts, 'options');
  const { mode, ...bulk } = opts;
  const replace = mode === 'replace';
  return { flags: NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL), replace, bulk };
}

/** A bulk call of objects on a device: what it is made of. */
interface DeviceBulk<S, C> {
  sock: NetlinkSocket;
  links: LinkApi;
  hooks: Hooks;
  items: Many<S>;
  opts: BulkOptions;
  check: (spec: S) => C;
  /** Writes one checked item, its device resolved through `dev`. */
  write: (w: NetlinkWriter, checked: C, dev: DevResolver) => void;
  describe: (spec: S) => string;
  /** For creates: what the observer is told of an item, given its link's index. */
  created?: (spec: S, index: number) => CreatedObject;
}

/** Runs a bulk call whose items name a `dev`: each name looked up once per call, creates told to the observer. */
export function deviceBulk<S extends { dev: LinkRef }, C>(b: DeviceBulk<S, C>): Promise<BulkResult<S>> {
  const cache = b.links.devCache();
  const lookup = (spec: S): Promise<void> | undefined => cache.ensure(spec.dev);
  const { created } = b;
  const hooks: BulkHooks<S, C> = {
    ...(created ? observedMany(b.hooks, (spec: S) => created(spec, cache.resolve(spec.dev, 'dev')), lookup) : { prepare: lookup }),
    check: b.check,
  };
  return runBulk(b.sock, b.items, (w, _spec, checked) => b.write(w, checked, cache.resolve), b.describe, b.opts, hooks);
}
