// The same network as iproute2 commands: what a person would type to build
// a TopologyModel with `ip`, one command per object, in the order a build
// needs — and the teardown. It is the yardstick the topology benchmark
// holds netnest against (an `ip` script, and the same commands through
// `ip -batch`), so it must build exactly the network the spec says.
//
// Order of a build:
//   1. `ip netns add` for every namespace, then the sysctls that are not a
//      device's own (`net.ipv4.ip_forward`, `net.ipv6.conf.default.*`):
//      links made afterwards copy the `default` values;
//   2. from the current namespace, every link that needs nothing but its
//      namespace, born there (`ip link add name eth0 netns lab-r1 type veth
//      peer name eth0 netns lab-r2`): veth pairs, bridges, dummies, ifb...;
//   3. namespace by namespace (`ip -n lab-r1 ...`): links that sit on another
//      link (macvlan, vlan, vxlan) and tun devices, link settings, masters,
//      addresses, the sysctls of a device (`net.ipv6.conf.eth0.*`), up;
//   4. namespace by namespace again: neighbours, nexthops, routes, rules —
//      only once every link is up everywhere, for the kernel refuses a
//      nexthop whose device has no carrier (the far end still down).
// Steps 3 and 4 touch nothing outside their namespace.
//
// `ip -batch` reads one command a line but takes no options on a line (no
// `-n NAME`, no `-6`): a batch runs in one namespace with one family option.
// toIpBatch() therefore gives one `ip -batch -` for steps 1–2, then per
// namespace one `ip -n NAME -batch -` for step 3 and one for step 4 (and an
// `ip -6 -n NAME -batch -` for its IPv6 rules, which ip reads as IPv4
// without -6). Routes need no -6: an IPv6 default is written `::/0`. A
// sysctl in the current namespace is not an ip command: it runs as its own
// `sysctl` between batches; in a named one it is the batch line
// `netns exec NAME sysctl ...`, as in the script.
import { ValidationError } from '../netlink/core/errors.js';
import type { AddressSpec } from '../netlink/rtnl/address.js';
import type { LinkKind } from '../netlink/rtnl/link-kinds.js';
import type { NeighSpec } from '../netlink/rtnl/neigh.js';
import type { NexthopSpec } from '../netlink/rtnl/nexthop.js';
import type { NextHopSpec, RouteSpec } from '../netlink/rtnl/route.js';
import type { RuleSpec } from '../netlink/rtnl/rule.js';
import { parseAddress } from '../netlink/rtnl/inet.js';
import type { LinkModel, NamespaceModel, TopologyModel } from './model.js';

/** One command: one object made or removed. */
export interface IpCommand {
  /** The command as a program and its arguments: ['ip', '-n', 'lab-r1', 'route', 'add', ...], or ['sysctl', '-q', '-w', 'k=v']. */
  argv: string[];
  /** The namespace it acts in, as `ip -n` names it; undefined for the current one. */
  netns?: string;
  /**
   * The same command as a line of `ip [-6] [-n NETNS] -batch -` (argv without
   * `ip`, `-n NETNS` and `-6`); undefined for a command that is not ip's.
   */
  batch?: string[];
  /** `-6` when ip needs it on the command line (a batch of its own then). */
  family6?: boolean;
  /** The spec path of what it makes or removes (`namespaces.r1.routes[3]`). */
  path: string;
}

/** One process of a batched build: `ip [-6] [-n NAME] -batch -` fed `lines`, or a plain command (no `lines`). */
export interface IpBatch {
  argv: string[];
  /** ip -batch's input, one command a line, without the leading `ip`. */
  lines?: string[];
}

export interface IpScript<T> {
  build: T[];
  teardown: T[];
  /** What the script does differently from the spec, visibly: "namespaces.r1.links.d0: dummy made as ifb (substitute)". */
  notes: string[];
}

