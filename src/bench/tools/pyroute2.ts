// The pyroute2 runner of `netnest bench`: one python process per phase, run under
// `nsenter --net=PATH` so pyroute2's IPRoute socket lives in the benchmark's namespace.
//
// Measured, inside python: wall time (time.perf_counter) and CPU time (time.process_time)
// around the netlink work only — the add/replace/del calls, one acknowledged request per
// item as a pyroute2 user writes them, or the dump and count. Excluded: interpreter
// start-up, `import pyroute2`, reading the items, opening the IPRoute socket, resolving
// device names and turning items into keyword arguments. Peak RSS is ru_maxrss of the
// python process, so it is the whole process's peak (interpreter and import included):
// a peak cannot be taken for a window.
//
// pyroute2 0.7 spellings the items are translated to: a route's `dev` is `oif` (an index,
// looked up once), a next hop's weight is `hops` = weight - 1; a rule's `iif` is `iifname`,
// ports and uid ranges are `sport_range`/`dport_range`/`uid_range` strings "start:end"
// (colon, although its docstring says "80-120"), `ipproto` is `ip_proto` as a number.
// Rules have no replace: pyroute2's rule() has no such command and the kernel ignores
// NLM_F_REPLACE on RTM_NEWRULE (it adds a duplicate), so that phase is refused.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RouteItem, RuleItem } from '../sets.js';

export interface ToolPhaseResult { wall: number; cpu: number | null; peakRss: number | null; ok: number; failed: number }

const CANDIDATES = ['python3', '/usr/bin/python3'];

// The real interpreter (sys.executable), not a pyenv shim, so later runs skip the shim.
const PROBE = `
import json, sys, pyroute2
v = getattr(pyroute2, '__version__', 'unknown')
if v == 'unknown':
    import importlib.metadata
    v = importlib.metadata.version('pyroute2')
print(json.dumps({'python': sys.executable, 'version': v}))
`;

/** The interpreter and pyroute2 version, or why pyroute2 cannot run here (then the benchmark reports it as skipped). */
export function findPyroute2(): { python: string; version: string } | { reason: string } {
  const why: string[] = [];
  for (const python of CANDIDATES) {
    const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return JSON.parse(r.stdout) as { python: string; version: string };
    const lastLine = (r.error?.message ?? r.stderr).trim().split('\n').pop();
    why.push(`${python}: ${lastLine}`);
  }
  return { reason: `pyroute2 cannot be imported (${why.join('; ')}); install python3-pyroute2 or pip install pyroute2` };
}

// argv: kind phase items-file table-or-empty. Prints one JSON line: the result.
const PROGRAM = `
import json, os, resource, socket, sys, time
from pyroute2 import IPRoute, NetlinkError

kind, phase, path, table = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
table = int(table) if table else None
with open(path) as f:
    items = json.load(f)

ipr = IPRoute()
devs = {}
def oif(name):
    if name not in devs:
        found = ipr.link_lookup(ifname=name)
        devs[name] = found[0] if found else None
    if devs[name] is None:
        raise LookupError('no such device: ' + name)
    return devs[name]

def route_args(it):
    a = {'dst': it['dst'], 'table': it.get('table') or table or 254}
    if 'gateway' in it:
        a['gateway'] = it['gateway']
    if 'dev' in it:
        a['oif'] = oif(it['dev'])
    if 'nexthops' in it:
        a['multipath'] = []
        for h in it['nexthops']:
            hop = {'gateway': h['gateway'], 'hops': h.get('weight', 1) - 1}
            if 'dev' in h:
                hop['oif'] = oif(h['dev'])
            a['multipath'].append(hop)
    return a

def span(v):
    return '%d:%d' % ((v, v) if isinstance(v, int) else tuple(v))

def rule_args(it):
    a = {'priority': it['priority'], 'table': it['table']}
    for k in ('src', 'dst', 'fwmark'):
        if k in it:
            a[k] = it[k]
    if 'iif' in it:
        a['iifname'] = it['iif']
    if 'ipproto' in it:
        p = it['ipproto']
        a['ip_proto'] = int(p) if p.isdigit() else socket.getprotobyname(p)
    for k, name in (('sport', 'sport_range'), ('dport', 'dport_range'), ('uidrange', 'uid_range')):
        if k in it:
            a[name] = span(it[k])
    return a

def prepared(it):
    try:
        return (route_args if kind == 'routes' else rule_args)(it)
    except Exception as e:
        return e

call = ipr.route if kind == 'routes' else ipr.rule
command = {'load': 'add', 'replace': 'replace', 'delete': 'del'}.get(phase)
args = [prepared(it) for it in items] if command else []
ok = failed = 0
first = None

t0, c0 = time.perf_counter(), time.process_time()
if command:
    for i, a in enumerate(args):
        try:
            if isinstance(a, Exception):
                raise a
            call(command, **a)
            ok += 1
        except NetlinkError as e:
            failed += 1
            if first is None:
                msg = e.args[1] if len(e.args) > 1 else os.strerror(e.code)
                first = '%s %s: NetlinkError %d (%s)' % (command, json.dumps(items[i]), e.code, msg)
        except Exception as e:
            failed += 1
            if first is None:
                first = '%s %s: %s: %s' % (command, json.dumps(items[i]), type(e).__name__, e)
else:
    get = ipr.get_routes if kind == 'routes' else ipr.get_rules
    tables = [table] if table else sorted({it.get('table') or 254 for it in items})
    ok = sum(len(get(table=t)) for t in tables) if tables else len(get())
wall, cpu = time.perf_counter() - t0, time.process_time() - c0

ipr.close()
out = {'wall': wall, 'cpu': cpu, 'peakRss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, 'ok': ok, 'failed': failed}
if first is not None:
    out['firstError'] = first
print(json.dumps(out))
`;

/**
 * Runs one phase with pyroute2 in the network namespace behind `netnsPath` (e.g. `/proc/<pid>/fd/<fd>`):
 * 'load' adds every item, 'replace' replaces every item (routes only), 'delete' deletes every item,
 * 'dump' dumps and counts the entries of `opts.table`, else of the items' tables, else (no items)
 * of every table. Items without a table go to `opts.table`, else main. Failed items are counted,
 * not thrown; the first one's error is `firstError`. Throws when python itself fails.
 */
export function runPyroute2(
  py: { python: string },
  netnsPath: string,
  kind: 'routes' | 'rules',
  phase: 'load' | 'replace' | 'delete' | 'dump',
  items: RouteItem[] | RuleItem[],
  opts: { table?: number } = {},
): ToolPhaseResult & { firstError?: string } {
  if (kind === 'rules' && phase === 'replace') throw new Error('pyroute2: rules have no replace (the kernel ignores NLM_F_REPLACE for rules)');
  const file = join(tmpdir(), `netnest-pyroute2-${process.pid}-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(items), { flag: 'wx', mode: 0o600 });
  try {
    const argv = [`--net=${netnsPath}`, py.python, '-c', PROGRAM, kind, phase, file, String(opts.table ?? '')];
    const r = spawnSync('nsenter', argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`pyroute2 ${kind} ${phase}: cannot run nsenter: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`pyroute2 ${kind} ${phase} exited with ${r.status ?? r.signal}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ToolPhaseResult & { firstError?: string };
  } finally {
    rmSync(file, { force: true });
  }
}
