// Sweep: removes what dead processes left behind, as their journals list it.
// A journal names its process by pid and start time, so a reused pid never
// passes for the dead one; a live process's journal is never touched. Every
// object is checked before deletion: a name that now means another namespace,
// a link whose ifindex changed, a nexthop that is no longer the one created —
// all are left alone and reported.
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, unlinkSync } from 'node:fs';
import { NetlinkError } from '../netlink/core/errors.js';
import type { CreatedObject } from '../netlink/rtnl/observer.js';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { deletionSpec, objectExists } from './exists.js';
import { JOURNAL_DIR, readJournals, type NamespaceRef, type ReadJournal } from './journal.js';
import { namedNamespaces, NETNS_RUN_DIR } from './namespace.js';
import { MNT_DETACH, processAlive, umount2 } from './syscalls.js';

export interface SweepOptions {
  journalDir?: string;
  /** Only report what would be removed. */
  dryRun?: boolean;
  /** Also remove namespaces kept on purpose (NETNEST_KEEP). */
  kept?: boolean;
}

export interface SweepReport {
  /** Journals of live processes, left alone. */
  live: { pid: number; journal: string }[];
  removed: string[];
  /** Things a journal lists that are not (or no longer) what it created: left alone. */
  skipped: string[];
  failed: { what: string; error: Error }[];
  /** Journals fully handled and deleted. */
  journals: string[];
}

interface Pending {
  seq: number;
  line: Extract<ReturnType<typeof readJournals>[number]['lines'][number], { t: 'ns' } | { t: 'obj' }>;
  made?: { inode: number; dev: number };
  id?: unknown;
  kept: boolean;
}

function pendingOf(j: ReadJournal): Pending[] {
  const by = new Map<number, Pending>();
  for (const l of j.lines) {
    switch (l.t) {
      case 'ns': case 'obj': by.set(l.seq, { seq: l.seq, line: l, kept: false }); break;
      case 'ns-made': { const p = by.get(l.seq); if (p) p.made = { inode: l.inode, dev: l.dev }; break; }
      case 'obj-made': { const p = by.get(l.seq); if (p) p.id = l.id ?? true; break; }
      case 'ns-kept': { const p = by.get(l.seq); if (p) p.kept = true; break; }
      case 'gone': by.delete(l.seq); break;
      default: break;
    }
  }
  return [...by.values()];
}

