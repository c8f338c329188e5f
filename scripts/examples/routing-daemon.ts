// A small routing daemon on netnest. It owns one routing table and one route
// protocol number, keeps a desired set of routes installed there, and puts
// them back when the world changes:
//  - a route of its own deleted by someone else (`ip route del`) or replaced
//    by another protocol's route is re-applied at once;
//  - a link coming up re-runs a full resync: the kernel flushes IPv4 routes
//    through a link that goes down without sending any RTM_DELROUTE;
//  - an 'overrun' event (events were lost) re-runs a full resync, which also
//    removes routes of its protocol it does not want.
// SIGINT/SIGTERM stop it cleanly: it removes its routes and exits 0.
//
//   node dist/scripts/examples/routing-daemon.js [ROUTES.json] [--table ID] [--protocol N] [--i-know]
//
// ROUTES.json holds RouteSpec objects, as an array or as
// { "table": 1042, "protocol": 201, "routes": [...] }. Without it the daemon
// installs three documentation-prefix routes that need no link. It refuses to
// run in the host's network namespace (PID 1's, or the kernel's initial one)
// unless given --i-know; try it with
// `unshare -n node dist/scripts/examples/routing-daemon.js`.
import { readFileSync, readlinkSync } from 'node:fs';
import { release } from 'node:os';
import { parseArgs } from 'node:util';
import { Address4, Address6 } from 'ip-address';
import {
  NetnestError, protocolId, routeToSpec, Rtnl, tableId, type BulkResult, type Family, type Route, type RouteSpec,
  type RtnlEvent,
} from '../../src/index.js';

const DEFAULT_TABLE = 1042;
/** Unassigned in /etc/iproute2/rt_protos: `ip route` prints it as "proto 201". */
const DEFAULT_PROTOCOL = 201;

const BUILT_IN_ROUTES: RouteSpec[] = [
  { dst: '198.51.100.0/24', type: 'blackhole' },
  { dst: '203.0.113.0/24', type: 'unreachable', metric: 100 },
  { dst: '2001:db8:dead::/48', type: 'prohibit' },
];

const log = (s: string): void => { process.stdout.write(`routing-daemon: ${s}\n`); };
const warn = (s: string): void => { process.stderr.write(`routing-daemon: ${s}\n`); };

class UsageError extends Error {}

interface Config {
  table: number;
  protocol: number;
  routes: RouteSpec[];
}

function loadConfig(argv: string[]): Config & { iKnow: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { table: { type: 'string' }, protocol: { type: 'string' }, 'i-know': { type: 'boolean' } },
  });
  if (positionals.length > 1) throw new UsageError(`one routes file at most, got ${positionals.join(' ')}`);
  let file: { table?: unknown; protocol?: unknown; routes?: unknown } = { routes: BUILT_IN_ROUTES };
  if (positionals[0] !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(positionals[0], 'utf8'));
    } catch (e) {
      throw new UsageError(`${positionals[0]}: ${(e as Error).message}`);
    }
    file = Array.isArray(parsed) ? { routes: parsed } : (parsed as typeof file);
  }
  if (!Array.isArray(file.routes)) throw new UsageError('the routes file needs a "routes" array (or is one)');
  const routes = file.routes as RouteSpec[];
  routes.forEach((r, i) => {
    // The daemon's table and protocol are what make a route its own.
    if (r.table !== undefined || r.protocol !== undefined) throw new UsageError(`route ${i}: table and protocol are the daemon's (--table, --protocol)`);
  });
  return {
    table: tableId(values.table ?? file.table ?? DEFAULT_TABLE),
    protocol: protocolId(values.protocol ?? file.protocol ?? DEFAULT_PROTOCOL),
    routes,
    iKnow: values['i-know'] === true,
  };
}

/** Inode of the initial network namespace from Linux 6.18 on (NET_NS_INIT_INO, <linux/nsfs.h>). */
const NET_NS_INIT_INO = 0xeffffff9;

