// A topology's objects in ip's words: the arguments `ip link add`, `ip addr`,
// `ip neigh`, `ip nexthop`, `ip route` and `ip rule` take for one spec, as a
// person would type them. ip-script.ts puts them in the order a build needs.
import { BRIDGE_PORT_STATES, type BridgePortOptions } from '../netlink/rtnl/link/bridge-port.js';
import { ValidationError } from '../netlink/core/errors.js';
import type { AddressSpec } from '../netlink/rtnl/address/codec.js';
import type { NeighSpec } from '../netlink/rtnl/neigh/codec.js';
import type { NexthopSpec } from '../netlink/rtnl/nexthop/codec.js';
import type { NextHopSpec, RouteSpec } from '../netlink/rtnl/route/codec.js';
import type { RuleSpec } from '../netlink/rtnl/rule/codec.js';
import type { LinkModel } from './model.js';

const hex = (n: number): string => `0x${n.toString(16)}`;
/** ip's scope words: `universe` is its `global`. */
const scope = (s: string | number): string => (s === 'universe' ? 'global' : String(s));
const dev = (d: string | number): string => (typeof d === 'number' ? `if${d}` : d);
const IP_ROUTE_TYPES = new Set(['local', 'nat', 'broadcast', 'anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole', 'xresolve', 'throw']);
const ROUTE_TYPE_NUMBERS: Record<string, number> = { unspec: 0 };

/**
 * A link's settings as `ip link` words. `ip link add` takes `alias` but the
 * kernel ignores it on creation: for an add, it is left out (and set after).
 */
export function linkAttrs(a: LinkModel['attrs'], add = false): string[] {
  const out: string[] = [];
  if (a.mtu !== undefined) out.push('mtu', String(a.mtu));
  if (a.address !== undefined) out.push('address', a.address);
  if (a.broadcast !== undefined) out.push('broadcast', a.broadcast);
  if (a.txqueuelen !== undefined) out.push('txqueuelen', String(a.txqueuelen));
  if (a.alias !== undefined && !add) out.push('alias', a.alias);
  if (a.group !== undefined) out.push('group', String(a.group));
  return out;
}

/** `ip link set dev DEV type bridge_slave ...` words, in IFLA_BRPORT_* order (the state as its number). */
export function bridgePortArgs(o: BridgePortOptions): string[] {
  const out: string[] = [];
  if (o.state !== undefined) out.push('state', String(BRIDGE_PORT_STATES.indexOf(o.state)));
  if (o.priority !== undefined) out.push('priority', String(o.priority));
  if (o.cost !== undefined) out.push('cost', String(o.cost));
  for (const k of ['hairpin', 'learning', 'flood', 'mcast_flood', 'bcast_flood', 'neigh_suppress', 'isolated'] as const) {
    if (o[k] !== undefined) out.push(k, o[k] ? 'on' : 'off');
  }
  return out;
}

export function addressArgs(a: AddressSpec): string[] {
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

export function addressDelArgs(a: AddressSpec): string[] {
  return [a.local, ...(a.peer !== undefined ? ['peer', a.peer] : []), 'dev', dev(a.dev)];
}

export function neighArgs(n: NeighSpec, add: boolean): string[] {
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

export function nexthopArgs(n: NexthopSpec): string[] {
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
export function nexthopFamily6(n: NexthopSpec): boolean {
  return n.family === 6 && n.gateway === undefined && !n.group;
}

function routeFamily(r: RouteSpec): 4 | 6 {
  if (r.family !== undefined) return r.family;
  const hint = [r.dst, r.gateway, ...(r.nexthops ?? []).map((n) => n.gateway), r.prefsrc, r.src]
    .find((v) => v !== undefined && v !== 'default' && v !== 'all' && v !== 'any');
  return hint?.includes(':') ? 6 : 4;
}

function gatewayArgs(gw: string, family: 4 | 6): string[] {
  // An IPv6 next hop of an IPv4 route (RTA_VIA) is `via inet6 GW`.
  return family === 4 && gw.includes(':') ? ['via', 'inet6', gw] : ['via', gw];
}

function nexthopFlags(flags: readonly string[] | undefined): string[] {
  return [...(flags ?? [])];
}

export function routeArgs(r: RouteSpec): string[] {
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

export function ruleFamily(r: RuleSpec): 4 | 6 {
  return r.family ?? ([r.src, r.dst].some((p) => p?.includes(':')) ? 6 : 4);
}

/** IPv4 rules first, then IPv6, each in the spec's order (the two families are separate rule lists). */
export function byFamily<T extends { spec: RuleSpec }>(rules: readonly T[]): T[] {
  return [...rules.filter((r) => ruleFamily(r.spec) === 4), ...rules.filter((r) => ruleFamily(r.spec) === 6)];
}

export function ruleArgs(r: RuleSpec): string[] {
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
