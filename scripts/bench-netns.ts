// Namespace benchmark (issue 4, "Performance"): how fast NamespaceManager
// creates and destroys namespaces, against `ip netns add`/`ip netns del`, and
// how long a run of small fixture tests takes.
//
//   npm run bench:netns                  # 1,000 per netnest case, 100 with ip, 300 fixture tests
//   node dist/scripts/bench-netns.js --n 200 --ip-n 50 --tests 100
//   node dist/scripts/bench-netns.js --only tests      # or --only namespaces
//
// As root. The script first moves itself into a throwaway namespace
// (Sandbox.enter()), so its veth pairs, routes and rules never reach the
// host. Named namespaces are global: they are called nnbench-<pid>-<i> (and
// nnbench-ip-<pid>-<i> for the ip loop), each is removed by its exact name,
// and whatever a failure left is removed by exact name before exiting. The
// crash journals go to a directory of the run's own (printed; removed when
// empty): if the run is killed, `netnest sweep --journal-dir DIR` clears up.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAnonymousNetns, Namespace, NamespaceManager, namedNamespaces, Sandbox, type CleanupReport,
} from '../src/index.js';
import { commandLine } from './command-line.js';
import { enterTestWorld } from '../src/testing/test-world.js';
import { buildYardstick, nlbench } from './yardstick.js';

// ------------------------------------------------------------------ options

const args = commandLine({ values: ['n', 'ip-n', 'tests', 'batch', 'only', 'yardstick'] });
const N = args.number('n', 1000);
const IP_N = args.number('ip-n', 100);
const TESTS = args.number('tests', 300);
const BATCH = args.number('batch', 100);
const only = args.value('only', ['namespaces', 'tests']);

const pid = process.pid;
const journalDir = `/run/netnest-bench-${pid}`;
/** Every name this run may have made in /run/netns: whatever is left of them is removed at the end. */
const ourNames = new Set<string>();
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // Stop at the next step and clean up in `finally`, rather than die and leave names behind.
    stopping = true;
    console.error(`\n${sig}: stopping after the current step and cleaning up`);
  });
}

// ------------------------------------------------------------------ measuring

const now = (): number => performance.now();

/**
 * The kernel destroys a namespace asynchronously after its last reference
 * goes (cleanup_net on a workqueue). Before the next case, wait until the
 * net_namespace slab stops shrinking, so one case's backlog is not charged to
 * the next; the time it took is reported. Bounded; without /proc/slabinfo, a
 * fixed 300 ms.
 */
