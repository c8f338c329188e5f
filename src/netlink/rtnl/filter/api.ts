// `tc filter` bound to one socket: list, add, replace, change, del.
import { NLM_F_CREATE, NLM_F_EXCL } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { LinkApi } from '../link/api.js';
import {
  checkFilter, checkFilterDel, checkFilterListFilter, decodeFilter, encodeFilter, encodeFilterDump, filterDevices, filterParent,
  RTM_DELTFILTER, RTM_NEWTFILTER, type Filter, type FilterChecked, type FilterDelSpec, type FilterListFilter, type FilterSpec,
} from './codec.js';

/**
 * `tc filter` bound to one socket. Filters belong to their qdisc or class:
 * deleting the qdisc deletes them, which is how a namespace manager's
 * cleanup removes the filters of a qdisc it recorded.
 */
export class FilterApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi) {}

  /** `tc filter show dev DEV [parent P]` (default: the root qdisc's filters). */
  async list(filter: FilterListFilter): Promise<Filter[]> {
    checkFilterListFilter(filter, 'filter');
    const ifindex = await this.links.index(filter.dev);
    const parent = filter.parent === undefined ? 0 : filterParent(filter.parent, 'filter.parent');
    return this.sock.list(encodeFilterDump(ifindex, parent), decodeFilter);
  }

  private async send(type: number, flags: number, checked: FilterChecked): Promise<void> {
    const devs = this.links.devCache();
    await devs.ensureAll([checked.spec.dev, ...filterDevices(checked)]);
    await this.sock.request(encodeFilter(type, flags, checked, devs.resolve));
  }

  /** `tc filter add` (protocol 'all' unless given). */
  add(spec: FilterSpec): Promise<void> { return this.send(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, checkFilter(spec)); }
  /** `tc filter replace`: adds, or replaces the filter with that handle (tc sends NLM_F_CREATE alone). */
  replace(spec: FilterSpec): Promise<void> { return this.send(RTM_NEWTFILTER, NLM_F_CREATE, checkFilter(spec)); }
  /** `tc filter change`: new options for the filter with that handle. */
  change(spec: FilterSpec): Promise<void> { return this.send(RTM_NEWTFILTER, 0, checkFilter(spec)); }

  /** `tc filter del dev DEV parent P [protocol PROTO pref N [handle H kind]]`. */
  del(spec: FilterDelSpec): Promise<void> { return this.send(RTM_DELTFILTER, 0, checkFilterDel(spec)); }
}
