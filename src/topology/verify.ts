// Verify: the kernel read back and compared with the spec, one line per
// difference with its place in the spec. In the namespaces the topology makes
// everything is its own, so what the spec does not name is "extra"; in the
// current namespace only what the spec names is looked at.
import { readFileSync } from 'node:fs';
import type { Link } from '../netlink/rtnl/link/codec.js';
import { checkQdisc, decodeQdisc, encodeQdisc, RTM_NEWQDISC, type QdiscSpec } from '../netlink/rtnl/qdisc/codec.js';
import { formatParent } from '../netlink/rtnl/tc/handles.js';
import type { Route, RouteSpec } from '../netlink/rtnl/route/codec.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import type { Rule } from '../netlink/rtnl/rule/codec.js';
import { formatAddress, parseAddress } from '../netlink/rtnl/inet.js';
import type { Namespace } from '../netns/namespace.js';
import { canonicalRoute, sameRoute } from '../netns/objects/route.js';
import { canonicalRule, sameSelectors } from '../netns/objects/rule.js';
import { inClientNetns, sysctlPath } from '../netns/objects/sysctl.js';
import type { NamespaceModel, TopologyModel } from './model.js';

export interface Difference {
  /** The spec's place (`namespaces.r1.routes[3]`), or the namespace's for what the spec does not name. */
  path: string;
  change: 'missing' | 'extra' | 'different';
  /** What: "route 20.0.0.0/8 table main", "link eth0 mtu 1500 (spec: 9000)". */
  what: string;
  /** The namespace's key in the spec. */
  ns: string;
  object: 'namespace' | 'link' | 'address' | 'sysctl' | 'route' | 'rule' | 'nexthop' | 'neigh' | 'bridge-vlan' | 'qdisc';
  /** What the spec wants (missing, different): its model item. */
  want?: unknown;
  /** What the kernel has (extra, different). */
  have?: unknown;
}

/** A namespace of a running topology, as verify reads it. */
export interface VerifiedNamespace {
  key: string;
  rtnl: Rtnl;
  namespace: Namespace;
}

/** Every difference between the kernel and the model, namespace by namespace. */
export async function verifyTopology(model: TopologyModel, namespaces: VerifiedNamespace[]): Promise<Difference[]> {
  const out: Difference[] = [];
  for (const ns of model.namespaces) {
    const here = namespaces.find((n) => n.key === ns.key);
    if (!here) {
      out.push({ path: ns.path, change: 'missing', what: `namespace ${ns.netnsName ?? ns.key}`, ns: ns.key, object: 'namespace', want: ns });
      continue;
    }
    out.push(...await new NamespaceCheck(model, ns, here.rtnl).run());
  }
  return out;
}

/** Wildcard-free route identity for reports. */
const routeLine = (r: { dst: string; table?: number | string | undefined }): string => `route ${r.dst}${r.table !== undefined && r.table !== 254 && r.table !== 'main' ? ` table ${r.table}` : ''}`;

class NamespaceCheck {
  private readonly out: Difference[] = [];
  private links = new Map<string, Link>();
  private byIndex = new Map<number, Link>();

  constructor(private readonly model: TopologyModel, private readonly ns: NamespaceModel, private readonly r: Rtnl) {}

  private diff(path: string, change: Difference['change'], object: Difference['object'], what: string, want?: unknown, have?: unknown): void {
    this.out.push({ path, change, what, ns: this.ns.key, object, ...(want !== undefined && { want }), ...(have !== undefined && { have }) });
  }

  async run(): Promise<Difference[]> {
    for (const l of await this.r.link.list()) {
      this.links.set(l.name, l);
      this.byIndex.set(l.index, l);
    }
    this.checkLinks();
    await this.checkAddresses();
    await this.checkQdiscs();
    this.checkSysctl();
    await this.checkRoutes();
    await this.checkRules();
    await this.checkNexthops();
    await this.checkNeighbours();
    await this.checkVlans();
    return this.out;
  }

