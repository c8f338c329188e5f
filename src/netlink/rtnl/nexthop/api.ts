// `ip nexthop` bound to one socket: list, get, add, replace, del. Each
// change is checked once (codec.ts), its device looked up, told to the
// observer, then encoded and sent.
import { runBulk, type BulkHooks, type BulkOptions, type BulkResult } from '../../core/bulk.js';
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { LinkApi } from '../link/api.js';
import { createMode, type CreateBulkOptions, type Many } from '../bulk-modes.js';
import type { DevCache } from '../devices.js';
import { observed, observedMany, type Hooks } from '../observer.js';
import {
  checkNexthop, checkNexthopFilter, checkNexthopId, decodeNexthop, describeNexthop, encodeNexthop, encodeNexthopDel,
  encodeNexthopDump, encodeNexthopGet, RTM_DELNEXTHOP, RTM_NEWNEXTHOP, writeNexthop, writeNexthopId, type Nexthop,
  type NexthopChecked, type NexthopFilter, type NexthopSpec,
} from './codec.js';

/** The id of the nexthop the kernel echoed back for a create (NLM_F_ECHO). */
function echoedId(replies: Buffer[], request: string): number {
  const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWNEXTHOP);
  if (!msg) throw new DecodeError(`${request}: the kernel did not echo the nexthop it created`);
  return decodeNexthop(msg).id;
}

/** `ip nexthop` bound to one socket. */
export class NexthopApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `ip nexthop show`, with kernel-side filters. */
  async list(filter: NexthopFilter = {}): Promise<Nexthop[]> {
    checkNexthopFilter(filter, 'filter');
    const oif = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const master = filter.master === undefined ? undefined : await this.links.index(filter.master, 'master');
    return this.sock.list(encodeNexthopDump({
      ...(filter.family !== undefined && { family: filter.family }), ...(oif !== undefined && { oif }),
      ...(filter.groups && { groups: true }), ...(master !== undefined && { master }), ...(filter.fdb && { fdb: true }),
    }), decodeNexthop);
  }

  /** `ip nexthop get id ID`. */
  async get(id: number): Promise<Nexthop> {
    checkNexthopId(id, 'id');
    const replies = await this.sock.request(encodeNexthopGet(id));
    const msg = replies.find((m) => m.readUInt16LE(4) === RTM_NEWNEXTHOP);
    if (!msg) throw new DecodeError(`RTM_GETNEXTHOP id ${id}: the kernel sent no nexthop`);
    return decodeNexthop(msg);
  }

  private async change(flags: number, spec: NexthopSpec): Promise<number> {
    const checked = checkNexthop(spec);
    const cache = this.links.devCache();
    await cache.ensure(spec.dev);
    // Without an id the kernel picks one: ask for the created object back (NLM_F_ECHO) to learn it.
    const auto = !spec.id;
    const req = encodeNexthop(RTM_NEWNEXTHOP, flags | (auto ? NLM_F_ECHO : 0), checked, cache.resolve);
    const resolved = withIndex(spec, cache);
    const replies = await observed(this.hooks, () => ({ object: 'nexthop', spec: resolved, replace: (flags & NLM_F_REPLACE) !== 0 }),
      () => this.sock.request(req), (r) => (auto ? { id: echoedId(r, req.describe) } : undefined));
    return auto ? echoedId(replies, req.describe) : spec.id!;
  }

  /** `ip nexthop add`: EEXIST when the id is taken. Resolves with the id (the kernel's choice when none was given). */
  add(spec: NexthopSpec): Promise<number> { return this.change(NLM_F_CREATE | NLM_F_EXCL, spec); }
  /** `ip nexthop replace`: routes using the id follow the change. Resolves with the id. */
  replace(spec: NexthopSpec): Promise<number> { return this.change(NLM_F_CREATE | NLM_F_REPLACE, spec); }

  /** `ip nexthop del id ID`. */
  async del(id: number): Promise<void> {
    checkNexthopId(id, 'id');
    await this.sock.request(encodeNexthopDel(id));
  }

  /**
   * `ip -batch` of `ip nexthop add` (or `replace` with `mode: 'replace'`):
   * every nexthop accounted for (see docs/bulk.md). Each needs its `id`
   * (routes and groups name nexthops by id, and a bulk load does not read
   * back the ids the kernel would choose); a group may name nexthops added
   * earlier in the same call.
   */
  async addMany(nexthops: Many<NexthopSpec>, opts: CreateBulkOptions = {}): Promise<BulkResult<NexthopSpec>> {
    const { flags, replace, bulk } = createMode(opts);
    const cache = this.links.devCache();
    const lookup = (spec: NexthopSpec): Promise<void> | undefined => cache.ensure(spec.dev);
    const hooks: BulkHooks<NexthopSpec, NexthopChecked> = {
      ...observedMany(this.hooks, (spec: NexthopSpec) => ({ object: 'nexthop', spec: withIndex(spec, cache), replace }), lookup),
      check: checkWithId,
    };
    return runBulk(this.sock, nexthops, (w, _spec, checked) => writeNexthop(w, RTM_NEWNEXTHOP, flags, checked, cache.resolve),
      (spec) => describeNexthop(RTM_NEWNEXTHOP, spec), bulk, hooks);
  }

  /** `ip nexthop del id ID` for many ids. */
  delMany(ids: Many<number>, opts: BulkOptions = {}): Promise<BulkResult<number>> {
    return runBulk(this.sock, ids, (w, id) => writeNexthopId(w, RTM_DELNEXTHOP, id), (id) => `RTM_DELNEXTHOP id ${id}`, opts,
      { check: (id) => checkNexthopId(id, 'id') });
  }
}

/** checkNexthop, and an id: a bulk load cannot tell the caller the ids the kernel would pick. */
function checkWithId(spec: NexthopSpec): NexthopChecked {
  const c = checkNexthop(spec);
  if (!spec.id) throw new ValidationError('nexthop.addMany needs an id for every nexthop (the ids the kernel picks are not read back in bulk); use nexthop.add() to let the kernel choose', 'id');
  return c;
}

/** The spec with its device name replaced by its index (what identifies the nexthop later). */
function withIndex(spec: NexthopSpec, cache: DevCache): NexthopSpec {
  return spec.dev === undefined ? { ...spec } : { ...spec, dev: cache.resolve(spec.dev, 'dev') };
}
