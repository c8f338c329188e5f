// Snapshots of a namespace's network state and their difference: how "the
// host is as new" is proven. Volatile things (counters, timers, carrier and
// operational state, lifetimes, cached routes) are left out so that two
// snapshots of an untouched namespace compare equal.
import type { BridgePortVlans } from '../netlink/rtnl/bridge/codec.js';
import type { Fdb } from '../netlink/rtnl/fdb/codec.js';
import type { Link } from '../netlink/rtnl/link/codec.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import { namedNamespaces, type Namespace } from './namespace.js';

export type SnapshotKind = 'link' | 'address' | 'route' | 'rule' | 'neigh' | 'nexthop' | 'fdb' | 'bridge-vlan' | 'qdisc' | 'netns';

export interface SnapshotItem {
  kind: SnapshotKind;
  /** What identifies the object: "link veth0", "route inet 10.0.0.0/24 table main". */
  key: string;
  /** What it looks like; compared field by field. */
  value: Record<string, unknown>;
}

export interface Snapshot {
  /** Identity of the namespace the snapshot is of ("net:[...]"), when known. */
  namespace?: string;
  taken: string;
  items: SnapshotItem[];
}

const VOLATILE_ADDRESS_FLAGS = new Set(['tentative', 'dadfailed', 'deprecated', 'optimistic']);
const LINK_FLAGS_KEPT = new Set(['UP', 'NOARP', 'PROMISC', 'ALLMULTI', 'MULTICAST', 'BROADCAST', 'POINTOPOINT', 'LOOPBACK']);

function clean(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out;
}

/**
 * Captures links, addresses, routes (all tables, IPv4 and IPv6), rules,
 * permanent neighbours, nexthops, the FDB entries someone added (see
 * addedFdb), bridge VLANs and qdiscs as seen by `rtnl`, and the named
 * namespaces (`ip netns list`). Pass a Namespace to use a temporary client in it.
 * Qdiscs are those someone added: the kernel's defaults (handle 0:, the
 * noqueue or pfifo_fast every link gets as it comes up) are left out.
 */
export async function snapshot(target: Rtnl | Namespace): Promise<Snapshot> {
  const own = 'socket' in target ? undefined : target.rtnl();
  const rtnl = own ?? (target as Rtnl);
  try {
    const [links, addrs, routes, rules, neighs, nexthops, fdb, vlans, qdiscs] = await Promise.all([
      rtnl.link.list(), rtnl.addr.list(), rtnl.route.list({ table: 'all' }), rtnl.rule.list(),
      Promise.all([rtnl.neigh.list(), rtnl.neigh.list({ proxy: true })]).then(([a, b]) => [...a, ...b]),
      rtnl.nexthop.list().catch(() => []), rtnl.fdb.list(), rtnl.bridge.vlan.list(), rtnl.qdisc.list(),
    ]);
    const name = new Map(links.map((l) => [l.index, l.name]));
    const dev = (i: number | undefined): string | number | undefined => (i === undefined ? undefined : name.get(i) ?? i);
    const items: SnapshotItem[] = [];
    for (const l of links) {
      items.push({
        kind: 'link', key: `link ${l.name}`,
        value: clean({
          kind: l.kind, mtu: l.mtu, address: l.address, flags: l.flags.filter((f) => LINK_FLAGS_KEPT.has(f)).join(','),
          master: dev(l.master), alias: l.alias, txqueuelen: l.txqueuelen, link_netnsid: l.link_netnsid,
          peer: l.link_netnsid === undefined ? dev(l.link) : l.link, group: l.group,
        }),
      });
    }
    for (const a of addrs) {
      items.push({
        kind: 'address', key: `address ${dev(a.index)} ${a.local}/${a.prefixlen}`,
        value: clean({ scope: a.scope, peer: a.peer, broadcast: a.broadcast, label: a.label, flags: a.flags.filter((f) => !VOLATILE_ADDRESS_FLAGS.has(f)).join(',') }),
      });
    }
    for (const r of routes) {
      if (r.flags.includes('cloned')) continue;
      const fam = r.family === 4 ? 'inet' : 'inet6';
      items.push({
        kind: 'route', key: `route ${fam} ${r.type} ${r.dst} table ${r.table} tos ${r.tos} metric ${r.metric ?? 0}${r.family === 6 ? ` dev ${dev(r.oif) ?? '-'}` : ''}`,
        value: clean({
          gateway: r.gateway, via: r.via?.host, dev: dev(r.oif), protocol: r.protocol, scope: r.scope, prefsrc: r.prefsrc,
          src: r.src, nhid: r.nhid, pref: r.pref,
          nexthops: r.nexthops?.map((n) => `${n.gateway ?? n.via?.host ?? ''}@${dev(n.oif)}*${n.weight}`).join(' '),
          metrics: r.metrics ? JSON.stringify(r.metrics) : undefined,
        }),
      });
    }
    for (const r of rules) {
      const { priority, family, unknown: _u, flags: _f, ...rest } = r;
      const sel = JSON.stringify(clean(rest as Record<string, unknown>));
      items.push({ kind: 'rule', key: `rule ${family === 4 ? 'inet' : 'inet6'} priority ${priority ?? 0} ${sel}`, value: {} });
    }
    for (const n of neighs) {
      if (!n.proxy && !n.state.includes('PERMANENT')) continue;
      items.push({
        kind: 'neigh', key: `neigh ${n.proxy ? 'proxy ' : ''}${n.dst} dev ${dev(n.ifindex)}`,
        value: clean({ lladdr: n.lladdr, state: n.state.join(','), router: n.router || undefined }),
      });
    }
    for (const h of nexthops) {
      items.push({
        kind: 'nexthop', key: `nexthop ${h.id}`,
        value: clean({
          gateway: h.gateway, dev: dev(h.oif), blackhole: h.blackhole || undefined, type: h.type,
          group: h.group?.map((g) => `${g.id}/${g.weight}`).join(','), fdb: h.fdb || undefined,
        }),
      });
    }
    items.push(...bridgeItems(links, fdb, vlans, dev));
    for (const q of qdiscs) {
      if (q.handle === '0:') continue;
      // direct_packets_stat (htb) counts packets: volatile.
      const { direct_packets_stat: _d, ...options } = (q.options ?? {}) as Record<string, unknown>;
      items.push({
        kind: 'qdisc', key: `qdisc dev ${dev(q.ifindex)} ${q.parent === 'root' ? 'root' : `parent ${q.parent}`}`,
        value: clean({ kind: q.kind, handle: q.handle, options: q.options ? JSON.stringify(options) : undefined }),
      });
    }
    for (const n of namedNamespaces()) items.push({ kind: 'netns', key: `netns ${n}`, value: {} });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const snap: Snapshot = { taken: new Date().toISOString(), items };
    if (!('socket' in target)) snap.namespace = target.id;
    return snap;
  } finally {
    own?.close();
  }
}

