// The ledger: what a manager's clients create in namespaces it does not own.
// An entry is an intent until the kernel confirms the create; only then is the
// object ours. Where an answer can be lost with the process — in journaled
// namespaces — the ledger first looks whether something the create would
// collide with exists already and journals that, so that sweep can still
// judge: ours if nothing like it existed before, otherwise left alone and
// reported. In-process the answers are not lost (a closing client reads the
// answers of what it sent), so the look is spared there except where it is
// needed anyway: a replace, and what the kernel numbers itself.
import { readFileSync, writeFileSync } from 'node:fs';
import { NetnestError, SyscallError } from '../netlink/core/errors.js';
import type { CreatedIdentity, CreateObserver, CreateOutcome } from '../netlink/rtnl/observer.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import type { Journal, NamespaceRef } from './journal.js';
import type { Namespace } from './namespace.js';
import type { CreatedObject, LookupCache, Recorded, SysctlObject } from './objects/kind.js';
import { inClientNetns, sysctlPath } from './objects/sysctl.js';
import { collisionKey, describeRecorded, existing, removeRecorded } from './objects/table.js';

export interface LedgerEntry {
  /** Its line in the crash journal; undefined when not journaled (an ephemeral root). */
  seq: number | undefined;
  ns: Namespace;
  rec: Recorded;
  /** 'intent': asked, not answered yet; 'made': the kernel confirmed it; 'maybe': the answer was lost. */
  state: 'intent' | 'made' | 'maybe';
  /** Nothing it would collide with existed just before the request (looked up). */
  absent: boolean;
  /** Our own objects this one replaces once it is made (a `replace` of something we created). */
  supersedes?: LedgerEntry[];
  /** The identity lookup after a link is made. */
  pending?: Promise<void>;
  /** One line describing it. */
  what: string;
}

/** What the ledger needs of its manager. */
export interface LedgerContext {
  owns(ns: Namespace): boolean;
  /** The namespace an fd in a spec (`netns`, `peer.netns`) refers to; ValidationError naming `field` when it is not one. */
  nsOfFd(fd: number, field: string): Namespace;
  /** The manager's own client in a namespace (lookups, deletions). */
  client(ns: Namespace): Rtnl;
  /** Whether objects in this namespace go to the crash journal (not in an ephemeral root). */
  journaled(ns: Namespace): boolean;
  nsRef(ns: Namespace): NamespaceRef;
  /** 'root' or the namespace's name, for report lines. */
  label(ns: Namespace): string;
}

/** The parts of a cleanup report the ledger fills. */
export interface LedgerReport {
  removed: string[];
  alreadyGone: string[];
  skipped: string[];
  unknown: string[];
  failed: { what: string; error: Error }[];
}

/** The longest cleanup waits for creates in flight to be answered. */
const IDLE_LIMIT_MS = 2000;

const REPLACING = (o: CreatedObject): boolean =>
  (o.object === 'route' && o.mode === 'replace') || ((o.object === 'address' || o.object === 'neigh' || o.object === 'nexthop' || o.object === 'qdisc') && o.replace)
  || (o.object === 'fdb' && o.mode === 'replace');

/** A rule without a priority, a nexthop without an id: ours is found later as the one not there before. */
const NUMBERED_BY_KERNEL = (o: CreatedObject): boolean =>
  (o.object === 'rule' && o.spec.priority === undefined) || (o.object === 'nexthop' && !o.spec.id);

export class Ledger {
  /** In creation order. */
  private entries = new Set<LedgerEntry>();
  /** Made entries by namespace and collision key, built at the first replace (most runs never need it). */
  private byKey: Map<string, Set<LedgerEntry>> | undefined;
  /** Lookups of one API call, per namespace: the items of one addMany share one dump per table. */
  private caches = new WeakMap<object, Map<Namespace, LookupCache>>();

  constructor(private readonly ctx: LedgerContext, private readonly journal: Journal) {}

  /** The create observer for a client bound to `clientNs`. */
  observer(clientNs: Namespace): CreateObserver {
    return {
      creating: (obj, scope) => this.creating(clientNs, obj, scope),
      settled: (token, outcome, identity) => this.settled(token as LedgerEntry[], outcome, identity),
    };
  }

  private cache(scope: object, ns: Namespace): LookupCache {
    let byNs = this.caches.get(scope);
    if (!byNs) this.caches.set(scope, (byNs = new Map()));
    let c = byNs.get(ns);
    if (!c) byNs.set(ns, (c = new Map()));
    return c;
  }

  /** Where each part of a create lands: a veth is two links, each in its namespace. */
  private targets(clientNs: Namespace, obj: CreatedObject): { ns: Namespace; obj: CreatedObject }[] {
    if (obj.object !== 'link') return [{ ns: clientNs, obj }];
    const s = obj.spec;
    const out = [{ ns: s.netns !== undefined ? this.ctx.nsOfFd(s.netns, 'netns') : clientNs, obj: { object: 'link', spec: { name: s.name, kind: s.kind } } as CreatedObject }];
    // A veth peer defaults to the creating socket's namespace; other kinds have no peer.
    if (s.kind === 'veth' && s.peer) {
      out.push({ ns: s.peer.netns !== undefined ? this.ctx.nsOfFd(s.peer.netns, 'peer.netns') : clientNs, obj: { object: 'link', spec: { name: s.peer.name, kind: s.kind } } });
    }
    return out;
  }

