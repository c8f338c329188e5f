// FDB entries in the table of object kinds: found in their device's FDB dump
// by MAC, VLAN, table (the bridge's or the device's own) and, for a vxlan's
// remotes, destination; removed with the same selector, so that the request
// can only hit the entry created.
import { formatAddress, formatLinkAddress, parseAddress, parseMac } from '../../netlink/rtnl/inet.js';
import type { Fdb, FdbDelSpec } from '../../netlink/rtnl/fdb/codec.js';
import { cached, forget, type Kind, type ObjectOf } from './kind.js';

type FdbObject = ObjectOf<'fdb'>;

const mac = (o: FdbObject): string => formatLinkAddress(parseMac(o.spec.mac, 'mac'));
const dst = (o: FdbObject): string | undefined => (o.spec.dst === undefined ? undefined : formatAddress(parseAddress(o.spec.dst, 'dst').bytes));
/** `bridge fdb add` without master or self writes to the device's own table. */
const inBridge = (o: FdbObject): boolean => o.spec.master === true && o.spec.self !== true;

function sameFdb(e: Fdb, o: FdbObject): boolean {
  return e.ifindex === o.index && e.mac === mac(o) && e.vlan === o.spec.vlan && (e.master !== undefined) === inBridge(o)
    && (o.spec.dst === undefined || e.dst === dst(o));
}

/** The selector that deletes exactly this entry: the device by index, the remote as given. */
function selector(o: FdbObject): FdbDelSpec {
  const { state: _s, sticky: _t, extern_learn: _e, nhid: _n, ...sel } = o.spec;
  return { ...sel, dev: o.index };
}

const listKey = (o: FdbObject): string => `fdb:${o.index}`;

export const fdb: Kind<FdbObject> = {
  describe: (o) => `fdb ${o.spec.mac} dev ${o.spec.dev}${o.spec.dst === undefined ? '' : ` dst ${o.spec.dst}`}${o.spec.vlan === undefined ? '' : ` vlan ${o.spec.vlan}`} ${inBridge(o) ? 'master' : 'self'}`,
  key: (o) => `fdb ${o.index} ${mac(o)} ${o.spec.vlan ?? '-'} ${inBridge(o) ? 'master' : 'self'} ${dst(o) ?? '-'}`,
  async exists(r, o, cache) {
    const list = await cached(cache, listKey(o), () => r.fdb.list({ dev: o.index }));
    return { exists: list.some((e) => sameFdb(e, o)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const found = (await cached(cache, listKey(o), () => r.fdb.list({ dev: o.index }))).find((e) => sameFdb(e, o));
    if (!found) return { outcome: 'alreadyGone' };
    if (!dryRun) {
      await r.fdb.del(selector(o));
      await forget(cache, listKey(o), found);
    }
    return { outcome: 'removed' };
  },
};
