// Apply: a running topology brought to its spec by changing only what
// differs — what is missing is added, what differs is changed, and in the
// topology's own namespaces what the spec no longer names is removed.
// Nothing else is touched. The same engine serves `netnest up` run again and
// a daemon that wants a desired state; `dryRun` only says what it would do.
import { writeFileSync } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import type { BridgeVlanSpec } from '../netlink/rtnl/bridge/codec.js';
import type { Address, AddressSpec } from '../netlink/rtnl/address/codec.js';
import type { Link } from '../netlink/rtnl/link/codec.js';
import type { NeighSpec } from '../netlink/rtnl/neigh/codec.js';
import type { Nexthop, NexthopSpec } from '../netlink/rtnl/nexthop/codec.js';
import type { Qdisc, QdiscSpec } from '../netlink/rtnl/qdisc/codec.js';
import { routeToSpec, type Route, type RouteSpec } from '../netlink/rtnl/route/codec.js';
import type { Rule, RuleSpec } from '../netlink/rtnl/rule/codec.js';
import type { NamespaceManager } from '../netns/manager.js';
import { sysctlPath } from '../netns/objects/sysctl.js';
import { addLink, linkAddSpec } from './build.js';
import type { LinkModel, TopologyModel } from './model.js';
import { verifyTopology, type Difference, type VerifiedNamespace } from './verify.js';

export interface Change {
  /** The spec's place, or the namespace's for what the spec no longer names. */
  path: string;
  action: 'add' | 'change' | 'remove';
  what: string;
}

export interface ApplyOptions {
  /** Only say what would change. */
  dryRun?: boolean;
  /**
   * The manager that changes the current namespace, so what it adds there is
   * recorded (and removed with the topology). Its root must be the current namespace.
   */
  manager?: NamespaceManager;
}

/** What each round fixes, in the order the kernel needs it: removals, links, their settings, then what sits on them. */
const ROUNDS: Difference['object'][][] = [['link'], ['address', 'sysctl', 'neigh', 'nexthop', 'bridge-vlan', 'qdisc'], ['route', 'rule']];

/**
 * Brings a running topology to its spec; returns what it changed (or, with
 * dryRun, what it would change). The namespaces the spec adds or removes
 * need a rebuild (`netnest down`, then `up`): refused with ERR_TOPOLOGY_CHANGE.
 */
export async function applyTopology(model: TopologyModel, live: VerifiedNamespace[], opts: ApplyOptions = {}): Promise<Change[]> {
  const changes: Change[] = [];
  const first = await verifyTopology(model, live);
  const added = first.filter((d) => d.object === 'namespace').map((d) => d.ns);
  const removed = live.map((l) => l.key).filter((k) => k !== 'current' && !model.namespaces.some((n) => n.key === k));
  if (added.length || removed.length) {
    const said = [added.length ? `${added.join(', ')} new in the spec` : '', removed.length ? `${removed.join(', ')} gone from it` : ''].filter(Boolean).join(', ');
    throw new NetnestError('ERR_TOPOLOGY_CHANGE', `namespaces ${said}: adding or removing namespaces needs a rebuild (netnest down, then netnest up)`);
  }
  // Removals first, newest kinds first: a rule before its table's routes before links.
  const extras = first.filter((d) => d.change === 'extra').sort((a, b) => order(b) - order(a));
  for (const d of extras) await step(changes, d, 'remove', opts, () => remove(live, d));
  if (opts.dryRun) {
    for (const d of first) if (d.change !== 'extra') changes.push({ path: d.path, action: d.change === 'missing' ? 'add' : 'change', what: d.what });
    return changes;
  }
  // Each round fixes what its kinds lack; a link added now gets its addresses and routes in the next.
  for (const kinds of ROUNDS) {
    const now = (await verifyTopology(model, live)).filter((d) => d.change !== 'extra' && kinds.includes(d.object));
    for (const d of now) await step(changes, d, d.change === 'missing' ? 'add' : 'change', opts, () => fix(model, live, d, opts));
  }
  return changes;
}

const order = (d: Difference): number => ['link', 'qdisc', 'address', 'sysctl', 'neigh', 'nexthop', 'bridge-vlan', 'route', 'rule'].indexOf(d.object);

async function step(changes: Change[], d: Difference, action: Change['action'], opts: ApplyOptions, run: () => Promise<void>): Promise<void> {
  if (!opts.dryRun) {
    try {
      await run();
    } catch (e) {
      throw new NetnestError('ERR_TOPOLOGY_APPLY', `${d.path}: ${action} ${d.what}: ${(e as Error).message}`, { cause: e });
    }
  }
  changes.push({ path: d.path, action, what: d.what });
}

