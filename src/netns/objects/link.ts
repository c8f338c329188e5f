// Links in the table of object kinds: found again by name, and removed only
// while the name still belongs to the ifindex the kernel gave at creation.
import type { Kind, ObjectOf } from './kind.js';

export const link: Kind<ObjectOf<'link'>> = {
  describe: (o) => `link ${o.spec.name}`,
  key: (o) => `link ${o.spec.name}`,
  async exists(r, o) {
    return { exists: (await r.link.find(o.spec.name)) !== undefined };
  },
  async remove(r, rec, _cache, dryRun) {
    const l = await r.link.find(rec.obj.spec.name);
    if (!l) return { outcome: 'alreadyGone' };
    const index = rec.id?.index;
    if (index !== undefined && l.index !== index) return { outcome: 'skipped', reason: `the name now belongs to another link (index ${l.index}, created ${index})` };
    if (!dryRun) await r.link.del(l.index);
    return { outcome: 'removed' };
  },
};
