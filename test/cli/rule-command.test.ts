// `netnest rules` prints each rule's selector and action in `ip rule`'s own
// words, so its text can be compared with ip's line for line.
import { expect } from 'chai';
import { Rtnl, type RuleSpec } from '../../src/index.js';
import { ip } from '../support/ip.js';
import { NetnestRuns } from '../support/cli.js';
import { needUids } from '../support/privilege.js';

// Priorities of these tests' rules; rules without a protocol, so ip prints no "proto".
const rules: RuleSpec[] = [
  { priority: 31001, src: '10.0.0.0/8', fwmark: 5, fwmask: 0xff, ipproto: 'tcp', dport: [80, 90], table: 3101 },
  { priority: 31002, iif: 'c3nosuch0', fwmark: 7, action: 'prohibit' },
  { priority: 31003, uidrange: [1000, 2000], goto: 32766 },
  { priority: 31004, not: true, src: '192.168.0.0/16', table: 'main' },
  { priority: 31005, dst: '10.0.0.0/8', sport: 1000, table: 'main', suppress_prefixlength: 0 },
  { priority: 31006, tos: 0x10, oif: 'c3nosuch1', action: 'blackhole' },
  { priority: 31007, family: 6, src: '2001:db8::/32', ipproto: 'udp', sport: [5000, 5010], table: 3101 },
  { priority: 31008, family: 6, tos: 0x28, table: 3101 }, // ip names it from rt_dsfield: AF11
];

/** `ip rule show` as "PRIORITY TEXT" lines, IPv4 then IPv6. */
function ipRuleLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const family of ['-4', '-6']) {
    for (const line of ip([family, 'rule', 'show']).split('\n')) {
      const m = /^(\d+):\s+(.*\S)\s*$/.exec(line);
      if (m && Number(m[1]) >= 31001 && Number(m[1]) <= 31008) out.set(Number(m[1]), m[2]!);
    }
  }
  return out;
}

describe('netnest rules', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async function () {
    needUids(this, 1000, 2000);
    rtnl = Rtnl.open();
    for (const r of rules) await rtnl.rule.add(r);
    cli.start(['rules'], ['rules', '--json'], ['rules', '-6']);
  });

  after(async () => {
    if (!rtnl) return; // skipped before anything was made
    await cli.settled();
    const res = await rtnl.rule.delMany(rules.map((r) => ({ family: r.family ?? 4, priority: r.priority! })));
    rtnl.close();
    expect(res.failed, 'rules left behind').to.deep.equal([]);
  });

  it('prints selector and action exactly as ip rule does', async () => {
    const r = await cli.run('rules');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n')[0]).to.match(/^priority\s+family\s+selector\s+action\s+proto$/);
    const ours = new Map<number, string>();
    for (const line of r.stdout.split('\n')) {
      // priority, family, then selector and action separated by runs of two or more blanks
      const cells = line.split(/ {2,}/);
      const prio = Number(cells[0]);
      if (prio >= 31001 && prio <= 31008) ours.set(prio, `${cells[2]} ${cells[3]}`);
    }
    expect(ours).to.deep.equal(ipRuleLines());
    expect(ours.get(31001)).to.equal('from 10.0.0.0/8 fwmark 0x5/0xff ipproto tcp dport 80-90 lookup 3101');
  });

  it('--json gives the Rule objects with typed values', async () => {
    type JsonRule = { priority: number; family: number; src: string; fwmark?: number; fwmask?: number; dport?: number[]; table: number; action: string; not: boolean; goto?: number };
    const list = await cli.json<JsonRule[]>('rules');
    expect(list.find((r) => r.priority === 31001)).to.deep.include({ family: 4, src: '10.0.0.0/8', fwmark: 5, fwmask: 255, dport: [80, 90], table: 3101, action: 'lookup' });
    expect(list.find((r) => r.priority === 31003)).to.include({ action: 'goto', goto: 32766 });
    expect(list.find((r) => r.priority === 31004)).to.include({ not: true, table: 254 });
  });

  it('-6 lists IPv6 rules only, the kernel\'s default ones included', async () => {
    const r = await cli.run('rules', '-6');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^0\s+inet6\s+from all\s+lookup local\s+kernel$/m);
    expect(r.stdout).to.match(/^31007\s+inet6\s+from 2001:db8::\/32 ipproto udp sport 5000-5010\s+lookup 3101\s+unspec$/m);
    expect(r.stdout).to.not.match(/\binet\s/);
  });
});
