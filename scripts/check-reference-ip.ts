// Proves that the `ip` commands toIpCommands() writes for the reference
// network really build it: in a throwaway world (a fresh network and mount
// namespace, with its own /run/netns), the generated script builds
// examples/reference.yaml; `ip -j` reads every namespace back and finds every
// link, address, route, rule, nexthop, neighbour and sysctl the spec gives
// (and no route, rule or link it does not); a TCP echo runs from h1 to h2,
// over IPv4 and IPv6, and the forwarding counters of r1, r2 and r3 show all
// three routers carried it; the teardown leaves the world as it found it.
// The same again with the `ip -batch` form. Prints the time of each phase.
//
//   node dist/scripts/check-reference-ip.js [--only script|batch] [FILE]
//
// As root. Nothing reaches the host: the world is `unshare --mount --net`
// with a tmpfs on /run/netns, held by one child process; when it ends (or
// this process dies, which closes its stdin) the world and every namespace
// in it are gone.
//
// The `ip -j` oracle is exported: test/topology/ip-script.test.ts checks the
// small and routers examples with it, in worlds from ip-world.ts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatAddress, parseAddress } from '../src/netlink/rtnl/inet.js';
import { protocolId, tableId } from '../src/netlink/rtnl/names.js';
import { ipProtocol } from '../src/netlink/rtnl/names.js';
import {
  loadTopology, toIpBatch, toIpCommands, type NamespaceModel, type TopologyModel,
} from '../src/topology/index.js';
import { commandLine } from './command-line.js';
import { ipState, type IpState, IpWorld } from './ip-world.js';

type J = Record<string, unknown>;

// ------------------------------------------------------------------ the oracle

const ip4or6 = (s: string): 4 | 6 => (s.includes(':') ? 6 : 4);
/** A prefix as "addr/len" in canonical form; 'default' for /0. */
function prefix(p: string, family?: 4 | 6): string {
  if (p === 'default' || p === 'all' || p === 'any') return 'default';
  const a = parseAddress(p, 'prefix');
  const len = a.prefixlen ?? (a.family === 4 ? 32 : 128);
  return len === 0 && (family === undefined || family === a.family) ? 'default' : `${formatAddress(a.bytes)}/${len}`;
}
const host = (a: string): string => formatAddress(parseAddress(a, 'address', { prefix: 'forbidden' }).bytes);
const num = (v: unknown): number | undefined => (v === undefined ? undefined : typeof v === 'number' ? v : Number(v));
const table = (v: unknown): number => tableId(v ?? 'main');
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Every difference between the model and what `ip -j` reads back in the
 * world: one line each, with the spec path. Empty when the world holds
 * exactly what the spec says (kernel-made routes and the default rules aside).
 */
export function compareWithIp(world: IpWorld, model: TopologyModel): string[] {
  const problems: string[] = [];
  const states = new Map<string, IpState>();
  const substitute = model.substitute;
  for (const ns of model.namespaces) {
    states.set(ns.key, ipState(world, ns.owned ? ns.netnsName : undefined, ns.sysctl.map((s) => s.spec.key)));
  }
  for (const ns of model.namespaces) {
    const st = states.get(ns.key)!;
    const say = (path: string, msg: string): void => { problems.push(`${path}: ${msg}`); };
    links(ns, st, states, model, substitute, say);
    addresses(ns, st, say);
    for (const s of ns.sysctl) if (st.sysctl[s.spec.key] !== s.spec.value) say(s.path, `sysctl is ${st.sysctl[s.spec.key]}, not ${s.spec.value}`);
    neighbours(ns, st, say);
    nexthops(ns, st, say);
    routes(ns, st, say);
    rules(ns, st, say);
  }
  return problems;
}

type Say = (path: string, msg: string) => void;

