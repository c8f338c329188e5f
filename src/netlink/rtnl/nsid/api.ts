// `ip netns` ids bound to one socket.
import type { NetlinkSocket } from '../../core/socket.js';
import { checkNsidFd, decodeNsid, encodeNsidGet, RTM_NEWNSID } from './codec.js';

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
}
