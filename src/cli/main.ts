// The `netnest` command. Exit codes: 0 success, 1 a netnest (or kernel)
// error, 2 a usage error. bin/netnest.js and `npm run demo` both land here.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { NetnestError } from '../netlink/core/errors.js';
import type { Family } from '../netlink/rtnl/inet.js';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { JOURNAL_DIR } from '../netns/journal.js';
import { GRAPH_FORMATS, graphCommand, type GraphFormat } from './graph.js';
import { TOPOLOGY_DIR } from '../topology/dirs.js';
import { Presets, SingleBar } from 'cli-progress';
import {
  addrsTable, hiddenByIp, linkNames, linksTable, namedNeighs, namedNexthops, namedRoutes, neighTable, nexthopsTable,
  routesTable, rulesTable, toJson, withDevNames,
} from './format.js';

// The commands that build, draw or sweep load their layers when they run: loading
// them all at startup cost every command (and every `netnest links`) 0.2 s.
const topology = (): Promise<typeof import('./topology.js')> => import('./topology.js');

/** Thrown for bad command lines that commander itself cannot see (e.g. `addrs dev` without a name). */
class UsageError extends Error {}

const write = (s: string): void => { process.stdout.write(`${s}\n`); };

async function withClient<T>(fn: (rtnl: Rtnl) => Promise<T>): Promise<T> {
  const rtnl = Rtnl.open();
  try {
    return await fn(rtnl);
  } finally {
    rtnl.close();
  }
}

async function links(opts: { json?: boolean; details?: boolean }): Promise<void> {
  const list = await withClient((rtnl) => rtnl.link.list());
  if (opts.json) {
    // Raw attributes netnest does not interpret are noise unless asked for.
    write(toJson(opts.details ? list : list.map(({ unknown: _u, ...l }) => l)));
  } else {
    write(linksTable(list, opts.details));
  }
}

/** `addrs [dev] NAME`: `ip addr show dev NAME` takes the keyword, `ip addr show NAME` does not need it. */
function devFromWords(words: string[], option: string | undefined): string | undefined {
  const w = words[0] === 'dev' ? words.slice(1) : words;
  if (words[0] === 'dev' && w.length === 0) throw new UsageError("'dev' needs a link name");
  if (w.length > 1) throw new UsageError(`unexpected arguments: ${w.slice(1).join(' ')}`);
  if (w.length === 1 && option !== undefined && option !== w[0]) throw new UsageError(`two links given: --dev ${option} and ${w[0]}`);
  return w[0] ?? option;
}

async function addrs(words: string[], opts: { json?: boolean; dev?: string; family?: Family }): Promise<void> {
  const dev = devFromWords(words, opts.dev);
  const [list, all] = await withClient(async (rtnl) => {
    const filter = { ...(opts.family !== undefined && { family: opts.family }), ...(dev !== undefined && { dev }) };
    return [await rtnl.addr.list(filter), await rtnl.link.list()] as const;
  });
  const named = withDevNames(list, all);
  write(opts.json ? toJson(named.map(({ unknown: _u, ...a }) => a)) : addrsTable(named));
}

type FamilyFlags = { 4?: boolean; 6?: boolean };

function familyOf(o: FamilyFlags): Family | undefined {
  return o[4] ? 4 : o[6] ? 6 : undefined;
}

async function routes(opts: FamilyFlags & { json?: boolean; table?: string; protocol?: string; dev?: string }): Promise<void> {
  const family = familyOf(opts);
  const [list, links] = await withClient(async (rtnl) => [
    await rtnl.route.list({
      ...(family !== undefined && { family }), ...(opts.table !== undefined && { table: opts.table }),
      ...(opts.protocol !== undefined && { protocol: opts.protocol }), ...(opts.dev !== undefined && { dev: opts.dev }),
    }),
    await rtnl.link.list(),
  ] as const);
  const named = namedRoutes(list, linkNames(links));
  write(opts.json ? toJson(named) : routesTable(named));
}

async function rules(opts: FamilyFlags & { json?: boolean }): Promise<void> {
  const family = familyOf(opts);
  const list = await withClient((rtnl) => rtnl.rule.list(family === undefined ? {} : { family }));
  write(opts.json ? toJson(list.map(({ unknown: _u, ...r }) => r)) : rulesTable(list));
}

async function neigh(opts: FamilyFlags & { json?: boolean; dev?: string; proxy?: boolean; all?: boolean }): Promise<void> {
  const family = familyOf(opts);
  const [list, links] = await withClient(async (rtnl) => [
    await rtnl.neigh.list({
      ...(family !== undefined && { family }), ...(opts.dev !== undefined && { dev: opts.dev }), ...(opts.proxy && { proxy: true }),
    }),
    await rtnl.link.list(),
  ] as const);
  const named = namedNeighs(opts.all ? list : list.filter((n) => !hiddenByIp(n)), linkNames(links));
  write(opts.json ? toJson(named) : neighTable(named));
}