function links(ns: NamespaceModel, st: IpState, states: Map<string, IpState>, model: TopologyModel, substitute: TopologyModel['substitute'], say: Say): void {
  const byName = new Map(st.links.map((l) => [l.ifname as string, l]));
  for (const l of ns.links.values()) {
    const k = byName.get(l.name);
    if (!k) {
      say(l.path, `no link ${l.name} in ${ns.path}`);
      continue;
    }
    const info = (k.linkinfo ?? {}) as { info_kind?: string; info_data?: J };
    const kind = l.kind ? substitute[l.kind] ?? l.kind : undefined;
    if (l.origin !== 'existing' && info.info_kind !== kind) say(l.path, `kind ${info.info_kind}, not ${kind}`);
    const flags = k.flags as string[];
    if (l.up !== flags.includes('UP')) say(l.path, `${l.up ? 'down' : 'up'}`);
    if (l.master !== undefined && k.master !== l.master) say(`${l.path}.master`, `master is ${k.master ?? 'none'}`);
    if (l.master === undefined && l.origin !== 'existing' && k.master !== undefined) say(l.path, `enslaved to ${k.master}`);
    if (l.lower !== undefined && k.link !== l.lower) say(`${l.path}.link`, `lower device is ${k.link ?? k.link_index}`);
    const a = l.attrs;
    if (a.mtu !== undefined && k.mtu !== a.mtu) say(`${l.path}.mtu`, `mtu ${k.mtu}`);
    if (a.address !== undefined && k.address !== a.address.toLowerCase()) say(`${l.path}.address`, `address ${k.address}`);
    if (a.txqueuelen !== undefined && k.txqlen !== a.txqueuelen) say(`${l.path}.txqueuelen`, `txqueuelen ${k.txqlen}`);
    if (a.alias !== undefined && k.ifalias !== a.alias) say(`${l.path}.alias`, `alias ${k.ifalias}`);
    if (a.group !== undefined && num(k.group) !== a.group) say(`${l.path}.group`, `group ${k.group}`);
    if (l.peer) {
      // The far end: by name when in the same namespace, else by its index there.
      const far = model.namespaces.find((n) => n.key === l.peer!.ns);
      const farLink = far && states.get(far.key)!.links.find((x) => x.ifname === l.peer!.name);
      const paired = far === ns ? k.link === l.peer.name : farLink !== undefined && k.link_index === farLink.ifindex;
      if (!paired) say(l.path, `not paired with ${l.peer.ns}/${l.peer.name}`);
    }
    if (l.data && kind === l.kind) {
      const d = info.info_data ?? {};
      // ip -d names a tun's mode `type`, and prints its flags as booleans.
      const names: Record<string, string> = kind === 'tun' ? { mode: 'type', owner: 'user' } : {};
      for (const [f, v] of Object.entries(l.data)) {
        const got = d[names[f] ?? f];
        const want = typeof v === 'boolean' && typeof got !== 'boolean' ? (v ? 1 : 0) : v;
        if (!same(got, want)) say(`${l.path}.${l.kind}.${f}`, `${f} is ${JSON.stringify(got)}`);
      }
    }
  }
  const lo = st.links.find((k) => k.ifname === 'lo');
  if (ns.owned && !ns.links.has('lo') && !(lo?.flags as string[] | undefined)?.includes('UP')) say(ns.path, 'lo is down (a namespace of the topology has it up unless the spec says otherwise)');
  const declared = new Set([...ns.links.keys(), 'lo']);
  for (const k of st.links) if (!declared.has(k.ifname as string)) say(ns.path, `extra link ${k.ifname}`);
}

function addresses(ns: NamespaceModel, st: IpState, say: Say): void {
  for (const l of ns.links.values()) {
    const infos = ((st.addrs.find((x) => x.ifname === l.name)?.addr_info ?? []) as J[]);
    for (const a of l.addresses) {
      const p = parseAddress(a.spec.local, 'local');
      const len = p.prefixlen ?? (a.spec.peer ? parseAddress(a.spec.peer, 'peer').prefixlen : undefined) ?? (p.family === 4 ? 32 : 128);
      const found = infos.find((i) => i.local === formatAddress(p.bytes) && i.prefixlen === len);
      if (!found) {
        say(a.path, `address ${a.spec.local} not on ${l.name}`);
        continue;
      }
      for (const f of a.spec.flags ?? []) if (found[f] !== true) say(`${a.path}.flags`, `no ${f} flag`);
      if (a.spec.peer !== undefined && found.address !== host(a.spec.peer.split('/')[0]!)) say(`${a.path}.peer`, `peer ${found.address}`);
      if (a.spec.label !== undefined && found.label !== a.spec.label) say(`${a.path}.label`, `label ${found.label}`);
      if (a.spec.metric !== undefined && found.metric !== a.spec.metric) say(`${a.path}.metric`, `metric ${found.metric}`);
    }
  }
}

