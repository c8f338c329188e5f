// The namespace manager: pins the namespace it starts in (its root), makes
// namespaces, hands out clients, records what those clients create in
// namespaces it does not own, and puts everything back in one call.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { NetlinkError, NetnestError, ValidationError } from '../netlink/core/errors.js';
import type { CreatedObject, CreateObserver } from '../netlink/rtnl/observer.js';
import type { Rtnl, RtnlOptions } from '../netlink/rtnl/rtnl.js';
import { deletionSpec, objectExists } from './exists.js';
import { Journal, JOURNAL_DIR, type NamespaceRef } from './journal.js';
import { sweep, type SweepOptions, type SweepReport } from './sweep.js';
import { Namespace, namedNamespaces, NETNS_RUN_DIR, type NamespaceKind } from './namespace.js';

export { namedNamespaces };
import { createAnonymousNetns, MNT_DETACH, mount, MS_BIND, MS_REC, MS_SHARED, umount2 } from './syscalls.js';

export interface ManagerOptions {
  /** The namespace to treat as root; default: the one the calling thread is in now (pinned). */
  root?: Namespace;
  /**
   * The root dies with this process (a Sandbox world): what is created there
   * is still recorded and removed by cleanup(), but not journaled.
   */
  ephemeralRoot?: boolean;
  /** Where crash journals go. Default /run/netnest. */
  journalDir?: string;
  /** How long cleanup() waits for objects that vanish with deleted namespaces. Default 5000 ms. */
  settleTimeoutMs?: number;
  /** Default for CleanupOptions.settle. */
  settle?: 'wait' | 'defer';
}

export interface CleanupOptions {
  /**
   * Links in surviving namespaces that vanish with the deleted ones (the
   * root's end of a veth into an owned namespace). The kernel removes a link
   * only after an RCU grace period (20-30 ms on small VMs), so:
   * - 'wait' (default): cleanup returns once they are gone;
   * - 'defer': they are set down and renamed to a throwaway name at once —
   *   their names are free and nothing is routed through them — and the
   *   kernel removes them with their namespaces in the background, many per
   *   grace period. `settle()` waits for them. For fixtures running many
   *   short tests.
   */
  settle?: 'wait' | 'defer';
}

export interface CreateOptions {
  /** A name in /run/netns (visible to `ip netns list`). Without one the namespace is anonymous. */
  name?: string;
  /**
   * For named namespaces. 'process-bound' (default): the name is a symbolic
   * link to this process's fd — `ip netns exec` follows it, and when the
   * process dies the namespace dies with it, leaving at most a dangling name
   * that `sweep` removes. 'persistent': a bind mount exactly as `ip netns add`
   * makes it; it outlives the process (what `netnest up` needs).
   */
  mode?: 'process-bound' | 'persistent';
  /** Bring lo up (default false, as `ip netns add`). */
  lo?: boolean;
}

/** What cleanup() did, one readable line per thing. */
export interface CleanupReport {
  /** Objects removed from namespaces the manager does not own. */
  removed: string[];
  /** Objects that were already gone (deleted by someone else, or with their namespace). */
  alreadyGone: string[];
  /** Objects left alone because they are no longer the ones we created. */
  skipped: string[];
  /** Namespaces deleted. */
  namespaces: string[];
  /** What could not be done, with the error. */
  failed: { what: string; error: Error }[];
  /** Objects still present in surviving namespaces after the settle timeout. */
  lingering: string[];
  /** Links left to vanish in the background (settle: 'defer'), under their throwaway names. */
  deferred: string[];
  /** Replacements of objects that existed before: not recorded, so not removed. */
  notes: string[];
}

interface Entry {
  seq: number | undefined;
  ns: Namespace;
  obj: CreatedObject;
  /** The created object's identity, for links its ifindex. */
  id?: { index: number };
  made: boolean;
  pending?: Promise<void>;
  /** One line describing it. */
  what: string;
}

const NAME_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.@+=:-]*$/;

/** Names keep() gave in this process: a Sandbox leaving must not remove them with its world. */
const keptNames = new Set<string>();

/** True when `name` was kept on purpose by a manager of this process (NETNEST_KEEP). */
export function keptInThisProcess(name: string): boolean {
  return keptNames.has(name);
}