async function nexthops(opts: { json?: boolean }): Promise<void> {
  const [list, links] = await withClient(async (rtnl) => [await rtnl.nexthop.list(), await rtnl.link.list()] as const);
  const named = namedNexthops(list, linkNames(links));
  write(opts.json ? toJson(named) : nexthopsTable(named));
}

/** -4 / -6, mutually exclusive, as ip takes them. */
function familyOptions(cmd: Command, what: string): Command {
  return cmd
    .addOption(new Option('-4', `IPv4 ${what} only`).conflicts('6'))
    .addOption(new Option('-6', `IPv6 ${what} only`));
}

/** netnest's version, from the package.json of the copy that runs (three folders above dist/src/cli/main.js). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command tree; `status` receives the exit status of commands that decide their own (demo, sweep). */
function program(status: { code: number }): Command {
  const p = new Command('netnest')
    .description('Inspect links, addresses, routes, rules, neighbours and nexthops through rtnetlink; build, verify, draw and remove topologies from spec files; sweep what crashed netnest processes left behind; run the netnest demo.')
    .version(packageVersion(), '-V, --version', "print netnest's version")
    .exitOverride()
    .showHelpAfterError('(run netnest --help for usage)')
    .addHelpText('after', `
Exit status: 0 on success, 1 when netnest or the kernel reports an error
(printed as "netnest: <message>", naming the errno or the netnest error
code, e.g. ENODEV or ERR_INVALID_ARGUMENT), 2 for a usage error.
The commands act on the network namespace netnest runs in; "demo" never
changes it. "sweep" removes only what the journals of dead netnest
processes list (/run/netns names, objects they created).`);

  p.command('links')
    .description("list the links of the current namespace (like 'ip link show')")
    .option('--json', 'print the Link objects as JSON (names as netnest\'s Link type: index, name, up, mtu, ...)')
    .option('-d, --details', 'table: add operstate, flags, qdisc, txqueuelen, alias and kind data; JSON: keep undecoded attributes (hex)')
    .addHelpText('after', `
Table columns: index, name, state (UP/DOWN: administratively up), mtu,
address, master (name), kind, link (the parent or veth peer; "ifN (netnsid M)"
when it lives in another namespace).`)
    .action(links);

  p.command('addrs')
    .description("list IPv4 and IPv6 addresses (like 'ip addr show [dev NAME]')")
    .argument('[dev-name...]', 'only addresses of this link: "dev NAME" or just "NAME"')
    .option('--json', 'print the Address objects as JSON, each with "dev" (the link name) added')
    .addOption(new Option('-4', 'IPv4 addresses only').conflicts('6'))
    .addOption(new Option('-6', 'IPv6 addresses only'))
    .option('--dev <name>', 'only addresses of this link')
    .addHelpText('after', `
Table columns: dev, family (inet/inet6), address (local/prefixlen, or
"local peer peer/prefixlen"), scope, flags, label, valid_lft and
preferred_lft ("forever" or "Nsec").`)
    .action(async (words: string[], o: { json?: boolean; dev?: string; 4?: boolean; 6?: boolean }) => {
      const family: Family | undefined = o[4] ? 4 : o[6] ? 6 : undefined;
      await addrs(words, { ...(o.json && { json: true }), ...(o.dev !== undefined && { dev: o.dev }), ...(family && { family }) });
    });

  familyOptions(p.command('routes'), 'routes')
    .description("list routes (like 'ip route show [table T]'; both families unless -4 or -6)")
    .option('--table <id|name|all>', "routing table: a number, a name from /etc/iproute2/rt_tables, or 'all'", 'main')
    .option('--protocol <p>', 'only routes installed by this protocol (number or rt_protos name: kernel, boot, static, bird...)')
    .option('--dev <name>', 'only routes through this link (its output device, or one of its paths)')
    .option('--json', 'print the Route objects as JSON, with "dev" (the name of oif) added, also in each nexthop')
    .addHelpText('after', `
Table columns: dst ("from SRC" added for source-specific routes), via (the
gateway; "inet6 ADDR" for an IPv6 gateway of an IPv4 route), dev, proto,
scope, metric, table (name or id), type, prefsrc (ip's "src"), nhid (the
nexthop object used) and flags. Each path of a multipath route follows on a
line of its own: "  nexthop via GW dev DEV weight W".`)
    .action(routes);

  familyOptions(p.command('rules'), 'rules')
    .description("list policy routing rules (like 'ip rule show'; both families unless -4 or -6)")
    .option('--json', 'print the Rule objects as JSON')
    .addHelpText('after', `
Table columns: priority, family (inet/inet6), selector (as ip prints it: not,
from, to, tos, fwmark/mask, iif, oif, uidrange, ipproto, sport, dport,
tun_id), action (lookup TABLE, goto PRIORITY, nop, blackhole, unreachable,
prohibit; then suppress_prefixlength, suppress_ifgroup, realms) and proto.`)
    .action(rules);

  familyOptions(p.command('neigh'), 'entries')
    .description("list ARP and NDP neighbour entries (like 'ip neigh show')")
    .option('--dev <name>', 'only entries of this link')
    .option('--proxy', "only proxy entries (like 'ip neigh show proxy')")
    .option('--all', "also entries 'ip neigh' hides: NOARP and NONE ones such as IPv6 multicast mappings (like 'nud all')")
    .option('--json', 'print the Neigh objects as JSON, each with "dev" (the link name) added')
    .addHelpText('after', `
Table columns: dst, dev, lladdr, state (NUD states: PERMANENT, REACHABLE,
STALE...) and flags (router, proxy, extern_learn...).`)
    .action(neigh);

  p.command('nexthops')
    .description("list nexthop objects (like 'ip nexthop show')")
    .option('--json', 'print the Nexthop objects as JSON, with "dev" (the name of oif) added')
    .addHelpText('after', `
Table columns: id, via (gateway), dev, group (members as ip writes them:
ID[,WEIGHT] joined by "/"), type (mpath, or resilient with its buckets),
blackhole, scope, proto and flags (onlink, dead, linkdown, fdb...).`)
    .action(nexthops);

  p.command('demo')
    .description('build the reference network (examples/reference.yaml) in a throwaway world, prove it carries TCP across three routers, verify it, draw it, remove it, and check the host is untouched')
    .addHelpText('after', `
Everything is created in anonymous network namespaces that only this process
holds; closing them at the end makes the kernel destroy them. In each
namespace the demo checks that 'ip -j' sees the links and addresses netnest
lists. It compares 'ip -j link' and 'ip -j addr' of the current namespace
before and after, and exits 1 if they differ or if ip disagreed.`)
    .action(async () => {
      status.code = await (await import('./demo.js')).demo(write);
    });

  p.command('sweep')
    .description('remove what dead netnest processes left behind (named namespaces, objects in namespaces they did not own), as their crash journals list it')
    .option('--dry-run', 'only print what would be removed; change nothing, delete no journal')
    .option('--kept', 'also remove namespaces kept on purpose for inspection (NETNEST_KEEP=1)')
    .option('--journal-dir <dir>', 'where the crash journals are', JOURNAL_DIR)
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
      status.code = await (await import('./sweep.js')).sweepCommand(o, write);
    });

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

  p.command('up')
    .description('build a topology from a spec file and leave it standing (persistent namespaces); run again, change only what differs from the spec')
    .argument('<file>', 'a topology spec file (YAML or JSON; see docs/topology.md)')
    .option('--dry-run', 'print what would be built or changed; change nothing')
    .option('--substitute <kind=kind...>', "make a link kind this kernel lacks as another, visibly (e.g. dummy=ifb); adds to the spec's substitute:")
    .option('--json', 'print the result as JSON, and no progress')
    .option('--state-dir <dir>', 'where standing topologies are kept', TOPOLOGY_DIR)
    .option('--journal-dir <dir>', 'where it journals what it makes until the topology is kept (what down sweeps should up crash)', JOURNAL_DIR)
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
      const bar = o.json ? undefined : progress();
      try {
        status.code = await (await topology()).upCommand(file, { ...o, ...(bar && { onPhase: bar.phase }) }, write);
      } finally {
        bar?.stop();
      }
    });

  p.command('down')
    .description('remove a topology (by its spec file or its name), from any process, and whatever a crashed `up` of it left')
    .argument('<file|name>', 'the spec file it was built from, or its name')
    .option('--dry-run', 'print what would be removed; change nothing')
    .option('--json', 'print the report as JSON')
    .option('--state-dir <dir>', 'where standing topologies are kept', TOPOLOGY_DIR)
    .option('--journal-dir <dir>', 'where the crash journals of a crashed up are', JOURNAL_DIR)
    .addHelpText('after', `
Everything is checked before it is removed (a name that now means another
namespace, a link whose index changed, a sysctl someone changed since: left
alone and reported). Idempotent: a topology that is not there is "nothing to
remove". Exit status 1 when something could not be removed.`)
    .action(async (target: string, o: { dryRun?: boolean; json?: boolean; stateDir: string; journalDir: string }) => {
      status.code = await (await topology()).downCommand(target, o, write);
    });

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
      status.code = await (await topology()).verifyCommand(file, o, write);
    });

  p.command('show')
    .description('list the topologies standing here, with the command to enter each namespace')
    .argument('[name]', 'only this topology')
    .option('--json', 'print the list as JSON')
    .option('--state-dir <dir>', 'where standing topologies are kept', TOPOLOGY_DIR)
    .action(async (name: string | undefined, o: { json?: boolean; stateDir: string }) => {
      status.code = (await topology()).showCommand(name, o, write);
    });

  p.command('exec')
    .description("run a command inside a topology's namespace (like `ip netns exec NAME-NS CMD`); its exit status is netnest's")
    .argument('<name>', 'the topology')
    .argument('<ns>', "the namespace's key in the spec (r1), or current")
    .argument('<command...>', 'the command and its arguments, after --')
    .action(async (name: string, ns: string, command: string[]) => {
      status.code = (await topology()).execCommand(name, ns, command);
    });
  return p;
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
const PHASES = ['namespaces', 'sysctl', 'links', 'links', 'links', 'masters', 'sysctl', 'up', 'up', 'up', 'addresses', 'neighbours', 'nexthops', 'routes', 'rules'];

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