function neighbours(ns: NamespaceModel, st: IpState, say: Say): void {
  for (const n of ns.neigh) {
    const e = st.neigh.find((x) => x.dst === host(n.spec.dst) && x.dev === n.spec.dev && ('proxy' in x) === !!n.spec.proxy);
    if (!e) {
      say(n.path, `no neighbour ${n.spec.dst} on ${n.spec.dev}`);
      continue;
    }
    if (n.spec.lladdr !== undefined && e.lladdr !== n.spec.lladdr.toLowerCase()) say(`${n.path}.lladdr`, `lladdr ${e.lladdr}`);
    const state = (n.spec.state ?? 'permanent').toUpperCase();
    if (!n.spec.proxy && !(e.state as string[] | undefined)?.includes(state)) say(`${n.path}.state`, `state ${JSON.stringify(e.state)}`);
    if (n.spec.router && !('router' in e)) say(`${n.path}.router`, 'not a router entry');
  }
}

function nexthops(ns: NamespaceModel, st: IpState, say: Say): void {
  for (const n of ns.nexthops) {
    const e = st.nexthops.find((x) => x.id === n.spec.id);
    if (!e) {
      say(n.path, `no nexthop id ${n.spec.id}`);
      continue;
    }
    if (n.spec.gateway !== undefined && e.gateway !== host(n.spec.gateway)) say(`${n.path}.gateway`, `gateway ${e.gateway}`);
    if (n.spec.dev !== undefined && e.dev !== n.spec.dev) say(`${n.path}.dev`, `dev ${e.dev}`);
    if (n.spec.blackhole && !('blackhole' in e)) say(`${n.path}.blackhole`, 'not a blackhole');
    if (n.spec.group) {
      const want = n.spec.group.map((m) => ({ id: m.id, weight: m.weight ?? 1 }));
      const got = ((e.group ?? []) as J[]).map((m) => ({ id: m.id, weight: m.weight ?? 1 }));
      if (!same(got, want)) say(`${n.path}.group`, `group ${JSON.stringify(got)}`);
    }
    if (n.spec.type === 'resilient' && e.type !== 'resilient') say(`${n.path}.type`, `type ${e.type}`);
    if (n.spec.protocol !== undefined && protocolId(e.protocol ?? 'unspec') !== protocolId(n.spec.protocol)) say(`${n.path}.protocol`, `protocol ${e.protocol}`);
  }
  const ids = new Set(ns.nexthops.map((n) => n.spec.id));
  for (const e of st.nexthops) if (!ids.has(e.id as number)) say(ns.path, `extra nexthop id ${e.id}`);
}

/** A kernel-made route, or one of the local table: not the spec's. */
const kernelRoute = (r: J): boolean => r.protocol === 'kernel' || r.table === 'local';