/** Removes what the journals of dead processes list. */
export async function sweep(opts: SweepOptions = {}): Promise<SweepReport> {
  const dir = opts.journalDir ?? JOURNAL_DIR;
  const report: SweepReport = { live: [], removed: [], skipped: [], failed: [], journals: [] };
  for (const j of readJournals(dir)) {
    if (processAlive(j.pid, j.start)) {
      report.live.push({ pid: j.pid, journal: j.path });
      continue;
    }
    const pending = pendingOf(j);
    let leftover = false;
    // Objects first (newest first), then the names of namespaces.
    for (const p of [...pending].reverse()) {
      if (p.line.t !== 'obj') continue;
      const what = `${describe(p.line.obj as CreatedObject)} (pid ${j.pid})`;
      try {
        const outcome = await removeObject(p.line.ns, p.line.obj as CreatedObject, p.id, opts.dryRun ?? false);
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
        const outcome = removeNamespaceName(p.line.name, p.line.mode, p.line.target, p.made, opts.dryRun ?? false);
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

function describe(o: CreatedObject): string {
  switch (o.object) {
    case 'link': return `link ${o.spec.name}`;
    case 'address': return `address ${o.spec.local} (index ${o.index})`;
    case 'route': return `route ${o.spec.dst}${o.spec.table !== undefined ? ` table ${o.spec.table}` : ''}`;
    case 'rule': return `rule${o.spec.priority !== undefined ? ` priority ${o.spec.priority}` : ''}`;
    case 'neigh': return `neighbour ${o.spec.dst} (index ${o.index})`;
    case 'nexthop': return `nexthop ${o.spec.id}`;
  }
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
  for (const n of namedNamespaces()) yield `${NETNS_RUN_DIR}/${n}`;
  yield '/proc/thread-self/ns/net';
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return;
  }
  for (const pid of pids) yield `/proc/${pid}/ns/net`;
}

async function removeObject(ref: NamespaceRef, obj: CreatedObject, id: unknown, dryRun: boolean): Promise<'removed' | string> {
  const fd = openNamespace(ref);
  if (fd === undefined) return 'its namespace is gone (and the object with it)';
  const r = Rtnl.open({ netns: fd });
  const gone = (e: unknown): boolean => e instanceof NetlinkError && ['ENODEV', 'ESRCH', 'ENOENT', 'EADDRNOTAVAIL'].includes(e.errnoName);
  try {
    switch (obj.object) {
      case 'link': {
        const l = await r.link.find(obj.spec.name);
        if (!l) return 'already gone';
        const index = (id as { index?: number } | undefined)?.index;
        if (index === undefined) return 'its identity was never recorded (the process died while creating it); left alone';
        if (l.index !== index) return `the name now belongs to another link (index ${l.index}, created ${index})`;
        if (!dryRun) await r.link.del(l.index);
        return 'removed';
      }
      case 'address': {
        if (dryRun) return (await objectExists(r, obj)) ? 'removed' : 'already gone'; // look before reporting
        await r.addr.del({ dev: obj.index, local: obj.spec.local, ...(obj.spec.peer !== undefined && { peer: obj.spec.peer }) });
        return 'removed';
      }
      case 'route':
        if (dryRun) return (await objectExists(r, obj)) ? 'removed' : 'already gone';
        await r.route.del(deletionSpec(obj.spec));
        return 'removed';
      case 'rule':
        if (dryRun) return (await objectExists(r, obj)) ? 'removed' : 'already gone';
        await r.rule.del(obj.spec);
        return 'removed';
      case 'neigh':
        if (dryRun) return (await objectExists(r, obj)) ? 'removed' : 'already gone';
        await r.neigh.del({ dst: obj.spec.dst, dev: obj.index, ...(obj.spec.proxy && { proxy: true }) });
        return 'removed';
      case 'nexthop': {
        if (obj.spec.id === undefined) return 'no id was recorded';
        const nh = await r.nexthop.get(obj.spec.id);
        const same = (obj.spec.gateway === undefined || nh.gateway === obj.spec.gateway)
          && (!obj.spec.blackhole || nh.blackhole) && (obj.spec.group === undefined || (nh.group?.length ?? 0) === obj.spec.group.length);
        if (!same) return `nexthop ${obj.spec.id} is no longer the one created`;
        if (!dryRun) await r.nexthop.del(obj.spec.id);
        return 'removed';
      }
    }
  } catch (e) {
    if (gone(e)) return 'already gone';
    throw e;
  } finally {
    r.close();
    closeSync(fd);
  }
}

function removeNamespaceName(name: string, mode: 'persistent' | 'process-bound', target: string | undefined,
  made: { inode: number; dev: number } | undefined, dryRun: boolean): 'removed' | string {
  const path = `${NETNS_RUN_DIR}/${name}`;
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 'already gone';
  }
  if (mode === 'process-bound') {
    if (!st.isSymbolicLink()) return 'the name is no longer our symbolic link';
    if (target !== undefined && readlinkSync(path) !== target) return 'the name now points elsewhere';
    if (!dryRun) unlinkSync(path);
    return 'removed';
  }
  if (st.isSymbolicLink()) return 'the name is now a symbolic link, not our mount';
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'the name cannot be opened';
  }
  const now = fstatSync(fd);
  closeSync(fd);
  if (made) {
    // Our namespace is still bound there, or someone else's is: remove only ours.
    if (now.ino !== made.inode || now.dev !== made.dev) return 'the name now means another namespace';
  } else if (!(now.isFile() && now.size === 0 && now.dev === lstatSync(NETNS_RUN_DIR).dev)) {
    // Died between claiming the name and recording what it bound there: only the bare placeholder is surely ours.
    return 'the process died while mounting it; its identity is unknown, left alone';
  }
  if (!dryRun) {
    try {
      umount2(path, MNT_DETACH);
    } catch { /* only the placeholder was made */ }
    unlinkSync(path);
  }
  return 'removed';
}
