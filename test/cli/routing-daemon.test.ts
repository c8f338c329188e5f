// The routing-daemon example keeps its routes installed: put back after
// `ip route del`, put back when the link they use comes up again, and removed
// when it stops on SIGTERM. It runs as a child process in the sandbox.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rtnl, type RouteSpec } from '../../src/index.js';
import { ip, ipJson } from '../support/ip.js';

const script = fileURLToPath(new URL('../../scripts/examples/routing-daemon.js', import.meta.url));

interface Daemon {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDaemon(dir: string, table: number, routes: RouteSpec[]): Daemon {
  const file = join(dir, `routes-${table}.json`);
  writeFileSync(file, JSON.stringify({ table, routes }));
  const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** `ip -j route show table T` for both families, as "dst proto" strings; [] once the table is gone. */
function tableRoutes(table: number): string[] {
  const out: string[] = [];
  for (const family of ['-4', '-6']) {
    try {
      for (const r of ipJson<{ dst: string; protocol?: string; type?: string }[]>([family, 'route', 'show', 'table', String(table)])) {
        out.push(`${r.type && r.type !== 'unicast' ? `${r.type} ` : ''}${r.dst} proto ${r.protocol ?? 'boot'}`);
      }
    } catch (e) {
      if (!/table does not exist/.test((e as Error).message)) throw e;
    }
  }
  return out.sort();
}

/** Polls until `check` holds; the bound only turns a hang into a failure that shows the daemon's output. */
async function until(what: string, d: Daemon, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    if (d.child.exitCode !== null) throw new Error(`the daemon exited (${d.child.exitCode}) while waiting for ${what}:\n${d.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}; daemon output:\n${d.output()}`);
}

describe('routing-daemon example', () => {
  let dir: string;
  let rtnl: Rtnl;
  const running: Daemon[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netnest-daemon-'));
    rtnl = Rtnl.open();
  });

  afterEach(async () => {
    // A failed test may leave its daemon running: stop it (it removes its routes).
    for (const d of running.splice(0)) {
      if (d.child.exitCode === null) {
        d.child.kill('SIGTERM');
        await d.exited;
      }
    }
  });

  after(() => {
    rtnl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts back a route deleted with ip route del, and removes its routes on SIGTERM', async () => {
    const table = 3142;
    const want = ['blackhole 198.51.100.0/24 proto 201', 'prohibit 2001:db8:3142::/48 proto 201', 'unreachable 192.0.2.0/25 proto 201'];
    // Someone else's route in the same table: the daemon must leave it alone.
    await rtnl.route.add({ dst: '192.0.2.128/25', type: 'blackhole', table, protocol: 'static' });
    const d = startDaemon(dir, table, [
      { dst: '198.51.100.0/24', type: 'blackhole' },
      { dst: '192.0.2.0/25', type: 'unreachable', metric: 7 },
      { dst: '2001:db8:3142::/48', type: 'prohibit' },
    ]);
    running.push(d);
    const foreign = 'blackhole 192.0.2.128/25 proto static';
    await until('its routes', d, () => tableRoutes(table).join() === [...want, foreign].sort().join());

    ip(['route', 'del', '192.0.2.0/25', 'table', String(table), 'metric', '7']);
    await until('the deleted route to come back', d, () => tableRoutes(table).includes('unreachable 192.0.2.0/25 proto 201'));

    d.child.kill('SIGTERM');
    expect(await d.exited, d.output()).to.equal(0);
    expect(tableRoutes(table)).to.deep.equal([foreign]);
    await rtnl.route.del({ dst: '192.0.2.128/25', table });
  });

  it('puts back the IPv4 routes the kernel flushed when their link went down, once it is up again', async () => {
    const table = 3143;
    await rtnl.link.add({ name: 'c3dm0', kind: 'veth', up: true, peer: { name: 'c3dm1', up: true } });
    await rtnl.addr.add({ dev: 'c3dm0', local: '10.34.0.1/24' });
    try {
      const d = startDaemon(dir, table, [
        { dst: '10.34.1.0/24', gateway: '10.34.0.2' },
        { dst: '10.34.2.0/24', dev: 'c3dm0', metric: 5 },
        { dst: '198.51.100.0/24', type: 'blackhole' },
      ]);
      running.push(d);
      const all = ['10.34.1.0/24 proto 201', '10.34.2.0/24 proto 201', 'blackhole 198.51.100.0/24 proto 201'];
      await until('its routes', d, () => tableRoutes(table).join() === all.join());

      // IPv4 routes through a link that goes down vanish without any RTM_DELROUTE.
      await rtnl.link.set('c3dm0', { up: false });
      expect(tableRoutes(table)).to.deep.equal(['blackhole 198.51.100.0/24 proto 201']);
      await rtnl.link.set('c3dm0', { up: true });
      await until('the flushed routes to come back', d, () => tableRoutes(table).join() === all.join());

      d.child.kill('SIGTERM');
      expect(await d.exited, d.output()).to.equal(0);
      expect(tableRoutes(table)).to.deep.equal([]);
    } finally {
      await rtnl.link.del('c3dm0');
    }
  });
});
