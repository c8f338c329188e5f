// Where netnest keeps what outlives one call: the names of namespaces (as
// `ip netns` keeps them), crash journals and standing topologies.
//
// As root: /run/netns (shared with iproute2), /run/netnest. Without root
// (inside a user namespace of the user's own, see rootless.ts) /run is not
// writable, so journals and topologies go under $XDG_RUNTIME_DIR/netnest, or
// /tmp/netnest-UID when the session has no runtime directory; the launcher
// passes the directory it chose to the process it starts (NETNEST_RUNTIME_DIR),
// so both sides of the user namespace agree on it. Names of namespaces go to
// the run's own /run/netns, a tmpfs of its mount namespace (NETNEST_NETNS_DIR):
// they can live no longer than that namespace anyway, so none is ever left
// behind, and two runs never see each other's.
import { accessSync, constants, lstatSync, mkdirSync } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { uidMap } from '../netlink/core/uid-map.js';

export interface RuntimeDirs {
  /** 'root': the system's directories; 'rootless': the user's own. */
  readonly mode: 'root' | 'rootless';
  /** Names of namespaces: NAME is a bind mount (persistent) or a symbolic link (process-bound). */
  readonly netns: string;
  /** Crash journals, which `sweep` reads. */
  readonly journals: string;
  /** Standing topologies of `netnest up`. */
  readonly topologies: string;
}

const ROOT: RuntimeDirs = { mode: 'root', netns: '/run/netns', journals: '/run/netnest', topologies: '/run/netnest/topologies' };

let cached: RuntimeDirs | undefined;

/** The directories this process uses: the system's as root, the user's own otherwise. */
export function runtimeDirs(): RuntimeDirs {
  cached ??= decide();
  return cached;
}

function decide(): RuntimeDirs {
  const given = process.env.NETNEST_RUNTIME_DIR;
  if (given) return rootlessDirs(given);
  if (systemDirsWritable()) return ROOT;
  return rootlessDirs(userRuntimeBase());
}

function rootlessDirs(base: string): RuntimeDirs {
  // NETNEST_NETNS_DIR: the run's own /run/netns (a tmpfs of its mount namespace, see rootless.ts).
  const netns = process.env.NETNEST_NETNS_DIR || `${base}/netns`;
  return { mode: 'rootless', netns, journals: `${base}/journal`, topologies: `${base}/topologies` };
}

/** Forgets the directories decided so far (the rootless launcher changes them once, before any use). */
export function resetRuntimeDirs(): void {
  cached = undefined;
}

/** Root in the user namespace that owns /run (a host or a container): /run is ours to write. */
function systemDirsWritable(): boolean {
  if (process.geteuid?.() !== 0) return false;
  try {
    accessSync('/run', constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * $XDG_RUNTIME_DIR/netnest when the session has a runtime directory (made by
 * the login manager, the user's alone); otherwise /tmp/netnest-UID, made 0700
 * and refused if someone else made it first.
 */
export function userRuntimeBase(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg?.startsWith('/')) {
    mkdirSync(`${xdg}/netnest`, { recursive: true, mode: 0o700 });
    return `${xdg}/netnest`;
  }
  const base = `/tmp/netnest-${hostUid()}`;
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = lstatSync(base);
  if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o077) !== 0) {
    throw new NetnestError(
      'ERR_RUNTIME_DIR',
      `${base} is not a private directory of this user (a directory, owned by uid ${process.geteuid?.()}, mode 0700); set XDG_RUNTIME_DIR or NETNEST_RUNTIME_DIR to a directory of your own`,
    );
  }
  return base;
}

/** The uid outside the user namespace this process is in (the same inside and out, so both name one directory). */
export function hostUid(): number {
  const uid = process.geteuid?.() ?? 0;
  const e = uidMap().find((x) => uid >= x.inside && uid < x.inside + x.count);
  return e ? e.outside + (uid - e.inside) : uid;
}
