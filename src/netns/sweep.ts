// Sweep: removes what dead processes left behind, as their journals list it.
// A journal names its process by pid and start time, so a reused pid never
// passes for the dead one; a live process's journal is never touched. An
// object is removed when the kernel had confirmed its create, or when its
// answer was never read but the journal had found nothing like it before the
// request; otherwise it is left alone and reported as unknown. Every object
// is checked before deletion: a name that now means another namespace, a link
// whose ifindex changed, a nexthop that is no longer the one created — all are
// left alone and reported.
import { closeSync, fstatSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { readJournals, type NamespaceRef, type ReadJournal } from './journal.js';
import { namedNamespaces } from './namespace.js';
import { runtimeDirs } from './runtime.js';
import { releaseJournaledName } from './names.js';
import type { CreatedObject, Identity, LookupCache, Recorded } from './objects/kind.js';
import { describeRecorded, removeRecorded } from './objects/table.js';
import { checkSweepOptions, type SweepOptions } from './options.js';
import { processAlive } from './syscalls.js';

export type { SweepOptions };

export interface SweepReport {
  /** Journals of live processes, left alone. */
  live: { pid: number; journal: string }[];
  removed: string[];
  /** Things a journal lists that are not (or no longer) what it created: left alone. */
  skipped: string[];
  /**
   * Objects whose create the dead process never saw answered while something
   * identical existed before it: they cannot be proven its own, so they are left alone.
   */
  unknown: string[];
  failed: { what: string; error: Error }[];
  /** Journals fully handled and deleted. */
  journals: string[];
}

interface Pending {
  seq: number;
  line: Extract<ReturnType<typeof readJournals>[number]['lines'][number], { t: 'ns' } | { t: 'obj' }>;
  /** The namespace a name was made for (an `ns` line's identity, or an older journal's `ns-made`). */
  made?: { inode: number; dev: number };
  /** The kernel confirmed the create (`obj-made`). */
  confirmed: boolean;
  id?: Identity;
  kept: boolean;
}

function pendingOf(j: ReadJournal): Pending[] {
  const by = new Map<number, Pending>();
  for (const l of j.lines) {
    switch (l.t) {
      case 'ns':
        by.set(l.seq, { seq: l.seq, line: l, confirmed: false, kept: false, ...(l.inode !== undefined && { made: { inode: l.inode, dev: l.dev! } }) });
        break;
      case 'obj': by.set(l.seq, { seq: l.seq, line: l, confirmed: false, kept: false }); break;
      case 'ns-made': { const p = by.get(l.seq); if (p) p.made = { inode: l.inode, dev: l.dev }; break; }
      case 'obj-made': {
        const p = by.get(l.seq);
        if (p) {
          p.confirmed = true;
          if (l.id !== undefined) p.id = l.id as Identity;
        }
        break;
      }
      case 'ns-kept': { const p = by.get(l.seq); if (p) p.kept = true; break; }
      case 'gone': by.delete(l.seq); break;
      default: break;
    }
  }
  return [...by.values()];
}

/** Removes what the journals of dead processes list. */
export async function sweep(opts: SweepOptions = {}): Promise<SweepReport> {
  checkSweepOptions(opts, 'options');
  const dir = opts.journalDir ?? runtimeDirs().journals;
  const report: SweepReport = { live: [], removed: [], skipped: [], unknown: [], failed: [], journals: [] };
  const only = opts.journals && new Set(opts.journals);
  for (const j of readJournals(dir)) {
    if (only && !only.has(j.path)) continue;
    if (processAlive(j.pid, j.start)) {
      report.live.push({ pid: j.pid, journal: j.path });
      continue;
    }
    const pending = pendingOf(j);
    let leftover = false;
    // Objects first (newest first), then the names of namespaces.
    const caches = new Map<string, LookupCache>();
    for (const p of [...pending].reverse()) {
      if (p.line.t !== 'obj') continue;
      const rec: Recorded = { obj: p.line.obj as CreatedObject, id: p.id, before: p.line.before };
      const what = `${describeRecorded(rec)} (pid ${j.pid})`;
      if (!p.confirmed && p.line.absent !== true) {
        report.unknown.push(`${what}: its create was never answered and an identical object existed before it (or the journal does not say), so it cannot be told apart; left alone`);
        continue;
      }
      try {
        const cacheKey = `${p.line.ns.dev}:${p.line.ns.inode}`;
        if (!caches.has(cacheKey)) caches.set(cacheKey, new Map());
        const outcome = await removeObject(p.line.ns, rec, caches.get(cacheKey)!, opts.dryRun ?? false);
        (outcome === 'removed' ? report.removed : report.skipped).push(`${what}${outcome === 'removed' ? '' : `: ${outcome}`}`);
      } catch (e) {
        leftover = true;
        report.failed.push({ what, error: e instanceof Error ? e : new Error(String(e)) });
      }
    }
    for (const p of pending) {
      if (p.line.t !== 'ns') continue;
      if (p.kept && !opts.kept) {
        leftover = true;
        report.skipped.push(`netns ${p.line.name} (pid ${j.pid}): kept on purpose (sweep --kept removes it)`);
        continue;
      }
      const what = `netns ${p.line.name} (pid ${j.pid})`;
      try {
        const outcome = releaseJournaledName(p.line.name, p.line.mode, p.line.target, p.made, opts.dryRun ?? false);
        (outcome === 'removed' ? report.removed : report.skipped).push(`${what}${outcome === 'removed' ? '' : `: ${outcome}`}`);
      } catch (e) {
        leftover = true;
        report.failed.push({ what, error: e instanceof Error ? e : new Error(String(e)) });
      }
    }
    if (!leftover && !opts.dryRun) {
      try {
        unlinkSync(j.path);
        report.journals.push(j.path);
      } catch { /* gone already */ }
    }
  }
  return report;
}

/**
 * Opens the namespace a journal entry names, if it still exists (checked by
 * identity). Besides the journaled paths and the named namespaces, it may be
 * held only by live processes — the sweeper itself, or a test runner whose
 * sandbox world the dead process worked in — so /proc is searched last.
 */
function openNamespace(ref: NamespaceRef): number | undefined {
  for (const path of candidatePaths(ref)) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      continue;
    }
    const st = fstatSync(fd);
    if (st.ino === ref.inode && st.dev === ref.dev) return fd;
    closeSync(fd);
  }
  return undefined;
}

/** Paths that may reach a namespace, cheapest first; /proc is listed only if those fail. */
function* candidatePaths(ref: NamespaceRef): Generator<string> {
  yield* ref.paths;
  for (const n of namedNamespaces()) yield `${runtimeDirs().netns}/${n}`;
  yield '/proc/thread-self/ns/net';
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return;
  }
  for (const pid of pids) yield `/proc/${pid}/ns/net`;
}

async function removeObject(ref: NamespaceRef, rec: Recorded, cache: LookupCache, dryRun: boolean): Promise<'removed' | string> {
  const fd = openNamespace(ref);
  if (fd === undefined) return 'its namespace is gone (and the object with it)';
  const r = Rtnl.open({ netns: fd });
  try {
    const res = await removeRecorded(r, rec, cache, dryRun);
    if (res.outcome === 'skipped') return res.reason;
    return res.outcome === 'removed' ? 'removed' : 'already gone';
  } finally {
    r.close();
    closeSync(fd);
  }
}
