// Qdiscs in the table of object kinds: found in their link's qdisc dump by
// where they sit (device and parent), kind and — when the spec named one —
// handle. Deleting a qdisc deletes its classes and filters with it, so they
// need no entries of their own. The kernel's default qdiscs (handle 0:, the
// noqueue or pfifo_fast a link gets) are not "something there": replacing
// one is adding, and deleting ours brings the default back.
import { checkQdisc, type Qdisc } from '../../netlink/rtnl/qdisc/codec.js';
import { formatParent, formatQdiscHandle } from '../../netlink/rtnl/tc/handles.js';
import { cached, forget, type Kind, type ObjectOf } from './kind.js';

interface Where { parent: string; handle?: string; kind: string }

function whereOf(o: ObjectOf<'qdisc'>): Where {
  const c = checkQdisc(o.spec);
  return { parent: formatParent(c.parent), kind: o.spec.kind, ...(c.handle !== 0 && { handle: formatQdiscHandle(c.handle) }) };
}

const listKey = (o: ObjectOf<'qdisc'>): string => `qdisc:${o.index}`;
const at = (q: Qdisc, w: Where, index: number): boolean => q.ifindex === index && q.parent === w.parent && q.handle !== '0:';

export const qdisc: Kind<ObjectOf<'qdisc'>> = {
  describe: (o) => `qdisc ${o.spec.kind} dev ${o.spec.dev} ${whereOf(o).parent === 'root' ? 'root' : `parent ${whereOf(o).parent}`}`,
  key: (o) => `qdisc ${o.index} ${whereOf(o).parent}`,
  async exists(r, o, cache) {
    const w = whereOf(o);
    const list = await cached(cache, listKey(o), () => r.qdisc.list({ dev: o.index }));
    return { exists: list.some((q) => at(q, w, o.index)) };
  },
  async remove(r, rec, cache, dryRun) {
    const o = rec.obj;
    const w = whereOf(o);
    const found = (await cached(cache, listKey(o), () => r.qdisc.list({ dev: o.index }))).find((q) => at(q, w, o.index));
    if (!found) return { outcome: 'alreadyGone' };
    if (found.kind !== w.kind || (w.handle !== undefined && found.handle !== w.handle)) {
      return { outcome: 'skipped', reason: `a ${found.kind} qdisc ${found.handle} sits there now, not the ${w.kind} one recorded` };
    }
    if (!dryRun) {
      const ingress = w.kind === 'ingress' || w.kind === 'clsact';
      await r.qdisc.del({ dev: o.index, ...(ingress ? { kind: w.kind as 'ingress' } : { parent: w.parent, handle: found.handle }) });
      await forget(cache, listKey(o), found);
    }
    return { outcome: 'removed' };
  },
};
