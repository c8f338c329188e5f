// Names iproute2 accepts for numbers: routing tables (/etc/iproute2/rt_tables),
// route protocols (rt_protos), realms, and IP protocols (/etc/protocols). Read
// once, lazily, with the built-in names as a fallback when the files are absent.
import { readdirSync, readFileSync } from 'node:fs';
import { ValidationError } from '../core/errors.js';
import { Text, Type, U32, U8 } from '../core/schema.js';
import { describe } from './inet.js';
import { uint } from './validate.js';

/** A routing table: its id, or its name in /etc/iproute2/rt_tables ('main', 'local'...). */
export const TableSchema = Type.Union([U32, Text({ minLength: 1 })]);
/** A route protocol: its number, or its name in /etc/iproute2/rt_protos ('boot', 'static', 'bgp'...). */
export const ProtocolSchema = Type.Union([U8, Text({ minLength: 1 })]);

export type NameTable = { byName: Map<string, number>; byNumber: Map<number, string> };

const builtins: Record<string, [number, string][]> = {
  rt_tables: [[0, 'unspec'], [253, 'default'], [254, 'main'], [255, 'local']],
  rt_protos: [
    [0, 'unspec'], [1, 'redirect'], [2, 'kernel'], [3, 'boot'], [4, 'static'], [8, 'gated'], [9, 'ra'], [10, 'mrt'],
    [11, 'zebra'], [12, 'bird'], [13, 'dnrouted'], [14, 'xorp'], [15, 'ntk'], [16, 'dhcp'], [17, 'mrouted'],
    [18, 'keepalived'], [42, 'babel'], [99, 'openr'], [186, 'bgp'], [187, 'isis'], [188, 'ospf'], [189, 'rip'],
    [192, 'eigrp'],
  ],
};

const cache = new Map<string, NameTable>();

/** Where iproute2 looks: /etc/iproute2 first, then /usr/share/iproute2 (newer versions). */
const roots = ['/etc/iproute2', '/usr/share/iproute2'];

function parseInto(text: string, t: NameTable): void {
  for (const line of text.split('\n')) {
    const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const n = Number(m[1]);
    const name = m[2]!;
    if (name.startsWith('#')) continue;
    t.byName.set(name, n);
    if (!t.byNumber.has(n)) t.byNumber.set(n, name);
  }
}

export function nameTable(file: 'rt_tables' | 'rt_protos' | 'rt_realms' | 'rt_dsfield'): NameTable {
  let t = cache.get(file);
  if (t) return t;
  t = { byName: new Map(), byNumber: new Map() };
  for (const [n, name] of builtins[file] ?? []) {
    t.byName.set(name, n);
    t.byNumber.set(n, name);
  }
  for (const root of roots) {
    try {
      parseInto(readFileSync(`${root}/${file}`, 'utf8'), t);
    } catch { /* absent: keep the built-ins */ }
    try {
      for (const f of readdirSync(`${root}/${file}.d`)) {
        if (f.endsWith('.conf')) parseInto(readFileSync(`${root}/${file}.d/${f}`, 'utf8'), t);
      }
    } catch { /* no drop-in directory */ }
  }
  cache.set(file, t);
  return t;
}

/** A number, or a name from one of iproute2's tables; `max` bounds numbers. */
export function lookupName(file: 'rt_tables' | 'rt_protos' | 'rt_realms', v: unknown, field: string, max: number): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= max) return v;
    throw new ValidationError(`${v} is out of range (0..${max})`, field);
  }
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return lookupName(file, Number(v), field, max);
    const n = nameTable(file).byName.get(v);
    if (n !== undefined) return n;
    throw new ValidationError(`unknown name ${describe(v)} (not in /etc/iproute2/${file})`, field);
  }
  throw new ValidationError(`expected a number or a name from /etc/iproute2/${file}, got ${describe(v)}`, field);
}

export function tableId(v: unknown, field = 'table'): number {
  return lookupName('rt_tables', v, field, 0xffffffff);
}

export function protocolId(v: unknown, field = 'protocol'): number {
  return lookupName('rt_protos', v, field, 255);
}

/** A protocol number as its name when iproute2 has one, else the number. */
export function protocolName(n: number): string | number {
  return nameTable('rt_protos').byNumber.get(n) ?? n;
}

let ipProtocols: NameTable | undefined;

/** IP protocols by name and by number as /etc/protocols spells them; the first line for a number names it (`ip`, not `hopopt`). */
function ipProtocolTable(): NameTable {
  if (ipProtocols) return ipProtocols;
  const t: NameTable = { byName: new Map(), byNumber: new Map() };
  for (const [name, n] of [['icmp', 1], ['tcp', 6], ['udp', 17], ['gre', 47], ['esp', 50], ['ipv6-icmp', 58], ['sctp', 132]] as const) {
    t.byName.set(name, n);
    t.byNumber.set(n, name);
  }
  try {
    for (const line of readFileSync('/etc/protocols', 'utf8').split('\n')) {
      const m = /^([a-zA-Z][\w.+-]*)\s+(\d+)/.exec(line);
      if (!m) continue;
      const n = Number(m[2]);
      if (!t.byName.has(m[1]!)) t.byName.set(m[1]!, n);
      if (!t.byNumber.has(n)) t.byNumber.set(n, m[1]!);
    }
  } catch { /* no /etc/protocols: the built-in names remain */ }
  ipProtocols = t;
  return t;
}

/** An IP protocol number, or its name as /etc/protocols spells it (`ipproto tcp`). */
export function ipProtocol(v: unknown, field = 'ipproto'): number {
  if (typeof v === 'number') return uint(v, field, 255);
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return uint(Number(v), field, 255);
    const n = ipProtocolTable().byName.get(v);
    if (n !== undefined) return n;
  }
  throw new ValidationError(`unknown IP protocol ${describe(v)}`, field);
}

/** An IP protocol number by its /etc/protocols name (tcp, udp...), as `ip rule` prints `ipproto`; else the number. */
export function ipProtocolName(n: number): string {
  return ipProtocolTable().byNumber.get(n) ?? String(n);
}
