// Caller input is checked against TypeBox schemas: one definition gives the
// TypeScript type (Static<>), the runtime check and a JSON Schema. Each schema
// is compiled once, on first use; a value that fails gets ONE ValidationError
// for its first problem, its `field` the path to it (`nexthops[0].gateway`).
//
// The compiled validator decides; the walker below only runs on failure, to
// say what is wrong in words, so its cost never reaches valid input.
import { describeValue, ValidationError } from './errors.js';
import { Compile, Type, type Static, type TSchema } from './typebox.js';

export { Type, type Static, type TSchema };

/** Object options: fields a schema does not define are refused (a typo is an error, not a no-op). */
export const CLOSED = { additionalProperties: false } as const;

/** No NUL: a netlink string ends at its first NUL, so 'ab\0cd' would name 'ab'. */
export const NO_NUL = '^[^\\u0000]*$';

/** A string that may become a netlink string attribute. */
export function Text(opts: { minLength?: number; maxLength?: number } = {}) {
  return Type.String({ ...opts, pattern: NO_NUL });
}

/** An integer in [minimum, maximum]. */
export function Int(minimum: number, maximum: number) {
  return Type.Integer({ minimum, maximum });
}

export const U8 = Int(0, 0xff);
export const U16 = Int(0, 0xffff);
export const U32 = Int(0, 0xffffffff);
/** An interface index, as the kernel's ifindex (a positive int). */
export const IfIndex = Int(1, 0x7fffffff);

/**
 * An array of `item`s. Holes are refused: the compiled check (Array.every)
 * would skip them and hand `undefined` to the encoder.
 */
export function List<T extends TSchema>(item: T, opts: { minItems?: number; maxItems?: number } = {}) {
  return Type.Refine(Type.Array(item, opts), dense, () => 'expected an array without holes');
}

function dense(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (!(i in a)) return false;
  return true;
}

/** Throws ValidationError for the first problem of `value`; `root` names the value itself (e.g. 'options'). */
export type Check = (value: unknown, root?: string) => void;

/** A check of values against `schema`, compiled on first use. */
export function checker(schema: TSchema): Check {
  let valid: ((value: unknown) => boolean) | undefined;
  return (value, root) => {
    if (!valid) {
      const v = Compile(schema);
      valid = (x) => v.Check(x);
    }
    let ok: boolean;
    try {
      ok = valid(value);
    } catch (e) {
      // A getter or a proxy that throws while being read.
      throw new ValidationError(`the value could not be read (${e instanceof Error ? e.message : String(e)})`, root);
    }
    if (ok) return;
    const p = explain(schema, value, '');
    throw p ? new ValidationError(p.message, p.path || root) : new ValidationError(`expected ${noun(schema as S)}, got ${describeValue(value)}`, root);
  };
}

// ------------------------------------------------------------------ explaining

