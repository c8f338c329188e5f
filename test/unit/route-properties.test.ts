// Property tests of routes (fast-check): a route that netnest encodes comes
// back from the decoder with the same values when the kernel echoes the
// message as RTM_NEWROUTE (family, prefixes, gateways and RTA_VIA, tables
// beyond 255, metric, protocol, scope, type, tos, metrics, multipath), and no
// byte string — random, built from random attributes, a mutated capture —
// makes decodeRoute fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { protocolId } from '../../src/netlink/rtnl/names.js';
import { checkRoute, decodeRoute, encodeRoute, type NextHop, type NextHopSpec, type Route, type RouteSpec } from '../../src/netlink/rtnl/route/codec.js';
import { ROUTE_ADD_FLAGS, ROUTE_TYPES, RTM_NEWROUTE, type RouteType } from '../../src/netlink/rtnl/route/constants.js';
import { METRICS, type MetricName, type RouteMetrics } from '../../src/netlink/rtnl/route/metrics.js';
import {
  address, index, malformedRouting, onlyDecodeErrors, prefix, printed, protocol, protocolNumber, runs, tableArb, tableNumber, u32, u8, type Fam,
} from '../support/arbitraries.js';

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const SCOPE_NAMES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

const NUMERIC_METRICS = METRICS.filter((m) => m !== '' && m !== 'lock' && m !== 'congctl') as MetricName[];
const metricsArb: fc.Arbitrary<RouteMetrics> = fc.record({
  ...Object.fromEntries(NUMERIC_METRICS.map((m) => [m, u32])),
  congctl: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_0123456789'), minLength: 1, maxLength: 15 }),
  lock: fc.subarray(NUMERIC_METRICS),
}, { requiredKeys: [] }) as fc.Arbitrary<RouteMetrics>;

const routeFlags = fc.subarray(['pervasive', 'onlink'] as const);
/** A gateway of the route's family, or (IPv4 routes) an IPv6 one, sent as RTA_VIA. */
const gatewayFor = (f: Fam): fc.Arbitrary<string> => (f === 4 ? fc.oneof(address(4), address(6)) : address(6));

const nexthopSpec = (f: Fam): fc.Arbitrary<NextHopSpec> => fc.record({
  gateway: fc.option(gatewayFor(f), { nil: undefined }), dev: fc.option(index, { nil: undefined }),
  weight: fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }), flags: routeFlags.map((x) => [...x]),
}).filter((n) => n.gateway !== undefined || n.dev !== undefined).map((n) => {
  const out: NextHopSpec = { flags: n.flags };
  if (n.gateway !== undefined) out.gateway = n.gateway;
  if (n.dev !== undefined) out.dev = n.dev;
  if (n.weight !== undefined) out.weight = n.weight;
  return out;
});

type Path =
  | { kind: 'gateway'; gateway: string; dev?: number }
  | { kind: 'dev'; dev: number }
  | { kind: 'multipath'; nexthops: NextHopSpec[] }
  | { kind: 'nhid'; nhid: number }
  | { kind: 'none' };