export interface IpScriptOptions {
  /** Kinds to make instead of others, on top of the spec's own `substitute:` (as `--substitute dummy=ifb`). */
  substitute?: Partial<Record<LinkKind, LinkKind>>;
  /**
   * The current namespace's sysctl values before the build, for the teardown
   * to put back (read them with `sysctl -n KEY`); without them the teardown
   * leaves those sysctls as the build set them, and says so in `notes`.
   */
  sysctlBefore?: Record<string, string>;
}

/** The commands that build the model with iproute2, one per object, and the teardown. */
export function toIpCommands(model: TopologyModel, opts: IpScriptOptions = {}): IpScript<IpCommand> {
  const g = new Generator(model, opts);
  return { build: g.build(), teardown: g.teardown(), notes: g.notes };
}

/**
 * The same commands as `ip -batch -` processes: one for namespaces and links,
 * then per namespace one for its links' settings and one for its routing
 * (and one more, `ip -6`, for its IPv6 rules).
 */
export function toIpBatch(model: TopologyModel, opts: IpScriptOptions = {}): IpScript<IpBatch> {
  const s = toIpCommands(model, opts);
  return { build: batchesOf(s.build), teardown: batchesOf(s.teardown), notes: s.notes };
}

/** Consecutive commands that ip can run in one process (same namespace, same family option) as one batch. */
export function batchesOf(commands: readonly IpCommand[]): IpBatch[] {
  const out: IpBatch[] = [];
  let key: string | undefined;
  for (const c of commands) {
    if (!c.batch) {
      out.push({ argv: c.argv });
      key = undefined;
      continue;
    }
    const k = `${c.netns ?? ''} ${c.family6 ? 6 : ''}`;
    if (k !== key) {
      out.push({ argv: ['ip', ...(c.family6 ? ['-6'] : []), ...(c.netns ? ['-n', c.netns] : []), '-batch', '-'], lines: [] });
      key = k;
    }
    // makeargs() takes 100 words a line, and ip -batch exits on more.
    if (c.batch.length >= 100) throw new ValidationError(`${c.path}: ${c.batch.length} words are too many for an ip -batch line (at most 99)`);
    out.at(-1)!.lines!.push(c.batch.map(batchQuote).join(' '));
  }
  return out;
}

