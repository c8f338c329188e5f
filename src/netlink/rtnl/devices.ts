// Device references (`dev: 'eth0'` or `dev: 3`) as the object modules take
// them — link names checked as the kernel checks them — and their resolution
// to interface indexes before encoding: names are looked up once per
// operation (DevCache), so encoders stay synchronous.
import { describeValue as describe, ValidationError } from '../core/errors.js';
import { IfIndex, Type, type Static } from '../core/schema.js';
import { uint } from './validate.js';

/** Why a string is not a link name as the kernel's dev_valid_name() sees it; undefined when it is one. */
export function linkNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'expected a link name, got \'\'';
  if (Buffer.byteLength(name) > 15) return `link name ${describe(name)} is longer than 15 bytes`;
  if (name === '.' || name === '..') return `'${name}' is not a valid link name`;
  if (name.includes('\0')) return `link name ${describe(name)} contains a NUL character`;
  if (/[/:\s]/.test(name)) return `link name ${describe(name)} contains '/', ':' or whitespace`;
  return undefined;
}

/** Checks a link name as the kernel's dev_valid_name() does. */
export function validateLinkName(name: unknown, field: string): string {
  if (typeof name !== 'string') throw new ValidationError(`expected a link name, got ${describe(name)}`, field);
  const problem = linkNameProblem(name);
  if (problem) throw new ValidationError(problem, field);
  return name;
}

/** A link name: 1..15 bytes, no '/', ':', whitespace or NUL, not '.' or '..'. */
export const LinkNameSchema = Type.Refine(
  Type.String({ minLength: 1, maxLength: 15, pattern: '^[^/:\\s\\u0000]+$' }),
  (name) => linkNameProblem(name) === undefined,
  (name) => linkNameProblem(name) ?? `expected a link name, got ${describe(name)}`,
);

/** A link by name or index, as `dev` takes it. */
export const LinkRefSchema = Type.Union([LinkNameSchema, IfIndex]);
export type LinkRef = Static<typeof LinkRefSchema>;

export function describeRef(ref: LinkRef): string {
  return typeof ref === 'number' ? `index ${ref}` : ref;
}


/** Indexes for `dev` names, resolved by the caller before encoding. */
export type DevResolver = (dev: LinkRef, field: string) => number;

/** The resolver for specs that already carry indexes. */
export const directIndex: DevResolver = (dev, field) => {
  if (typeof dev === 'number' && Number.isInteger(dev) && dev > 0) return dev;
  throw new ValidationError(`device ${describe(dev)} must be resolved to an index first`, field);
};

/** Resolves device names once per operation; see LinkApi.devCache(). */
export class DevCache {
  private readonly known = new Map<string, number>();
  private readonly pending = new Map<string, Promise<void>>();
  constructor(private readonly lookup: (name: string, field: string) => Promise<number>) {}

  /** undefined when nothing needs to be looked up (the fast path). */
  ensure(dev: LinkRef | undefined, field = 'dev'): Promise<void> | undefined {
    if (dev === undefined || typeof dev === 'number' || this.known.has(dev)) return undefined;
    let p = this.pending.get(dev);
    if (!p) {
      p = this.lookup(dev, field).then((i) => { this.known.set(dev, i); });
      this.pending.set(dev, p);
      p.catch(() => this.pending.delete(dev));
    }
    return p;
  }

  /** Like ensure() for several refs. */
  ensureAll(devs: (LinkRef | undefined)[], field = 'dev'): Promise<void> | undefined {
    let all: Promise<void>[] | undefined;
    for (const d of devs) {
      const p = this.ensure(d, field);
      if (p) (all ??= []).push(p);
    }
    return all ? Promise.all(all).then(() => undefined) : undefined;
  }

  readonly resolve = (dev: LinkRef, field: string): number => {
    if (typeof dev === 'number') return uint(dev, field, 0x7fffffff, 1);
    const i = this.known.get(dev);
    if (i === undefined) throw new ValidationError(`device '${dev}' was not looked up`, field);
    return i;
  };
}
