// Namespace ids (`ip netns list-id`, `ip netns set`): how this namespace
// numbers another one. A veth whose peer lives elsewhere reports the peer's
// namespace by such an id (link_netnsid). The constants, the requests and
// the decoder of answers and events; the operations are in api.ts.
import { AttrReader } from '../../core/attributes.js';
import { NLM_F_ECHO, NLMSG_HDRLEN } from '../../core/constants.js';
import { ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Int, Type, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';

export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;
/** The multicast group of RTM_NEWNSID/RTM_DELNSID events. */
export const RTNLGRP_NSID = 28;
const NETNSA_NSID = 1;
const NETNSA_PID = 2;
const NETNSA_FD = 3;
/** NETNSA_NSID_NOT_ASSIGNED: in a request, "the kernel picks"; in an answer, "none". */
const NSID_NOT_ASSIGNED = -1;
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

/** `ip netns set`: the namespace (an fd of it, or a process in it) and the id to give it. */
export const NsidSetSpecSchema = Type.Object({
  /** An fd of the namespace (`Namespace.fd`, an open /run/netns/NAME). */
  fd: Type.Optional(Int(0, 0x7fffffff)),
  /** A process in the namespace. */
  pid: Type.Optional(Int(1, 0x7fffffff)),
  /** The id, 0..2^31-1; left out, the kernel picks the lowest free one (`ip netns set NAME auto`). */
  nsid: Type.Optional(Int(0, 0x7fffffff)),
}, CLOSED);
export type NsidSetSpec = Static<typeof NsidSetSpecSchema>;

const checkNsidSetSpec = checker(NsidSetSpecSchema);

/** The one check of nsid.set() input: the schema, and exactly one of fd and pid. */
export function checkNsidSet(spec: NsidSetSpec): NsidSetSpec {
  checkNsidSetSpec(spec, 'spec');
  if (spec.fd === undefined && spec.pid === undefined) throw new ValidationError('give the namespace: fd (an fd of it) or pid (a process in it)', 'fd');
  if (spec.fd !== undefined && spec.pid !== undefined) throw new ValidationError('give fd or pid, not both', 'pid');
  return spec;
}

/**
 * Writes RTM_NEWNSID for a checked spec, as `ip netns set NAME ID` does; an
 * id the kernel is to pick asks for the result back (NLM_F_ECHO).
 */
export function writeNsidSet(w: NetlinkWriter, spec: NsidSetSpec): void {
  w.beginMessage(RTM_NEWNSID, spec.nsid === undefined ? NLM_F_ECHO : 0);
  w.u8(0); // rtgen_family: AF_UNSPEC
  w.zeros(RTGENMSG_SIZE - 1);
  if (spec.fd !== undefined) w.attrU32(NETNSA_FD, spec.fd, 'fd');
  else w.attrU32(NETNSA_PID, spec.pid!, 'pid');
  w.attrS32(NETNSA_NSID, spec.nsid ?? NSID_NOT_ASSIGNED, 'nsid');
  w.endMessage();
}

export function describeNsidSet(spec: NsidSetSpec): string {
  return `RTM_NEWNSID ${spec.fd !== undefined ? `fd ${spec.fd}` : `pid ${spec.pid}`} nsid ${spec.nsid ?? 'auto'}`;
}

export function encodeNsidSet(spec: NsidSetSpec): Request {
  const w = new NetlinkWriter(40);
  writeNsidSet(w, spec);
  return { bytes: w.toBuffer(), describe: describeNsidSet(spec), marks: w.marks };
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
