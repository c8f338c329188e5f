// `netnest fdb` and `netnest vlans`: the bridge listings, like `bridge fdb
// show` and `bridge vlan show`. Each reads the current namespace through one
// client and prints a table (format.ts's) or, with --json, the objects with
// link names added.
import type { Command } from 'commander';
import type { BridgePortVlans } from '../netlink/rtnl/bridge/codec.js';
import type { Fdb } from '../netlink/rtnl/fdb/codec.js';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { linkNames, table, toJson, type LinkNames } from './format.js';

const dash = '-';

/** An FDB entry with the names of its links, as the CLI prints and emits it. */
export type NamedFdb = Omit<Fdb, 'unknown'> & { dev: string; master_dev?: string; via_dev?: string };

function namedFdb(list: readonly Fdb[], names: LinkNames): NamedFdb[] {
  const name = (i: number): string => names.get(i) ?? `if${i}`;
  return list.map(({ unknown: _u, ...e }) => ({
    dev: name(e.ifindex), ...e,
    ...(e.master !== undefined && { master_dev: name(e.master) }), ...(e.via !== undefined && { via_dev: name(e.via) }),
  }));
}

/** What `bridge fdb show` prints after dev: dst, vlan, port, vni, via, master or self, state. */
function fdbTable(list: readonly NamedFdb[]): string {
  return table(list, [
    { header: 'mac', cell: (e) => e.mac },
    { header: 'dev', cell: (e) => e.dev },
    { header: 'vlan', cell: (e) => (e.vlan === undefined ? dash : String(e.vlan)) },
    { header: 'dst', cell: (e) => [e.dst, e.port !== undefined && `port ${e.port}`, e.vni !== undefined && `vni ${e.vni}`, e.via_dev && `via ${e.via_dev}`].filter(Boolean).join(' ') || dash },
    { header: 'master', cell: (e) => e.master_dev ?? dash },
    { header: 'state', cell: (e) => e.state },
    { header: 'flags', cell: (e) => (e.flags.length ? e.flags.join(',') : dash) },
  ]);
}

async function fdb(opts: { json?: boolean; br?: string; dev?: string; all?: boolean }): Promise<string> {
  const rtnl = Rtnl.open();
  try {
    const list = await rtnl.fdb.list({ ...(opts.br !== undefined && { br: opts.br }), ...(opts.dev !== undefined && { dev: opts.dev }) });
    // The device's own multicast addresses are noise unless asked for.
    const shown = opts.all ? list : list.filter((e) => !(e.master === undefined && e.dst === undefined && (parseInt(e.mac.slice(0, 2), 16) & 1) === 1));
    const named = namedFdb(shown, linkNames(await rtnl.link.list()));
    return opts.json ? toJson(named) : fdbTable(named);
  } finally {
    rtnl.close();
  }
}

/** One row per VLAN (or range) of a port, as `bridge vlan show` prints them. */
function vlanTable(list: readonly BridgePortVlans[]): string {
  const rows = list.flatMap((p) => p.vlans.map((v) => ({ dev: p.ifname, ...v })));
  return table(rows, [
    { header: 'dev', cell: (r) => r.dev },
    { header: 'vlan', cell: (r) => (r.vidEnd === undefined ? String(r.vid) : `${r.vid}-${r.vidEnd}`) },
    { header: 'flags', cell: (r) => [r.pvid && 'PVID', r.untagged && 'Egress Untagged'].filter(Boolean).join(', ') || dash },
  ]);
}

async function vlans(opts: { json?: boolean; dev?: string }): Promise<string> {
  const rtnl = Rtnl.open();
  try {
    const list = await rtnl.bridge.vlan.list(opts.dev === undefined ? {} : { dev: opts.dev });
    return opts.json ? toJson(list.map(({ unknown: _u, ...p }) => p)) : vlanTable(list);
  } finally {
    rtnl.close();
  }
}

/** Adds `fdb` and `vlans` to the command tree; `write` prints a line. */
export function addBridgeCommands(p: Command, write: (s: string) => void): void {
  p.command('fdb')
    .description("list bridge forwarding database entries (like 'bridge fdb show')")
    .option('--br <name>', 'only entries of this bridge and its ports')
    .option('--dev <name>', 'only entries of this device')
    .option('--all', "also the multicast addresses devices keep in their own table (as 'bridge fdb show' prints them)")
    .option('--json', 'print the Fdb objects as JSON, each with "dev" (and "master_dev", "via_dev") link names added')
    .addHelpText('after', `
Table columns: mac, dev, vlan, dst (a vxlan remote, with port, vni and the
device it is reached through), master (the bridge whose table holds the
entry; "-" for a device's own entries, flagged "self"), state (permanent,
static, dynamic, stale) and flags (self, sticky, extern_learn, offload...).`)
    .action(async (o: Parameters<typeof fdb>[0]) => write(await fdb(o)));

  p.command('vlans')
    .description("list the VLANs of bridge ports and bridges (like 'bridge vlan show')")
    .option('--dev <name>', 'only this port\'s or bridge\'s VLANs')
    .option('--json', 'print the BridgePortVlans objects as JSON (ifindex, ifname, master, vlans)')
    .addHelpText('after', `
Table columns: dev, vlan (an id, or a range "first-last") and flags (PVID,
Egress Untagged). Kernels without CONFIG_BRIDGE_VLAN_FILTERING have no
bridge VLANs: the list is empty.`)
    .action(async (o: Parameters<typeof vlans>[0]) => write(await vlans(o)));
}
