// What cleanup() reports: the manager fills it, the Sandbox and a Lab pass it on.

/** What cleanup() did, one readable line per thing. */
export interface CleanupReport {
  /** Objects removed from namespaces the manager does not own. */
  removed: string[];
  /** Objects that were already gone (deleted by someone else, or with their namespace). */
  alreadyGone: string[];
  /** Objects left alone because they are no longer the ones we created. */
  skipped: string[];
  /**
   * Objects whose create was never answered (the client closed in flight, an
   * overrun) while something identical existed before it: they cannot be
   * proven ours, so they are left alone.
   */
  unknown: string[];
  /** Namespaces deleted. */
  namespaces: string[];
  /** What could not be done, with the error. */
  failed: { what: string; error: Error }[];
  /** Objects still present in surviving namespaces after the settle timeout. */
  lingering: string[];
  /** Links left to vanish in the background (settle: 'defer'), under their throwaway names. */
  deferred: string[];
}

/** A report of nothing done (a cleanup that had nothing to do, or was done already). */
export function emptyCleanupReport(): CleanupReport {
  return { removed: [], alreadyGone: [], skipped: [], unknown: [], namespaces: [], failed: [], lingering: [], deferred: [] };
}
