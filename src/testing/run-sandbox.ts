// The test run's sandbox: entered once (by the netnest/mocha plugin, or by a
// runner calling enterSandbox()), left once, with the host's snapshot taken
// before and compared after. Importing this module does nothing by itself.
import { Namespace } from '../netns/namespace.js';
import { Sandbox } from '../netns/sandbox.js';
import { diff, snapshot, type Snapshot } from '../netns/snapshot.js';

let hostBefore: Snapshot | undefined;
let current: Sandbox | undefined;

/** Enters the run's sandbox (the netnest/mocha plugin does it when loaded); a second call returns the same one. */
export async function enterSandbox(): Promise<Sandbox> {
  if (current) return current;
  const host = Namespace.current();
  try {
    hostBefore = await snapshot(host);
  } finally {
    host.close();
  }
  current = await Sandbox.enter();
  return current;
}

/** True while the run's sandbox is entered: fixtures then root their managers in its world. */
export function inSandbox(): boolean {
  return current !== undefined;
}

/** The run's sandbox: `sandbox().world`, `sandbox().host`, `sandbox().manager`. */
export function sandbox(): Sandbox {
  if (!current) throw new Error('netnest/mocha: the sandbox is not active (load the plugin with --require netnest/mocha)');
  return current;
}

/** Leaves the sandbox and checks the host; throws with one line per change if it changed. */
export async function exitSandbox(): Promise<void> {
  const sb = current;
  if (!sb) return;
  current = undefined;
  const report = await sb.exit();
  const host = Namespace.current();
  let after: Snapshot;
  try {
    after = await snapshot(host);
  } finally {
    host.close();
  }
  const problems: string[] = [];
  // Namespaces kept for inspection (NETNEST_KEEP) are meant to be there.
  const kept = new Set(report.keptNames.map((n) => `netns ${n}`));
  if (hostBefore) for (const c of diff(hostBefore, after)) if (!kept.has(c.key)) problems.push(c.line);
  for (const f of report.cleanup.failed) problems.push(`cleanup failed: ${f.what}: ${f.error.message}`);
  if (report.foreignNames.length) {
    console.warn(`netnest/mocha: named namespaces appeared during the run and were left alone: ${report.foreignNames.join(', ')}`);
  }
  if (problems.length) throw new Error(`netnest/mocha: the host's network state changed during the run:\n  ${problems.join('\n  ')}`);
}
