// The `netnest` command. Exit codes: 0 success, 1 a netnest (or kernel)
// error, 2 a usage error. bin/netnest.js and `npm run demo` both land here.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { NetnestError } from '../netlink/core/errors.js';
import { runtimeDirs } from '../netns/runtime.js';
import { netnestVersion } from '../version.js';
import { GRAPH_FORMATS, graphCommand, type GraphFormat } from './graph.js';
import { addListCommands, UsageError } from './list.js';
import { addBridgeCommands } from './bridge.js';
import { rootless } from './rootless.js';

// The commands that build, draw or sweep load their layers when they run: loading
// them all at startup cost every command (and every `netnest links`) 0.2 s.
const topology = (): Promise<typeof import('./topology.js')> => import('./topology.js');

const write = (s: string): void => { process.stdout.write(`${s}\n`); };


/** The command tree; `status` receives the exit status of commands that decide their own (demo, sweep). */
function program(status: { code: number }): Command {
  const p = new Command('netnest')
    .description('Inspect links, addresses, routes, rules, neighbours, nexthops and qdiscs through rtnetlink; build, verify, draw and remove topologies from spec files; sweep what crashed netnest processes left behind; run the netnest demo.')
    .version(netnestVersion(), '-V, --version', "print netnest's version")
    .exitOverride()
    .showHelpAfterError('(run netnest --help for usage)')
    .addHelpText('after', `
Exit status: 0 on success, 1 when netnest or the kernel reports an error
(printed as "netnest: <message>", naming the errno or the netnest error
code, e.g. ENODEV or ERR_INVALID_ARGUMENT), 2 for a usage error.
The commands act on the network namespace netnest runs in; "demo" never
changes it. "sweep" removes only what the journals of dead netnest
processes list (/run/netns names, objects they created).
Without root, demo and bench run in a user namespace of their own, and up
keeps its topology in your home (a user namespace held by a keeper
process) where verify, show, exec, down and sweep find it; the listing
commands read where they run. See docs/testing.md, "Without root".`);

  addListCommands(p, write);
  addBridgeCommands(p, write);
  addDemoCommand(p, status);
  addSweepCommand(p, status);
  addGraphCommand(p);
  addBenchCommand(p, status);
  addUpCommand(p, status);
  addDownCommand(p, status);
  addVerifyCommand(p, status);
  addShowCommand(p, status);
  addExecCommand(p, status);
  return p;
}

/** `netnest demo`: the reference network in a throwaway world. */
function addDemoCommand(p: Command, status: { code: number }): void {
  p.command('demo')
    .description('build the reference network (examples/reference.yaml) in a throwaway world, prove it carries TCP across three routers, verify it, draw it, remove it, and check the host is untouched')
    .addHelpText('after', `
Everything is created in anonymous network namespaces that only this process
holds; closing them at the end makes the kernel destroy them. In each
namespace the demo checks that 'ip -j' sees the links and addresses netnest
lists. It compares 'ip -j link' and 'ip -j addr' of the current namespace
before and after, and exits 1 if they differ or if ip disagreed.`)
    .action(async () => {
      await rootless('fresh', 'demo');
      status.code = await (await import('./demo.js')).demo(write);
    });
}

/** `netnest sweep`: what dead processes left behind, as their journals list it. */
function addSweepCommand(p: Command, status: { code: number }): void {
  p.command('sweep')
    .description('remove what dead netnest processes left behind (named namespaces, objects in namespaces they did not own), as their crash journals list it')
    .option('--dry-run', 'only print what would be removed; change nothing, delete no journal')
    .option('--kept', 'also remove namespaces kept on purpose for inspection (NETNEST_KEEP=1)')
    .option('--journal-dir <dir>', 'where the crash journals are', runtimeDirs().journals)
    .option('--json', 'print the report as JSON: journalDir, dryRun, removed, skipped, unknown, live, failed, journals')
    .addHelpText('after', `
A netnest process writes what would outlive it (a name in /run/netns, a
link or route in a namespace it does not own) to a journal before making
it. A journal names its process by pid and start time: the journals of
processes still running are never touched (a reused pid does not count as
alive). An object is removed when the kernel had confirmed creating it, or
when the process died before reading the answer and nothing like it existed
before the request; otherwise it is left alone and reported as unknown.
Each thing is checked before it is removed: a name that now points
elsewhere or means another namespace, or a link whose index changed, is
left alone and reported as skipped. A journal whose every entry is settled
is deleted.

Output lines: "removed" (or "would remove" with --dry-run), "skipped" with
the reason, "unknown", "live" for processes left alone, "failed" with the
error, "done" for each journal deleted, then a summary. Exit status 1 when
anything failed.`)
    .action(async (o: { dryRun?: boolean; kept?: boolean; journalDir: string; json?: boolean }) => {
      await rootless('home', 'sweep');
      status.code = await (await import('./sweep.js')).sweepCommand(o, write);
    });
}

