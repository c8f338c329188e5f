// Namespace ids (`ip netns list-id`, `ip netns set`): how this namespace
// numbers another one. A veth whose peer lives elsewhere reports the peer's
// namespace by such an id (link_netnsid).
import { AttrReader } from '../core/attributes.js';
import { checker, Int } from '../core/schema.js';
import type { NetlinkSocket } from '../core/socket.js';
import { NetlinkWriter } from '../core/writer.js';

export const RTM_NEWNSID = 88;
export const RTM_GETNSID = 90;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;

const checkFd = checker(Int(0, 0x7fffffff));

/** `ip netns` ids bound to one socket. */
export class NsidApi {
  constructor(private readonly sock: NetlinkSocket) {}

  /** The id this namespace gives the namespace behind `fd`; undefined when it has none. */
  async get(fd: number): Promise<number | undefined> {
    checkFd(fd, 'fd');
    const w = new NetlinkWriter(32);
    w.beginMessage(RTM_GETNSID, 0);
    w.u8(0); // struct rtgenmsg, padded
    w.zeros(3);
    w.attrU32(NETNSA_FD, fd, 'fd');
    w.endMessage();
    const replies = await this.sock.request({ bytes: w.toBuffer(), describe: `RTM_GETNSID fd ${fd}`, marks: w.marks });
    for (const m of replies) {
      if (m.readUInt16LE(4) !== RTM_NEWNSID) continue;
      const r = new AttrReader(m, 20, m.readUInt32LE(0));
      while (r.next()) if (r.type === NETNSA_NSID) {
        const id = r.s32();
        return id < 0 ? undefined : id;
      }
    }
    return undefined;
  }
}
