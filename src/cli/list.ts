// The listing commands, like `ip ... show`: links, addrs, routes, rules, neigh,
// nexthops, and qdiscs (like `tc qdisc show`). Each reads the current namespace
// through one client and prints a table (format.ts) or, with --json, the objects.
import { type Command, Option } from 'commander';
import type { Family } from '../netlink/rtnl/inet.js';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import {
  addrsTable, hiddenByIp, linkNames, linksTable, namedNeighs, namedNexthops, namedQdiscs, namedRoutes, neighTable, nexthopsTable,
  qdiscsTable, routesTable, rulesTable, toJson, withDevNames,
} from './format.js';

/** Thrown for bad command lines that commander itself cannot see (e.g. `addrs dev` without a name). */
export class UsageError extends Error {}

async function withClient<T>(fn: (rtnl: Rtnl) => Promise<T>): Promise<T> {
  const rtnl = Rtnl.open();
  try {
    return await fn(rtnl);
  } finally {
    rtnl.close();
  }
}

async function links(opts: { json?: boolean; details?: boolean }): Promise<string> {
  const list = await withClient((rtnl) => rtnl.link.list());
  // Raw attributes netnest does not interpret are noise unless asked for.
  if (opts.json) return toJson(opts.details ? list : list.map(({ unknown: _u, ...l }) => l));
  return linksTable(list, opts.details);
}

/** `addrs [dev] NAME`: `ip addr show dev NAME` takes the keyword, `ip addr show NAME` does not need it. */
function devFromWords(words: string[], option: string | undefined): string | undefined {
  const w = words[0] === 'dev' ? words.slice(1) : words;
  if (words[0] === 'dev' && w.length === 0) throw new UsageError("'dev' needs a link name");
  if (w.length > 1) throw new UsageError(`unexpected arguments: ${w.slice(1).join(' ')}`);
  if (w.length === 1 && option !== undefined && option !== w[0]) throw new UsageError(`two links given: --dev ${option} and ${w[0]}`);
  return w[0] ?? option;
}

async function addrs(words: string[], opts: { json?: boolean; dev?: string; family?: Family }): Promise<string> {
  const dev = devFromWords(words, opts.dev);
  const [list, all] = await withClient(async (rtnl) => {
    const filter = { ...(opts.family !== undefined && { family: opts.family }), ...(dev !== undefined && { dev }) };
    return [await rtnl.addr.list(filter), await rtnl.link.list()] as const;
  });
  const named = withDevNames(list, all);
  return opts.json ? toJson(named.map(({ unknown: _u, ...a }) => a)) : addrsTable(named);
}

type FamilyFlags = { 4?: boolean; 6?: boolean };

function familyOf(o: FamilyFlags): Family | undefined {
  return o[4] ? 4 : o[6] ? 6 : undefined;
}

async function routes(opts: FamilyFlags & { json?: boolean; table?: string; protocol?: string; dev?: string }): Promise<string> {
  const family = familyOf(opts);
  const [list, links] = await withClient(async (rtnl) => [
    await rtnl.route.list({
      ...(family !== undefined && { family }), ...(opts.table !== undefined && { table: opts.table }),
      ...(opts.protocol !== undefined && { protocol: opts.protocol }), ...(opts.dev !== undefined && { dev: opts.dev }),
    }),
    await rtnl.link.list(),
  ] as const);
  const named = namedRoutes(list, linkNames(links));
  return opts.json ? toJson(named) : routesTable(named);
}

async function rules(opts: FamilyFlags & { json?: boolean }): Promise<string> {
  const family = familyOf(opts);
  const list = await withClient((rtnl) => rtnl.rule.list(family === undefined ? {} : { family }));
  return opts.json ? toJson(list.map(({ unknown: _u, ...r }) => r)) : rulesTable(list);
}

async function neigh(opts: FamilyFlags & { json?: boolean; dev?: string; proxy?: boolean; all?: boolean }): Promise<string> {
  const family = familyOf(opts);
  const [list, links] = await withClient(async (rtnl) => [
    await rtnl.neigh.list({
      ...(family !== undefined && { family }), ...(opts.dev !== undefined && { dev: opts.dev }), ...(opts.proxy && { proxy: true }),
    }),
    await rtnl.link.list(),
  ] as const);
  const named = namedNeighs(opts.all ? list : list.filter((n) => !hiddenByIp(n)), linkNames(links));
  return opts.json ? toJson(named) : neighTable(named);
}

async function nexthops(opts: { json?: boolean }): Promise<string> {
  const [list, links] = await withClient(async (rtnl) => [await rtnl.nexthop.list(), await rtnl.link.list()] as const);
  const named = namedNexthops(list, linkNames(links));
  return opts.json ? toJson(named) : nexthopsTable(named);
}