const pathFor = (f: Fam): fc.Arbitrary<Path> => fc.oneof(
  fc.record({ kind: fc.constant('gateway' as const), gateway: gatewayFor(f), dev: index }, { requiredKeys: ['kind', 'gateway'] }),
  fc.record({ kind: fc.constant('dev' as const), dev: index }),
  fc.record({ kind: fc.constant('multipath' as const), nexthops: fc.array(nexthopSpec(f), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('nhid' as const), nhid: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.constant({ kind: 'none' as const }),
);

const routeCase = fc.constantFrom<Fam>(4, 6).chain((f) => fc.record({
  family: fc.constant(f),
  dst: prefix(f),
  src: fc.option(prefix(f), { nil: undefined }),
  path: pathFor(f),
  prefsrc: fc.option(address(f), { nil: undefined }),
  table: fc.option(tableArb, { nil: undefined }),
  metric: fc.option(u32, { nil: undefined }),
  protocol: fc.option(protocol, { nil: undefined }),
  scope: fc.option(fc.oneof(fc.constantFrom(...Object.keys(SCOPES)), u8), { nil: undefined }),
  type: fc.option(fc.constantFrom(...ROUTE_TYPES), { nil: undefined }),
  tos: fc.option(fc.oneof(fc.record({ tos: u8 }), fc.record({ dscp: fc.integer({ min: 0, max: 63 }) })), { nil: undefined }),
  flags: routeFlags,
  metrics: fc.option(metricsArb, { nil: undefined }),
  pref: f === 6 ? fc.option(fc.constantFrom('low', 'medium', 'high' as const), { nil: undefined }) : fc.constant(undefined),
  expires: f === 6 ? fc.option(u32, { nil: undefined }) : fc.constant(undefined),
}));
type RouteCase = typeof routeCase extends fc.Arbitrary<infer T> ? T : never;

function routeSpecOf(c: RouteCase): RouteSpec {
  const spec: RouteSpec = { dst: c.dst.text, family: c.family, flags: [...c.flags] };
  if (c.src) spec.src = c.src.text;
  if (c.path.kind === 'gateway') {
    spec.gateway = c.path.gateway;
    if (c.path.dev !== undefined) spec.dev = c.path.dev;
  } else if (c.path.kind === 'dev') spec.dev = c.path.dev;
  else if (c.path.kind === 'multipath') spec.nexthops = c.path.nexthops;
  else if (c.path.kind === 'nhid') spec.nhid = c.path.nhid;
  if (c.prefsrc !== undefined) spec.prefsrc = c.prefsrc;
  if (c.table !== undefined) spec.table = c.table;
  if (c.metric !== undefined) spec.metric = c.metric;
  if (c.protocol !== undefined) spec.protocol = c.protocol;
  if (c.scope !== undefined) spec.scope = c.scope as RouteSpec['scope'];
  if (c.type !== undefined) spec.type = c.type;
  if (c.tos) Object.assign(spec, c.tos);
  if (c.metrics !== undefined) spec.metrics = c.metrics;
  if (c.pref !== undefined) spec.pref = c.pref;
  if (c.expires !== undefined) spec.expires = c.expires;
  return spec;
}

/** A gateway as the decoder reports it: same family in `gateway`, the other one in `via`. */
function gatewayOf(route: Fam, gw: string): Pick<NextHop, 'gateway' | 'via'> {
  return gw.includes(':') && route === 4 ? { via: { family: 6, host: gw } } : { gateway: gw };
}
const flagOrder = (flags: readonly string[]): string[] => ['pervasive', 'onlink'].filter((f) => flags.includes(f));

/** The Route the kernel would report for this request, as documented (docs/routes-and-rules.md). */
function expectedRoute(c: RouteCase): Route {
  const typeIndex = c.type === undefined ? 1 : ROUTE_TYPES.indexOf(c.type);
  const hasGateway = c.path.kind === 'gateway' || c.path.kind === 'multipath' || c.path.kind === 'nhid';
  const hasDev = c.path.kind === 'dev' || (c.path.kind === 'gateway' && c.path.dev !== undefined);
  // Default scope as ip chooses it.
  let scope: number;
  if (c.scope !== undefined) scope = typeof c.scope === 'number' ? c.scope : SCOPES[c.scope]!;
  else if (typeIndex === 2 || typeIndex === 10) scope = 254;
  else if (typeIndex >= 3 && typeIndex <= 5) scope = 253;
  else if (typeIndex <= 1 && !hasGateway && hasDev) scope = 253;
  else scope = 0;
  const tos = c.tos === undefined ? 0 : 'tos' in c.tos ? c.tos.tos : c.tos.dscp << 2;
  const r: Route = {
    family: c.family, type: ROUTE_TYPES[typeIndex] as RouteType, dst: printed(c.dst, c.family, 'default'), dst_len: c.dst.len,
    table: c.table === undefined ? 254 : tableNumber(c.table), protocol: c.protocol === undefined ? 3 : protocolId(c.protocol),
    scope: (SCOPE_NAMES[scope] ?? scope) as Route['scope'], tos, flags: flagOrder(c.flags),
  };
  if (c.src && c.src.len > 0) { r.src = c.src.addr; r.src_len = c.src.len; }
  if (c.path.kind === 'gateway') Object.assign(r, gatewayOf(c.family, c.path.gateway));
  if (hasDev) r.oif = (c.path as { dev: number }).dev;
  if (c.path.kind === 'nhid') r.nhid = c.path.nhid;
  if (c.path.kind === 'multipath') {
    r.nexthops = c.path.nexthops.map((n) => ({
      oif: typeof n.dev === 'number' ? n.dev : 0, weight: n.weight ?? 1, flags: flagOrder(n.flags ?? []),
      ...(n.gateway !== undefined && gatewayOf(c.family, n.gateway)),
    }));
  }
  if (c.prefsrc !== undefined) r.prefsrc = c.prefsrc;
  if (c.metric !== undefined) r.metric = c.metric;
  if (c.metrics !== undefined) {
    const { lock, ...values } = c.metrics;
    r.metrics = { ...values };
    // RTAX_LOCK is a bit set: the locked metrics come back once each, in RTAX order.
    if (lock && lock.length > 0) r.metrics.lock = NUMERIC_METRICS.filter((m) => lock.includes(m));
  }
  if (c.pref !== undefined) r.pref = c.pref;
  // RTA_EXPIRES is a request attribute only (the kernel answers with RTA_CACHEINFO): kept raw.
  if (c.expires !== undefined) {
    const data = Buffer.alloc(4);
    data.writeUInt32LE(c.expires);
    r.unknown = [{ type: 23, data }];
  }
  return r;
}

describe('route properties', () => {
  describe('what netnest encodes, the decoder reads back', () => {
    // Requests are RTM_NEW* already: the kernel's echo of an added object has the same layout.
    it('routes: family, prefixes, gateways (RTA_VIA too), table (also >= 256), metric, protocol, scope, type, tos, metrics, multipath', () => {
      fc.assert(fc.property(routeCase, (c) => {
        const req = encodeRoute(RTM_NEWROUTE, ROUTE_ADD_FLAGS.add, checkRoute(routeSpecOf(c)));
        expect(protocolNumber(decodeRoute(req.bytes))).to.deep.equal(expectedRoute(c));
      }), runs(600));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformedRouting();

    it('decodeRoute', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeRoute(b))), runs(2500));
    });
  });
});
