// libc through koffi, loaded once on first use. Socket options that the
// `netlink` package does not expose are set with these.
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SyscallError } from './errors.js';

const require = createRequire(import.meta.url);

/** A bound libc function; `.async(...args, done)` runs it on one of koffi's worker threads. */
type KoffiFn = ((...args: unknown[]) => number) & { async(...args: unknown[]): void };
interface Koffi {
  load(name: string): { func(decl: string): KoffiFn };
  errno(): number;
}

let koffi: Koffi | undefined;
let lib: ReturnType<Koffi['load']> | undefined;
const fns = new Map<string, KoffiFn>();

/** A libc function by its C declaration, bound once. */
export function libcFunction(decl: string): KoffiFn {
  let f = fns.get(decl);
  if (!f) {
    koffi ??= require('koffi') as Koffi;
    lib ??= koffi.load('libc.so.6');
    f = lib.func(decl);
    fns.set(decl, f);
  }
  return f;
}

/**
 * send(2) on one of koffi's worker threads: the kernel does its work for a
 * netlink request inside the call, so the calling (main) thread goes on with
 * JavaScript meanwhile. `cb` runs on the main thread, with the errno of a failure.
 */
export function sendOffThread(fd: number, bytes: Buffer, cb: (err?: SyscallError) => void): void {
  const send = libcFunction('intptr_t send(int, const void *, size_t, int)');
  send.async(fd, bytes, bytes.length, 0, (err: unknown, res: number) => {
    if (err) cb(new SyscallError('sendmsg', 5, String(err)));
    else cb(res === -1 ? new SyscallError('sendmsg', lastErrno()) : undefined);
  });
}

/** errno of the last failed libc call made through koffi. */
export function lastErrno(): number {
  return koffi!.errno();
}

/** Calls a libc function that returns -1 on failure, raising SyscallError. */
export function check(name: string, result: number, detail?: string): number {
  if (result === -1) throw new SyscallError(name, lastErrno(), detail);
  return result;
}

export function setsockoptInt(fd: number, level: number, option: number, value: number): void {
  const setsockopt = libcFunction('int setsockopt(int, int, int, const void *, uint32_t)');
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  check('setsockopt', setsockopt(fd, level, option, v, 4), `(level ${level}, option ${option})`);
}

export function getsockoptInt(fd: number, level: number, option: number): number {
  const getsockopt = libcFunction('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)');
  const out = Buffer.alloc(4);
  check('getsockopt', getsockopt(fd, level, option, out, [4]), `(level ${level}, option ${option})`);
  return out.readInt32LE(0);
}

/** getsockopt returning raw bytes (e.g. SO_MEMINFO's u32 array). */
export function getsockoptBytes(fd: number, level: number, option: number, size: number): Buffer {
  const getsockopt = libcFunction('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)');
  const out = Buffer.alloc(size);
  const len = [size];
  check('getsockopt', getsockopt(fd, level, option, out, len), `(level ${level}, option ${option})`);
  return out.subarray(0, len[0]);
}

const CLONE_NEWNET = 0x40000000;

/**
 * Runs a synchronous fn with the calling thread switched into the network
 * namespace behind `fd`, and always switches back. setns moves only the
 * calling thread, which in Node is where all JavaScript runs: nothing may be
 * awaited in between.
 */
export function inNetns<T>(fd: number, fn: () => T): T {
  const setns = libcFunction('int setns(int, int)');
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    check('setns', setns(fd, CLONE_NEWNET), `(fd ${fd})`);
    try {
      return fn();
    } finally {
      check('setns', setns(home, CLONE_NEWNET), '(back to the original namespace)');
    }
  } finally {
    closeSync(home);
  }
}