async function qdiscs(opts: { json?: boolean; dev?: string; kind?: string }): Promise<string> {
  const [list, links] = await withClient(async (rtnl) => [
    await rtnl.qdisc.list({ ...(opts.dev !== undefined && { dev: opts.dev }), ...(opts.kind !== undefined && { kind: opts.kind }) }),
    await rtnl.link.list(),
  ] as const);
  const named = namedQdiscs(list, linkNames(links));
  return opts.json ? toJson(named) : qdiscsTable(named);
}

/** -4 / -6, mutually exclusive, as ip takes them. */
function familyOptions(cmd: Command, what: string): Command {
  return cmd
    .addOption(new Option('-4', `IPv4 ${what} only`).conflicts('6'))
    .addOption(new Option('-6', `IPv6 ${what} only`));
}

/** Adds the listing commands to the command tree; `write` prints a line. */
export function addListCommands(p: Command, write: (s: string) => void): void {
  p.command('links')
    .description("list the links of the current namespace (like 'ip link show')")
    .option('--json', 'print the Link objects as JSON (names as netnest\'s Link type: index, name, up, mtu, ...)')
    .option('-d, --details', 'table: add operstate, flags, qdisc, txqueuelen, alias and kind data; JSON: keep undecoded attributes (hex)')
    .addHelpText('after', `
Table columns: index, name, state (UP/DOWN: administratively up), mtu,
address, master (name), kind, link (the parent or veth peer; "ifN (netnsid M)"
when it lives in another namespace).`)
    .action(async (o: { json?: boolean; details?: boolean }) => write(await links(o)));

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
    .action(async (words: string[], o: FamilyFlags & { json?: boolean; dev?: string }) => {
      const family = familyOf(o);
      write(await addrs(words, { ...(o.json && { json: true }), ...(o.dev !== undefined && { dev: o.dev }), ...(family && { family }) }));
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
    .action(async (o: Parameters<typeof routes>[0]) => write(await routes(o)));

  familyOptions(p.command('rules'), 'rules')
    .description("list policy routing rules (like 'ip rule show'; both families unless -4 or -6)")
    .option('--json', 'print the Rule objects as JSON')
    .addHelpText('after', `
Table columns: priority, family (inet/inet6), selector (as ip prints it: not,
from, to, tos, fwmark/mask, iif, oif, uidrange, ipproto, sport, dport,
tun_id), action (lookup TABLE, goto PRIORITY, nop, blackhole, unreachable,
prohibit; then suppress_prefixlength, suppress_ifgroup, realms) and proto.`)
    .action(async (o: Parameters<typeof rules>[0]) => write(await rules(o)));

  familyOptions(p.command('neigh'), 'entries')
    .description("list ARP and NDP neighbour entries (like 'ip neigh show')")
    .option('--dev <name>', 'only entries of this link')
    .option('--proxy', "only proxy entries (like 'ip neigh show proxy')")
    .option('--all', "also entries 'ip neigh' hides: NOARP and NONE ones such as IPv6 multicast mappings (like 'nud all')")
    .option('--json', 'print the Neigh objects as JSON, each with "dev" (the link name) added')
    .addHelpText('after', `
Table columns: dst, dev, lladdr, state (NUD states: PERMANENT, REACHABLE,
STALE...) and flags (router, proxy, extern_learn...).`)
    .action(async (o: Parameters<typeof neigh>[0]) => write(await neigh(o)));

  p.command('nexthops')
    .description("list nexthop objects (like 'ip nexthop show')")
    .option('--json', 'print the Nexthop objects as JSON, with "dev" (the name of oif) added')
    .addHelpText('after', `
Table columns: id, via (gateway), dev, group (members as ip writes them:
ID[,WEIGHT] joined by "/"), type (mpath, or resilient with its buckets),
blackhole, scope, proto and flags (onlink, dead, linkdown, fdb...).`)
    .action(async (o: { json?: boolean }) => write(await nexthops(o)));

  p.command('qdiscs')
    .description("list queueing disciplines (like 'tc qdisc show'; the kernel's defaults have handle 0:)")
    .option('--dev <name>', 'only the qdiscs of this link')
    .option('--kind <kind>', 'only qdiscs of this kind (tbf, htb, netem, ingress, noqueue...)')
    .option('--json', 'print the Qdisc objects as JSON (options and statistics included), with "dev" (the link name) added')
    .addHelpText('after', `
Table columns: dev, kind, handle, parent ("root", "ingress" for ffff:fff1
where ingress and clsact sit, or the class: "1:10") and options as the kernel
keeps them (rates in bytes/s, times in microseconds, sizes in bytes).`)
    .action(async (o: { json?: boolean; dev?: string; kind?: string }) => write(await qdiscs(o)));
}
