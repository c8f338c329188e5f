// netnest up / verify / show / exec / down as a user runs them: separate
// processes, the topology standing between them. Each test keeps its
// topologies in a directory of its own and names them after this process
// (named namespaces are global), and removes exactly those.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsNames, removeNetnsNames } from '../support/netns.js';
import { netnest } from '../support/cli.js';
import { runtimeDirs } from '../../src/netns/runtime.js';

describe('netnest up, verify, show, exec and down', () => {
  let dir: string;
  let name: string;
  let file: string;
  let serial = 0;

  const spec = (extraRoute = ''): string => `
name: ${name}
namespaces:
  r1:
    sysctl: { net.ipv4.ip_forward: 1 }
    links:
      br0: { kind: bridge, addresses: [10.80.1.1/24] }
      e0:  { kind: veth, peer: r2/e0, addresses: [10.80.12.1/30] }
    routes:
      - { dst: 20.80.0.0/24, type: blackhole, table: 100, count: 10 }${extraRoute}
    rules:
      - { priority: 1000, fwmark: 0x80, table: 100 }
  r2:
    links:
      e0: { addresses: [10.80.12.2/30] }
    routes:
      - { dst: default, gateway: 10.80.12.1 }
current:
  links:
    ${name.slice(-8)}: { kind: veth, peer: r1/up0, addresses: [192.0.2.201/30] }
`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `netnest-topo-${process.pid}-`));
    name = `nt${process.pid}x${++serial}`;
    file = join(dir, 'lab.yaml');
    writeFileSync(file, spec());
  });

  afterEach(async () => {
    try {
      // Only when something may still stand (a test that took its topology down
      // itself, or never built one, has checked that nothing is left).
      const standing = existsSync(join(dir, 'state', name)) || netnsNames().some((n) => n === `${name}-r1` || n === `${name}-r2`);
      if (standing) await netnest('down', name, '--state-dir', join(dir, 'state'), '--journal-dir', join(dir, 'journal'));
    } finally {
      removeNetnsNames([`${name}-r1`, `${name}-r2`]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const state = (): string[] => ['--state-dir', join(dir, 'state')];
  const upArgs = (): string[] => [...state(), '--journal-dir', join(dir, 'journal')];
  /** The crash journals up leaves: none once the topology is kept. */
  const journals = (): string[] => (existsSync(join(dir, 'journal')) ? readdirSync(join(dir, 'journal')) : []);

  it('up builds and leaves it standing; verify, show and exec see it from other processes; down removes it', async () => {
    const up = await netnest('up', file, ...upArgs());
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stdout).to.match(new RegExp(`^built topology ${name} in \\d+ ms: 2 namespaces`, 'm'));
    expect(journals()).to.deep.equal([]);
    expect(netnsNames()).to.include.members([`${name}-r1`, `${name}-r2`]);

    // Three processes that only look at it, side by side.
    const [verify, show, exec] = await Promise.all([
      netnest('verify', file),
      netnest('show', name, ...state()),
      netnest('exec', name, 'r2', '--', 'ip', '-j', 'route', 'show', 'default'),
    ]);
    expect(verify.code, verify.stdout).to.equal(0);
    expect(verify.stdout).to.include(`topology ${name} matches`);
    expect(show.stdout).to.include(`netnest exec ${name} r1 -- bash`);
    // As root, ip netns exec reaches the names too; a run without root keeps them in its own /run/netns.
    if (runtimeDirs().mode === 'root') expect(show.stdout).to.include(`ip netns exec ${name}-r2 bash`);
    expect(exec.code, exec.stderr).to.equal(0);

    const down = await netnest('down', file, ...state(), '--journal-dir', join(dir, 'journal'));
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stdout).to.include(`removed  netns ${name}-r1`).and.include(`topology ${name}:`);
    expect(netnsNames()).to.not.include.any.members([`${name}-r1`, `${name}-r2`]);
    const again = await netnest('down', name, ...state(), '--journal-dir', join(dir, 'journal'));
    expect(again.stdout).to.include(`topology ${name}: nothing to remove`);
  });

  it('verify sees changes made behind its back with ip (exit 1); up again puts back only those, and once more changes nothing', async () => {
    expect((await netnest('up', file, ...upArgs())).code).to.equal(0);
    execFileSync('ip', ['netns', 'exec', `${name}-r1`, 'ip', 'route', 'del', '20.80.3.0/24', 'table', '100']);
    execFileSync('ip', ['netns', 'exec', `${name}-r1`, 'ip', 'rule', 'add', 'priority', '77', 'table', '77']);
    // verify and a dry run only look: side by side.
    const [verify, dry] = await Promise.all([netnest('verify', file), netnest('up', file, '--dry-run', ...upArgs())]);
    expect(verify.code).to.equal(1);
    expect(verify.stdout.split('\n')).to.include.members([
      'missing   namespaces.r1.routes[0]#3: route 20.80.3.0/24 table 100',
      'extra     namespaces.r1: rule priority 77 (lookup 77)',
    ]);
    expect(dry.stdout).to.include('2 changes planned, none made');

    const fix = await netnest('up', file, ...upArgs());
    expect(fix.code, fix.stderr).to.equal(0);
    expect(fix.stdout.split('\n')).to.include.members([
      'removed      namespaces.r1: rule priority 77 (lookup 77)', 'added        namespaces.r1.routes[0]#3: route 20.80.3.0/24 table 100',
    ]);
    expect((await netnest('verify', file)).code).to.equal(0);
    expect(journals()).to.deep.equal([]);

    // After editing the spec, up applies the difference only.
    writeFileSync(file, spec('\n      - { dst: 30.80.0.0/16, type: unreachable }'));
    const edited = await netnest('up', file, ...upArgs());
    expect(edited.stdout.split('\n').filter((l) => /^(added|changed|removed)/.test(l))).to.deep.equal(['added        namespaces.r1.routes[1]: route 30.80.0.0/16']);
  });

  it('an invalid spec prints every problem with its place, exits 1 and makes nothing', async () => {
    writeFileSync(file, `name: ${name}\nnamespaces:\n  r1:\n    links:\n      e0: { kind: veth, peer: r9/e0 }\n    routes:\n      - { dst: 20.0.0.0/8, table: 0, type: blackhole }\n`);
    const r = await netnest('up', file, ...upArgs());
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include("namespaces.r1.links.e0.peer: no namespace 'r9' in the spec").and.include('namespaces.r1.routes[0].table: table 0 is not a table');
    expect(netnsNames()).to.not.include(`${name}-r1`);
  });
});
