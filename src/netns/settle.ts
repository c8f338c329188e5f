// What vanishes with a deleted namespace: links in surviving namespaces whose
// veth peer lives in it. cleanup() leaves them to the kernel (deleting one
// itself would cost a grace period of its own instead of sharing the
// namespace's) and waits until they are gone; with settle: 'defer' it takes
// those in the root out of the way (down, a throwaway name) and lets them go.
import { randomBytes } from 'node:crypto';
import { NetlinkError } from '../netlink/core/errors.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import type { Namespace } from './namespace.js';

/** A link in a surviving namespace that vanishes with a namespace being deleted. */
export interface Dependent {
  ns: Namespace;
  index: number;
  name: string;
}

/** The manager's own client in a namespace. */
type ClientOf = (ns: Namespace) => Rtnl;

/** Links in `survivors` that vanish with the namespaces in `doomed`: those whose peer lives in one. */
export async function dependentsOf(survivors: Namespace[], doomed: Namespace[], client: ClientOf): Promise<Dependent[]> {
  const dependents: Dependent[] = [];
  for (const s of survivors) {
    let links: Awaited<ReturnType<Rtnl['link']['list']>> | undefined;
    for (const d of doomed) {
      if (!d.isOpen) continue;
      let nsid: number | undefined;
      try {
        nsid = await client(s).nsid.get(d.fd);
      } catch {
        continue;
      }
      if (nsid === undefined) continue;
      links ??= await client(s).link.list().catch(() => []);
      for (const l of links) if (l.link_netnsid === nsid) dependents.push({ ns: s, index: l.index, name: l.name });
    }
  }
  return dependents;
}

/** A dependent taken out of the way under a throwaway name. */
export interface Deferred {
  index: number;
  name: string;
  /** Its name before. */
  was: string;
}

/**
 * settle: 'defer': takes the dependents in `root` out of the way now (down,
 * a throwaway name) to vanish in the background. Gives those deferred and
 * those still to be waited for (in other namespaces, or not renamed).
 */
export async function deferLinks(dependents: Dependent[], root: Namespace, client: ClientOf): Promise<{ deferred: Deferred[]; waitFor: Dependent[] }> {
  const deferred: Deferred[] = [];
  const waitFor: Dependent[] = [];
  for (const d of dependents) {
    if (!d.ns.equals(root)) {
      waitFor.push(d); // only the root is watched later; others are waited for now
      continue;
    }
    const name = `nnx${randomBytes(6).toString('hex')}`;
    try {
      const r = client(d.ns);
      await r.link.set(d.index, { up: false });
      await r.link.set(d.index, { name });
      deferred.push({ index: d.index, name, was: d.name });
    } catch (err) {
      if (!(err instanceof NetlinkError && err.errnoName === 'ENODEV')) waitFor.push(d);
    }
  }
  return { deferred, waitFor };
}

/** Waits (at most `timeoutMs`) until these links are gone; gives those still there. */
export async function waitGone<T extends Dependent>(links: T[], client: ClientOf, timeoutMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let left = links;
  while (left.length > 0) {
    const still: T[] = [];
    for (const w of left) {
      if (!w.ns.isOpen) continue;
      const l = await client(w.ns).link.find(w.index).catch(() => undefined);
      if (l && l.name === w.name) still.push(w);
    }
    left = still;
    if (left.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return left;
}
