// Helpers for the namespace-manager tests: names that cannot clash with
// anyone else's (named namespaces are global), journal directories of our
// own, bounded waits, and child node processes that use the compiled library.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJournals, reviver, type JournalLine } from '../../src/netns/journal.js';
import { Namespace } from '../../src/netns/namespace.js';
import { NamespaceManager } from '../../src/netns/manager.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { snapshot, type Snapshot, type SnapshotChange } from '../../src/netns/snapshot.js';

/** The compiled library and mocha plugin, as file URLs a child script can import. */
export const LIB_URL = new URL('../../src/index.js', import.meta.url).href;
export const PLUGIN_URL = new URL('../../src/testing/mocha.js', import.meta.url).href;
export const PLUGIN_PATH = fileURLToPath(PLUGIN_URL);

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

/** `ip -j ARGS` in the current namespace, parsed. */
export function ipj<T = unknown>(...args: string[]): T {
  const out = execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }).trim();
  return (out ? JSON.parse(out) : []) as T;
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
  return ipj<{ ifname: string }[]>('link', 'show').map((l) => l.ifname);
}

/**
 * A child node process running an ESM script. The script's source may use
 * __LIB__ (the compiled library's URL) and __PLUGIN__ (the mocha plugin's URL). It
 * talks in lines on stdout; the test reads them with line().
 */
export class Child {
  readonly proc: ChildProcess;
  readonly dir: string;
  stdout = '';
  stderr = '';
  private lines: string[] = [];
  private wake: (() => void) | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `netns`: start the child inside that namespace instead of the test's own. */
  constructor(source: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, netns?: Namespace) {
    this.dir = mkdtempSync(join(tmpdir(), `netnest-child-${process.pid}-`));
    const script = join(this.dir, 'child.mjs');
    writeFileSync(script, source.replaceAll('__LIB__', JSON.stringify(LIB_URL)).replaceAll('__PLUGIN__', JSON.stringify(PLUGIN_URL)));
    const opts = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } };
    this.proc = netns ? netns.spawn(process.execPath, [script, ...args], opts) : spawn(process.execPath, [script, ...args], opts);
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const before = this.stdout.split('\n').length - 1;
      this.stdout += d;
      const all = this.stdout.split('\n');
      this.lines.push(...all.slice(before, all.length - 1));
      this.wake?.();
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      resolve({ code, signal });
      this.wake?.();
    }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next line the child prints, parsed as JSON; fails if the child exits first or after timeoutMs. */
  async line<T = Record<string, unknown>>(timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`child exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing a line; stderr:\n${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`child printed no line within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
    return JSON.parse(this.lines.shift()!) as T;
  }

  send(text: string): void {
    this.proc.stdin!.write(`${text}\n`);
  }

  /** Resolves once the child has exited and been reaped (so it no longer looks alive in /proc). */
  exit(timeoutMs = 10000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`child did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs).unref()),
    ]);
  }

  /** SIGKILLs the child (by its pid, through its handle) and waits until it is reaped. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exit();
  }

  /** For afterEach: kills the child if it still runs and removes its script directory. */
  async dispose(): Promise<void> {
    await this.kill().catch(() => undefined);
    removeDir(this.dir);
  }
}
