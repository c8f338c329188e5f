// A throwaway anonymous namespace per test: a client bound to it and `ip`
// pointed at it. Closing the client and the fd lets the kernel destroy the
// namespace with everything in it, so tests never clean up link by link and
// never see each other's leftovers.
import { closeSync } from 'node:fs';
import { Rtnl } from '../../src/index.js';
import { createAnonymousNetns } from '../../src/netns/syscalls.js';
import { ip, ipAddrs, ipBatch, ipJson, ipLink, ipLinks, type IpAddrInfo, type IpLink } from '../support/ip.js';

export class FreshNetns {
  /** fd holding the namespace (for `netns:` options and nsenter). */
  readonly fd: number;
  /** A client opened in the namespace. */
  readonly rtnl: Rtnl;
  private closed = false;

  constructor() {
    this.fd = createAnonymousNetns();
    try {
      this.rtnl = Rtnl.open({ netns: this.fd });
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  ip(args: readonly string[]): string {
    return ip(args, this.fd);
  }

  ipJson<T = unknown>(args: readonly string[]): T {
    return ipJson<T>(args, this.fd);
  }

  ipBatch(lines: readonly string[]): void {
    ipBatch(lines, this.fd);
  }

  ipLinks(opts: { details?: boolean } = {}): IpLink[] {
    return ipLinks({ ...opts, netns: this.fd });
  }

  ipLink(name: string, opts: { details?: boolean } = {}): IpLink {
    return ipLink(name, { ...opts, netns: this.fd });
  }

  ipAddrs(dev: string): IpAddrInfo[] {
    return ipAddrs(dev, { netns: this.fd });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtnl.close();
    closeSync(this.fd);
  }
}
