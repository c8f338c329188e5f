// The small world most object tests start from: a veth pair whose v0 end has
// an address of each family, so gateways on those subnets resolve.
import type { Rtnl } from '../../src/index.js';

/**
 * Adds a veth pair v0/v1, both up, with 10.0.0.1/24 and 2001:db8::1/64
 * (nodad) on v0, so gateways 10.0.0.x and 2001:db8::x resolve through v0;
 * `lo: true` brings lo up first (blackhole nexthops sit on it).
 */
export async function addVeth(rtnl: Rtnl, opts: { lo?: boolean } = {}): Promise<void> {
  if (opts.lo) await rtnl.link.set('lo', { up: true });
  await rtnl.link.add({ name: 'v0', kind: 'veth', up: true, peer: { name: 'v1', up: true } });
  await rtnl.addr.add({ dev: 'v0', local: '10.0.0.1/24' });
  await rtnl.addr.add({ dev: 'v0', local: '2001:db8::1/64', flags: ['nodad'] });
}
