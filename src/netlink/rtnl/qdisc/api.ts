// `tc qdisc` bound to one socket: list, add, replace, change, del. Each
// change is checked once (codec.ts), its device looked up, creates told to
// the observer, then encoded and sent.
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { LinkApi } from '../link/api.js';
import { observed, type Hooks } from '../observer.js';
import { formatParent, formatQdiscHandle, parseClassId, parseQdiscHandle } from '../tc/handles.js';
import {
  checkQdisc, checkQdiscDel, checkQdiscListFilter, decodeQdisc, encodeQdisc, encodeQdiscDump, RTM_DELQDISC, RTM_NEWQDISC,
  type Qdisc, type QdiscDelSpec, type QdiscListFilter, type QdiscSpec,
} from './codec.js';

/** `tc qdisc` bound to one socket. */
export class QdiscApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `tc qdisc show [dev DEV]`, the kernel's default qdiscs (handle '0:') included. */
  async list(filter: QdiscListFilter = {}): Promise<Qdisc[]> {
    checkQdiscListFilter(filter, 'filter');
    const ifindex = filter.dev === undefined ? 0 : await this.links.index(filter.dev);
    const handle = filter.handle === undefined ? undefined : formatQdiscHandle(parseQdiscHandle(filter.handle, 'filter.handle'));
    const parent = filter.parent === undefined ? undefined : parseClassId(filter.parent, 'filter.parent');
    const all = await this.sock.list(encodeQdiscDump(ifindex), decodeQdisc);
    // The kernel does not filter qdisc dumps by device: netnest does, as tc.
    return all.filter((q) => (!ifindex || q.ifindex === ifindex) && (filter.kind === undefined || q.kind === filter.kind)
      && (handle === undefined || q.handle === handle) && (parent === undefined || q.parent === formatParent(parent)));
  }

  private async create(flags: number, spec: QdiscSpec): Promise<void> {
    const checked = checkQdisc(spec);
    const index = await this.links.index(spec.dev);
    const req = encodeQdisc(RTM_NEWQDISC, flags, checked, () => index);
    await observed(this.hooks, () => ({ object: 'qdisc', spec, index, replace: (flags & NLM_F_REPLACE) !== 0 }), () => this.sock.request(req));
  }

  /** `tc qdisc add`: EEXIST when a qdisc (other than the kernel's default) is there. */
  add(spec: QdiscSpec): Promise<void> { return this.create(NLM_F_CREATE | NLM_F_EXCL, spec); }
  /** `tc qdisc replace`: adds, or replaces the qdisc at that parent. */
  replace(spec: QdiscSpec): Promise<void> { return this.create(NLM_F_CREATE | NLM_F_REPLACE, spec); }

  /** `tc qdisc change`: new options for an existing qdisc of that kind (ENOENT when there is none). */
  async change(spec: QdiscSpec): Promise<void> {
    const checked = checkQdisc(spec);
    const index = await this.links.index(spec.dev);
    await this.sock.request(encodeQdisc(RTM_NEWQDISC, 0, checked, () => index));
  }

  /** `tc qdisc del dev DEV root` (the default), `parent ID`, or `{ kind: 'ingress' }`. Its classes and filters go with it. */
  async del(spec: QdiscDelSpec): Promise<void> {
    const checked = checkQdiscDel(spec);
    const index = await this.links.index(spec.dev);
    await this.sock.request(encodeQdisc(RTM_DELQDISC, 0, checked, () => index));
  }
}