  private async creating(clientNs: Namespace, obj: CreatedObject, scope: object): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    try {
      for (const t of this.targets(clientNs, obj)) entries.push(...await this.intent(t.ns, t.obj, scope));
    } catch (e) {
      // Refused or failed before the request: nothing will be sent.
      for (const x of entries) if (x.seq !== undefined) this.journal.gone(x.seq);
      throw e;
    }
    for (const e of entries) this.entries.add(e);
    if (entries.length) this.inFlight.add(entries);
    return entries;
  }

  /** The entry for one object of a create, looked up and journaled as its namespace requires. */
  private async intent(ns: Namespace, obj: CreatedObject, scope: object): Promise<LedgerEntry[]> {
    if (this.ctx.owns(ns)) return []; // goes with its namespace
    const journaled = this.ctx.journaled(ns);
    const look = journaled || REPLACING(obj) || NUMBERED_BY_KERNEL(obj);
    // Not looked at: unknown, so a lost answer (an overrun) leaves the object alone.
    const { exists, before } = look ? await existing(this.ctx.client(ns), obj, this.cache(scope, ns)) : { exists: true, before: undefined };
    const rec: Recorded = { obj, ...(before !== undefined && { before }) };
    let supersedes: LedgerEntry[] | undefined;
    if (exists && REPLACING(obj)) {
      // Replacing our own object is ours to do; replacing someone else's would change the
      // host in a way cleanup could not undo, so it is refused before anything is sent.
      supersedes = [...(this.index().get(keyOf(ns, obj)) ?? [])];
      if (supersedes.length === 0) throw notOurs(rec, this.ctx.label(ns));
    }
    const seq = journaled ? this.journal.object(this.ctx.nsRef(ns), obj, !exists, before) : undefined;
    return [{
      seq, ns, rec, state: 'intent', absent: !exists, ...(supersedes && { supersedes }),
      what: `${describeRecorded(rec)} in ${this.ctx.label(ns)}`,
    }];
  }

  private index(): Map<string, Set<LedgerEntry>> {
    if (!this.byKey) {
      this.byKey = new Map();
      for (const e of this.entries) if (e.state === 'made') this.indexed(e, true);
    }
    return this.byKey;
  }

  private indexed(e: LedgerEntry, add: boolean): void {
    if (!this.byKey) return;
    const k = keyOf(e.ns, e.rec.obj);
    let set = this.byKey.get(k);
    if (add) {
      if (!set) this.byKey.set(k, (set = new Set()));
      set.add(e);
    } else {
      set?.delete(e);
      if (set?.size === 0) this.byKey.delete(k);
    }
  }

  /** Creates sent and not yet answered. */
  private inFlight = new Set<LedgerEntry[]>();
  private wakeIdle: (() => void) | undefined;

  private settled(entries: LedgerEntry[], outcome: CreateOutcome, identity?: CreatedIdentity): Promise<void> | void {
    this.inFlight.delete(entries);
    if (this.inFlight.size === 0) this.wakeIdle?.();
    const journaling: Promise<void>[] = [];
    for (const e of entries) {
      if (outcome === 'failed') {
        this.drop(e);
        continue;
      }
      if (outcome === 'unknown') {
        // The journal keeps the intent: sweep judges it as cleanup() does.
        e.state = 'maybe';
        continue;
      }
      e.state = 'made';
      if (identity?.id !== undefined) {
        e.rec.id = { id: identity.id };
        e.what = `${describeRecorded(e.rec)} in ${this.ctx.label(e.ns)}`;
      }
      for (const old of e.supersedes ?? []) this.drop(old);
      delete e.supersedes;
      this.indexed(e, true);
      if (e.rec.obj.object === 'link') {
        // Pin the link's identity: cleanup and sweep delete it only if the name still means this ifindex.
        const name = e.rec.obj.spec.name;
        e.pending = this.ctx.client(e.ns).link.find(name).then((l) => {
          if (l) e.rec.id = { index: l.index };
          if (e.seq !== undefined) this.journal.objectMade(e.seq, e.rec.id);
        }, () => undefined);
        // A journaled link's identity is on disk before link.add() returns.
        if (e.seq !== undefined) journaling.push(e.pending);
      } else if (e.seq !== undefined) {
        this.journal.objectMade(e.seq, e.rec.id);
      }
    }
    if (journaling.length) return Promise.all(journaling).then(() => undefined);
  }

  /**
   * Sets a sysctl of `ns`. In a namespace the manager does not own the old
   * value is recorded first (and journaled), so cleanup() — or sweep — writes
   * it back, unless someone changed it since.
   */
  setSysctl(ns: Namespace, key: string, value: string): void {
    const r = this.ctx.client(ns);
    const path = sysctlPath(key);
    const io = <T>(what: string, fn: () => T): T => {
      try {
        return inClientNetns(r, fn);
      } catch (e) {
        if (e instanceof NetnestError) throw e;
        const err = e as NodeJS.ErrnoException;
        throw new SyscallError(what, Math.abs(err.errno ?? 5), `${path}${what === 'write' ? ` (${value})` : ''}`);
      }
    };
    const old = io('read', () => readFileSync(path, 'utf8').trim());
    if (this.ctx.owns(ns)) {
      io('write', () => writeFileSync(path, value));
      return;
    }
    if (old === value) return; // nothing changes, nothing to put back
    const obj: SysctlObject = { object: 'sysctl', key, value, old };
    const seq = this.ctx.journaled(ns) ? this.journal.object(this.ctx.nsRef(ns), obj, true) : undefined;
    const e: LedgerEntry = { seq, ns, rec: { obj }, state: 'intent', absent: true, what: `sysctl ${key} in ${this.ctx.label(ns)}` };
    this.entries.add(e);
    try {
      io('write', () => writeFileSync(path, value));
      // What the kernel keeps may be spelt otherwise ("1" for " 1"): remember that.
      obj.value = io('read', () => readFileSync(path, 'utf8').trim());
    } catch (err) {
      this.drop(e);
      throw err;
    }
    e.state = 'made';
    if (seq !== undefined) this.journal.objectMade(seq);
  }

  /**
   * Writes every entry to `to` (another journal) and forgets it here: what
   * the kernel confirmed as made, what is maybe ours as an intent. Returns
   * how many.
   */
  handOver(to: Journal): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.state === 'intent') continue; // still in flight: stays here
      const seq = to.object(this.ctx.nsRef(e.ns), e.rec.obj, e.absent, e.rec.before);
      if (e.state === 'made') to.objectMade(seq, e.rec.id);
      if (e.seq !== undefined) this.journal.gone(e.seq);
      this.entries.delete(e);
      n++;
    }
    this.byKey = undefined;
    return n;
  }

  /** Forgets an entry: it was never made, or it is removed. */
  private drop(e: LedgerEntry): void {
    if (e.seq !== undefined) this.journal.gone(e.seq);
    this.entries.delete(e);
    if (e.state === 'made') this.indexed(e, false);
  }

  /**
   * Waits until the creates in flight are answered (closing their clients
   * makes that prompt: a closing socket reads what is queued and gives up on
   * the rest within a second), then for identity lookups still running.
   */
  async idle(): Promise<void> {
    if (this.inFlight.size > 0) {
      // Bounded: a create whose client was not closed (a bug) must not hang cleanup; it stays an intent.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wakeIdle = resolve;
        timer = setTimeout(resolve, IDLE_LIMIT_MS);
      });
      clearTimeout(timer);
      this.wakeIdle = undefined;
    }
    await Promise.allSettled([...this.entries].map((e) => e.pending));
  }

  /** Links recorded in `ns` whose identity is known: their ifindexes. */
  linkIndexes(ns: Namespace): Map<number, LedgerEntry> {
    const out = new Map<number, LedgerEntry>();
    for (const e of this.entries) if (e.ns === ns && e.rec.obj.object === 'link' && e.rec.id?.index !== undefined) out.set(e.rec.id.index, e);
    return out;
  }

  /**
   * Removes every entry's object, newest first: those the kernel confirmed,
   * and those whose answer was lost when nothing like them existed before.
   * `leftToNamespace(e)`: links that go with a namespace being deleted (neither removed nor reported here).
   */
  async removeAll(report: LedgerReport, leftToNamespace: (e: LedgerEntry) => boolean): Promise<void> {
    const entries = [...this.entries];
    this.entries = new Set();
    this.byKey = undefined;
    const caches = new Map<Namespace, LookupCache>();
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      try {
        if (e.state !== 'made' && !e.absent) {
          report.unknown.push(`${e.what}: its create was never answered and an identical object existed before it, so it cannot be told apart; left alone`);
        } else if (!e.ns.isOpen) {
          report.alreadyGone.push(e.what);
        } else if (!leftToNamespace(e)) { // what it leaves to a namespace, the caller reports once settled
          let cache = caches.get(e.ns);
          if (!cache) caches.set(e.ns, (cache = new Map()));
          const r = await removeRecorded(this.ctx.client(e.ns), e.rec, cache);
          if (r.outcome === 'skipped') report.skipped.push(`${e.what}: ${r.reason}`);
          else report[r.outcome].push(e.what);
        }
        if (e.seq !== undefined) this.journal.gone(e.seq);
      } catch (err) {
        report.failed.push({ what: e.what, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
  }
}

/** A collision key within one namespace. */
function keyOf(ns: Namespace, obj: CreatedObject): string {
  return `${ns.dev}:${ns.inode} ${collisionKey(obj)}`;
}

function notOurs(rec: Recorded, where: string): NetnestError {
  return new NetnestError('ERR_NOT_OURS',
    `${describeRecorded(rec)} in ${where} exists and was not created by this manager: replacing it would change what cleanup() ` +
    `cannot restore, so nothing was sent (change objects you do not own with a client from Rtnl.open(), which records nothing)`);
}
