// Rootless: without root, a process can still own network namespaces — inside
// a user namespace of its own, where the invoking user is mapped to root. Node
// cannot unshare(CLONE_NEWUSER) itself (the kernel refuses it to a
// multithreaded process), so the launcher re-runs the same command under
// util-linux's unshare(1) — a new user, network and mount namespace — and
// passes the exit status back. Everything the run makes lives in namespaces
// that user namespace owns: the host's own network is out of its reach.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { resetRuntimeDirs, userRuntimeBase } from './runtime.js';
import { mount } from './syscalls.js';

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

/** Set in the process the launcher starts ('1'), and 'ready' once its world is prepared: its children never launch again. */
const MARK = 'NETNEST_ROOTLESS';

/**
 * True when this process may make network namespaces and change them here:
 * CAP_NET_ADMIN and CAP_SYS_ADMIN in its user namespace (root, or the
 * mapped root of a user namespace).
 */
export function hasNetworkPrivilege(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const eff = BigInt(`0x${m?.[1] ?? '0'}`);
  return ((eff >> BigInt(CAP_NET_ADMIN)) & 1n) === 1n && ((eff >> BigInt(CAP_SYS_ADMIN)) & 1n) === 1n;
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Why this process cannot make a user namespace, in one sentence naming the
 * setting and the fix; undefined when it can (asked of the kernel by starting
 * `unshare --user true`).
 */
export function userNamespaceProblem(): string | undefined {
  const probe = spawnSync('unshare', ['--user', '--map-root-user', 'true'], { encoding: 'utf8' });
  if (probe.error) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return "running without root needs util-linux's unshare(1) on PATH (Debian and Ubuntu: apt-get install util-linux; Fedora: dnf install util-linux-core)";
    return `could not start unshare(1) to make a user namespace: ${probe.error.message}`;
  }
  if (probe.status === 0) return undefined;
  const said = (probe.stderr ?? '').trim();
  const max = readSysctl('/proc/sys/user/max_user_namespaces');
  if (max === '0') return `user namespaces are disabled: sysctl user.max_user_namespaces is 0 (enable them as root: sysctl -w user.max_user_namespaces=15000), or run the tests as root`;
  if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return 'unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone is 0 (enable them as root: sysctl -w kernel.unprivileged_userns_clone=1), or run the tests as root';
  }
  if (readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return 'AppArmor restricts unprivileged user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns is 1 (allow them as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give node an AppArmor profile with "userns,"), or run the tests as root';
  }
  if (/No space left on device/.test(said)) return `the limit on user namespaces is reached (sysctl user.max_user_namespaces = ${max}): raise it as root, or end processes that hold user namespaces`;
  return `the kernel refused to make a user namespace (${said || `unshare exited with ${probe.status}`}); run as root, or allow unprivileged user namespaces`;
}

/** A command to run instead of this process, and the environment that marks it as launched. */
export interface Launch {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** This process's own command line (node, its flags, the script and its arguments). */
function ownCommand(): string[] {
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

function launchedEnv(base: string): NodeJS.ProcessEnv {
  return { ...process.env, [MARK]: '1', NETNEST_RUNTIME_DIR: base };
}

/** This process's command under unshare(1), in a new user + network + mount namespace. */
export function freshUserNamespace(): Launch {
  return {
    file: 'unshare',
    args: ['--user', '--map-root-user', '--net', '--mount', '--propagation', 'private', '--', ...ownCommand()],
    env: launchedEnv(userRuntimeBase()),
  };
}

/**
 * This process's command under nsenter(1), inside the namespaces of process
 * `pid` (a home, see home.ts): the same credentials, which are root there,
 * and the same working directory.
 */
export function joinUserNamespace(pid: number): Launch {
  return {
    file: 'nsenter',
    args: [`--target=${pid}`, '--user', '--mount', '--net', '--preserve-credentials', `--wd=${process.cwd()}`, '--', ...ownCommand()],
    env: launchedEnv(userRuntimeBase()),
  };
}

/** Throws ERR_ROOTLESS_UNAVAILABLE, naming the setting, where the kernel allows this user no user namespace. */
export function checkUserNamespaces(who: string): void {
  const problem = userNamespaceProblem();
  if (problem) throw new NetnestError('ERR_ROOTLESS_UNAVAILABLE', `${who}: not root, and cannot run in a user namespace of its own: ${problem}`);
}

/**
 * Runs `launch` in this process's place and exits with its status (or dies of
 * its signal), after `after(status)`. Never resolves.
 */
export function relaunch(launch: Launch, after?: (status: number) => void): Promise<never> {
  const child = spawn(launch.file, launch.args, { stdio: 'inherit', env: launch.env });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (s: NodeJS.Signals): void => {
    child.kill(s);
  };
  for (const s of signals) process.on(s, forward);
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    after?.(code ?? 1);
    process.exit(code ?? 1);
  });
  return new Promise<never>(() => {});
}

/**
 * In the launched process: gives the run a /run/netns of its own — a tmpfs
 * of its mount namespace, where netnest's names and `ip netns add`'s alike go
 * and which `ip netns`, `ip -n` and `ip netns exec` read — and points
 * runtimeDirs().netns at it. A home's keeper mounts it before anyone joins;
 * a mocha run's process mounts it here. Without a /run/netns to mount over,
 * names stay in the runtime directory ($XDG_RUNTIME_DIR/netnest/netns).
 */
export function prepareRootlessWorld(): void {
  let run: Stats;
  try {
    run = statSync('/run/netns');
  } catch {
    return; // names stay in the runtime directory (claiming one makes the directory)
  }
  if (!run.isDirectory()) return;
  if (!ownNetnsDir(run)) mount('netnest', '/run/netns', 'tmpfs', 0);
  process.env.NETNEST_NETNS_DIR = '/run/netns';
  resetRuntimeDirs();
}

/** /run/netns is a file system of its own that this user namespace may write: the run's tmpfs, mounted already. */
function ownNetnsDir(run: Stats): boolean {
  if (run.dev === statSync('/run').dev) return false;
  try {
    accessSync('/run/netns', constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the process can do its network work where it is: it has the
 * privilege, or a launcher started it (then, the first time, its world is
 * prepared; the mark 'ready' tells its children that is done).
 */
export function runsInPlace(): boolean {
  if (process.env[MARK] === '1' && hasNetworkPrivilege()) {
    prepareRootlessWorld();
    process.env[MARK] = 'ready';
  }
  return process.env[MARK] !== undefined || hasNetworkPrivilege();
}

/**
 * What the mocha plugin, `netnest demo` and `netnest bench` do first: nothing
 * as root; without privilege, re-run this command in a fresh user namespace
 * (never returns); in the launched process, prepare the world.
 */
export async function ensureNetworkPrivilege(who: string): Promise<void> {
  if (runsInPlace()) return;
  checkUserNamespaces(who);
  await relaunch(freshUserNamespace());
}
