// iproute2 as the oracle: run `ip` in the current namespace or in the one
// behind an fd this process holds (a number, or a Namespace from
// useNamespaces()). Children spawned from the main thread start in its
// namespace; for another one we go through nsenter and /proc/<our pid>/fd/<fd>,
// so the fd must stay open while ip runs.
import { execFileSync } from 'node:child_process';

/** A namespace `ip` runs in: an fd of this process, or anything holding one (a Namespace). */
export type NetnsRef = number | { readonly fd: number };

const fdOf = (netns: NetnsRef): number => (typeof netns === 'number' ? netns : netns.fd);

/** `ip -j link show` entry (the fields the tests read; ip prints more). */
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  txqlen?: number;
  link_type: string;
  address?: string;
  broadcast?: string;
  /** The parent or peer by name when it is in the same namespace. */
  link?: string;
  /** The parent or peer by index when it is in another namespace (or ip could not name it). */
  link_index?: number;
  link_netnsid?: number;
  master?: string;
  ifalias?: string;
  min_mtu?: number;
  max_mtu?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string };
  addr_info?: IpAddrInfo[];
  [key: string]: unknown;
}

/** `ip -j addr show` address entry; ip prints each set flag as `name: true`. */
export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  /** The peer of a point-to-point address. */
  address?: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  valid_life_time: number;
  preferred_life_time: number;
  [flag: string]: unknown;
}

function command(args: readonly string[], netns: NetnsRef | undefined, tool: 'ip' | 'bridge' = 'ip'): [string, string[]] {
  if (netns === undefined) return [tool, [...args]];
  return ['nsenter', [`--net=/proc/${process.pid}/fd/${fdOf(netns)}`, tool, ...args]];
}

/** Runs iproute2's `bridge ARGS` (fdb, vlan, link) for its effect; throws with its own message when it fails. */
export function bridge(args: readonly string[], netns?: NetnsRef): string {
  const [file, argv] = command(args, netns, 'bridge');
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`bridge ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

/** Runs `bridge -j ARGS` and parses what it prints. */
export function bridgeJson<T = unknown>(args: readonly string[], netns?: NetnsRef): T {
  const out = bridge(['-j', ...args], netns).trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** Runs `ip ARGS` for its effect; throws with ip's own message when it fails. */
export function ip(args: readonly string[], netns?: NetnsRef): string {
  const [file, argv] = command(args, netns);
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}${netns === undefined ? '' : ` (netns fd ${fdOf(netns)})`}: ${err.stderr?.trim() || err.message}`);
  }
}

/** Runs `ip -j ARGS` and parses what it prints. */
export function ipJson<T = unknown>(args: readonly string[], netns?: NetnsRef): T {
  const out = ip(['-j', ...args], netns).trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** Runs several `ip` commands in one process (`ip -batch -`), stopping at the first failure. */
export function ipBatch(lines: readonly string[], netns?: NetnsRef): void {
  const [file, argv] = command(['-batch', '-'], netns);
  try {
    execFileSync(file, argv, { input: `${lines.join('\n')}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip -batch: ${err.stderr?.trim() || err.message}`);
  }
}

export interface IpOptions {
  /** The namespace to run in; the current one when absent. */
  netns?: NetnsRef;
  /** `ip -d`: add linkinfo (kind and kind-specific data). */
  details?: boolean;
}

/** Every link, as `ip -j [-d] link show` lists them. */
export function ipLinks(opts: IpOptions = {}): IpLink[] {
  return ipJson<IpLink[]>([...(opts.details ? ['-d'] : []), 'link', 'show'], opts.netns);
}

/** One link, from `ip -j [-d] link show dev NAME`. */
export function ipLink(name: string, opts: IpOptions = {}): IpLink {
  const [link] = ipJson<IpLink[]>([...(opts.details ? ['-d'] : []), 'link', 'show', 'dev', name], opts.netns);
  if (!link) throw new Error(`ip link show dev ${name} printed nothing`);
  return link;
}

/** The addresses of one link, as `ip -j addr show dev NAME` lists them. */
export function ipAddrs(dev: string, opts: Pick<IpOptions, 'netns'> = {}): IpAddrInfo[] {
  const [link] = ipJson<IpLink[]>(['addr', 'show', 'dev', dev], opts.netns);
  return link?.addr_info ?? [];
}

/**
 * How many lines `ip ARGS` prints in a namespace, counted by `wc -l`: the
 * listing of a bulk load (100,000 routes) overflows execFileSync's buffer.
 */
export function ipLineCount(args: string, netns: NetnsRef): number {
  const out = execFileSync('sh', ['-c', `nsenter --net=/proc/${process.pid}/fd/${fdOf(netns)} ip ${args} | wc -l`], { encoding: 'utf8' });
  return Number(out.trim());
}
