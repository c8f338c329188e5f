// `ip addr` bound to one socket: list, add, replace, del, and their bulk
// forms. Each operation checks its input once, looks up its link, then
// encodes and sends.
import type { BulkOptions, BulkResult } from '../../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import { createMode, deviceBulk, type CreateBulkOptions, type Many } from '../bulk-modes.js';
import { RTM_DELADDR, RTM_NEWADDR } from '../constants.js';
import type { LinkApi } from '../link/api.js';
import { observed, type Hooks } from '../observer.js';
import {
  checkAddress, checkAddressDel, checkAddressListFilter, decodeAddress, describeAddress, encodeAddress, encodeAddressDump,
  writeAddress, type Address, type AddressDelSpec, type AddressListFilter, type AddressSpec,
} from './codec.js';

export class AddressApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `ip addr show [dev DEV]`, IPv4 and IPv6 unless `family` says one. */
  async list(filter: AddressListFilter = {}): Promise<Address[]> {
    checkAddressListFilter(filter, 'filter');
    const index = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    return this.sock.list(encodeAddressDump({
      ...(filter.family !== undefined && { family: filter.family }), ...(index !== undefined && { index }),
    }), decodeAddress);
  }

  /** `ip addr add`: EEXIST if the address is there already. */
  add(spec: AddressSpec): Promise<void> {
    return this.create(spec, false);
  }

  /** `ip addr replace`: adds, or updates lifetimes/flags of an existing address. */
  replace(spec: AddressSpec): Promise<void> {
    return this.create(spec, true);
  }

  private async create(spec: AddressSpec, replace: boolean): Promise<void> {
    const checked = checkAddress(spec);
    const index = await this.links.index(checked.dev);
    const req = encodeAddress(RTM_NEWADDR, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL), checked, () => index);
    await observed(this.hooks, () => ({ object: 'address', spec: checked, index, replace }), () => this.sock.request(req));
  }

  /** `ip addr del`. */
  async del(spec: AddressDelSpec): Promise<void> {
    const checked = checkAddressDel(spec);
    const index = await this.links.index(checked.dev);
    await this.sock.request(encodeAddress(RTM_DELADDR, 0, checked, () => index));
  }

  /**
   * `ip -batch` of `ip addr add` (or `replace` with `mode: 'replace'`):
   * many per sendmsg, every address accounted for (see docs/bulk.md).
   */
  async addMany(addresses: Many<AddressSpec>, opts: CreateBulkOptions = {}): Promise<BulkResult<AddressSpec>> {
    const { flags, replace, bulk } = createMode(opts);
    return this.many(RTM_NEWADDR, flags, addresses, bulk, checkAddress, replace);
  }

  /** `ip addr del` for many addresses, as addMany adds them. */
  delMany(addresses: Many<AddressDelSpec>, opts: BulkOptions = {}): Promise<BulkResult<AddressDelSpec>> {
    return this.many(RTM_DELADDR, 0, addresses, opts, checkAddressDel, false);
  }

  private many<S extends AddressSpec | AddressDelSpec>(
    type: number, flags: number, items: Many<S>, opts: BulkOptions, check: (spec: S) => S, replace: boolean,
  ): Promise<BulkResult<S>> {
    return deviceBulk({
      sock: this.sock, links: this.links, hooks: this.hooks, items, opts, check,
      write: (w, checked, dev) => writeAddress(w, type, flags, checked, dev),
      describe: (spec) => describeAddress(type, spec),
      ...(type === RTM_NEWADDR && { created: (spec: S, index: number) => ({ object: 'address' as const, spec: spec as AddressSpec, index, replace }) }),
    });
  }
}