/** `netnest bench routes|rules`: bulk-loading benchmarks in throwaway namespaces. */
function addBenchCommand(p: Command, status: { code: number }): void {
  const bench = p.command('bench').description('benchmark loading routes or rules into this kernel, in throwaway namespaces, against ip and pyroute2 in the same run');
  for (const kind of ['routes', 'rules'] as const) {
    const c = bench.command(kind)
      .description(`load, dump, ${kind === 'routes' ? 'replace, ' : ''}delete and tear down ${kind} with netnest (and --compare tools), one fresh namespace per tool per repetition`)
      .option('--sizes <list>', 'set sizes, each in turn: 10000, 10k, 1M', '10k')
      .option('--seed <n>', 'seed of the generated set (the same seed, the same set)', '1')
      .option('--tables <n>', 'tables to spread the items over (100, 101...)', '1')
      .option('--repeat <n>', 'repetitions of each size (medians with min-max)', '1')
      .option('--compare <tools>', 'tools to run beside netnest: ip, pyroute2 (one not installed is reported as skipped)')
      .option('--phases <list>', 'phases to measure (default all): load,dump,replace,delete,teardown')
      .option('--json', 'print the report as JSON (docs/benchmarks.md describes it)')
      .option('--plot <file.svg>', 'draw items/s against N for each tool and phase')
      .option('--against <file.json>', 'compare with an earlier --json report; exit status 1 on a regression beyond its spread');
    if (kind === 'routes') {
      c.option('--family <f>', '4, 6 or both', '4')
        .addOption(new Option('--shape <shape>', "prefix lengths as in the global table, or /24s and /64s").choices(['full-table', 'sequential']).default('full-table'))
        .option('--paths <k>', 'next hops per route (multipath when more than 1)', '1')
        .option('--from <file>', 'the prefixes of a file instead: ip route lines, an ip -batch file, or one prefix a line');
    }
    c.addHelpText('after', `
Every run happens in anonymous network namespaces this command creates and
lets go: the tables of the namespace it runs in are never touched. Without
root it runs in a user namespace of its own. Figures: items per second per phase (the warm-up is
run and discarded); ip's include its process start, pyroute2's exclude the
interpreter's start and imports. See docs/benchmarks.md.

Example: netnest bench routes --sizes 10k,100k --compare ip --plot routes.svg`)
      .action(async (o: Record<string, string | boolean | undefined>) => {
        await rootless('fresh', 'bench');
        const { benchCommand } = await import('./bench.js');
        status.code = await benchCommand(kind, { family: '4', shape: 'full-table', paths: '1', ...o } as never, write);
      });
  }
}

/** `netnest graph FILE`: a topology spec file drawn (reads the file only). */
function addGraphCommand(p: Command): void {
  p.command('graph')
    .description('draw a topology spec file as SVG, Graphviz DOT or a Mermaid flowchart (reads the file only: no namespace is made, no root needed)')
    .argument('<file>', 'a topology spec file (YAML or JSON; see docs/topology.md)')
    .option('-o, --output <out>', 'write the picture to this file instead of stdout')
    .addOption(new Option('--format <format>', 'what to write (default: from the extension of OUT, else svg)').choices(GRAPH_FORMATS))
    .addHelpText('after', `
Formats: svg (laid out by Graphviz's dot, built to WebAssembly and run inside
netnest: no Graphviz needs to be installed), dot (the Graphviz source, for
your own dot or an editor), mermaid (a "flowchart LR" for Markdown pages that
render Mermaid). Without --format, OUT's extension decides: .svg -> svg,
.dot or .gv -> dot, .mmd or .md -> mermaid; anything else, or no -o, svg.

The picture: a box per namespace, titled with its name (lab-r1, or current)
and, when it has them, its route, rule, nexthop and neighbour counts and
"ip_forward" / "ipv6 forwarding" when its sysctls turn forwarding on; a node
per link with its name, kind ("existing" for one the spec does not create)
and addresses, one a line; a thick line per veth pair, an arrow from each
port to its bridge (bond, vrf), a dashed arrow from a macvlan, vlan or vxlan
to its lower device. An invalid spec prints every problem with its place
and exits 1.

Example: netnest graph lab.yaml -o lab.svg`)
    .action(async (file: string, o: { output?: string; format?: GraphFormat }) => {
      await graphCommand(file, o, write);
    });
}

