// route.swapTable(): a whole routing table replaced under live traffic.
//
// The new routes are loaded into a shadow table nobody looks up. Then a rule
// like the live one (the same selectors and priority) pointing at the shadow
// is added: the kernel puts a new rule after the rules of its priority that
// are there already, so lookups still stop at the live rule and its full
// table. Deleting the live rule then makes the new one the first to match, in
// one step. At every instant some rule points at a full table. Only then is
// the old table flushed. (RTM_NEWRULE with NLM_F_REPLACE would be one step,
// but the kernel ignores the flag for rules and adds a second one.)
import { BulkOptionsSchema, type BulkOptions, type BulkResult } from '../../core/bulk.js';
import { describeValue, NetnestError, ValidationError } from '../../core/errors.js';
import { checker, CLOSED, Int, Type, type Static } from '../../core/schema.js';
import type { Many } from '../bulk-modes.js';
import { FamilySchema, type Family } from '../inet.js';
import { tableId } from '../names.js';
import type { RuleApi } from '../rule/api.js';
import { checkRule, decodeRule, describeRule, encodeRule, ruleToSpec, RuleSpecSchema, type Rule, type RuleSpec } from '../rule/codec.js';
import { RTM_DELRULE, RTM_NEWRULE } from '../rule/constants.js';
import type { Route, RouteSpec } from './codec.js';

const isMany = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && (Symbol.iterator in v || Symbol.asyncIterator in v);

export const SwapTableSpecSchema = Type.Object({
  /** Selects the live rule: the fields given must match exactly one rule of the family (`{ priority: 1000 }`). */
  rule: RuleSpecSchema,
  /** The whole new table: routes without a `table`, or with the live table's. */
  routes: Type.Refine(Type.Unsafe<Many<RouteSpec>>({}), isMany, (v) => `expected an array, an iterable or an async iterable of routes, got ${describeValue(v)}`),
  /** 4 or 6. Default: the rule's (from its src or dst, else 4). */
  family: Type.Optional(FamilySchema),
  /** The table to load: empty, and named by no rule. Default: chosen (see pickShadow). */
  shadowTable: Type.Optional(Int(1, 0xffffffff)),
  /** Load failures tolerated; one more and the swap is abandoned. Default 0. */
  maxFailures: Type.Optional(Int(0, 0x7fffffff)),
  /** Leave the old table's routes where they are (default: flushed once nothing looks it up). */
  keepOld: Type.Optional(Type.Boolean()),
}, CLOSED);
export type SwapTableSpec = Static<typeof SwapTableSpecSchema>;

const checkSwapSpec = checker(SwapTableSpecSchema);
const checkBulkOptions = checker(BulkOptionsSchema);

/** One step of a swap and what became of it. */
export interface SwapStep {
  step: 'load' | 'rule-add' | 'rule-del' | 'flush-old' | 'drop-shadow' | 'rule-undo';
  outcome: 'done' | 'failed' | 'skipped';
  /** What was done, in words: "RTM_NEWRULE priority 1000 lookup 101". */
  detail: string;
  error?: Error;
}

export interface SwapTableResult {
  /** Whether the rule now points at the new table. */
  swapped: boolean;
  /** The table the rule points at now: the shadow when swapped, the old one otherwise. */
  table: number;
  /** The table the rule pointed at before. */
  previous: number;
  /** The table the routes were loaded into. */
  shadow: number;
  /** The live rule as it is now. */
  rule: RuleSpec;
  /** Every route's outcome in the shadow table, as addMany reports it. */
  load: BulkResult<RouteSpec>;
  /** What the last step deleted: the old table's routes after a swap, the shadow's after an abandoned one. */
  flush?: BulkResult<RouteSpec>;
  steps: SwapStep[];
}

/** What a swap asks of the route API (RouteApi, which calls swapTable, has it). */
interface SwapRoutes {
  list(filter: { table: number; family?: Family }): Promise<Route[]>;
  addInto(routes: Many<RouteSpec>, into: (spec: RouteSpec) => RouteSpec, opts: BulkOptions): Promise<BulkResult<RouteSpec>>;
  flushWhere(filter: { table: number; family: Family }, del: (r: Route) => boolean, opts: BulkOptions): Promise<BulkResult<RouteSpec>>;
}

interface Apis {
  routes: SwapRoutes;
  rules: RuleApi;
}

const RT_TABLE_LOCAL = 255;
/** Tables never chosen as a shadow: unspec, compat, default, main, local. */
const RESERVED = new Set([0, 252, 253, 254, RT_TABLE_LOCAL]);

