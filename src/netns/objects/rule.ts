// Rules in the table of object kinds: found by priority and selectors (or,
// for a priority the kernel chose, as the look-alike that was not there
// before), and removed only when a delete request would stop at ours.
import { checkRule, decodeRule, encodeRule, type Rule, type RuleSpec } from '../../netlink/rtnl/rule/codec.js';
import { RTM_NEWRULE } from '../../netlink/rtnl/rule/constants.js';
import { cached, forget, same, type Kind, type ObjectOf } from './kind.js';

/** The rule a spec makes, in the shape a dump reports it (priority 0 when the kernel is to choose). */
export function canonicalRule(spec: RuleSpec): Rule {
  const r = decodeRule(encodeRule(RTM_NEWRULE, 0, checkRule(spec)).bytes);
  return normaliseRule(r);
}

/** Masks of all ones are what a selector without a mask means; kernels report them or not. */
const FULL_MASKS = { fwmask: 0xffffffff, sport_mask: 0xffff, dport_mask: 0xffff, dscp_mask: 0x3f, flowlabel_mask: 0xfffff } as const;

function normaliseRule(r: Rule): Rule {
  let out = r;
  for (const [k, full] of Object.entries(FULL_MASKS) as [keyof typeof FULL_MASKS, number][]) {
    if (r[k] === full) out = { ...out, [k]: undefined };
  }
  return out;
}

const RULE_FIELDS = [
  'family', 'src', 'src_len', 'dst', 'dst_len', 'tos', 'dscp', 'table', 'action', 'not', 'fwmark', 'fwmask', 'iif', 'oif',
  'uidrange', 'sport', 'dport', 'sport_mask', 'dport_mask', 'dscp_mask', 'flowlabel', 'flowlabel_mask', 'ipproto', 'l3mdev',
  'tun_id', 'protocol', 'goto', 'suppress_prefixlength', 'suppress_ifgroup', 'realms',
] as const;

export function sameSelectors(a: Rule, b: Rule): boolean {
  const x = normaliseRule(a);
  b = normaliseRule(b);
  return RULE_FIELDS.every((f) => same(x[f], b[f]));
}

/**
 * Whether `ip rule del` with our rule's fields would stop at rule `r`: the
 * kernel (rule_find) compares only the fields the request sets — a zero
 * mark, an empty iif... match anything — and deletes the first rule that fits.
 */
function deleteWouldHit(ours: Rule, r: Rule): boolean {
  if (r.family !== ours.family || r.priority !== ours.priority || r.action !== ours.action) return false;
  const set = (v: unknown): boolean => v !== undefined && v !== 0 && v !== '' && v !== false && v !== 0n;
  const fields = ['table', 'iif', 'oif', 'fwmark', 'fwmask', 'suppress_prefixlength', 'suppress_ifgroup', 'goto', 'tun_id', 'l3mdev',
    'uidrange', 'ipproto', 'protocol', 'sport', 'dport', 'tos', 'dscp', 'realms', 'flowlabel'] as const;
  for (const f of fields) if (set(ours[f]) && !(f === 'protocol' && ours[f] === 'unspec') && !same(ours[f], r[f])) return false;
  if (ours.src_len && (r.src_len !== ours.src_len || r.src !== ours.src)) return false;
  if (ours.dst_len && (r.dst_len !== ours.dst_len || r.dst !== ours.dst)) return false;
  return true;
}

const ruleKey = (family: number): string => `rule:${family}`;
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Our rule among those dumped: by priority when it was given, else the identical one that is new. */
function findRule(list: Rule[], want: Rule, spec: RuleSpec, before: number[] | undefined): Rule[] {
  return list.filter((x) => (spec.priority !== undefined ? x.priority === spec.priority : !(before ?? []).includes(x.priority)) && sameSelectors(x, want));
}

export const rule: Kind<ObjectOf<'rule'>> = {
  describe: (o) => `rule${o.spec.priority !== undefined ? ` priority ${o.spec.priority}` : ''}`,
  key: (o) => `rule ${o.spec.priority ?? 'auto'} ${JSON.stringify(RULE_FIELDS.map((f) => canonicalRule(o.spec)[f]), big)}`,
  async exists(r, o, cache) {
    const want = canonicalRule(o.spec);
    const list = await cached(cache, ruleKey(want.family), () => r.rule.list({ family: want.family }));
    if (o.spec.priority !== undefined) return { exists: list.some((x) => x.priority === o.spec.priority && sameSelectors(x, want)) };
    return { exists: false, before: list.filter((x) => sameSelectors(x, want)).map((x) => x.priority) };
  },
  async remove(r, rec, cache, dryRun) {
    const spec = rec.obj.spec;
    const want = canonicalRule(spec);
    const key = ruleKey(want.family);
    const list = await cached(cache, key, () => r.rule.list({ family: want.family }));
    const mine = findRule(list, want, spec, rec.before);
    if (mine.length === 0) return { outcome: 'alreadyGone' };
    if (mine.length > 1) return { outcome: 'skipped', reason: `${mine.length} identical rules (priorities ${mine.map((m) => m.priority).join(', ')}) and the journal cannot tell which is ours` };
    const found = mine[0]!;
    const first = list.find((x) => deleteWouldHit(found, x));
    if (first !== found) {
      return { outcome: 'skipped', reason: `a delete request would remove an earlier rule of the same priority (${first?.priority}) that it also matches` };
    }
    if (!dryRun) {
      await r.rule.del({ ...spec, priority: found.priority, action: found.action as RuleSpec['action'] });
      await forget(cache, key, found);
    }
    return { outcome: 'removed' };
  },
};
