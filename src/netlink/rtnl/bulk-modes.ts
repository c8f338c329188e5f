// The options of the addMany calls whose items are added or replaced
// (addresses, neighbours, nexthops): the bulk options plus `mode`, and the
// create flags a mode means.
import { BulkOptionsSchema, type BulkOptions } from '../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { checker, CLOSED, Type, type Static } from '../core/schema.js';

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
