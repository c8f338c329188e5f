// Property tests of namespace ids (fast-check): what nsid.set() writes reads
// back as the id it asked for, whatever the namespace reference; the kernel's
// nsid messages and events decode to the id they carry; malformed bytes raise
// DecodeError and nothing else.
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeEvent } from '../../src/netlink/rtnl/events.js';
import { checkNsidSet, decodeNsid, encodeNsidSet, RTM_DELNSID, RTM_NEWNSID } from '../../src/netlink/rtnl/nsid/codec.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { malformedRouting, mutated, onlyDecodeErrors, runs } from '../support/arbitraries.js';
import { loadGolden } from '../support/golden.js';

const nsidArb = fc.integer({ min: 0, max: 0x7fffffff });
const target = fc.oneof(
  fc.record({ fd: fc.integer({ min: 0, max: 0x7fffffff }) }),
  fc.record({ pid: fc.integer({ min: 1, max: 0x7fffffff }) }),
);

/** An nsid message as the kernel sends one: rtgenmsg, then attributes (NETNSA_NSID among others). */
function kernelMessage(type: number, nsid: number, others: { type: number; value: number }[]): Buffer {
  const w = new NetlinkWriter(64);
  w.beginMessage(type, 0);
  w.zeros(4);
  for (const o of others) w.attrS32(o.type, o.value);
  w.attrS32(1, nsid);
  w.endMessage();
  return w.toBuffer();
}

describe('nsid properties', () => {
  it('a set request reads back as the id it asks for (-1: the kernel picks)', () => {
    fc.assert(fc.property(target, fc.option(nsidArb, { nil: undefined }), (t, nsid) => {
      const spec = nsid === undefined ? t : { ...t, nsid };
      const bytes = encodeNsidSet(checkNsidSet(spec)).bytes;
      expect(bytes.readUInt16LE(4)).to.equal(RTM_NEWNSID);
      expect(decodeNsid(bytes)).to.equal(nsid ?? -1);
    }), runs(500));
  });

  it('kernel messages and events carry their NETNSA_NSID, whatever other attributes come first', () => {
    // NETNSA_CURRENT_NSID (5), NETNSA_TARGET_NSID (4): what dumps with a target add.
    const other = fc.record({ type: fc.constantFrom(4, 5, 9), value: fc.integer({ min: -1, max: 0x7fffffff }) });
    fc.assert(fc.property(fc.constantFrom(RTM_NEWNSID, RTM_DELNSID), nsidArb, fc.array(other, { maxLength: 3 }), (type, nsid, others) => {
      const msg = kernelMessage(type, nsid, others);
      expect(decodeNsid(msg)).to.equal(nsid);
      expect(decodeEvent(msg)).to.deep.equal({ kind: 'nsid', action: type === RTM_NEWNSID ? 'new' : 'del', nsid });
    }), runs(500));
  });

  it('malformed input raises DecodeError, never anything else', () => {
    const nsidCaptures = ['netns-set', 'netns-set-auto', 'event-nsid'].flatMap((n) => [...loadGolden(n).sent, ...loadGolden(n).received]);
    fc.assert(fc.property(fc.oneof(mutated(nsidCaptures), malformedRouting()), (b) => {
      onlyDecodeErrors(() => decodeNsid(b));
      onlyDecodeErrors(() => decodeEvent(b));
    }), runs(2000));
  });
});
