// Nexthop group weights are 1..65535: weight - 1 travels in 16 bits, the low
// byte in nexthop_grp's `weight` and, since kernel 6.12, the high byte in
// `weight_high` (a reserved byte before). A kernel answer's high byte counts
// only when its NHA_OP_FLAGS say the reserved fields are zeroed (6.12+):
// older kernels could leave garbage there.
import { expect } from 'chai';
import { ValidationError } from '../../src/netlink/core/errors.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import {
  checkNexthop, decodeNexthop, encodeNexthop, NHA_GROUP, NHA_GROUP_TYPE, NHA_ID, NHA_OP_FLAG_RESP_GRP_RESVD_0, NHA_OP_FLAGS,
  RTM_NEWNEXTHOP, type NexthopGroupMember,
} from '../../src/netlink/rtnl/nexthop/codec.js';

/** The NHA_GROUP payload of an add request for `group`. */
function groupSent(group: NexthopGroupMember[]): Buffer {
  const bytes = encodeNexthop(RTM_NEWNEXTHOP, 0, checkNexthop({ id: 10, group })).bytes;
  // nlmsghdr, nhmsg, NHA_ID (8 bytes), then NHA_GROUP's header.
  const at = 16 + 8 + 8;
  expect(bytes.readUInt16LE(at + 2)).to.equal(NHA_GROUP);
  return bytes.subarray(at + 4, at + bytes.readUInt16LE(at));
}

/** nexthop_grp: id, weight (low byte of weight - 1), weight_high (resvd1 before 6.12), resvd2. */
function entry(id: number, low: number, high: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(id, 0);
  b[4] = low;
  b[5] = high;
  return b;
}

/** A group as the kernel answers it: NHA_ID, NHA_GROUP_TYPE, NHA_GROUP, and NHA_OP_FLAGS when given. */
function answer(entries: Buffer[], opFlags?: number): Buffer {
  const w = new NetlinkWriter(96);
  w.beginMessage(RTM_NEWNEXTHOP, 0);
  w.zeros(8); // nhmsg: AF_UNSPEC
  w.attrU32(NHA_ID, 10);
  w.attrU16(NHA_GROUP_TYPE, 0);
  w.attrBytes(NHA_GROUP, Buffer.concat(entries));
  if (opFlags !== undefined) w.attrU32(NHA_OP_FLAGS, opFlags);
  w.endMessage();
  return w.toBuffer();
}

describe('nexthop group weights', () => {
  it('go on the wire as weight - 1 in the low byte and weight_high, resvd2 zero', () => {
    const sent = groupSent([{ id: 1 }, { id: 2, weight: 256 }, { id: 3, weight: 300 }, { id: 4, weight: 65535 }]);
    expect(sent).to.deep.equal(Buffer.concat([entry(1, 0, 0), entry(2, 0xff, 0), entry(3, 0x2b, 0x01), entry(4, 0xfe, 0xff)]));
  });

  it('are 1..65535: 0, 65536 (0xffff on the wire, which the kernel refuses) and fractions are refused', () => {
    for (const weight of [0, 65536, 1.5]) {
      expect(() => checkNexthop({ id: 10, group: [{ id: 1 }, { id: 2, weight }] })).to.throw(ValidationError, /expected an integer 1\.\.65535/)
        .with.property('field', 'group[1].weight');
    }
  });

  it('decode all 16 bits when the kernel says its reserved fields are zeroed (NHA_OP_FLAG_RESP_GRP_RESVD_0, 6.12+)', () => {
    const nh = decodeNexthop(answer([entry(1, 0x2b, 0x01), entry(2, 0xfe, 0xff)], NHA_OP_FLAG_RESP_GRP_RESVD_0));
    expect(nh.group).to.deep.equal([{ id: 1, weight: 300 }, { id: 2, weight: 65535 }]);
    expect(nh.op_flags).to.equal(NHA_OP_FLAG_RESP_GRP_RESVD_0);
  });

  it('decode only the low byte from kernels before 6.12, whose answers may carry garbage in the reserved byte', () => {
    const nh = decodeNexthop(answer([entry(1, 0x02, 0xab), entry(2, 0x00, 0x7f)]));
    expect(nh.group).to.deep.equal([{ id: 1, weight: 3 }, { id: 2, weight: 1 }]);
    // NHA_OP_FLAGS without the bit (a request's dump-stats flags, say) does not make the byte meaningful either.
    expect(decodeNexthop(answer([entry(1, 0x02, 0xab)], 1)).group).to.deep.equal([{ id: 1, weight: 3 }]);
  });
});
