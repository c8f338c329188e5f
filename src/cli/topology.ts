// `netnest up | down | verify | show | exec`: topologies from spec files,
// kept standing between commands (persistent namespaces, a directory per
// topology under /run/netnest/topologies). The work is src/topology's; this
// file reads arguments, reports, and picks exit statuses: 0 done (verify: the
// kernel matches the spec), 1 failed or differs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { NetnestError, ValidationError } from '../netlink/core/errors.js';
import type { LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import { NamespaceManager } from '../netns/manager.js';
import { Namespace } from '../netns/namespace.js';
import { applyTopology, type Change } from '../topology/apply.js';
import { Lab } from '../topology/lab.js';
import { loadTopology } from '../topology/load.js';
import type { TopologyModel } from '../topology/model.js';
import { destroyTopology, keepTopology, openTopology, readTopologyState, topologyStates, type TopologyState } from '../topology/state.js';
import { runtimeDirs } from '../netns/runtime.js';
import { verifyTopology } from '../topology/verify.js';
import { toJson } from './format.js';

type Write = (s: string) => void;

export interface UpOptions {
  dryRun?: boolean;
  /** Where kept topologies live (default /run/netnest/topologies). */
  stateDir?: string;
  /** Where it journals what it makes until it hands it over (default /run/netnest): what a crashed up left, down sweeps from there. */
  journalDir?: string;
  substitute?: string[];
  json?: boolean;
  /** Told as each build phase starts (the CLI draws a progress bar). */
  onPhase?: (phase: string) => void;
}

/** `--substitute dummy=ifb` (repeatable) as a map. */
export function parseSubstitutes(list: string[] = []): Partial<Record<LinkKind, LinkKind>> {
  const out: Record<string, string> = {};
  for (const s of list) {
    const m = /^([a-z]+)=([a-z]+)$/.exec(s);
    if (!m) throw new ValidationError(`expected KIND=KIND (e.g. dummy=ifb), got '${s}'`, 'substitute');
    out[m[1]!] = m[2]!;
  }
  return out as Partial<Record<LinkKind, LinkKind>>;
}

/**
 * `netnest up FILE`: builds the topology and leaves it standing; run again on
 * a topology that stands, changes only what differs from the spec.
 */
export async function upCommand(file: string, opts: UpOptions, write: Write): Promise<number> {
  const model = loadTopology(file);
  const substitute = parseSubstitutes(opts.substitute);
  const text = readFileSync(file, 'utf8');
  const root = opts.stateDir ?? runtimeDirs().topologies;
  const state = readTopologyState(model.name, root);
  if (!state) {
    if (opts.dryRun) {
      write(opts.json ? toJson({ name: model.name, dryRun: true, build: summary(model) }) : planText(model));
      return 0;
    }
    const manager = new NamespaceManager(opts.journalDir ? { journalDir: opts.journalDir } : {});
    try {
      const lab = await Lab.build(model, { manager, persistent: true, substitute, ...(opts.onPhase && { onPhase: opts.onPhase }) });
      const kept = keepTopology(lab, resolve(file), text, root);
      write(opts.json ? toJson({ name: lab.name, built: summary(model), namespaces: kept.namespaces, substitutions: lab.report.substitutions, timings: rounded(lab.report.timings), dir: kept.dir }) : builtText(lab, model, kept));
    } finally {
      // Handed over, the manager holds nothing: this closes its clients and removes its
      // journal. Should keeping fail before the hand-over, it removes the whole build.
      await manager.dispose();
    }
    return 0;
  }
  // It stands: bring it to the spec. What is added to the current namespace is
  // recorded and handed to the topology's directory with the rest.
  const live = openTopology(model);
  const manager = new NamespaceManager(opts.journalDir ? { journalDir: opts.journalDir } : {});
  try {
    const current = live.namespaces.find((n) => n.key === 'current');
    if (current) {
      current.rtnl.close();
      current.rtnl = manager.rtnl();
    }
    const changes = await applyTopology(model, live.namespaces, { dryRun: opts.dryRun ?? false, manager });
    if (!opts.dryRun) {
      manager.handOver(state.dir);
      keepSpec(state.dir, text);
    }
    write(opts.json ? toJson({ name: model.name, dryRun: opts.dryRun ?? false, changes }) : changesText(model.name, changes, opts.dryRun ?? false));
    return 0;
  } finally {
    live.close();
    await manager.dispose();
  }
}

/** How to enter a namespace of a standing topology; without root, only netnest reaches into the home. */
function enter(topology: string, n: { key: string; name: string }): string {
  const own = `netnest exec ${topology} ${n.key} -- bash`;
  return runtimeDirs().mode === 'root' ? `${own}    (or: ip netns exec ${n.name} bash)` : own;
}

function builtText(lab: Lab, model: TopologyModel, kept: TopologyState): string {
  const lines = [`built topology ${lab.name} in ${Math.round(Object.values(lab.report.timings).reduce((a, b) => a + b, 0))} ms: ${summaryLine(model)}`];
  for (const s of lab.report.substitutions) lines.push(`substituted  ${s}`);
  for (const n of kept.namespaces) lines.push(`namespace    ${n.name.padEnd(24)} ${enter(lab.name, n)}`);
  lines.push(`remove it with: netnest down ${lab.name}`);
  return lines.join('\n');
}

function keepSpec(dir: string, text: string): void {
  writeFileSync(`${dir}/spec.yaml`, text);
}

/** `netnest down FILE|NAME`: removes a topology, from any process, idempotently. */
export async function downCommand(target: string, opts: { dryRun?: boolean; json?: boolean; stateDir?: string; journalDir?: string }, write: Write): Promise<number> {
  const name = topologyName(target);
  const r = await destroyTopology(name, {
    dryRun: opts.dryRun ?? false, ...(opts.stateDir !== undefined && { root: opts.stateDir }), ...(opts.journalDir !== undefined && { journalDir: opts.journalDir }),
  });
  // The kept journal speaks for no process (pid 0): say nothing of it.
  const plain = (l: string): string => l.replace(/ \(pid 0\)/, '');
  const removed = [...r.kept.removed, ...r.crashed?.removed ?? []].map(plain);
  const skipped = [...r.kept.skipped, ...r.crashed?.skipped ?? []].map(plain);
  const unknown = [...r.kept.unknown, ...r.crashed?.unknown ?? []].map(plain);
  const failed = [...r.kept.failed, ...r.crashed?.failed ?? []].map((f) => ({ ...f, what: plain(f.what) }));
  if (opts.json) {
    write(toJson({ name, dryRun: opts.dryRun ?? false, removed, skipped, unknown, failed: failed.map((f) => ({ what: f.what, error: f.error.message })) }));
  } else {
    const lines = [
      ...removed.map((s) => `${opts.dryRun ? 'would remove' : 'removed'}  ${s}`), ...skipped.map((s) => `skipped  ${s}`),
      ...unknown.map((s) => `unknown  ${s}`), ...failed.map((f) => `failed   ${f.what}: ${f.error.message}`),
    ];
    lines.push(removed.length + skipped.length + failed.length === 0 ? `topology ${name}: nothing to remove` : `topology ${name}: ${removed.length} ${opts.dryRun ? 'to remove' : 'removed'}, ${failed.length} failed`);
    write(lines.join('\n'));
  }
  return failed.length ? 1 : 0;
}

/** A topology's name from a spec file, or the name itself. */
function topologyName(target: string): string {
  if (!existsSync(target)) return target;
  const spec = parse(readFileSync(target, 'utf8')) as { name?: unknown } | null;
  if (typeof spec?.name !== 'string') throw new ValidationError(`${target} names no topology (name: is missing)`, 'name');
  return spec.name;
}

/** `netnest verify FILE`: every difference between the kernel and the spec; exit 0 only when there is none. */
export async function verifyCommand(file: string, opts: { json?: boolean }, write: Write): Promise<number> {
  const model = loadTopology(file);
  const live = openTopology(model);
  try {
    const diffs = await verifyTopology(model, live.namespaces);
    if (opts.json) {
      write(toJson({ name: model.name, matches: diffs.length === 0, differences: diffs.map(({ path, change, what }) => ({ path, change, what })) }));
    } else {
      const lines = diffs.map((d) => `${d.change.padEnd(9)} ${d.path}: ${d.what}`);
      lines.push(diffs.length === 0 ? `topology ${model.name} matches ${file}` : `topology ${model.name}: ${diffs.length} difference${diffs.length === 1 ? '' : 's'} from ${file}`);
      write(lines.join('\n'));
    }
    return diffs.length === 0 ? 0 : 1;
  } finally {
    live.close();
  }
}

/** `netnest show [NAME]`: the topologies standing, with the command to enter each namespace. */
export function showCommand(name: string | undefined, opts: { json?: boolean; stateDir?: string }, write: Write): number {
  const root = opts.stateDir ?? runtimeDirs().topologies;
  const states = topologyStates(root).filter((s) => name === undefined || s.name === name);
  if (name !== undefined && states.length === 0) throw new NetnestError('ERR_TOPOLOGY_UNKNOWN', `no topology ${name} stands here (${root})`);
  if (opts.json) {
    write(toJson(states));
    return 0;
  }
  if (states.length === 0) {
    write(`no topology stands here (${root})`);
    return 0;
  }
  const lines: string[] = [];
  for (const s of states) {
    lines.push(`${s.name}: built ${s.since} from ${s.source}`);
    for (const n of s.namespaces) lines.push(`  ${n.key.padEnd(12)} ${n.name.padEnd(24)} ${enter(s.name, n)}`);
    for (const x of s.substitutions) lines.push(`  substituted ${x}`);
  }
  write(lines.join('\n'));
  return 0;
}

/** `netnest exec NAME NS -- CMD...`: runs a command inside a topology's namespace; its exit status is ours. */
export function execCommand(name: string, key: string, command: string[]): number {
  if (command.length === 0) throw new ValidationError('give the command to run after --', 'command');
  const opts = { stdio: 'inherit' as const };
  if (key === 'current') return spawnSync(command[0]!, command.slice(1), opts).status ?? 1;
  let ns: Namespace;
  try {
    ns = Namespace.openPath(`${name}-${key}`);
  } catch (e) {
    throw new NetnestError('ERR_TOPOLOGY_UNKNOWN', `no namespace ${name}-${key}: is topology ${name} up? (${(e as Error).message})`);
  }
  try {
    return ns.run(() => spawnSync(command[0]!, command.slice(1), opts)).status ?? 1;
  } finally {
    ns.close();
  }
}

// ----------------------------------------------------------------- reports

function summary(model: TopologyModel): Record<string, { links: number; addresses: number; routes: number; rules: number }> {
  const out: Record<string, { links: number; addresses: number; routes: number; rules: number }> = {};
  for (const ns of model.namespaces) {
    const links = [...ns.links.values()];
    out[ns.netnsName ?? ns.key] = {
      links: links.filter((l) => l.origin !== 'existing').length,
      addresses: links.reduce((n, l) => n + l.addresses.length, 0),
      routes: ns.routes.length, rules: ns.rules.length,
    };
  }
  return out;
}

function summaryLine(model: TopologyModel): string {
  const s = Object.values(summary(model));
  const sum = (k: 'links' | 'addresses' | 'routes' | 'rules'): number => s.reduce((n, x) => n + x[k], 0);
  return `${model.namespaces.filter((n) => n.owned).length} namespaces, ${sum('links')} links, ${sum('addresses')} addresses, ${sum('routes')} routes, ${sum('rules')} rules`;
}

function planText(model: TopologyModel): string {
  const lines = [`would build topology ${model.name}: ${summaryLine(model)}`];
  for (const [ns, c] of Object.entries(summary(model))) lines.push(`  ${ns.padEnd(24)} ${c.links} links, ${c.addresses} addresses, ${c.routes} routes, ${c.rules} rules`);
  return lines.join('\n');
}

function changesText(name: string, changes: Change[], dryRun: boolean): string {
  const verb = { add: dryRun ? 'would add' : 'added', change: dryRun ? 'would change' : 'changed', remove: dryRun ? 'would remove' : 'removed' };
  const lines = changes.map((c) => `${verb[c.action].padEnd(12)} ${c.path}: ${c.what}`);
  lines.push(changes.length === 0 ? `topology ${name} matches its spec: nothing to change` : `topology ${name}: ${changes.length} change${changes.length === 1 ? '' : 's'}${dryRun ? ' planned, none made' : ''}`);
  return lines.join('\n');
}

function rounded(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}
