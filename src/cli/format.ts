// Output of the netnest command: aligned text tables and JSON. Column names
// follow `ip` (DESIGN.md), so a reader who knows `ip -br link` reads these.
import type { Address } from '../netlink/rtnl/address.js';
import type { Link } from '../netlink/rtnl/link.js';

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
    parts.push(`${k} ${Array.isArray(v) ? v.join('-') : String(v)}`);
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
