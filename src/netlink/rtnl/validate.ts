// Checks of caller input shared by the object modules.
import { ValidationError } from '../core/errors.js';

/** A short, readable rendering of a bad value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

/** An integer in [min, max], or ValidationError naming `field`. */
export function uint(v: unknown, field: string, max = 0xffffffff, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`expected an integer ${min}..${max}, got ${describe(v)}`, field);
  }
  return v;
}
