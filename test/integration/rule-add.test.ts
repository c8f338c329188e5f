// Rules netnest adds, as `ip -d -j rule show` / `ip -d -j -6 rule show`
// read them back: every selector and every action of RuleSpec reaches the
// kernel with the value given.
import { expect } from 'chai';
import type { Namespace, Rtnl, RuleSpec } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';
import { skipBecause } from '../support/skip.js';
import { needUids } from '../support/privilege.js';

/** `ip -d -j rule` entry. */
interface IpRule {
  priority: number;
  [key: string]: unknown;
}

interface Case {
  title: string;
  spec: RuleSpec;
  /** What `ip -d -j rule show` prints for it, complete. */
  ip: Record<string, unknown>;
}

const any = { src: 'all', protocol: 'unspec' };

const ipv4: Case[] = [
  {
    title: 'every selector at once, lookup a table >= 256, protocol by name',
    spec: {
      priority: 100, src: '10.0.0.0/8', dst: '20.0.0.0/16', tos: 0x10, fwmark: 5, fwmask: 0xff, iif: 'v0', oif: 'v1',
      uidrange: [100, 200], sport: [1000, 2000], dport: 80, ipproto: 'tcp', table: 1000, protocol: 'static',
    },
    ip: {
      priority: 100, src: '10.0.0.0', srclen: 8, dst: '20.0.0.0', dstlen: 16, tos: '0x10', fwmark: '0x5', fwmask: '0xff',
      iif: 'v0', oif: 'v1', uid_start: 100, uid_end: 200, ipproto: 'tcp', sport_start: 1000, sport_end: 2000, dport: 80,
      table: '1000', protocol: 'static',
    },
  },
  {
    title: 'default action: lookup main (as `ip rule add`)',
    spec: { priority: 101, src: '10.1.0.1' },
    ip: { priority: 101, src: '10.1.0.1', table: 'main', protocol: 'unspec' },
  },
  {
    title: 'not, with a goto',
    spec: { priority: 102, not: true, src: '10.1.0.0/16', goto: 200 },
    ip: { priority: 102, not: null, src: '10.1.0.0', srclen: 16, goto: 200, protocol: 'unspec' },
  },
  {
    title: 'action goto given explicitly',
    spec: { priority: 103, action: 'goto', goto: 200, fwmark: 9 },
    ip: { ...any, priority: 103, fwmark: '0x9', goto: 200 },
  },
  { title: 'action nop', spec: { priority: 104, action: 'nop' }, ip: { ...any, priority: 104, nop: null } },
  { title: 'action blackhole', spec: { priority: 105, action: 'blackhole', dst: '20.1.0.0/16' }, ip: { ...any, priority: 105, dst: '20.1.0.0', dstlen: 16, action: 'blackhole' } },
  { title: 'action unreachable', spec: { priority: 106, action: 'unreachable' }, ip: { ...any, priority: 106, action: 'unreachable' } },
  { title: 'action prohibit', spec: { priority: 107, action: 'prohibit', iif: 'v1' }, ip: { ...any, priority: 107, iif: 'v1', action: 'prohibit' } },
  {
    title: 'suppress_prefixlength and suppress_ifgroup',
    spec: { priority: 108, table: 'main', suppress_prefixlength: 0, suppress_ifgroup: 5 },
    ip: { ...any, priority: 108, table: 'main', suppress_prefixlen: 0, suppress_ifgroup: '5' },
  },
  {
    title: 'table by name (local) and by number < 256',
    spec: { priority: 109, table: 'local', fwmark: 1 },
    ip: { ...any, priority: 109, fwmark: '0x1', table: 'local' },
  },
  {
    title: 'table 100',
    spec: { priority: 110, table: 100, oif: 'v0' },
    ip: { ...any, priority: 110, oif: 'v0', table: '100' },
  },
  {
    title: 'table 4000000000',
    spec: { priority: 111, table: 4000000000 },
    ip: { ...any, priority: 111, table: '4000000000' },
  },
  { title: 'tun_id', spec: { priority: 112, tun_id: 42n, table: 7 }, ip: { ...any, priority: 112, tun_id: 42, table: '7' } },
  { title: 'ipproto by number', spec: { priority: 113, ipproto: 17, table: 7 }, ip: { ...any, priority: 113, ipproto: 'udp', table: '7' } },
  { title: 'ipproto by name from /etc/protocols', spec: { priority: 114, ipproto: 'sctp', dport: [5000, 5010], table: 7 }, ip: { ...any, priority: 114, ipproto: 'sctp', dport_start: 5000, dport_end: 5010, table: '7' } },
  { title: 'single source port', spec: { priority: 115, ipproto: 'udp', sport: 53, table: 7 }, ip: { ...any, priority: 115, ipproto: 'udp', sport: 53, table: '7' } },
  { title: 'fwmark without a mask', spec: { priority: 116, fwmark: 0x10, table: 7 }, ip: { ...any, priority: 116, fwmark: '0x10', table: '7' } },
  { title: 'protocol by number', spec: { priority: 117, protocol: 186, table: 7 }, ip: { src: 'all', priority: 117, table: '7', protocol: 'bgp' } },
  { title: 'realms', spec: { priority: 118, realms: (3 << 16) | 5, table: 7 }, ip: { ...any, priority: 118, table: '7', flow_from: '3', flow_to: '5' } },
  {
    title: 'l3mdev (no VRF device needed to add the rule)',
    spec: { priority: 119, l3mdev: true },
    ip: { ...any, priority: 119, l3mdev: null },
  },
  {
    title: 'interfaces that do not exist yet are accepted (detached)',
    spec: { priority: 120, iif: 'later0', oif: 'later1', table: 7 },
    ip: { ...any, priority: 120, iif: 'later0', iif_detached: null, oif: 'later1', oif_detached: null, table: '7' },
  },
];

