// Output of the netnest command: aligned text tables and JSON. Column names
// follow `ip`, so a reader who knows `ip -br link` reads these.
import type { Address } from '../netlink/rtnl/address/codec.js';
import type { Family } from '../netlink/rtnl/inet.js';
import type { Link } from '../netlink/rtnl/link/codec.js';
import { ipProtocolName, nameTable } from '../netlink/rtnl/names.js';
import type { Neigh } from '../netlink/rtnl/neigh/codec.js';
import type { Nexthop } from '../netlink/rtnl/nexthop/codec.js';
import type { Qdisc } from '../netlink/rtnl/qdisc/codec.js';
import type { NextHop, Route } from '../netlink/rtnl/route/codec.js';
import type { Rule } from '../netlink/rtnl/rule/codec.js';

/** A table column: its header and how to print one row's cell. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

/** Left-aligned columns separated by two spaces, trailing blanks trimmed, like `ip -br`. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.cell(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * JSON that never throws on library values: bigints become decimal strings,
 * Buffers (kept raw attributes) become hex.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    if (Buffer.isBuffer(original)) return original.toString('hex');
    if (typeof v === 'bigint') return v.toString();
    return v;
  }, 2);
}

const dash = '-';

/** `ip` prints 0xffffffff lifetimes as "forever" and others as "Nsec". */
export function lifetime(seconds: number | undefined): string {
  if (seconds === undefined) return dash;
  return seconds === 0xffffffff ? 'forever' : `${seconds}sec`;
}

/** The other end of a link: a name here, or "ifN (netnsid M)" when it lives in another namespace. */
function linkPeer(l: Link, names: Map<number, string>): string {
  if (l.link === undefined) return dash;
  if (l.link_netnsid !== undefined) return `if${l.link} (netnsid ${l.link_netnsid})`;
  return names.get(l.link) ?? `if${l.link}`;
}

function kindInfo(l: Link): string {
  if (!l.info) return dash;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(l.info)) {
    if (k === 'unknown' || v === undefined) continue;
    // A bond's ad_info is the one nested object: its fields in a row.
    const shown = Array.isArray(v) ? v.join('-') : typeof v === 'object' && v !== null ? Object.entries(v).map(([a, b]) => `${a} ${String(b)}`).join(' ') : String(v);
    parts.push(`${k} ${shown}`);
  }
  return parts.length ? parts.join(', ') : dash;
}

/** The links table; `details` adds flags, operstate, qdisc, txqueuelen, alias and kind data. */
export function linksTable(links: readonly Link[], details = false): string {
  const names = new Map(links.map((l) => [l.index, l.name]));
  const columns: Column<Link>[] = [
    { header: 'index', cell: (l) => String(l.index) },
    { header: 'name', cell: (l) => l.name },
    { header: 'state', cell: (l) => (l.up ? 'UP' : 'DOWN') },
    { header: 'mtu', cell: (l) => (l.mtu === undefined ? dash : String(l.mtu)) },
    { header: 'address', cell: (l) => l.address ?? dash },
    { header: 'master', cell: (l) => (l.master === undefined ? dash : names.get(l.master) ?? `if${l.master}`) },
    { header: 'kind', cell: (l) => l.kind ?? dash },
    { header: 'link', cell: (l) => linkPeer(l, names) },
  ];
  if (details) {
    columns.push(
      { header: 'operstate', cell: (l) => (l.operstate === undefined ? dash : String(l.operstate)) },
      { header: 'flags', cell: (l) => `<${l.flags.join(',')}>` },
      { header: 'qdisc', cell: (l) => l.qdisc ?? dash },
      { header: 'txqueuelen', cell: (l) => (l.txqueuelen === undefined ? dash : String(l.txqueuelen)) },
      { header: 'alias', cell: (l) => l.alias ?? dash },
      { header: 'info', cell: kindInfo },
    );
  }
  return table(links, columns);
}

/** An address with the name of its link, as the CLI prints and emits it. */
export type NamedAddress = { dev: string } & Address;

export function withDevNames(addrs: readonly Address[], links: readonly Link[]): NamedAddress[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  return addrs.map((a) => ({ dev: names.get(a.index) ?? `if${a.index}`, ...a }));
}

/** "10.0.0.1/24", or "10.0.2.1 peer 10.0.2.2/32" for point-to-point addresses, as `ip addr` writes them. */
export function addressText(a: Address): string {
  return a.peer === undefined ? `${a.local}/${a.prefixlen}` : `${a.local} peer ${a.peer}/${a.prefixlen}`;
}

