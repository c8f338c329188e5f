// `netnest demo`: builds a small network in two throwaway anonymous
// namespaces, shows it with netnest and with `ip`, and removes it. Every
// request goes through clients bound to those namespaces, so nothing is ever
// created where the command runs, even when a step fails.
import { execFileSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Rtnl } from '../netlink/rtnl/rtnl.js';
import { createAnonymousNetns, currentNetnsId, netnsId } from '../netns/syscalls.js';
import { addrsTable, linksTable, withDevNames } from './format.js';

/** What "the host did not change" means here: `ip -j link` and `ip -j addr` without counters and timers. */
function hostView(): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([k]) => !/stats|life_time/.test(k)).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  const ip = (...args: string[]): unknown => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }) || '[]');
  return JSON.stringify({ link: strip(ip('link', 'show')), addr: strip(ip('addr', 'show')) });
}

/** `ip` run inside the namespace behind one of our fds, through /proc (no named namespace needed). */
function ipIn(fd: number, args: string[]): string {
  return execFileSync('nsenter', [`--net=/proc/${process.pid}/fd/${fd}`, 'ip', ...args], { encoding: 'utf8' }).trimEnd();
}

interface View {
  links: string[];
  addrs: string[];
}

async function show(out: (s: string) => void, title: string, rtnl: Rtnl): Promise<View> {
  const links = await rtnl.link.list();
  const addrs = withDevNames(await rtnl.addr.list(), links);
  out(`\n${title}\nlinks:\n${linksTable(links)}\naddresses:\n${addrsTable(addrs)}`);
  return {
    links: links.map((l) => `${l.index}:${l.name}:${l.up ? 'UP' : 'DOWN'}`).sort(),
    // Link-local addresses come and go with carrier and DAD; the ones we added do not.
    addrs: addrs.filter((a) => a.scope !== 'link').map((a) => `${a.dev} ${a.local}/${a.prefixlen}`).sort(),
  };
}

/** The same view, from `ip -j` run in the namespace. */
function ipView(fd: number): View {
  type IpLink = { ifindex: number; ifname: string; flags: string[]; addr_info?: { local: string; prefixlen: number; scope: string }[] };
  const links = JSON.parse(ipIn(fd, ['-j', 'link', 'show'])) as IpLink[];
  const addrs = JSON.parse(ipIn(fd, ['-j', 'addr', 'show'])) as IpLink[];
  return {
    links: links.map((l) => `${l.ifindex}:${l.ifname}:${l.flags.includes('UP') ? 'UP' : 'DOWN'}`).sort(),
    addrs: addrs.flatMap((l) => (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`)).sort(),
  };
}

export async function demo(out: (s: string) => void): Promise<number> {
  const host = currentNetnsId();
  const before = hostView();
  out(`netnest demo: a bridge and a veth pair across two throwaway namespaces (the host is ${host})`);

  const fds: number[] = [];
  const clients: Rtnl[] = [];
  let failure: unknown;
  let disagreements = 0;
  try {
    const fdA = createAnonymousNetns();
    fds.push(fdA);
    const fdB = createAnonymousNetns();
    fds.push(fdB);
    const a = Rtnl.open({ netns: fdA });
    clients.push(a);
    const b = Rtnl.open({ netns: fdB });
    clients.push(b);
    out(`created anonymous namespaces A ${netnsId(fdA)} and B ${netnsId(fdB)}`);

    await a.link.set('lo', { up: true });
    await b.link.set('lo', { up: true });
    await a.link.add({ name: 'br0', kind: 'bridge', up: true });
    // One request: veth0 in A enslaved to br0, its peer veth1 born directly in B.
    await a.link.add({ name: 'veth0', kind: 'veth', master: 'br0', up: true, peer: { name: 'veth1', netns: fdB, up: true } });
    // Documentation prefixes (RFC 5737, RFC 3849); nodad so IPv6 addresses are usable at once.
    await a.addr.add({ dev: 'br0', local: '192.0.2.1/24', broadcast: '+' });
    await a.addr.add({ dev: 'br0', local: '2001:db8:1::1/64', flags: ['nodad'] });
    await b.addr.add({ dev: 'veth1', local: '192.0.2.2/24', broadcast: '+' });
    await b.addr.add({ dev: 'veth1', local: '2001:db8:1::2/64', flags: ['nodad'] });
    out('built: A has bridge br0 (192.0.2.1/24, 2001:db8:1::1/64) with port veth0; B has veth1 (192.0.2.2/24, 2001:db8:1::2/64)');

    const views = [
      { name: 'A', fd: fdA, netnest: await show(out, `namespace A ${netnsId(fdA)}, as netnest lists it:`, a) },
      { name: 'B', fd: fdB, netnest: await show(out, `namespace B ${netnsId(fdB)}, as netnest lists it:`, b) },
    ];
    for (const v of views) {
      out(`\nnamespace ${v.name}, as ip sees it (nsenter --net=/proc/${process.pid}/fd/${v.fd} ip -br link; ip -br addr):`);
      out(ipIn(v.fd, ['-br', 'link']));
      out(ipIn(v.fd, ['-br', 'addr']));
      const ip = ipView(v.fd);
      if (JSON.stringify(ip) === JSON.stringify(v.netnest)) {
        out(`ip -j agrees with netnest: ${ip.links.length} links (index, name, state), ${ip.addrs.length} addresses (link-local ones aside)`);
      } else {
        disagreements++;
        out(`ip -j DISAGREES with netnest:\n  netnest: ${JSON.stringify(v.netnest)}\n  ip:      ${JSON.stringify(ip)}`);
      }
    }
  } catch (e) {
    failure = e;
  } finally {
    for (const c of clients) c.close();
    for (const fd of fds) closeSync(fd);
  }
  out('\nremoved: clients and namespace fds closed; the kernel destroys both namespaces and every link in them');

  const changed = hostView() !== before;
  out(changed
    ? `host CHANGED: the links or addresses of ${host} differ from before the demo; inspect \`ip link\` and \`ip addr\``
    : `host unchanged: ip -j link and ip -j addr of ${host} are the same as before the demo`);
  if (failure !== undefined) throw failure;
  return changed || disagreements > 0 ? 1 : 0;
}
