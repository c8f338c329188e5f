// Helpers for the namespace-manager tests: names that cannot clash with
// anyone else's (named namespaces are global), journal directories of our
// own, snapshots, bounded waits.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournals, reviver, type JournalLine } from '../../src/netns/journal.js';
import { Namespace } from '../../src/netns/namespace.js';
import { NamespaceManager } from '../../src/netns/manager.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { snapshot, type Snapshot, type SnapshotChange } from '../../src/netns/snapshot.js';
import { sandbox } from '../../src/testing/fixtures.js';
import { ipJson } from './ip.js';

let counter = 0;

/** A named-namespace name unique to this process: nntest-<pid>-<n>-<tag>. */
export function uniqueName(tag: string): string {
  return `nntest-${process.pid}-${++counter}-${tag}`;
}

/** Names in /run/netns (what `ip netns list` shows), dangling symlinks included. */
export function netnsNames(): string[] {
  try {
    return readdirSync('/run/netns').sort();
  } catch {
    return [];
  }
}

/**
 * Removes named namespaces by exact name, if they still exist: a symbolic
 * link is unlinked, a mount is deleted by `ip netns del`. For finally blocks.
 */
export function removeNetnsNames(names: Iterable<string>): void {
  for (const name of names) {
    const path = `/run/netns/${name}`;
    let link: boolean;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch {
      continue;
    }
    if (link) unlinkSync(path);
    else execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
}

/** A snapshot of the namespace the test runs in (the run's sandbox world). */
export async function currentSnapshot(): Promise<Snapshot> {
  const here = Namespace.current();
  try {
    return await snapshot(here);
  } finally {
    here.close();
  }
}

/**
 * Other processes on this machine may add or remove named namespaces while
 * we run (/run/netns is global): keep the changes that can be ours, and every
 * change of another kind.
 */
export function ours(changes: SnapshotChange[]): SnapshotChange[] {
  const mine = new RegExp(`-${process.pid}-`);
  return changes.filter((c) => c.kind !== 'netns' || mine.test(c.key));
}

/** The subset of `ip netns list` that can be ours (see ours()). */
export function ownNetnsNames(): string[] {
  const mine = new RegExp(`-${process.pid}-`);
  return netnsNames().filter((n) => mine.test(n));
}

/** A fresh journal directory of our own, never the shared /run/netnest. */
export function tempJournalDir(): string {
  return mkdtempSync(join(tmpdir(), `netnest-test-${process.pid}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** What managerFixture() gives each test. */
export interface ManagerFixture {
  /** A manager journaling to `journalDir`, fresh for each test. */
  m: NamespaceManager;
  /** The test's own journal directory. */
  journalDir: string;
  /** Named namespaces the test made by other means: removed by exact name after it. */
  names: string[];
}

/**
 * For describe(): before each test a fresh journal directory and a manager
 * journaling there; after it, the manager disposed, the names in `names`
 * removed, the directory removed — even when the test failed.
 */
export function managerFixture(): ManagerFixture {
  const f = { names: [] } as unknown as ManagerFixture;
  beforeEach(() => {
    f.journalDir = tempJournalDir();
    f.m = new NamespaceManager({ journalDir: f.journalDir });
  });
  afterEach(async () => {
    try {
      await f.m.dispose();
    } finally {
      removeNetnsNames(f.names.splice(0));
      removeDir(f.journalDir);
    }
  });
  return f;
}

/** Every line of every journal in dir. */
export function journalLines(dir: string): JournalLine[] {
  return readJournals(dir).flatMap((j) => j.lines);
}

/** The lines of one journal file, parsed. */
export function journalFileLines(path: string): JournalLine[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l, reviver) as JournalLine);
}

/** Polls cond until it holds; fails (instead of hanging) after timeoutMs. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting (${timeoutMs} ms) for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The ifindex of a link in the current namespace, if it exists. */
export async function linkIndex(name: string): Promise<number | undefined> {
  const r = Rtnl.open();
  try {
    return (await r.link.find(name))?.index;
  } finally {
    r.close();
  }
}

/** Link names in the current namespace, as `ip` sees them. */
export function linkNames(): string[] {
  return ipJson<{ ifname: string }[]>(['link', 'show']).map((l) => l.ifname);
}

/**
 * For describe(): one NamespaceManager for all its tests, made in before()
 * and disposed in after(), failing the hook if the cleanup was incomplete —
 * useNamespaces() for a world built once and only read by the tests (its
 * manager exists only while a test runs, so before() cannot build with it).
 */
export function sharedManager(): () => NamespaceManager {
  let m: NamespaceManager | undefined;
  before(() => {
    // As useNamespaces() does under the plugin: the sandbox world is the root, and dies with the run.
    let world = true;
    try {
      sandbox();
    } catch {
      world = false;
    }
    m = new NamespaceManager(world ? { root: Namespace.current(), ephemeralRoot: true } : {});
  });
  after(async () => {
    const report = await m?.dispose();
    m = undefined;
    const problems = [...report?.failed.map((f) => `${f.what}: ${f.error.message}`) ?? [], ...report?.lingering ?? []];
    if (problems.length) throw new Error(`cleanup after the describe was incomplete:\n  ${problems.join('\n  ')}`);
  });
  return () => {
    if (!m) throw new Error('sharedManager(): the manager exists only from before() to after()');
    return m;
  };
}