/** `netnest up FILE`: builds a topology and leaves it standing, or changes it to match. */
function addUpCommand(p: Command, status: { code: number }): void {
  p.command('up')
    .description('build a topology from a spec file and leave it standing (persistent namespaces); run again, change only what differs from the spec')
    .argument('<file>', 'a topology spec file (YAML or JSON; see docs/topology.md)')
    .option('--dry-run', 'print what would be built or changed; change nothing')
    .option('--substitute <kind=kind...>', "make a link kind this kernel lacks as another, visibly (e.g. dummy=ifb); adds to the spec's substitute:")
    .option('--json', 'print the result as JSON, and no progress')
    .option('--state-dir <dir>', 'where standing topologies are kept', runtimeDirs().topologies)
    .option('--journal-dir <dir>', 'where it journals what it makes until the topology is kept (what down sweeps should up crash)', runtimeDirs().journals)
    .addHelpText('after', `
The namespaces are named <topology>-<key> (lab-r1) and outlive the command,
like \`ip netns add\`: enter one with \`ip netns exec lab-r1 bash\` or
\`netnest exec lab r1 -- bash\`. What the spec adds to the current namespace
(a veth end, addresses, routes, sysctls) is recorded, and \`netnest down\`
removes it again, sysctls put back.

An invalid spec prints every problem with its place (namespaces.r1.routes[3].gateway)
and nothing is made. A failed step removes everything built so far and names
the spec's place, with the kernel's message.

Run again on a topology that stands, up changes only what differs: adds what
is missing, changes what differs (link mtu, state, master; sysctls), removes
from the topology's namespaces what the spec no longer names. With --dry-run
it prints that plan. Adding or removing whole namespaces needs a rebuild
(netnest down, then netnest up).

Example: netnest up examples/reference.yaml`)
    .action(async (file: string, o: { dryRun?: boolean; substitute?: string[]; json?: boolean; stateDir: string; journalDir: string }) => {
      await rootless(o.dryRun ? 'home' : 'new-home', 'up');
      const bar = o.json ? undefined : progress();
      try {
        status.code = await (await topology()).upCommand(file, { ...o, ...(bar && { onPhase: bar.phase }) }, write);
      } finally {
        bar?.stop();
      }
    });
}

/** `netnest down FILE|NAME`: removes a standing topology. */
function addDownCommand(p: Command, status: { code: number }): void {
  p.command('down')
    .description('remove a topology (by its spec file or its name), from any process, and whatever a crashed `up` of it left')
    .argument('<file|name>', 'the spec file it was built from, or its name')
    .option('--dry-run', 'print what would be removed; change nothing')
    .option('--json', 'print the report as JSON')
    .option('--state-dir <dir>', 'where standing topologies are kept', runtimeDirs().topologies)
    .option('--journal-dir <dir>', 'where the crash journals of a crashed up are', runtimeDirs().journals)
    .addHelpText('after', `
Everything is checked before it is removed (a name that now means another
namespace, a link whose index changed, a sysctl someone changed since: left
alone and reported). Idempotent: a topology that is not there is "nothing to
remove". Exit status 1 when something could not be removed.`)
    .action(async (target: string, o: { dryRun?: boolean; json?: boolean; stateDir: string; journalDir: string }) => {
      await rootless('home', 'down');
      status.code = await (await topology()).downCommand(target, o, write);
    });
}

