// A rule's uid range is read in the sender's user namespace: the kernel
// refuses uids that are not mapped there ("Invalid uid range"). As root in the
// initial user namespace every uid is; without root (a user namespace of the
// user's own) only the user's own uid is, as 0. Checked before sending, naming
// what is mapped.
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../core/errors.js';

/** [first, last] uids this process's user namespace maps, in order. */
let mapped: [number, number][] | undefined;

/** The uid ranges mapped in this process's user namespace (all of them in the initial one). */
export function mappedUids(): readonly [number, number][] {
  if (mapped) return mapped;
  let text = '';
  try {
    text = readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    text = '0 0 4294967295'; // no /proc: assume the initial user namespace, as the kernel will tell otherwise
  }
  mapped = text.split('\n').flatMap((line): [number, number][] => {
    const [inside, , count] = line.trim().split(/\s+/).map(Number);
    return inside === undefined || !count ? [] : [[inside, inside + count - 1]];
  }).sort((a, b) => a[0] - b[0]);
  return mapped;
}

/** Refuses a uid range with a uid the kernel cannot map in this user namespace. */
export function checkUidsMapped(range: readonly [number, number] | undefined): void {
  if (range === undefined) return;
  const ranges = mappedUids();
  let next = range[0];
  for (const [first, last] of ranges) {
    if (next > range[1]) break;
    if (next >= first && next <= last) next = last + 1;
  }
  if (next > range[1]) return;
  const what = ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ') || 'none';
  throw new ValidationError(
    `uid ${next} of ${range[0]}-${range[1]} is not mapped in this process's user namespace (mapped: ${what}), so the kernel cannot take the range; without root only your own uid exists there, as 0 (more need subordinate uids: /etc/subuid and newuidmap)`,
    'uidrange',
  );
}
