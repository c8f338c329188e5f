// A built topology: its namespaces by the spec's keys, each with a handle, a
// client and ways to run code inside; verify() compares the kernel with the
// spec; destroy() removes everything it made, and nothing else.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { NetnestError } from '../netlink/core/errors.js';
import type { Link } from '../netlink/rtnl/link/codec.js';
import type { LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import { NamespaceManager, type CleanupReport } from '../netns/manager.js';
import { emptyCleanupReport } from '../netns/report.js';
import type { Namespace } from '../netns/namespace.js';
import { Builder, TopologyBuildError, type BuildReport, type Built } from './build.js';
import { loadTopology } from './load.js';
import { resolveTopology, type TopologyModel } from './model.js';
import type { TopologySpec } from './spec.js';
import { applyTopology, type Change } from './apply.js';
import { verifyTopology, type Difference, type VerifiedNamespace } from './verify.js';

export interface BuildOptions {
  /**
   * The manager to build through (its root is the spec's `current`). Default:
   * a new one, rooted where the caller is, that the lab disposes of.
   */
  manager?: NamespaceManager;
  /** Namespaces outlive the process (overrides the spec's `persistent`). */
  persistent?: boolean;
  /** Kinds to make instead of ones the kernel lacks, added to the spec's: `{ dummy: 'ifb' }`. */
  substitute?: Partial<Record<LinkKind, LinkKind>>;
  /** Told as each phase starts (namespaces, links, masters, sysctl, up, addresses, neighbours, nexthops, routes, rules). */
  onPhase?: (phase: string) => void;
}

/** One namespace of a lab. */
export interface LabNamespace {
  /** The spec's key: 'r1', or 'current'. */
  readonly key: string;
  /** `lab-r1` (what `ip netns exec` takes); undefined for 'current'. */
  readonly name: string | undefined;
  readonly namespace: Namespace;
  /** A client bound to the namespace (the lab's manager's: what it creates in 'current' is removed by destroy()). */
  readonly rtnl: Rtnl;
  /** Runs a synchronous function with the thread in the namespace. */
  run<T>(fn: () => T): T;
  /** Starts a process inside the namespace. */
  spawn(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
}

export class Lab {
  readonly name: string;
  /** The spec as resolved; apply() moves it on. */
  model: TopologyModel;
  private readonly namespaces = new Map<string, LabNamespace>();
  private destroyed = false;

  private constructor(
    model: TopologyModel,
    readonly manager: NamespaceManager,
    private readonly ownsManager: boolean,
    built: Map<string, Built>,
    readonly report: BuildReport,
  ) {
    this.name = model.name;
    this.model = model;
    for (const [key, b] of built) {
      this.namespaces.set(key, {
        key, name: b.model.netnsName, namespace: b.ns, rtnl: b.rtnl,
        run: (fn) => b.ns.run(fn), spawn: (cmd, args = [], opts = {}) => b.ns.spawn(cmd, args, opts),
      });
    }
  }

  /**
   * Builds a topology: a spec object, a resolved model, or a spec file's path.
   * Invalid specs fail with TopologyError (every problem) before anything is
   * made; a failed step removes everything built so far and fails with
   * TopologyBuildError naming the spec's place.
   */
  static async build(spec: TopologySpec | TopologyModel | string, opts: BuildOptions = {}): Promise<Lab> {
    const model = typeof spec === 'string' ? loadTopology(spec) : isModel(spec) ? spec : resolveTopology(spec);
    if (opts.persistent !== undefined) for (const ns of model.namespaces) if (ns.owned) ns.persistent = opts.persistent;
    const m = opts.manager ?? new NamespaceManager();
    const builder = new Builder(model, m, { ...model.substitute, ...opts.substitute });
    try {
      await builder.build(opts.onPhase);
    } catch (e) {
      const rollback = opts.manager ? await m.cleanup() : await m.dispose();
      if (e instanceof TopologyBuildError) e.rollback = rollback;
      throw e;
    }
    return new Lab(model, m, !opts.manager, builder.built, builder.report);
  }

  /** A namespace by the spec's key ('r1', 'current'). */
  ns(key: string): LabNamespace {
    const n = this.namespaces.get(key);
    if (!n) throw new NetnestError('ERR_TOPOLOGY_UNKNOWN', `no namespace '${key}' in topology ${this.name} (${[...this.namespaces.keys()].join(', ')})`);
    return n;
  }

  /** The link as the kernel has it now. */
  link(nsKey: string, name: string): Promise<Link> {
    return this.ns(nsKey).rtnl.link.get(name);
  }

  /** Every difference between the kernel and the spec (empty: they match). */
  verify(): Promise<Difference[]> {
    return verifyTopology(this.model, this.live());
  }

  /**
   * Brings the running lab to a spec (this one when none is given, or an
   * edited one of the same name): changes only what differs — adds what is
   * missing, changes what differs, removes from the lab's own namespaces what
   * the spec no longer names — and returns what it changed. `dryRun` only
   * says what it would change.
   */
  async apply(spec?: TopologySpec | TopologyModel | string, opts: { dryRun?: boolean } = {}): Promise<Change[]> {
    const model = spec === undefined ? this.model : typeof spec === 'string' ? loadTopology(spec) : isModel(spec) ? spec : resolveTopology(spec);
    if (model.name !== this.name) throw new NetnestError('ERR_TOPOLOGY_CHANGE', `the spec names topology ${model.name}, this lab is ${this.name}`);
    const changes = await applyTopology(model, this.live(), { ...opts, manager: this.manager });
    if (!opts.dryRun) this.model = model;
    return changes;
  }

  private live(): VerifiedNamespace[] {
    return [...this.namespaces.values()].map((n) => ({ key: n.key, rtnl: n.rtnl, namespace: n.namespace }));
  }

  /** Removes everything the lab made — its namespaces, what it added to 'current', sysctls put back. Idempotent. */
  async destroy(): Promise<CleanupReport> {
    if (this.destroyed) return this.ownsManager ? emptyCleanupReport() : this.manager.cleanup();
    this.destroyed = true;
    return this.ownsManager ? this.manager.dispose() : this.manager.cleanup();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

function isModel(x: TopologySpec | TopologyModel): x is TopologyModel {
  return Array.isArray((x as TopologyModel).namespaces);
}

