// A rule's uid range is read in the sender's user namespace: the kernel
// refuses uids that are not mapped there ("Invalid uid range"). As root in the
// initial user namespace every uid is; without root (a user namespace of the
// user's own) only the user's own uid is, as 0. Checked before sending, naming
// what is mapped.
import { ValidationError } from '../../core/errors.js';
import { uidMap } from '../../core/uid-map.js';

/** The uid ranges mapped in this process's user namespace, [first, last] in order (all of them in the initial one). */
export function mappedUids(): readonly [number, number][] {
  return uidMap().map((e): [number, number] => [e.inside, e.inside + e.count - 1]);
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
