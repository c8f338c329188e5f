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

  /**
   * A namespace with a veth pair v0/v1 up and 10.0.0.1/24 and 2001:db8::1/64
   * (nodad) on v0, so gateways 10.0.0.x and 2001:db8::x resolve through v0;
   * `lo: true` brings lo up first (blackhole nexthops sit on it).
   */
  static async withVeth(opts: { lo?: boolean } = {}): Promise<FreshNetns> {
    const ns = new FreshNetns();
    try {
      if (opts.lo) await ns.rtnl.link.set('lo', { up: true });
      await ns.rtnl.link.add({ name: 'v0', kind: 'veth', up: true, peer: { name: 'v1', up: true } });
      await ns.rtnl.addr.add({ dev: 'v0', local: '10.0.0.1/24' });
      await ns.rtnl.addr.add({ dev: 'v0', local: '2001:db8::1/64', flags: ['nodad'] });
      return ns;
    } catch (e) {
      ns.close();
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
