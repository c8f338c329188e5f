// `netnest sweep` removes what a dead netnest process left behind, as its
// crash journal lists it, and nothing else. Every test writes journals by
// hand (the JSON lines src/netns/journal.ts writes) into a directory of its
// own, never /run/netnest, so the journals of other processes are never read.
// Names in /run/netns are global: each test removes its own, by exact name.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rtnl } from '../../src/index.js';
import { processStartTime } from '../../src/netns/syscalls.js';
import { netnest } from '../support/cli.js';

const NETNS = '/run/netns';
let serial = 0;

/** A pid that names no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  if (r.pid === undefined || processStartTime(r.pid) !== undefined) throw new Error('could not find a dead pid');
  return r.pid;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('netnest sweep', () => {
  let dir: string;
  /** Names this test put in /run/netns: removed after it, whatever happened. */
  let names: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `netnest-sweep-test-${process.pid}-`));
    names = [];
  });

  afterEach(() => {
    for (const name of names) {
      const path = `${NETNS}/${name}`;
      if (!exists(path)) continue;
      if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
      else execFileSync('ip', ['netns', 'del', name]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function uniqueName(): string {
    const name = `nntest-sweep-${process.pid}-${++serial}`;
    names.push(name);
    return name;
  }

  /** A journal of process `pid` (started at `start`) holding `lines` after its start line; returns its path. */
  function journal(pid: number, start: number, lines: object[]): string {
    const path = join(dir, `${pid}-${start}-test${serial}.jsonl`);
    const head = { t: 'start', pid, start, at: new Date().toISOString() };
    writeFileSync(path, [head, ...lines].map((l) => `${JSON.stringify(l)}\n`).join(''));
    return path;
  }

  /** What a process-bound namespace leaves when its process dies: a name pointing into the dead process's fds. */
  function danglingName(pid: number): { name: string; target: string } {
    const name = uniqueName();
    const target = `/proc/${pid}/fd/5`;
    mkdirSync(NETNS, { recursive: true, mode: 0o755 });
    symlinkSync(target, `${NETNS}/${name}`);
    return { name, target };
  }

  function processBound(name: string, target: string): object[] {
    return [
      { t: 'ns', seq: 1, name, mode: 'process-bound', target },
      { t: 'ns-made', seq: 1, inode: 4026599999, dev: 4 },
    ];
  }

  it("removes a dead process's dangling namespace name, then its journal", async () => {
    const pid = deadPid();
    const { name, target } = danglingName(pid);
    const file = journal(pid, 12345, processBound(name, target));

    const r = await netnest('sweep', '--journal-dir', dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^removed\\s+netns ${name} \\(pid ${pid}\\)$`, 'm'));
    expect(r.stdout).to.include(`done     journal ${file} deleted`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).to.equal(`sweep of ${dir}: 1 removed, 0 skipped, 0 unknown, 0 live processes left alone, 0 failed`);
    expect(exists(`${NETNS}/${name}`), 'the name is gone').to.equal(false);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('--dry-run says what it would remove and changes nothing', async () => {
    const pid = deadPid();
    const { name, target } = danglingName(pid);
    const file = journal(pid, 12345, processBound(name, target));

    const r = await netnest('sweep', '--dry-run', '--journal-dir', dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^would remove\\s+netns ${name} \\(pid ${pid}\\)$`, 'm'));
    expect(r.stdout).to.match(/^dry run, nothing changed: sweep of .*: 1 to remove,/m);
    expect(exists(`${NETNS}/${name}`), 'the name is still there').to.equal(true);
    expect(exists(file), 'the journal is still there').to.equal(true);
  });

  it("leaves a live process's journal alone, but not one whose pid was reused", async () => {
    // This test run is alive: a journal naming it, with its real start time, is a live one.
    const live = danglingName(process.pid);
    const liveFile = journal(process.pid, processStartTime(process.pid)!, processBound(live.name, live.target));
    // The same pid with another start time is a dead process whose pid the test run got later.
    const reused = danglingName(process.pid);
    journal(process.pid, processStartTime(process.pid)! - 1, processBound(reused.name, reused.target));

    const r = await netnest('sweep', '--journal-dir', dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`live     pid ${process.pid} is running: its journal ${liveFile} is left alone`);
    expect(exists(`${NETNS}/${live.name}`), "the live process's name is still there").to.equal(true);
    expect(exists(liveFile)).to.equal(true);
    expect(r.stdout).to.match(new RegExp(`^removed\\s+netns ${reused.name} \\(pid ${process.pid}\\)$`, 'm'));
    expect(exists(`${NETNS}/${reused.name}`), "the dead process's name is gone").to.equal(false);
  });

  it('removes a namespace kept for inspection only when given --kept', async () => {
    const name = uniqueName();
    execFileSync('ip', ['netns', 'add', name]);
    const st = statSync(`${NETNS}/${name}`);
    const pid = deadPid();
    journal(pid, 12345, [
      { t: 'ns', seq: 1, name, mode: 'persistent' },
      { t: 'ns-made', seq: 1, inode: st.ino, dev: st.dev },
      { t: 'ns-kept', seq: 1 },
    ]);

    const plain = await netnest('sweep', '--journal-dir', dir);
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.match(new RegExp(`^skipped\\s+netns ${name} \\(pid ${pid}\\): kept on purpose`, 'm'));
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).to.match(new RegExp(`^${name}\\b`, 'm'));

    const kept = await netnest('sweep', '--kept', '--journal-dir', dir);
    expect(kept.code, kept.stderr).to.equal(0);
    expect(kept.stdout).to.match(new RegExp(`^removed\\s+netns ${name} \\(pid ${pid}\\)$`, 'm'));
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).to.not.match(new RegExp(`^${name}\\b`, 'm'));
  });

  it('--json reports a route it removed and one it could not, and exits 1', async () => {
    // A dead process added a route in a namespace it did not own: this one, the test run's.
    const rtnl = Rtnl.open();
    try {
      await rtnl.route.add({ dst: '198.51.100.0/24', type: 'blackhole', table: 4242 });
      const here = statSync(`/proc/${process.pid}/ns/net`);
      const ns = { inode: here.ino, dev: here.dev, paths: [`/proc/${process.pid}/ns/net`] };
      const pid = deadPid();
      journal(pid, 12345, [
        { t: 'obj', seq: 1, ns, obj: { object: 'route', mode: 'add', spec: { dst: '198.51.100.0/24', type: 'blackhole', table: 4242 } } },
        { t: 'obj-made', seq: 1 },
        // A line this sweep cannot act on (not a prefix): reported as a failure, the journal kept.
        { t: 'obj', seq: 2, ns, obj: { object: 'route', mode: 'add', spec: { dst: 'not-a-prefix', table: 4242 } } },
        { t: 'obj-made', seq: 2 },
      ]);

      const r = await netnest('sweep', '--json', '--journal-dir', dir);
      expect(r.code).to.equal(1);
      const report = JSON.parse(r.stdout) as { removed: string[]; failed: { what: string; error: string; code?: string }[]; journals: string[] };
      expect(report.removed).to.deep.equal([`route 198.51.100.0/24 table 4242 (pid ${pid})`]);
      expect(report.failed).to.have.length(1);
      expect(report.failed[0]).to.include({ what: `route not-a-prefix table 4242 (pid ${pid})`, code: 'ERR_INVALID_ARGUMENT' });
      expect(report.journals, 'a journal with a failure is kept').to.deep.equal([]);
      expect(await rtnl.route.list({ table: 4242 })).to.deep.equal([]);
    } finally {
      await rtnl.route.flush({ table: 4242 }).catch(() => undefined);
      rtnl.close();
    }
  });
});
