// Property tests of rules (fast-check): a rule that netnest encodes comes
// back from the decoder with the same values when the kernel echoes the
// message as RTM_NEWRULE (selectors, actions, tables, ports, uid ranges,
// tun_id, flow labels), and no byte string — random, built from random
// attributes, a mutated capture — makes decodeRule fail with anything but
// DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { protocolId } from '../../src/netlink/rtnl/names.js';
import { checkRule, decodeRule, encodeRule, type Rule, type RuleSpec } from '../../src/netlink/rtnl/rule/codec.js';
import { RTM_NEWRULE, type RuleAction } from '../../src/netlink/rtnl/rule/constants.js';
import {
  malformedRouting, onlyDecodeErrors, prefix, printed, protocol, protocolNumber, runs, tableArb, tableNumber, u16, u32, u8, type Fam,
} from '../support/arbitraries.js';

const linkName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 15 });

const port = fc.integer({ min: 1, max: 65534 });
const range = (a: fc.Arbitrary<number>): fc.Arbitrary<[number, number]> => fc.tuple(a, a).map(([x, y]) => [Math.min(x, y), Math.max(x, y)]);
const ruleAction = fc.oneof(
  fc.record({ action: fc.constant('lookup' as const), table: fc.option(tableArb, { nil: undefined }) }),
  fc.record({ action: fc.constant('l3mdev' as const) }),
  fc.record({ action: fc.constant('goto' as const), goto: u32 }),
  fc.record({ action: fc.constantFrom('nop', 'blackhole', 'unreachable', 'prohibit' as const) }),
);
const ruleCase = fc.constantFrom<Fam>(4, 6).chain((f) => fc.record({
  family: fc.constant(f),
  src: fc.option(prefix(f), { nil: undefined }),
  dst: fc.option(prefix(f), { nil: undefined }),
  act: ruleAction,
  explicitAction: fc.boolean(),
  opt: fc.record({
    priority: u32, tos: u8, fwmark: u32, fwmask: u32, iif: linkName, oif: linkName, uidrange: range(u32),
    sport: fc.oneof(port, range(port)), dport: fc.oneof(port, range(port)), sport_mask: u16, dport_mask: u16,
    ipproto: fc.oneof(u8, fc.constantFrom('tcp', 'udp', 'icmp')), tun_id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    not: fc.boolean(), protocol, realms: u32, suppress_prefixlength: fc.integer({ min: 0, max: 128 }),
    suppress_ifgroup: fc.integer({ min: 0, max: 0xfffffffe }), flowlabel: fc.integer({ min: 0, max: 0xfffff }),
    flowlabel_mask: fc.integer({ min: 0, max: 0xfffff }), dscp_mask: fc.integer({ min: 0, max: 63 }),
  }, { requiredKeys: [] }),
}).filter((c) => c.opt.flowlabel_mask === undefined || c.opt.flowlabel !== undefined));
type RuleCase = typeof ruleCase extends fc.Arbitrary<infer T> ? T : never;

function ruleSpecOf(c: RuleCase): RuleSpec {
  const spec: RuleSpec = { family: c.family, ...c.opt };
  if (c.src) spec.src = c.src.len === 0 ? 'all' : c.src.text;
  if (c.dst) spec.dst = c.dst.len === 0 ? 'all' : c.dst.text;
  const a = c.act;
  if (a.action === 'l3mdev') spec.l3mdev = true;
  else if (a.action === 'goto') { spec.goto = a.goto; if (c.explicitAction) spec.action = 'goto'; }
  else if (a.action === 'lookup') { if (a.table !== undefined) spec.table = a.table; if (c.explicitAction) spec.action = 'lookup'; }
  else spec.action = a.action;
  return spec;
}

function expectedRule(c: RuleCase): Rule {
  const o = c.opt;
  const a = c.act;
  const action: RuleAction = a.action === 'l3mdev' ? 'lookup' : a.action;
  const r: Rule = {
    family: c.family, priority: o.priority ?? 0,
    src: c.src ? printed(c.src, c.family, 'all') : 'all', src_len: c.src?.len ?? 0,
    dst: c.dst ? printed(c.dst, c.family, 'all') : 'all', dst_len: c.dst?.len ?? 0,
    tos: o.tos ?? 0, action, not: o.not === true, protocol: o.protocol === undefined ? 0 : protocolId(o.protocol), flags: [],
    // A lookup without a table looks up main, as `ip rule add`; l3mdev rules have none.
    table: a.action === 'lookup' ? (a.table === undefined ? 254 : tableNumber(a.table)) : 0,
  };
  if (a.action === 'l3mdev') r.l3mdev = true;
  if (a.action === 'goto') r.goto = a.goto;
  const same = ['fwmark', 'fwmask', 'iif', 'oif', 'uidrange', 'realms', 'suppress_prefixlength', 'suppress_ifgroup', 'sport_mask',
    'dport_mask', 'dscp_mask', 'flowlabel'] as const;
  for (const k of same) if (o[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = o[k];
  if (o.flowlabel !== undefined) r.flowlabel_mask = o.flowlabel_mask ?? 0xfffff; // the label alone is matched exactly
  if (o.sport !== undefined) r.sport = typeof o.sport === 'number' ? [o.sport, o.sport] : o.sport;
  if (o.dport !== undefined) r.dport = typeof o.dport === 'number' ? [o.dport, o.dport] : o.dport;
  if (o.ipproto !== undefined) r.ipproto = typeof o.ipproto === 'number' ? o.ipproto : { tcp: 6, udp: 17, icmp: 1 }[o.ipproto];
  if (o.tun_id !== undefined) r.tun_id = o.tun_id;
  return r;
}

describe('rule properties', () => {
  describe('what netnest encodes, the decoder reads back', () => {
    // Requests are RTM_NEW* already: the kernel's echo of an added object has the same layout.
    it('rules: selectors, actions, tables, ports, uid ranges, tun_id, flow labels', () => {
      fc.assert(fc.property(ruleCase, (c) => {
        const req = encodeRule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, checkRule(ruleSpecOf(c)));
        expect(protocolNumber(decodeRule(req.bytes))).to.deep.equal(expectedRule(c));
      }), runs(600));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformedRouting();

    it('decodeRule', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeRule(b))), runs(2500));
    });
  });
});
