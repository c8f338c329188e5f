// The kernel's refusal of a tc kind it lacks, turned into UnsupportedTcKindError:
// ENOENT "Specified qdisc kind is unknown." for qdiscs, "TC classifier not
// found." for filters (the kernel tried to load the module and found none).
import { type NetlinkError, UnsupportedTcKindError } from '../../core/errors.js';

const UNKNOWN_KIND = /specified qdisc kind is unknown|classifier not found|unknown (qdisc|classifier)/i;

export function unsupportedKind(what: 'qdisc' | 'class' | 'filter', kind: string): (err: NetlinkError) => Error {
  return (err) => {
    if (err.errnoName === 'ENOENT' && err.extackMessage !== undefined && UNKNOWN_KIND.test(err.extackMessage)) {
      return new UnsupportedTcKindError(what, kind, {
        errno: err.errno, request: err.request, extackMessage: err.extackMessage, extackOffset: err.extackOffset, field: 'kind',
      });
    }
    return err;
  };
}
