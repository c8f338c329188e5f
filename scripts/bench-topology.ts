// Topology benchmark (issue 8, "Performance"): building and destroying the
// reference network (examples/reference.yaml) with netnest, and in the same
// run with the equivalent iproute2 commands — one `ip` process per object, as
// a shell script would, and the same commands fed to `ip -batch` processes —
// alternating, with medians; then a run of small fixture topologies as
// useTopology() builds them per test.
//
//   npm run bench:topology                         # 5 rounds, 300 fixture topologies
//   node dist/scripts/bench-topology.js --rounds 3 --tests 100 [FILE]
//   node dist/scripts/bench-topology.js --only network      # or --only tests
//
// As root. Nothing reaches the host: netnest builds inside a Sandbox (the
// process moves into a throwaway network namespace; the topology's named
// namespaces are <name>-<key> with a name unique to this run), and the ip
// forms build inside a throwaway world of their own (a network and mount
// namespace with its own /run/netns) that dies with this process.
import { fileURLToPath } from 'node:url';
import {
  Lab, loadTopology, Namespace, NamespaceManager, Sandbox, toIpBatch, toIpCommands, type TopologyModel, type TopologySpec,
} from '../src/index.js';
import { IpWorld } from './ip-world.js';
import { commandLine } from './command-line.js';

const args = commandLine({ values: ['rounds', 'tests', 'only'] });
const ROUNDS = args.number('rounds', 5);
const TESTS = args.number('tests', 300);
const only = args.value('only', ['network', 'tests']);
const file = args.positionals[0] ?? fileURLToPath(new URL('../../examples/reference.yaml', import.meta.url));

const now = (): number => performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** The spec under a name of this run's own (named namespaces are global). */
function ownModel(name: string): TopologyModel {
  const m = loadTopology(file);
  m.name = name;
  for (const ns of m.namespaces) if (ns.owned) ns.netnsName = `${name}-${ns.key}`;
  return m;
}

function counts(m: TopologyModel): string {
  const links = m.namespaces.flatMap((n) => [...n.links.values()]).filter((l) => l.origin === 'create');
  const sum = (f: (n: TopologyModel['namespaces'][number]) => number): number => m.namespaces.reduce((a, n) => a + f(n), 0);
  return `${m.namespaces.filter((n) => n.owned).length} namespaces, ${links.length} links (${links.filter((l) => l.kind === 'veth').length} veth pairs), ` +
    `${sum((n) => [...n.links.values()].reduce((a, l) => a + l.addresses.length, 0))} addresses, ${sum((n) => n.routes.length)} routes, ${sum((n) => n.rules.length)} rules`;
}

/**
 * A pause before each timed build. The kernel frees a deleted namespace's
 * devices in a worker after the deleting call returns (`ip netns del` returns at
 * once; netnest's destroy waits for it, see docs/namespaces.md): without the
 * pause that work lands in whichever build comes next.
 */
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, 750));

interface Times { build: number[]; destroy: number[] }