export class NamespaceManager {
  /** The namespace this manager started in (pinned by an fd). It is never removed. */
  readonly root: Namespace;
  private readonly ephemeralRoot: boolean;
  private readonly journal: Journal;
  private readonly settleTimeoutMs: number;
  private readonly settleMode: 'wait' | 'defer';
  /** Links renamed by a deferred cleanup, still to vanish (in the root). */
  private deferred: { index: number; name: string }[] = [];
  /** Namespaces this manager created, in creation order. */
  private owned: { ns: Namespace; seq: number | undefined }[] = [];
  private adopted: Namespace[] = [];
  /** Handles on namespaces met through fds (a veth peer's `netns`), by identity. */
  private foreign = new Map<string, Namespace>();
  private clients: Rtnl[] = [];
  /** One client per namespace for the manager's own work (cleanup, identity lookups). */
  private own = new Map<string, Rtnl>();
  private ledger: Entry[] = [];
  private notes: string[] = [];

  constructor(opts: ManagerOptions = {}) {
    this.root = opts.root ?? Namespace.current('foreign');
    this.ephemeralRoot = opts.ephemeralRoot ?? false;
    this.journal = new Journal(opts.journalDir ?? JOURNAL_DIR);
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 5000;
    this.settleMode = opts.settle ?? 'wait';
  }

  /** Namespaces this manager created and has not deleted yet. */
  get namespaces(): readonly Namespace[] {
    return this.owned.map((o) => o.ns);
  }

