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
import { kindWords, lowerInData, type LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import { isDeviceSysctl, type LinkModel, type NamespaceModel, type TopologyModel } from './model.js';
import {
  bridgePortArgs,
  addressArgs, addressDelArgs, byFamily, linkAttrs, neighArgs, nexthopArgs, nexthopFamily6, routeArgs, ruleArgs, ruleFamily,
} from './ip-words.js';

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
  // A qdisc is tc's, not ip's: a script without it would not be the same network.
  for (const ns of model.namespaces) {
    for (const l of ns.links.values()) if (l.qdisc) throw new ValidationError(`${l.qdisc.path}: qdiscs are not written as ip commands (they are tc's)`);
  }
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
      for (const s of ns.sysctl) if (!isDeviceSysctl(s.spec.key)) out.push(this.sysctl(ns, s.spec.key, s.spec.value, s.path, false));
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
    const args = ['link', 'add', 'name', l.name, ...this.placed(ns), ...linkAttrs(l.attrs, true), 'type', kind];
    if (kind === 'veth') {
      const far = this.byKey.get(l.peer!.ns)!;
      const end = far.links.get(l.peer!.name);
      args.push('peer', 'name', l.peer!.name, ...linkAttrs(end?.attrs ?? {}, true), ...this.placed(far));
    } else if (kind === l.kind) {
      args.push(...kindWords(kind, l.data ?? {}, l.path));
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
      const [l] = pending.splice(Math.max(i, 0), 1);
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
      const inData = lowerInData(kind);
      const lower = l!.lower !== undefined && !inData ? ['link', l!.lower] : [];
      const data = kind === l!.kind ? kindWords(kind, l!.data ?? {}, l!.path) : [];
      if (inData && l!.lower !== undefined) data.push('dev', l!.lower);
      out.push(ip(['link', 'add', 'name', l!.name, ...lower, ...linkAttrs(l!.attrs, true), 'type', kind, ...data], l!.path));
    }
    // Settings of links that exist already (lo; the current namespace's own); the alias of
    // those made with `ip link add` (tun devices got theirs with their settings).
    for (const l of ns.links.values()) {
      const attrs = linkAttrs(l.attrs);
      if (l.origin === 'existing' && attrs.length) out.push(ip(['link', 'set', 'dev', l.name, ...attrs], l.path));
      else if (l.attrs.alias !== undefined && this.kinds.get(l) !== 'tun' && l.origin !== 'existing') {
        out.push(ip(['link', 'set', 'dev', l.name, 'alias', l.attrs.alias], l.path));
      }
    }
    for (const l of ns.links.values()) if (l.master !== undefined) out.push(ip(['link', 'set', 'dev', l.name, 'master', l.master], `${l.path}.master`));
    for (const l of ns.links.values()) {
      if (l.bridgePort) out.push(ip(['link', 'set', 'dev', l.name, 'type', 'bridge_slave', ...bridgePortArgs(l.bridgePort)], `${l.path}.bridgePort`));
      // `bridge vlan add` is no ip command: the script says what it leaves out.
      for (const v of l.vlans) this.notes.push(`${v.path}: not made by this script (bridge vlan add vid ${v.spec.vid}${v.spec.vidEnd === undefined ? '' : `-${v.spec.vidEnd}`} dev ${l.name}: a bridge command)`);
    }
    for (const l of ns.links.values()) for (const a of l.addresses) out.push(ip(['addr', 'add', ...addressArgs(a.spec)], a.path));
    for (const s of ns.sysctl) if (isDeviceSysctl(s.spec.key)) out.push(this.sysctl(ns, s.spec.key, s.spec.value, s.path));
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
        order.push(...made.splice(Math.max(i, 0), 1));
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
