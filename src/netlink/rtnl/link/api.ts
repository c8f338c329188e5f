// `ip link` bound to one socket: list, get, add, set, del, and their bulk
// forms. Each operation checks its input once, looks up the links it names,
// then encodes and sends.
import { runBulk, type BulkOptions, type BulkResult } from '../../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../core/constants.js';
import { DecodeError, NetlinkError, ValidationError } from '../../core/errors.js';
import { NetlinkSocket } from '../../core/socket.js';
import type { Many } from '../bulk-modes.js';
import { messageName, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../constants.js';
import { DevCache, directIndex, type DevResolver } from '../devices.js';
import { observed, observedMany, type Hooks } from '../observer.js';
import {
  checkLinkAdd, checkLinkListFilter, checkLinkRef, checkLinkSet, decodeLink, describeLink, encodeLink, encodeLinkDump,
  encodeLinkGet, mapAddError, writeLink, type Link, type LinkAddSpec, type LinkChange, type LinkListFilter, type LinkSetSpec,
} from './codec.js';
import { describeRef, type LinkRef } from '../devices.js';
import { kindRefs } from './kinds/index.js';
import { createTun } from './tun.js';

/** A change to make right after a create, in the namespace (an fd; undefined: the socket's) where its link lives. */
type Followup = { netns: number | undefined; change: LinkChange };

export class LinkApi {
  constructor(private readonly sock: NetlinkSocket, private readonly hooks: Hooks = {}) {}

  /** All links (`ip link show`), optionally filtered by the kernel. */
  async list(filter: LinkListFilter = {}): Promise<Link[]> {
    checkLinkListFilter(filter, 'filter');
    const master = filter.master === undefined ? undefined : await this.index(filter.master, 'master');
    return this.sock.list(encodeLinkDump({ ...(master !== undefined && { master }), ...(filter.kind !== undefined && { kind: filter.kind }) }), decodeLink);
  }

  /** Streams links without holding the whole list. */
  async *dump(): AsyncGenerator<Link> {
    for await (const part of this.sock.dumpParts(encodeLinkDump())) for (const msg of part) yield decodeLink(msg);
  }

  /** One link by name or index; NetlinkError ENODEV when there is none. */
  async get(ref: LinkRef): Promise<Link> {
    checkLinkRef(ref, 'dev');
    const replies = await this.sock.request(encodeLinkGet(ref));
    const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWLINK);
    if (!msg) throw new DecodeError(`${messageName(RTM_GETLINK)} ${describeRef(ref)}: the kernel sent no link`);
    return decodeLink(msg);
  }

  /** Like get(), but undefined when the link does not exist. */
  async find(ref: LinkRef): Promise<Link | undefined> {
    try {
      return await this.get(ref);
    } catch (e) {
      if (e instanceof NetlinkError && e.errnoName === 'ENODEV') return undefined;
      throw e;
    }
  }

  /**
   * A name-to-index cache for encoders that must stay synchronous (bulk
   * operations): `ensure(dev)` looks a name up once; `resolve` then answers.
   */
  devCache(): DevCache {
    return new DevCache((name, field) => this.index(name, field));
  }

  /** Index of a link; numbers are returned as they are. */
  async index(ref: LinkRef, field = 'dev'): Promise<number> {
    checkLinkRef(ref, field);
    if (typeof ref === 'number') return ref;
    try {
      return (await this.get(ref)).index;
    } catch (e) {
      // Name the caller's field: "dev: no link named 'nope0'" says more than a bare RTM_GETLINK error.
      if (e instanceof NetlinkError && e.errnoName === 'ENODEV') {
        throw new NetlinkError({ errno: e.errno, request: e.request, extackMessage: `no link named '${ref}'`, field });
      }
      throw e;
    }
  }

  /**
   * `ip link add`. A veth and its peer are created in one request, each
   * directly in its namespace (`netns`, `peer.netns`), so no half-moved pair
   * can be left behind. What the kernel does not take in the create request
   * (see followups()) is set right after it; if that is refused, the new
   * link is deleted and the refusal thrown, never a link half as asked.
   */
  async add(spec: LinkAddSpec): Promise<void> {
    const checked = checkLinkAdd(spec);
    const devs = this.devCache();
    await devs.ensure(checked.master, 'master');
    await devs.ensure(checked.link, 'link');
    for (const [ref, field] of kindRefs(checked)) await devs.ensure(ref, field);
    if (checked.kind === 'tun') {
      await observed(this.hooks, () => ({ object: 'link', spec: checked }), async () => createTun(this.sock, checked.name, checked.tun ?? { mode: 'tun' }));
    } else {
      const req = encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checked, devs.resolve);
      await observed(this.hooks, () => ({ object: 'link', spec: checked }), () => this.sock.request(req));
    }
    await this.follow(checked, followups(checked), devs.resolve);
  }

  private async follow(spec: LinkAddSpec, steps: Followup[], dev: DevResolver): Promise<void> {
    try {
      for (const { netns, change } of steps) await this.within(netns, (sock) => sock.request(encodeLink(RTM_NEWLINK, 0, change, dev)));
    } catch (e) {
      throw await this.undo(spec, e);
    }
  }

  /** Deletes a link whose follow-up failed (either end of a veth deletes both); the follow-up's error, saying so if the link stays. */
  private async undo(spec: LinkAddSpec, e: unknown): Promise<unknown> {
    const left = await this.within(spec.netns, (sock) => sock.request(encodeLink(RTM_DELLINK, 0, { dev: spec.name }))).then(() => undefined, (d: unknown) => d);
    // The caller must learn that the link it did not get is still there.
    if (left && e instanceof Error) e.message += `; ${spec.name} was created and could not be removed (${left instanceof Error ? left.message : String(left)}): it is still there`;
    return e;
  }

  /**
   * `ip -batch` of `ip link add`: many per sendmsg, every link accounted
   * for (see docs/bulk.md). Items are sent in order; a link naming as its
   * `master` or `link` a link made earlier in the same call waits until that
   * one is answered (its batch is closed before it). What link.add() sets
   * right after a create (an alias, a veth peer's `up`) is set for all the
   * links made, in a second bulk pass; a link whose follow-up fails is
   * deleted and reported failed. tun devices are made one by one (link.add()).
   */
  async addMany(specs: Many<LinkAddSpec>, opts: BulkOptions = {}): Promise<BulkResult<LinkAddSpec>> {
    const devs = this.devCache();
    /** Names made earlier in this call, in this namespace. */
    const earlier = new Set<string>();
    const follow: { index: number; spec: LinkAddSpec }[] = [];
    const lookup = (spec: LinkAddSpec): Promise<void> | undefined => {
      const master = devs.ensure(spec.master, 'master');
      const link = devs.ensure(spec.link, 'link');
      return master && link ? Promise.all([master, link]).then(() => undefined) : master ?? link;
    };
    const observe = observedMany(this.hooks, (spec: LinkAddSpec) => ({ object: 'link', spec }), lookup);
    const result = await runBulk(this.sock, specs, (w, spec) => writeLink(w, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, spec, devs.resolve),
      (spec) => describeLink(RTM_NEWLINK, spec), opts, {
        check: (spec) => {
          const c = checkLinkAdd(spec);
          if (c.kind === 'tun') throw new ValidationError('tun links are made through /dev/net/tun, one at a time: use link.add()', 'kind');
          const waits = (typeof c.master === 'string' && earlier.has(c.master)) || (typeof c.link === 'string' && earlier.has(c.link));
          if (c.netns === undefined) earlier.add(c.name);
          if (c.peer && c.peer.netns === undefined) earlier.add(c.peer.name);
          return waits;
        },
        waitsForEarlier: (_spec, waits) => waits,
        prepare: observe.prepare,
        settled: (index, spec, error) => {
          observe.settled?.(index, spec, error);
          if (!error && followups(spec).length) follow.push({ index, spec });
        },
        mapError: (err, spec) => mapAddError(spec, err),
      });
    if (follow.length) await this.followMany(follow, opts, result);
    return result;
  }

  /** The follow-ups of the links addMany made, in bulk per namespace; a link whose follow-up fails is deleted and fails. */
  private async followMany(made: { index: number; spec: LinkAddSpec }[], opts: BulkOptions, result: BulkResult<LinkAddSpec>): Promise<void> {
    const { onProgress: _p, ...bulk } = opts;
    type Step = { index: number; spec: LinkAddSpec; change: LinkChange };
    const byNetns = new Map<number | undefined, Step[]>();
    for (const { index, spec } of made) {
      for (const { netns, change } of followups(spec)) {
        const steps = byNetns.get(netns) ?? [];
        steps.push({ index, spec, change });
        byNetns.set(netns, steps);
      }
    }
    const failed = new Map<number, { spec: LinkAddSpec; error: Error }>();
    for (const [netns, steps] of byNetns) {
      const r = await this.within(netns, (sock) => runBulk(sock, steps.filter((s) => !failed.has(s.index)),
        (w, s) => writeLink(w, RTM_NEWLINK, 0, s.change, directIndex), (s) => describeLink(RTM_NEWLINK, s.change), bulk));
      for (const f of r.failed) failed.set(f.item.index, { spec: f.item.spec, error: f.error });
    }
    for (const [index, { spec, error }] of failed) {
      result.ok--;
      result.failed.push({ index, item: spec, error: (await this.undo(spec, error)) as Error });
    }
    result.failed.sort((a, b) => a.index - b.index);
  }

  /** `ip link del` for many links (deleting one end of a veth deletes both: name only one). */
  delMany(refs: Many<LinkRef>, opts: BulkOptions = {}): Promise<BulkResult<LinkRef>> {
    return runBulk(this.sock, refs, (w, ref) => writeLink(w, RTM_DELLINK, 0, { dev: ref }, directIndex),
      (ref) => describeLink(RTM_DELLINK, { dev: ref }), opts, { check: (ref) => { checkLinkRef(ref, 'dev'); } });
  }

  /** Runs `fn` with a socket in `netns`, opened for the call; with this client's socket when netns is undefined. */
  private async within<T>(netns: number | undefined, fn: (sock: NetlinkSocket) => Promise<T>): Promise<T> {
    if (netns === undefined) return fn(this.sock);
    const sock = NetlinkSocket.open({ netns });
    try {
      return await fn(sock);
    } finally {
      sock.close();
    }
  }

  /**
   * `ip link set`: up/down, mtu, address, name, alias, master/nomaster, netns,
   * txqueuelen, and bridge port options (`type bridge_slave ...`).
   */
  async set(ref: LinkRef, spec: LinkSetSpec): Promise<void> {
    const change = checkLinkSet(ref, spec);
    const devs = this.devCache();
    if (change.master !== null) await devs.ensure(change.master, 'master');
    // A rename names its link by index; so do port options sent after a new master.
    const { bridgePort, ...rest } = change;
    const later = bridgePort !== undefined && change.master !== undefined && change.master !== null;
    if (change.name !== undefined || later) await devs.ensure(ref, 'dev');
    if (!later) {
      await this.sock.request(encodeLink(RTM_NEWLINK, 0, change, devs.resolve));
      return;
    }
    // The kernel applies port options before it changes the master (rtnl_newlink): a link that
    // becomes a port in this call gets them in a second request.
    await this.sock.request(encodeLink(RTM_NEWLINK, 0, rest, devs.resolve));
    await this.sock.request(encodeLink(RTM_NEWLINK, 0, { dev: devs.resolve(ref, 'dev'), bridgePort }, devs.resolve));
  }

  /** `ip link del`. Deleting one end of a veth deletes both. */
  async del(ref: LinkRef): Promise<void> {
    checkLinkRef(ref, 'dev');
    await this.sock.request(encodeLink(RTM_DELLINK, 0, { dev: ref }));
  }
}

