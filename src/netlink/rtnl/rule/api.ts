// `ip rule` / `ip -6 rule` bound to a socket: each operation checks its
// input once, tells the create observer, encodes and sends.
import { runBulk, type BulkOptions, type BulkResult } from '../../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import { directIndex } from '../devices.js';
import { observed, observedMany, type Hooks } from '../observer.js';
import {
  checkRule, checkRuleListFilter, decodeRule, describeRule, encodeRule, encodeRuleDump, writeRule,
  type Rule, type RuleChecked, type RuleListFilter, type RuleSpec,
} from './codec.js';
import { RTM_DELRULE, RTM_NEWRULE } from './constants.js';
import { checkUidsMapped } from './uids.js';

type Rules = Iterable<RuleSpec> | AsyncIterable<RuleSpec>;

const ADD_FLAGS = NLM_F_CREATE | NLM_F_EXCL;

/** `ip rule` / `ip -6 rule` bound to one socket. */
export class RuleApi {
  constructor(private readonly sock: NetlinkSocket, private readonly hooks: Hooks = {}) {}

  /** `ip rule show`: IPv4 and IPv6 rules unless `family` says one. */
  async list(filter: RuleListFilter = {}): Promise<Rule[]> {
    const out: Rule[] = [];
    for (const family of checkRuleListFilter(filter)) out.push(...await this.sock.list(encodeRuleDump(family), decodeRule));
    return out;
  }

  /** `ip rule add`: EEXIST when an identical rule exists. */
  async add(spec: RuleSpec): Promise<void> {
    const c = check(spec, RTM_NEWRULE);
    await observed(this.hooks, () => ({ object: 'rule', spec }), () => this.sock.request(encodeRule(RTM_NEWRULE, ADD_FLAGS, c)));
  }

  /** `ip rule del`: by the full selector, or by priority alone (`{ priority: 100 }`). */
  async del(spec: RuleSpec): Promise<void> {
    await this.sock.request(encodeRule(RTM_DELRULE, 0, check(spec, RTM_DELRULE)));
  }

  /** Adds many rules pipelined; see RouteApi.addMany. */
  addMany(rules: Rules, opts: BulkOptions = {}): Promise<BulkResult<RuleSpec>> {
    return this.many(RTM_NEWRULE, ADD_FLAGS, rules, opts);
  }

  /** Deletes many rules pipelined. */
  delMany(rules: Rules, opts: BulkOptions = {}): Promise<BulkResult<RuleSpec>> {
    return this.many(RTM_DELRULE, 0, rules, opts);
  }

  private many(type: number, flags: number, rules: Rules, opts: BulkOptions): Promise<BulkResult<RuleSpec>> {
    // runBulk checks each item before it tells the observer, then encodes what the check made of it.
    const hooks = {
      ...(type === RTM_NEWRULE ? observedMany(this.hooks, (spec: RuleSpec) => ({ object: 'rule', spec })) : {}),
      check: (spec: RuleSpec): RuleChecked => check(spec, type),
    };
    return runBulk(this.sock, rules, (w, _spec, checked: RuleChecked) => writeRule(w, type, flags, checked, directIndex),
      (spec) => describeRule(type, spec), opts, hooks);
  }
}

/** checkRule(), and a uid range this user namespace can map. */
function check(spec: RuleSpec, type: number): RuleChecked {
  const c = checkRule(spec, type);
  checkUidsMapped(spec.uidrange);
  return c;
}
