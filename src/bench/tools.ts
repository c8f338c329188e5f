// The tools a benchmark runs, each doing one phase on one world: netnest
// itself (in this process, through the same bulk API everyone uses) and
// `ip -batch` (a process per phase, its start-up included, as a script pays
// it). Each returns what it measured; failures are counted, never thrown.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BulkResult } from '../netlink/core/bulk.js';
import type { RouteSpec } from '../netlink/rtnl/route/codec.js';
import type { RuleSpec } from '../netlink/rtnl/rule/codec.js';
import type { BenchPhase, BenchRun } from './report.js';
import type { RouteItem, RuleItem } from './sets.js';
import type { World } from './world.js';

export type Kind = 'routes' | 'rules';
export type Items = RouteItem[] | RuleItem[];
/** Runs one phase (never 'teardown': that is the world's) and says what it measured. */
export type PhaseRunner = (world: World, kind: Kind, phase: Exclude<BenchPhase, 'teardown'>, items: Items) => Promise<BenchRun>;

/** The (table, family) pairs a route set fills: what a dump of it reads. */
function routeTables(items: RouteItem[]): { table: number; family: 4 | 6 }[] {
  const tables = [...new Set(items.map((i) => i.table))];
  const families = [...new Set(items.map((i): 4 | 6 => (i.dst.includes(':') ? 6 : 4)))];
  return tables.flatMap((table) => families.map((family) => ({ table, family })));
}

/** A rule of the set (priorities 1000..), not one of the kernel's own (0, 32766, 32767). */
function ours(priority: number | undefined, items: Items): boolean {
  return priority !== undefined && priority >= 1000 && priority < 1000 + items.length;
}

export function run(wall: number, cpu: number | null, peakRss: number | null, ok: number, failed: number, error?: string): BenchRun {
  return { wall, cpu, peakRss, ok, failed, rate: failed === 0 && wall > 0 ? ok / wall : null, ...(failed > 0 && error !== undefined && { error }) };
}

/** netnest: addMany / delMany / dump with the defaults, CPU and peak RSS of this process during the phase. */
export const netnestPhase: PhaseRunner = async (world, kind, phase, items) => {
  const r = world.rtnl;
  let peak = process.memoryUsage().rss;
  const sample = (): void => { peak = Math.max(peak, process.memoryUsage().rss); };
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  let ok = 0;
  let failed = 0;
  let error: string | undefined;
  const tally = (res: BulkResult<unknown>): void => {
    ok = res.ok;
    failed = res.failed.length;
    error = res.failed[0]?.error.message;
  };
  const opts = { onProgress: sample };
  if (phase === 'dump') {
    if (kind === 'routes') {
      for (const { table, family } of routeTables(items as RouteItem[])) {
        for await (const _ of r.route.dump({ family, table })) if ((++ok & 0xffff) === 0) sample();
      }
    } else {
      ok = (await r.rule.list()).filter((x) => ours(x.priority, items)).length;
    }
    failed = Math.max(0, items.length - ok);
    ok = Math.min(ok, items.length);
  } else if (kind === 'routes') {
    const specs = items as RouteSpec[];
    if (phase === 'load') tally(await r.route.addMany(specs, opts));
    else if (phase === 'replace') tally(await r.route.addMany(specs, { ...opts, mode: 'replace' }));
    else tally(await r.route.delMany(specs, opts));
  } else {
    const specs = items as RuleSpec[];
    if (phase === 'load') tally(await r.rule.addMany(specs, opts));
    else if (phase === 'delete') tally(await r.rule.delMany(specs, opts));
    else throw new Error(`rules have no ${phase} phase`);
  }
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  sample();
  return run(wall, (cpu.user + cpu.system) / 1e6, peak, ok, failed, error ?? (failed > 0 ? `${failed} not found in the dump` : undefined));
};

