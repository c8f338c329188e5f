// `bridge fdb` bound to one socket: list, add, append, replace, del. Each
// change is checked once (codec.ts), its devices looked up, told to the
// observer, then encoded and sent.
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../core/constants.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { LinkApi } from '../link/api.js';
import { RTM_DELNEIGH, RTM_NEWNEIGH } from '../neigh/codec.js';
import { observed, type Hooks } from '../observer.js';
import {
  checkFdb, checkFdbDel, checkFdbListFilter, decodeFdb, encodeFdb, encodeFdbDump,
  type Fdb, type FdbDelSpec, type FdbListFilter, type FdbSpec,
} from './codec.js';

export type FdbMode = 'add' | 'append' | 'replace';

const MODE_FLAGS: Record<FdbMode, number> = {
  add: NLM_F_CREATE | NLM_F_EXCL,
  append: NLM_F_CREATE | NLM_F_APPEND,
  replace: NLM_F_CREATE | NLM_F_REPLACE,
};

/** `bridge fdb` bound to one socket. */
export class FdbApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `bridge fdb show [br BRIDGE] [dev DEV]`: the entries of every bridge and device, or of those named. */
  async list(filter: FdbListFilter = {}): Promise<Fdb[]> {
    checkFdbListFilter(filter, 'filter');
    const br = filter.br === undefined ? undefined : await this.links.index(filter.br, 'br');
    const dev = filter.dev === undefined ? undefined : await this.links.index(filter.dev, 'dev');
    const all = await this.sock.list(encodeFdbDump({ ...(br !== undefined && { br }), ...(dev !== undefined && { dev }) }), decodeFdb);
    return all.filter((e) => (dev === undefined || e.ifindex === dev)
      && (filter.vlan === undefined || e.vlan === filter.vlan)
      && (filter.state === undefined || filter.state.includes(e.state)));
  }

  private async create(mode: FdbMode, spec: FdbSpec): Promise<void> {
    const checked = checkFdb(spec);
    const devs = this.links.devCache();
    await devs.ensure(spec.dev, 'dev');
    await devs.ensure(spec.via, 'via');
    const req = encodeFdb(RTM_NEWNEIGH, MODE_FLAGS[mode], checked, devs.resolve);
    const index = devs.resolve(spec.dev, 'dev');
    // Recorded with `via` as an index, so cleanup names the same device even if the name moves.
    const recorded = spec.via === undefined ? spec : { ...spec, via: devs.resolve(spec.via, 'via') };
    await observed(this.hooks, () => ({ object: 'fdb', spec: recorded, index, mode }), () => this.sock.request(req));
  }

  /** `bridge fdb add`: EEXIST when the entry exists. */
  add(spec: FdbSpec): Promise<void> { return this.create('add', spec); }
  /** `bridge fdb append`: one more remote for the same MAC of a vxlan (flooding to several VTEPs). */
  append(spec: FdbSpec): Promise<void> { return this.create('append', spec); }
  /** `bridge fdb replace`: adds or overwrites. */
  replace(spec: FdbSpec): Promise<void> { return this.create('replace', spec); }

  /** `bridge fdb del LLADDR dev DEV [master|self] [vlan VID] [dst IP]`. */
  async del(spec: FdbDelSpec): Promise<void> {
    const checked = checkFdbDel(spec);
    const devs = this.links.devCache();
    await devs.ensure(spec.dev, 'dev');
    await devs.ensure(spec.via, 'via');
    await this.sock.request(encodeFdb(RTM_DELNEIGH, 0, checked, devs.resolve));
  }
}
