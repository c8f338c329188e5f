// Neighbour entries in the table of object kinds: found in the link's
// (or its proxy) neighbour dump by family, destination and device.
import { checkNeigh, decodeNeigh, encodeNeigh, RTM_NEWNEIGH, type Neigh } from '../../netlink/rtnl/neigh/codec.js';
import { cached, forget, type Kind, type ObjectOf } from './kind.js';

function canonicalNeigh(o: ObjectOf<'neigh'>): Neigh {
  return decodeNeigh(encodeNeigh(RTM_NEWNEIGH, 0, checkNeigh(o.spec), () => o.index).bytes);
}

const neighKey = (o: ObjectOf<'neigh'>): string => `neigh:${o.index}:${o.spec.proxy ? 'proxy' : ''}`;
const sameNeigh = (n: Neigh, want: Neigh): boolean => n.family === want.family && n.dst === want.dst && n.ifindex === want.ifindex && n.proxy === want.proxy;

export const neigh: Kind<ObjectOf<'neigh'>> = {
  describe: (o) => `neighbour ${o.spec.dst} dev ${o.spec.dev}`,
  key: (o) => {
    const n = canonicalNeigh(o);
    return `neigh ${n.ifindex} ${n.dst} ${n.proxy}`;
  },
  async exists(r, o, cache) {
    const want = canonicalNeigh(o);
    const list = await cached(cache, neighKey(o), () => r.neigh.list({ dev: o.index, ...(o.spec.proxy && { proxy: true }) }));
    return { exists: list.some((n) => sameNeigh(n, want)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const want = canonicalNeigh(o);
    const found = (await cached(cache, neighKey(o), () => r.neigh.list({ dev: o.index, ...(o.spec.proxy && { proxy: true }) })))
      .find((n) => sameNeigh(n, want));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.neigh.del({ dst: o.spec.dst, dev: o.index, ...(o.spec.proxy && { proxy: true }) });
      await forget(cache, neighKey(o), found);
    }
    return { outcome: 'removed' };
  },
};
