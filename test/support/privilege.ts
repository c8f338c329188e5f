// What a test run has to work with: real root, or the mapped root of a user
// namespace of its own (a rootless run, see docs/testing.md). Tests of what
// only real root can do skip with the reason when the run is rootless.
import { accessSync, constants } from 'node:fs';
import { mappedUids } from '../../src/netlink/rtnl/rule/uids.js';
import { skipBecause } from './skip.js';

/** Uid 0 of the initial user namespace (every uid mapped), not the mapped root of a user namespace. */
export function realRoot(): boolean {
  const all = mappedUids();
  return process.geteuid?.() === 0 && all.length === 1 && all[0]![0] === 0 && all[0]![1] >= 0xfffffffe;
}

/** True when every uid from `first` to `last` exists in this user namespace (rule uid ranges need it). */
export function uidsMapped(first: number, last: number): boolean {
  return mappedUids().some(([a, b]) => a <= first && b >= last);
}

/** Skips unless uids first..last are mapped here (a rootless run maps uid 0 only). */
export function needUids(ctx: Mocha.Context, first: number, last: number): void {
  if (!uidsMapped(first, last)) skipBecause(ctx, `uids ${first}-${last} are not mapped in this run's user namespace (a run without root maps only uid 0)`);
}

/** Skips unless /dev/net/tun can be opened for reading and writing (it is root's alone on some machines). */
export function needTun(ctx: Mocha.Context): void {
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    skipBecause(ctx, '/dev/net/tun is not readable and writable by this run (a run without root on a machine where it is mode 0600)');
  }
}