const ipv6: Case[] = [
  {
    title: 'src, dst, ipproto by name, table >= 256',
    spec: { priority: 100, src: '2001:db8::/32', dst: '2001:db8:1::/48', ipproto: 'ipv6-icmp', table: 300 },
    ip: { ...any, priority: 100, src: '2001:db8::', srclen: 32, dst: '2001:db8:1::', dstlen: 48, ipproto: 'ipv6-icmp', table: '300' },
  },
  {
    title: 'family 6 with no prefix, fwmark/fwmask, iif, uidrange',
    spec: { family: 6, priority: 101, fwmark: 0x100, fwmask: 0xf00, iif: 'v0', uidrange: [1000, 1000], table: 1000 },
    ip: { ...any, priority: 101, fwmark: '0x100', fwmask: '0xf00', iif: 'v0', uid_start: 1000, uid_end: 1000, table: '1000' },
  },
  { title: 'not, with a goto', spec: { family: 6, priority: 102, not: true, dst: '2001:db8:9::/48', goto: 200 }, ip: { ...any, priority: 102, not: null, dst: '2001:db8:9::', dstlen: 48, goto: 200 } },
  { title: 'action nop', spec: { family: 6, priority: 103, action: 'nop' }, ip: { ...any, priority: 103, nop: null } },
  { title: 'action blackhole', spec: { family: 6, priority: 104, action: 'blackhole' }, ip: { ...any, priority: 104, action: 'blackhole' } },
  { title: 'action unreachable', spec: { family: 6, priority: 105, action: 'unreachable' }, ip: { ...any, priority: 105, action: 'unreachable' } },
  { title: 'action prohibit', spec: { family: 6, priority: 106, action: 'prohibit' }, ip: { ...any, priority: 106, action: 'prohibit' } },
  {
    title: 'suppress_prefixlength, protocol, ports',
    spec: { family: 6, priority: 107, table: 'main', suppress_prefixlength: 64, protocol: 'static', ipproto: 'tcp', sport: 22, dport: [1, 1024] },
    ip: { src: 'all', priority: 107, table: 'main', suppress_prefixlen: 64, protocol: 'static', ipproto: 'tcp', sport: 22, dport_start: 1, dport_end: 1024 },
  },
  { title: 'tun_id', spec: { family: 6, priority: 108, tun_id: 7, table: 7 }, ip: { ...any, priority: 108, tun_id: 7, table: '7' } },
];

describe('rules: every RuleSpec selector and action reaches the kernel as ip reads it back', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;

  before(() => {
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    ipBatch(['link add v0 type veth peer name v1', 'rule add priority 200 lookup main'], ns);
    // The target of the goto rules (else the kernel flags them unresolved).
    ip(['-6', 'rule', 'add', 'priority', '200', 'lookup', 'main'], ns);
  });

  function ipRule(family: 4 | 6, priority: number): IpRule {
    const all = ipJson<IpRule[]>(['-d', `-${family}`, 'rule', 'show'], ns);
    const found = all.filter((r) => r.priority === priority);
    expect(found, `ip -${family} rule show: priority ${priority} in ${JSON.stringify(all)}`).to.have.length(1);
    return found[0]!;
  }

  for (const [family, cases] of [[4, ipv4], [6, ipv6]] as const) {
    for (const c of cases) {
      it(`IPv${family}: ${c.title}`, async function () {
        if (c.spec.uidrange) needUids(this, ...c.spec.uidrange);
        await rtnl.rule.add(c.spec);
        expect(ipRule(family, c.ip.priority as number)).to.deep.equal(c.ip);
      });
    }
  }
});

describe('rules: dscp', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  // ip 6.1 does not know FRA_DSCP (kernel 6.14+): check what the kernel
  // reports, and that the kernel matches on it.
  it('IPv4 and IPv6: dscp is kept by the kernel and selects the table', async function () {
    try {
      await rtnl.rule.add({ priority: 400, dscp: 4, table: 400 });
    } catch (e) {
      // Older kernels refuse the unknown attribute.
      if ((e as { code?: string }).code === 'EINVAL') skipBecause(this, 'the kernel lacks FRA_DSCP (Linux 6.14+)');
      throw e;
    }
    await rtnl.rule.add({ family: 6, priority: 400, dscp: 4, table: 400 });
    const ours = (await rtnl.rule.list()).filter((r) => r.priority === 400);
    expect(ours.map((r) => [r.family, r.dscp, r.table])).to.deep.equal([[4, 4, 400], [6, 4, 400]]);

    ipBatch(['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0', 'route add 20.4.0.0/16 via 10.0.0.4 table 400'], ns);
    // tos 0x10 carries DSCP 4: the rule sends the lookup to table 400.
    expect((await rtnl.route.get({ dst: '20.4.0.1', tos: 0x10 })).gateway).to.equal('10.0.0.4');
    const other = await rtnl.route.get({ dst: '20.4.0.1', tos: 0x20 }).catch((e: { code: string }) => e.code);
    expect(other).to.equal('ENETUNREACH');
  });
});
