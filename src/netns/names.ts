// Names of network namespaces in /run/netns, as `ip netns` keeps them: a bind
// mount on an empty placeholder file (persistent), or — netnest's own — a
// symbolic link to this process's fd (process-bound). Claiming a name never
// takes over an existing one; releasing a name checks it is still ours.
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, symlinkSync, unlinkSync, type Stats } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { checkNamespaceName } from './options.js';
import type { Journal } from './journal.js';
import type { Namespace } from './namespace.js';
import { runtimeDirs } from './runtime.js';
import { MNT_DETACH, mount, MS_BIND, MS_REC, MS_SHARED, umount2 } from './syscalls.js';

/** Names `ip netns` accepts: no '/', not '.' or '..', not empty (ValidationError, field `name`, otherwise). */
export function validateNamespaceName(name: unknown): string {
  checkNamespaceName(name, 'name');
  return name as string;
}

export function namespaceExists(name: string): NetnestError {
  return new NetnestError('ERR_NAMESPACE_EXISTS', `network namespace '${name}' exists already (${runtimeDirs().netns}/${name}); it is someone else's, netnest will not take it over`);
}

export function existsOrDangling(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The names' directory must be a shared mount so bind mounts under it propagate, as `ip netns add` arranges for /run/netns. */
function makeSharedMount(): void {
  const dir = runtimeDirs().netns;
  try {
    mount('none', dir, 'none', MS_SHARED | MS_REC);
  } catch (e) {
    if ((e as NetnestError).code !== 'EINVAL') throw e;
    // Not a mount point yet: bind it onto itself first.
    mount(dir, dir, 'none', MS_BIND | MS_REC);
    mount('none', dir, 'none', MS_SHARED | MS_REC);
  }
}

/**
 * Gives the namespace behind `fd` a name. The journal learns the name and
 * the namespace it will mean before the name exists, so a crash at any point
 * leaves nothing sweep cannot attribute. Returns the journal seq.
 */
export function claimName(journal: Journal, name: string, mode: 'persistent' | 'process-bound', fd: number): number {
  const path = `${runtimeDirs().netns}/${name}`;
  if (existsOrDangling(path)) throw namespaceExists(name);
  mkdirSync(runtimeDirs().netns, { recursive: true, mode: 0o755 });
  const st = fstatSync(fd);
  const identity = { inode: st.ino, dev: st.dev };
  if (mode === 'persistent') {
    makeSharedMount();
    const seq = journal.namespace(name, 'persistent', identity);
    // Claim the name atomically (O_EXCL), then bind the namespace onto it, as `ip netns add` does.
    try {
      closeSync(openSync(path, 'wx', 0o444));
    } catch (e) {
      journal.gone(seq);
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw namespaceExists(name);
      throw e;
    }
    try {
      mount(`/proc/self/fd/${fd}`, path, 'none', MS_BIND);
    } catch (e) {
      unlinkSync(path);
      journal.gone(seq);
      throw e;
    }
    return seq;
  }
  const target = `/proc/${process.pid}/fd/${fd}`;
  const seq = journal.namespace(name, 'process-bound', identity, target);
  try {
    symlinkSync(target, path);
  } catch (e) {
    journal.gone(seq);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw namespaceExists(name);
    throw e;
  }
  return seq;
}

/** Removes a namespace's name (bind mount or symlink), checking it is still ours. */
export function releaseName(ns: Namespace): void {
  if (ns.name === undefined) return;
  const path = `${runtimeDirs().netns}/${ns.name}`;
  if (ns.kind === 'persistent') {
    try {
      const st = fstatSync(ns.fd);
      const fd = openSync(path, 'r');
      const same = (() => { try { const t = fstatSync(fd); return t.ino === st.ino && t.dev === st.dev; } finally { closeSync(fd); } })();
      if (!same) return; // someone replaced it: not ours any more
    } catch {
      return;
    }
    umount2(path, MNT_DETACH);
    unlinkSync(path);
  } else if (ns.kind === 'process-bound') {
    try {
      if (readlinkSync(path) === `/proc/${process.pid}/fd/${ns.fd}`) unlinkSync(path);
    } catch { /* already gone */ }
  }
}

/** Removes a name as `ip netns del` does (unmount if mounted, unlink): for names known to be ours by other means. */
export function removeNameAsIpDoes(name: string): void {
  const path = `${runtimeDirs().netns}/${name}`;
  if (lstatSync(path).isSymbolicLink()) {
    unlinkSync(path);
    return;
  }
  try {
    umount2(path, MNT_DETACH);
  } catch { /* not mounted */ }
  unlinkSync(path);
}

/**
 * Removes a name a dead process's journal claimed, if it is still what the
 * journal says (sweep); returns 'removed' or why it was left alone.
 */
export function releaseJournaledName(name: string, mode: 'persistent' | 'process-bound', target: string | undefined,
  made: { inode: number; dev: number } | undefined, dryRun: boolean): 'removed' | string {
  const path = `${runtimeDirs().netns}/${name}`;
  let st: Stats;
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
  // The empty file we claimed the name with, nothing mounted on it: the process died
  // between claiming and mounting, or between unmounting and unlinking. It is ours.
  if (isBarePlaceholder(path)) {
    if (!dryRun) unlinkSync(path);
    return 'removed';
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'the name cannot be opened';
  }
  const now = fstatSync(fd);
  closeSync(fd);
  // Our namespace is still bound there, or someone else's is: remove only ours.
  if (!made) return 'the journal does not say which namespace it bound there; left alone';
  if (now.ino !== made.inode || now.dev !== made.dev) return 'the name now means another namespace';
  if (!dryRun) {
    try {
      umount2(path, MNT_DETACH);
    } catch { /* only the placeholder was made */ }
    unlinkSync(path);
  }
  return 'removed';
}

/** The empty file a persistent name is mounted on, with nothing mounted: what a crash mid-mount or mid-unmount leaves. */
function isBarePlaceholder(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size === 0 && st.dev === lstatSync(runtimeDirs().netns).dev;
  } catch {
    return false;
  }
}
