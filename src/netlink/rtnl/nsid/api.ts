// `ip netns` ids bound to one socket: get (`ip netns identify`-like, by fd)
// and set (`ip netns set NAME ID`).
import { DecodeError } from '../../core/errors.js';
import type { NetlinkSocket } from '../../core/socket.js';
import { checkNsidFd, checkNsidSet, decodeNsid, encodeNsidGet, encodeNsidSet, RTM_NEWNSID, type NsidSetSpec } from './codec.js';

/** `ip netns` ids bound to one socket. */
export class NsidApi {
  constructor(private readonly sock: NetlinkSocket) {}

  /** The id this namespace gives the namespace behind `fd`; undefined when it has none. */
  async get(fd: number): Promise<number | undefined> {
    checkNsidFd(fd, 'fd');
    // Asked on every cleanup(): answered at once when it can be, without an event-loop turn.
    const req = encodeNsidGet(fd);
    for (const m of this.sock.requestNow(req) ?? (await this.sock.request(req))) {
      if (m.readUInt16LE(4) !== RTM_NEWNSID) continue;
      const id = decodeNsid(m);
      if (id !== undefined) return id < 0 ? undefined : id;
    }
    return undefined;
  }

  /**
   * `ip netns set`: gives the namespace behind `fd` (or the one process
   * `pid` is in) the id `nsid` in this namespace — or, without `nsid`, lets
   * the kernel pick the lowest free one. Resolves with the id. An id is
   * given once: EEXIST when that namespace has one already or the id is
   * taken. It lasts as long as both namespaces; nothing removes it sooner.
   */
  async set(spec: NsidSetSpec): Promise<number> {
    const req = encodeNsidSet(checkNsidSet(spec));
    const replies = await this.sock.request(req);
    if (spec.nsid !== undefined) return spec.nsid;
    // The kernel's choice comes back as an RTM_NEWNSID (NLM_F_ECHO) before the ACK.
    for (const m of replies) {
      if (m.readUInt16LE(4) !== RTM_NEWNSID) continue;
      const id = decodeNsid(m);
      if (id !== undefined && id >= 0) return id;
    }
    throw new DecodeError(`${req.describe}: the kernel did not echo the id it chose`);
  }
}
