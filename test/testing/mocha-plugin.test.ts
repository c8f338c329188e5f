// The netnest/mocha plugin and the fixtures as a user meets them: an inner
// mocha run (a child process, the compiled plugin given with --require, the
// fixtures imported from netnest/testing) whose test builds namespaces,
// veths, routes and rules and then throws. useNamespaces() cleans up after
// it and gives the next test a fresh manager; the run's exit code reports the
// failure. A test that changes the pinned host fails the run. With
// NETNEST_KEEP=1 the failing test's namespaces are kept, named, and the plugin
// says how to enter them.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweep } from '../../src/index.js';
import { FIXTURES_URL, LIB_URL, PLUGIN_PATH } from '../support/child.js';
import { netnsNames, removeDir, removeNetnsNames, tempJournalDir, uniqueName } from '../support/netns.js';

const MOCHA = fileURLToPath(new URL('../../../node_modules/mocha/bin/mocha.js', import.meta.url));

const SPEC = `
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { useNamespaces } from ${JSON.stringify(FIXTURES_URL)};
import { currentNetnsId } from ${JSON.stringify(LIB_URL)};
const { NNTEST_JOURNAL: journalDir, NNTEST_BOUND: bound, NNTEST_PERSISTENT: persistent } = process.env;
const ip = (...args) => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }) || '[]');

describe('inner', () => {
  const nn = useNamespaces({ journalDir });
  let first;

  it('builds a topology and throws', async () => {
    first = nn();
    const here = nn().rtnl();
    const a = nn().create({ name: bound });
    const b = nn().create({ name: persistent, mode: 'persistent' });
    const c = nn().create();
    await here.link.add({ name: 'in0', kind: 'veth', up: true, peer: { name: 'in1', netns: c.fd, up: true } });
    await here.addr.add({ dev: 'in0', local: '10.77.0.1/24' });
    await here.route.add({ dst: '10.78.0.0/24', gateway: '10.77.0.2' });
    await here.rule.add({ priority: 777, fwmark: 77, table: 77 });
    await here.link.add({ name: 'ina', kind: 'veth', peer: { name: 'ina1', netns: a.fd } });
    await nn().rtnl(b).route.add({ dst: '10.79.0.0/24', type: 'blackhole' });
    throw new Error('deliberate failure after building');
  });

  it('the next test has a fresh manager and a clean world', () => {
    assert.notEqual(nn(), first);
    assert.deepEqual(nn().namespaces, []);
    assert.equal(nn().root.id, currentNetnsId());
    assert.deepEqual(ip('link', 'show').map((l) => l.ifname), ['lo']);
    assert.deepEqual(ip('route', 'show', 'table', 'all').filter((r) => r.dst === '10.78.0.0/24'), []);
    assert.deepEqual(ip('rule', 'show').filter((r) => r.priority === 777), []);
    // (Under NETNEST_KEEP=1 the failing test's namespaces are kept on purpose.)
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    if (process.env.NETNEST_KEEP !== '1') assert.ok(!names.includes(bound) && !names.includes(persistent), names);
  });
});
`;

// A test that reaches past its sandbox into the pinned host (here: our own world).
const LEAKY_SPEC = `
import { sandbox } from ${JSON.stringify(FIXTURES_URL)};
describe('inner', () => {
  it('changes the host', async () => {
    const host = sandbox().host.rtnl();
    try {
      await host.link.add({ name: 'leak0', kind: 'bridge' });
    } finally {
      host.close();
    }
  });
});
`;

interface Run {
  code: number | null;
  pid: number;
  stdout: string;
  stderr: string;
}

function runMocha(dir: string, env: NodeJS.ProcessEnv, source = SPEC): Promise<Run> {
  const spec = join(dir, 'inner.test.mjs');
  writeFileSync(spec, source);
  const p = spawn(process.execPath, [MOCHA, '--no-config', '--no-package', '--require', PLUGIN_PATH, '--timeout', '10000', '--reporter', 'spec', spec], {
    cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`the inner mocha run did not finish in 15 s:\n${stdout}\n${stderr}`));
    }, 15000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, pid: p.pid!, stdout, stderr });
    });
  });
}

describe('the netnest/mocha fixtures in an inner mocha run', () => {
  let dir: string;
  let journalDir: string;
  const names: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `netnest-mocha-${process.pid}-`));
    journalDir = tempJournalDir();
  });

  afterEach(() => {
    try {
      removeNetnsNames(names.splice(0));
    } finally {
      removeDir(dir);
      removeDir(journalDir);
    }
  });

  it('useNamespaces() cleans up after a test that throws and the run fails with it', async () => {
    const bound = uniqueName('mf-pb');
    const persistent = uniqueName('mf-p');
    names.push(bound, persistent);

    const run = await runMocha(dir, { NNTEST_JOURNAL: journalDir, NNTEST_BOUND: bound, NNTEST_PERSISTENT: persistent, NETNEST_KEEP: '' });

    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stdout).to.match(/1 passing/).and.match(/1 failing/).and.include('deliberate failure after building');
    expect(run.stdout + run.stderr).not.to.include("host's network state changed");
    expect(netnsNames()).not.to.include.any.members([bound, persistent]);
    expect(readdirSync(journalDir), 'journals left behind').to.deep.equal([]);
  });

  it('the plugin fails the run when a test changed the pinned host', async () => {
    try {
      const run = await runMocha(dir, {}, LEAKY_SPEC);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.stdout).to.match(/1 passing/).and.include("netnest/mocha: the host's network state changed during the run:");
      expect(run.stdout).to.match(/^\s*\+ link leak0 \(kind bridge/m);
    } finally {
      execFileSync('sh', ['-c', 'ip link del leak0 2>/dev/null; true']);
    }
  });

  it('with NETNEST_KEEP=1 the failing test\'s namespaces are kept, named, and the plugin says how to enter them', async () => {
    const bound = uniqueName('mfk-pb');
    const persistent = uniqueName('mfk-p');
    names.push(bound, persistent);

    const run = await runMocha(dir, { NNTEST_JOURNAL: journalDir, NNTEST_BOUND: bound, NNTEST_PERSISTENT: persistent, NETNEST_KEEP: '1' });
    const kept = [...run.stderr.matchAll(/ip netns exec (\S+) bash/g)].map((m) => m[1]!);
    // Whatever the inner run kept is ours to remove, whether or not its message parsed.
    names.push(...netnsNames().filter((n) => n.startsWith(`netnest-keep-${run.pid}-`)));

    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stderr).to.include('kept the namespaces of "inner builds a topology and throws"');
    expect(kept).to.have.length(3);
    expect(kept).to.include(persistent);
    expect(kept.filter((n) => n !== persistent).every((n) => n.startsWith(`netnest-keep-${run.pid}-`))).to.equal(true);
    expect(netnsNames()).to.include.members(kept);
    // What the test built is there to inspect.
    const routes = JSON.parse(await ipIn(persistent, ['-j', 'route', 'show'])) as { dst: string }[];
    expect(routes.map((r) => r.dst)).to.include('10.79.0.0/24');

    const report = await sweep({ journalDir, kept: true });
    expect(report.failed).to.deep.equal([]);
    expect(report.removed.map((l) => l.replace(/ \(pid \d+\)$/, ''))).to.include.members(kept.map((n) => `netns ${n}`));
    expect(netnsNames()).not.to.include.any.members(kept);
  });
});

function ipIn(name: string, args: string[]): Promise<string> {
  const p = spawn('ip', ['-n', name, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => p.on('exit', () => resolve(out)));
}
