// Topologies that outlive the process that built them (`netnest up`): kept
// in a directory per topology under /run/netnest/topologies — its spec, a
// line of facts, and a journal that no live process owns, which lists its
// persistent namespaces and what it added to the current namespace. `down`
// from any process is a sweep of that journal, with every identity check.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { NetnestError } from '../netlink/core/errors.js';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { readJournals } from '../netns/journal.js';
import { runtimeDirs } from '../netns/runtime.js';
import { Namespace } from '../netns/namespace.js';
import { sweep, type SweepReport } from '../netns/sweep.js';
import { processAlive } from '../netns/syscalls.js';
import type { Lab } from './lab.js';
import type { TopologyModel } from './model.js';
import type { VerifiedNamespace } from './verify.js';

/** Where kept topologies live: one directory each. */

export interface TopologyState {
  name: string;
  /** Its directory (spec.yaml, state.json, the journal). */
  dir: string;
  /** The spec file it was built from, as given then. */
  source: string;
  /** Namespaces by the spec's key and their names (`ip netns exec NAME`). */
  namespaces: { key: string; name: string }[];
  /** When it was built, and by which process. */
  since: string;
  pid: number;
  substitutions: string[];
}

const stateFile = (dir: string): string => `${dir}/state.json`;

/**
 * Leaves a built lab standing: its manager hands what it made over to the
 * topology's directory (its namespaces must be persistent), with the spec's
 * text and the facts `show` prints. Run again after an apply, it adds what
 * that apply made.
 */
export function keepTopology(lab: Lab, source: string, specText: string, root = runtimeDirs().topologies): TopologyState {
  const dir = `${root}/${lab.name}`;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  lab.manager.handOver(dir);
  writeFileSync(`${dir}/spec.yaml`, specText);
  const previous = readTopologyState(lab.name, root);
  const state: TopologyState = {
    name: lab.name, dir, source,
    namespaces: lab.model.namespaces.filter((n) => n.owned).map((n) => ({ key: n.key, name: n.netnsName! })),
    since: previous?.since ?? new Date().toISOString(), pid: previous?.pid ?? process.pid,
    substitutions: [...new Set([...previous?.substitutions ?? [], ...lab.report.substitutions])],
  };
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** A kept topology's facts, or undefined when it is not kept here. */
export function readTopologyState(name: string, root = runtimeDirs().topologies): TopologyState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(`${root}/${name}`), 'utf8')) as TopologyState;
  } catch {
    return undefined;
  }
}

/** Every kept topology. */
export function topologyStates(root = runtimeDirs().topologies): TopologyState[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.flatMap((n) => readTopologyState(n, root) ?? []);
}

export interface DestroyReport {
  /** What the topology's own journal listed. */
  kept: SweepReport;
  /** What dead processes that were building it left (a crashed `netnest up`). */
  crashed: SweepReport | undefined;
}

/**
 * Removes a topology by name, from any process: what its directory's journal
 * lists, and what a crashed `netnest up` of it left in the crash journals.
 * Idempotent; the directory goes once nothing is left.
 */
export async function destroyTopology(name: string, opts: { root?: string; journalDir?: string; dryRun?: boolean } = {}): Promise<DestroyReport> {
  const root = opts.root ?? runtimeDirs().topologies;
  const dir = `${root}/${name}`;
  const kept = await sweep({ journalDir: dir, dryRun: opts.dryRun ?? false });
  // A build that died before it handed over: its journal names the topology's namespaces.
  const journalDir = opts.journalDir ?? runtimeDirs().journals;
  const prefix = `${name}-`;
  const theirs = readJournals(journalDir).filter((j) => !processAlive(j.pid, j.start) && j.lines.some((l) => l.t === 'ns' && l.name.startsWith(prefix)));
  const crashed = theirs.length ? await sweep({ journalDir, dryRun: opts.dryRun ?? false, journals: theirs.map((j) => j.path) }) : undefined;
  if (!opts.dryRun && kept.failed.length === 0 && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  return { kept, crashed };
}

/**
 * The namespaces of a running topology, opened by name (and the current one),
 * each with a client of its own — for verify and apply from another process.
 * close() lets go of them.
 */
export function openTopology(model: TopologyModel): { namespaces: VerifiedNamespace[]; close(): void } {
  const namespaces: VerifiedNamespace[] = [];
  const close = (): void => {
    for (const n of namespaces) {
      n.rtnl.close();
      n.namespace.close();
    }
  };
  try {
    for (const ns of model.namespaces) {
      let handle: Namespace;
      if (!ns.owned) {
        handle = Namespace.current();
      } else {
        try {
          handle = Namespace.openPath(ns.netnsName!);
        } catch (e) {
          if ((e as NetnestError).code === 'ERR_NAMESPACE_NOT_FOUND') continue; // verify reports it missing
          throw e;
        }
      }
      namespaces.push({ key: ns.key, namespace: handle, rtnl: Rtnl.open({ netns: handle.fd }) });
    }
  } catch (e) {
    close();
    throw e;
  }
  return { namespaces, close };
}
