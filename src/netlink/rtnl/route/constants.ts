// Route constants (/usr/include/linux/rtnetlink.h): message types, RTA_*
// attributes, tables, route types and flags by the names `ip route` uses.
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

/** struct rtmsg */
export const RTMSG_SIZE = 12;

// RTA_* (rtnetlink.h)
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_VIA = 18;
export const RTA_PREF = 20;
export const RTA_EXPIRES = 23;
export const RTA_UID = 25;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;

export const RTPROT_BOOT = 3;

export const RTM_F_CLONED = 0x200;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;

/** rtm_type values by the names `ip route` uses. */
export const ROUTE_TYPES = [
  'unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw',
  'nat', 'xresolve',
] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** rtm_flags / rtnh_flags bits by the names `ip route` prints. */
export const NEXTHOP_FLAGS: [number, string][] = [
  [1, 'dead'], [2, 'pervasive'], [4, 'onlink'], [8, 'offload'], [16, 'linkdown'], [32, 'unresolved'], [64, 'trap'],
];
export const ROUTE_FLAGS: [number, string][] = [
  ...NEXTHOP_FLAGS, [0x100, 'notify'], [RTM_F_CLONED, 'cloned'], [0x400, 'equalize'], [0x800, 'prefix'],
  [0x4000, 'rt_offload'], [0x8000, 'rt_trap'], [0x20000000, 'rt_offload_failed'],
];
export const SETTABLE_ROUTE_FLAGS = ['onlink', 'pervasive'] as const;
export type RouteFlag = (typeof SETTABLE_ROUTE_FLAGS)[number];

export const PREF_NAMES: Record<number, 'medium' | 'high' | 'low'> = { 0: 'medium', 1: 'high', 3: 'low' };
export const PREF_VALUES = { medium: 0, high: 1, low: 3 } as const;

/** NLM flags for each way of adding (`ip route add|replace|append|prepend`). */
export const ROUTE_ADD_FLAGS = {
  add: NLM_F_CREATE | NLM_F_EXCL,
  replace: NLM_F_CREATE | NLM_F_REPLACE,
  append: NLM_F_CREATE | NLM_F_APPEND,
  prepend: NLM_F_CREATE,
} as const;
export type RouteAddMode = keyof typeof ROUTE_ADD_FLAGS;
