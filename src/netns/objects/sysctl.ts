// Sysctls in the table of object kinds: a value, not an object. The old value
// is written back unless someone changed it since it was set.
import { closeSync as closeFd, readFileSync, writeFileSync } from 'node:fs';
import { inNetns } from '../../netlink/core/libc.js';
import type { Rtnl } from '../../netlink/rtnl/rtnl.js';
import type { Kind, SysctlObject } from './kind.js';

/** /proc/sys path of a `net.*` key: dots are separators (`net.ipv4.ip_forward`); a key with '/' is a path already. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
}

/** Reads or writes a sysctl of the namespace the client lives in (the thread switches there for the call). */
export function inClientNetns<T>(r: Rtnl, fn: () => T): T {
  const fd = r.socket.namespaceFd();
  try {
    return inNetns(fd, fn);
  } finally {
    closeFd(fd);
  }
}

export const sysctl: Kind<SysctlObject> = {
  describe: (o) => `sysctl ${o.key}`,
  key: (o) => `sysctl ${o.key}`,
  async exists() {
    return { exists: false }; // a value, not an object: always ours to put back while it is still ours
  },
  async remove(r, rec, _cache, dryRun) {
    const o = rec.obj;
    let now: string;
    try {
      now = inClientNetns(r, () => readFileSync(sysctlPath(o.key), 'utf8').trim());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'alreadyGone' }; // a link's setting, gone with its link
      throw e;
    }
    if (now !== o.value) return { outcome: 'skipped', reason: `it is ${now} now, not the ${o.value} set; someone changed it since` };
    if (!dryRun) inClientNetns(r, () => writeFileSync(sysctlPath(o.key), o.old));
    return { outcome: 'removed' };
  },
};