/** A POSIX shell script running the commands (or batches) in order, stopping at the first failure. */
export function toShellScript(steps: readonly (IpCommand | IpBatch)[], notes: readonly string[] = []): string {
  const lines = ['set -e', ...notes.map((n) => `# ${n}`)];
  for (const s of steps) {
    const argv = s.argv.map(shellQuote).join(' ');
    if ('lines' in s && s.lines) lines.push(`${argv} <<'EOF'`, ...s.lines, 'EOF');
    else lines.push(argv);
  }
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ quoting

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A word as ip -batch's makeargs() reads it: quoted when it holds blanks; '#' starts a comment anywhere. */
function batchQuote(s: string): string {
  if (/[#\n\r]/.test(s)) throw new ValidationError(`${JSON.stringify(s)} cannot be written in an ip -batch line ('#' starts a comment there)`);
  if (s !== '' && !/[\s'"]/.test(s)) return s;
  if (!s.includes('"')) return `"${s}"`;
  if (!s.includes("'")) return `'${s}'`;
  throw new ValidationError(`${JSON.stringify(s)} holds both quote characters: ip -batch cannot read it`);
}

// ------------------------------------------------------------------ generator

const hex = (n: number): string => `0x${n.toString(16)}`;
/** ip's scope words: `universe` is its `global`. */
const scope = (s: string | number): string => (s === 'universe' ? 'global' : String(s));
const dev = (d: string | number): string => (typeof d === 'number' ? `if${d}` : d);
const IP_ROUTE_TYPES = new Set(['local', 'nat', 'broadcast', 'anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole', 'xresolve', 'throw']);
const ROUTE_TYPE_NUMBERS: Record<string, number> = { unspec: 0 };

class Generator {
  readonly notes: string[] = [];
  /** The kind each created link is made as (the spec's, or its substitute). */
  private readonly kinds = new Map<LinkModel, LinkKind>();
  private readonly byKey: Map<string, NamespaceModel>;

  constructor(private readonly model: TopologyModel, private readonly opts: IpScriptOptions) {
    const substitute: Partial<Record<LinkKind, LinkKind>> = { ...model.substitute, ...opts.substitute };
    this.byKey = new Map(model.namespaces.map((n) => [n.key, n]));
    for (const ns of model.namespaces) {
      for (const l of ns.links.values()) {
        if (l.origin !== 'create' || !l.kind) continue;
        const to = substitute[l.kind];
        if (to && to !== l.kind) this.notes.push(`${l.path}: ${l.kind} made as ${to} (substitute)`);
        this.kinds.set(l, to ?? l.kind);
      }
    }
  }

  /** `ip [-n NS] ARGS` acting in `ns`. */
  private ip(ns: NamespaceModel | undefined, args: string[], path: string, family6 = false): IpCommand {
    const name = ns?.owned ? ns.netnsName : undefined;
    return {
      argv: ['ip', ...(family6 ? ['-6'] : []), ...(name ? ['-n', name] : []), ...args],
      batch: args, path, ...(name && { netns: name }), ...(family6 && { family6 }),
    };
  }

  private kindOf(l: LinkModel): LinkKind {
    return this.kinds.get(l) ?? l.kind!;
  }

  build(): IpCommand[] {
    const out: IpCommand[] = [];
    const owned = this.model.namespaces.filter((n) => n.owned);
    for (const ns of owned) out.push(this.ip(undefined, ['netns', 'add', ns.netnsName!], ns.path));
    // Namespace-wide sysctls before any link exists: `default` values are what new links copy.
    for (const ns of this.model.namespaces) {
      for (const s of ns.sysctl) if (!perDevice(s.spec.key)) out.push(this.sysctl(ns, s.spec.key, s.spec.value, s.path, false));
    }
    // Step 2: links that need only their namespace, made from here.
    for (const ns of this.model.namespaces) {
      for (const l of ns.links.values()) {
        if (l.origin === 'create' && !this.needsNamespace(l)) out.push(this.createHere(ns, l));
      }
    }
    // Steps 3 and 4: each namespace on its own; every link up everywhere
    // before any nexthop (the kernel wants the far end up: "Carrier for
    // nexthop device is down").
    for (const ns of this.model.namespaces) out.push(...this.links(ns));
    for (const ns of this.model.namespaces) out.push(...this.routing(ns));
    return out;
  }

  /** Links ip must make from inside their namespace: on a lower device (found by name there), and tun devices. */
  private needsNamespace(l: LinkModel): boolean {
    return l.lower !== undefined || this.kindOf(l) === 'tun';
  }

  /** `ip link add NAME [netns NS] ... type KIND ...`, run in the current namespace. */
  private createHere(ns: NamespaceModel, l: LinkModel): IpCommand {
    const kind = this.kindOf(l);
    const args = ['link', 'add', 'name', l.name, ...this.placed(ns), ...linkAttrs(l.attrs), 'type', kind];
    if (kind === 'veth') {
      const far = this.byKey.get(l.peer!.ns)!;
      const end = far.links.get(l.peer!.name);
      args.push('peer', 'name', l.peer!.name, ...linkAttrs(end?.attrs ?? {}), ...this.placed(far));
    } else if (kind === l.kind) {
      args.push(...kindData(kind, l.data ?? {}, l.path));
    }
    return this.ip(undefined, args, l.path);
  }

  /** `netns NAME` for a link born in a named namespace; nothing for the current one (ip's own). */
  private placed(ns: NamespaceModel): string[] {
    return ns.owned ? ['netns', ns.netnsName!] : [];
  }

  /** Links on links, tun devices, link settings, masters, addresses, sysctls, up. */
  private links(ns: NamespaceModel): IpCommand[] {
    const out: IpCommand[] = [];
    const ip = (args: string[], path: string, family6 = false): IpCommand => this.ip(ns, args, path, family6);
    // Links on another link, lowers first; tun devices.
    const pending = [...ns.links.values()].filter((l) => l.origin === 'create' && this.needsNamespace(l));
    while (pending.length) {
      const i = pending.findIndex((l) => !pending.some((o) => o.name === l.lower));
      const [l] = pending.splice(i < 0 ? 0 : i, 1);
      const kind = this.kindOf(l!);
      if (kind === 'tun') {
        const t = (l!.data ?? {}) as { mode?: string; owner?: number; group?: number; pi?: boolean; vnet_hdr?: boolean; multi_queue?: boolean };
        out.push(ip(['tuntap', 'add', 'dev', l!.name, 'mode', t.mode ?? 'tun',
          ...(t.owner !== undefined ? ['user', String(t.owner)] : []), ...(t.group !== undefined ? ['group', String(t.group)] : []),
          ...(t.pi ? ['pi'] : []), ...(t.vnet_hdr ? ['vnet_hdr'] : []), ...(t.multi_queue ? ['multi_queue'] : [])], l!.path));
        const attrs = linkAttrs(l!.attrs);
        if (attrs.length) out.push(ip(['link', 'set', 'dev', l!.name, ...attrs], l!.path));
        continue;
      }
      const lower = l!.lower !== undefined && kind !== 'vxlan' ? ['link', l!.lower] : [];
      const data = kind === l!.kind ? kindData(kind, l!.data ?? {}, l!.path) : [];
      if (kind === 'vxlan' && l!.lower !== undefined) data.push('dev', l!.lower);
      out.push(ip(['link', 'add', 'name', l!.name, ...lower, ...linkAttrs(l!.attrs), 'type', kind, ...data], l!.path));
    }
    // Settings of links that exist already (lo; the current namespace's own).
    for (const l of ns.links.values()) {
      const attrs = linkAttrs(l.attrs);
      if (l.origin === 'existing' && attrs.length) out.push(ip(['link', 'set', 'dev', l.name, ...attrs], l.path));
    }
    for (const l of ns.links.values()) if (l.master !== undefined) out.push(ip(['link', 'set', 'dev', l.name, 'master', l.master], `${l.path}.master`));
    for (const l of ns.links.values()) for (const a of l.addresses) out.push(ip(['addr', 'add', ...addressArgs(a.spec)], a.path));
    for (const s of ns.sysctl) if (perDevice(s.spec.key)) out.push(this.sysctl(ns, s.spec.key, s.spec.value, s.path));
    // lo comes up in a namespace of the topology unless the spec says otherwise, as netnest
    // builds it (`ip netns add` leaves it down).
    if (ns.owned && !ns.links.has('lo')) out.push(ip(['link', 'set', 'dev', 'lo', 'up'], ns.path));
    for (const l of ns.links.values()) {
      if (l.up) out.push(ip(['link', 'set', 'dev', l.name, 'up'], l.path));
      else if (l.origin === 'existing') out.push(ip(['link', 'set', 'dev', l.name, 'down'], l.path));
    }
    return out;
  }

  /** Neighbours, nexthops, routes, rules. */
  private routing(ns: NamespaceModel): IpCommand[] {
    const out: IpCommand[] = [];
    const ip = (args: string[], path: string, family6 = false): IpCommand => this.ip(ns, args, path, family6);
    for (const n of ns.neigh) out.push(ip(['neigh', 'add', ...neighArgs(n.spec, true)], n.path));
    // Group members before their groups, whatever the spec's order.
    const nexthops = [...ns.nexthops.filter((n) => !n.spec.group), ...ns.nexthops.filter((n) => n.spec.group)];
    for (const n of nexthops) out.push(ip(['nexthop', 'add', ...nexthopArgs(n.spec)], n.path, nexthopFamily6(n.spec)));
    for (const r of ns.routes) out.push(ip(['route', 'add', ...routeArgs(r.spec)], r.path));
    // IPv4 rules, then IPv6 ones: ip needs `-6` for those (nothing else in the words makes
    // `ip rule` IPv6), which in a batch means a process of their own.
    for (const r of byFamily(ns.rules)) out.push(ip(['rule', 'add', ...ruleArgs(r.spec)], r.path, ruleFamily(r.spec) === 6));
    return out;
  }

  /**
   * `ip netns exec NS sysctl -q -w KEY=VALUE`, or plain `sysctl` in the
   * current namespace. The line reads the same in any batch; `withNamespace`
   * puts it in the namespace's own (else it runs with the current one's).
   */
  private sysctl(ns: NamespaceModel, key: string, value: string, path: string, withNamespace = true): IpCommand {
    const w = ['sysctl', '-q', '-w', `${key}=${value}`];
    if (!ns.owned) return { argv: w, path };
    const args = ['netns', 'exec', ns.netnsName!, ...w];
    return { argv: ['ip', ...args], batch: args, path, ...(withNamespace && { netns: ns.netnsName! }) };
  }

  /**
   * Removes what the build made: in the current namespace object by object
   * (rules, routes, nexthops, neighbours, addresses on links that were there,
   * sysctls, then the links it made — a veth end here takes its pair with
   * it, at once), then every namespace (`ip netns del`, which takes all inside).
   */
  teardown(): IpCommand[] {
    const out: IpCommand[] = [];
    for (const ns of this.model.namespaces) {
      if (ns.owned) continue;
      const ip = (args: string[], path: string, family6 = false): IpCommand => this.ip(ns, args, path, family6);
      for (const r of byFamily(ns.rules).reverse()) out.push(ip(['rule', 'del', ...ruleArgs(r.spec)], r.path, ruleFamily(r.spec) === 6));
      for (const r of [...ns.routes].reverse()) out.push(ip(['route', 'del', ...routeArgs(r.spec)], r.path));
      const nexthops = [...ns.nexthops.filter((n) => n.spec.group), ...ns.nexthops.filter((n) => !n.spec.group)];
      for (const n of nexthops) if (n.spec.id) out.push(ip(['nexthop', 'del', 'id', String(n.spec.id)], n.path));
      for (const n of [...ns.neigh].reverse()) out.push(ip(['neigh', 'del', ...neighArgs(n.spec, false)], n.path));
      const made = [...ns.links.values()].filter((l) => l.origin !== 'existing');
      for (const l of ns.links.values()) {
        if (l.origin !== 'existing') continue;
        for (const a of [...l.addresses].reverse()) out.push(ip(['addr', 'del', ...addressDelArgs(a.spec)], a.path));
      }
      for (const s of ns.sysctl) {
        const before = this.opts.sysctlBefore?.[s.spec.key];
        if (before !== undefined) out.push(this.sysctl(ns, s.spec.key, before, s.path));
        else this.notes.push(`${s.path}: not restored by the teardown (no value before given)`);
      }
      // Links made here: those on a lower device before it (it would take them along),
      // and one end only of a pair whose two ends are both here.
      const order: LinkModel[] = [];
      while (made.length) {
        const i = made.findIndex((l) => !made.some((o) => o.lower === l.name));
        order.push(...made.splice(i < 0 ? 0 : i, 1));
      }
      const gone = new Set<string>();
      for (const l of order) {
        if (gone.has(l.name)) continue;
        if (l.kind === 'veth' && l.peer?.ns === ns.key) gone.add(l.peer.name);
        if (l.origin === 'create' && this.kindOf(l) === 'tun') {
          out.push(ip(['tuntap', 'del', 'dev', l.name, 'mode', ((l.data ?? {}) as { mode?: string }).mode ?? 'tun'], l.path));
        } else {
          out.push(ip(['link', 'del', 'dev', l.name], l.path));
        }
      }
    }
    for (const ns of this.model.namespaces) if (ns.owned) out.push(this.ip(undefined, ['netns', 'del', ns.netnsName!], ns.path));
    return out;
  }
}

/** A sysctl of one device (`net.ipv6.conf.eth0.accept_dad`): written once the device exists. */
function perDevice(key: string): boolean {
  const m = /^net[./]ipv[46][./](?:conf|neigh)[./]([^./]+)[./]/.exec(key);
  return m !== null && m[1] !== 'all' && m[1] !== 'default';
}

function linkAttrs(a: LinkModel['attrs']): string[] {
  const out: string[] = [];
  if (a.mtu !== undefined) out.push('mtu', String(a.mtu));
  if (a.address !== undefined) out.push('address', a.address);
  if (a.broadcast !== undefined) out.push('broadcast', a.broadcast);
  if (a.txqueuelen !== undefined) out.push('txqueuelen', String(a.txqueuelen));
  if (a.alias !== undefined) out.push('alias', a.alias);
  if (a.group !== undefined) out.push('group', String(a.group));
  return out;
}

/** `type KIND` options, as `ip link add ... type KIND` spells them. */
function kindData(kind: LinkKind, data: Record<string, unknown>, path: string): string[] {
  const out: string[] = [];
  const num = (k: string, word = k): void => {
    if (data[k] !== undefined) out.push(word, String(data[k]));
  };
  const bool = (k: string): void => {
    if (data[k] !== undefined) out.push(k, data[k] ? '1' : '0');
  };
  switch (kind) {
    case 'bridge':
      for (const k of ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority']) num(k);
      bool('vlan_filtering');
      bool('mcast_snooping');
      break;
    case 'macvlan': {
      num('mode');
      const flags = (data.flags as number | undefined) ?? 0;
      if (flags & 1) out.push('nopromisc');
      if (flags & 2) out.push('nodst');
      if (flags & ~3) throw new ValidationError(`macvlan flags ${hex(flags)}: ip knows only nopromisc (1) and nodst (2)`, `${path}.macvlan.flags`);
      break;
    }
    case 'vxlan': {
      num('id');
      if (data.group !== undefined) {
        const a = parseAddress(data.group, `${path}.vxlan.group`);
        const multicast = a.family === 4 ? a.bytes[0]! >= 224 && a.bytes[0]! <= 239 : a.bytes[0] === 0xff;
        out.push(multicast ? 'group' : 'remote', String(data.group));
      }
      num('local');
      num('dstport');
      if (Array.isArray(data.srcport)) out.push('srcport', String(data.srcport[0]), String(data.srcport[1]));
      num('ttl');
      if (data.tos !== undefined) out.push('tos', hex(data.tos as number)); // ip reads vxlan tos in hex
      if (data.learning !== undefined) out.push(data.learning ? 'learning' : 'nolearning');
      num('ageing');
      break;
    }
    case 'vlan':
      num('id');
      num('protocol');
      break;
    case 'vrf':
      num('table');
      break;
    case 'bond':
      num('mode');
      break;
    default:
      break;
  }
  return out;
}

function addressArgs(a: AddressSpec): string[] {
  const out = [a.local];
  if (a.peer !== undefined) out.push('peer', a.peer);
  if (a.broadcast !== undefined) out.push('broadcast', a.broadcast);
  if (a.anycast !== undefined) out.push('anycast', a.anycast);
  if (a.label !== undefined) out.push('label', a.label);
  if (a.scope !== undefined) out.push('scope', scope(a.scope));
  if (a.metric !== undefined) out.push('metric', String(a.metric));
  if (a.proto !== undefined) out.push('proto', String(a.proto));
  if (a.valid_lft !== undefined) out.push('valid_lft', String(a.valid_lft));
  if (a.preferred_lft !== undefined) out.push('preferred_lft', String(a.preferred_lft));
  out.push(...(a.flags ?? []));
  out.push('dev', dev(a.dev));
  return out;
}

function addressDelArgs(a: AddressSpec): string[] {
  return [a.local, ...(a.peer !== undefined ? ['peer', a.peer] : []), 'dev', dev(a.dev)];
}

function neighArgs(n: NeighSpec, add: boolean): string[] {
  const out = [...(n.proxy ? ['proxy'] : []), n.dst];
  if (add && n.lladdr !== undefined) out.push('lladdr', n.lladdr);
  out.push('dev', dev(n.dev));
  if (add) {
    if (n.state !== undefined) out.push('nud', n.state);
    if (n.router) out.push('router');
    if (n.extern_learn) out.push('extern_learn');
    if (n.protocol !== undefined) out.push('protocol', String(n.protocol));
  }
  return out;
}

function nexthopArgs(n: NexthopSpec): string[] {
  const out = n.id ? ['id', String(n.id)] : [];
  if (n.group) {
    out.push('group', n.group.map((m) => (m.weight !== undefined && m.weight !== 1 ? `${m.id},${m.weight}` : String(m.id))).join('/'));
    if (n.type !== undefined) out.push('type', n.type);
    if (n.buckets !== undefined) out.push('buckets', String(n.buckets));
    if (n.idle_timer !== undefined) out.push('idle_timer', String(n.idle_timer));
    if (n.unbalanced_timer !== undefined) out.push('unbalanced_timer', String(n.unbalanced_timer));
  } else if (n.blackhole) {
    out.push('blackhole');
  } else {
    if (n.gateway !== undefined) out.push('via', n.gateway);
    if (n.dev !== undefined) out.push('dev', dev(n.dev));
    if (n.onlink) out.push('onlink');
  }
  if (n.fdb) out.push('fdb');
  if (n.protocol !== undefined) out.push('protocol', String(n.protocol));
  return out;
}

/** A blackhole or device-only IPv6 nexthop: nothing in its words says IPv6, so ip needs `-6`. */
function nexthopFamily6(n: NexthopSpec): boolean {
  return n.family === 6 && n.gateway === undefined && !n.group;
}

function routeFamily(r: RouteSpec): 4 | 6 {
  if (r.family !== undefined) return r.family;
  const hint = [r.dst, r.gateway, ...(r.nexthops ?? []).map((n) => n.gateway), r.prefsrc, r.src]
    .find((v) => v !== undefined && v !== 'default' && v !== 'all' && v !== 'any');
  return hint !== undefined && hint.includes(':') ? 6 : 4;
}

function gatewayArgs(gw: string, family: 4 | 6): string[] {
  // An IPv6 next hop of an IPv4 route (RTA_VIA) is `via inet6 GW`.
  return family === 4 && gw.includes(':') ? ['via', 'inet6', gw] : ['via', gw];
}

function nexthopFlags(flags: readonly string[] | undefined): string[] {
  return [...(flags ?? [])];
}

function routeArgs(r: RouteSpec): string[] {
  const family = routeFamily(r);
  const out: string[] = [];
  if (r.type !== undefined && r.type !== 'unicast') out.push(IP_ROUTE_TYPES.has(r.type) ? r.type : String(ROUTE_TYPE_NUMBERS[r.type] ?? r.type));
  const isDefault = r.dst === 'default' || r.dst === 'all' || r.dst === 'any';
  out.push(isDefault ? (family === 6 ? '::/0' : 'default') : r.dst);
  if (r.src !== undefined) out.push('from', r.src);
  if (r.tos !== undefined) out.push('tos', hex(r.tos));
  if (r.dscp !== undefined) out.push('tos', hex(r.dscp << 2));
  if (r.table !== undefined) out.push('table', String(r.table));
  if (r.protocol !== undefined) out.push('proto', String(r.protocol));
  if (r.scope !== undefined) out.push('scope', scope(r.scope));
  if (r.metric !== undefined) out.push('metric', String(r.metric));
  if (r.gateway !== undefined) out.push(...gatewayArgs(r.gateway, family));
  if (r.dev !== undefined) out.push('dev', dev(r.dev));
  if (r.prefsrc !== undefined) out.push('src', r.prefsrc);
  out.push(...nexthopFlags(r.flags));
  if (r.nhid !== undefined) out.push('nhid', String(r.nhid));
  for (const m of r.metrics ? metricArgs(r.metrics) : []) out.push(m);
  if (r.expires !== undefined) out.push('expires', String(r.expires));
  if (r.pref !== undefined) out.push('pref', r.pref);
  for (const nh of r.nexthops ?? []) out.push(...multipathArgs(nh, family));
  return out;
}

function multipathArgs(nh: NextHopSpec, family: 4 | 6): string[] {
  const out = ['nexthop'];
  if (nh.gateway !== undefined) out.push(...gatewayArgs(nh.gateway, family));
  if (nh.dev !== undefined) out.push('dev', dev(nh.dev));
  if (nh.weight !== undefined) out.push('weight', String(nh.weight));
  out.push(...nexthopFlags(nh.flags));
  return out;
}

/** Route metrics as `ip route` takes them; rtt, rttvar and rto_min without a unit are the kernel's own units. */
function metricArgs(m: NonNullable<RouteSpec['metrics']>): string[] {
  const out: string[] = [];
  const locked = new Set<string>(m.lock ?? []);
  for (const [k, v] of Object.entries(m)) {
    if (k === 'lock' || v === undefined) continue;
    if (k === 'features') {
      if (v !== 0 && v !== 1) throw new ValidationError(`ip route knows only 'features ecn' (1), not ${v}`, 'metrics.features');
      if (v === 1) out.push('features', 'ecn');
      continue;
    }
    out.push(k, ...(locked.has(k) ? ['lock'] : []), String(v));
  }
  return out;
}

function ruleFamily(r: RuleSpec): 4 | 6 {
  return r.family ?? ([r.src, r.dst].some((p) => p !== undefined && p.includes(':')) ? 6 : 4);
}

/** IPv4 rules first, then IPv6, each in the spec's order (the two families are separate rule lists). */
function byFamily<T extends { spec: RuleSpec }>(rules: readonly T[]): T[] {
  return [...rules.filter((r) => ruleFamily(r.spec) === 4), ...rules.filter((r) => ruleFamily(r.spec) === 6)];
}

function ruleArgs(r: RuleSpec): string[] {
  const out: string[] = [];
  if (r.not) out.push('not');
  if (r.src !== undefined) out.push('from', r.src);
  if (r.dst !== undefined) out.push('to', r.dst);
  if (r.tos !== undefined) out.push('tos', hex(r.tos));
  if (r.dscp !== undefined) out.push('dscp', String(r.dscp) + (r.dscp_mask !== undefined ? `/${hex(r.dscp_mask)}` : ''));
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    out.push('fwmark', hex(r.fwmark ?? 0) + (r.fwmask !== undefined ? `/${hex(r.fwmask)}` : ''));
  }
  if (r.iif !== undefined) out.push('iif', r.iif);
  if (r.oif !== undefined) out.push('oif', r.oif);
  if (r.l3mdev) out.push('l3mdev');
  if (r.uidrange !== undefined) out.push('uidrange', `${r.uidrange[0]}-${r.uidrange[1]}`);
  if (r.ipproto !== undefined) out.push('ipproto', String(r.ipproto));
  const port = (p: number | [number, number], mask: number | undefined): string =>
    (typeof p === 'number' ? String(p) : `${p[0]}-${p[1]}`) + (mask !== undefined ? `/${hex(mask)}` : '');
  if (r.sport !== undefined) out.push('sport', port(r.sport, r.sport_mask));
  if (r.dport !== undefined) out.push('dport', port(r.dport, r.dport_mask));
  if (r.flowlabel !== undefined) out.push('flowlabel', hex(r.flowlabel) + (r.flowlabel_mask !== undefined ? `/${hex(r.flowlabel_mask)}` : ''));
  if (r.tun_id !== undefined) out.push('tun_id', String(r.tun_id));
  if (r.realms !== undefined) out.push('realms', String(r.realms));
  if (r.protocol !== undefined) out.push('protocol', String(r.protocol));
  if (r.priority !== undefined) out.push('priority', String(r.priority));
  const action = r.action ?? (r.goto !== undefined ? 'goto' : 'lookup');
  if (action === 'goto') out.push('goto', String(r.goto));
  else if (action !== 'lookup') out.push(action);
  if (r.table !== undefined) out.push('table', String(r.table));
  if (r.suppress_prefixlength !== undefined) out.push('suppress_prefixlength', String(r.suppress_prefixlength));
  if (r.suppress_ifgroup !== undefined) out.push('suppress_ifgroup', String(r.suppress_ifgroup));
  return out;
}