/** The JSON Schema keywords the walker reads (TypeBox's output for the types netnest uses). */
interface S {
  type?: string;
  anyOf?: S[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, S>;
  /** Type.Record: the schema of every key matching the pattern. */
  patternProperties?: Record<string, S>;
  required?: string[];
  additionalProperties?: boolean | S;
  items?: S | S[];
  prefixItems?: S[];
  additionalItems?: boolean;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  '~refine'?: { check: (v: unknown) => boolean; error: (v: unknown) => string }[];
}

export interface Problem {
  path: string;
  message: string;
}

/** `a.b`, or `a["net.ipv4.ip_forward"]` for a key that is not a plain word (a Record's keys can be anything). */
const join = (path: string, key: string): string =>
  (/^[A-Za-z_][\w-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);
const expected = (s: S, v: unknown, path: string): Problem => ({ path, message: `expected ${noun(s)}, got ${describeValue(v)}` });

function explain(s: S, v: unknown, path: string): Problem | undefined {
  if (s.anyOf) return union(s, v, path);
  if (s.enum) return s.enum.includes(v) ? refined(s, v, path) : expected(s, v, path);
  if ('const' in s) return v === s.const ? undefined : expected(s, v, path);
  switch (s.type) {
    case 'object': return object(s, v, path);
    case 'array': return array(s, v, path);
    case 'string': {
      if (typeof v !== 'string') return expected(s, v, path);
      const r = refined(s, v, path);
      if (r) return r;
      const n = s.minLength !== undefined || s.maxLength !== undefined ? codePoints(v) : 0;
      if (s.minLength !== undefined && n < s.minLength) {
        return { path, message: s.minLength === 1 ? `expected a non-empty string, got ''` : `expected at least ${s.minLength} characters, got ${describeValue(v)}` };
      }
      if (s.maxLength !== undefined && n > s.maxLength) return { path, message: `expected at most ${s.maxLength} characters, got ${describeValue(v)} (${n})` };
      if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
        return { path, message: s.pattern === NO_NUL ? `expected a string without NUL characters, got ${describeValue(v)}` : `expected a string matching /${s.pattern}/, got ${describeValue(v)}` };
      }
      return undefined;
    }
    case 'integer': case 'number': {
      const ok = typeof v === 'number' && (s.type === 'number' ? !Number.isNaN(v) : Number.isInteger(v))
        && (s.minimum === undefined || v >= s.minimum) && (s.maximum === undefined || v <= s.maximum);
      return ok ? refined(s, v, path) : expected(s, v, path);
    }
    case 'boolean': return typeof v === 'boolean' ? undefined : expected(s, v, path);
    case 'null': return v === null ? undefined : expected(s, v, path);
    case 'bigint': return typeof v === 'bigint' ? refined(s, v, path) : expected(s, v, path);
    case 'function': return typeof v === 'function' ? refined(s, v, path) : expected(s, v, path);
    default: return refined(s, v, path);
  }
}

function refined(s: S, v: unknown, path: string): Problem | undefined {
  for (const r of s['~refine'] ?? []) if (!r.check(v)) return { path, message: r.error(v) };
  return undefined;
}

/** A union: explain inside the one structured branch the value's type fits, else list what was expected. */
function union(s: S, v: unknown, path: string): Problem | undefined {
  if (s.anyOf!.some((b) => explain(b, v, path) === undefined)) return refined(s, v, path);
  const fits = s.anyOf!.filter((b) => typeFits(b, v) && !literal(b));
  return (fits.length === 1 && explain(fits[0]!, v, path)) || expected(s, v, path);
}

function literal(s: S): boolean {
  return s.enum !== undefined || 'const' in s;
}

function typeFits(s: S, v: unknown): boolean {
  if (s.anyOf) return s.anyOf.some((b) => typeFits(b, v));
  if (s.enum) return s.enum.some((x) => typeof x === typeof v);
  if ('const' in s) return typeof s.const === typeof v;
  switch (s.type) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'integer': case 'number': return typeof v === 'number';
    case 'null': return v === null;
    case undefined: return true;
    default: return typeof v === s.type;
  }
}

function object(s: S, v: unknown, path: string): Problem | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return expected(s, v, path);
  const props = s.properties ?? {};
  if (s.additionalProperties === false) {
    for (const k of Object.getOwnPropertyNames(v)) {
      if (!Object.hasOwn(props, k)) {
        const near = closest(k, Object.keys(props));
        return { path: join(path, k), message: `unknown field ${describeValue(k)}${near ? ` (did you mean '${near}'?)` : ''}` };
      }
    }
  }
  const required = s.required ?? [];
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(props)) {
    const x = o[k];
    if (x === undefined && !required.includes(k)) continue;
    const p = explain(props[k]!, x, join(path, k));
    if (p) return p;
  }
  for (const [k, x, ks] of patterned(s, o)) {
    const p = explain(ks, x, join(path, k));
    if (p) return p;
  }
  return refined(s, v, path);
}

/** The entries of a Record-like object with the schema their key's pattern gives them. */
function* patterned(s: S, o: Record<string, unknown>): Generator<[string, unknown, S]> {
  if (!s.patternProperties) return;
  const patterns = Object.entries(s.patternProperties).map(([p, ks]) => [new RegExp(p, 'u'), ks] as const);
  for (const k of Object.keys(o)) {
    for (const [re, ks] of patterns) if (re.test(k)) yield [k, o[k], ks];
  }
}

/**
 * Every problem of `value`, not only the first: what a file's author wants
 * to see at once. Objects and lists of objects are walked field by field;
 * anything else is one problem at most, explained as checker() explains it.
 */