/** See the top of this file and docs/bulk.md#swapping-a-whole-table. */
export async function swapTable(api: Apis, spec: SwapTableSpec, opts: BulkOptions): Promise<SwapTableResult> {
  checkSwapSpec(spec, 'spec');
  checkBulkOptions(opts, 'options');
  const family: Family = spec.family ?? checkRule(spec.rule).family;
  const rules = await api.rules.list();
  const live = findLive(rules, spec.rule, family);
  const previous = live.table;
  const shadow = await pickShadow(api, rules, previous, spec.shadowTable);
  const liveSpec = ruleToSpec(live);
  const nextSpec: RuleSpec = { ...liveSpec, table: shadow };
  const steps: SwapStep[] = [];
  const into = (r: RouteSpec): RouteSpec => {
    if (r.table !== undefined && r.table !== previous && tableIdOr(r.table) !== previous) {
      throw new ValidationError(`swapTable loads table ${previous}'s routes into table ${shadow}: leave table out (got ${describeValue(r.table)})`, 'table');
    }
    if (r.family !== undefined && r.family !== family) throw new ValidationError(`swapTable of an IPv${family} rule takes IPv${family} routes`, 'family');
    return { ...r, table: shadow, family };
  };
  const load = await api.routes.addInto(spec.routes, into, opts);
  const base = { previous, shadow, load, steps };
  steps.push({ step: 'load', outcome: load.failed.length <= (spec.maxFailures ?? 0) ? 'done' : 'failed', detail: `${load.ok} of ${load.total} routes into table ${shadow}` });
  if (steps[0]!.outcome === 'failed') return abandon(api, base, liveSpec, family, opts);

  const add = await attempt(() => api.rules.add(nextSpec));
  steps.push({ step: 'rule-add', ...add, detail: `${describeRule(RTM_NEWRULE, nextSpec)} (after the live rule)` });
  if (add.outcome === 'failed') return abandon(api, base, liveSpec, family, opts);

  const del = await attempt(() => api.rules.del(liveSpec));
  steps.push({ step: 'rule-del', ...del, detail: describeRule(RTM_DELRULE, liveSpec) });
  if (del.outcome === 'failed' && !isGone(del.error)) {
    // Both rules are there and the live one still matches first: back to where we were.
    const undo = await attempt(() => api.rules.del(nextSpec));
    steps.push({ step: 'rule-undo', ...undo, detail: describeRule(RTM_DELRULE, nextSpec) });
    if (undo.outcome === 'done') return abandon(api, base, liveSpec, family, opts);
    // Both rules stay, the live one first: its table is still what lookups use, and stays whole.
    return { swapped: false, table: previous, rule: liveSpec, ...base };
  }
  const flush = await flushOld(api, rules, live, family, spec.keepOld === true, steps, opts);
  return { swapped: true, table: shadow, rule: nextSpec, ...base, ...(flush && { flush }) };
}

/** The one rule of `family` the selector's given fields match; it must look up a table. */
function findLive(rules: Rule[], selector: RuleSpec, family: Family): Rule {
  const want = decodeRule(encodeRule(RTM_NEWRULE, 0, checkRule({ ...selector, family })).bytes);
  const found = rules.filter((r) => r.family === family && selects(selector, want, r));
  const what = describeRule(RTM_NEWRULE, selector).replace(/^RTM_NEWRULE ?/, '') || 'the selector';
  if (found.length === 0) throw new NetnestError('ERR_RULE_NOT_FOUND', `swapTable: no IPv${family} rule matches ${what}`);
  if (found.length > 1) {
    throw new NetnestError('ERR_RULE_AMBIGUOUS', `swapTable: ${found.length} IPv${family} rules match ${what} (priorities ${found.map((r) => r.priority).join(', ')}): give more of its fields`);
  }
  const r = found[0]!;
  if (r.action !== 'lookup' || r.l3mdev) throw new ValidationError(`the rule at priority ${r.priority} does not look up a table (action ${r.action}${r.l3mdev ? ', l3mdev' : ''})`, 'rule');
  if (r.table === RT_TABLE_LOCAL) throw new ValidationError('the rule looks up the local table, which the kernel fills itself', 'rule');
  // The kernel adds a rule after every rule of its priority: after one that follows the live
  // rule, the new rule would let that one match first where the live rule did.
  const peers = rules.filter((x) => x.family === family && x.priority === r.priority);
  const after = peers.length - 1 - peers.indexOf(r);
  if (after > 0) {
    throw new NetnestError('ERR_RULE_NOT_LAST', `swapTable: the rule at priority ${r.priority} is followed by ${after} other rule${after > 1 ? 's' : ''} of that priority; ` +
      'the new rule could only go after them, which would change what matches first: give the live rule a priority of its own');
  }
  return r;
}

/** Masks of all ones are what a selector without a mask means; kernels report them or not. */
const FULL: Partial<Record<keyof Rule, number>> = { fwmask: 0xffffffff, sport_mask: 0xffff, dport_mask: 0xffff, dscp_mask: 0x3f, flowlabel_mask: 0xfffff };

