// The plain route — a prefix, a gateway, a table, a device, a metric — as
// bulk loads send them by the million: checked without the schema and
// without intermediate objects. It vouches only for what it fully knows:
// anything else (a name, "default", a missing prefix length, any other key)
// is left to checkRoute(), which decides and explains. Where both answer,
// they answer the same (test/unit/route-plain.test.ts holds them to it).
import { RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE } from '../constants.js';
import { linkNameProblem } from '../devices.js';
import { decimal, plainAddress } from '../inet.js';
import { checkRoute, type RouteChecked, type RouteSpec } from './codec.js';
import { RTA_GATEWAY, RTM_DELROUTE, RTPROT_BOOT, RT_TABLE_MAIN } from './constants.js';

const PLAIN_KEYS = new Set(['dst', 'gateway', 'table', 'dev', 'metric']);
/** The last gateway parsed: a bulk load names the same few again and again (its bytes are only read). */
let lastGateway: { text: string; bytes: Buffer } | undefined;

/** checkRoute()'s answer for a plain spec, found the short way; undefined when the spec is not plain. */
export function checkPlainRoute(spec: RouteSpec, type: number): RouteChecked | undefined {
  if (typeof spec !== 'object' || spec === null || Object.getPrototypeOf(spec) !== Object.prototype) return undefined;
  const s = spec as unknown as Record<string, unknown>;
  for (const k in s) if (!PLAIN_KEYS.has(k) || s[k] === undefined) return undefined;
  const { dst, gateway, table, dev, metric } = s;
  if (typeof dst !== 'string') return undefined;
  const slash = dst.indexOf('/');
  if (slash < 0) return undefined;
  const bytes = plainAddress(dst.slice(0, slash));
  const len = decimal(dst.slice(slash + 1));
  if (!bytes || len === undefined || len === 0 || len > bytes.length * 8) return undefined;
  let gw: Buffer | undefined;
  if (gateway !== undefined) {
    if (typeof gateway !== 'string') return undefined;
    if (lastGateway?.text === gateway) {
      gw = lastGateway.bytes;
    } else {
      gw = gateway.includes('/') ? undefined : plainAddress(gateway);
      if (gw) lastGateway = { text: gateway, bytes: gw };
    }
    if (!gw || gw.length !== bytes.length) return undefined; // an IPv6 gateway of an IPv4 route: RTA_VIA, the long way
  }
  if (table !== undefined && !(Number.isInteger(table) && (table as number) >= 1 && (table as number) <= 0xffffffff)) return undefined;
  if (metric !== undefined && !(Number.isInteger(metric) && (metric as number) >= 0 && (metric as number) <= 0xffffffff)) return undefined;
  if (dev !== undefined && !(typeof dev === 'string' ? linkNameProblem(dev) === undefined : Number.isInteger(dev) && (dev as number) >= 1 && (dev as number) <= 0x7fffffff)) {
    return undefined;
  }
  const del = type === RTM_DELROUTE;
  return {
    spec, family: bytes.length === 4 ? 4 : 6, dstLen: len, srcLen: 0, tos: 0,
    table: (table as number | undefined) ?? RT_TABLE_MAIN,
    protocol: del ? 0 : RTPROT_BOOT,
    // As ip: a route through a device with no gateway is on the link.
    scope: del ? RT_SCOPE_NOWHERE : gw === undefined && dev !== undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
    type: del ? 0 : 1, flags: 0, dst: bytes, src: undefined,
    gateway: gw && { attr: RTA_GATEWAY, bytes: gw },
    prefsrc: undefined, pref: undefined, metrics: undefined, nexthops: undefined,
  };
}

/** The check of an item of a bulk load: the short way when the spec is plain, else checkRoute(). */
export function checkRouteFast(spec: RouteSpec, type: number): RouteChecked {
  return checkPlainRoute(spec, type) ?? checkRoute(spec, type);
}