  private checkLinks(): void {
    const { ns } = this;
    for (const l of ns.links.values()) {
      const k = this.links.get(l.name);
      if (!k) {
        this.diff(l.path, 'missing', 'link', `link ${l.name}`, l);
        continue;
      }
      if (l.kind) {
        const allowed = [l.kind, this.model.substitute[l.kind]].filter(Boolean);
        if (!allowed.includes(k.kind as never)) this.diff(l.path, 'different', 'link', `link ${l.name} is a ${k.kind ?? 'link without a kind'} (spec: ${l.kind})`, l, k);
      }
      if (l.attrs.mtu !== undefined && k.mtu !== l.attrs.mtu) this.diff(l.path, 'different', 'link', `link ${l.name} mtu ${k.mtu} (spec: ${l.attrs.mtu})`, l, k);
      if ((ns.owned || l.origin !== 'existing') && k.up !== l.up) this.diff(l.path, 'different', 'link', `link ${l.name} is ${k.up ? 'up' : 'down'} (spec: ${l.up ? 'up' : 'down'})`, l, k);
      const master = k.master !== undefined ? this.byIndex.get(k.master)?.name : undefined;
      if (l.master !== master && (l.master !== undefined || ns.owned)) {
        this.diff(l.path, 'different', 'link', `link ${l.name} master ${master ?? 'none'} (spec: ${l.master ?? 'none'})`, l, k);
      }
      for (const [key, want] of Object.entries(l.bridgePort ?? {})) {
        const have = (k.bridgePort as Record<string, unknown> | undefined)?.[key];
        if (have !== want) this.diff(`${l.path}.bridgePort.${key}`, 'different', 'link', `link ${l.name} bridge port ${key} ${String(have ?? 'unset')} (spec: ${String(want)})`, l, k);
      }
    }
    if (!ns.owned) return;
    for (const k of this.links.values()) if (!ns.links.has(k.name) && k.name !== 'lo') this.diff(ns.path, 'extra', 'link', `link ${k.name}`, undefined, k);
  }

  /** Each link's root qdisc: the spec's kind and options; the kernel's default (handle 0:) counts as none. */
  private async checkQdiscs(): Promise<void> {
    const { ns } = this;
    const all = (await this.r.qdisc.list()).filter((q) => q.handle !== '0:');
    for (const l of ns.links.values()) {
      const index = this.links.get(l.name)?.index;
      if (index === undefined) continue; // the link is reported missing
      // Where the spec's qdisc sits, as the dump names it (ingress and clsact at ffff:fff1, the others in the root).
      const parent = l.qdisc ? formatParent(checkQdisc(l.qdisc.spec).parent) : 'root';
      const have = all.find((q) => q.ifindex === index && q.parent === parent);
      if (!l.qdisc) {
        if (have && (ns.owned || l.origin !== 'existing')) this.diff(l.path, 'extra', 'qdisc', `qdisc ${have.kind} on ${l.name}`, undefined, have);
        continue;
      }
      const want = l.qdisc.spec;
      if (!have) {
        this.diff(l.qdisc.path, 'missing', 'qdisc', `qdisc ${want.kind} on ${l.name}`, want);
        continue;
      }
      const options = canonicalOptions(want);
      const differ = Object.keys(options).filter((k) => JSON.stringify(options[k]) !== JSON.stringify((have.options as Record<string, unknown> | undefined)?.[k]));
      if (have.kind !== want.kind || differ.length) {
        const what = have.kind !== want.kind ? `is ${have.kind} (spec: ${want.kind})` : differ.map((k) => `${k} ${JSON.stringify((have.options as Record<string, unknown>)[k])} (spec: ${JSON.stringify(options[k])})`).join(', ');
        this.diff(l.qdisc.path, 'different', 'qdisc', `qdisc on ${l.name} ${what}`, want, have);
      }
    }
  }

