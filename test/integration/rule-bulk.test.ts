// Bulk rules: rule.addMany / rule.delMany load and remove many policy
// rules at once, account for each, and the kernel holds exactly those.
import { expect } from 'chai';
import type { Namespace, Rtnl, RuleSpec } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipJson } from '../support/ip.js';

interface IpRule {
  priority: number;
  src: string;
  srclen?: number;
  fwmark?: string;
  table?: string;
}

function* rules(n: number): Generator<RuleSpec> {
  for (let i = 0; i < n; i++) {
    yield { priority: 1000 + i, src: `10.${i >> 8}.${i & 255}.0/24`, fwmark: i + 1, table: 10_000 + i };
  }
}

describe('bulk: rules', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  const ours = (family: 4 | 6 = 4): IpRule[] => ipJson<IpRule[]>([`-${family}`, 'rule', 'show'], ns).filter((r) => r.priority >= 1000 && r.priority < 32766);

  it('1,000 IPv4 rules with addMany, then delMany', async () => {
    expect(await rtnl.rule.addMany(rules(1_000))).to.deep.equal({ total: 1_000, ok: 1_000, failed: [] });
    const shown = ours();
    expect(shown).to.have.length(1_000);
    expect(shown[999]).to.deep.equal({ priority: 1999, src: '10.3.231.0', srclen: 24, fwmark: '0x3e8', table: '10999' });

    expect(await rtnl.rule.delMany(rules(1_000))).to.deep.equal({ total: 1_000, ok: 1_000, failed: [] });
    expect(ours()).to.deep.equal([]);
    // The kernel's own rules are untouched.
    expect(ipJson<IpRule[]>(['rule', 'show'], ns).map((r) => r.priority)).to.deep.equal([0, 32766, 32767]);
  });

  it('IPv6 rules, deleted by priority alone', async () => {
    function* v6(): Generator<RuleSpec> {
      for (let i = 0; i < 500; i++) yield { priority: 1000 + i, dst: `2001:db8:${i.toString(16)}::/48`, table: 600 };
    }
    expect((await rtnl.rule.addMany(v6())).ok).to.equal(500);
    expect(ours(6)).to.have.length(500);
    const byPriority = Array.from({ length: 500 }, (_, i): RuleSpec => ({ family: 6, priority: 1000 + i }));
    expect(await rtnl.rule.delMany(byPriority)).to.deep.equal({ total: 500, ok: 500, failed: [] });
    expect(ours(6)).to.deep.equal([]);
  });

  it('duplicates and invalid rules are reported; the rest are loaded', async () => {
    const specs = [...rules(300)];
    specs[10] = { ...specs[9]! }; // the same rule twice
    specs[20] = { priority: 5, action: 'goto' }; // no target: refused before sending
    specs[299] = { ...specs[0]! };
    const result = await rtnl.rule.addMany(specs, { batchBytes: 2048 });
    expect(result.ok).to.equal(297);
    expect(result.failed.map((f) => [f.index, (f.error as { code?: string }).code])).to.deep.equal([
      [10, 'EEXIST'], [20, 'ERR_INVALID_ARGUMENT'], [299, 'EEXIST'],
    ]);
    expect(ours()).to.have.length(297);
  });
});
