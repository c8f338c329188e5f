// An independent check that the run leaves the host as it was: iproute2's
// view (ip -j) of the host namespace, taken before the netnest/mocha plugin
// moves the run into its sandbox (this file is required first) and again at
// the end through a pinned fd, whichever namespace the process is in then.
import { closeSync } from 'node:fs';
import { openCurrentNetns } from '../../src/netns/syscalls.js';
import { diffState, hostState } from '../support/host-state.js';

const hostFd = openCurrentNetns();
const hostPath = `/proc/${process.pid}/fd/${hostFd}`;
// Still in the host's namespace here: plain `ip` (nsenter would need root, and a rootless run
// relaunches itself under a user namespace before anything else).
const before = hostState();

export const mochaHooks = {
  afterAll(): void {
    const changes = diffState(before, hostState(hostPath));
    closeSync(hostFd);
    if (changes.length > 0) throw new Error(`the test run changed the host's network state (ip -j):\n${changes.join('\n')}`);
  },
};