  private async checkAddresses(): Promise<void> {
    const { ns } = this;
    const addrs = await this.r.addr.list();
    const seen = new Set<unknown>();
    for (const l of ns.links.values()) {
      const index = this.links.get(l.name)?.index;
      for (const a of l.addresses) {
        const p = parseAddress(a.spec.local, 'local');
        const local = a.spec.local.split('/')[0]!;
        const canonical = formatAddress(p.bytes);
        const len = a.spec.peer !== undefined ? undefined : p.prefixlen ?? (p.family === 4 ? 32 : 128);
        const found = addrs.find((x) => x.index === index && x.local === canonical && (len === undefined || x.prefixlen === len));
        if (!found) this.diff(a.path, 'missing', 'address', `address ${local}${len !== undefined ? `/${len}` : ''} on ${l.name}`, a.spec);
        else seen.add(found);
      }
    }
    if (!ns.owned) return;
    for (const x of addrs) {
      if (seen.has(x)) continue;
      // What the kernel gives every namespace and link: loopback and IPv6 link-local addresses.
      if (x.local === '127.0.0.1' || x.local === '::1' || x.local.startsWith('fe80:')) continue;
      this.diff(ns.path, 'extra', 'address', `address ${x.local}/${x.prefixlen} on ${this.byIndex.get(x.index)?.name ?? `index ${x.index}`}`, undefined, x);
    }
  }

  private checkSysctl(): void {
    for (const s of this.ns.sysctl) {
      let now: string;
      try {
        now = inClientNetns(this.r, () => readFileSync(sysctlPath(s.spec.key), 'utf8').trim());
      } catch {
        this.diff(s.path, 'missing', 'sysctl', `sysctl ${s.spec.key}`, s.spec);
        continue;
      }
      if (now !== s.spec.value) this.diff(s.path, 'different', 'sysctl', `sysctl ${s.spec.key} is ${now} (spec: ${s.spec.value})`, s.spec, now);
    }
  }

  /** A route spec with its devices as indexes (as the kernel reports them); undefined when a device is missing. */
  private indexed(spec: RouteSpec): RouteSpec | undefined {
    let missing = false;
    const index = (d: string | number): number => {
      const i = typeof d === 'string' ? this.links.get(d)?.index : d;
      if (i === undefined) missing = true;
      return i ?? 0;
    };
    const out: RouteSpec = { ...spec };
    if (spec.dev !== undefined) out.dev = index(spec.dev);
    if (spec.nexthops) out.nexthops = spec.nexthops.map((n) => (n.dev === undefined ? n : { ...n, dev: index(n.dev) }));
    return missing ? undefined : out;
  }

  private async checkRoutes(): Promise<void> {
    const { ns } = this;
    const dumps = new Map<number, Route[]>();
    const all = async (family: 4 | 6): Promise<Route[]> => {
      let d = dumps.get(family);
      if (!d) dumps.set(family, (d = await this.r.route.list({ family, table: 'all' })));
      return d;
    };
    const seen = new Set<Route>();
    for (const r of ns.routes) {
      const spec = this.indexed(r.spec);
      const want = spec && canonicalRoute(spec);
      const found = want && (await all(want.family)).find((x) => !seen.has(x) && sameRoute(x, want));
      if (!found) this.diff(r.path, 'missing', 'route', routeLine(r.spec), r.spec);
      else seen.add(found);
    }
    if (!ns.owned) return;
    for (const family of [4, 6] as const) {
      for (const x of await all(family)) {
        if (seen.has(x) || x.protocol === 'kernel' || x.table === 255 || x.type === 'multicast') continue;
        this.diff(ns.path, 'extra', 'route', `${routeLine(x)} (${x.type}, proto ${x.protocol})`, undefined, x);
      }
    }
  }

