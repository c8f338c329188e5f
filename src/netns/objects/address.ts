// Addresses in the table of object kinds: found in the link's address dump by
// the key the kernel uses for them.
import { decodeAddress, encodeAddress, type Address } from '../../netlink/rtnl/address/codec.js';
import { RTM_NEWADDR } from '../../netlink/rtnl/constants.js';
import { cached, forget, type Kind, type ObjectOf } from './kind.js';

function canonicalAddress(o: ObjectOf<'address'>): Address {
  return decodeAddress(encodeAddress(RTM_NEWADDR, 0, o.spec, () => o.index).bytes);
}

/** The kernel keys an IPv4 address by address and prefix length, an IPv6 one by address. */
function sameAddress(a: Address, want: Address): boolean {
  return a.index === want.index && a.family === want.family && a.local === want.local
    && (a.family === 6 || (a.prefixlen === want.prefixlen && (a.peer ?? '') === (want.peer ?? '')));
}

export const address: Kind<ObjectOf<'address'>> = {
  describe: (o) => `address ${o.spec.local} dev ${o.spec.dev}`,
  key: (o) => {
    const a = canonicalAddress(o);
    return `address ${a.index} ${a.local}${a.family === 4 ? `/${a.prefixlen} ${a.peer ?? ''}` : ''}`;
  },
  async exists(r, o, cache) {
    const want = canonicalAddress(o);
    const list = await cached(cache, `addr:${o.index}`, () => r.addr.list({ dev: o.index }));
    return { exists: list.some((a) => sameAddress(a, want)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const key = `addr:${o.index}`;
    const want = canonicalAddress(o);
    const found = (await cached(cache, key, () => r.addr.list({ dev: o.index }))).find((a) => sameAddress(a, want));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.addr.del({ dev: o.index, local: o.spec.local, ...(o.spec.peer !== undefined && { peer: o.spec.peer }) });
      await forget(cache, key, found);
    }
    return { outcome: 'removed' };
  },
};
