// Deleting rules selects exactly the rule described — by the full selector
// or by priority alone, as `ip rule del` does — and refusals carry the
// kernel's errno (EEXIST, ENOENT) or never leave the process.
import { expect } from 'chai';
import { NetlinkError, ValidationError, type Namespace, type Rtnl, type RuleSpec } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { needUids } from '../support/privilege.js';

interface IpRule {
  priority: number;
  fwmark?: string;
  src?: string;
  table?: string;
}

async function rejection<E extends Error>(p: Promise<unknown>, cls: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}, but the call succeeded`);
}

describe('rules: delete and errors', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  /** "priority table fwmark" of every rule but the kernel's defaults. */
  const shown = (family: 4 | 6 = 4): string[] =>
    ipJson<IpRule[]>([`-${family}`, 'rule', 'show'], ns)
      .filter((r) => r.priority !== 0 && r.priority < 32766)
      .map((r) => [r.priority, r.table ?? '-', r.fwmark ?? '-', r.src].join(' '));

  it('by full selector: only the rule that matches every field goes', async () => {
    ipBatch([
      'rule add priority 100 fwmark 1 lookup 7',
      'rule add priority 100 fwmark 2 lookup 7',
      'rule add priority 100 fwmark 2 lookup 8',
    ], ns);
    await rtnl.rule.del({ priority: 100, fwmark: 2, table: 7 });
    expect(shown()).to.deep.equal(['100 7 0x1 all', '100 8 0x2 all']);
  });

  it('by selector without a priority', async () => {
    ipBatch(['rule add priority 100 from 10.0.0.0/8 lookup 100', 'rule add priority 101 from 10.1.0.0/16 lookup 100'], ns);
    await rtnl.rule.del({ src: '10.1.0.0/16', table: 100 });
    expect(shown()).to.deep.equal(['100 100 - 10.0.0.0']);
  });

  it('by priority alone, whatever the rule selects and does', async () => {
    ipBatch([
      'rule add priority 150 from 10.0.0.0/8 to 20.0.0.0/8 fwmark 0x3/0xf ipproto tcp dport 80 lookup 1000',
      'rule add priority 151 blackhole',
      'rule add priority 152 lookup 7',
    ], ns);
    await rtnl.rule.del({ priority: 150 });
    await rtnl.rule.del({ priority: 151 });
    expect(shown()).to.deep.equal(['152 7 - all']);
  });

  it('IPv6 by priority alone and by full selector', async () => {
    for (const r of ['priority 100 from 2001:db8::/32 lookup 100', 'priority 101 fwmark 4 lookup 100', 'priority 102 lookup 100']) {
      ip(['-6', 'rule', 'add', ...r.split(' ')], ns);
    }
    await rtnl.rule.del({ family: 6, priority: 102 });
    await rtnl.rule.del({ src: '2001:db8::/32', table: 100, priority: 100 });
    expect(shown(6)).to.deep.equal(['101 100 0x4 all']);
    expect(shown(4)).to.deep.equal([]);
  });

  it('rules netnest added are deleted with the same spec', async function () {
    needUids(this, 1, 2);
    const spec: RuleSpec = {
      priority: 300, src: '10.0.0.0/8', dst: '20.0.0.0/16', fwmark: 5, fwmask: 0xff, iif: 'x0', uidrange: [1, 2],
      ipproto: 'udp', sport: [1, 2], dport: 53, table: 1000, protocol: 'static',
    };
    await rtnl.rule.add(spec);
    await rtnl.rule.add({ ...spec, table: 1001 });
    await rtnl.rule.del(spec);
    expect(shown()).to.deep.equal(['300 1001 0x5 10.0.0.0']);
  });

  it('EEXIST when an identical rule exists', async () => {
    const spec: RuleSpec = { priority: 100, fwmark: 1, table: 7 };
    await rtnl.rule.add(spec);
    const e = await rejection(rtnl.rule.add(spec), NetlinkError);
    expect(e).to.include({ code: 'EEXIST', errnoName: 'EEXIST' });
    expect(e.request).to.equal('RTM_NEWRULE priority 100 fwmark 1 lookup 7');
    // Same selector, another action: a different rule.
    await rtnl.rule.add({ ...spec, table: 8 });
    expect(shown()).to.deep.equal(['100 7 0x1 all', '100 8 0x1 all']);
  });

  it('ENOENT when no rule matches the selector; the others stay', async () => {
    ipBatch(['rule add priority 100 fwmark 1 lookup 7'], ns);
    for (const spec of [{ priority: 999 }, { priority: 100, table: 8 }, { priority: 100, fwmark: 2 }, { family: 6 as const, priority: 100 }]) {
      const e = await rejection(rtnl.rule.del(spec), NetlinkError);
      expect(e.code, JSON.stringify(spec)).to.equal('ENOENT');
    }
    expect(shown()).to.deep.equal(['100 7 0x1 all']);
  });

  it('bad specs are refused before anything is sent', async () => {
    const sent = rtnl.socket.stats.sent;
    const bad: [RuleSpec, string][] = [
      [{ action: 'goto' }, 'goto'],
      [{ table: 0 }, 'table'],
      [{ src: '10.0.0.0/8', dst: '2001:db8::/32' }, 'dst'],
      [{ sport: [2000, 1000], table: 7 }, 'sport'],
      [{ ipproto: 'no-such-protocol', table: 7 }, 'ipproto'],
      [{ iif: 'a-name-longer-than-15', table: 7 }, 'iif'],
      [{ tos: 4, dscp: 1, table: 7 }, 'dscp'],
    ];
    for (const [spec, field] of bad) {
      const e = await rejection(rtnl.rule.add(spec), ValidationError);
      expect(e.field, JSON.stringify(spec)).to.equal(field);
    }
    expect(rtnl.socket.stats.sent).to.equal(sent);
  });
});