  private async checkRules(): Promise<void> {
    const { ns } = this;
    const dumps = new Map<number, Rule[]>();
    const seen = new Set<Rule>();
    for (const r of ns.rules) {
      const want = canonicalRule(r.spec);
      let list = dumps.get(want.family);
      if (!list) dumps.set(want.family, (list = await this.r.rule.list({ family: want.family })));
      const found = list.find((x) => !seen.has(x) && sameSelectors(x, want) && (r.spec.priority === undefined || x.priority === r.spec.priority));
      if (!found) this.diff(r.path, 'missing', 'rule', `rule${r.spec.priority !== undefined ? ` priority ${r.spec.priority}` : ''}`, r.spec);
      else seen.add(found);
    }
    if (!ns.owned) return;
    for (const family of [4, 6] as const) {
      let list = dumps.get(family);
      if (!list) dumps.set(family, (list = await this.r.rule.list({ family })));
      for (const x of list) {
        // The rules every namespace starts with: local, main, default.
        if (seen.has(x) || x.protocol === 'kernel') continue;
        this.diff(ns.path, 'extra', 'rule', `rule priority ${x.priority} (lookup ${x.table})`, undefined, x);
      }
    }
  }

  private async checkNexthops(): Promise<void> {
    const { ns } = this;
    if (ns.nexthops.length === 0 && !ns.owned) return;
    const list = await this.r.nexthop.list();
    const ids = new Set(list.map((n) => n.id));
    const mine = new Set<number>();
    for (const n of ns.nexthops) {
      if (!n.spec.id) continue; // numbered by the kernel: nothing to look up by
      mine.add(n.spec.id);
      if (!ids.has(n.spec.id)) this.diff(n.path, 'missing', 'nexthop', `nexthop ${n.spec.id}`, n.spec);
    }
    if (!ns.owned || ns.nexthops.some((n) => !n.spec.id)) return;
    for (const n of list) if (!mine.has(n.id)) this.diff(ns.path, 'extra', 'nexthop', `nexthop ${n.id}`, undefined, n);
  }

  /** The bridge VLANs the spec gives its links: each VLAN of a range present (extra ones are not reported). */
  private async checkVlans(): Promise<void> {
    const wanted = [...this.ns.links.values()].flatMap((l) => l.vlans);
    if (wanted.length === 0) return;
    const list = await this.r.bridge.vlan.list();
    for (const v of wanted) {
      const index = this.links.get(v.spec.dev as string)?.index;
      const have = list.find((p) => p.ifindex === index)?.vlans ?? [];
      const last = v.spec.vidEnd ?? v.spec.vid;
      const covered = (vid: number): boolean => have.some((h) => h.vid <= vid && vid <= (h.vidEnd ?? h.vid) && h.pvid === !!v.spec.pvid && h.untagged === !!v.spec.untagged);
      let ok = true;
      for (let vid = v.spec.vid; vid <= last && ok; vid++) ok = covered(vid);
      if (!ok) this.diff(v.path, 'missing', 'bridge-vlan', `bridge vlan ${v.spec.vid}${last !== v.spec.vid ? `-${last}` : ''} on ${v.spec.dev}`, v.spec);
    }
  }

  private async checkNeighbours(): Promise<void> {
    const { ns } = this;
    if (ns.neigh.length === 0) return;
    const list = [...await this.r.neigh.list(), ...await this.r.neigh.list({ proxy: true })];
    for (const n of ns.neigh) {
      const index = typeof n.spec.dev === 'string' ? this.links.get(n.spec.dev)?.index : n.spec.dev;
      const dst = formatAddress(parseAddress(n.spec.dst, 'dst').bytes);
      if (!list.some((x) => x.ifindex === index && x.dst === dst && x.proxy === !!n.spec.proxy)) this.diff(n.path, 'missing', 'neigh', `neighbour ${n.spec.dst} on ${n.spec.dev}`, n.spec);
    }
  }
}

/**
 * A qdisc spec's options as the kernel reports them (the decoder reading the
 * request netnest would send), without what the kernel recomputes in its own
 * clock (a tbf's burst and mtu come back a byte or so off) or fills in itself.
 */
function canonicalOptions(spec: QdiscSpec): Record<string, unknown> {
  const { burst: _b, mtu: _m, direct_qlen: _d, direct_packets_stat: _p, ...options } =
    (decodeQdisc(encodeQdisc(RTM_NEWQDISC, 0, checkQdisc(spec), () => 1).bytes).options ?? {}) as Record<string, unknown>;
  return options;
}
