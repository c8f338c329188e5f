// Mocha root hooks: the whole test run moves into a fresh network namespace
// before any test touches the kernel, so nothing it does can reach the host.
// The namespace is anonymous (held by this process only): whatever happens to
// the process — a failing test, SIGKILL — the kernel removes it. At the end we
// switch back and fail the run if the host's network state changed.
import { closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { netnsId, openCurrentNetns, setns, unshare, currentNetnsId } from '../../src/netns/syscalls.js';
import { diffState, hostState } from '../support/host-state.js';

const hostFd = openCurrentNetns();
const hostId = netnsId(hostFd);
const before = hostState();
unshare();
const sandboxId = currentNetnsId();
if (sandboxId === hostId) throw new Error('unshare(CLONE_NEWNET) did not move the test run out of the host namespace');
execFileSync('ip', ['link', 'set', 'lo', 'up']);

export const mochaHooks = {
  afterAll(): void {
    setns(hostFd);
    closeSync(hostFd);
    const changes = diffState(before, hostState());
    if (changes.length > 0) {
      throw new Error(`the test run changed the host's network state:\n${changes.join('\n')}`);
    }
  },
};

/** Identity of the sandbox the tests run in, and of the host they must not touch. */
export const sandbox = { hostId, sandboxId };
