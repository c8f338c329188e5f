// Interop, direction 2: rules made by `ip rule add` are decoded by netnest
// with the values `ip -d -j rule show` prints, field by field, for every
// rule of both families (the kernel's default rules included).
import { expect } from 'chai';
import type { Namespace, Rtnl, Rule } from '../../src/index.js';
import { ip, ipBatch, ipJson } from '../support/ip.js';
import { sharedManager } from '../support/netns.js';
import { needUids } from '../support/privilege.js';

type Entry = Record<string, unknown>;

const TABLE_NAMES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
const IP_PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp', 132: 'sctp' };
const hex = (n: number): string => `0x${n.toString(16)}`;

/** netnest's rule in ip's words. */
function asIpPrints(r: Rule): Entry {
  const max = r.family === 4 ? 32 : 128;
  const v: Entry = { priority: r.priority };
  if (r.not) v.not = null;
  v.src = r.src.split('/')[0];
  if (r.src !== 'all' && r.src_len !== max) v.srclen = r.src_len;
  if (r.dst !== 'all') {
    v.dst = r.dst.split('/')[0];
    if (r.dst_len !== max) v.dstlen = r.dst_len;
  }
  if (r.tos) v.tos = `0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    v.fwmark = hex(r.fwmark ?? 0);
    if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) v.fwmask = hex(r.fwmask);
  }
  if (r.iif !== undefined) v.iif = r.iif;
  if (r.flags.includes('iif_detached')) v.iif_detached = null;
  if (r.oif !== undefined) v.oif = r.oif;
  if (r.flags.includes('oif_detached')) v.oif_detached = null;
  if (r.l3mdev) v.l3mdev = null;
  if (r.uidrange) [v.uid_start, v.uid_end] = r.uidrange;
  if (r.ipproto !== undefined) v.ipproto = IP_PROTOCOLS[r.ipproto] ?? String(r.ipproto);
  for (const [name, range] of [['sport', r.sport], ['dport', r.dport]] as const) {
    if (!range) continue;
    if (range[0] === range[1]) v[name] = range[0];
    else [v[`${name}_start`], v[`${name}_end`]] = range;
  }
  if (r.tun_id !== undefined) v.tun_id = Number(r.tun_id);
  if (r.table !== 0) v.table = TABLE_NAMES[r.table] ?? String(r.table);
  if (r.suppress_prefixlength !== undefined) v.suppress_prefixlen = r.suppress_prefixlength;
  if (r.suppress_ifgroup !== undefined) v.suppress_ifgroup = r.suppress_ifgroup === 0 ? 'default' : String(r.suppress_ifgroup);
  if (r.realms !== undefined) {
    if (r.realms >>> 16) v.flow_from = String(r.realms >>> 16);
    v.flow_to = String(r.realms & 0xffff);
  }
  if (r.action === 'goto') v.goto = r.goto;
  else if (r.action === 'nop') v.nop = null;
  else if (r.action !== 'lookup') v.action = r.action;
  if (r.flags.includes('unresolved')) v.unresolved = null;
  v.protocol = String(r.protocol);
  return v;
}

describe('rules: what `ip rule add` made, netnest decodes with the same values', () => {
  const shared = sharedManager();
  let ns: Namespace;
  let rtnl: Rtnl;

  before(function () {
    needUids(this, 100, 1000);
    ns = shared().create();
    rtnl = shared().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1',
      'rule add priority 100 from 10.0.0.0/8 to 20.0.0.0/16 tos 0x10 fwmark 0x5/0xff iif v0 oif v1 uidrange 100-200 sport 1000-2000 dport 80 ipproto tcp table 1000 proto static',
      'rule add priority 101 not from 10.1.0.0/16 goto 200',
      'rule add priority 102 nop',
      'rule add priority 103 blackhole',
      'rule add priority 104 unreachable',
      'rule add priority 105 prohibit',
      'rule add priority 106 lookup main suppress_prefixlength 0 suppress_ifgroup 5',
      'rule add priority 107 tun_id 42 lookup 7',
      'rule add priority 108 l3mdev',
      'rule add priority 109 ipproto 17 dport 53 lookup 7',
      'rule add priority 110 from 10.2.0.1 fwmark 0x10 lookup 4000000000',
      'rule add priority 111 iif gone0 oif gone1 lookup 7',
      'rule add priority 112 realms 3/5 lookup 7',
      'rule add priority 113 goto 300',
      'rule add priority 114 to 20.1.0.0/24 lookup local proto 99',
      'rule add priority 200 lookup main',
    ], ns);
    for (const rule of [
      'priority 100 from 2001:db8::/32 to 2001:db8:1::/48 ipproto ipv6-icmp lookup 300',
      'priority 101 not to 2001:db8:9::/48 goto 200',
      'priority 102 fwmark 0x100/0xf00 iif v0 uidrange 1000-1000 lookup 1000',
      'priority 103 blackhole',
      'priority 104 tun_id 7 ipproto tcp sport 22 dport 1-1024 lookup main suppress_prefixlength 64 proto static',
      'priority 200 lookup main',
    ]) ip(['-6', 'rule', 'add', ...rule.split(' ')], ns);
  });

  it('every rule with a priority, IPv4 then IPv6, in the kernel\'s order', async () => {
    const ours = (await rtnl.rule.list()).filter((r) => r.priority !== 0).map(asIpPrints);
    const theirs = [
      ...ipJson<Entry[]>(['-d', '-4', 'rule', 'show'], ns),
      ...ipJson<Entry[]>(['-d', '-6', 'rule', 'show'], ns),
    ].filter((r) => r.priority !== 0);

    expect(ours.map((r) => r.priority)).to.deep.equal(theirs.map((r) => r.priority));
    for (let i = 0; i < theirs.length; i++) {
      expect(ours[i], `rule ${theirs[i]!.priority} (#${i})`).to.deep.equal(theirs[i]);
    }
  });

  it('the kernel\'s rule at priority 0 (from all lookup local) decodes with priority 0', async () => {
    // The kernel leaves FRA_PRIORITY out for priority 0; ip prints 0.
    const local = (await rtnl.rule.list()).filter((r) => r.table === 255 && r.protocol === 'kernel');
    expect(local.map((r) => [r.family, r.priority])).to.deep.equal([[4, 0], [6, 0]]);
  });

  it('typed values: numbers, not strings; tun_id as bigint', async () => {
    const [r] = (await rtnl.rule.list({ family: 4 })).filter((x) => x.priority === 100);
    expect(r).to.deep.include({
      src: '10.0.0.0/8', dst: '20.0.0.0/16', tos: 0x10, fwmark: 5, fwmask: 0xff, uidrange: [100, 200], sport: [1000, 2000],
      dport: [80, 80], ipproto: 6, table: 1000, action: 'lookup', protocol: 'static', not: false,
    });
    const [t] = (await rtnl.rule.list({ family: 4 })).filter((x) => x.priority === 107);
    expect(t?.tun_id).to.equal(42n);
  });
});
