// Property tests of nexthops (fast-check): a nexthop that netnest encodes
// comes back from the decoder with the same values when the kernel echoes
// the message as RTM_NEWNEXTHOP (single, blackhole, weighted groups with
// 16-bit weights, resilient groups with their timers), and no byte string —
// random, built from random attributes, a mutated capture — makes
// decodeNexthop fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { protocolId } from '../../src/netlink/rtnl/names.js';
import {
  checkNexthop, decodeNexthop, encodeNexthop, NHA_OP_FLAG_RESP_GRP_RESVD_0, NHA_OP_FLAGS, RTM_NEWNEXTHOP, type Nexthop,
  type NexthopGroupMember, type NexthopSpec,
} from '../../src/netlink/rtnl/nexthop/codec.js';
import { address, index, malformedRouting, onlyDecodeErrors, protocol, protocolNumber, runs, type Fam } from '../support/arbitraries.js';

const member: fc.Arbitrary<NexthopGroupMember> = fc.record({ id: fc.integer({ min: 1, max: 0xffffffff }), weight: fc.integer({ min: 1, max: 65535 }) },
  { requiredKeys: ['id'] });
const maxTimer = Math.floor(0xffffffff / 100);
const nexthopKind = fc.oneof(
  fc.record({
    kind: fc.constant('single' as const), gateway: fc.oneof(address(4), address(6)), dev: index, family: fc.constantFrom<Fam>(4, 6),
    onlink: fc.boolean(),
  }, { requiredKeys: ['kind'] }).filter((s) => s.gateway !== undefined || s.dev !== undefined)
    // A family given with a gateway must be the gateway's.
    .map((s) => (s.gateway !== undefined && s.family !== undefined ? { ...s, family: (s.gateway.includes(':') ? 6 : 4) as Fam } : s)),
  fc.record({ kind: fc.constant('blackhole' as const), family: fc.constantFrom<Fam>(4, 6) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('group' as const), group: fc.array(member, { minLength: 1, maxLength: 8 }), type: fc.constant('mpath' as const) },
    { requiredKeys: ['kind', 'group'] }),
  fc.record({
    kind: fc.constant('group' as const), group: fc.array(member, { minLength: 1, maxLength: 8 }), type: fc.constant('resilient' as const),
    buckets: fc.integer({ min: 1, max: 0xffff }), idle_timer: fc.integer({ min: 0, max: maxTimer }),
    unbalanced_timer: fc.integer({ min: 0, max: maxTimer }),
  }, { requiredKeys: ['kind', 'group', 'type', 'buckets'] }),
);
const nexthopCase = fc.record({
  id: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }), kind: nexthopKind, fdb: fc.boolean(),
  protocol: fc.option(protocol, { nil: undefined }),
});
type NexthopCase = typeof nexthopCase extends fc.Arbitrary<infer T> ? T : never;

function nexthopSpecOf(c: NexthopCase): NexthopSpec {
  const { kind, ...k } = c.kind;
  const spec: NexthopSpec = { ...k, fdb: c.fdb } as NexthopSpec;
  if (kind === 'blackhole') spec.blackhole = true;
  if (c.id !== undefined) spec.id = c.id;
  if (c.protocol !== undefined) spec.protocol = c.protocol;
  return spec;
}

/** The kernel (6.12+) echoes a group with NHA_OP_FLAGS saying weight_high is meaningful. */
function withWideWeights(msg: Buffer): Buffer {
  const attr = Buffer.alloc(8);
  attr.writeUInt16LE(8, 0);
  attr.writeUInt16LE(NHA_OP_FLAGS, 2);
  attr.writeUInt32LE(NHA_OP_FLAG_RESP_GRP_RESVD_0, 4);
  const out = Buffer.concat([msg, attr]);
  out.writeUInt32LE(out.length, 0);
  return out;
}

function expectedNexthop(c: NexthopCase): Nexthop {
  const k = c.kind;
  const n: Nexthop = {
    id: c.id ?? 0, blackhole: k.kind === 'blackhole', fdb: c.fdb, scope: 'global',
    protocol: c.protocol === undefined ? 0 : protocolId(c.protocol), flags: k.kind === 'single' && k.onlink ? ['onlink'] : [],
  };
  if (k.kind === 'single') {
    n.family = k.gateway !== undefined ? (k.gateway.includes(':') ? 6 : 4) : k.family ?? 4;
    if (k.gateway !== undefined) n.gateway = k.gateway;
    if (k.dev !== undefined) n.oif = k.dev;
  } else if (k.kind === 'blackhole') {
    n.family = k.family ?? 4;
  } else {
    n.group = k.group.map((m) => ({ id: m.id, weight: m.weight ?? 1 }));
    n.type = k.type ?? 'mpath';
    n.op_flags = NHA_OP_FLAG_RESP_GRP_RESVD_0;
    if (k.type === 'resilient') {
      n.buckets = k.buckets;
      if (k.idle_timer !== undefined) n.idle_timer = k.idle_timer;
      if (k.unbalanced_timer !== undefined) n.unbalanced_timer = k.unbalanced_timer;
    }
  }
  return n;
}

describe('nexthop properties', () => {
  describe('what netnest encodes, the decoder reads back', () => {
    // Requests are RTM_NEW* already: the kernel's echo of an added object has the same layout.
    it('nexthops: single, blackhole, weighted groups (16-bit weights), resilient groups with their timers', () => {
      fc.assert(fc.property(nexthopCase, (c) => {
        const req = encodeNexthop(RTM_NEWNEXTHOP, 0x600, checkNexthop(nexthopSpecOf(c)), (d) => d as number);
        const echo = c.kind.kind === 'group' ? withWideWeights(req.bytes) : req.bytes;
        expect(protocolNumber(decodeNexthop(echo))).to.deep.equal(expectedNexthop(c));
      }), runs(500));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformedRouting();

    it('decodeNexthop', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeNexthop(b))), runs(2500));
    });
  });
});