/** True when this process is in the host's network namespace, or when that cannot be ruled out. */
function inHostNamespace(): boolean {
  const self = readlinkSync('/proc/self/ns/net'); // "net:[INODE]"
  try {
    return self === readlinkSync('/proc/1/ns/net');
  } catch {
    // PID 1's namespace may be unreadable (no CAP_SYS_PTRACE over it); recent
    // kernels give the initial namespace a fixed inode instead.
    if (self === `net:[${NET_NS_INIT_INO}]`) return true;
    const [major = 0, minor = 0] = release().split('.').map(Number);
    return major < 6 || (major === 6 && minor < 18); // older: cannot tell, assume the worst
  }
}

// ------------------------------------------------------- route identities

/** An address or prefix as the kernel reports it: canonical text, no length for a single host, "default" for /0. */
function canonical(prefix: string, family: Family): string {
  if (prefix === 'default' || prefix === 'all' || prefix === 'any') return 'default';
  const a = family === 6 ? new Address6(prefix) : new Address4(prefix);
  const full = family === 6 ? 128 : 32;
  if (a.subnetMask === 0) return 'default';
  return a.subnetMask === full ? a.correctForm() : `${a.correctForm()}/${a.subnetMask}`;
}

function familyOfSpec(s: RouteSpec): Family {
  if (s.family !== undefined) return s.family;
  if (s.dst !== 'default') return s.dst.includes(':') ? 6 : 4;
  const hint = s.gateway ?? s.nexthops?.find((n) => n.gateway !== undefined)?.gateway ?? s.prefsrc;
  return hint?.includes(':') ? 6 : 4;
}

/** What the kernel identifies a route by within a table: family, destination, source, tos and metric. */
function keyOfSpec(s: RouteSpec): string {
  const family = familyOfSpec(s);
  const src = s.src === undefined ? '' : canonical(s.src, family);
  const metric = family === 6 ? s.metric || 1024 : s.metric ?? 0; // IPv6 turns metric 0 into 1024
  return `${family} ${canonical(s.dst, family)} from ${src} tos ${s.tos ?? (s.dscp ?? 0) << 2} metric ${metric}`;
}

function keyOfRoute(r: Route): string {
  const src = r.src === undefined ? '' : canonical(`${r.src}/${r.src_len}`, r.family);
  return `${r.family} ${r.dst} from ${src} tos ${r.tos} metric ${r.metric ?? 0}`;
}

/** Whether an installed route is what the spec asks for (the fields a spec states; the key is already equal). */
function matches(r: Route, s: RouteSpec, indexOf: (dev: string | number) => number | undefined): boolean {
  if ((s.type ?? 'unicast') !== r.type) return false;
  const gwOf = (gw: string): string => canonical(gw, gw.includes(':') ? 6 : 4);
  if (s.gateway !== undefined && gwOf(s.gateway) !== (r.gateway ?? r.via?.host)) return false;
  if (s.dev !== undefined && indexOf(s.dev) !== r.oif) return false;
  if (s.nhid !== undefined && s.nhid !== r.nhid) return false;
  if (s.nexthops !== undefined) {
    const have = r.nexthops ?? [];
    if (have.length !== s.nexthops.length) return false;
    // Each wanted path is there, on the fields it states (the kernel fills in the device of a gateway).
    return s.nexthops.every((n) => have.some((h) =>
      (n.gateway === undefined || gwOf(n.gateway) === (h.gateway ?? h.via?.host))
      && (n.dev === undefined || indexOf(n.dev) === h.oif)
      && (n.weight ?? 1) === h.weight));
  }
  return true;
}

// ----------------------------------------------------------------- daemon

class RoutingDaemon {
  /** Desired routes by key, each with the daemon's table and protocol. */
  private readonly desired = new Map<string, RouteSpec>();
  /** Admin state of each link, to see one come up. */
  private readonly linkUp = new Map<number, boolean>();
  private readonly pending = new Map<string, RouteSpec>();
  private resyncWanted = false;
  private resyncReason = '';
  private working: Promise<void> | undefined;
  private stopping = false;