/**
 * The FDB entries someone added, not those the kernel keeps by itself: it
 * adds a permanent entry for the address of every bridge port and bridge
 * (its own address, on itself), puts the multicast addresses a device joins
 * and the addresses of upper devices (a macvlan's) in the device's own
 * table, and learns dynamic entries from traffic. What is left is stable
 * while nobody changes the FDB.
 */
function addedFdb(e: Fdb, address: Map<number, string | undefined>, addresses: Set<string>): boolean {
  if (e.state === 'dynamic' || e.state === 'stale') return false;
  if (e.master !== undefined) return !(e.state === 'permanent' && e.mac === address.get(e.ifindex));
  const group = (parseInt(e.mac.slice(0, 2), 16) & 1) === 1;
  return e.dst !== undefined || e.nhid !== undefined || (!group && !addresses.has(e.mac));
}

function bridgeItems(links: Link[], fdb: Fdb[], vlans: BridgePortVlans[], dev: (i: number | undefined) => string | number | undefined): SnapshotItem[] {
  const address = new Map(links.map((l) => [l.index, l.address]));
  const addresses = new Set(links.map((l) => l.address).filter((a) => a !== undefined));
  const items: SnapshotItem[] = [];
  for (const e of fdb) {
    if (!addedFdb(e, address, addresses)) continue;
    const where = [e.vlan !== undefined && `vlan ${e.vlan}`, e.dst !== undefined && `dst ${e.dst}`, e.master === undefined ? 'self' : `master ${dev(e.master)}`];
    items.push({
      kind: 'fdb', key: `fdb ${e.mac} dev ${dev(e.ifindex)} ${where.filter(Boolean).join(' ')}`,
      value: clean({ state: e.state, port: e.port, vni: e.vni, src_vni: e.src_vni, via: dev(e.via), nhid: e.nhid }),
    });
  }
  for (const p of vlans) {
    for (const v of p.vlans) {
      items.push({
        kind: 'bridge-vlan', key: `bridge-vlan ${v.vid}${v.vidEnd === undefined ? '' : `-${v.vidEnd}`} dev ${p.ifname}`,
        value: clean({ pvid: v.pvid || undefined, untagged: v.untagged || undefined }),
      });
    }
  }
  return items;
}

export interface SnapshotChange {
  change: 'added' | 'removed' | 'changed';
  kind: SnapshotKind;
  key: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** One readable line: "+ link veth0 (kind veth, mtu 1500)", "~ link eth0: mtu 1500 -> 1400". */
  line: string;
}

function describeValue(v: Record<string, unknown>): string {
  const parts = Object.entries(v).filter(([, x]) => x !== '' && x !== undefined).map(([k, x]) => `${k} ${typeof x === 'string' ? x : JSON.stringify(x)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** What was added, removed or changed between two snapshots, one readable line each. */
export function diff(before: Snapshot, after: Snapshot): SnapshotChange[] {
  const a = new Map(before.items.map((i) => [i.key, i]));
  const b = new Map(after.items.map((i) => [i.key, i]));
  const out: SnapshotChange[] = [];
  for (const [key, i] of a) {
    const j = b.get(key);
    if (!j) {
      out.push({ change: 'removed', kind: i.kind, key, before: i.value, line: `- ${key}${describeValue(i.value)}` });
      continue;
    }
    const changes: string[] = [];
    for (const f of new Set([...Object.keys(i.value), ...Object.keys(j.value)])) {
      const x = JSON.stringify(i.value[f]);
      const y = JSON.stringify(j.value[f]);
      if (x !== y) changes.push(`${f} ${x ?? 'unset'} -> ${y ?? 'unset'}`);
    }
    if (changes.length) out.push({ change: 'changed', kind: i.kind, key, before: i.value, after: j.value, line: `~ ${key}: ${changes.join(', ')}` });
  }
  for (const [key, j] of b) {
    if (!a.has(key)) out.push({ change: 'added', kind: j.kind, key, after: j.value, line: `+ ${key}${describeValue(j.value)}` });
  }
  return out;
}
