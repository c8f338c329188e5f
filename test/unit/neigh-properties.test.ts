// Property tests of neighbours (fast-check): an entry that netnest encodes
// comes back from the decoder with the same values when the kernel echoes
// the message as RTM_NEWNEIGH (address, link, state, lladdr, proxy, router,
// extern_learn, protocol), and no byte string — random, built from random
// attributes, a mutated capture — makes decodeNeigh fail with anything but
// DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { protocolId } from '../../src/netlink/rtnl/names.js';
import { checkNeigh, decodeNeigh, encodeNeigh, NEIGH_STATES, RTM_NEWNEIGH, type Neigh, type NeighSpec, type NeighState } from '../../src/netlink/rtnl/neigh/codec.js';
import { address, index, mac, malformedRouting, onlyDecodeErrors, protocol, protocolNumber, runs } from '../support/arbitraries.js';

const STATE_NAMES = Object.keys(NEIGH_STATES) as NeighState[];
const neighCase = fc.record({
  dst: fc.oneof(address(4), address(6)), ifindex: index,
  kind: fc.oneof(
    fc.record({ proxy: fc.constant(true as const) }),
    fc.record({ proxy: fc.constant(false as const), state: fc.option(fc.constantFrom(...STATE_NAMES), { nil: undefined }), lladdr: mac }),
  ),
  router: fc.boolean(), extern_learn: fc.boolean(), protocol: fc.option(protocol, { nil: undefined }),
});
type NeighCase = typeof neighCase extends fc.Arbitrary<infer T> ? T : never;

function neighSpecOf(c: NeighCase): NeighSpec {
  const spec: NeighSpec = { dst: c.dst, dev: c.ifindex, router: c.router, extern_learn: c.extern_learn };
  if (c.kind.proxy) spec.proxy = true;
  else {
    spec.lladdr = c.kind.lladdr;
    if (c.kind.state !== undefined) spec.state = c.kind.state;
  }
  if (c.protocol !== undefined) spec.protocol = c.protocol;
  return spec;
}

function expectedNeigh(c: NeighCase): Neigh {
  // A proxy request carries NUD_PERMANENT, as iproute2 sends it (the kernel ignores it there).
  const state = c.kind.proxy ? 'permanent' : c.kind.state ?? 'permanent';
  const n: Neigh = {
    family: c.dst.includes(':') ? 6 : 4, ifindex: c.ifindex, dst: c.dst, state: [state.toUpperCase()],
    flags: [...(c.kind.proxy ? ['proxy' as const] : []), ...(c.extern_learn ? ['extern_learn' as const] : []), ...(c.router ? ['router' as const] : [])],
    proxy: c.kind.proxy, router: c.router,
  };
  if (!c.kind.proxy) n.lladdr = c.kind.lladdr;
  if (c.protocol !== undefined) n.protocol = protocolId(c.protocol);
  return n;
}

describe('neighbour properties', () => {
  describe('what netnest encodes, the decoder reads back', () => {
    // Requests are RTM_NEW* already: the kernel's echo of an added object has the same layout.
    it('neighbours: address, link, state, lladdr, proxy, router, extern_learn, protocol', () => {
      fc.assert(fc.property(neighCase, (c) => {
        const req = encodeNeigh(RTM_NEWNEIGH, 0x600, checkNeigh(neighSpecOf(c)), () => c.ifindex);
        expect(protocolNumber(decodeNeigh(req.bytes))).to.deep.equal(expectedNeigh(c));
      }), runs(400));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformedRouting();

    it('decodeNeigh', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeNeigh(b))), runs(2500));
    });
  });
});