/**
 * What the kernel does not take in a create request, to set right after it:
 * a tun's settings (the device is made by ioctl, not rtnetlink); an alias
 * (rtnl_create_link ignores IFLA_IFALIAS, for a veth's peer too); a veth
 * peer's `up` (configured before its other end exists, it fails with
 * ENOTCONN); options as a bridge port (the kernel applies slave data
 * only to a link that is already a port). Each in the namespace its link lives in.
 */
function followups(spec: LinkAddSpec): Followup[] {
  if (spec.kind === 'tun') {
    const { name, kind: _k, tun: _t, ...settings } = spec;
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as LinkSetSpec;
    return Object.keys(given).length ? [{ netns: undefined, change: { ...given, dev: name } }] : [];
  }
  const out: Followup[] = [];
  if (spec.alias !== undefined) out.push({ netns: spec.netns, change: { dev: spec.name, alias: spec.alias } });
  if (spec.bridgePort !== undefined) out.push({ netns: spec.netns, change: { dev: spec.name, bridgePort: spec.bridgePort } });
  const peer = spec.peer;
  if (peer && (peer.up || peer.alias !== undefined)) {
    const change: LinkChange = { dev: peer.name, ...(peer.alias !== undefined && { alias: peer.alias }), ...(peer.up && { up: true }) };
    out.push({ netns: peer.netns, change });
  }
  return out;
}
