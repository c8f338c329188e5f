// Property tests of events (fast-check): no byte string — random, built from
// random attributes, a mutated capture of a routing object or an event —
// makes decodeEvent fail with anything but DecodeError.
import fc from 'fast-check';
import { decodeEvent } from '../../src/netlink/rtnl/events.js';
import { malformedRouting, onlyDecodeErrors, runs } from '../support/arbitraries.js';

describe('event properties', () => {
  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformedRouting();

    it('decodeEvent', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeEvent(b))), runs(2500));
    });
  });
});
