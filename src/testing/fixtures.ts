// netnest/testing: the mocha fixtures, with no side effect on import.
// useNamespaces() gives each test its own NamespaceManager, useTopology()
// builds a topology around each test (or each describe()); both clean up
// after the test, even when it throws. Under the netnest/mocha plugin they
// work in the run's sandbox world; without it, in the namespace the process
// is in. The run's sandbox itself is entered only by the plugin
// (`mocha --require netnest/mocha`) or by calling enterSandbox().
import { checker, CLOSED, Type, type Static } from '../netlink/core/schema.js';
import { NamespaceManager, type CleanupReport, type CreateOptions } from '../netns/manager.js';
import { ManagerOptionsSchema } from '../netns/options.js';
import { LINK_KINDS, type LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import { Lab } from '../topology/lab.js';
import { loadTopology } from '../topology/load.js';
import { resolveTopology } from '../topology/model.js';
import type { TopologySpec } from '../topology/spec.js';
import { Namespace } from '../netns/namespace.js';
import { runtimeDirs } from '../netns/runtime.js';
import { inSandbox } from './run-sandbox.js';
import { enterTestWorld, type TestWorld } from './test-world.js';

export { enterSandbox, exitSandbox, sandbox } from './run-sandbox.js';

export const UseNamespacesOptionsSchema = Type.Object({
  ...Type.Omit(ManagerOptionsSchema, ['root', 'ephemeralRoot']).properties,
  /** Keep a failing test's namespaces named for inspection (default: NETNEST_KEEP=1 in the environment). */
  keep: Type.Optional(Type.Boolean()),
  /**
   * Under the netnest/mocha plugin, where each test runs. 'test' (default): in a
   * fresh world of its own, left when the test ends, so the next test finds
   * nothing the last one made. 'run': in the run's sandbox world, shared with
   * before() hooks and the other tests.
   */
  world: Type.Optional(Type.Enum(['test', 'run'])),
}, CLOSED);
export type UseNamespacesOptions = Static<typeof UseNamespacesOptionsSchema>;
const checkUseNamespacesOptions = checker(UseNamespacesOptionsSchema);

interface MochaThis {
  currentTest?: { state?: string; title: string; fullTitle(): string };
}

declare const beforeEach: (fn: (this: MochaThis) => void | Promise<void>) => void;
declare const afterEach: (fn: (this: MochaThis) => void | Promise<void>) => void;

/**
 * Call inside describe(): each test gets a fresh NamespaceManager rooted in
 * the namespace the test runs in, and everything it made is cleaned up after
 * the test, even when the test throws. Under the netnest/mocha plugin each test
 * runs in a fresh world of its own (a network namespace with lo up), left when
 * it ends: the next test finds its names free and nothing of the last one
 * (`world: 'run'` shares the run's sandbox world instead).
 *
 *   const nn = useNamespaces();
 *   it('...', async () => { const ns = nn().create(); const r = nn().rtnl(ns); ... });
 */
export function useNamespaces(opts: UseNamespacesOptions = {}): () => NamespaceManager {
  checkUseNamespacesOptions(opts, 'options');
  let manager: NamespaceManager | undefined;
  let world: TestWorld | undefined;
  const { keep: keepOpt, world: worldOpt, ...managerOpts } = opts;
  const keep = keepOpt ?? process.env.NETNEST_KEEP === '1';
  beforeEach(async () => {
    if (inSandbox() && worldOpt !== 'run') {
      world = await enterTestWorld(managerOpts);
      manager = world.manager;
    } else {
      manager = new NamespaceManager({ ...managerOpts, ...(inSandbox() && { root: Namespace.current(), ephemeralRoot: true }) });
    }
  });
  afterEach(async function () {
    const m = manager;
    const w = world;
    manager = undefined;
    world = undefined;
    if (!m) return;
    const test = this.currentTest;
    if (keep && test?.state === 'failed') {
      const names = m.keep();
      reportKept(`"${test.fullTitle()}"`, names);
    }
    const report: CleanupReport = await (w ? w.close() : m.dispose());
    const problems = [...report.failed.map((f) => `${f.what}: ${f.error.message}`), ...report.lingering.map((l) => `still present: ${l}`)];
    if (problems.length) throw new Error(`netnest: cleanup after "${test?.title}" was incomplete:\n  ${problems.join('\n  ')}`);
  });
  return () => {
    if (!manager) throw new Error('useNamespaces(): the manager exists only while a test runs');
    return manager;
  };
}

export const UseTopologyOptionsSchema = Type.Object({
  /** Keep a failing test's namespaces named for inspection (default: NETNEST_KEEP=1 in the environment). */
  keep: Type.Optional(Type.Boolean()),
  /** 'each' (default): a fresh topology for every test; 'all': one for the whole describe(). */
  per: Type.Optional(Type.Enum(['each', 'all'])),
  /** Kinds to make instead of ones the kernel lacks, added to the spec's: `{ dummy: 'ifb' }`. */
  substitute: Type.Optional(Type.Record(Type.String(), Type.Enum(LINK_KINDS))),
  /**
   * How destroying waits for veth ends in the current namespace that vanish
   * with the topology's namespaces (CleanupOptions.settle). Default 'defer':
   * they are renamed out of the way at once, so the next test can reuse every
   * name, and the kernel frees them in the background.
   */
  settle: Type.Optional(Type.Enum(['wait', 'defer'])),
}, CLOSED);
export type UseTopologyOptions = Static<typeof UseTopologyOptionsSchema>;
const checkUseTopologyOptions = checker(UseTopologyOptionsSchema);

declare const before: (fn: (this: MochaThis) => void | Promise<void>) => void;
declare const after: (fn: (this: MochaThis) => void | Promise<void>) => void;

/**
 * Call inside describe(): builds the topology (a spec object or a spec
 * file's path) before each test — or once for the describe() with
 * `per: 'all'` — in the namespace the test runs in (the sandbox world under
 * the netnest/mocha plugin), and destroys it afterwards, even when the test throws. The
 * spec is checked when useTopology() is called, so a bad spec fails the file
 * at once, with every problem.
 *
 *   const lab = useTopology('test/fixtures/small.yaml');
 *   it('...', async () => { const r1 = lab().ns('r1'); await r1.rtnl.route.list(); r1.run(() => ...); });
 */
export function useTopology(spec: TopologySpec | string, opts: UseTopologyOptions = {}): () => Lab {
  checkUseTopologyOptions(opts, 'options');
  const model = typeof spec === 'string' ? loadTopology(spec) : resolveTopology(spec);
  const keep = opts.keep ?? process.env.NETNEST_KEEP === '1';
  let lab: Lab | undefined;
  async function up(): Promise<void> {
    const manager = new NamespaceManager({ settle: opts.settle ?? 'defer', ...(inSandbox() && { root: Namespace.current(), ephemeralRoot: true }) });
    try {
      lab = await Lab.build(model, { manager, ...(opts.substitute && { substitute: opts.substitute as Record<string, LinkKind> }) });
    } catch (e) {
      await manager.dispose(); // the build removed what it made; the manager goes too
      throw e;
    }
  }
  async function down(this: MochaThis): Promise<void> {
    const l = lab;
    lab = undefined;
    if (!l) return;
    if (keep && this.currentTest?.state === 'failed') {
      const names = l.manager.keep();
      reportKept(`topology ${l.name} ("${this.currentTest.fullTitle()}")`, names);
    }
    const report = await l.manager.dispose();
    const problems = [...report.failed.map((f) => `${f.what}: ${f.error.message}`), ...report.lingering.map((x) => `still present: ${x}`)];
    if (problems.length) throw new Error(`netnest: destroying topology ${l.name} after "${this.currentTest?.title}" was incomplete:\n  ${problems.join('\n  ')}`);
  }
  if (opts.per === 'all') {
    before(up);
    after(down);
  } else {
    beforeEach(up);
    afterEach(down);
  }
  return () => {
    if (!lab) throw new Error(`useTopology(): topology ${model.name} exists only while ${opts.per === 'all' ? 'its describe() runs' : 'a test runs'}`);
    return lab;
  };
}

export type { CreateOptions };

/** Says how to enter the namespaces kept for a failed test (NETNEST_KEEP), and how to remove them. */
function reportKept(what: string, names: string[]): void {
  if (!names.length) return;
  const rootless = runtimeDirs().mode === 'rootless';
  console.error(`\nnetnest: kept the namespaces of ${what} for inspection${rootless ? ' until this run ends (without root they live in its user namespace)' : ''}:`);
  for (const n of names) {
    console.error(rootless
      ? `  nsenter --target=${process.pid} --user --mount --net --preserve-credentials ip netns exec ${n} bash`
      : `  ip netns exec ${n} bash     # or: nsenter --net=${runtimeDirs().netns}/${n}`);
  }
  console.error('  remove them with: netnest sweep --kept   (after this process has exited)\n');
}
