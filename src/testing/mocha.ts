// netnest/mocha: a mocha root-hook plugin that runs the whole test run in a
// Sandbox.
//
//   mocha --require netnest/mocha
//
// Loading this module moves the process into a fresh network namespace
// before any test file is loaded (hence the top-level await); its afterAll
// root hook switches back, removes the sandbox world, and fails the run if
// the host's network state changed. The fixtures (useNamespaces,
// useTopology) live in netnest/testing, which test files import without
// entering anything; they are re-exported here for files written against
// netnest/mocha.
//
// Without root (no CAP_NET_ADMIN/CAP_SYS_ADMIN), loading it first re-runs
// the whole mocha command inside a user namespace of the user's own (see
// netns/rootless.ts and docs/testing.md) and exits with that run's status.
//
// What the switch does not move: libuv's thread pool (dns.lookup, fs, zlib)
// stays in the original namespace, and so do sockets opened before this
// module is loaded. Child processes started by tests inherit the sandbox.
import { ensureNetworkPrivilege } from '../netns/rootless.js';
import { enterSandbox, exitSandbox } from './run-sandbox.js';

export * from './fixtures.js';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await exitSandbox();
  },
};

// Used as a root-hook plugin (--require), enter the sandbox before any test file loads.
await ensureNetworkPrivilege('netnest/mocha');
await enterSandbox();