/** Whether listed rule `r` has every field the selector gives (`want`: the selector as the kernel would report it). */
function selects(selector: RuleSpec, want: Rule, r: Rule): boolean {
  for (const k of Object.keys(selector) as (keyof RuleSpec & keyof Rule)[]) {
    if (selector[k] === undefined || k === 'family') continue;
    if ((k === 'src' || k === 'dst') && r[`${k}_len`] !== want[`${k}_len`]) return false;
    const norm = (v: unknown): unknown => (v === FULL[k] ? undefined : v);
    if (!same(norm(want[k]), norm(r[k]))) return false;
  }
  return true;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
}

/**
 * The shadow table: the one given, or the first free one of the live table's
 * twin (its id with the last bit flipped: 100 and 101 take turns), then the
 * ids after it. Free: named by no rule and without routes, in both families.
 */
async function pickShadow(api: Apis, rules: Rule[], live: number, given: number | undefined): Promise<number> {
  const named = (t: number): boolean => rules.some((r) => r.action === 'lookup' && r.table === t);
  const empty = async (t: number): Promise<boolean> => (await api.routes.list({ table: t })).length === 0;
  if (given !== undefined) {
    if (given === live || RESERVED.has(given) || named(given) || !(await empty(given))) {
      throw new NetnestError('ERR_TABLE_IN_USE', `swapTable: table ${given} is ${given === live ? 'the live table' : RESERVED.has(given) ? 'reserved' : named(given) ? 'named by a rule' : 'not empty'}; the shadow table must be unused`);
    }
    return given;
  }
  const candidates = [live ^ 1];
  for (let i = 1; candidates.length < 64; i++) candidates.push((live + i) % 0x100000000);
  for (const t of candidates) if (!RESERVED.has(t) && t !== live && !named(t) && (await empty(t))) return t;
  throw new NetnestError('ERR_TABLE_IN_USE', `swapTable: no free table among ${candidates[0]} and ${live + 1}..${live + 63}: give shadowTable`);
}

/** The swap is off: the shadow table's routes go, the live rule and table stay as they were. */
async function abandon(
  api: Apis, base: Omit<SwapTableResult, 'swapped' | 'table' | 'rule'>, liveSpec: RuleSpec, family: Family, opts: BulkOptions,
): Promise<SwapTableResult> {
  const flush = await emptyTable(api, base.shadow, family, opts, true);
  base.steps.push({
    step: 'drop-shadow', outcome: flush.failed.length ? 'failed' : 'done', detail: `${flush.ok} of ${flush.total} routes deleted from table ${base.shadow}`,
    ...(flush.failed[0] && { error: flush.failed[0].error }),
  });
  return { swapped: false, table: base.previous, rule: liveSpec, ...base, flush };
}

/** Deletes a table's routes of one family in bulk (but the kernel's own unless `all`, as `ip route flush table T`). */
function emptyTable(api: Apis, table: number, family: Family, opts: BulkOptions, all: boolean): Promise<BulkResult<RouteSpec>> {
  const { onProgress: _p, ...bulk } = opts;
  return api.routes.flushWhere({ table, family }, (r) => all || r.protocol !== 'kernel', bulk);
}

/** The old table's routes, unless kept or still looked up by another rule (as `ip route flush table T`: kernel routes stay). */
async function flushOld(
  api: Apis, rules: Rule[], live: Rule, family: Family, keep: boolean, steps: SwapStep[], opts: BulkOptions,
): Promise<BulkResult<RouteSpec> | undefined> {
  const others = rules.filter((r) => r !== live && r.action === 'lookup' && r.table === live.table);
  if (keep || others.length) {
    const why = keep ? 'keepOld' : `still looked up by the rule${others.length > 1 ? 's' : ''} at priority ${others.map((r) => r.priority).join(', ')}`;
    steps.push({ step: 'flush-old', outcome: 'skipped', detail: `table ${live.table} kept: ${why}` });
    return undefined;
  }
  const flush = await emptyTable(api, live.table, family, opts, false);
  steps.push({
    step: 'flush-old', outcome: flush.failed.length ? 'failed' : 'done', detail: `${flush.ok} of ${flush.total} routes deleted from table ${live.table}`,
    ...(flush.failed[0] && { error: flush.failed[0].error }),
  });
  return flush;
}

async function attempt(fn: () => Promise<void>): Promise<{ outcome: 'done' | 'failed'; error?: Error }> {
  try {
    await fn();
    return { outcome: 'done' };
  } catch (e) {
    return { outcome: 'failed', error: e instanceof Error ? e : new Error(String(e)) };
  }
}

/** The live rule vanished meanwhile (someone deleted it): the new one matches first all the same. */
const isGone = (e: unknown): boolean => (e as { errnoName?: string } | undefined)?.errnoName === 'ENOENT';

function tableIdOr(t: string | number): number | undefined {
  try {
    return tableId(t);
  } catch {
    return undefined;
  }
}