async function network(): Promise<void> {
  const model = ownModel(`nb${process.pid}`);
  console.log(`(a) ${file}: ${counts(model)}; ${ROUNDS} rounds, the four ways alternating`);
  const script = toIpCommands(model);
  const batch = toIpBatch(model);
  console.log(`    ip: ${script.build.length} commands to build, ${script.teardown.length} to tear down; ip -batch: ${batch.build.length} and ${batch.teardown.length} processes`);
  const t: Record<'netnest' | 'defer' | 'ip' | 'batch', Times> = {
    netnest: { build: [], destroy: [] }, defer: { build: [], destroy: [] }, ip: { build: [], destroy: [] }, batch: { build: [], destroy: [] },
  };
  const sandbox = await Sandbox.enter();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // netnest, destroy waiting until the kernel has freed what went with the
      // namespaces (the default), and leaving that to the kernel (useTopology's default)
      for (const [form, settle] of [['netnest', 'wait'], ['defer', 'defer']] as const) {
        await quiet();
        let t0 = now();
        const lab = await Lab.build(model, { manager: new NamespaceManager({ root: Namespace.current(), ephemeralRoot: true, settle }) });
        t[form].build.push(now() - t0);
        t0 = now();
        const report = await lab.manager.dispose();
        t[form].destroy.push(now() - t0);
        if (report.failed.length) throw new Error(`netnest destroy failed: ${report.failed.map((f) => f.error.message).join('; ')}`);
      }
      // ip, one process per object, and ip -batch: each in a world of its own.
      for (const [form, s] of [['ip', script], ['batch', batch]] as const) {
        const world = await IpWorld.open();
        try {
          await quiet();
          let t0 = now();
          world.apply(s.build);
          t[form].build.push(now() - t0);
          t0 = now();
          world.apply(s.teardown);
          t[form].destroy.push(now() - t0);
        } finally {
          await world.close();
        }
      }
    }
  } finally {
    await sandbox.exit();
  }
  const row = (what: string, x: Times): string => {
    const total = x.build.map((b, i) => b + x.destroy[i]!);
    return `    ${what.padEnd(34)} build ${fmt(median(x.build)).padStart(8)} (${range(x.build)})   destroy ${fmt(median(x.destroy)).padStart(8)} (${range(x.destroy)})   both ${fmt(median(total)).padStart(8)}`;
  };
  console.log(row('netnest (Lab.build, destroy)', t.netnest));
  console.log(row(`netnest, settle: 'defer'`, t.defer));
  console.log(row(`ip, one process per object`, t.ip));
  console.log(row(`ip -batch`, t.batch));
  const both = (x: Times): number => median(x.build.map((b, i) => b + x.destroy[i]!));
  const vsScript = both(t.ip) / both(t.netnest);
  const vsBatch = median(t.batch.build) / median(t.netnest.build);
  const deferVsScript = both(t.ip) / both(t.defer);
  console.log(`    build + destroy: netnest ${vsScript.toFixed(1)}× faster than the ip script, ${deferVsScript.toFixed(1)}× with settle: 'defer' (goal ≥ 20×: ${vsScript >= 20 ? 'met' : 'MISSED'})`);
  console.log(`    build: netnest ${vsBatch.toFixed(2)}× the speed of ip -batch (goal > 1×: ${vsBatch > 1 ? 'met' : 'MISSED'})`);
}

/** What a reference user's test builds: a namespace, a veth into it, addresses, 5 routes and 3 rules. */
const FIXTURE: TopologySpec = {
  name: `nf${process.pid}`,
  namespaces: {
    app: {
      links: { eth0: { addresses: ['10.200.0.2/30'] } },
      routes: [{ dst: 'default', gateway: '10.200.0.1' }, { dst: '10.201.0.0/24', type: 'blackhole', table: 100, count: 4 }],
      rules: [{ priority: 1000, fwmark: 1, table: 100, count: 3, step: { priority: 1, fwmark: 1 } }],
    },
  },
  current: { links: { nf0: { kind: 'veth', peer: 'app/eth0', addresses: ['10.200.0.1/30'] } } },
};

async function tests(): Promise<void> {
  console.log(`\n(b) ${TESTS} fixture topologies in sequence, as useTopology() builds and destroys them per test (a namespace, a veth into it, addresses, 5 routes, 3 rules)`);
  const sandbox = await Sandbox.enter();
  try {
    const t0 = now();
    for (let i = 0; i < TESTS; i++) {
      const m = new NamespaceManager({ root: Namespace.current(), ephemeralRoot: true, settle: 'defer' });
      await Lab.build(FIXTURE, { manager: m });
      const r = await m.dispose();
      if (r.failed.length) throw new Error(`destroy failed: ${r.failed.map((f) => f.error.message).join('; ')}`);
    }
    const ms = now() - t0;
    console.log(`    ${fmt(ms)} wall, ${(ms / TESTS).toFixed(1)} ms per test  ${ms < 6000 * (TESTS / 300) ? 'goal met' : 'GOAL MISSED'} (300 in < 6 s)`);
  } finally {
    await sandbox.exit();
  }
}

console.log(`netnest topology benchmark: node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
if (only !== 'tests') await network();
if (only !== 'network') await tests();
