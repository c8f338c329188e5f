// `ip link` bound to one socket: list, get, add, set, del. Each operation
// checks its input once, looks up the links it names, then encodes and sends.
import { NLM_F_CREATE, NLM_F_EXCL } from '../../core/constants.js';
import { DecodeError, NetlinkError } from '../../core/errors.js';
import { NetlinkSocket } from '../../core/socket.js';
import { messageName, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../constants.js';
import { DevCache, type DevResolver } from '../devices.js';
import { observed, type Hooks } from '../observer.js';
import { checkLinkAdd, checkLinkListFilter, checkLinkRef, checkLinkSet, decodeLink, encodeLink, encodeLinkDump, encodeLinkGet, type Link, type LinkAddSpec, type LinkChange, type LinkListFilter, type LinkSetSpec } from './codec.js';
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
      // Deleting either end of a veth deletes both.
      const left = await this.within(spec.netns, (sock) => sock.request(encodeLink(RTM_DELLINK, 0, { dev: spec.name }))).then(() => undefined, (d: unknown) => d);
      // The caller must learn that the link it did not get is still there.
      if (left && e instanceof Error) e.message += `; ${spec.name} was created and could not be removed (${left instanceof Error ? left.message : String(left)}): it is still there`;
      throw e;
    }
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

  /** `ip link set`: up/down, mtu, address, name, alias, master/nomaster, netns, txqueuelen. */
  async set(ref: LinkRef, spec: LinkSetSpec): Promise<void> {
    const change = checkLinkSet(ref, spec);
    const devs = this.devCache();
    if (change.master !== null) await devs.ensure(change.master, 'master');
    if (change.name !== undefined) await devs.ensure(ref, 'dev'); // a rename names its link by index
    await this.sock.request(encodeLink(RTM_NEWLINK, 0, change, devs.resolve));
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
 * ENOTCONN). Each in the namespace its link lives in.
 */
function followups(spec: LinkAddSpec): Followup[] {
  if (spec.kind === 'tun') {
    const { name, kind: _k, tun: _t, ...settings } = spec;
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as LinkSetSpec;
    return Object.keys(given).length ? [{ netns: undefined, change: { ...given, dev: name } }] : [];
  }
  const out: Followup[] = [];
  if (spec.alias !== undefined) out.push({ netns: spec.netns, change: { dev: spec.name, alias: spec.alias } });
  const peer = spec.peer;
  if (peer && (peer.up || peer.alias !== undefined)) {
    const change: LinkChange = { dev: peer.name, ...(peer.alias !== undefined && { alias: peer.alias }), ...(peer.up && { up: true }) };
    out.push({ netns: peer.netns, change });
  }
  return out;
}