function routes(ns: NamespaceModel, st: IpState, say: Say): void {
  const mine = st.routes.filter((r) => !kernelRoute(r));
  const key = (family: 4 | 6, dst: string, tbl: number, tos: number, metric: number, src: string | undefined): string =>
    `${family} ${dst} ${tbl} ${tos} ${metric} ${src ?? ''}`;
  const seen = new Map<string, J>();
  for (const r of mine) {
    const dst = r.dst as string;
    const family = r.family as 4 | 6;
    const p = dst === 'default' ? dst : prefix(dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`);
    seen.set(key(family, p, table(r.table), num(r.tos) ?? 0, num(r.metric) ?? 0, r.src === undefined ? undefined : prefix(r.src as string)), r);
  }
  for (const { spec: s, path } of ns.routes) {
    const family = s.family ?? ([s.dst, s.gateway, ...(s.nexthops ?? []).map((n) => n.gateway)].find((v) => v && v !== 'default' && v.includes(':')) ? 6 : 4);
    const tos = s.dscp !== undefined ? s.dscp << 2 : s.tos ?? 0;
    const k = key(family, prefix(s.dst, family), tableId(s.table ?? 'main'), tos, s.metric ?? (family === 6 ? 1024 : 0), s.src === undefined ? undefined : prefix(s.src));
    const r = seen.get(k);
    if (!r) {
      say(path, `no route ${s.dst} table ${s.table ?? 'main'}${s.metric !== undefined ? ` metric ${s.metric}` : ''}`);
      continue;
    }
    seen.delete(k);
    // A route through a nexthop object takes its type from it (a blackhole nexthop: a blackhole route).
    if ((s.nhid === undefined || s.type !== undefined) && (r.type ?? 'unicast') !== (s.type ?? 'unicast')) say(`${path}.type`, `type ${r.type ?? 'unicast'}`);
    const gw = (r.gateway ?? (r.via as J | undefined)?.host) as string | undefined;
    if (s.gateway !== undefined && gw !== host(s.gateway)) say(`${path}.gateway`, `gateway ${gw}`);
    if (s.dev !== undefined && r.dev !== s.dev) say(`${path}.dev`, `dev ${r.dev}`);
    if (s.nhid !== undefined && r.nhid !== s.nhid) say(`${path}.nhid`, `nhid ${r.nhid}`);
    if (s.prefsrc !== undefined && r.prefsrc !== host(s.prefsrc)) say(`${path}.prefsrc`, `prefsrc ${r.prefsrc}`);
    if (protocolId(r.protocol ?? 'boot') !== protocolId(s.protocol ?? 'boot')) say(`${path}.protocol`, `protocol ${r.protocol ?? 'boot'}`);
    if (s.scope !== undefined && (r.scope ?? 'global') !== (s.scope === 'universe' ? 'global' : s.scope)) say(`${path}.scope`, `scope ${r.scope}`);
    if (s.pref !== undefined && r.pref !== s.pref) say(`${path}.pref`, `pref ${r.pref}`);
    for (const f of s.flags ?? []) if (!(r.flags as string[]).includes(f)) say(`${path}.flags`, `no ${f} flag`);
    if (s.metrics) {
      const got = ((r.metrics ?? []) as J[])[0] ?? {};
      for (const [m, v] of Object.entries(s.metrics)) if (m !== 'lock' && got[m] !== v) say(`${path}.metrics.${m}`, `${m} ${got[m]}`);
    }
    if (s.nexthops) {
      // Each path of the spec matched by one of the route's: gateway, weight, and dev where the spec names one.
      const got = [...((r.nexthops ?? []) as J[])];
      const all = s.nexthops.every((n) => {
        const i = got.findIndex((g) => (g.gateway ?? (g.via as J | undefined)?.host) === (n.gateway === undefined ? undefined : host(n.gateway))
          && (n.dev === undefined || g.dev === n.dev) && g.weight === (n.weight ?? 1));
        return i >= 0 && got.splice(i, 1).length === 1;
      });
      if (!all || got.length) say(`${path}.nexthops`, `nexthops ${JSON.stringify(r.nexthops)}`);
    }
  }
  for (const r of seen.values()) say(ns.path, `extra route ${JSON.stringify(r)}`);
}

/** The rules every namespace starts with. */
const defaultRule = (r: J): boolean =>
  (r.priority === 0 && r.table === 'local') || (r.priority === 32766 && r.table === 'main') || (r.priority === 32767 && r.table === 'default');

function ruleMatches(s: NamespaceModel['rules'][number]['spec'], r: J): string | undefined {
  const pre = (v: string | undefined, got: unknown, len: unknown): boolean =>
    (v === undefined || v === 'all' ? got === 'all' || got === undefined : prefix(v) === (len === undefined ? `${host(got as string)}/${ip4or6(got as string) === 4 ? 32 : 128}` : `${host(got as string)}/${len}`));
  const range = (v: number | [number, number] | undefined, one: unknown, lo: unknown, hi: unknown): boolean => {
    const got = one !== undefined ? [one, one] : lo !== undefined ? [lo, hi] : undefined;
    return same(v === undefined ? undefined : typeof v === 'number' ? [v, v] : v, got);
  };
  const checks: [string, boolean][] = [
    ['src', pre(s.src, r.src, r.srclen)],
    ['dst', pre(s.dst, r.dst, r.dstlen)],
    ['not', !!s.not === ('not' in r)],
    ['tos', (s.tos ?? 0) === (num(r.tos) ?? 0)],
    ['fwmark', s.fwmark === undefined && s.fwmask === undefined ? r.fwmark === undefined
      : (s.fwmark ?? 0) === num(r.fwmark ?? 0) && (s.fwmask ?? 0xffffffff) === (num(r.fwmask) ?? 0xffffffff)],
    ['iif', s.iif === r.iif],
    ['oif', s.oif === r.oif],
    ['uidrange', same(s.uidrange, r.uid_start === undefined ? undefined : [r.uid_start, r.uid_end])],
    ['ipproto', s.ipproto === undefined ? r.ipproto === undefined : r.ipproto !== undefined && ipProtocol(s.ipproto) === ipProtocol(String(r.ipproto).replace(/^ipproto-/, ''))],
    ['sport', range(s.sport, r.sport, r.sport_start, r.sport_end)],
    ['dport', range(s.dport, r.dport, r.dport_start, r.dport_end)],
    ['l3mdev', !!s.l3mdev === ('l3mdev' in r)],
    ['suppress_prefixlength', s.suppress_prefixlength === r.suppress_prefixlen],
    ['suppress_ifgroup', s.suppress_ifgroup === (r.suppress_ifgroup === undefined ? undefined : num(r.suppress_ifgroup))],
    ['protocol', s.protocol === undefined || protocolId(s.protocol) === protocolId(r.protocol ?? 'unspec')],
  ];
  const action = s.action ?? (s.goto !== undefined ? 'goto' : 'lookup');
  const got = 'goto' in r ? 'goto' : 'nop' in r ? 'nop' : (r.action as string | undefined) ?? 'lookup';
  checks.push(['action', action === got]);
  if (action === 'goto') checks.push(['goto', r.goto === s.goto]);
  if (action === 'lookup' && !s.l3mdev) checks.push(['table', tableId(s.table ?? 'main') === table(r.table)]);
  for (const f of ['tun_id', 'realms', 'dscp', 'flowlabel', 'sport_mask', 'dport_mask'] as const) {
    if (s[f] !== undefined) checks.push([`${f} (not checked by this oracle)`, false]);
  }
  return checks.find(([, ok]) => !ok)?.[0];
}

function rules(ns: NamespaceModel, st: IpState, say: Say): void {
  const left = st.rules.filter((r) => !defaultRule(r));
  for (const { spec: s, path } of ns.rules) {
    const family = s.family ?? ([s.src, s.dst].some((p) => p?.includes(':')) ? 6 : 4);
    const candidates = left.filter((r) => r.family === family && (s.priority === undefined || r.priority === s.priority));
    const i = candidates.findIndex((r) => ruleMatches(s, r) === undefined);
    if (i < 0) {
      const near = candidates[0];
      say(path, near ? `rule ${s.priority ?? ''} differs in ${ruleMatches(s, near)}: ${JSON.stringify(near)}` : `no rule with priority ${s.priority}`);
      continue;
    }
    left.splice(left.indexOf(candidates[i]!), 1);
  }
  for (const r of left) say(ns.path, `extra rule ${JSON.stringify(r)}`);
}

// ------------------------------------------------------------------ the check

/** The world's current namespace as ip lists it: what a teardown must give back. */
export function currentListing(world: IpWorld): string {
  return world.sh("ip -br link; ip addr show | grep -w inet; ip -4 rule; ip -6 rule; ip -4 route show table all; ip -6 route show table all | grep -v '^fe80\\|^local fe80\\|^multicast'; true");
}

function time<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const v = fn();
  console.log(`  ${label.padEnd(34)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
  return v;
}

/** Counts of forwarded packets (IPv4 and IPv6) of a namespace. */
function forwarded(world: IpWorld, netns: string): number {
  const out = world.run(['ip', 'netns', 'exec', netns, 'sh', '-c', 'cat /proc/net/snmp; cat /proc/net/snmp6']);
  const [names, values] = out.split('\n').filter((l) => l.startsWith('Ip: '));
  const v4 = Number(values!.split(/\s+/)[names!.split(/\s+/).indexOf('ForwDatagrams')]);
  const v6 = Number(/^Ip6OutForwDatagrams\s+(\d+)/m.exec(out)![1]);
  return v4 + v6;
}

const SERVER = `
const net = require('node:net');
const s = net.createServer((c) => c.on('data', (d) => { c.end(c.remoteAddress + ' ' + d); }));
s.listen({ host: '::', port: Number(process.argv[1]) }, () => console.log('listening'));
setTimeout(() => process.exit(0), 20000).unref();
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
const CLIENT = `
const net = require('node:net');
const c = net.connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => c.write('hello across three routers'));
let got = ''; c.on('data', (d) => { got += d; }); c.on('end', () => { console.log(got); });
c.on('error', (e) => { console.error(e.message); process.exit(1); }); setTimeout(() => { console.error('timeout'); process.exit(1); }, 5000).unref();`;

/** A TCP echo from h1 to h2's address; returns what came back ("<h1's address as h2 saw it> <message>"). */
async function tcpEcho(world: IpWorld, model: TopologyModel, to: string): Promise<string> {
  const ns = (k: string): string => model.namespaces.find((n) => n.key === k)!.netnsName!;
  const port = '9000';
  const server = spawn('nsenter', ['-t', String(world.pid), '-m', '-n', '--', 'ip', 'netns', 'exec', ns('h2'), process.execPath, '-e', SERVER, port],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the echo server in h2 exited (${code})`)));
    });
    return world.run(['ip', 'netns', 'exec', ns('h1'), process.execPath, '-e', CLIENT, to, port]).trim();
  } finally {
    server.stdin!.end();
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
  }
}

