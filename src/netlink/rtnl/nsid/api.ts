// `ip netns` ids bound to one socket.
import type { NetlinkSocket } from '../../core/socket.js';
import { checkNsidFd, decodeNsid, encodeNsidGet, RTM_NEWNSID } from './codec.js';

/** `ip netns` ids bound to one socket. */
export class NsidApi {
  constructor(private readonly sock: NetlinkSocket) {}

  /** The id this namespace gives the namespace behind `fd`; undefined when it has none. */
  async get(fd: number): Promise<number | undefined> {
    checkNsidFd(fd, 'fd');
    for (const m of await this.sock.request(encodeNsidGet(fd))) {
      if (m.readUInt16LE(4) !== RTM_NEWNSID) continue;
      const id = decodeNsid(m);
      if (id !== undefined) return id < 0 ? undefined : id;
    }
    return undefined;
  }
}
