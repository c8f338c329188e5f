// Namespace system calls through koffi. setns and unshare act on the calling
// thread only: in Node that is the main thread, where all JavaScript runs.
// Switch, do synchronous work, switch back; never await while switched.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { check, libcFunction } from '../netlink/core/libc.js';
import { NetnestError } from '../netlink/core/errors.js';

export const CLONE_NEWNET = 0x40000000;

/** setns(2) into a network namespace given by an open fd. */
export function setns(fd: number, nstype = CLONE_NEWNET): void {
  check('setns', libcFunction('int setns(int, int)')(fd, nstype), `(fd ${fd})`);
}

/** unshare(2): moves the calling thread into a new namespace. */
export function unshare(flags = CLONE_NEWNET): void {
  check('unshare', libcFunction('int unshare(int)')(flags), `(flags 0x${flags.toString(16)})`);
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
  const home = openCurrentNetns();
  try {
    setns(fd);
    try {
      const result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new NetnestError('ERR_ASYNC_IN_NETNS', 'runInNetns() takes a synchronous function; open a client inside and await outside');
      }
      return result;
    } finally {
      setns(home);
    }
  } finally {
    closeSync(home);
  }
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
