// Building a topology through one NamespaceManager: namespaces first, then
// links (each veth end born in its namespace), masters, sysctls, up states,
// addresses, qdiscs, neighbours, nexthops, routes and rules (bulk). Namespaces are
// independent and built side by side. A failure anywhere removes everything
// built so far, and the error names the spec's place and carries the
// kernel's answer.
import { NetlinkError, NetnestError, kernelOption } from '../netlink/core/errors.js';
import type { Address } from '../netlink/rtnl/address/codec.js';
import type { LinkAddSpec } from '../netlink/rtnl/link/codec.js';
import type { LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import type { CleanupReport, NamespaceManager } from '../netns/manager.js';
import type { Namespace } from '../netns/namespace.js';
import { isDeviceSysctl, type LinkModel, type Located, type NamespaceModel, type TopologyModel } from './model.js';

/** A build step that failed: where in the spec, and what the kernel (or the library) said. */
export class TopologyBuildError extends NetnestError {
  /** The spec's place: `namespaces.r1.routes[3]`. */
  readonly path: string;
  readonly errnoName: string | undefined;
  readonly extackMessage: string | undefined;
  /** What cleaning up the half-built topology did. */
  rollback: CleanupReport | undefined;
  constructor(path: string, cause: Error, hint = '') {
    super('ERR_TOPOLOGY_BUILD', `${path}: ${cause.message}${hint}`, { cause });
    this.path = path;
    this.errnoName = cause instanceof NetlinkError ? cause.errnoName : (cause as { code?: string }).code;
    this.extackMessage = cause instanceof NetlinkError ? cause.extackMessage : undefined;
  }
}

/** One namespace of a build: its model, handle and client. */
export interface Built {
  model: NamespaceModel;
  ns: Namespace;
  rtnl: Rtnl;
}

export interface BuildReport {
  /** Kinds made instead of ones the kernel lacks: "namespaces.r1.links.d0: dummy → ifb (the kernel lacks CONFIG_DUMMY)". */
  substitutions: string[];
  /** Milliseconds per phase. */
  timings: Record<string, number>;
}

/** How long a build waits for IPv6 addresses to finish duplicate address detection. */
const DAD_LIMIT_MS = 10_000;


/** Runs one step; its failure becomes a TopologyBuildError naming the spec's place. */
async function at<T>(path: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TopologyBuildError) throw e;
    throw new TopologyBuildError(path, e instanceof Error ? e : new Error(String(e)));
  }
}

export class Builder {
  readonly report: BuildReport = { substitutions: [], timings: {} };
  readonly built = new Map<string, Built>();

  constructor(private readonly model: TopologyModel, private readonly m: NamespaceManager, private readonly substitute: Partial<Record<LinkKind, LinkKind>>) {}

