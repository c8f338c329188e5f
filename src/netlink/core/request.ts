// A request as the transport sends it, and the error the kernel's answer to
// it becomes: the extended-ACK offset is mapped back to the caller's field.
import { NetlinkError } from './errors.js';
import type { ErrorMessage } from './message.js';
import { fieldAt, type FieldMark } from './writer.js';

/** One encoded request: a single netlink message whose seq the socket fills in. */
export interface Request {
  bytes: Buffer;
  /** Human description for errors: "RTM_NEWLINK veth v0". */
  describe: string;
  /** Where the encoder put each caller field, to name the one the kernel rejects. */
  marks?: readonly FieldMark[];
  /** Maps kernel errors to richer ones (e.g. an unsupported link kind). */
  mapError?: (err: NetlinkError) => Error;
}

/** The NetlinkError for the kernel's refusal of `req`, naming the field its offset points at. */
export function requestError(req: Request, e: ErrorMessage): Error {
  const offset = e.extackOffset ?? e.missingNestOffset;
  const err = new NetlinkError({
    errno: e.errno,
    request: req.describe,
    extackMessage: e.extackMessage,
    extackOffset: e.extackOffset,
    field: offset !== undefined && req.marks ? fieldAt(req.marks, offset) : undefined,
    missingType: e.missingType,
  });
  return req.mapError ? req.mapError(err) : err;
}
