// A spec, checked whole and resolved into what is to exist: per namespace,
// its links (which one creates each veth end), addresses, sysctls,
// neighbours, nexthops, routes and rules, generated lists expanded, each
// item carrying its place in the spec (`namespaces.r1.routes[3]`) for errors.
// Nothing here touches the kernel: every problem of a file is found and
// reported at once, before anything is built.
import { NetnestError, ValidationError } from '../netlink/core/errors.js';
import { problems, type Problem } from '../netlink/core/schema.js';
import type { AddressSpec } from '../netlink/rtnl/address/codec.js';
import { checkAddress } from '../netlink/rtnl/address/codec.js';
import { parseAddress } from '../netlink/rtnl/inet.js';
import { KINDS_WITH_DATA, LINK_KINDS, needsLower, type LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import { linkNameProblem } from '../netlink/rtnl/devices.js';
import { checkNeigh, encodeNeigh, RTM_NEWNEIGH } from '../netlink/rtnl/neigh/codec.js';
import { checkBridgeVlan, type BridgeVlanSpec } from '../netlink/rtnl/bridge/codec.js';
import { checkQdisc, type QdiscSpec } from '../netlink/rtnl/qdisc/codec.js';
import { checkNexthop, encodeNexthop, RTM_NEWNEXTHOP } from '../netlink/rtnl/nexthop/codec.js';
import { checkRoute, encodeRoute, type RouteSpec } from '../netlink/rtnl/route/codec.js';
import { RTM_NEWROUTE } from '../netlink/rtnl/route/constants.js';
import { checkRule } from '../netlink/rtnl/rule/codec.js';
import { tableId } from '../netlink/rtnl/names.js';
import { checkNamespaceName } from '../netns/options.js';
import { expand } from './generate.js';
import type { LinkModel, Located, NamespaceModel, TopologyModel } from './model-types.js';
import { TopologySpecSchema, type TopologyCurrent, type TopologyLink, type TopologySpec } from './spec.js';

export type { LinkModel, Located, NamespaceModel, TopologyModel } from './model-types.js';

/**
 * A sysctl of one device (`net.ipv6.conf.eth0.accept_dad`), not `all` or
 * `default`: written once the device exists, where the others go first.
 */
export function isDeviceSysctl(key: string): boolean {
  const m = /^net[./]ipv[46][./](?:conf|neigh)[./]([^./]+)[./]/.exec(key);
  return m !== null && m[1] !== 'all' && m[1] !== 'default';
}

/** A spec with problems: every one of them, each with its place. */
export class TopologyError extends NetnestError {
  readonly problems: readonly Problem[];
  constructor(problems: Problem[], source?: string) {
    const n = problems.length;
    super('ERR_TOPOLOGY_INVALID', `${source ? `${source}: ` : ''}${n} problem${n === 1 ? '' : 's'} in the topology spec:\n` +
      problems.map((p) => `  ${p.path || '(the spec)'}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

const CURRENT = 'current';
const OWNED_LINKS = new Set(['lo']); // what a new namespace has

/** Checks a spec whole and resolves it; TopologyError listing every problem otherwise. */
export function resolveTopology(input: unknown, source?: string): TopologyModel {
  const found = problems(TopologySpecSchema, input);
  // The rest of the spec is still checked — without the parts the schema refused — so a
  // file's author sees every problem at once.
  const spec = found.length ? prune(input, found) : input;
  if (spec === undefined) throw new TopologyError(found, source);
  const r = new Resolver(spec as TopologySpec);
  const model = r.resolve();
  const all = [...found, ...r.problems];
  if (all.length) throw new TopologyError(all, source);
  return model;
}

/**
 * A copy of the spec without what the problems point at (a field deleted, a
 * list item left as a hole); undefined when the spec as a whole is refused.
 */
function prune(input: unknown, found: Problem[]): unknown {
  if (found.some((p) => p.path === '')) return undefined;
  const copy = structuredClone(input) as Record<string, unknown>;
  for (const p of found) {
    const steps = [...p.path.matchAll(/\.?([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)].map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(m[3]!) as string));
    let at: unknown = copy;
    for (const step of steps.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string | number, unknown>)[step] : undefined;
    const last = steps.at(-1);
    if (at && typeof at === 'object' && last !== undefined) {
      if (Array.isArray(at) && typeof last === 'number') at[last] = undefined;
      else delete (at as Record<string | number, unknown>)[last];
    }
  }
  return copy;
}

class Resolver {
  readonly problems: Problem[] = [];
  /** Settings given to kindless links of the current namespace: refused unless a veth of the spec makes the link. */
  private readonly currentSettings = new Map<LinkModel, string[]>();
  private readonly model: TopologyModel;

  constructor(private readonly spec: TopologySpec) {
    this.model = { name: spec.name, persistent: spec.persistent ?? false, substitute: {}, namespaces: [] };
  }

  private problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** Runs `fn`, turning a ValidationError into a problem at `path` (its own field appended). */
  private guard(path: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      const field = e.field ? `${path}.${e.field}` : path;
      this.problem(field, e.field && e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message);
    }
  }

  resolve(): TopologyModel {
    const { spec, model } = this;
    for (const [from, to] of Object.entries(spec.substitute ?? {})) {
      if (!(LINK_KINDS as readonly string[]).includes(from)) {
        this.problem(`substitute.${from}`, `'${from}' is not a link kind`);
      } else {
        model.substitute[from as LinkKind] = to;
      }
    }
    for (const [key, ns] of Object.entries(spec.namespaces ?? {})) {
      const path = `namespaces.${key}`;
      if (key === CURRENT) this.problem(path, `'${CURRENT}' names the namespace the builder runs in; give it at the top level (current:)`);
      if (key.includes('/')) this.problem(path, `a namespace key cannot contain '/' (it separates namespace and link in a peer)`);
      const netnsName = `${spec.name}-${key}`;
      this.guard(path, () => checkNamespaceName(netnsName, ''));
      model.namespaces.push(this.namespace(key, path, ns, true, netnsName, ns.persistent ?? model.persistent));
    }
    if (spec.current) model.namespaces.push(this.namespace(CURRENT, CURRENT, spec.current, false, undefined, false));
    this.peers();
    for (const ns of model.namespaces) this.references(ns);
    return model;
  }

  private namespace(key: string, path: string, s: TopologyCurrent, owned: boolean, netnsName: string | undefined, persistent: boolean): NamespaceModel {
    const ns: NamespaceModel = {
      key, path, owned, persistent, sysctl: [], links: new Map(), neigh: [], nexthops: [], routes: [], rules: [],
      ...(netnsName !== undefined && { netnsName }),
    };
    for (const [k, v] of Object.entries(s.sysctl ?? {})) {
      if (!/^net[./]/.test(k)) this.problem(`${path}.sysctl["${k}"]`, 'only net.* sysctls belong to a network namespace');
      ns.sysctl.push({ spec: { key: k, value: String(v) }, path: `${path}.sysctl["${k}"]` });
    }
    for (const [name, l] of Object.entries(s.links ?? {})) if (l) ns.links.set(name, this.link(ns, name, l));
    // (An item the schema refused is a hole here: skipped, its problem already told.)
    s.neigh?.forEach((n, i) => {
      if (n) ns.neigh.push({ spec: n, path: `${path}.neigh[${i}]` });
    });
    s.nexthops?.forEach((n, i) => {
      if (n) ns.nexthops.push({ spec: n, path: `${path}.nexthops[${i}]` });
    });
    s.routes?.forEach((line, i) => {
      if (!line) return;
      for (const g of this.generated(`${path}.routes[${i}]`, () => expand(line, { dst: 1 }))) ns.routes.push(g);
    });
    s.rules?.forEach((line, i) => {
      if (!line) return;
      for (const g of this.generated(`${path}.rules[${i}]`, () => expand(line, { priority: 1 }))) ns.rules.push(g);
    });
    return ns;
  }

  private generated<T>(path: string, gen: () => { spec: T; item: number }[]): Located<T>[] {
    try {
      const items = gen();
      return items.map((g) => ({ spec: g.spec, path: items.length > 1 ? `${path}#${g.item}` : path }));
    } catch (e) {
      this.problem(path, e instanceof Error ? e.message.replace(/^\w+: /, '') : String(e));
      return [];
    }
  }

  private link(ns: NamespaceModel, name: string, l: TopologyLink): LinkModel {
    const path = `${ns.path}.links.${name}`;
    const bad = linkNameProblem(name);
    if (bad) this.problem(path, bad);
    const { kind, up, peer, master, link, addresses, bridgePort, vlans, qdisc, ...rest } = l;
    const data: Record<string, unknown> = {};
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) {
      if ((KINDS_WITH_DATA as string[]).includes(k)) data[k] = v;
      else attrs[k] = v;
    }
    const m: LinkModel = {
      name, path, origin: kind ? 'create' : OWNED_LINKS.has(name) || !ns.owned ? 'existing' : 'peer', attrs: attrs as LinkModel['attrs'], up: up ?? true, addresses: [],
      vlans: [], ...(kind && { kind }), ...(master !== undefined && { master }), ...(link !== undefined && { lower: link }),
      ...(bridgePort !== undefined && { bridgePort }),
    };
    if (bridgePort !== undefined && master === undefined) this.problem(`${path}.bridgePort`, 'bridge port options need a master bridge: master: BRIDGE');
    this.bridgeVlans(m, vlans, master !== undefined);
    for (const [k, v] of Object.entries(data)) {
      if (v === undefined) continue;
      if (k !== kind) this.problem(`${path}.${k}`, `'${k}' options given for ${kind ? `a ${kind} link` : 'a link without a kind'}`);
      else m.data = v as Record<string, unknown>;
    }
    if (peer !== undefined) {
      if (kind !== 'veth') {
        this.problem(`${path}.peer`, kind ? `only veth links have a peer, not ${kind}` : 'a far end gets its peer from the veth that creates it; give `kind: veth` on one end only');
      } else {
        const slash = peer.indexOf('/');
        m.peer = slash < 0 ? { ns: ns.key, name: peer } : { ns: peer.slice(0, slash), name: peer.slice(slash + 1) };
      }
    } else if (kind === 'veth') {
      this.problem(`${path}.peer`, "a veth needs its other end: peer: NS/LINK (or LINK in the same namespace)");
    }
    if (kind && needsLower(kind) && link === undefined) this.problem(`${path}.link`, `a ${kind} needs its lower device: link: LINK`);
    if (!kind && !ns.owned) {
      const settings = [...Object.keys(attrs), ...(up !== undefined ? ['up'] : []), ...(master !== undefined ? ['master'] : [])];
      if (settings.length) this.currentSettings.set(m, settings);
    }
    (addresses ?? []).forEach((a, i) => {
      if (a === undefined) return;
      const spec: AddressSpec = typeof a === 'string' ? { dev: name, local: a } : { ...a, dev: name };
      const apath = `${path}.addresses[${i}]`;
      this.guard(apath, () => checkAddress({ ...spec, dev: 1 }));
      m.addresses.push({ spec, path: apath });
    });
    if (qdisc !== undefined) this.qdisc(m, qdisc);
    return m;
  }

  /** `vlans:` of a bridge port (or of a bridge, with self: true), checked as bridge.vlan.add checks them. */
  private bridgeVlans(m: LinkModel, vlans: TopologyLink['vlans'], port: boolean): void {
    (vlans ?? []).forEach((v, i) => {
      if (v === undefined) return;
      const vpath = `${m.path}.vlans[${i}]`;
      const spec: BridgeVlanSpec = { ...v, dev: m.name };
      this.guard(vpath, () => checkBridgeVlan({ ...spec, dev: 1 }));
      if (!v.self && !port) this.problem(vpath, `a bridge VLAN belongs to a bridge port (master: BRIDGE), or to a bridge with self: true`);
      m.vlans.push({ spec, path: vpath });
    });
  }

  /** `qdisc: { KIND: OPTIONS }`: one kind, checked as qdisc.add checks it. */
  private qdisc(m: LinkModel, q: Record<string, unknown>): void {
    const path = `${m.path}.qdisc`;
    const kinds = Object.keys(q);
    if (kinds.length !== 1) {
      this.problem(path, `give one qdisc kind with its options (e.g. { netem: { delay: 10ms } }), got ${kinds.length ? kinds.join(', ') : 'none'}`);
      return;
    }
    const kind = kinds[0]!;
    const spec = { dev: m.name, kind, options: q[kind] } as QdiscSpec;
    // The options' fields are named as the spec has them: qdisc.netem.delay.
    this.guard(`${path}.${kind}`, () => {
      try {
        checkQdisc(spec);
      } catch (e) {
        if (!(e instanceof ValidationError) || !e.field?.startsWith('options')) throw e;
        const message = e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message;
        throw new ValidationError(message, e.field.replace(/^options\.?/, '') || undefined);
      }
    });
    m.qdisc = { spec, path };
  }

  /** Each veth's far end: made in its namespace, declared there without a kind (or not at all). */
  private peers(): void {
    const byKey = new Map(this.model.namespaces.map((n) => [n.key, n]));
    for (const ns of this.model.namespaces) {
      for (const l of [...ns.links.values()]) {
        if (l.origin !== 'create' || !l.peer) continue;
        let target = byKey.get(l.peer.ns);
        if (!target && l.peer.ns === CURRENT) {
          // The current namespace, not otherwise mentioned in the spec.
          target = { key: CURRENT, path: CURRENT, owned: false, persistent: false, sysctl: [], links: new Map(), neigh: [], nexthops: [], routes: [], rules: [] };
          this.model.namespaces.push(target);
          byKey.set(CURRENT, target);
        }
        if (!target) {
          this.problem(`${l.path}.peer`, `no namespace '${l.peer.ns}' in the spec (namespaces: ${[...byKey.keys()].join(', ') || 'none'})`);
          continue;
        }
        const bad = linkNameProblem(l.peer.name);
        if (bad) {
          this.problem(`${l.path}.peer`, bad);
          continue;
        }
        if (target === ns && l.peer.name === l.name) {
          this.problem(`${l.path}.peer`, 'a veth cannot be its own peer');
          continue;
        }
        const far = target.links.get(l.peer.name);
        if (far && far.origin === 'create') {
          const mutual = far.kind === 'veth' && far.peer?.ns === ns.key && far.peer.name === l.name;
          // Told once for a pair whose two ends both claim it.
          if (!mutual || `${ns.key}/${l.name}` < `${target.key}/${far.name}`) {
            this.problem(far.path, mutual
              ? `both ends of the veth ${ns.key}/${l.name} — ${target.key}/${l.peer.name} create it; give kind and peer on one end only`
              : `${target.key}/${l.peer.name} is created here and as the peer of ${l.path}`);
          }
          continue;
        }
        if (far?.peer) {
          this.problem(`${l.path}.peer`, `${target.key}/${l.peer.name} is already the peer of ${far.peer.ns}/${far.peer.name}`);
          continue;
        }
        if (far && far.origin === 'existing' && OWNED_LINKS.has(far.name)) {
          this.problem(`${l.path}.peer`, `${target.key}/${l.peer.name} exists already; a veth's peer is a new link`);
          continue;
        }
        const end: LinkModel = far ?? { name: l.peer.name, path: `${l.path}.peer`, origin: 'peer', attrs: {}, up: true, addresses: [], vlans: [] };
        end.origin = 'peer';
        end.kind = 'veth';
        end.peer = { ns: ns.key, name: l.name };
        if (!far) target.links.set(end.name, end);
      }
    }
    for (const ns of this.model.namespaces) {
      for (const l of ns.links.values()) {
        if (l.origin === 'peer' && !l.peer) {
          this.problem(l.path, `has no kind, and no veth in the spec creates it (a new namespace has only ${[...OWNED_LINKS].join(', ')}); give it a kind, or name it as a veth's peer`);
        }
      }
    }
  }

  /** What links, routes and rules of a namespace refer to exists in it. */
  private references(ns: NamespaceModel): void {
    for (const [l, settings] of this.currentSettings) {
      // A link of the current namespace the spec did not make: adding addresses is recorded and undone,
      // changing its settings would not be.
      if (l.origin !== 'existing' || !ns.links.has(l.name) || ns.links.get(l.name) !== l) continue;
      for (const k of settings) this.problem(`${l.path}.${k}`, `${l.name} exists already in the current namespace: the topology may add addresses to it, not change its ${k}`);
    }
    const has = (name: string): boolean => ns.links.has(name) || !ns.owned;
    const index = (dev: string | number, field: string): number => {
      if (typeof dev === 'number') return dev;
      if (!has(dev)) throw new ValidationError(`no link '${dev}' in ${ns.path} (links: ${[...ns.links.keys()].join(', ') || 'none'})`, field);
      return 1;
    };
    for (const l of ns.links.values()) {
      if (l.master !== undefined) {
        const m = ns.links.get(l.master);
        if (!m && ns.owned) this.problem(`${l.path}.master`, `no link '${l.master}' in ${ns.path}`);
        else if (m && m.kind !== undefined && !['bridge', 'bond', 'vrf'].includes(m.kind)) this.problem(`${l.path}.master`, `'${l.master}' is a ${m.kind}, not a bridge, bond or vrf`);
        else if (m && m.origin !== 'create' && ns.owned) this.problem(`${l.path}.master`, `'${l.master}' is not a bridge this spec creates in ${ns.path}`);
        if (m?.kind !== undefined && m.kind !== 'bridge' && (l.bridgePort !== undefined || l.vlans.length)) {
          this.problem(`${l.path}.${l.bridgePort !== undefined ? 'bridgePort' : 'vlans'}`, `'${l.master}' is a ${m.kind}, not a bridge`);
        }
      }
      if (l.lower !== undefined && !has(l.lower)) this.problem(`${l.path}.link`, `no link '${l.lower}' in ${ns.path}`);
    }
    const addrs = new Map<string, string>();
    for (const l of ns.links.values()) {
      for (const a of l.addresses) {
        const local = a.spec.local.split('/')[0]!;
        const prev = addrs.get(local);
        if (prev) this.problem(a.path, `address ${local} is given twice in ${ns.path} (also ${prev})`);
        else addrs.set(local, a.path);
      }
    }
    const nexthopIds = new Set<number>();
    for (const n of ns.nexthops) {
      this.guard(n.path, () => encodeNexthop(RTM_NEWNEXTHOP, 0, checkNexthop(n.spec), index));
      if (n.spec.id) {
        if (nexthopIds.has(n.spec.id)) this.problem(`${n.path}.id`, `nexthop id ${n.spec.id} is given twice in ${ns.path}`);
        nexthopIds.add(n.spec.id);
      }
    }
    for (const n of ns.nexthops) {
      n.spec.group?.forEach((g, i) => {
        if (!nexthopIds.has(g.id)) this.problem(`${n.path}.group[${i}].id`, `no nexthop with id ${g.id} in ${ns.path}`);
      });
    }
    for (const n of ns.neigh) this.guard(n.path, () => encodeNeigh(RTM_NEWNEIGH, 0, checkNeigh(n.spec), index));
    const routes = new Map<string, string>();
    for (const r of ns.routes) {
      this.guard(r.path, () => {
        if (r.spec.table !== undefined && tableId(r.spec.table) === 0) throw new ValidationError('table 0 is not a table (use main, local or 1..4294967295)', 'table');
        encodeRoute(RTM_NEWROUTE, 0, checkRoute(r.spec), index);
        if (r.spec.nhid !== undefined && ns.owned && !nexthopIds.has(r.spec.nhid)) throw new ValidationError(`no nexthop with id ${r.spec.nhid} in ${ns.path}`, 'nhid');
      });
      const key = routeKey(r.spec);
      const prev = key && routes.get(key);
      if (prev) this.problem(r.path, `the same route as ${prev} (destination, table, tos and metric)`);
      else if (key) routes.set(key, r.path);
    }
    const priorities = new Set(ns.rules.flatMap((r) => (r.spec.priority !== undefined ? [r.spec.priority] : [])));
    for (const r of ns.rules) {
      this.guard(r.path, () => {
        checkRule(r.spec);
        if (r.spec.goto !== undefined && ns.owned && !priorities.has(r.spec.goto)) throw new ValidationError(`no rule with priority ${r.spec.goto} in ${ns.path} to go to`, 'goto');
        if (r.spec.goto !== undefined && r.spec.priority !== undefined && r.spec.goto <= r.spec.priority) {
          throw new ValidationError(`goto ${r.spec.goto} goes back from priority ${r.spec.priority}; the kernel only goes forward`, 'goto');
        }
      });
    }
  }
}

/** What makes two routes the same to the kernel (EEXIST); undefined when the spec does not parse. */
function routeKey(r: RouteSpec): string | undefined {
  try {
    const dst = r.dst === 'default' || r.dst === 'all' || r.dst === 'any' ? `default/${r.family ?? 4}` : (() => {
      const a = parseAddress(r.dst, 'dst');
      return `${a.bytes.toString('hex')}/${a.prefixlen ?? a.bytes.length * 8}`;
    })();
    return `${dst} from ${r.src ?? ''} table ${tableId(r.table ?? 'main')} tos ${r.tos ?? r.dscp ?? 0} metric ${r.metric ?? ''}`;
  } catch {
    return undefined;
  }
}