/** `netnest verify FILE`: a standing topology against its spec file. */
function addVerifyCommand(p: Command, status: { code: number }): void {
  p.command('verify')
    .description("compare a standing topology with its spec file: one line per difference, with the spec's place; exit status 0 only when they match")
    .argument('<file>', 'the spec file')
    .option('--json', 'print { name, matches, differences: [{ path, change, what }] }')
    .addHelpText('after', `
Differences are "missing" (the spec has it, the kernel not), "different"
(link mtu, state, master or kind; a sysctl's value), and, in the topology's
own namespaces, "extra" (the kernel has it, the spec does not name it). In
the current namespace only what the spec names is looked at.`)
    .action(async (file: string, o: { json?: boolean }) => {
      await rootless('home', 'verify');
      status.code = await (await topology()).verifyCommand(file, o, write);
    });
}

/** `netnest show [NAME]`: the standing topologies. */
function addShowCommand(p: Command, status: { code: number }): void {
  p.command('show')
    .description('list the topologies standing here, with the command to enter each namespace')
    .argument('[name]', 'only this topology')
    .option('--json', 'print the list as JSON')
    .option('--state-dir <dir>', 'where standing topologies are kept', runtimeDirs().topologies)
    .action(async (name: string | undefined, o: { json?: boolean; stateDir: string }) => {
      await rootless('home', 'show');
      status.code = (await topology()).showCommand(name, o, write);
    });
}

/** `netnest exec NAME NS -- CMD`: a command inside a topology's namespace. */
function addExecCommand(p: Command, status: { code: number }): void {
  p.command('exec')
    .description("run a command inside a topology's namespace (like `ip netns exec NAME-NS CMD`); its exit status is netnest's")
    .argument('<name>', 'the topology')
    .argument('<ns>', "the namespace's key in the spec (r1), or current")
    .argument('<command...>', 'the command and its arguments, after --')
    .action(async (name: string, ns: string, command: string[]) => {
      await rootless('home', 'exec');
      status.code = (await topology()).execCommand(name, ns, command);
    });
}

/** A progress bar over a build's phases, on a terminal only (cli-progress). */
function progress(): { phase: (name: string) => void; stop: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({ format: 'building {bar} {phase}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(PHASES.length, 0, { phase: '' });
  let n = 0;
  return {
    phase: (name) => bar.update(Math.min(++n, PHASES.length), { phase: name }),
    stop: () => bar.stop(),
  };
}

/** The phases a build reports (src/topology/build.ts), in order: links come in three rounds, up states in three. */
const PHASES = ['namespaces', 'sysctl', 'links', 'links', 'links', 'masters', 'sysctl', 'up', 'up', 'up', 'addresses', 'qdiscs', 'neighbours', 'nexthops', 'routes', 'rules'];

/** Runs the command line (argv as process.argv: node, script, args...) and returns the exit status. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const status = { code: 0 };
  try {
    await program(status).parseAsync([...argv]);
    return status.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander printed the message or the help; asking for help is not an error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`netnest: ${e.message}\n(run netnest --help for usage)\n`);
      return 2;
    }
    if (e instanceof NetnestError) {
      // Kernel errors already name their errno; other codes are added so scripts can match them.
      process.stderr.write(`netnest: ${e.message}${e.message.includes(e.code) ? '' : ` (${e.code})`}\n`);
      return 1;
    }
    process.stderr.write(`netnest: unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}

/** Entry point of bin/netnest.js and of `node dist/src/cli/main.js`. */
export async function run(argv: readonly string[] = process.argv): Promise<void> {
  process.stdout.on('error', dropOutputOnceClosed);
  process.stderr.on('error', dropOutputOnceClosed);
  // exitCode, not exit(): stdout is flushed and idle sockets do not hold the process.
  process.exitCode = await main(argv);
}

/**
 * `netnest --help | head`: once the reader has gone (EPIPE), the rest of the output (or of
 * the messages on stderr) is dropped and the command runs to its end and exits with its own status, quietly. It is
 * not cut short: `up` or `down` stopped halfway would leave more to sweep.
 */
function dropOutputOnceClosed(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
}

/** True when node was started on this file (`node dist/src/cli/main.js`), not when it is imported. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) void run();