async function check(model: TopologyModel, form: 'script' | 'batch'): Promise<boolean> {
  console.log(`\n${form === 'script' ? 'ip script (one command per object)' : 'ip -batch'}:`);
  const world = await IpWorld.open();
  let ok = true;
  const fail = (msg: string): void => {
    ok = false;
    console.log(`  FAIL ${msg}`);
  };
  try {
    const s = form === 'script' ? toIpCommands(model) : toIpBatch(model);
    for (const n of s.notes) console.log(`  note: ${n}`);
    const before = currentListing(world);
    time(`build (${s.build.length} ${form === 'script' ? 'commands' : 'processes'})`, () => world.apply(s.build));
    const problems = time('read back with ip -j and compare', () => compareWithIp(world, model));
    for (const p of problems.slice(0, 30)) fail(p);
    if (problems.length > 30) fail(`... and ${problems.length - 30} more`);
    const routers = ['r1', 'r2', 'r3'].map((k) => model.namespaces.find((n) => n.key === k)!.netnsName!);
    for (const [family, to, from] of [['IPv4', '10.3.1.10', '10.1.1.10'], ['IPv6', 'fd00:3:1::10', 'fd00:1:1::10']] as const) {
      const fwd = routers.map((r) => forwarded(world, r));
      const t0 = performance.now();
      let answer = '';
      try {
        answer = await tcpEcho(world, model, to);
      } catch (e) {
        fail(`TCP ${family} h1 -> h2 ${to}: ${(e as Error).message}`);
        continue;
      }
      const hops = routers.map((r, i) => forwarded(world, r) - fwd[i]!);
      const seenFrom = answer.split(' ')[0]!.replace(/^::ffff:/, '');
      const good = answer.endsWith('hello across three routers') && seenFrom === from && hops.every((h) => h > 0);
      console.log(`  TCP ${family} h1 -> h2 (${to}:9000)    ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${good ? 'ok' : 'FAIL'}: `
        + `echo "${answer}", forwarded by r1/r2/r3: ${hops.join('/')} packets`);
      if (!good) ok = false;
    }
    time(`teardown (${s.teardown.length} ${form === 'script' ? 'commands' : 'processes'})`, () => world.apply(s.teardown));
    const left = world.namespaces();
    if (left.length) fail(`namespaces left after the teardown: ${left.join(', ')}`);
    const after = currentListing(world);
    if (after !== before) fail(`the current namespace differs after the teardown:\n--- before\n${before}--- after\n${after}`);
  } finally {
    await world.close();
  }
  console.log(`  ${ok ? 'PASS' : 'FAIL'}`);
  return ok;
}

