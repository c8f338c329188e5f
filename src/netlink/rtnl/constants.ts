// rtnetlink constants shared by several objects (/usr/include/linux/rtnetlink.h).
import { describeValue as describe, ValidationError } from '../core/errors.js';
import { Type, U8 } from '../core/schema.js';
import { own } from './validate.js';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** PF_BRIDGE: bridge FDB entries, bridge port and VLAN messages. */
export const AF_BRIDGE = 7;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Multicast groups (RTNLGRP_*), for event sockets. */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_NEXTHOP = 32;

const messageNames: Record<number, string> = {
  [RTM_NEWLINK]: 'RTM_NEWLINK', [RTM_DELLINK]: 'RTM_DELLINK', [RTM_GETLINK]: 'RTM_GETLINK', [RTM_SETLINK]: 'RTM_SETLINK',
  [RTM_NEWADDR]: 'RTM_NEWADDR', [RTM_DELADDR]: 'RTM_DELADDR', [RTM_GETADDR]: 'RTM_GETADDR',
};

export function messageName(type: number): string {
  return messageNames[type] ?? `message type ${type}`;
}

/** Scope names as iproute2 prints and accepts them (/etc/iproute2/rt_scopes). */
export const scopeNames: Record<number, string> = {
  [RT_SCOPE_UNIVERSE]: 'global', [RT_SCOPE_SITE]: 'site', [RT_SCOPE_LINK]: 'link', [RT_SCOPE_HOST]: 'host',
  [RT_SCOPE_NOWHERE]: 'nowhere',
};

export const SCOPE_NAMES = ['global', 'universe', 'site', 'link', 'host', 'nowhere'] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];

/** A scope by name (`ip ... scope link`) or number. */
export const ScopeSchema = Type.Union([Type.Enum(SCOPE_NAMES), U8]);

export function scopeName(scope: number): ScopeName | number {
  return (scopeNames[scope] as ScopeName | undefined) ?? scope;
}

/** A scope by name (`ip ... scope link`; global is universe) or number. */
const scopeValues: Record<string, number> = {
  global: RT_SCOPE_UNIVERSE, universe: RT_SCOPE_UNIVERSE, site: RT_SCOPE_SITE, link: RT_SCOPE_LINK, host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};

export function parseScope(scope: unknown, field: string): number {
  if (typeof scope === 'number' && Number.isInteger(scope) && scope >= 0 && scope <= 255) return scope;
  const n = own(scopeValues, scope);
  if (n !== undefined) return n;
  throw new ValidationError(`unknown scope ${describe(scope)} (global, site, link, host, nowhere or 0..255)`, field);
}
