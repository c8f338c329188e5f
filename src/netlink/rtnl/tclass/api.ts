// `tc class` bound to one socket: list, add, replace, change, del.
import { NLM_F_CREATE, NLM_F_EXCL } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { LinkApi } from '../link/api.js';
import { parseClassId } from '../tc/handles.js';
import {
  checkClass, checkClassDel, checkClassListFilter, decodeClass, encodeClass, encodeClassDump, RTM_DELTCLASS, RTM_NEWTCLASS,
  type ClassDelSpec, type ClassListFilter, type ClassSpec, type TrafficClass,
} from './codec.js';

/**
 * `tc class` bound to one socket. Classes belong to their qdisc: deleting
 * the qdisc deletes them, which is how a namespace manager's cleanup removes
 * the classes of a qdisc it recorded.
 */
export class ClassApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi) {}

  /** `tc class show dev DEV [parent P]`. */
  async list(filter: ClassListFilter): Promise<TrafficClass[]> {
    checkClassListFilter(filter, 'filter');
    const ifindex = await this.links.index(filter.dev);
    const parent = filter.parent === undefined ? 0 : parseClassId(filter.parent, 'filter.parent');
    return this.sock.list(encodeClassDump(ifindex, parent), decodeClass);
  }

  private async send(type: number, flags: number, spec: ClassSpec): Promise<void> {
    const checked = checkClass(spec);
    const index = await this.links.index(spec.dev);
    await this.sock.request(encodeClass(type, flags, checked, () => index));
  }

  /** `tc class add`: EEXIST when the class exists. */
  add(spec: ClassSpec): Promise<void> { return this.send(RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL, spec); }
  /** `tc class replace`: adds, or changes the class (tc sends NLM_F_CREATE alone). */
  replace(spec: ClassSpec): Promise<void> { return this.send(RTM_NEWTCLASS, NLM_F_CREATE, spec); }
  /** `tc class change`: new options for an existing class. */
  change(spec: ClassSpec): Promise<void> { return this.send(RTM_NEWTCLASS, 0, spec); }

  /** `tc class del dev DEV classid C`. */
  async del(spec: ClassDelSpec): Promise<void> {
    const checked = checkClassDel(spec);
    const index = await this.links.index(spec.dev);
    await this.sock.request(encodeClass(RTM_DELTCLASS, 0, checked, () => index));
  }
}
