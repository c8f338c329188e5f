// The crash journal: what a process is about to create that would outlive
// it — named namespaces, objects in namespaces it does not own — written
// before the fact, one JSON line per event, to /run/netnest/. A later
// `sweep` replays the journals of dead processes and removes what they left.
//
// Lines are written with writeSync (no buffering in this process), so a
// SIGKILL cannot lose them. They are not fsync'ed: what they describe
// (mounts, links, routes) does not survive a reboot either.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { runtimeDirs } from './runtime.js';
import { processStartTime } from './syscalls.js';


/** Identifies a namespace across processes: nsfs inode and device, and paths that may reach it. */
export interface NamespaceRef {
  inode: number;
  dev: number;
  /** Paths to try when sweeping (/proc/1/ns/net, /run/netns/NAME). */
  paths: string[];
}

export type JournalLine =
  | { t: 'start'; pid: number; start: number; at: string }
  /**
   * A named namespace is about to be made (persistent: a bind mount;
   * process-bound: a symlink). `inode`/`dev`: the namespace that will be
   * bound there, known before the name exists.
   */
  | { t: 'ns'; seq: number; name: string; mode: 'persistent' | 'process-bound'; target?: string; inode?: number; dev?: number }
  /** Written by journals older than `ns` lines with inode and dev. */
  | { t: 'ns-made'; seq: number; inode: number; dev: number }
  /** Kept on purpose (NETNEST_KEEP): sweep leaves it unless asked. */
  | { t: 'ns-kept'; seq: number }
  /**
   * An object is about to be created in a namespace this process does not
   * own (an intent, not yet ours). `absent`: nothing it would collide with
   * existed just before the request (checked), so if it exists while the
   * answer was never read, it is ours. `before`: see Recorded.before.
   */
  | { t: 'obj'; seq: number; ns: NamespaceRef; obj: unknown; absent?: boolean; before?: number[] }
  /** The kernel confirmed the create: it is ours. `id` pins its identity (a link's ifindex, a nexthop id the kernel chose). */
  | { t: 'obj-made'; seq: number; id?: unknown }
  | { t: 'gone'; seq: number };

function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $bigint: v.toString() } : v;
}

export function reviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$bigint' in v && Object.keys(v).length === 1) return BigInt((v as { $bigint: string }).$bigint);
  return v;
}

export class Journal {
  readonly path: string;
  private fd: number | undefined;
  private seq = 0;
  /** Entries not yet resolved ('gone'); the file is removed when none remain. */
  private open = new Set<number>();
  /** Namespaces kept on purpose: only `sweep --kept` resolves them, so the file must stay. */
  private keptCount = 0;

  /** The process the journal speaks for: this one, or none (pid 0) for a hand-over that outlives it. */
  private readonly owner: { pid: number; start: number };

  constructor(readonly dir: string = runtimeDirs().journals, owner?: { pid: number; start: number }) {
    this.owner = owner ?? { pid: process.pid, start: processStartTime(process.pid) ?? 0 };
    this.path = `${dir}/${this.owner.pid}-${this.owner.start}-${Math.random().toString(36).slice(2, 8)}.jsonl`;
  }

  private write(line: JournalLine): void {
    let text = `${JSON.stringify(line, replacer)}\n`;
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      this.fd = openSync(this.path, 'a', 0o644);
      // The head and the first entry in one write. A process killed before it
      // leaves an empty file, which sweep attributes by its name (pid-start-*.jsonl).
      text = `${JSON.stringify({ t: 'start', pid: this.owner.pid, start: this.owner.start, at: new Date().toISOString() })}\n${text}`;
    }
    writeSync(this.fd, text);
  }

  namespace(name: string, mode: 'persistent' | 'process-bound', ns: { inode: number; dev: number }, target?: string): number {
    const seq = ++this.seq;
    this.open.add(seq);
    this.write({ t: 'ns', seq, name, mode, ...(target !== undefined && { target }), inode: ns.inode, dev: ns.dev });
    return seq;
  }

  namespaceMade(seq: number, inode: number, dev: number): void {
    this.write({ t: 'ns-made', seq, inode, dev });
  }

  kept(seq: number): void {
    this.open.delete(seq);
    this.keptCount++;
    this.write({ t: 'ns-kept', seq });
  }

  object(ns: NamespaceRef, obj: unknown, absent: boolean, before?: number[]): number {
    const seq = ++this.seq;
    this.open.add(seq);
    this.write({ t: 'obj', seq, ns, obj, absent, ...(before !== undefined && { before }) });
    return seq;
  }

  objectMade(seq: number, id?: unknown): void {
    this.write({ t: 'obj-made', seq, ...(id !== undefined && { id }) });
  }

  gone(seq: number): void {
    if (!this.open.delete(seq)) return;
    this.write({ t: 'gone', seq });
  }

  /** Everything resolved: the journal has nothing left to say. */
  get empty(): boolean {
    return this.open.size === 0 && this.keptCount === 0;
  }

  /** Removes the file when nothing is left unresolved or kept; keeps it otherwise. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (this.open.size === 0 && this.keptCount === 0) {
      try {
        unlinkSync(this.path);
      } catch { /* already gone */ }
    }
  }
}

export interface ReadJournal {
  path: string;
  pid: number;
  start: number;
  lines: JournalLine[];
}

/** pid and start time from a journal's file name (`PID-START-RANDOM.jsonl`), for a file whose head was never written. */
function ownerOf(name: string): { pid: number; start: number } | undefined {
  const m = /^(\d+)-(\d+)-[a-z0-9]*\.jsonl$/.exec(name);
  return m ? { pid: Number(m[1]), start: Number(m[2]) } : undefined;
}

/**
 * Reads every journal in dir; unreadable lines (a write cut by a crash) are
 * skipped. A file without its head (the process died as it created it) is
 * listed with no lines, its process known by the file's name.
 */
export function readJournals(dir: string = runtimeDirs().journals): ReadJournal[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const out: ReadJournal[] = [];
  for (const n of names) {
    const path = `${dir}/${n}`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const lines: JournalLine[] = [];
    for (const l of text.split('\n')) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l, reviver) as JournalLine);
      } catch { /* a torn last line */ }
    }
    const head = lines[0];
    if (head && head.t === 'start') {
      out.push({ path, pid: head.pid, start: head.start, lines });
    } else {
      const owner = ownerOf(n);
      if (owner) out.push({ path, ...owner, lines: [] });
    }
  }
  return out;
}
