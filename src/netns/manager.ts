// The namespace manager: pins the namespace it starts in (its root), makes
// namespaces, hands out clients, records what those clients create in
// namespaces it does not own, and puts everything back in one call.
import { closeSync, fstatSync, openSync, type Stats } from 'node:fs';
import { NetnestError, ValidationError } from '../netlink/core/errors.js';
import type { Link } from '../netlink/rtnl/link/codec.js';
import type { Rtnl, RtnlOptions } from '../netlink/rtnl/rtnl.js';
import { Journal, type NamespaceRef } from './journal.js';
import { Ledger } from './ledger.js';
import { isNetns, Namespace, namedNamespaces } from './namespace.js';
import { runtimeDirs } from './runtime.js';
import { claimName, existsOrDangling, releaseName, validateNamespaceName } from './names.js';
import {
  checkCleanupOptions, checkCreateOptions, checkManagerOptions, checkNamespaceHandle, checkNamespaceName, checkNamespacePath, checkSysctl,
  type CleanupOptions, type CreateOptions, type ManagerOptions, type SweepOptions,
} from './options.js';
import { linkNamespace, namespaceOfNsid } from './nsids.js';
import { emptyCleanupReport, type CleanupReport } from './report.js';
import { deferLinks, dependentsOf, waitGone, type Dependent } from './settle.js';
import { sweep, type SweepReport } from './sweep.js';
import { createAnonymousNetns } from './syscalls.js';

