// The uid map of this process's user namespace (/proc/self/uid_map): which
// uids exist here and what they are outside. Read once: a process's user
// namespace does not change under it (Node cannot setns into another).
import { readFileSync } from 'node:fs';

/** One line of the map: `count` uids from `inside` here are uids from `outside` in the parent namespace. */
export interface UidExtent {
  inside: number;
  outside: number;
  count: number;
}

let extents: UidExtent[] | undefined;

/** The map's lines, in order of `inside`; without /proc, the initial user namespace's (every uid as itself). */
export function uidMap(): readonly UidExtent[] {
  if (extents) return extents;
  let text: string;
  try {
    text = readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    text = '0 0 4294967295';
  }
  extents = text.split('\n').flatMap((line): UidExtent[] => {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    return inside === undefined || outside === undefined || !count ? [] : [{ inside, outside, count }];
  }).sort((a, b) => a.inside - b.inside);
  return extents;
}