export function addrsTable(addrs: readonly NamedAddress[]): string {
  return table(addrs, [
    { header: 'dev', cell: (a) => a.dev },
    { header: 'family', cell: (a) => (a.family === 4 ? 'inet' : 'inet6') },
    { header: 'address', cell: addressText },
    { header: 'scope', cell: (a) => String(a.scope) },
    { header: 'flags', cell: (a) => (a.flags.length ? a.flags.join(',') : dash) },
    { header: 'label', cell: (a) => a.label ?? dash },
    { header: 'valid_lft', cell: (a) => lifetime(a.valid_lft) },
    { header: 'preferred_lft', cell: (a) => lifetime(a.preferred_lft) },
  ]);
}

// ------------------------------------------------ routes, rules, neighbours, nexthops

/** Link names by index, from one link list. */
export type LinkNames = ReadonlyMap<number, string>;

export function linkNames(links: readonly Link[]): Map<number, string> {
  return new Map(links.map((l) => [l.index, l.name]));
}

function devName(index: number | undefined, names: LinkNames): string | undefined {
  if (index === undefined || index === 0) return undefined;
  return names.get(index) ?? `if${index}`;
}

/** A table id as `ip` prints it: its name from rt_tables (main, local...) or the number. */
export function tableName(id: number): string {
  return nameTable('rt_tables').byNumber.get(id) ?? String(id);
}

/** A route with link names beside the indexes, as the CLI prints and emits it. */
export type NamedRoute = Omit<Route, 'unknown' | 'nexthops'> & {
  dev?: string;
  iif_name?: string;
  nexthops?: (NextHop & { dev?: string })[];
};

export function namedRoutes(routes: readonly Route[], names: LinkNames): NamedRoute[] {
  return routes.map(({ unknown: _u, nexthops, ...r }) => {
    const out: NamedRoute = { ...r };
    const dev = devName(r.oif, names);
    if (dev !== undefined) out.dev = dev;
    const iif = devName(r.iif, names);
    if (iif !== undefined) out.iif_name = iif;
    if (nexthops) {
      out.nexthops = nexthops.map((nh) => {
        const d = devName(nh.oif, names);
        return d === undefined ? { ...nh } : { ...nh, dev: d };
      });
    }
    return out;
  });
}

/** A prefix as ip prints it: without the length when it covers a single host. */
function prefixText(addr: string, len: number | undefined, family: Family): string {
  if (len === undefined || len === (family === 4 ? 32 : 128)) return addr;
  return `${addr}/${len}`;
}

/** The gateway: same family as the route, or another one (RTA_VIA, printed "inet6 ADDR" as ip does). */
function viaText(gateway: string | undefined, via: { family: Family; host: string } | undefined): string | undefined {
  if (gateway !== undefined) return gateway;
  if (via !== undefined) return `${via.family === 4 ? 'inet' : 'inet6'} ${via.host}`;
  return undefined;
}

/** One line per path of a multipath route, as `ip route` prints them under the route. */
function nexthopLines(r: NamedRoute): string[] {
  return (r.nexthops ?? []).map((nh) => {
    const parts = ['  nexthop'];
    const via = viaText(nh.gateway, nh.via);
    if (via !== undefined) parts.push(`via ${via}`);
    if (nh.dev !== undefined) parts.push(`dev ${nh.dev}`);
    parts.push(`weight ${nh.weight}`);
    if (nh.flags.length) parts.push(nh.flags.join(' '));
    return parts.join(' ');
  });
}

/** Table rows with extra lines under some rows (the nexthops of multipath routes). */
function tableWithExtras<T>(rows: readonly T[], columns: readonly Column<T>[], extras: (row: T) => string[]): string {
  const lines = table(rows, columns).split('\n');
  const out = [lines[0]!];
  rows.forEach((r, i) => {
    out.push(lines[i + 1]!, ...extras(r));
  });
  return out.join('\n');
}

