// Namespace ids (`ip netns list-id`): how this namespace numbers another one.
// A veth whose peer lives elsewhere reports the peer's namespace by such an id
// (link_netnsid). The constants, the request and its answer's decoder; the
// operation is in api.ts.
import { AttrReader } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, Int } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';

export const RTM_NEWNSID = 88;
export const RTM_GETNSID = 90;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;
/** struct rtgenmsg, padded to 4 bytes. */
const RTGENMSG_SIZE = 4;

/** Checks a namespace fd (0..2^31-1); `field` names it in errors. */
export const checkNsidFd = checker(Int(0, 0x7fffffff));

/** RTM_GETNSID for the namespace behind `fd` (which passed checkNsidFd). */
export function encodeNsidGet(fd: number): Request {
  const w = new NetlinkWriter(32);
  w.beginMessage(RTM_GETNSID, 0);
  w.u8(0); // rtgen_family: AF_UNSPEC
  w.zeros(RTGENMSG_SIZE - 1);
  w.attrU32(NETNSA_FD, fd, 'fd');
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETNSID fd ${fd}`, marks: w.marks };
}

/**
 * The NETNSA_NSID of one RTM_NEWNSID message (header included): the id,
 * NETNSA_NSID_NOT_ASSIGNED (-1) when there is none, undefined when the
 * message does not say.
 */
export function decodeNsid(msg: Buffer): number | undefined {
  return decodeNsidAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'nsid'));
}

export function decodeNsidAt(buf: Buffer, off: number, end: number): number | undefined {
  fixedHeader(off, end, RTGENMSG_SIZE, 'nsid');
  const r = new AttrReader(buf, off + RTGENMSG_SIZE, end);
  while (r.next()) if (r.type === NETNSA_NSID) return r.s32();
  return undefined;
}