  /** Builds everything; on failure the caller cleans the manager up. */
  async build(onPhase: (phase: string) => void = () => undefined): Promise<void> {
    const phase = async (name: string, fn: (b: Built) => Promise<void>): Promise<void> => {
      onPhase(name);
      const t = performance.now();
      // Namespaces are independent: each phase runs in all of them side by side.
      await Promise.all([...this.built.values()].map(fn));
      this.report.timings[name] = (this.report.timings[name] ?? 0) + performance.now() - t;
    };
    onPhase('namespaces');
    const t = performance.now();
    for (const ns of this.model.namespaces) {
      // lo comes up unless the spec says otherwise (`ip netns add` leaves it down; a lab wants it up).
      const lo = ns.links.get('lo')?.up ?? true;
      const handle = ns.owned
        ? await at(ns.path, () => this.m.create({ name: ns.netnsName!, mode: ns.persistent ? 'persistent' : 'process-bound', lo }))
        : this.m.root;
      this.built.set(ns.key, { model: ns, ns: handle, rtnl: this.m.rtnl(handle) });
    }
    await this.m.whenReady();
    this.report.timings.namespaces = performance.now() - t;
    // Namespace-wide sysctls before the links, so that defaults (net.ipv6.conf.default.*) reach them.
    await phase('sysctl', async (b) => {
      for (const s of b.model.sysctl) if (!isDeviceSysctl(s.spec.key)) await at(s.path, () => this.m.sysctl(b.ns, s.spec.key, s.spec.value));
    });
    // Links in three rounds: what needs nothing, then veths (their far ends land in
    // namespaces that exist now), then what sits on a lower device.
    await phase('links', (b) => this.links(b, (l) => l.kind !== 'veth' && l.lower === undefined));
    await phase('links', (b) => this.links(b, (l) => l.kind === 'veth'));
    await phase('links', (b) => this.links(b, (l) => l.lower !== undefined));
    await phase('masters', (b) => this.masters(b));
    await phase('sysctl', async (b) => {
      for (const s of b.model.sysctl) if (isDeviceSysctl(s.spec.key)) await at(s.path, () => this.m.sysctl(b.ns, s.spec.key, s.spec.value));
      // A link whose IPv6 addresses all skip duplicate address detection (`nodad`) skips it for
      // its link-local address too: until that one is usable the kernel cannot resolve
      // neighbours for what it forwards (it would ask from ::), and the first packets are lost.
      for (const l of b.model.links.values()) {
        const v6 = l.addresses.filter((a) => a.spec.local.includes(':'));
        if (v6.length && v6.every((a) => a.spec.flags?.includes('nodad'))) {
          await at(`${l.path}.addresses`, () => this.m.sysctl(b.ns, `net/ipv6/conf/${l.name}/accept_dad`, 0));
        }
      }
    });
    // Bridge ports come up after everything else: a port whose veth peer is already up has its
    // carrier when it comes up, and the bridge forwards through it at once (see ports()).
    await phase('up', (b) => this.upStates(b, (l) => l.master === undefined));
    await phase('up', (b) => this.upStates(b, (l) => l.master !== undefined));
    await phase('up', (b) => this.ports(b));
    await phase('addresses', (b) => this.addresses(b));
    await phase('qdiscs', (b) => each([...b.model.links.values()].flatMap((l) => (l.qdisc ? [l.qdisc] : [])), (q) => at(q.path, () => b.rtnl.qdisc.add(q.spec))));
    await phase('neighbours', (b) => each(b.model.neigh, (n) => at(n.path, () => b.rtnl.neigh.add(n.spec))));
    await phase('nexthops', async (b) => {
      // Groups after their members.
      await each(b.model.nexthops.filter((n) => !n.spec.group), (n) => at(n.path, () => b.rtnl.nexthop.add(n.spec)));
      await each(b.model.nexthops.filter((n) => n.spec.group), (n) => at(n.path, () => b.rtnl.nexthop.add(n.spec)));
    });
    await phase('routes', async (b) => {
      await this.usableAddresses(b);
      await bulk(b.model.routes, (items) => b.rtnl.route.addMany(items));
    });
    await phase('rules', (b) => bulk(b.model.rules, (items) => b.rtnl.rule.addMany(items)));
  }

  private async links(b: Built, which: (l: LinkModel) => boolean): Promise<void> {
    await each([...b.model.links.values()].filter((l) => l.origin === 'create' && which(l)), (l) => {
      const spec = linkAddSpec(this.model, b.model.key, l, (key) => this.built.get(key)!.ns);
      return at(l.path, async () => {
        const instead = await addLink(b.rtnl, spec, this.substitute);
        if (instead) this.report.substitutions.push(`${l.path}: ${spec.kind} → ${instead} (the kernel lacks ${kernelOption(spec.kind)})`);
      });
    });
  }

  /** Masters, then what the links have as bridge ports: their options and VLANs. */
  private async masters(b: Built): Promise<void> {
    const links = [...b.model.links.values()];
    await each(links.filter((l) => l.master !== undefined), (l) => at(`${l.path}.master`, () => b.rtnl.link.set(l.name, { master: l.master! })));
    await each(links.filter((l) => l.bridgePort !== undefined), (l) => at(`${l.path}.bridgePort`, () => b.rtnl.link.set(l.name, { bridgePort: l.bridgePort! })));
    await each(links.flatMap((l) => l.vlans), (v) => at(v.path, () => b.rtnl.bridge.vlan.add(v.spec)));
  }

  /** Links up (what the spec made, the far ends of veths, lo); an existing link of the current namespace is left as it is. */
  private async upStates(b: Built, which: (l: LinkModel) => boolean): Promise<void> {
    await each([...b.model.links.values()].filter((l) => which(l) && (l.origin !== 'existing' || b.model.owned)), async (l) => {
      if (l.origin === 'existing' && Object.keys(l.attrs).length) await at(l.path, () => b.rtnl.link.set(l.name, l.attrs));
      if (l.up) await at(`${l.path}.up`, () => b.rtnl.link.set(l.name, { up: true }));
    });
  }

  /**
   * Makes sure the bridge ports that have a carrier run (operstate up): only
   * then does the bridge forward through them. The kernel reports a carrier
   * change at once when it is "urgent" and batches it for up to a second
   * otherwise — a veth whose ifindex happens to equal its peer's, in another
   * namespace, is not urgent — and a build must not end with a port that
   * drops the first packets. Asking for one link (RTM_GETLINK, not a dump)
   * makes the kernel apply that link's pending carrier change first
   * (linkwatch_sync_dev): one request per port, no waiting.
   */
  private async ports(b: Built): Promise<void> {
    const ports = [...b.model.links.values()].filter((l) => l.master !== undefined && l.up);
    await Promise.all(ports.map((l) => at(`${l.path}.up`, () => b.rtnl.link.get(l.name))));
  }