export function routesTable(routes: readonly NamedRoute[]): string {
  return tableWithExtras(routes, [
    {
      header: 'dst',
      // Source-specific routes (IPv6 subtrees) also match on the source: "dst from SRC", as ip writes them.
      cell: (r) => (r.src === undefined ? r.dst : `${r.dst} from ${prefixText(r.src, r.src_len, r.family)}`),
    },
    { header: 'via', cell: (r) => viaText(r.gateway, r.via) ?? dash },
    { header: 'dev', cell: (r) => r.dev ?? dash },
    { header: 'proto', cell: (r) => String(r.protocol) },
    { header: 'scope', cell: (r) => String(r.scope) },
    { header: 'metric', cell: (r) => (r.metric === undefined ? dash : String(r.metric)) },
    { header: 'table', cell: (r) => tableName(r.table) },
    { header: 'type', cell: (r) => String(r.type) },
    { header: 'prefsrc', cell: (r) => r.prefsrc ?? dash },
    { header: 'nhid', cell: (r) => (r.nhid === undefined ? dash : String(r.nhid)) },
    { header: 'flags', cell: (r) => (r.flags.length ? r.flags.join(',') : dash) },
  ], nexthopLines);
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A tos value as ip prints it: its rt_dsfield name (AF11, EF...) or hex. */
export function dsfieldName(n: number): string {
  return nameTable('rt_dsfield').byNumber.get(n) ?? hex(n);
}

/** "VALUE/MASK", or VALUE alone when the mask is absent or full: kernels report a full mask for plain selectors. */
function masked(value: string, mask: number | undefined, full: number): string {
  return mask === undefined || mask === full ? value : `${value}/${hex(mask)}`;
}

function portText(p: [number, number], mask: number | undefined): string {
  return masked(p[0] === p[1] ? String(p[0]) : `${p[0]}-${p[1]}`, mask, 0xffff);
}

/** The selector of a rule in `ip rule`'s words and order: "not from 10.0.0.0/8 fwmark 0x5/0xff iif eth0 ...". */
export function ruleSelector(r: Rule): string {
  const p: string[] = [];
  if (r.not) p.push('not');
  p.push('from', r.src);
  if (r.dst_len > 0) p.push('to', r.dst);
  if (r.tos) p.push('tos', dsfieldName(r.tos));
  if (r.dscp !== undefined) p.push('dscp', masked(String(r.dscp), r.dscp_mask, 0x3f));
  if (r.fwmark !== undefined || r.fwmask !== undefined) p.push('fwmark', masked(hex(r.fwmark ?? 0), r.fwmask, 0xffffffff));
  if (r.flowlabel !== undefined) p.push('flowlabel', masked(hex(r.flowlabel), r.flowlabel_mask, 0xfffff));
  if (r.iif !== undefined) p.push('iif', r.iif, ...(r.flags.includes('iif_detached') ? ['[detached]'] : []));
  if (r.oif !== undefined) p.push('oif', r.oif, ...(r.flags.includes('oif_detached') ? ['[detached]'] : []));
  if (r.l3mdev) p.push('lookup', '[l3mdev-table]');
  if (r.uidrange !== undefined) p.push('uidrange', `${r.uidrange[0]}-${r.uidrange[1]}`);
  if (r.ipproto !== undefined) p.push('ipproto', ipProtocolName(r.ipproto));
  if (r.sport !== undefined) p.push('sport', portText(r.sport, r.sport_mask));
  if (r.dport !== undefined) p.push('dport', portText(r.dport, r.dport_mask));
  if (r.tun_id !== undefined) p.push('tun_id', String(r.tun_id));
  return p.join(' ');
}

/** What a matching rule does: "lookup main", "goto 32766", "blackhole"..., with its suppressors and realms. */
export function ruleAction(r: Rule): string {
  const p: string[] = [];
  if (r.action === 'lookup') {
    if (!r.l3mdev || r.table !== 0) p.push('lookup', tableName(r.table));
  } else if (r.action === 'goto') {
    p.push('goto', r.goto === undefined ? '?' : String(r.goto));
    if (r.flags.includes('unresolved')) p.push('[unresolved]');
  } else {
    p.push(String(r.action));
  }
  if (r.suppress_prefixlength !== undefined) p.push('suppress_prefixlength', String(r.suppress_prefixlength));
  if (r.suppress_ifgroup !== undefined) p.push('suppress_ifgroup', String(r.suppress_ifgroup));
  if (r.realms !== undefined) p.push('realms', String(r.realms));
  return p.join(' ');
}

export function rulesTable(rules: readonly Rule[]): string {
  return table(rules, [
    { header: 'priority', cell: (r) => String(r.priority ?? 0) },
    { header: 'family', cell: (r) => (r.family === 4 ? 'inet' : 'inet6') },
    { header: 'selector', cell: ruleSelector },
    { header: 'action', cell: ruleAction },
    { header: 'proto', cell: (r) => String(r.protocol) },
  ]);
}

/** A neighbour entry with the name of its link, as the CLI prints and emits it. */
export type NamedNeigh = { dev: string } & Omit<Neigh, 'unknown'>;

export function namedNeighs(neighs: readonly Neigh[], names: LinkNames): NamedNeigh[] {
  return neighs.map(({ unknown: _u, ...n }) => ({ dev: devName(n.ifindex, names) ?? dash, ...n }));
}

/**
 * What `ip neigh show` leaves out unless asked for (`nud all`): entries in no
 * state but NOARP or NONE (multicast mappings, deleted entries), proxies and
 * externally learnt entries aside.
 */
export function hiddenByIp(n: Neigh): boolean {
  if (n.proxy || n.flags.includes('extern_learn')) return false;
  return n.state.every((s) => s === 'NOARP' || s === 'NONE');
}

export function neighTable(neighs: readonly NamedNeigh[]): string {
  return table(neighs, [
    { header: 'dst', cell: (n) => n.dst },
    { header: 'dev', cell: (n) => n.dev },
    { header: 'lladdr', cell: (n) => n.lladdr ?? dash },
    { header: 'state', cell: (n) => (n.proxy && n.state.join() === 'NONE' ? dash : n.state.join(',')) },
    { header: 'flags', cell: (n) => (n.flags.length ? n.flags.join(',') : dash) },
  ]);
}

/** A nexthop object with the name of its link, as the CLI prints and emits it. */
export type NamedNexthop = Omit<Nexthop, 'unknown'> & { dev?: string };

export function namedNexthops(nexthops: readonly Nexthop[], names: LinkNames): NamedNexthop[] {
  return nexthops.map(({ unknown: _u, ...nh }) => {
    const dev = devName(nh.oif, names);
    return dev === undefined ? nh : { ...nh, dev };
  });
}

/** Group members as `ip nexthop` writes them: ID[,WEIGHT] joined by "/" (weight 1 left out). */
export function groupText(group: readonly { id: number; weight: number }[]): string {
  return group.map((m) => (m.weight === 1 ? String(m.id) : `${m.id},${m.weight}`)).join('/');
}

export function nexthopsTable(nexthops: readonly NamedNexthop[]): string {
  return table(nexthops, [
    { header: 'id', cell: (n) => String(n.id) },
    { header: 'via', cell: (n) => n.gateway ?? dash },
    { header: 'dev', cell: (n) => n.dev ?? dash },
    { header: 'group', cell: (n) => (n.group ? groupText(n.group) : dash) },
    {
      header: 'type',
      cell: (n) => (n.type === undefined ? dash : n.type === 'resilient' && n.buckets !== undefined ? `resilient buckets ${n.buckets}` : n.type),
    },
    { header: 'blackhole', cell: (n) => (n.blackhole ? 'blackhole' : dash) },
    { header: 'scope', cell: (n) => String(n.scope) },
    { header: 'proto', cell: (n) => String(n.protocol) },
    { header: 'flags', cell: (n) => ([...n.flags, ...(n.fdb ? ['fdb'] : [])].join(',') || dash) },
  ]);
}

/** A qdisc with "dev" (the link's name) added, without raw attributes. */
export type NamedQdisc = Omit<Qdisc, 'unknown'> & { dev?: string };

export function namedQdiscs(qdiscs: readonly Qdisc[], names: LinkNames): NamedQdisc[] {
  return qdiscs.map(({ unknown: _u, ...q }) => {
    const dev = devName(q.ifindex, names);
    return dev === undefined ? q : { dev, ...q };
  });
}

/** A qdisc's options as tc words: "rate 125000 burst 4096 limit 54096" (numbers as the kernel keeps them). */
export function qdiscOptionsText(o: Qdisc['options']): string {
  if (!o) return dash;
  const words = Object.entries(o).map(([k, v]) => (v === true ? k : `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`));
  return words.join(' ') || dash;
}

export function qdiscsTable(qdiscs: readonly NamedQdisc[]): string {
  return table(qdiscs, [
    { header: 'dev', cell: (q) => q.dev ?? String(q.ifindex) },
    { header: 'kind', cell: (q) => q.kind },
    { header: 'handle', cell: (q) => q.handle },
    { header: 'parent', cell: (q) => q.parent },
    { header: 'options', cell: (q) => qdiscOptionsText(q.options) },
  ]);
}
