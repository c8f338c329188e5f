// Without root, the commands that change the network run in a user namespace
// of the user's own (netns/rootless.ts): demo and bench in a fresh one that
// goes with them; up in the user's home (netns/home.ts), started if needed,
// so that what it builds stands until down; down, verify, show, exec and
// sweep in the home when it runs. The listing commands read the namespace
// they run in and need no privilege, like `ip link`.
import { joinHome, runningHome, startHome, stopHomeIfIdle, type Home } from '../netns/home.js';
import { checkUserNamespaces, ensureNetworkPrivilege, freshUserNamespace, joinUserNamespace, relaunch, runsInPlace } from '../netns/rootless.js';

/** Where a command runs without root: a fresh user namespace, the home, or the home started for it. */
export type RootlessWorld = 'fresh' | 'home' | 'new-home';

/** As root (or once launched): returns. Otherwise runs the command again in its world and exits with its status. */
export async function rootless(world: RootlessWorld, command: string): Promise<void> {
  if (world === 'fresh') return ensureNetworkPrivilege(`netnest ${command}`);
  if (runsInPlace()) return;
  checkUserNamespaces(`netnest ${command}`);
  // Marked before the home is looked for, so no other command stops it under this one.
  const leave = joinHome();
  let home: Home | undefined;
  try {
    home = runningHome() ?? (world === 'new-home' ? await startHome() : undefined);
  } catch (e) {
    leave();
    throw e;
  }
  // No home: nothing stands; a fresh user namespace still lets down and sweep clear what a dead home left in the runtime directory.
  const launch = home ? joinUserNamespace(home.pid) : freshUserNamespace();
  return relaunch(launch, () => {
    leave();
    stopHomeIfIdle();
  });
}