export function problems(schema: TSchema, value: unknown, path = ''): Problem[] {
  const s = schema as S;
  if (s.type === 'object' && !s.anyOf && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Problem[] = [];
    const props = s.properties ?? {};
    const o = value as Record<string, unknown>;
    if (s.additionalProperties === false) {
      for (const k of Object.getOwnPropertyNames(o)) {
        if (Object.hasOwn(props, k)) continue;
        const near = closest(k, Object.keys(props));
        out.push({ path: join(path, k), message: `unknown field ${describeValue(k)}${near ? ` (did you mean '${near}'?)` : ''}` });
      }
    }
    for (const k of Object.keys(props)) {
      if (o[k] === undefined && !(s.required ?? []).includes(k)) continue;
      out.push(...problems(props[k]!, o[k], join(path, k)));
    }
    for (const [k, x, ks] of patterned(s, o)) out.push(...problems(ks, x, join(path, k)));
    if (out.length === 0) {
      const r = refined(s, value, path);
      if (r) out.push(r);
    }
    return out;
  }
  if (s.type === 'array' && !Array.isArray(s.items) && s.items && structured(s.items) && Array.isArray(value)) {
    const whole = explain({ ...s, items: undefined } as S, value, path);
    if (whole) return [whole];
    return value.flatMap((x, i) => problems(s.items as TSchema, x, `${path}[${i}]`));
  }
  const p = explain(s, value, path);
  return p ? [p] : [];
}

function array(s: S, v: unknown, path: string): Problem | undefined {
  if (!Array.isArray(v)) return expected(s, v, path);
  const tuple = Array.isArray(s.items) ? s.items : s.prefixItems;
  if (tuple) {
    if (v.length !== tuple.length) return expected(s, v, path);
    for (let i = 0; i < tuple.length; i++) {
      const p = item(tuple[i]!, v, i, path);
      if (p) return p;
    }
    return refined(s, v, path);
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    return { path, message: s.minItems === 1 ? `expected a non-empty array, got []` : `expected at least ${s.minItems} items, got ${v.length}` };
  }
  if (s.maxItems !== undefined && v.length > s.maxItems) return { path, message: `expected at most ${s.maxItems} items, got ${v.length}` };
  if (s.items) {
    for (let i = 0; i < v.length; i++) {
      const p = item(s.items as S, v, i, path);
      if (p) return p;
    }
  }
  return refined(s, v, path);
}

/**
 * Item i of an array. Items that hold fields are named by index
 * (`nexthops[0].gateway`); plain values by the array, the index told in the
 * message (`groups: ... (item 0)`), as a list of words or a [low, high] pair
 * is one field to the caller.
 */
function item(s: S, a: unknown[], i: number, path: string): Problem | undefined {
  if (structured(s)) return explain(s, a[i], `${path}[${i}]`);
  const p = explain(s, a[i], path);
  return p && { path: p.path, message: `${p.message} (item ${i})` };
}

function structured(s: S): boolean {
  return s.type === 'object' || s.type === 'array' || (s.anyOf?.some(structured) ?? false);
}

/** What a schema accepts, as a noun phrase: "an integer 0..255", "one of low, medium, high". */
function noun(s: S): string {
  if (s.anyOf) {
    const literals: unknown[] = [];
    const others: string[] = [];
    for (const b of s.anyOf) {
      if (b.enum) literals.push(...b.enum);
      else if ('const' in b) literals.push(b.const);
      else others.push(noun(b));
    }
    const parts = literals.length === 1 ? [describeValue(literals[0])] : literals.length > 1 ? [oneOf(literals)] : [];
    parts.push(...others);
    return parts.length <= 2 ? parts.join(' or ') : `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`;
  }
  if (s.enum) return oneOf(s.enum);
  if ('const' in s) return describeValue(s.const);
  switch (s.type) {
    case 'integer': case 'number': {
      const what = s.type === 'integer' ? 'an integer' : 'a number';
      if (s.minimum !== undefined && s.maximum !== undefined) return `${what} ${s.minimum}..${s.maximum}`;
      if (s.minimum !== undefined) return `${what} >= ${s.minimum}`;
      if (s.maximum !== undefined) return `${what} <= ${s.maximum}`;
      return what;
    }
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'null': return 'null';
    case 'object': return 'an object';
    case 'array': {
      const tuple = Array.isArray(s.items) ? s.items : s.prefixItems;
      return tuple ? `an array of ${tuple.length} items` : 'an array';
    }
    case 'bigint': return 'a bigint';
    case 'function': return 'a function';
    default: return 'a valid value';
  }
}

function oneOf(values: readonly unknown[]): string {
  return `one of ${values.map((x) => (typeof x === 'string' ? x : describeValue(x))).join(', ')}`;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The known field a typo most likely meant (edit distance at most 2, and less than the name's length). */
function closest(k: string, known: readonly string[]): string | undefined {
  if (k.length > 64) return undefined;
  let best: string | undefined;
  let bestD = Math.min(2, k.length - 1);
  for (const c of known) {
    const d = distance(k, c, bestD);
    if (d <= bestD && (best === undefined || d < distance(k, best, bestD))) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