  private async addresses(b: Built): Promise<void> {
    await each([...b.model.links.values()].flatMap((l) => l.addresses), (a) => at(a.path, () => b.rtnl.addr.add(a.spec)));
  }

  /**
   * Routes through an IPv6 gateway are added once the addresses they leave
   * from are usable: duplicate address detection finished (or skipped,
   * `nodad`). Waits on the kernel, never a fixed time; bounded.
   */
  private async usableAddresses(b: Built): Promise<void> {
    const v6gw = b.model.routes.some((r) => [r.spec.gateway, ...(r.spec.nexthops ?? []).map((n) => n.gateway)].some((g) => g?.includes(':')));
    if (!v6gw) return;
    const ours = new Map<string, string>();
    for (const l of b.model.links.values()) {
      for (const a of l.addresses) {
        if (a.spec.local.includes(':') && !a.spec.flags?.includes('nodad')) ours.set(a.spec.local.split('/')[0]!, a.path);
      }
    }
    if (ours.size === 0) return;
    const deadline = Date.now() + DAD_LIMIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const [addrs, links] = await Promise.all([b.rtnl.addr.list({ family: 6 }), b.rtnl.link.list()]);
      const carrier = new Set(links.filter((l) => l.flags.includes('LOWER_UP')).map((l) => l.index));
      const pending: Address[] = [];
      for (const a of addrs) {
        const path = ours.get(a.local);
        if (!path) continue;
        if (a.flags.includes('dadfailed')) throw new TopologyBuildError(path, new Error(`duplicate address detection failed for ${a.local}: another node uses it`));
        // Without a carrier, DAD does not run: nothing to wait for (no traffic either).
        if (a.flags.includes('tentative') && carrier.has(a.index)) pending.push(a);
      }
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        throw new TopologyBuildError(ours.get(pending[0]!.local)!, new Error(`${pending.map((a) => a.local).join(', ')} still tentative after ${DAD_LIMIT_MS} ms of duplicate address detection`));
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** What link.add takes for a link the spec creates; a veth's far end goes to its namespace. */
export function linkAddSpec(model: TopologyModel, key: string, l: LinkModel, nsOf: (key: string) => Namespace): LinkAddSpec {
  const spec: LinkAddSpec = { name: l.name, kind: l.kind!, ...l.attrs, ...(l.lower !== undefined && { link: l.lower }) };
  if (l.data) Object.assign(spec, { [l.kind!]: l.data });
  if (l.kind === 'veth') {
    const far = model.namespaces.find((n) => n.key === l.peer!.ns)!;
    const end = far.links.get(l.peer!.name)!;
    spec.peer = { name: end.name, ...end.attrs, ...(far.key !== key && { netns: nsOf(far.key).fd }) };
  }
  return spec;
}

/**
 * Adds a link; a kind the kernel lacks is made as its substitute when one is
 * allowed (returned, for the report). Without one the error names the missing
 * kernel option and how to allow a substitute.
 */
export async function addLink(r: Rtnl, spec: LinkAddSpec, substitute: Partial<Record<LinkKind, LinkKind>>): Promise<LinkKind | undefined> {
  try {
    await r.link.add(spec);
    return undefined;
  } catch (e) {
    if (!(e instanceof NetnestError) || e.code !== 'ERR_LINK_KIND_UNSUPPORTED') throw e;
    const instead = substitute[spec.kind];
    if (!instead) {
      throw new NetnestError(e.code, `${e.message} — allow a substitute with \`substitute: { ${spec.kind}: ifb }\` in the spec (or --substitute ${spec.kind}=ifb)`, { cause: e });
    }
    const { [spec.kind]: _data, ...rest } = spec as LinkAddSpec & Record<string, unknown>;
    await r.link.add({ ...rest, kind: instead } as LinkAddSpec);
    return instead;
  }
}

/**
 * Runs one step per item side by side: the client's socket sends what is
 * asked in the same tick in one sendmsg, and the kernel answers in order.
 * Items within a phase do not depend on each other.
 */
async function each<T>(items: T[], step: (item: T) => Promise<unknown>): Promise<void> {
  await Promise.all(items.map(step));
}

/** Adds many items in one bulk call; the first failure names its spec place. */
async function bulk<T>(items: Located<T>[], addMany: (specs: T[]) => Promise<{ failed: { index: number; error: Error }[] }>): Promise<void> {
  if (items.length === 0) return;
  const result = await addMany(items.map((i) => i.spec));
  const first = result.failed[0];
  if (first) {
    const more = result.failed.length > 1 ? ` (and ${result.failed.length - 1} more)` : '';
    throw new TopologyBuildError(items[first.index]!.path, first.error, more);
  }
}
