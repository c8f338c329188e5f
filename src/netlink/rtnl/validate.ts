// Checks of caller input shared by the object modules.
import { describeValue as describe, ValidationError } from '../core/errors.js';

export { describe };

/** An integer in [min, max], or ValidationError naming `field`. */
export function uint(v: unknown, field: string, max = 0xffffffff, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`expected an integer ${min}..${max}, got ${describe(v)}`, field);
  }
  return v;
}

/** table[key] when the table itself has it: never a value from Object.prototype ('__proto__', 'toString'). */
export function own<V>(table: { readonly [k: string]: V }, key: unknown): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}
