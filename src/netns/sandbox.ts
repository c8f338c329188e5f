// The Sandbox: the whole process moves into a fresh network namespace, so
// code that knows nothing about netnest (a daemon under test, `ip` run as a
// child) works inside a throwaway world. What the switch moves: the main
// thread, hence every socket it opens and every child process it spawns
// afterwards. What it does not move: libuv's thread pool, where DNS lookups
// (dns.lookup), fs work and zlib run — those threads stay in the original
// namespace; so do sockets opened before enter().
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { keptInThisProcess, NamespaceManager } from './manager.js';
import { emptyCleanupReport, type CleanupReport } from './report.js';
import { Namespace, namedNamespaces } from './namespace.js';
import { runtimeDirs } from './runtime.js';
import { removeNameAsIpDoes } from './names.js';
import { checkSandboxOptions, type SandboxOptions } from './options.js';

export type { SandboxOptions };
import { CLONE_NEWNET, setns, unshare } from './syscalls.js';


export interface SandboxReport {
  /** What the sandbox's own manager cleaned up. */
  cleanup: CleanupReport;
  /** Named namespaces that appeared while inside and belonged to the sandbox world: removed. */
  removedNames: string[];
  /** Named namespaces that appeared while inside but are not tied to the world: reported, left alone. */
  foreignNames: string[];
  /** Named namespaces kept on purpose inside (NamespaceManager.keep(), NETNEST_KEEP): left for inspection. */
  keptNames: string[];
}

export class Sandbox {
  private active = true;

  private constructor(
    /** The namespace the process was in (pinned), where exit() returns. */
    readonly host: Namespace,
    /** The throwaway namespace the process now lives in. */
    readonly world: Namespace,
    /** A manager rooted in the world: namespaces made through it are removed by exit(). */
    readonly manager: NamespaceManager,
    private readonly namesBefore: Set<string>,
  ) {}

  /**
   * Pins the current namespace, creates a fresh one and moves the process's
   * main thread into it. From here on, sockets and child processes the
   * process creates live in the new world.
   */
  static async enter(opts: SandboxOptions = {}): Promise<Sandbox> {
    checkSandboxOptions(opts, 'options');
    const host = Namespace.current('foreign');
    const namesBefore = new Set(namedNamespaces());
    try {
      unshare(CLONE_NEWNET);
    } catch (e) {
      host.close();
      throw e;
    }
    const world = Namespace.current('foreign');
    if (world.equals(host)) {
      throw new NetnestError('ERR_SANDBOX', 'unshare(CLONE_NEWNET) left the process in the host namespace');
    }
    const manager = new NamespaceManager({ ...opts, root: world, ephemeralRoot: true });
    const sb = new Sandbox(host, world, manager, namesBefore);
    if (opts.lo ?? true) {
      const r = world.rtnl();
      try {
        await r.link.set('lo', { up: true });
      } finally {
        r.close();
      }
    }
    return sb;
  }

  get isActive(): boolean {
    return this.active;
  }

  /**
   * Cleans up the world's manager, switches the process back to the pinned
   * namespace, removes named namespaces other code mounted while inside if
   * they belong to the sandbox world, and lets the world go. Idempotent.
   */
  async exit(): Promise<SandboxReport> {
    if (!this.active) return { cleanup: emptyCleanupReport(), removedNames: [], foreignNames: [], keptNames: [] };
    this.active = false;
    const cleanup = await this.manager.cleanup();
    const removedNames: string[] = [];
    const foreignNames: string[] = [];
    const keptNames: string[] = [];
    const appeared = namedNamespaces().filter((n) => !this.namesBefore.has(n));
    if (appeared.length > 0) {
      const r = this.world.rtnl();
      try {
        for (const name of appeared) {
          if (keptInThisProcess(name)) {
            keptNames.push(name);
            continue;
          }
          let ns: Namespace;
          try {
            ns = Namespace.openPath(name);
          } catch {
            // A dangling name pointing into this process (a process-bound name whose fd code
            // inside closed) is the world's; anyone else's dangling name is only reported.
            if (isOwnDanglingLink(name)) {
              unlinkSync(`${runtimeDirs().netns}/${name}`);
              removedNames.push(name);
            } else {
              foreignNames.push(name);
            }
            continue;
          }
          try {
            // Tied to the world: it is the world, or the world gave it an id (a veth crossed between them).
            const tied = ns.equals(this.world) || (await r.nsid.get(ns.fd)) !== undefined;
            if (tied) {
              removeNameAsIpDoes(name);
              removedNames.push(name);
            } else {
              foreignNames.push(name);
            }
          } finally {
            ns.close();
          }
        }
      } finally {
        r.close();
      }
    }
    setns(this.host.fd);
    this.world.close();
    this.manager.root.close();
    this.host.close();
    return { cleanup, removedNames, foreignNames, keptNames };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.exit();
  }
}

function isOwnDanglingLink(name: string): boolean {
  const path = `${runtimeDirs().netns}/${name}`;
  try {
    if (!lstatSync(path).isSymbolicLink()) return false;
    return readlinkSync(path).startsWith(`/proc/${process.pid}/`);
  } catch {
    return false;
  }
}

