// Kernel events (`ip monitor`): a socket of its own, joined to rtnetlink
// multicast groups, read as an async iterable of typed events. When events
// are lost — the kernel dropped them (receive buffer full) or the consumer
// fell too far behind — an 'overrun' event says so: the daemon should
// resync with a dump instead of trusting its view.
import { closeSync } from 'node:fs';
import { describeValue as describe, OverrunError } from '../core/errors.js';
import { Queue } from '../core/queue.js';
import { checker, CLOSED, Int, List, Type, type Static } from '../core/schema.js';
import { NetlinkSocket } from '../core/socket.js';
import { decodeAddress, type Address } from './address/codec.js';
import { RTM_DELADDR, RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK } from './constants.js';
import {
  AF_BRIDGE, AF_INET, AF_INET6, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE,
  RTNLGRP_IPV6_RULE, RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_NEXTHOP, RTNLGRP_TC,
} from './constants.js';
import { decodeFdb, type Fdb } from './fdb/codec.js';
import { decodeFilter, type Filter } from './filter/codec.js';
import { decodeLink, type Link } from './link/codec.js';
import { decodeNeigh, RTM_DELNEIGH, RTM_NEWNEIGH, type Neigh } from './neigh/codec.js';
import { decodeNexthop, RTM_DELNEXTHOP, RTM_NEWNEXTHOP, type Nexthop } from './nexthop/codec.js';
import { decodeNsid, RTM_DELNSID, RTM_NEWNSID, RTNLGRP_NSID } from './nsid/codec.js';
import { decodeQdisc, type Qdisc } from './qdisc/codec.js';
import { decodeRoute, type Route } from './route/codec.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from './route/constants.js';
import { decodeRule, type Rule } from './rule/codec.js';
import { RTM_DELRULE, RTM_NEWRULE } from './rule/constants.js';
import { RTM_DELQDISC, RTM_DELTCLASS, RTM_DELTFILTER, RTM_NEWQDISC, RTM_NEWTCLASS, RTM_NEWTFILTER } from './tc/constants.js';
import { decodeClass, type TrafficClass } from './tclass/codec.js';
/** RTNLGRP_* by the names `ip monitor` takes, plus families of both. */
export const EVENT_GROUPS = {
  link: [RTNLGRP_LINK],
  neigh: [RTNLGRP_NEIGH],
  'ipv4-ifaddr': [RTNLGRP_IPV4_IFADDR],
  'ipv4-route': [RTNLGRP_IPV4_ROUTE],
  'ipv4-rule': [RTNLGRP_IPV4_RULE],
  'ipv6-ifaddr': [RTNLGRP_IPV6_IFADDR],
  'ipv6-route': [RTNLGRP_IPV6_ROUTE],
  'ipv6-rule': [RTNLGRP_IPV6_RULE],
  nexthop: [RTNLGRP_NEXTHOP],
  nsid: [RTNLGRP_NSID],
  /** Qdiscs, classes and filters (`tc monitor`). */
  tc: [RTNLGRP_TC],
  address: [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
  route: [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE],
  rule: [RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE],
} as const;
export type EventGroup = keyof typeof EVENT_GROUPS;

/** 'new' covers additions and changes (RTM_NEW*), 'del' deletions. */
export type EventAction = 'new' | 'del';

export type RtnlEvent =
  | { kind: 'link'; action: EventAction; link: Link }
  | { kind: 'address'; action: EventAction; address: Address }
  | { kind: 'route'; action: EventAction; route: Route }
  | { kind: 'rule'; action: EventAction; rule: Rule }
  | { kind: 'neigh'; action: EventAction; neigh: Neigh }
  | { kind: 'nexthop'; action: EventAction; nexthop: Nexthop }
  /** A bridge FDB entry (AF_BRIDGE neighbour), from the `neigh` group as `bridge monitor fdb` gets them. */
  | { kind: 'fdb'; action: EventAction; fdb: Fdb }
  /** A namespace got an id in this one (`ip netns set`, a veth peer moved...), or lost it (that namespace died). */
  | { kind: 'nsid'; action: EventAction; nsid: number }
  /** Traffic control, from the `tc` group (`tc monitor`): a qdisc, a class or a filter added, changed or removed. */
  | { kind: 'qdisc'; action: EventAction; qdisc: Qdisc }
  | { kind: 'tclass'; action: EventAction; tclass: TrafficClass }
  | { kind: 'filter'; action: EventAction; filter: Filter }
  /** Events were lost (`dropped` of them, when known): resynchronise with a dump. */
  | { kind: 'overrun'; error: OverrunError; dropped?: number };

export const EventOptionsSchema = Type.Object({
  /** Groups to join; default: link, address, route, rule, neigh, nexthop. */
  groups: Type.Optional(List(Type.Enum(Object.keys(EVENT_GROUPS) as EventGroup[]))),
  /** Events held for a slow consumer before the oldest are dropped with an 'overrun' event. Default 100,000. */
  maxQueue: Type.Optional(Int(1, 0x7fffffff)),
  /** Receive buffer of the event socket. Default 8 MiB (SO_RCVBUFFORCE). */
  receiveBufferSize: Type.Optional(Int(1, 0x7fffffff)),
  /** Stops the iteration (the loop ends normally). */
  signal: Type.Optional(Type.Refine(Type.Unsafe<AbortSignal>({}), (v) => v instanceof AbortSignal, (v) => `expected an AbortSignal, got ${describe(v)}`)),
}, CLOSED);
export type EventOptions = Static<typeof EventOptionsSchema>;

const checkEventOptions = checker(EventOptionsSchema);

/**
 * Decodes one notification; undefined for what is not covered here (other
 * message types, neighbours of families other than IP and bridge, multicast
 * routing rules).
 */
export function decodeEvent(msg: Buffer): RtnlEvent | undefined {
  if (msg.length < 17) return undefined;
  const type = msg.readUInt16LE(4);
  const family = msg[16];
  switch (type) {
    case RTM_NEWLINK: case RTM_DELLINK:
      return { kind: 'link', action: type === RTM_NEWLINK ? 'new' : 'del', link: decodeLink(msg) };
    case RTM_NEWADDR: case RTM_DELADDR:
      return { kind: 'address', action: type === RTM_NEWADDR ? 'new' : 'del', address: decodeAddress(msg) };
    case RTM_NEWROUTE: case RTM_DELROUTE:
      return { kind: 'route', action: type === RTM_NEWROUTE ? 'new' : 'del', route: decodeRoute(msg) };
    case RTM_NEWRULE: case RTM_DELRULE:
      // Multicast routing rules (ip mrule: families 128/129) share these groups.
      if (family !== AF_INET && family !== AF_INET6) return undefined;
      return { kind: 'rule', action: type === RTM_NEWRULE ? 'new' : 'del', rule: decodeRule(msg) };
    case RTM_NEWNEIGH: case RTM_DELNEIGH:
      if (family === AF_BRIDGE) return { kind: 'fdb', action: type === RTM_NEWNEIGH ? 'new' : 'del', fdb: decodeFdb(msg) };
      if (family !== AF_INET && family !== AF_INET6) return undefined;
      return { kind: 'neigh', action: type === RTM_NEWNEIGH ? 'new' : 'del', neigh: decodeNeigh(msg) };
    case RTM_NEWNEXTHOP: case RTM_DELNEXTHOP:
      return { kind: 'nexthop', action: type === RTM_NEWNEXTHOP ? 'new' : 'del', nexthop: decodeNexthop(msg) };
    case RTM_NEWQDISC: case RTM_DELQDISC:
      return { kind: 'qdisc', action: type === RTM_NEWQDISC ? 'new' : 'del', qdisc: decodeQdisc(msg) };
    case RTM_NEWTCLASS: case RTM_DELTCLASS:
      return { kind: 'tclass', action: type === RTM_NEWTCLASS ? 'new' : 'del', tclass: decodeClass(msg) };
    case RTM_NEWTFILTER: case RTM_DELTFILTER:
      return { kind: 'filter', action: type === RTM_NEWTFILTER ? 'new' : 'del', filter: decodeFilter(msg) };
    case RTM_NEWNSID: case RTM_DELNSID: {
      const nsid = decodeNsid(msg);
      return nsid === undefined ? undefined : { kind: 'nsid', action: type === RTM_NEWNSID ? 'new' : 'del', nsid };
    }
    default:
      return undefined;
  }
}

/**
 * Subscribes in the namespace of `beside` (the client's own socket). The
 * socket is joined before this returns, so a change made after the call is
 * never missed.
 */
export function subscribe(beside: NetlinkSocket, opts: EventOptions = {}): AsyncIterableIterator<RtnlEvent> {
  checkEventOptions(opts, 'options');
  const names = opts.groups ?? (['link', 'address', 'route', 'rule', 'neigh', 'nexthop'] as EventGroup[]);
  const groups = new Set<number>();
  for (const n of names) for (const x of EVENT_GROUPS[n]) groups.add(x);
  const queue = new EventQueue(opts.maxQueue ?? 100_000);
  const socketOptions = { groups: [...groups], ...(opts.receiveBufferSize !== undefined && { receiveBufferSize: opts.receiveBufferSize }) };
  let sock: NetlinkSocket;
  if (beside.fd === undefined) {
    sock = NetlinkSocket.open(socketOptions);
  } else {
    const ns = beside.namespaceFd();
    try {
      sock = NetlinkSocket.open({ netns: ns, ...socketOptions });
    } finally {
      closeSync(ns);
    }
  }

  // Every pending next() waits here (callers may call next() again before the last one settled).
  let waiters: (() => void)[] = [];
  const wakeAll = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  let failure: Error | undefined;
  let done = false;
  const push = (e: RtnlEvent): void => {
    queue.push(e);
    wakeAll();
  };
  sock.onNotification = (msg) => {
    try {
      const e = decodeEvent(msg);
      if (e) push(e);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      wakeAll();
    }
  };
  sock.onOverrun = (error) => push({ kind: 'overrun', error, ...(error.dropped !== undefined && { dropped: error.dropped }) });
  sock.hold(true);
  const stop = (): void => {
    if (done) return;
    done = true;
    // A signal shared by many subscriptions must not keep the ended ones (and their sockets) reachable.
    opts.signal?.removeEventListener('abort', stop);
    sock.close();
    wakeAll();
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();

  const it: AsyncIterableIterator<RtnlEvent> = {
    [Symbol.asyncIterator]: () => it,
    async next(): Promise<IteratorResult<RtnlEvent>> {
      for (;;) {
        const e = queue.shift();
        if (e) return { value: e, done: false };
        if (failure) {
          const f = failure;
          failure = undefined;
          stop();
          throw f;
        }
        if (done) return { value: undefined, done: true };
        await new Promise<void>((r) => { waiters.push(r); });
      }
    },
    async return(): Promise<IteratorResult<RtnlEvent>> {
      stop();
      return { value: undefined, done: true };
    },
  };
  return it;
}

/**
 * The events a consumer has not read yet, at most `max` of them counting the
 * 'overrun' event that stands for those dropped: past it, the oldest are
 * dropped (only as many as overflow) and counted, and the consumer reads one
 * overrun event saying how many before the events that were kept.
 */
export class EventQueue {
  private readonly events = new Queue<RtnlEvent>();
  /** Events dropped since the consumer last read an overrun event. */
  private dropped = 0;

  constructor(readonly max: number) {}

  /** Events waiting, the pending overrun event included. */
  get length(): number {
    return this.events.length + (this.dropped > 0 ? 1 : 0);
  }

  push(e: RtnlEvent): void {
    this.events.push(e);
    // With max 1 a pending overrun event fills the queue alone: the new event goes too.
    while (this.length > this.max && this.events.length > 0) {
      this.events.shift();
      this.dropped++;
    }
  }

  /** The next event to read: an overrun event first when some were dropped. */
  shift(): RtnlEvent | undefined {
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      const error = new OverrunError(`the event queue exceeded maxQueue (${this.max}); ${n} event${n === 1 ? ' was' : 's were'} dropped`, undefined, n);
      return { kind: 'overrun', error, dropped: n };
    }
    return this.events.shift();
  }
}
