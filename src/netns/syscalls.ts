// Namespace system calls through koffi. setns and unshare act on the calling
// thread only: in Node that is the main thread, where all JavaScript runs.
// Switch, do synchronous work, switch back; never await while switched.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { check, inNetns, lastErrno, libcFunction } from '../netlink/core/libc.js';
import { NetnestError, SyscallError } from '../netlink/core/errors.js';

export const CLONE_NEWNET = 0x40000000;

/** setns(2) into a network namespace given by an open fd. */
export function setns(fd: number, nstype = CLONE_NEWNET): void {
  check('setns', libcFunction('int setns(int, int)')(fd, nstype), `(fd ${fd})`);
}

const EPERM = 1;

/** unshare(2): moves the calling thread into a new namespace. EPERM says what it takes. */
export function unshare(flags = CLONE_NEWNET): void {
  if (libcFunction('int unshare(int)')(flags) !== -1) return;
  const errno = lastErrno();
  const hint = errno === EPERM
    ? '; a new network namespace takes CAP_SYS_ADMIN: run as root, or inside a user namespace of your own (netnest/mocha and the netnest command start one themselves; by hand: unshare --user --map-root-user --net --mount node ...)'
    : '';
  throw new SyscallError('unshare', errno, `(flags 0x${flags.toString(16)}${hint})`);
}

/** An fd of the calling thread's current network namespace. */
export function openCurrentNetns(): number {
  return openSync('/proc/thread-self/ns/net', 'r');
}

/** Identity of the namespace behind an fd, as `ls -l /proc/PID/ns/net` shows it: "net:[4026531840]". */
export function netnsId(fd: number): string {
  return `net:[${fstatSync(fd).ino}]`;
}

/** Identity of the calling thread's current network namespace. */
export function currentNetnsId(): string {
  const fd = openCurrentNetns();
  try {
    return netnsId(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a synchronous function inside the namespace behind `fd` and always
 * switches back. Returning a promise is refused: the switch would leak into
 * every callback that runs before it settles.
 */
export function runInNetns<T>(fd: number, fn: () => T): T {
  return inNetns(fd, () => {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      throw new NetnestError('ERR_ASYNC_IN_NETNS', 'runInNetns() takes a synchronous function; open a client inside and await outside');
    }
    return result;
  });
}

/**
 * Creates an anonymous network namespace and returns an fd holding it; the
 * calling thread stays where it was. Closing the fd (or the process dying)
 * lets the kernel destroy the namespace.
 */
export function createAnonymousNetns(): number {
  const home = openCurrentNetns();
  try {
    unshare(CLONE_NEWNET);
    try {
      return openCurrentNetns();
    } finally {
      setns(home);
    }
  } finally {
    closeSync(home);
  }
}

export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;

/** mount(2). */
export function mount(source: string, target: string, fstype: string, flags: number): void {
  const fn = libcFunction('int mount(const char *, const char *, const char *, unsigned long, const void *)');
  check('mount', fn(source, target, fstype, flags, null), `(${source} on ${target}, flags 0x${flags.toString(16)})`);
}

/** umount2(2). */
export function umount2(target: string, flags = MNT_DETACH): void {
  check('umount2', libcFunction('int umount2(const char *, int)')(target, flags), `(${target})`);
}

/** What /proc/PID/stat tells of a process: its command name (field 2), state (3) and start time (22). */
export interface ProcessStat {
  name: string;
  /** R, S, D, Z (a zombie: dead, not yet reaped)... */
  state: string;
  /** Clock ticks since boot: with the pid, it names a process for good — a reused pid has another one. */
  start: number;
}

/** /proc/PID/stat, read; undefined when the process does not exist. */
export function processStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: it ends at the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isFinite(start) ? { name: stat.slice(stat.indexOf('(') + 1, close), state: fields[0] ?? '', start } : undefined;
}

/**
 * A process's start time in clock ticks since boot (/proc/PID/stat field 22):
 * with the pid, it names a process for good — a reused pid has another one.
 * undefined when the process does not exist.
 */
export function processStartTime(pid: number): number | undefined {
  return processStat(pid)?.start;
}

/** True when the process `pid` started at `startTime` is still running. */
export function processAlive(pid: number, startTime: number): boolean {
  return processStartTime(pid) === startTime;
}
