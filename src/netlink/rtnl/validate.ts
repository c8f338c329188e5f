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
