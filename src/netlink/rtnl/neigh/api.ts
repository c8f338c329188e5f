// `ip neigh` bound to one socket: list, add, replace, del. Each change is
// checked once (codec.ts), its device looked up, told to the observer, then
// encoded and sent.
import type { BulkOptions, BulkResult } from '../../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';
import { ValidationError } from '../../core/errors.js';
import type { NetlinkSocket } from '../../core/socket.js';
import { describe, type Family } from '../inet.js';
import type { LinkApi } from '../link/api.js';
import { createMode, deviceBulk, type CreateBulkOptions, type Many } from '../bulk-modes.js';
import { observed, type Hooks } from '../observer.js';
import {
  checkNeigh, checkNeighDel, checkNeighListFilter, decodeNeigh, describeNeigh, encodeNeigh, encodeNeighDump, RTM_DELNEIGH,
  RTM_NEWNEIGH, writeNeigh, type Neigh, type NeighChecked, type NeighDelSpec, type NeighListFilter, type NeighSpec,
} from './codec.js';

/** `ip neigh` bound to one socket. */
export class NeighApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `ip neigh show [dev DEV]` (or `ip neigh show proxy` with `proxy: true`). */
  async list(filter: NeighListFilter = {}): Promise<Neigh[]> {
    checkNeighListFilter(filter, 'filter');
    const families: Family[] = filter.family === undefined ? [4, 6] : [filter.family];
    const ifindex = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const out: Neigh[] = [];
    for (const f of families) {
      if (f !== 4 && f !== 6) throw new ValidationError(`family must be 4 or 6, got ${describe(f)}`, 'family');
      const req = encodeNeighDump(f, { ...(ifindex !== undefined && { ifindex }), ...(filter.proxy && { proxy: true }) });
      for (const n of await this.sock.list(req, decodeNeigh)) {
        if (ifindex !== undefined && n.ifindex !== ifindex) continue; // proxy dumps ignore the filter
        if (filter.proxy === true && !n.proxy) continue;
        out.push(n);
      }
    }
    return out;
  }

  private async create(flags: number, spec: NeighSpec): Promise<void> {
    const checked = checkNeigh(spec);
    const index = await this.links.index(spec.dev);
    const req = encodeNeigh(RTM_NEWNEIGH, flags, checked, () => index);
    await observed(this.hooks, () => ({ object: 'neigh', spec, index, replace: (flags & NLM_F_REPLACE) !== 0 }), () => this.sock.request(req));
  }

  /** `ip neigh add`: EEXIST when the entry exists. */
  add(spec: NeighSpec): Promise<void> { return this.create(NLM_F_CREATE | NLM_F_EXCL, spec); }
  /** `ip neigh replace`: adds or overwrites. */
  replace(spec: NeighSpec): Promise<void> { return this.create(NLM_F_CREATE | NLM_F_REPLACE, spec); }

  /** `ip neigh del ADDR dev DEV` (with `proxy: true` for a proxy entry). */
  async del(spec: NeighDelSpec): Promise<void> {
    const checked = checkNeighDel(spec);
    const index = await this.links.index(spec.dev);
    await this.sock.request(encodeNeigh(RTM_DELNEIGH, 0, checked, () => index));
  }

  /** `ip -batch` of `ip neigh add` (or `replace` with `mode: 'replace'`): every entry accounted for (see docs/bulk.md). */
  async addMany(entries: Many<NeighSpec>, opts: CreateBulkOptions = {}): Promise<BulkResult<NeighSpec>> {
    const { flags, replace, bulk } = createMode(opts);
    return this.many(RTM_NEWNEIGH, flags, entries, bulk, (spec) => checkNeigh(spec), replace);
  }

  /** `ip neigh del` for many entries, as addMany adds them. */
  delMany(entries: Many<NeighDelSpec>, opts: BulkOptions = {}): Promise<BulkResult<NeighDelSpec>> {
    return this.many(RTM_DELNEIGH, 0, entries, opts, (spec) => checkNeighDel(spec), false);
  }

  private many<S extends NeighSpec | NeighDelSpec>(
    type: number, flags: number, items: Many<S>, opts: BulkOptions, check: (spec: S) => NeighChecked, replace: boolean,
  ): Promise<BulkResult<S>> {
    return deviceBulk({
      sock: this.sock, links: this.links, hooks: this.hooks, items, opts, check,
      write: (w, checked, dev) => writeNeigh(w, type, flags, checked, dev),
      describe: (spec) => describeNeigh(type, spec),
      ...(type === RTM_NEWNEIGH && { created: (spec: S, index: number) => ({ object: 'neigh' as const, spec: spec as NeighSpec, index, replace }) }),
    });
  }
}
