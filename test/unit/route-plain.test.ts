// The plain-route check (route/plain.ts) is a shortcut of checkRoute(): for
// every spec it accepts, it answers exactly what checkRoute() answers and
// the encoded message is byte for byte the same; it never accepts a spec
// checkRoute() refuses; and it does take the specs bulk loads are made of
// (a property that only ever fell back would prove nothing).
import { expect } from 'chai';
import fc from 'fast-check';
import { checkRoute, encodeRoute, type RouteSpec } from '../../src/netlink/rtnl/route/codec.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from '../../src/netlink/rtnl/route/constants.js';
import { checkPlainRoute } from '../../src/netlink/rtnl/route/plain.js';
import { address, runs, type Fam } from '../support/arbitraries.js';

const CREATE_EXCL = 0x600;
const dev = (): number => 7;

/** Mostly what bulk loads send, often a near miss: a bad length, leading zeros, a name, another family, a wrong type. */
const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: bad, weight: 1 });
const nearMiss = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0xffffffff, 2 ** 32, 1.5, 'main', '100', 'eth0', 'a/b', 'x'.repeat(16), '', null));
const dstArb = (f: Fam): fc.Arbitrary<unknown> => often(
  fc.tuple(address(f), fc.integer({ min: 1, max: f === 4 ? 32 : 128 })).map(([a, len]) => `${a}/${len}`),
  fc.oneof(
    address(f),
    fc.tuple(address(f), fc.integer({ min: 0, max: 140 })).map(([a, len]) => `${a}/${len}`),
    fc.constantFrom('default', '010.0.0.0/8', '10.0.0.0/08', '10.0.0.0/', '/24', '10.0.0/24', '::ffff:1.2.3.4/128', '1.2.3.4/+3', ''),
    nearMiss,
  ),
);
const specArb: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom<Fam>(4, 6).chain((f) => fc.record({
  dst: dstArb(f),
  gateway: often(address(f), fc.oneof(address(f === 4 ? 6 : 4), fc.constantFrom('10.0.0.1/32', 'fe80::1%eth0', 'default'), nearMiss)),
  table: often(fc.integer({ min: 1, max: 0xffffffff }), nearMiss),
  dev: often(fc.oneof(fc.constantFrom('eth0', 'veth-a.1', 'é'.repeat(5)), fc.integer({ min: 1, max: 0x7fffffff })), fc.oneof(fc.constantFrom('é'.repeat(8), 'a b', '.'), nearMiss)),
  metric: often(fc.integer({ min: 0, max: 0xffffffff }), nearMiss),
  protocol: fc.constantFrom('static', 4),
}, { requiredKeys: ['dst'] }));

function generalOutcome(spec: RouteSpec, type: number): ReturnType<typeof checkRoute> | Error {
  try {
    return checkRoute(spec, type);
  } catch (e) {
    return e as Error;
  }
}

describe('the plain-route check', () => {
  for (const type of [RTM_NEWROUTE, RTM_DELROUTE]) {
    it(`answers as checkRoute() does, or leaves the spec to it (${type === RTM_NEWROUTE ? 'add' : 'delete'})`, () => {
      let taken = 0;
      fc.assert(fc.property(specArb, (spec) => {
        const plain = checkPlainRoute(spec as RouteSpec, type);
        const general = generalOutcome(spec as RouteSpec, type);
        if (plain === undefined) return;
        taken++;
        expect(general, `checkRoute refused ${JSON.stringify(spec)}`).not.to.be.instanceOf(Error);
        expect(plain).to.deep.equal(general);
        const flags = type === RTM_NEWROUTE ? CREATE_EXCL : 0;
        expect(encodeRoute(type, flags, plain, dev).bytes).to.deep.equal(encodeRoute(type, flags, general as ReturnType<typeof checkRoute>, dev).bytes);
      }), runs(3000));
      expect(taken, 'specs the shortcut took').to.be.greaterThan(30); // about 3-5 % of the random specs: enough to show the shortcut is exercised, never a coin toss
    });
  }

  it('takes the specs of a bulk load, IPv4 and IPv6, with a device name or index', () => {
    const specs: RouteSpec[] = [
      { dst: '10.1.2.0/24', gateway: '10.255.0.2', table: 100 },
      { dst: '2001:db8:1:2::/64', gateway: '2001:db8:ffff::2', table: 100, metric: 1024 },
      { dst: '10.1.3.0/24', dev: 'eth0' },
      { dst: '10.1.4.0/24', gateway: '10.255.0.2', dev: 3, metric: 10 },
    ];
    for (const spec of specs) {
      const plain = checkPlainRoute(spec, RTM_NEWROUTE);
      expect(plain, JSON.stringify(spec)).not.to.equal(undefined);
      expect(plain).to.deep.equal(checkRoute(spec, RTM_NEWROUTE));
    }
  });

  it('leaves what it does not fully know to checkRoute()', () => {
    const notPlain: unknown[] = [
      { dst: 'default', gateway: '10.0.0.1' }, { dst: '10.0.0.1' }, { dst: '10.0.0.0/24', table: 'main' },
      { dst: '10.0.0.0/24', gateway: '2001:db8::1' }, { dst: '10.0.0.0/24', gatway: '10.0.0.1' }, { dst: '10.0.0.0/24', gateway: undefined },
      Object.assign(Object.create({ polluted: 1 }), { dst: '10.0.0.0/24' }), JSON.parse('{"dst":"10.0.0.0/24","__proto__":{}}'),
      { dst: '10.0.0.0/0' }, { dst: '10.0.0.0/24', table: 0 }, null, 'x',
    ];
    for (const spec of notPlain) expect(checkPlainRoute(spec as RouteSpec, RTM_NEWROUTE), JSON.stringify(spec)).to.equal(undefined);
  });
});
