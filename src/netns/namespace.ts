// A handle on one network namespace: an open fd (which keeps it alive), its
// identity, and a path other tools can use.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { Rtnl, type RtnlOptions } from '../netlink/rtnl/rtnl.js';
import { libcFunction } from '../netlink/core/libc.js';
import { runtimeDirs } from './runtime.js';
import { CLONE_NEWNET, openCurrentNetns, runInNetns } from './syscalls.js';


/** How a namespace came to be, and so what removing it means. */
export type NamespaceKind =
  /** Held only by an fd: gone when the fd closes or the process dies. */
  | 'anonymous'
  /** Named like `ip netns add` makes them: a bind mount that outlives the process. */
  | 'persistent'
  /** Named by a symbolic link to this process's fd: the name dangles once the process dies. */
  | 'process-bound'
  /** Not ours: pinned (the root) or adopted. Never removed. */
  | 'foreign';

export class Namespace {
  private open = true;

  constructor(
    /** An fd of the namespace, owned by this handle. */
    readonly fd: number,
    readonly kind: NamespaceKind,
    /** The name in /run/netns (runtimeDirs().netns), when it has one. */
    readonly name?: string,
  ) {
    const st = fstatSync(fd);
    this.inode = st.ino;
    this.dev = st.dev;
  }

  /** Inode of the namespace (nsfs); with `dev` it identifies the namespace. */
  readonly inode: number;
  readonly dev: number;

  /** "net:[4026532289]", as `ls -l /proc/PID/ns/net` shows it. */
  get id(): string {
    return `net:[${this.inode}]`;
  }

  /**
   * A path other tools can enter: /run/netns/NAME for named namespaces,
   * /proc/PID/fd/FD (valid while this process holds the fd) otherwise.
   * `nsenter --net=PATH`, `ip netns exec NAME` for named ones.
   */
  get path(): string {
    return this.name !== undefined ? `${runtimeDirs().netns}/${this.name}` : `/proc/${process.pid}/fd/${this.fd}`;
  }

  /** A path valid as long as this process holds the handle open, named or not. */
  get fdPath(): string {
    return `/proc/${process.pid}/fd/${this.fd}`;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Two handles on the same namespace compare equal. */
  equals(other: Namespace | { inode: number; dev: number }): boolean {
    return this.inode === other.inode && this.dev === other.dev;
  }

  /** An fd-less description for logs and reports. */
  toString(): string {
    return this.name !== undefined ? `${this.name} (${this.id})` : this.id;
  }

  /** A client whose socket lives in this namespace. */
  rtnl(opts: RtnlOptions = {}): Rtnl {
    this.check();
    return Rtnl.open({ ...opts, netns: this.fd });
  }

  /**
   * Runs a synchronous function with the calling thread switched into this
   * namespace, and always switches back. A function returning a promise is
   * refused: everything that ran before it settled would be in the wrong place.
   */
  run<T>(fn: () => T): T {
    this.check();
    return runInNetns(this.fd, fn);
  }

  /** Starts a child process inside this namespace (it is forked while switched). */
  spawn(command: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    return this.run(() => spawn(command, args, options));
  }

  /** Closes the fd. The namespace itself goes only if nothing else holds it (a name, a process, a socket). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
  }

  private check(): void {
    if (!this.open) throw new NetnestError('ERR_NAMESPACE_CLOSED', `namespace ${this.toString()} is closed`);
  }

  /** The namespace the calling thread is in now. */
  static current(kind: NamespaceKind = 'foreign'): Namespace {
    return new Namespace(openCurrentNetns(), kind);
  }

  /** Opens an existing namespace by name (/run/netns/NAME) or by path (/proc/PID/ns/net). */
  static openPath(pathOrName: string, kind: NamespaceKind = 'foreign'): Namespace {
    const named = !pathOrName.includes('/');
    const path = named ? `${runtimeDirs().netns}/${pathOrName}` : pathOrName;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'ENOENT';
      throw new NetnestError(code === 'ENOENT' ? 'ERR_NAMESPACE_NOT_FOUND' : code, `cannot open namespace ${path}: ${code}`);
    }
    try {
      const ns = new Namespace(fd, kind, named ? pathOrName : undefined);
      if (!isNetns(fd)) throw new NetnestError('ERR_NOT_A_NAMESPACE', `${path} is not a network namespace`);
      return ns;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }
}

/** ioctl(NS_GET_NSTYPE): the CLONE_NEW* type of an nsfs file (Linux 4.11+). */
const NS_GET_NSTYPE = 0xb703;

/**
 * True when fd refers to a network namespace (nsfs, and setns would accept
 * it). Asked of the kernel: the fd's /proc link reads "net:[...]" only when it
 * was opened through /proc, not through a bind mount such as /run/netns/NAME.
 */
export function isNetns(fd: number): boolean {
  return libcFunction('int ioctl(int, unsigned long, unsigned long)')(fd, NS_GET_NSTYPE, 0) === CLONE_NEWNET;
}

/** The names in /run/netns (runtimeDirs().netns; what `ip netns list` shows). */
export function namedNamespaces(): string[] {
  try {
    return readdirSync(runtimeDirs().netns).sort();
  } catch {
    return [];
  }
}
