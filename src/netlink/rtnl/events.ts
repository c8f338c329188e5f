// Kernel events (`ip monitor`): a socket of its own, joined to rtnetlink
// multicast groups, read as an async iterable of typed events. When events
// are lost — the kernel dropped them (receive buffer full) or the consumer
// fell too far behind — an 'overrun' event says so: the daemon should
// resync with a dump instead of trusting its view.
import { closeSync } from 'node:fs';
import { describeValue as describe, OverrunError } from '../core/errors.js';
import { checker, CLOSED, Int, List, Type, type Static } from '../core/schema.js';
import { NetlinkSocket } from '../core/socket.js';
import { decodeAddress, type Address } from './address.js';
import { RTM_DELADDR, RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK } from './constants.js';
import { decodeLink, type Link } from './link.js';
import { decodeNeigh, RTM_DELNEIGH, RTM_NEWNEIGH, type Neigh } from './neigh.js';
import { decodeNexthop, RTM_DELNEXTHOP, RTM_NEWNEXTHOP, type Nexthop } from './nexthop.js';
import { decodeRoute, RTM_DELROUTE, RTM_NEWROUTE, type Route } from './route.js';
import { decodeRule, RTM_DELRULE, RTM_NEWRULE, type Rule } from './rule.js';

/** RTNLGRP_* by the names `ip monitor` takes, plus families of both. */
export const EVENT_GROUPS = {
  link: [1],
  neigh: [3],
  'ipv4-ifaddr': [5],
  'ipv4-route': [7],
  'ipv4-rule': [8],
  'ipv6-ifaddr': [9],
  'ipv6-route': [11],
  'ipv6-rule': [19],
  nexthop: [32],
  address: [5, 9],
  route: [7, 11],
  rule: [8, 19],
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
  /** Events were lost: resynchronise with a dump. */
  | { kind: 'overrun'; error: OverrunError };

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

const AF_INET = 2;
const AF_INET6 = 10;

/**
 * Decodes one notification; undefined for what is not covered here (other
 * message types, bridge FDB entries and other non-IP neighbours, multicast
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
      if (family !== AF_INET && family !== AF_INET6) return undefined;
      return { kind: 'neigh', action: type === RTM_NEWNEIGH ? 'new' : 'del', neigh: decodeNeigh(msg) };
    case RTM_NEWNEXTHOP: case RTM_DELNEXTHOP:
      return { kind: 'nexthop', action: type === RTM_NEWNEXTHOP ? 'new' : 'del', nexthop: decodeNexthop(msg) };
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
  const maxQueue = opts.maxQueue ?? 100_000;
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

  let queue: RtnlEvent[] = [];
  let head = 0;
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
    if (queue.length - head >= maxQueue) {
      // The consumer is too slow: drop what it has not read and say so.
      queue = [];
      head = 0;
      queue.push({ kind: 'overrun', error: new OverrunError('the event queue exceeded maxQueue; events were dropped') });
    }
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
  sock.onOverrun = (error) => push({ kind: 'overrun', error });
  sock.hold(true);
  const stop = (): void => {
    if (done) return;
    done = true;
    sock.close();
    wakeAll();
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();

  const it: AsyncIterableIterator<RtnlEvent> = {
    [Symbol.asyncIterator]: () => it,
    async next(): Promise<IteratorResult<RtnlEvent>> {
      for (;;) {
        if (head < queue.length) {
          const e = queue[head]!;
          queue[head++] = undefined as unknown as RtnlEvent;
          if (head > 1024 && head * 2 > queue.length) {
            queue = queue.slice(head);
            head = 0;
          }
          return { value: e, done: false };
        }
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