/** `ip` and the `ip` words of a route or a rule. */
function ipWords(kind: Kind, verb: string, item: RouteItem | RuleItem): string {
  if (kind === 'routes') {
    const r = item as RouteItem;
    const hop = (gw: string | undefined, dev: string | undefined): string => [gw && `via ${gw}`, dev && `dev ${dev}`].filter(Boolean).join(' ');
    const how = r.nexthops
      ? r.nexthops.map((h) => `nexthop ${hop(h.gateway, h.dev)}${h.weight ? ` weight ${h.weight}` : ''}`).join(' ')
      : hop(r.gateway, r.dev);
    // `table` before the next hops: ip reads everything after "nexthop" as next hops.
    return verb === 'del' ? `route del ${r.dst} table ${r.table}` : `route ${verb} ${r.dst} table ${r.table} ${how}`;
  }
  const r = item as RuleItem;
  const range = (p: number | [number, number]): string => (typeof p === 'number' ? String(p) : `${p[0]}-${p[1]}`);
  const sel = [
    r.src && `from ${r.src}`, r.dst && `to ${r.dst}`, r.fwmark !== undefined && `fwmark ${r.fwmark}`, r.iif && `iif ${r.iif}`,
    r.ipproto && `ipproto ${r.ipproto}`, r.dport !== undefined && `dport ${range(r.dport)}`, r.sport !== undefined && `sport ${range(r.sport)}`,
    r.uidrange && `uidrange ${r.uidrange[0]}-${r.uidrange[1]}`,
  ].filter(Boolean).join(' ');
  return `rule ${verb} priority ${r.priority} ${sel} table ${r.table}`;
}

const TIME = '/usr/bin/time';

/** Runs `ip ARGS` in the world (with GNU time when it is installed, for CPU and peak RSS); output discarded but counted. */
function ipIn(world: World, args: string[]): { wall: number; cpu: number | null; peakRss: number | null; status: number | null; stdout: string; stderr: string } {
  const timed = existsSync(TIME);
  const cmd = ['nsenter', `--net=${world.path}`, ...(timed ? [TIME, '-f', 'netnest-time %U %S %M'] : []), 'ip', ...args];
  const t = process.hrtime.bigint();
  const p = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const m = /netnest-time (\S+) (\S+) (\d+)/.exec(p.stderr ?? '');
  return {
    wall, status: p.status, stdout: p.stdout ?? '', stderr: (p.stderr ?? '').replace(/netnest-time .*\n?/, ''),
    cpu: m ? Number(m[1]) + Number(m[2]) : null, peakRss: m ? Number(m[3]) * 1024 : null,
  };
}

/** `ip -batch` for load, replace and delete (`-force`: it goes on after an error, as the others do); `ip route|rule show` for dump. */
export const ipPhase: PhaseRunner = async (world, kind, phase, items) => {
  if (phase === 'dump') {
    let wall = 0;
    let cpu: number | null = 0;
    let peakRss: number | null = 0;
    let count = 0;
    const shows = kind === 'routes'
      ? routeTables(items as RouteItem[]).map(({ table, family }) => [`-${family}`, 'route', 'show', 'table', String(table)])
      : [['rule', 'show']];
    for (const args of shows) {
      const p = ipIn(world, args);
      wall += p.wall;
      cpu = p.cpu === null || cpu === null ? null : cpu + p.cpu;
      peakRss = p.peakRss === null || peakRss === null ? null : Math.max(peakRss, p.peakRss);
      // One line an entry (the paths of a multipath route are indented under it); rules from priority 1000.
      count += p.stdout.split('\n').filter((l) => (kind === 'routes' ? /^\S/.test(l) : ours(Number(/^(\d+):/.exec(l)?.[1]), items))).length;
    }
    return run(wall, cpu, peakRss, Math.min(count, items.length), Math.max(0, items.length - count), `${items.length - count} not found in the dump`);
  }
  const verb = phase === 'load' ? 'add' : phase === 'replace' ? 'replace' : 'del';
  const dir = mkdtempSync(join(tmpdir(), 'netnest-bench-'));
  try {
    const file = join(dir, 'batch');
    writeFileSync(file, `${(items as (RouteItem | RuleItem)[]).map((i) => ipWords(kind, verb, i)).join('\n')}\n`);
    const p = ipIn(world, ['-force', '-batch', file]);
    // With -force ip reports each failed line as "Command failed ..." and goes on; an exit
    // without them means it stopped somewhere unknown: nothing is counted as done then.
    const reported = (p.stderr.match(/^Command failed/gm) ?? []).length;
    let failed = p.status === 0 ? 0 : reported > 0 ? reported : items.length;
    // Loads and deletes are checked against the kernel (after the timing): what is there is what counts.
    if (phase !== 'replace' && failed < items.length) {
      const present = (await ipPhase(world, kind, 'dump', items)).ok;
      failed = Math.max(failed, phase === 'load' ? items.length - present : present);
    }
    return run(p.wall, p.cpu, p.peakRss, items.length - failed, failed, p.stderr.split('\n').find((l) => l.trim() !== ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** `ip -V`, or why ip cannot run. */
export function ipVersion(): { version: string } | { reason: string } {
  const p = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (p.error) return { reason: `ip: ${(p.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : p.error.message}` };
  return { version: (p.stdout || p.stderr).trim() };
}