async function main(): Promise<void> {
  const args = commandLine({ values: ['only'] });
  const only = args.value('only', ['script', 'batch']);
  const file = args.positionals[0] ?? fileURLToPath(new URL('../../examples/reference.yaml', import.meta.url));
  const model = loadTopology(file);
  const count = { namespaces: 0, bridges: 0, veths: 0, dummies: 0, routes: 0, rules: 0 };
  for (const ns of model.namespaces) {
    if (ns.owned) count.namespaces++;
    for (const l of ns.links.values()) {
      if (l.origin !== 'create') continue;
      if (l.kind === 'bridge') count.bridges++;
      if (l.kind === 'veth') count.veths++;
      if (l.kind === 'dummy') count.dummies++;
    }
    count.routes += ns.routes.length;
    count.rules += ns.rules.length;
  }
  console.log(`${file}: ${count.namespaces} namespaces + current, ${count.bridges} bridges, ${count.veths} veth pairs, `
    + `${count.dummies} dummies, ${count.routes} routes, ${count.rules} rules`);
  let ok = true;
  if (only !== 'batch') ok = (await check(model, 'script')) && ok;
  if (only !== 'script') ok = (await check(model, 'batch')) && ok;
  console.log(ok ? '\nreference network over ip: PASS' : '\nreference network over ip: FAIL');
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
