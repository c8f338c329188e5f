// `netnest demo`: the reference network (examples/reference.yaml) built
// inside a Sandbox — a throwaway network namespace the whole process moves
// into, so nothing it does can reach the host — then proven to carry
// traffic (a TCP echo between two hosts three routers apart, from Node
// processes started inside their namespaces), verified against its spec,
// drawn, destroyed, and the host shown unchanged. Each phase is timed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkUidsMapped } from '../netlink/rtnl/rule/uids.js';
import { Namespace } from '../netns/namespace.js';
import { hostUid, runtimeDirs } from '../netns/runtime.js';
import { Sandbox } from '../netns/sandbox.js';
import { diff, snapshot } from '../netns/snapshot.js';
import { toSvg } from '../topology/graph.js';
import { Lab } from '../topology/lab.js';
import { loadTopology } from '../topology/load.js';
import type { TopologyModel } from '../topology/model.js';

/** The spec the demo builds, shipped with the package. */
export const REFERENCE_SPEC = fileURLToPath(new URL('../../../examples/reference.yaml', import.meta.url));

/** The two hosts the traffic goes between, and the port. */
const FROM = 'h1';
const TO = 'h2';
const PORT = 7007;

export async function demo(out: (s: string) => void): Promise<number> {
  const times: [string, number][] = [];
  const timed = async <T>(what: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      times.push([what, performance.now() - t]);
    }
  };

  const model = await timed('check the spec', () => loadTopology(REFERENCE_SPEC));
  out(`netnest demo: the reference network of ${REFERENCE_SPEC}`);
  out(`  ${describe(model)}`);
  if (runtimeDirs().mode === 'rootless') out(`  without root: in a user namespace of your own, where uid 0 is your uid ${hostUid()}; the machine's network is out of reach`);
  const leftOut = withoutUnmappedUids(model);
  if (leftOut > 0) out(`  left out ${leftOut} rules whose uid ranges this user namespace does not map (without root only uid 0 exists here)`);
  const host = Namespace.current();
  const before = await snapshot(host);
  const sandbox = await timed('enter a sandbox', () => Sandbox.enter());
  out(`  built inside a sandbox: a fresh network namespace (${sandbox.world.id}) the process moved into; the host is ${sandbox.host.id}`);

  let failed = false;
  let failure: unknown;
  try {
    const lab = await timed('build', () => Lab.build(model, { manager: sandbox.manager }));
    const t = lab.report.timings;
    out(`built: ${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
    for (const s of lab.report.substitutions) out(`  substituted ${s}`);

    for (const family of [4, 6] as const) {
      const to = addressOf(model, TO, 'eth0', family);
      const r = await timed(`TCP echo over IPv${family}`, () => echo(lab, FROM, TO, to));
      out(`traffic: TCP from ${FROM} to ${TO} ${to} port ${PORT} — ${r.hops}, echoed ${JSON.stringify(r.echoed)} in ${r.ms.toFixed(1)} ms`);
      if (r.echoed !== r.sent) failed = true;
    }

    const differences = await timed('verify', () => lab.verify());
    out(differences.length === 0 ? 'verify: the kernel matches the spec' : `verify: ${differences.length} DIFFERENCES:\n${differences.map((d) => `  ${d.change} ${d.path}: ${d.what}`).join('\n')}`);
    if (differences.length) failed = true;

    const svg = await timed('draw', () => toSvg(model));
    const dir = `${tmpdir()}/netnest-demo-${hostUid()}`; // one per user: another's is not ours to write
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/reference.svg`, svg);
    out(`diagram: ${dir}/reference.svg (netnest graph ${REFERENCE_SPEC} -o reference.svg)`);

    const report = await timed('destroy', () => lab.destroy());
    out(`destroyed: ${report.namespaces.length} namespaces, ${report.removed.length} objects in the sandbox's own namespace${report.failed.length ? `, ${report.failed.length} FAILED` : ''}`);
    if (report.failed.length) failed = true;
  } catch (e) {
    failure = e;
  }
  const left = await timed('leave the sandbox', () => sandbox.exit());
  if (left.cleanup.failed.length) failed = true;
  const changes = diff(before, await snapshot(host));
  host.close();
  out(changes.length === 0
    ? `host unchanged: its links, addresses, routes, rules, neighbours and named namespaces are as before the demo`
    : `host CHANGED:\n${changes.map((c) => `  ${c.line}`).join('\n')}`);
  out(`times: ${times.map(([w, ms]) => `${w} ${ms.toFixed(0)} ms`).join(', ')}`);
  if (failure !== undefined) throw failure;
  return failed || changes.length > 0 ? 1 : 0;
}

