// A throwaway world for `ip`: a fresh network and mount namespace with a
// tmpfs on /run/netns, held by one child process, where `ip` commands (and
// `ip netns add`) run without reaching the host; when the holder ends (or
// this process dies, which closes its stdin) the world and every namespace in
// it are gone. ipState() reads a namespace of it back with `ip -j`.
// Used by check-reference-ip.ts, bench-topology.ts and test/topology/ip-script.test.ts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { toShellScript, type IpBatch, type IpCommand } from '../src/topology/index.js';

/** A throwaway network + mount namespace with its own /run/netns, held open by one child process. */
export class IpWorld {
  private constructor(private readonly holder: ChildProcess, readonly pid: number) {}

  static async open(): Promise<IpWorld> {
    // `exec cat` keeps the world alive until our end of its stdin closes.
    const holder = spawn('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c',
      'mount -t tmpfs -o size=1m,mode=755 netnest-ip-world /run/netns && echo ready && exec cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    holder.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`unshare exited (${code}): ${err.trim()}`)));
      holder.once('error', reject);
    });
    return new IpWorld(holder, holder.pid!);
  }

  /** Runs a command inside the world; throws with its stderr when it fails. */
  run(argv: readonly string[], input?: string): string {
    try {
      return execFileSync('nsenter', ['-t', String(this.pid), '-m', '-n', '--', ...argv], {
        encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20,
      });
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      throw new Error(`${argv.join(' ').slice(0, 200)}: ${x.stderr?.trim() || x.message}`);
    }
  }

  sh(script: string): string {
    return this.run(['sh', '-c', script]);
  }

  /** Runs build or teardown steps: one shell script, stopping at the first failure. */
  apply(steps: readonly (IpCommand | IpBatch)[]): void {
    this.sh(toShellScript(steps));
  }

  /** Named namespaces in the world (`ip netns list`). */
  namespaces(): string[] {
    return this.run(['ip', '-j', 'netns', 'list']).trim() ? (JSON.parse(this.run(['ip', '-j', 'netns', 'list'])) as { name: string }[]).map((n) => n.name) : [];
  }

  async close(): Promise<void> {
    if (this.holder.exitCode !== null) return;
    const exited = new Promise((resolve) => this.holder.once('exit', resolve));
    this.holder.stdin!.end();
    await exited;
  }
}

type J = Record<string, unknown>;

/** What `ip -j` says about one namespace (the current one of the world when `netns` is undefined); routes and rules carry their `family`. */
export interface IpState {
  links: J[];
  addrs: J[];
  routes: J[];
  rules: J[];
  nexthops: J[];
  neigh: J[];
  sysctl: Record<string, string>;
}

/** Reads a namespace of the world with one shell: links, addresses, routes, rules (both families), nexthops, neighbours, the spec's sysctls. */
export function ipState(world: IpWorld, netns: string | undefined, sysctls: readonly string[] = []): IpState {
  const n = netns ? `-n ${netns} ` : '';
  const sep = '@@netnest@@';
  const queries = [
    `ip ${n}-j -d link show`, `ip ${n}-j addr show`,
    `ip ${n}-j -4 route show table all`, `ip ${n}-j -6 route show table all`,
    `ip ${n}-j -4 rule show`, `ip ${n}-j -6 rule show`,
    `ip ${n}-j nexthop show 2>/dev/null || echo '[]'`, `ip ${n}-j neigh show nud all`, `ip ${n}-j neigh show proxy`,
    ...sysctls.map((k) => `${netns ? `ip netns exec ${netns} ` : ''}sysctl -n '${k}'`),
  ];
  const parts = world.sh(queries.map((q) => `${q}; echo; echo ${sep}`).join('\n')).split(`${sep}\n`).map((p) => p.trim());
  const json = (i: number): J[] => (parts[i] ? JSON.parse(parts[i]!) as J[] : []);
  const sysctl: Record<string, string> = {};
  sysctls.forEach((k, i) => { sysctl[k] = parts[9 + i]!; });
  const tag = (family: 4 | 6, list: J[]): J[] => list.map((e) => ({ ...e, family }));
  return {
    links: json(0), addrs: json(1), routes: [...tag(4, json(2)), ...tag(6, json(3))], rules: [...tag(4, json(4)), ...tag(6, json(5))], nexthops: json(6),
    neigh: [...json(7), ...json(8).map((e) => ({ ...e, proxy: null }))], sysctl,
  };
}