  /** `fatal` is told about errors that are bugs rather than kernel refusals; it should stop the daemon. */
  constructor(private readonly rtnl: Rtnl, private readonly cfg: Config, private readonly fatal: (e: unknown) => void) {
    cfg.routes.forEach((r, i) => {
      const spec: RouteSpec = { ...r, table: cfg.table, protocol: cfg.protocol };
      let key: string;
      try {
        key = keyOfSpec(spec);
      } catch (e) {
        throw new UsageError(`route ${i} (${String(r?.dst)}): ${(e as Error).message}`);
      }
      if (this.desired.has(key)) throw new UsageError(`route ${i}: a second route for ${key}`);
      this.desired.set(key, spec);
    });
  }

  private ours(r: Route): boolean {
    return r.table === this.cfg.table && protocolId(r.protocol) === this.cfg.protocol;
  }

  /** Installs (replaces) routes and logs what the kernel refused; failed ones wait for the next trigger. */
  private async apply(specs: RouteSpec[], why: string): Promise<void> {
    if (specs.length === 0) return;
    const res = await this.rtnl.route.addMany(specs, { mode: 'replace' });
    log(`${why}: ${res.ok}/${res.total} routes installed in table ${this.cfg.table}`);
    for (const f of res.failed) warn(`  ${f.item.dst}: ${f.error.message}`);
  }

  /** Compares the table with the desired set: re-applies what is missing or different, removes its own extras. */
  private async resync(why: string): Promise<void> {
    const routes = await this.rtnl.route.list({ table: this.cfg.table });
    const links = await this.rtnl.link.list();
    for (const l of links) this.linkUp.set(l.index, l.up);
    const byName = new Map(links.map((l) => [l.name, l.index]));
    const indexOf = (dev: string | number): number | undefined => (typeof dev === 'number' ? dev : byName.get(dev));
    const good = new Set<string>();
    const stale: RouteSpec[] = [];
    for (const r of routes) {
      const key = keyOfRoute(r);
      const want = this.desired.get(key);
      if (want && this.ours(r) && matches(r, want, indexOf)) good.add(key);
      else if (!want && this.ours(r)) stale.push(routeToSpec(r));
    }
    const missing = [...this.desired].filter(([k]) => !good.has(k)).map(([, s]) => s);
    log(`${why}: resync of table ${this.cfg.table}: ${good.size} in place, ${missing.length} to re-apply, ${stale.length} stale`);
    await this.apply(missing, 'resync');
    if (stale.length) report('removed stale', await this.rtnl.route.delMany(stale));
  }

  /** Runs queued work one piece at a time; events keep arriving meanwhile. */
  private kick(): void {
    if (this.working || this.stopping) return;
    this.working = (async () => {
      while (!this.stopping && (this.resyncWanted || this.pending.size)) {
        try {
          if (this.resyncWanted) {
            this.resyncWanted = false;
            this.pending.clear(); // a resync covers them
            await this.resync(this.resyncReason);
          } else {
            const specs = [...this.pending.values()];
            this.pending.clear();
            await this.apply(specs, 're-applied');
          }
        } catch (e) {
          // Kernel and netnest errors are logged; the next event tries again.
          if (e instanceof NetnestError) warn(`work failed: ${e.message}`);
          else this.fatal(e);
        }
      }
    })().finally(() => {
      this.working = undefined;
      if (!this.stopping && (this.resyncWanted || this.pending.size)) this.kick();
    });
  }

  private wantResync(reason: string): void {
    this.resyncWanted = true;
    this.resyncReason = reason;
    this.kick();
  }

