// A world of one test's own: the main thread moves into a fresh network
// namespace for the test and back when it ends. What the test left there (veth
// ends into its namespaces, addresses, routes, rules, links made by clients the
// manager never saw) goes with it: the kernel frees it in the background, many
// namespaces per grace period, and the next test starts in a new world with
// every name free. Used by useNamespaces() under the netnest/mocha plugin.
import { NamespaceManager, type CleanupReport } from '../netns/manager.js';
import { Namespace } from '../netns/namespace.js';
import type { ManagerOptions } from '../netns/options.js';
import { CLONE_NEWNET, setns, unshare } from '../netns/syscalls.js';

export interface TestWorld {
  /** Rooted in the test's world; its objects there are recorded but not journaled (the world dies with the test). */
  readonly manager: NamespaceManager;
  /** Disposes of the manager, returns the main thread to where it was and lets the world go. */
  close(): Promise<CleanupReport>;
}

export async function enterTestWorld(opts: Omit<ManagerOptions, 'root' | 'ephemeralRoot'> = {}): Promise<TestWorld> {
  const before = Namespace.current();
  try {
    unshare(CLONE_NEWNET);
  } catch (e) {
    before.close();
    throw e;
  }
  const leave = (): void => {
    setns(before.fd);
    before.close();
  };
  let manager: NamespaceManager | undefined;
  try {
    // The veth ends left in the world go with it: nothing to wait for.
    manager = new NamespaceManager({ settle: 'defer', ...opts, root: Namespace.current(), ephemeralRoot: true });
    await manager.rtnl().link.set('lo', { up: true }); // as in the run's sandbox
  } catch (e) {
    try {
      await manager?.dispose();
    } finally {
      leave();
    }
    throw e;
  }
  const m = manager;
  return {
    manager: m,
    async close(): Promise<CleanupReport> {
      try {
        return await m.dispose();
      } finally {
        leave();
      }
    },
  };
}