  /**
   * Creates a namespace: anonymous (held by an fd only, so it disappears with
   * the process whatever happens) or named (see CreateOptions.mode).
   */
  create(opts: CreateOptions = {}): Namespace {
    let ns: Namespace;
    let seq: number | undefined;
    if (opts.name === undefined) {
      ns = new Namespace(createAnonymousNetns(), 'anonymous');
    } else {
      const name = validateNamespaceName(opts.name);
      const mode = opts.mode ?? 'process-bound';
      if (mode !== 'process-bound' && mode !== 'persistent') throw new ValidationError(`mode must be 'process-bound' or 'persistent'`, 'mode');
      const path = `${NETNS_RUN_DIR}/${name}`;
      if (existsOrDangling(path)) throw namespaceExists(name);
      mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
      const fd = createAnonymousNetns();
      try {
        if (mode === 'persistent') {
          makeSharedMount();
          seq = this.journal.namespace(name, 'persistent');
          // Claim the name atomically (O_EXCL), then bind the namespace onto it, as `ip netns add` does.
          try {
            closeSync(openSync(path, 'wx', 0o444));
          } catch (e) {
            this.journal.gone(seq);
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw namespaceExists(name);
            throw e;
          }
          try {
            mount(`/proc/self/fd/${fd}`, path, 'none', MS_BIND);
          } catch (e) {
            unlinkSync(path);
            this.journal.gone(seq);
            throw e;
          }
        } else {
          const target = `/proc/${process.pid}/fd/${fd}`;
          seq = this.journal.namespace(name, 'process-bound', target);
          try {
            symlinkSync(target, path);
          } catch (e) {
            this.journal.gone(seq);
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw namespaceExists(name);
            throw e;
          }
        }
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      ns = new Namespace(fd, mode, name);
      this.journal.namespaceMade(seq, ns.inode, ns.dev);
    }
    this.owned.push({ ns, seq });
    if (opts.lo) {
      const r = this.ownClient(ns);
      // Fire and forget would race the caller; expose the promise through whenReady.
      this.ready.push(r.link.set('lo', { up: true }));
    }
    return ns;
  }

  private ready: Promise<void>[] = [];

  /** Resolves when asynchronous set-up started by create() (lo up) is done. */
  async whenReady(): Promise<void> {
    const r = this.ready;
    this.ready = [];
    await Promise.all(r);
  }

  /** Takes an existing namespace (a name in /run/netns or a path) without owning it: it is never removed. */
  adopt(pathOrName: string): Namespace {
    const ns = Namespace.openPath(pathOrName, 'foreign');
    this.adopted.push(ns);
    return ns;
  }

  /**
   * A client bound to `ns` (default: the root). What it creates in namespaces
   * this manager does not own — the root, adopted ones — is recorded and
   * removed by cleanup(); what it creates in owned ones goes with them.
   */
  rtnl(ns: Namespace = this.root, opts: RtnlOptions = {}): Rtnl {
    const r = ns.rtnl(opts);
    r.hooks.observer = this.observer(ns);
    this.clients.push(r);
    return r;
  }

  /** True when the namespace is one this manager created. */
  owns(ns: { inode: number; dev: number }): boolean {
    return this.owned.some((o) => o.ns.equals(ns));
  }

  // ------------------------------------------------------------ recording

  private observer(clientNs: Namespace): CreateObserver {
    return {
      creating: (obj) => this.creating(clientNs, obj),
      settled: (token, outcome) => this.settled(token as Entry[], outcome === 'made'),
    };
  }

  /** The namespace an fd given in a spec refers to (kept open until cleanup). */
  private nsOfFd(fd: number): Namespace {
    const stat = fstatSync(fd);
    const st = { inode: stat.ino, dev: stat.dev };
    for (const o of this.owned) if (o.ns.equals(st)) return o.ns;
    if (this.root.equals(st)) return this.root;
    for (const a of this.adopted) if (a.equals(st)) return a;
    const key = `${st.dev}:${st.inode}`;
    let ns = this.foreign.get(key);
    if (!ns) {
      ns = new Namespace(openSync(`/proc/self/fd/${fd}`, 'r'), 'foreign');
      this.foreign.set(key, ns);
    }
    return ns;
  }

  private async creating(clientNs: Namespace, obj: CreatedObject): Promise<Entry[]> {
    const entries: Entry[] = [];
    const record = (ns: Namespace, o: CreatedObject, what: string): void => {
      if (this.owns(ns)) return; // goes with its namespace
      const journaled = !(this.ephemeralRoot && ns.equals(this.root));
      const seq = journaled ? this.journal.object(nsRef(ns, this.root), o) : undefined;
      entries.push({ seq, ns, obj: o, made: false, what: `${what} in ${ns.equals(this.root) ? 'root' : ns.toString()}` });
    };
    switch (obj.object) {
      case 'link': {
        const s = obj.spec;
        record(s.netns !== undefined ? this.nsOfFd(s.netns) : clientNs, { object: 'link', spec: { name: s.name, kind: s.kind } }, `link ${s.name}`);
        // A veth peer defaults to the creating socket's namespace.
        if (s.peer) record(s.peer.netns !== undefined ? this.nsOfFd(s.peer.netns) : clientNs, { object: 'link', spec: { name: s.peer.name, kind: s.kind } }, `link ${s.peer.name}`);
        break;
      }
      case 'address':
        if (obj.replace && !this.owns(clientNs) && await objectExists(this.ownClient(clientNs), obj)) {
          this.notes.push(`address ${obj.spec.local} on index ${obj.index} existed before and was replaced; it is not removed by cleanup`);
          break;
        }
        record(clientNs, obj, `address ${obj.spec.local} dev ${obj.spec.dev}`);
        break;
      case 'route':
        if (obj.mode === 'replace' && !this.owns(clientNs) && await objectExists(this.ownClient(clientNs), obj)) {
          this.notes.push(`route ${obj.spec.dst} table ${obj.spec.table ?? 'main'} existed before and was replaced; it is not removed by cleanup`);
          break;
        }
        record(clientNs, obj, `route ${obj.spec.dst}${obj.spec.table !== undefined ? ` table ${obj.spec.table}` : ''}`);
        break;
      case 'rule':
        record(clientNs, obj, `rule${obj.spec.priority !== undefined ? ` priority ${obj.spec.priority}` : ''}`);
        break;
      case 'neigh':
        if (obj.replace && !this.owns(clientNs) && await objectExists(this.ownClient(clientNs), obj)) {
          this.notes.push(`neighbour ${obj.spec.dst} existed before and was replaced; it is not removed by cleanup`);
          break;
        }
        record(clientNs, obj, `neighbour ${obj.spec.dst} dev ${obj.spec.dev}`);
        break;
      case 'nexthop':
        if (obj.replace && !this.owns(clientNs) && await objectExists(this.ownClient(clientNs), obj)) {
          this.notes.push(`nexthop ${obj.spec.id} existed before and was replaced; it is not removed by cleanup`);
          break;
        }
        record(clientNs, obj, `nexthop ${obj.spec.id ?? '(auto id)'}`);
        break;
    }
    this.ledger.push(...entries);
    return entries;
  }

  private settled(entries: Entry[], ok: boolean): Promise<void> | void {
    const journaling: Promise<void>[] = [];
    for (const e of entries) {
      if (!ok) {
        if (e.seq !== undefined) this.journal.gone(e.seq);
        const i = this.ledger.indexOf(e);
        if (i >= 0) this.ledger.splice(i, 1);
        continue;
      }
      e.made = true;
      if (e.obj.object === 'link') {
        // Pin the link's identity: cleanup and sweep delete it only if the name still means this ifindex.
        const name = e.obj.spec.name;
        e.pending = this.ownClient(e.ns).link.find(name).then((l) => {
          if (l) e.id = { index: l.index };
          if (e.seq !== undefined) this.journal.objectMade(e.seq, e.id);
        }, () => undefined);
        // A journaled link's identity is on disk before link.add() returns.
        if (e.seq !== undefined) journaling.push(e.pending);
      } else if (e.seq !== undefined) {
        this.journal.objectMade(e.seq);
      }
    }
    if (journaling.length) return Promise.all(journaling).then(() => undefined);
  }

  private ownClient(ns: Namespace): Rtnl {
    const key = `${ns.dev}:${ns.inode}`;
    let r = this.own.get(key);
    if (!r || r.socket.isClosed) {
      r = ns.rtnl();
      this.own.set(key, r);
    }
    return r;
  }

  /**
   * Keeps the namespaces this manager created for inspection (NETNEST_KEEP):
   * each gets a persistent name (a bind mount, like `ip netns add`) that
   * outlives the process, and cleanup() leaves it alone. Returns the names;
   * enter one with `ip netns exec NAME bash` or `nsenter --net=/run/netns/NAME`.
   * `netnest sweep --kept` removes them once their process is gone.
   */
  keep(prefix = `netnest-keep-${process.pid}`): string[] {
    const names: string[] = [];
    for (const o of this.owned) {
      let name = o.ns.name;
      if (o.ns.kind !== 'persistent') {
        for (let i = names.length; ; i++) {
          name = `${prefix}-${i}`;
          if (!existsOrDangling(`${NETNS_RUN_DIR}/${name}`)) break;
        }
        mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
        makeSharedMount();
        const seq = this.journal.namespace(name, 'persistent');
        closeSync(openSync(`${NETNS_RUN_DIR}/${name}`, 'wx', 0o444));
        mount(`/proc/self/fd/${o.ns.fd}`, `${NETNS_RUN_DIR}/${name}`, 'none', MS_BIND);
        this.journal.namespaceMade(seq, o.ns.inode, o.ns.dev);
        this.journal.kept(seq);
        if (o.ns.kind === 'process-bound') {
          removeName(o.ns); // the old name would dangle
          if (o.seq !== undefined) this.journal.gone(o.seq);
        }
      } else if (o.seq !== undefined) {
        this.journal.kept(o.seq);
      }
      names.push(name!);
      keptNames.add(name!);
      o.ns.close(); // the name keeps the namespace alive now
    }
    this.owned = [];
    return names;
  }

  // ------------------------------------------------------------ cleanup

  /**
   * Puts everything back: deletes what the clients created in namespaces the
   * manager does not own (newest first), closes the clients, deletes every
   * namespace it created, and waits until what vanishes with them (a veth
   * peer left in the root) is gone. Never touches anything it did not create.
   * Idempotent; the manager can be used again afterwards.
   */
  async cleanup(opts: CleanupOptions = {}): Promise<CleanupReport> {
    const mode = opts.settle ?? this.settleMode;
    const report: CleanupReport = {
      removed: [], alreadyGone: [], skipped: [], namespaces: [], failed: [], lingering: [], deferred: [], notes: this.notes,
    };
    this.notes = [];
    await Promise.allSettled(this.ready);
    this.ready = [];
    await Promise.allSettled(this.ledger.map((e) => e.pending));

    // 1. What will vanish with the namespaces we delete: links elsewhere whose peer lives in one.
    const survivors = this.survivors();
    const owned = this.owned;
    this.owned = [];
    const dependents: { ns: Namespace; index: number; name: string }[] = [];
    for (const s of survivors) {
      let links: Awaited<ReturnType<Rtnl['link']['list']>> | undefined;
      for (const o of owned) {
        if (!o.ns.isOpen) continue;
        let nsid: number | undefined;
        try {
          nsid = await this.ownClient(s).nsid.get(o.ns.fd);
        } catch {
          continue;
        }
        if (nsid === undefined) continue;
        links ??= await this.ownClient(s).link.list().catch(() => []);
        for (const l of links) if (l.link_netnsid === nsid) dependents.push({ ns: s, index: l.index, name: l.name });
      }
    }
    const isDependent = (e: Entry): boolean =>
      e.obj.object === 'link' && e.id !== undefined && dependents.some((d) => d.ns === e.ns && d.index === e.id!.index);

    // 2. Objects in namespaces we do not own, newest first. A link that goes
    // with a deleted namespace is left to it: deleting it here would cost a
    // grace period of its own instead of sharing the namespace's.
    const ledger = this.ledger;
    this.ledger = [];
    for (let i = ledger.length - 1; i >= 0; i--) {
      const e = ledger[i]!;
      try {
        const outcome = isDependent(e) ? 'removed' : await this.remove(e);
        report[outcome].push(e.what);
        if (e.seq !== undefined) this.journal.gone(e.seq);
      } catch (err) {
        report.failed.push({ what: e.what, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }

    // 3. Deferred: take the dependents out of the way now (down, throwaway name).
    let waitFor = dependents;
    if (mode === 'defer') {
      waitFor = [];
      for (const d of dependents) {
        if (!d.ns.equals(this.root)) {
          waitFor.push(d); // only the root is watched later; others are waited for now
          continue;
        }
        const name = `nnx${randomBytes(6).toString('hex')}`;
        try {
          const r = this.ownClient(d.ns);
          await r.link.set(d.index, { up: false });
          await r.link.set(d.index, { name });
          this.deferred.push({ index: d.index, name });
          report.deferred.push(`link ${d.name} (index ${d.index}) as ${name}`);
        } catch (err) {
          if (!(err instanceof NetlinkError && err.errnoName === 'ENODEV')) waitFor.push(d);
        }
      }
    }

    // 4. Close every client handed out, then delete our namespaces, newest first.
    for (const c of this.clients) c.close();
    this.clients = [];
    for (const [key, c] of this.own) {
      if (owned.some((o) => `${o.ns.dev}:${o.ns.inode}` === key)) {
        c.close();
        this.own.delete(key);
      }
    }
    for (let i = owned.length - 1; i >= 0; i--) {
      const { ns, seq } = owned[i]!;
      try {
        removeName(ns);
        ns.close();
        if (seq !== undefined) this.journal.gone(seq);
        report.namespaces.push(ns.toString());
      } catch (err) {
        report.failed.push({ what: `namespace ${ns.toString()}`, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }

    // 5. Wait (bounded) until the kernel has really destroyed them.
    for (const w of await this.waitGone(waitFor)) {
      report.lingering.push(`link ${w.name} (index ${w.index}) in ${w.ns.equals(this.root) ? 'root' : w.ns.toString()}`);
    }

    // 6. Let go of everything but the pinned root and the client in it (reused by the next
    // cleanup: opening a socket costs more than all the rest of a small cleanup).
    for (const [key, c] of this.own) {
      if (key === `${this.root.dev}:${this.root.inode}`) continue;
      c.close();
      this.own.delete(key);
    }
    for (const a of this.adopted) a.close();
    this.adopted = [];
    for (const f of this.foreign.values()) f.close();
    this.foreign.clear();
    this.journal.close();
    return report;
  }

  /**
   * Waits (bounded by settleTimeoutMs) until the links a deferred cleanup
   * left to the kernel are gone; returns the names of any still there.
   */
  async settle(): Promise<string[]> {
    const left = await this.waitGone(this.deferred.map((d) => ({ ns: this.root, ...d })));
    this.deferred = [];
    return left.map((w) => `link ${w.name} (index ${w.index})`);
  }

  private async waitGone<T extends { ns: Namespace; index: number; name: string }>(links: T[]): Promise<T[]> {
    const deadline = Date.now() + this.settleTimeoutMs;
    let left = links;
    while (left.length > 0) {
      const still: T[] = [];
      for (const w of left) {
        if (!w.ns.isOpen) continue;
        const l = await this.ownClient(w.ns).link.find(w.index).catch(() => undefined);
        if (l && l.name === w.name) still.push(w);
      }
      left = still;
      if (left.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return left;
  }

  /**
   * Removes what dead processes left behind, as their journals list it (see
   * sweep.ts); the same as `netnest sweep`. Never touches a live process's.
   */
  static sweep(opts: SweepOptions = {}): Promise<SweepReport> {
    return sweep(opts);
  }

  /** Closes the pinned root as well: the manager cannot be used afterwards. */
  async dispose(opts: CleanupOptions = {}): Promise<CleanupReport> {
    const r = await this.cleanup(opts);
    // Links of a deferred cleanup vanish with their namespaces on their own; nobody watches them now.
    this.deferred = [];
    for (const c of this.own.values()) c.close();
    this.own.clear();
    this.root.close();
    return r;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  private survivors(): Namespace[] {
    const out: Namespace[] = [];
    const add = (ns: Namespace): void => {
      if (ns.isOpen && !out.some((o) => o.equals(ns)) && !this.owns(ns)) out.push(ns);
    };
    add(this.root);
    for (const a of this.adopted) add(a);
    for (const f of this.foreign.values()) add(f);
    return out;
  }

  private async remove(e: Entry): Promise<'removed' | 'alreadyGone' | 'skipped'> {
    if (!e.ns.isOpen) return 'alreadyGone';
    const r = this.ownClient(e.ns);
    const gone = (err: unknown): boolean =>
      err instanceof NetlinkError && ['ENODEV', 'ESRCH', 'ENOENT', 'EADDRNOTAVAIL'].includes(err.errnoName);
    try {
      switch (e.obj.object) {
        case 'link': {
          const l = await r.link.find(e.obj.spec.name);
          if (!l) return 'alreadyGone';
          if (e.id && l.index !== e.id.index) return 'skipped';
          if (!e.id && !e.made) return 'skipped';
          await r.link.del(l.index);
          return 'removed';
        }
        case 'address': {
          const { spec, index } = e.obj;
          await r.addr.del({ dev: index, local: spec.local, ...(spec.peer !== undefined && { peer: spec.peer }) });
          return 'removed';
        }
        case 'route':
          await r.route.del(deletionSpec(e.obj.spec));
          return 'removed';
        case 'rule':
          await r.rule.del(e.obj.spec);
          return 'removed';
        case 'neigh':
          await r.neigh.del({ dst: e.obj.spec.dst, dev: e.obj.index, ...(e.obj.spec.proxy && { proxy: true }) });
          return 'removed';
        case 'nexthop':
          if (e.obj.spec.id === undefined) return 'skipped';
          await r.nexthop.del(e.obj.spec.id);
          return 'removed';
      }
    } catch (err) {
      if (gone(err)) return 'alreadyGone';
      throw err;
    }
    return 'skipped';
  }
}

function nsRef(ns: Namespace, root: Namespace): NamespaceRef {
  const paths: string[] = [];
  if (ns.name !== undefined) paths.push(`${NETNS_RUN_DIR}/${ns.name}`);
  paths.push('/proc/1/ns/net');
  if (ns.equals(root)) paths.push(`/proc/${process.pid}/ns/net`);
  return { inode: ns.inode, dev: ns.dev, paths };
}

/** Names `ip netns` accepts: no '/', not '.' or '..', not empty. */
export function validateNamespaceName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name === '.' || name === '..' || name.includes('/') || Buffer.byteLength(name) > 255 || !NAME_RE.test(name)) {
    throw new ValidationError(`'${String(name)}' is not a usable namespace name (letters, digits, _ . - @ + = :, no '/')`, 'name');
  }
  return name;
}

function namespaceExists(name: string): NetnestError {
  return new NetnestError('ERR_NAMESPACE_EXISTS', `network namespace '${name}' exists already (${NETNS_RUN_DIR}/${name}); it is someone else's, netnest will not take it over`);
}

function existsOrDangling(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** /run/netns must be a shared mount so bind mounts under it propagate, as `ip netns add` arranges. */
function makeSharedMount(): void {
  try {
    mount('none', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
  } catch (e) {
    if ((e as NetnestError).code !== 'EINVAL') throw e;
    // Not a mount point yet: bind it onto itself first.
    mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MS_BIND | MS_REC);
    mount('none', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
  }
}

/** Removes a namespace's name (bind mount or symlink), checking it is still ours. */
function removeName(ns: Namespace): void {
  if (ns.name === undefined) return;
  const path = `${NETNS_RUN_DIR}/${ns.name}`;
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

export type { NamespaceKind };