export type { CleanupOptions, CleanupReport, CreateOptions, ManagerOptions };
export { namedNamespaces, validateNamespaceName };

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
  /** The namespace each client handed out is bound to. */
  private clientNs = new WeakMap<Rtnl, Namespace>();
  /** One client per namespace for the manager's own work (cleanup, identity lookups). */
  private own = new Map<string, Rtnl>();
  private readonly ledger: Ledger;

  constructor(opts: ManagerOptions = {}) {
    checkManagerOptions(opts, 'options');
    this.root = opts.root ?? Namespace.current('foreign');
    this.ephemeralRoot = opts.ephemeralRoot ?? false;
    this.journal = new Journal(opts.journalDir ?? runtimeDirs().journals);
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 5000;
    this.settleMode = opts.settle ?? 'wait';
    this.ledger = new Ledger({
      owns: (ns) => this.owns(ns),
      nsOfFd: (fd, field) => this.nsOfFd(fd, field),
      client: (ns) => this.ownClient(ns),
      journaled: (ns) => !(this.ephemeralRoot && ns.equals(this.root)),
      nsRef: (ns) => nsRef(ns, this.root),
      label: (ns) => (ns.equals(this.root) ? 'root' : ns.toString()),
    }, this.journal);
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
    checkCreateOptions(opts, 'options');
    let ns: Namespace;
    let seq: number | undefined;
    if (opts.name === undefined) {
      ns = new Namespace(createAnonymousNetns(), 'anonymous');
    } else {
      const name = opts.name;
      const mode = opts.mode ?? 'process-bound';
      const fd = createAnonymousNetns();
      try {
        seq = claimName(this.journal, name, mode, fd);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      ns = new Namespace(fd, mode, name);
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
    checkNamespacePath(pathOrName, 'path');
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
    checkNamespaceHandle(ns, 'ns');
    const r = ns.rtnl(opts);
    r.hooks.observer = this.ledger.observer(ns);
    this.clients.push(r);
    this.clientNs.set(r, ns);
    return r;
  }

  /**
   * The namespace that `where` (a namespace, or a client this manager
   * handed out) numbers `nsid` — a link's `link_netnsid` — among those this
   * manager knows: its root, the namespaces it made or adopted, those met
   * through fds. undefined when none of them has that id there.
   */
  async nsidNamespace(where: Namespace | Rtnl, nsid: number): Promise<Namespace | undefined> {
    const here = this.whereOf(where);
    return namespaceOfNsid(this.ownClient(here), this.known(), nsid);
  }

  /** Where the link a link names (a veth's peer, a macvlan's lower device) lives, seen from `where`; see nsids.ts. */
  async linkNamespace(where: Namespace | Rtnl, link: Link): Promise<Namespace | undefined> {
    const here = this.whereOf(where);
    return linkNamespace(this.ownClient(here), here, this.known(), link);
  }

  private whereOf(where: Namespace | Rtnl): Namespace {
    const ns = where instanceof Namespace ? where : this.clientNs.get(where);
    if (!ns) throw new ValidationError('expected a Namespace or a client this manager handed out (manager.rtnl())', 'where');
    checkNamespaceHandle(ns, 'where');
    return ns;
  }

  private known(): Namespace[] {
    return [this.root, ...this.owned.map((o) => o.ns), ...this.adopted, ...this.foreign.values()];
  }

  /**
   * Sets a sysctl of `ns` (`net.*` keys: `net.ipv4.ip_forward`, or a path
   * `net/ipv4/conf/eth0.5/forwarding` when a name holds a dot). In a
   * namespace the manager does not own, the old value is recorded and
   * journaled, and cleanup() writes it back unless someone changed it since.
   */
  sysctl(ns: Namespace, key: string, value: string | number): void {
    checkNamespaceHandle(ns, 'ns');
    checkSysctl({ key, value }, 'sysctl');
    this.ledger.setSysctl(ns, key, String(value));
  }

  /** True when the namespace is one this manager created. */
  owns(ns: { inode: number; dev: number }): boolean {
    return this.owned.some((o) => o.ns.equals(ns));
  }

  // ------------------------------------------------------------ recording

  /** The namespace an fd given in a spec (`field`) refers to (kept open until cleanup). */
  private nsOfFd(fd: number, field: string): Namespace {
    let stat: Stats;
    try {
      if (!isNetns(fd)) throw new Error('not a network namespace');
      stat = fstatSync(fd);
    } catch {
      throw new ValidationError(`fd ${fd} is not an open network namespace (an fd of /run/netns/NAME, /proc/PID/ns/net or a Namespace)`, field);
    }
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
    checkNamespaceName(prefix, 'prefix');
    const names: string[] = [];
    for (const o of this.owned) {
      let name = o.ns.name;
      if (o.ns.kind !== 'persistent') {
        for (let i = names.length; ; i++) {
          name = `${prefix}-${i}`;
          if (!existsOrDangling(`${runtimeDirs().netns}/${name}`)) break;
        }
        this.journal.kept(claimName(this.journal, name, 'persistent', o.ns.fd));
        if (o.ns.kind === 'process-bound') {
          releaseName(o.ns); // the old name would dangle
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

  /**
   * Hands what this manager made over to `dir` instead of removing it (what
   * `netnest up` does): its namespaces — all persistent — and what it made
   * in namespaces it does not own go to a journal there that no live process
   * owns, so `sweep({ journalDir: dir })` removes them later, from any
   * process, with every identity check. The manager forgets them; its own
   * journal lets go of them. Returns that journal's path.
   */
  handOver(dir: string): string {
    checkNamespacePath(dir, 'dir');
    const transient = this.owned.filter((o) => o.ns.kind !== 'persistent');
    if (transient.length) {
      throw new NetnestError('ERR_NOT_PERSISTENT', `only persistent namespaces outlive the process: ${transient.map((o) => o.ns.toString()).join(', ')} would die with it`);
    }
    const to = new Journal(dir, { pid: 0, start: 0 });
    for (const o of this.owned) {
      to.namespace(o.ns.name!, 'persistent', o.ns);
      if (o.seq !== undefined) this.journal.gone(o.seq);
      o.ns.close(); // its name keeps it alive
    }
    this.owned = [];
    this.ledger.handOver(to);
    to.close();
    return to.path;
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
    checkCleanupOptions(opts, 'options');
    const mode = opts.settle ?? this.settleMode;
    const report = emptyCleanupReport();
    await Promise.allSettled(this.ready);
    this.ready = [];
    await this.closeClients();
    const owned = this.owned;
    this.owned = [];
    const client = (ns: Namespace): Rtnl => this.ownClient(ns);
    const dependents = await dependentsOf(this.survivors(), owned.map((o) => o.ns), client);
    // A link that goes with a deleted namespace is left to it: deleting it here would
    // cost a grace period of its own instead of sharing the namespace's. It is reported
    // once settled: removed, deferred or lingering, never two of them.
    const leftToNamespaces: { what: string; ns: Namespace; index: number }[] = [];
    await this.ledger.removeAll(report, (e) => {
      const index = e.rec.id?.index;
      const goes = e.rec.obj.object === 'link' && index !== undefined && dependents.some((d) => d.ns === e.ns && d.index === index);
      if (goes) leftToNamespaces.push({ what: e.what, ns: e.ns, index });
      return goes;
    });
    const deferred: Dependent[] = [];
    let waitFor = dependents;
    if (mode === 'defer') {
      const moved = await deferLinks(dependents, this.root, client);
      for (const d of moved.deferred) {
        deferred.push({ ns: this.root, index: d.index, name: d.name });
        this.deferred.push({ index: d.index, name: d.name });
        report.deferred.push(`link ${d.was} (index ${d.index}) as ${d.name}`);
      }
      waitFor = moved.waitFor;
    }
    this.deleteNamespaces(owned, report);
    const lingering = await waitGone(waitFor, client, this.settleTimeoutMs);
    for (const w of lingering) {
      report.lingering.push(`link ${w.name} (index ${w.index}) in ${w.ns.equals(this.root) ? 'root' : w.ns.toString()}`);
    }
    const still = [...deferred, ...lingering];
    for (const l of leftToNamespaces) {
      if (!still.some((d) => d.ns.equals(l.ns) && d.index === l.index)) report.removed.push(l.what);
    }
    this.letGo();
    return report;
  }

  /**
   * Closes every client handed out, so that nothing new starts while we clean
   * up, and waits until the creates in flight are answered (a closing socket
   * still reads the answers of what it sent).
   */
  private async closeClients(): Promise<void> {
    for (const c of this.clients) c.close();
    this.clients = [];
    await this.ledger.idle();
  }

  /** Closes our own clients in the namespaces we made, then deletes those, newest first. */
  private deleteNamespaces(owned: { ns: Namespace; seq: number | undefined }[], report: CleanupReport): void {
    for (const [key, c] of this.own) {
      if (owned.some((o) => `${o.ns.dev}:${o.ns.inode}` === key)) {
        c.close();
        this.own.delete(key);
      }
    }
    for (let i = owned.length - 1; i >= 0; i--) {
      const { ns, seq } = owned[i]!;
      try {
        releaseName(ns);
        ns.close();
        if (seq !== undefined) this.journal.gone(seq);
        report.namespaces.push(ns.toString());
      } catch (err) {
        report.failed.push({ what: `namespace ${ns.toString()}`, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
  }

  /**
   * Lets go of everything but the pinned root and the client in it (reused by
   * the next cleanup: opening a socket costs more than all the rest of a small cleanup).
   */
  private letGo(): void {
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
  }

  /**
   * Waits (bounded by settleTimeoutMs) until the links a deferred cleanup
   * left to the kernel are gone; returns the names of any still there.
   */
  async settle(): Promise<string[]> {
    const deferred: Dependent[] = this.deferred.map((d) => ({ ns: this.root, ...d }));
    const left = await waitGone(deferred, (ns) => this.ownClient(ns), this.settleTimeoutMs);
    this.deferred = [];
    return left.map((w) => `link ${w.name} (index ${w.index})`);
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
}

function nsRef(ns: Namespace, root: Namespace): NamespaceRef {
  const paths: string[] = [];
  if (ns.name !== undefined) paths.push(`${runtimeDirs().netns}/${ns.name}`);
  paths.push('/proc/1/ns/net');
  if (ns.equals(root)) paths.push(`/proc/${process.pid}/ns/net`);
  return { inode: ns.inode, dev: ns.dev, paths };
}
