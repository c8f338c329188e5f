// nlmsghdr: decoding datagrams into messages, and the NLMSG_ERROR / NLMSG_DONE
// control messages with their extended-ACK TLVs.
import { AttrReader } from './attributes.js';
import {
  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_HDRLEN, NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, nlmsgAlign,
} from './constants.js';
import { DecodeError } from './errors.js';

export interface NlMsgHeader {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** Cursor over the messages of one datagram; payload is [off, end). */
export class MessageReader {
  len = 0;
  type = 0;
  flags = 0;
  seq = 0;
  pid = 0;
  /** Start of this message's header. */
  start = 0;
  /** Payload (after nlmsghdr). */
  off = 0;
  end = 0;
  private pos: number;

  constructor(readonly buf: Buffer, start = 0, readonly limit = buf.length) {
    this.pos = start;
  }

  next(): boolean {
    const rem = this.limit - this.pos;
    if (rem === 0) return false;
    if (rem < NLMSG_HDRLEN) throw new DecodeError(`${rem} bytes left, less than a netlink header`, this.pos);
    const b = this.buf;
    const len = b.readUInt32LE(this.pos);
    if (len < NLMSG_HDRLEN || len > rem) throw new DecodeError(`netlink message length ${len} with ${rem} bytes left`, this.pos);
    this.len = len;
    this.type = b.readUInt16LE(this.pos + 4);
    this.flags = b.readUInt16LE(this.pos + 6);
    this.seq = b.readUInt32LE(this.pos + 8);
    this.pid = b.readUInt32LE(this.pos + 12);
    this.start = this.pos;
    this.off = this.pos + NLMSG_HDRLEN;
    this.end = this.pos + len;
    this.pos = Math.min(nlmsgAlign(this.pos + len), this.limit);
    return true;
  }

  header(): NlMsgHeader {
    return { len: this.len, type: this.type, flags: this.flags, seq: this.seq, pid: this.pid };
  }

  /** The whole message (header included) as a view. */
  message(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  /** Payload as a view. */
  payload(): Buffer {
    return this.buf.subarray(this.off, this.end);
  }
}

/** Decodes a single message: a buffer that holds exactly one nlmsghdr + payload. */
export function decodeHeader(buf: Buffer, offset = 0): NlMsgHeader {
  if (buf.length - offset < NLMSG_HDRLEN) throw new DecodeError('truncated netlink header', offset);
  const h = {
    len: buf.readUInt32LE(offset),
    type: buf.readUInt16LE(offset + 4),
    flags: buf.readUInt16LE(offset + 6),
    seq: buf.readUInt32LE(offset + 8),
    pid: buf.readUInt32LE(offset + 12),
  };
  if (h.len < NLMSG_HDRLEN || h.len > buf.length - offset) throw new DecodeError(`netlink message length ${h.len}`, offset);
  return h;
}

export function encodeHeader(h: Omit<NlMsgHeader, 'len'> & { len?: number }, payloadLength = 0): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN);
  b.writeUInt32LE(h.len ?? NLMSG_HDRLEN + payloadLength, 0);
  b.writeUInt16LE(h.type, 4);
  b.writeUInt16LE(h.flags, 6);
  b.writeUInt32LE(h.seq >>> 0, 8);
  b.writeUInt32LE(h.pid >>> 0, 12);
  return b;
}

/** NLMSG_ERROR (and an error-carrying NLMSG_DONE), decoded. */
export interface ErrorMessage {
  /** 0 for an ACK, else a positive errno. */
  errno: number;
  /** Header of the request the kernel is answering. */
  request: NlMsgHeader | undefined;
  extackMessage?: string;
  /** Offset of the offending attribute, from the start of the request's nlmsghdr. */
  extackOffset?: number;
  missingType?: number;
  missingNestOffset?: number;
}

function readExtack(r: AttrReader, into: ErrorMessage): void {
  while (r.next()) {
    switch (r.type) {
      case NLMSGERR_ATTR_MSG: into.extackMessage = r.string(); break;
      case NLMSGERR_ATTR_OFFS: into.extackOffset = r.u32(); break;
      case NLMSGERR_ATTR_MISS_TYPE: into.missingType = r.u32(); break;
      case NLMSGERR_ATTR_MISS_NEST: into.missingNestOffset = r.u32(); break;
      default: break; // cookie, policy: not used
    }
  }
}

/** Decodes the payload of NLMSG_ERROR: int error, the request's header (and payload unless capped), TLVs. */
export function decodeError(buf: Buffer, off: number, end: number, flags: number): ErrorMessage {
  if (end - off < 4) throw new DecodeError('truncated NLMSG_ERROR', off);
  const error = buf.readInt32LE(off);
  const out: ErrorMessage = { errno: error === 0 ? 0 : -error, request: undefined };
  if (end - off < 4 + NLMSG_HDRLEN) return out; // old kernels may send only the error
  const req = decodeRequestHeader(buf, off + 4);
  out.request = req;
  // The echoed request is whole unless CAPPED (NETLINK_CAP_ACK) or an ACK.
  let tlvStart = off + 4 + NLMSG_HDRLEN;
  if (!(flags & NLM_F_CAPPED)) tlvStart = off + 4 + nlmsgAlign(req.len);
  if (flags & NLM_F_ACK_TLVS) {
    if (tlvStart > end) throw new DecodeError('NLMSG_ERROR extended ACK past the message end', off);
    readExtack(new AttrReader(buf, tlvStart, end), out);
  }
  return out;
}

function decodeRequestHeader(buf: Buffer, at: number): NlMsgHeader {
  return {
    len: buf.readUInt32LE(at),
    type: buf.readUInt16LE(at + 4),
    flags: buf.readUInt16LE(at + 6),
    seq: buf.readUInt32LE(at + 8),
    pid: buf.readUInt32LE(at + 12),
  };
}

/** NLMSG_DONE carries an int error (0 normally) and, with ACK_TLVS, an extended ACK. */
export function decodeDone(buf: Buffer, off: number, end: number, flags: number): ErrorMessage {
  const out: ErrorMessage = { errno: 0, request: undefined };
  if (end - off >= 4) out.errno = -buf.readInt32LE(off) || 0;
  if ((flags & NLM_F_ACK_TLVS) && end - off > 4) readExtack(new AttrReader(buf, off + 4, end), out);
  return out;
}

/** The end of the single message `msg` holds (its nlmsg_len), checked against the buffer. */
export function messageEnd(msg: Buffer, what: string): number {
  if (msg.length < NLMSG_HDRLEN) throw new DecodeError(`${what} message of ${msg.length} bytes is shorter than nlmsghdr`);
  const len = msg.readUInt32LE(0);
  if (len > msg.length || len < NLMSG_HDRLEN) throw new DecodeError(`${what} message length ${len} does not fit ${msg.length} bytes`);
  return len;
}

/** Checks that the payload [off, end) holds an object's fixed header (ifinfomsg, rtmsg...) of `size` bytes. */
export function fixedHeader(off: number, end: number, size: number, what: string): void {
  if (end - off < size) throw new DecodeError(`${what} message payload of ${end - off} bytes is shorter than its ${size}-byte header`, off);
}