  handle(e: RtnlEvent): void {
    switch (e.kind) {
      case 'overrun':
        this.wantResync(`events were lost (${e.error.message})`);
        return;
      case 'route': {
        const r = e.route;
        if (r.table !== this.cfg.table) return;
        const key = keyOfRoute(r);
        const want = this.desired.get(key);
        if (!want) return;
        // Its own deletions never reach here while running; its own additions carry its protocol.
        if (e.action === 'del' ? this.ours(r) : !this.ours(r)) {
          log(`${r.dst} ${e.action === 'del' ? 'was deleted' : `was replaced (protocol ${r.protocol})`}; re-applying`);
          this.pending.set(key, want);
          this.kick();
        }
        return;
      }
      case 'link': {
        const l = e.link;
        const was = this.linkUp.get(l.index);
        const up = e.action === 'new' && l.up;
        this.linkUp.set(l.index, up);
        if (up && was !== true) this.wantResync(`link ${l.name} came up`);
        return;
      }
      default:
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    // Subscribed before the first install: no change after it can be missed.
    const events = this.rtnl.events({ groups: ['route', 'link'], signal });
    for (const l of await this.rtnl.link.list()) this.linkUp.set(l.index, l.up);
    await this.apply([...this.desired.values()], 'started');
    log(`ready: table ${this.cfg.table}, protocol ${this.cfg.protocol}, ${this.desired.size} routes`);
    for await (const e of events) this.handle(e);
  }

  /** Stops the work queue and removes the routes: only those of its table and protocol are matched. */
  async stop(): Promise<BulkResult<RouteSpec>> {
    this.stopping = true;
    await this.working;
    const specs = [...this.desired.values()].map((s): RouteSpec => {
      const family = familyOfSpec(s);
      const del: RouteSpec = { dst: s.dst, family, table: this.cfg.table, protocol: this.cfg.protocol };
      if (s.src !== undefined) del.src = s.src;
      if (s.metric !== undefined) del.metric = s.metric;
      if (s.tos !== undefined) del.tos = s.tos;
      if (s.dscp !== undefined) del.dscp = s.dscp;
      return del;
    });
    return this.rtnl.route.delMany(specs);
  }
}

function report(what: string, res: BulkResult<RouteSpec>): void {
  // ESRCH: the route was already gone (deleted, or flushed with its link).
  const gone = res.failed.filter((f) => (f.error as { code?: string }).code === 'ESRCH').length;
  log(`${what}: ${res.ok}/${res.total} routes${gone ? ` (${gone} already gone)` : ''}`);
  for (const f of res.failed) if ((f.error as { code?: string }).code !== 'ESRCH') warn(`  ${f.item.dst}: ${f.error.message}`);
}

async function main(argv: string[]): Promise<number> {
  let cfg: ReturnType<typeof loadConfig>;
  try {
    cfg = loadConfig(argv);
  } catch (e) {
    // Bad options, an unreadable routes file, or a table/protocol name that does not exist.
    if (e instanceof UsageError || e instanceof NetnestError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      warn((e as Error).message);
      return 2;
    }
    throw e;
  }
  if (!cfg.iKnow && inHostNamespace()) {
    warn("refusing to change the host's routes (this looks like the host's network namespace); run it under `unshare -n`, or pass --i-know");
    return 2;
  }
  const rtnl = Rtnl.open();
  const controller = new AbortController();
  const stop = (sig: string) => (): void => {
    log(`${sig}: stopping`);
    controller.abort();
  };
  process.once('SIGINT', stop('SIGINT'));
  process.once('SIGTERM', stop('SIGTERM'));
  let code = 0;
  let daemon: RoutingDaemon | undefined;
  let bug: unknown;
  try {
    daemon = new RoutingDaemon(rtnl, cfg, (e) => {
      bug ??= e;
      controller.abort();
    });
    await daemon.run(controller.signal);
    if (bug !== undefined) throw bug;
  } catch (e) {
    if (e instanceof UsageError) {
      warn(e.message);
      code = 2;
    } else {
      warn(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      code = 1;
    }
  } finally {
    try {
      if (daemon) report('stopped, removed', await daemon.stop());
    } catch (e) {
      warn(`cleanup failed: ${e instanceof Error ? e.message : String(e)}`);
      code = 1;
    }
    rtnl.close();
  }
  return code;
}

process.exitCode = await main(process.argv.slice(2));