async function drain(): Promise<number> {
  const count = (): number | undefined => {
    try {
      const line = readFileSync('/proc/slabinfo', 'utf8').split('\n').find((l) => l.startsWith('net_namespace '));
      return line ? Number(line.split(/\s+/)[1]) : undefined;
    } catch {
      return undefined;
    }
  };
  const t = now();
  if (count() === undefined) {
    await sleep(300);
    return now() - t;
  }
  let last = count()!;
  let stableSince = now();
  while (now() - t < 10_000) {
    await sleep(10);
    const c = count()!;
    if (c < last) {
      last = c;
      stableSince = now();
    } else if (now() - stableSince >= 150) {
      break;
    }
  }
  // The 150 ms of "nothing more went" is the proof, not part of the kernel's work.
  return Math.max(0, now() - t - 150);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row {
  what: string;
  n: number;
  ms: number;
  drainMs: number;
}
const rows: Row[] = [];

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printRow(r: Row): void {
  console.log(`${r.what.padEnd(58)} ${String(r.n).padStart(5)}  ${fmt(r.ms).padStart(6)} ms  ${fmt(r.ms / r.n, 3).padStart(7)} ms/ns  ${fmt((r.n / r.ms) * 1000).padStart(6)} ns/s  (kernel drain after: ${fmt(r.drainMs)} ms)`);
}

async function measure(what: string, n: number, body: () => Promise<void> | void): Promise<Row> {
  const t = now();
  await body();
  const ms = now() - t;
  const row = { what, n, ms, drainMs: await drain() };
  rows.push(row);
  printRow(row);
  return row;
}

function checkReport(what: string, r: CleanupReport): void {
  const problems = [...r.failed.map((f) => `${f.what}: ${f.error.message}`), ...r.lingering.map((l) => `still present: ${l}`)];
  if (problems.length) throw new Error(`${what}: cleanup was incomplete:\n  ${problems.join('\n  ')}`);
}

function stopIfAsked(): void {
  if (stopping) throw new Error('interrupted');
}

// ------------------------------------------------------------------ (a) namespaces

let serial = 0;
function benchName(): string {
  const name = `nnbench-${pid}-${serial++}`;
  ourNames.add(name);
  return name;
}

type Mode = 'anonymous' | 'process-bound' | 'persistent';

function createOne(m: NamespaceManager, mode: Mode): Namespace {
  return mode === 'anonymous' ? m.create() : m.create({ name: benchName(), mode });
}

/** create, then cleanup(), n times: the honest cost of one namespace. */
async function oneAtATime(mode: Mode, n: number): Promise<void> {
  const m = new NamespaceManager({ journalDir });
  try {
    for (let i = 0; i < n; i++) {
      stopIfAsked();
      createOne(m, mode);
      checkReport(mode, await m.cleanup());
    }
  } finally {
    checkReport(mode, await m.dispose());
  }
}

/** create `batch`, then one cleanup(), until n. */
async function inBatches(mode: Mode, n: number, batch: number): Promise<void> {
  const m = new NamespaceManager({ journalDir });
  try {
    for (let done = 0; done < n; done += batch) {
      stopIfAsked();
      for (let i = 0; i < Math.min(batch, n - done); i++) createOne(m, mode);
      checkReport(mode, await m.cleanup());
    }
  } finally {
    checkReport(mode, await m.dispose());
  }
}

/** The same loop a shell script runs: ip netns add NAME; ip netns del NAME. */
function ipShellLoop(n: number): void {
  const prefix = `nnbench-ip-${pid}`;
  for (let i = 0; i < n; i++) ourNames.add(`${prefix}-${i}`);
  const script = `i=0; while [ $i -lt ${n} ]; do ip netns add ${prefix}-$i && ip netns del ${prefix}-$i || exit 1; i=$((i+1)); done`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip netns loop failed: ${r.stderr}`);
}

/** What a Node program pays to do it with ip: two child processes per namespace. */
function ipFromNode(n: number): void {
  for (let i = 0; i < n; i++) {
    stopIfAsked();
    const name = `nnbench-ip-${pid}-node-${i}`;
    ourNames.add(name);
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['netns', 'del', name]);
  }
}

async function namespaces(): Promise<void> {
  console.log('\n(a) create + destroy namespaces');
  console.log(`${'case'.padEnd(58)} ${'n'.padStart(5)}  ${'total'.padStart(9)}  ${'per ns'.padStart(13)}  ${'rate'.padStart(11)}`);
  await measure('unshare + close, no manager (the floor)', N, () => {
    for (let i = 0; i < N; i++) closeSync(createAnonymousNetns());
  });
  // The same floor from C, when the yardstick can be built: unshare, open the new namespace, setns back, close.
  const scratch = mkdtempSync(join(tmpdir(), 'netnest-bench-'));
  try {
    const yardstick = buildYardstick(scratch, args.value('yardstick'));
    if (yardstick.bin) {
      const r = nlbench(yardstick.bin, undefined, 'unshare', String(N));
      const row = { what: 'C yardstick: the same floor from C (nlbench unshare)', n: N, ms: Number(r.secs) * 1000, drainMs: await drain() };
      rows.push(row);
      printRow(row);
    } else {
      console.log(`C yardstick skipped: ${yardstick.why}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const anonOne = await measure('netnest anonymous, create + cleanup() one at a time', N, () => oneAtATime('anonymous', N));
  await measure(`netnest anonymous, ${BATCH} created then one cleanup()`, N, () => inBatches('anonymous', N, BATCH));
  const pbOne = await measure('netnest named process-bound, one at a time', N, () => oneAtATime('process-bound', N));
  await measure(`netnest named process-bound, batches of ${BATCH}`, N, () => inBatches('process-bound', N, BATCH));
  const persOne = await measure('netnest named persistent, one at a time', N, () => oneAtATime('persistent', N));
  await measure(`netnest named persistent, batches of ${BATCH}`, N, () => inBatches('persistent', N, BATCH));
  const ipSh = await measure('ip netns add + ip netns del (shell loop)', IP_N, () => ipShellLoop(IP_N));
  const ipNode = await measure('ip netns add + ip netns del (execFileSync from node)', IP_N, () => ipFromNode(IP_N));

  const per = (r: Row): number => r.ms / r.n;
  console.log('\nhow many times faster per namespace than ip (goal: at least 5x the ip loop)');
  console.log(`  ${'case'.padEnd(56)} ${'shell loop'.padStart(10)}  ${'from node'.padStart(9)}`);
  for (const r of [anonOne, pbOne, persOne]) {
    const x = per(ipSh) / per(r);
    const y = per(ipNode) / per(r);
    console.log(`  ${r.what.padEnd(56)} ${`${x.toFixed(1)}x`.padStart(10)}  ${`${y.toFixed(1)}x`.padStart(9)}  ${x >= 5 ? 'goal met' : 'goal missed against the shell loop'}`);
  }
}

// ------------------------------------------------------------------ (b) fixture tests

/**
 * One small fixture test, as useNamespaces() runs it under netnest/mocha: a
 * manager rooted in the current namespace, a namespace, a veth pair between
 * the two, an address at each end, 5 routes and 3 rules in the current
 * namespace, then cleanup. The same names every time, as tests reuse them:
 * cleanup must really be finished before the next test starts.
 */
async function fixtureTest(journalRoot: boolean, settle: 'wait' | 'defer' | 'world' = 'world'): Promise<void> {
  // 'world': what useNamespaces() does under netnest/mocha by default, a fresh world for the test.
  const world = settle === 'world' ? await enterTestWorld({ journalDir }) : undefined;
  const m = world?.manager ?? new NamespaceManager({ root: Namespace.current(), ephemeralRoot: !journalRoot, journalDir, settle: settle as 'wait' | 'defer' });
  try {
    const ns = m.create();
    const here = m.rtnl();
    const there = m.rtnl(ns);
    await here.link.add({ name: 'nnb0', kind: 'veth', up: true, peer: { name: 'eth0', netns: ns.fd, up: true } });
    await here.addr.add({ dev: 'nnb0', local: '10.200.0.1/30' });
    await there.addr.add({ dev: 'eth0', local: '10.200.0.2/30' });
    for (let k = 0; k < 5; k++) await here.route.add({ dst: `10.201.${k}.0/24`, gateway: '10.200.0.2', table: 100 });
    for (let k = 0; k < 3; k++) await here.rule.add({ priority: 1000 + k, fwmark: k + 1, table: 100 });
  } finally {
    checkReport('fixture test', await (world ? world.close() : m.dispose()));
  }
}

/** What the kernel alone takes to create and delete a veth pair across two namespaces (no manager). */
async function vethFloor(n: number): Promise<{ add: number; del: number }> {
  const here = Namespace.current();
  const r = here.rtnl();
  const adds: number[] = [];
  const dels: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const fd = createAnonymousNetns();
      try {
        let t = now();
        await r.link.add({ name: 'nnb0', kind: 'veth', up: true, peer: { name: 'eth0', netns: fd, up: true } });
        adds.push(now() - t);
        t = now();
        await r.link.del('nnb0');
        dels.push(now() - t);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    r.close();
    here.close();
  }
  const median = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { add: median(adds), del: median(dels) };
}

async function tests(): Promise<void> {
  console.log(`\n(b) ${TESTS} fixture tests in sequence (namespace, veth pair, 2 addresses, 5 routes, 3 rules, cleanup)`);
  const floor = await vethFloor(30);
  console.log(`  the kernel alone, median of 30: veth pair add ${fmt(floor.add, 2)} ms, RTM_DELLINK of it ${fmt(floor.del, 2)} ms (${fmt(floor.del * 300 / 1000, 1)} s for 300 tests)`);
  await drain();
  await fixtureTest(false); // warm-up: JIT and first-use costs
  const variants: [boolean, 'wait' | 'defer' | 'world', string][] = [
    [false, 'world', 'as useNamespaces() under netnest/mocha (a world per test)'],
    [false, 'defer', "world: 'run', settle: 'defer'"],
    [false, 'wait', "world: 'run', settle: 'wait'"],
    [true, 'wait', 'objects in the current namespace journaled (no sandbox)'],
  ];
  for (const [journalRoot, settle, label] of variants) {
    const t = now();
    for (let i = 0; i < TESTS; i++) {
      stopIfAsked();
      await fixtureTest(journalRoot, settle);
    }
    const ms = now() - t;
    const drainMs = await drain();
    console.log(`  ${label.padEnd(56)} ${fmt(ms / 1000, 2)} s wall, ${fmt(ms / TESTS, 2)} ms per test (kernel drain after: ${fmt(drainMs)} ms)  ${ms < 6000 * (TESTS / 300) ? 'goal met' : 'GOAL MISSED'} (300 in < 6 s)`);
  }
  // Nothing of them is left in the current namespace.
  const here = Namespace.current();
  const probe = here.rtnl();
  try {
    // Links a deferred cleanup renamed go with their namespaces: give the kernel its bounded time.
    let links = (await probe.link.list()).map((l) => l.name);
    for (const until = now() + 5000; links.join() !== 'lo' && now() < until; links = (await probe.link.list()).map((l) => l.name)) await sleep(10);
    const routes = await probe.route.list({ table: 100 });
    const rules = (await probe.rule.list()).filter((r) => r.priority !== undefined && r.priority >= 1000 && r.priority < 1003);
    if (links.join() !== 'lo' || routes.length || rules.length) {
      throw new Error(`fixture tests left something behind: links ${links.join(', ')}; ${routes.length} routes in table 100; ${rules.length} rules`);
    }
  } finally {
    probe.close();
    here.close();
  }
}

// ------------------------------------------------------------------ run

/** Removes what is left of our names, each by its exact name. */
function removeOurNames(): string[] {
  const left = namedNamespaces().filter((n) => ourNames.has(n));
  for (const name of left) {
    const path = `/run/netns/${name}`;
    try {
      if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
      else execFileSync('ip', ['netns', 'del', name]);
    } catch (e) {
      console.error(`could not remove ${path}: ${(e as Error).message}`);
    }
  }
  return left;
}

const namesBefore = namedNamespaces();
console.log(`netnest namespace benchmark: node ${process.version}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} CPUs`);
console.log(`crash journals in ${journalDir} (if this run is killed: netnest sweep --journal-dir ${journalDir})`);
const sandbox = await Sandbox.enter({ journalDir });
let failed = false;
try {
  if (only !== 'tests') await namespaces();
  if (only !== 'namespaces' && !stopping) await tests();
} catch (e) {
  failed = true;
  if (stopping) console.error('interrupted: cleaning up');
  else console.error(`\nbenchmark failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
} finally {
  const left = removeOurNames();
  if (left.length) {
    failed = true;
    console.error(`removed names a failure left behind: ${left.join(', ')}`);
  }
  const exit = await sandbox.exit();
  for (const f of exit.cleanup.failed) {
    failed = true;
    console.error(`sandbox cleanup: ${f.what}: ${f.error.message}`);
  }
  try {
    rmdirSync(journalDir); // only when empty: a journal left means something was not settled
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      failed = true;
      console.error(`journals left in ${journalDir}: ${readdirSync(journalDir).join(', ')}`);
    }
  }
  const namesAfter = namedNamespaces();
  if (namesAfter.join() !== namesBefore.join()) {
    // Others may add or remove names meanwhile (the directory is global); ours are gone either way.
    console.log(`note: /run/netns changed during the run (not by this run): before [${namesBefore.join(', ')}], after [${namesAfter.join(', ')}]`);
  }
}
process.exitCode = failed || stopping ? 1 : 0;
