// Bulk-loading benchmark: netnest's addMany against `ip -batch` for the same
// routes and rules, each run in a fresh anonymous namespace (nothing touches
// the host; the namespaces vanish when their fds close).
//
//   npm run bench:routes                # 10k, 100k, 1M IPv4; 100k IPv6; 10k rules
//   npm run bench:routes -- --quick     # 10k and 100k IPv4 only
//
// Prints routes per second for both and their ratio, and the time to dump
// and decode the loaded table against `ip -j route show`.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnonymousNetns, Rtnl, type RouteSpec, type RuleSpec } from '../src/index.js';
import { commandLine } from './command-line.js';

const quick = commandLine({ flags: ['quick'] }).flag('quick');
const dir = mkdtempSync(join(tmpdir(), 'netnest-bench-'));

interface Row {
  what: string;
  n: number;
  netnest: number;
  ip: number;
}
const rows: Row[] = [];
const dumps: { n: number; netnest: number; ip: number }[] = [];

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A throwaway namespace with a veth pair so gateways resolve. */
function world(): { fd: number; path: string; rtnl: Rtnl; close(): void } {
  const fd = createAnonymousNetns();
  const path = `/proc/${process.pid}/fd/${fd}`;
  const ip = (...args: string[]): void => { execFileSync('nsenter', [`--net=${path}`, 'ip', ...args]); };
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip('link', 'set', 'v0', 'up');
  ip('link', 'set', 'v1', 'up');
  ip('addr', 'add', '10.255.0.1/16', 'dev', 'v0');
  ip('-6', 'addr', 'add', '2001:db8:ffff::1/64', 'dev', 'v0', 'nodad');
  const rtnl = Rtnl.open({ netns: fd });
  return { fd, path, rtnl, close: () => { rtnl.close(); closeSync(fd); } };
}

function v4(i: number): string {
  return `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
}
function v6(i: number): string {
  return `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
}

function ipBatch(path: string, lines: Iterable<string>, name: string): number {
  const file = join(dir, `${name}.batch`);
  writeFileSync(file, `${[...lines].join('\n')}\n`);
  const t = process.hrtime.bigint();
  const r = spawnSync('nsenter', [`--net=${path}`, 'ip', '-batch', file], { encoding: 'utf8' });
  const s = seconds(t);
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
  return s;
}

async function routes(what: string, n: number, family: 4 | 6): Promise<void> {
  const table = 100;
  const gw = family === 4 ? '10.255.0.2' : '2001:db8:ffff::2';
  const prefix = family === 4 ? v4 : v6;
  // netnest, in a world of its own
  let w = world();
  function* specs(): Generator<RouteSpec> {
    for (let i = 0; i < n; i++) yield { dst: prefix(i), gateway: gw, table };
  }
  let t = process.hrtime.bigint();
  const res = await w.rtnl.route.addMany(specs());
  const netnest = seconds(t);
  if (res.ok !== n || res.failed.length) throw new Error(`${what}: ${res.ok}/${n} loaded, first failure: ${res.failed[0]?.error.message}`);
  // dump and decode the table, against ip -j printing it
  if (family === 4 && n >= 100_000) {
    t = process.hrtime.bigint();
    const listed = await w.rtnl.route.list({ family: 4, table });
    const dn = seconds(t);
    if (listed.length !== n) throw new Error(`listed ${listed.length} of ${n}`);
    t = process.hrtime.bigint();
    const r = spawnSync('nsenter', [`--net=${w.path}`, 'ip', '-j', 'route', 'show', 'table', String(table)], { maxBuffer: 1 << 30 });
    const di = seconds(t);
    if (r.status !== 0) throw new Error('ip -j route show failed');
    dumps.push({ n, netnest: dn, ip: di });
  }
  w.close();
  // ip -batch, in another fresh world
  w = world();
  const cmd = 'route add'; // ip -batch takes no -6: the address says the family
  function* lines(): Generator<string> {
    for (let i = 0; i < n; i++) yield `${cmd} ${prefix(i)} via ${gw} table ${table}`;
  }
  const ip = ipBatch(w.path, lines(), what.replace(/\W+/g, '-'));
  w.close();
  rows.push({ what, n, netnest, ip });
  report(rows[rows.length - 1]!);
}

async function rules(n: number): Promise<void> {
  let w = world();
  function* specs(): Generator<RuleSpec> {
    for (let i = 0; i < n; i++) yield { priority: 1000 + i, src: v4(i), table: 100 + (i % 50) };
  }
  const t = process.hrtime.bigint();
  const res = await w.rtnl.rule.addMany(specs());
  const netnest = seconds(t);
  if (res.ok !== n) throw new Error(`rules: ${res.ok}/${n} loaded: ${res.failed[0]?.error.message}`);
  w.close();
  w = world();
  function* lines(): Generator<string> {
    for (let i = 0; i < n; i++) yield `rule add priority ${1000 + i} from ${v4(i)} table ${100 + (i % 50)}`;
  }
  const ip = ipBatch(w.path, lines(), 'rules');
  w.close();
  rows.push({ what: 'IPv4 rules', n, netnest, ip });
  report(rows[rows.length - 1]!);
}

function rate(n: number, s: number): string {
  return `${Math.round(n / s).toLocaleString('en-US')}/s`;
}

function report(r: Row): void {
  console.log(`${r.what.padEnd(14)} ${String(r.n).padStart(9)}  netnest ${rate(r.n, r.netnest).padStart(12)}  ip -batch ${rate(r.n, r.ip).padStart(12)}  ratio ${(r.ip / r.netnest).toFixed(2)}x`);
}

try {
  console.log(`node ${process.version}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`);
  await routes('IPv4 routes', 10_000, 4);
  await routes('IPv4 routes', 100_000, 4);
  if (!quick) {
    await routes('IPv4 routes', 1_000_000, 4);
    await routes('IPv6 routes', 100_000, 6);
    await rules(10_000);
  }
  console.log('\ndump + decode (netnest route.list vs ip -j route show):');
  for (const d of dumps) {
    console.log(`${String(d.n).padStart(9)} routes  netnest ${d.netnest.toFixed(2)} s (${rate(d.n, d.netnest)})  ip -j ${d.ip.toFixed(2)} s (${rate(d.n, d.ip)})  ratio ${(d.ip / d.netnest).toFixed(2)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