function client(live: VerifiedNamespace[], key: string): VerifiedNamespace {
  return live.find((n) => n.key === key)!;
}

async function remove(live: VerifiedNamespace[], d: Difference): Promise<void> {
  const r = client(live, d.ns).rtnl;
  switch (d.object) {
    case 'link': return r.link.del((d.have as Link).index);
    case 'address': {
      const a = d.have as Address;
      return r.addr.del({ dev: a.index, local: `${a.local}/${a.prefixlen}`, ...(a.peer !== undefined && { peer: `${a.peer}/${a.prefixlen}`, local: a.local }) });
    }
    case 'route': return r.route.del({ ...routeToSpec(d.have as Route), scope: 'nowhere' });
    case 'rule': return r.rule.del(ruleToSpec(d.have as Rule));
    case 'nexthop': return r.nexthop.del((d.have as Nexthop).id);
    case 'qdisc': return r.qdisc.del({ dev: (d.have as Qdisc).ifindex });
    default: throw new NetnestError('ERR_TOPOLOGY_APPLY', `cannot remove ${d.object}`);
  }
}

async function fix(model: TopologyModel, live: VerifiedNamespace[], d: Difference, opts: ApplyOptions): Promise<void> {
  const here = client(live, d.ns);
  const r = here.rtnl;
  switch (d.object) {
    case 'link': {
      const l = d.want as LinkModel;
      if (d.change === 'missing') return addLinkAgain(model, live, d.ns, l);
      const k = d.have as Link;
      if (l.kind && k.kind !== l.kind && k.kind !== model.substitute[l.kind]) {
        await r.link.del(k.index);
        return addLinkAgain(model, live, d.ns, l);
      }
      return r.link.set(k.index, {
        ...(l.attrs.mtu !== undefined && { mtu: l.attrs.mtu }), up: l.up, ...(l.master !== undefined ? { master: l.master } : { master: null }),
        ...(l.bridgePort !== undefined && { bridgePort: l.bridgePort }),
      });
    }
    case 'address': return r.addr.add(d.want as AddressSpec);
    case 'sysctl': {
      const s = d.want as { key: string; value: string };
      if (opts.manager && d.ns === 'current') return opts.manager.sysctl(opts.manager.root, s.key, s.value);
      return void here.namespace.run(() => writeSysctl(s.key, s.value));
    }
    case 'neigh': return r.neigh.add(d.want as NeighSpec);
    case 'bridge-vlan': return r.bridge.vlan.add(d.want as BridgeVlanSpec);
    case 'nexthop': return void await r.nexthop.add(d.want as NexthopSpec);
    case 'route': return r.route.add(d.want as RouteSpec);
    case 'rule': return r.rule.add(d.want as RuleSpec);
    // A qdisc that is missing or differs: replace puts the spec's in the root, whatever sits there.
    case 'qdisc': return r.qdisc.replace(d.want as QdiscSpec);
    default: throw new NetnestError('ERR_TOPOLOGY_APPLY', `cannot add ${d.object}`);
  }
}

/** A link the spec creates, made again (a veth with its far end, in the far end's namespace). */
async function addLinkAgain(model: TopologyModel, live: VerifiedNamespace[], key: string, l: LinkModel): Promise<void> {
  if (l.origin !== 'create') throw new NetnestError('ERR_TOPOLOGY_APPLY', `link ${l.name} is made by ${l.peer ? `${l.peer.ns}/${l.peer.name}` : 'nobody in the spec'}`);
  await addLink(client(live, key).rtnl, linkAddSpec(model, key, l, (k) => client(live, k).namespace), model.substitute);
}

function writeSysctl(key: string, value: string): void {
  writeFileSync(sysctlPath(key), value);
}

/** The spec that deletes exactly this rule (`ip rule del` with its whole selector). */
export function ruleToSpec(r: Rule): RuleSpec {
  const spec: RuleSpec = { family: r.family, priority: r.priority, action: r.action as RuleSpec['action'], not: r.not };
  if (r.action === 'lookup') spec.table = r.table;
  if (r.src !== 'all') spec.src = `${r.src.split('/')[0]}/${r.src_len}`;
  if (r.dst !== 'all') spec.dst = `${r.dst.split('/')[0]}/${r.dst_len}`;
  for (const k of ['tos', 'fwmark', 'fwmask', 'iif', 'oif', 'uidrange', 'sport', 'dport', 'ipproto', 'goto', 'suppress_prefixlength', 'suppress_ifgroup', 'realms', 'tun_id', 'l3mdev'] as const) {
    const v = r[k];
    if (v !== undefined && v !== 0 && v !== false) (spec as Record<string, unknown>)[k] = v;
  }
  return spec;
}