/**
 * Without root the demo's user namespace maps one uid (0): rules with other
 * uids cannot be made. They are taken out of the model, visibly, and the rest
 * is built and verified as it is.
 */
function withoutUnmappedUids(model: TopologyModel): number {
  let n = 0;
  for (const ns of model.namespaces) {
    ns.rules = ns.rules.filter((r) => {
      try {
        checkUidsMapped(r.spec.uidrange);
        return true;
      } catch {
        n++;
        return false;
      }
    });
  }
  return n;
}

/** "6 namespaces, 8 bridges, 20 veth pairs, 5 dummies, 312 routes, 214 rules". */
function describe(model: TopologyModel): string {
  const links = model.namespaces.flatMap((n) => [...n.links.values()]);
  const count = (kind: string): number => links.filter((l) => l.origin === 'create' && l.kind === kind).length;
  const sum = (f: (n: TopologyModel['namespaces'][number]) => number): number => model.namespaces.reduce((a, n) => a + f(n), 0);
  return `${model.namespaces.filter((n) => n.owned).length} namespaces and the current one, ${count('bridge')} bridges, ${count('veth')} veth pairs, ` +
    `${count('dummy')} dummies, ${sum((n) => n.routes.length)} routes, ${sum((n) => n.rules.length)} rules, ${sum((n) => n.sysctl.length)} sysctls`;
}

function addressOf(model: TopologyModel, key: string, link: string, family: 4 | 6): string {
  const a = model.namespaces.find((n) => n.key === key)?.links.get(link)?.addresses.find((x) => x.spec.local.includes(':') === (family === 6));
  if (!a) throw new Error(`the reference spec has no IPv${family} address on ${key}/${link}`);
  return a.spec.local.split('/')[0]!;
}

/**
 * The path the kernel takes from one namespace to an address, hop by hop:
 * each namespace's route lookup (`ip route get`) names a gateway, and the
 * namespace that has that address is the next hop.
 */
async function pathOf(lab: Lab, from: string, to: string, address: string): Promise<string> {
  const owner = new Map<string, string>();
  for (const ns of lab.model.namespaces) {
    for (const l of ns.links.values()) for (const a of l.addresses) owner.set(a.spec.local.split('/')[0]!, ns.key);
  }
  const path = [from];
  for (let cur = from; cur !== to && path.length < 10;) {
    const route = await lab.ns(cur).rtnl.route.get({ dst: address });
    const gw = route.gateway ?? route.via?.host;
    cur = gw === undefined ? to : owner.get(gw) ?? `? (${gw})`;
    path.push(cur);
  }
  return `${path.join(' → ')} (${path.length - 2} routers)`;
}

/**
 * A TCP echo from one namespace to another, each end a Node process started
 * inside its namespace (no tool needed on the machine).
 */
async function echo(lab: Lab, from: string, to: string, address: string): Promise<{ sent: string; echoed: string; ms: number; hops: string }> {
  const server = lab.ns(to).spawn(process.execPath, ['-e', `
    const net = require('node:net');
    const s = net.createServer((c) => c.pipe(c)).listen(${PORT}, ${JSON.stringify(address)}, () => console.log('ready'));
    process.stdin.on('close', () => s.close());
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the echo server in ${to} exited (${code})`)));
    });
    const sent = `netnest ${from}->${to}`;
    const client = lab.ns(from).spawn(process.execPath, ['-e', `
      const net = require('node:net');
      const t = performance.now();
      const c = net.connect(${PORT}, ${JSON.stringify(address)}, () => c.end(${JSON.stringify(sent)}));
      let got = '';
      c.on('data', (d) => { got += d; });
      c.on('end', () => console.log(JSON.stringify({ got, ms: performance.now() - t })));
      c.on('error', (e) => { console.error(e.message); process.exit(1); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    client.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
    const code = await new Promise<number | null>((resolve) => client.once('exit', resolve));
    if (code !== 0) throw new Error(`the TCP client in ${from} failed (exit ${code})`);
    const r = JSON.parse(text) as { got: string; ms: number };
    return { sent, echoed: r.got, ms: r.ms, hops: await pathOf(lab, from, to, address) };
  } finally {
    server.stdin!.end();
    server.kill();
  }
}
