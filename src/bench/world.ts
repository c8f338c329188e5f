// A benchmark's throwaway world: an anonymous network namespace with lo up and
// a veth `v0` whose gateways the route sets use. The veth's other end lives in
// a probe namespace, so the end of a teardown can be seen: the kernel removes
// `v1` from the probe once it has really destroyed the world (its routes with
// it). Nothing here touches the namespace the process runs in.
import { closeSync } from 'node:fs';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { createAnonymousNetns } from '../netns/syscalls.js';
import { LINK } from './sets.js';

export interface World {
  /** `/proc/PID/fd/FD`: what nsenter --net= and other tools take. */
  readonly path: string;
  readonly fd: number;
  /** A client in the world (closed by teardown()). */
  readonly rtnl: Rtnl;
  /** Lets the world go and waits until the kernel has destroyed it; resolves with the seconds that took. */
  teardown(): Promise<number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function openWorld(): Promise<World> {
  const fd = createAnonymousNetns();
  const probeFd = createAnonymousNetns();
  const rtnl = Rtnl.open({ netns: fd });
  const probe = Rtnl.open({ netns: probeFd });
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    rtnl.close();
    closeSync(fd);
  };
  try {
    await rtnl.link.set('lo', { up: true });
    await rtnl.link.add({ name: LINK.name, kind: 'veth', up: true, peer: { name: 'v1', netns: probeFd, up: true } });
    await rtnl.addr.add({ dev: LINK.name, local: LINK.v4 });
    await rtnl.addr.add({ dev: LINK.name, local: LINK.v6, flags: ['nodad'] });
  } catch (e) {
    release();
    probe.close();
    closeSync(probeFd);
    throw e;
  }
  return {
    path: `/proc/${process.pid}/fd/${fd}`,
    fd,
    rtnl,
    async teardown(): Promise<number> {
      const t = process.hrtime.bigint();
      release();
      try {
        // Bounded: a namespace something else still holds is never destroyed.
        for (const until = Date.now() + 60_000; (await probe.link.find('v1')) !== undefined; await sleep(1)) {
          if (Date.now() > until) throw new Error('the benchmark namespace was not destroyed within 60 s (something still holds it)');
        }
        return Number(process.hrtime.bigint() - t) / 1e9;
      } finally {
        probe.close();
        closeSync(probeFd);
      }
    },
  };
}
