// Bridge VLANs in the table of object kinds: found in the bridge VLAN dump of
// their port (or bridge) by VLAN id or range, removed with the same selector.
import type { BridgeVlan } from '../../netlink/rtnl/bridge/codec.js';
import { cached, type Kind, type ObjectOf } from './kind.js';

type VlanObject = ObjectOf<'bridge-vlan'>;

const last = (o: VlanObject): number => o.spec.vidEnd ?? o.spec.vid;
/** A VLAN of the dump that lies in the range created. */
const within = (v: BridgeVlan, o: VlanObject): boolean => v.vid <= last(o) && (v.vidEnd ?? v.vid) >= o.spec.vid;
const vids = (o: VlanObject): string => (last(o) === o.spec.vid ? `${o.spec.vid}` : `${o.spec.vid}-${last(o)}`);
const listKey = (o: VlanObject): string => `bridge-vlan:${o.index}`;

async function vlansOf(r: Parameters<Kind<VlanObject>['exists']>[0], o: VlanObject, cache: Parameters<Kind<VlanObject>['exists']>[2]): Promise<BridgeVlan[]> {
  const ports = await cached(cache, listKey(o), () => r.bridge.vlan.list({ dev: o.index }));
  return ports.flatMap((p) => p.vlans);
}

export const bridgeVlan: Kind<VlanObject> = {
  describe: (o) => `bridge vlan ${vids(o)} dev ${o.spec.dev}${o.spec.self ? ' self' : ''}`,
  key: (o) => `bridge-vlan ${o.index} ${vids(o)} ${o.spec.self ? 'self' : 'master'}`,
  async exists(r, o, cache) {
    return { exists: (await vlansOf(r, o, cache)).some((v) => within(v, o)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const found = (await vlansOf(r, o, cache)).filter((v) => within(v, o));
    if (found.length === 0) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      const { pvid: _p, untagged: _u, ...sel } = o.spec;
      await r.bridge.vlan.del({ ...sel, dev: o.index });
      cache.delete(listKey(o));
    }
    return { outcome: 'removed' };
  },
};
