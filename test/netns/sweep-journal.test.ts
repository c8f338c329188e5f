// The crash journal and sweep(): what would outlive a process is written
// down before it exists; sweep() replays the journals of dead processes,
// reports without acting on a dry run, leaves kept namespaces unless asked,
// and never removes a name or a link that now means something else.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { NamespaceManager, processStartTime, Rtnl, sweep, type CreatedObject, type CreateObserver } from '../../src/index.js';
import type { JournalLine } from '../../src/netns/journal.js';
import { Child } from '../support/child.js';
import { journalFileLines, journalLines, linkIndex, linkNames, netnsNames, removeDir, removeNetnsNames, tempJournalDir, uniqueName, waitUntil } from '../support/netns.js';

// Makes a persistent and a process-bound namespace and, in the current
// namespace, a bridge and a rule; waits until the bridge's identity is
// journaled; with "keep", keeps its namespaces and exits cleanly; otherwise
// says it is ready and waits to be killed.
const BUILD = `
import { NamespaceManager } from __LIB__;
import { readdirSync, readFileSync } from 'node:fs';
const [journalDir, persistent, bound, keep] = process.argv.slice(2);
const m = new NamespaceManager({ journalDir });
const pers = m.create({ name: persistent, mode: 'persistent' });
const pb = m.create({ name: bound });
const anon = m.create();
await m.rtnl(anon).link.add({ name: 'anon0', kind: 'bridge' });
const here = m.rtnl();
await here.link.add({ name: 'js0', kind: 'bridge' });
await here.rule.add({ priority: 7200, fwmark: 72, table: 72 });
const made = () => readdirSync(journalDir).some((f) => readFileSync(journalDir + '/' + f, 'utf8').split('\\n').some((l) => l.includes('"obj-made"') && l.includes('"index"')));
while (!made()) await new Promise((r) => setTimeout(r, 5));
if (keep) {
  const names = m.keep();
  await m.dispose();
  console.log(JSON.stringify({ names }));
  process.exit(0);
}
console.log(JSON.stringify({ ready: true }));
setInterval(() => {}, 1000);
`;

describe('the crash journal and sweep()', () => {
  let journalDir: string;
  let child: Child | undefined;
  const names: string[] = [];

  beforeEach(() => {
    journalDir = tempJournalDir();
  });

  afterEach(async () => {
    try {
      await child?.dispose();
      child = undefined;
      const r = Rtnl.open();
      try {
        await r.link.del('js0').catch(() => undefined);
        await r.rule.del({ priority: 7200, fwmark: 72, table: 72 }).catch(() => undefined);
      } finally {
        r.close();
      }
    } finally {
      removeNetnsNames(names.splice(0));
      removeDir(journalDir);
    }
  });

  /** A dead child's journal: what it built is left behind for sweep(). */
  async function deadChild(): Promise<{ persistent: string; bound: string; pid: number }> {
    const persistent = uniqueName('js-p');
    const bound = uniqueName('js-pb');
    names.push(persistent, bound);
    child = new Child(BUILD, [journalDir, persistent, bound]);
    await child.line();
    await child.kill();
    return { persistent, bound, pid: child.pid };
  }

  it('writes each object to the journal before it is created', async () => {
    const m = new NamespaceManager({ journalDir });
    try {
      const here = m.rtnl();
      const seen: { obj: CreatedObject; journal: JournalLine[]; existed: boolean }[] = [];
      const observer = here.hooks.observer!;
      // Look at the journal and the kernel at the last moment before the request goes out.
      here.hooks.observer = {
        creating: async (obj: CreatedObject, scope: object) => {
          const token = await observer.creating(obj, scope);
          const probe = Rtnl.open();
          try {
            const existed = obj.object === 'link' ? (await probe.link.find(obj.spec.name)) !== undefined
              : (await probe.route.list({ table: 73 })).length > 0;
            seen.push({ obj, journal: journalLines(journalDir), existed });
          } finally {
            probe.close();
          }
          return token;
        },
        settled: (token, outcome) => observer.settled(token, outcome),
      } satisfies CreateObserver;

      await here.link.add({ name: 'wa0', kind: 'bridge' });
      await here.route.add({ dst: '10.73.0.0/24', type: 'blackhole', table: 73 });

      expect(seen.map((s) => [s.obj.object, s.existed])).to.deep.equal([['link', false], ['route', false]]);
      const [link, route] = seen;
      expect(link!.journal.at(-1)).to.deep.include({ t: 'obj', obj: { object: 'link', spec: { name: 'wa0', kind: 'bridge' } } });
      expect(route!.journal.at(-1)).to.deep.include({ t: 'obj' });
      expect((route!.journal.at(-1) as { obj: { spec: unknown } }).obj.spec).to.deep.include({ dst: '10.73.0.0/24', table: 73 });
      // The journal names its process by pid and start time.
      expect(link!.journal[0]).to.deep.include({ t: 'start', pid: process.pid });
      // Once made, the link's identity follows.
      const [file] = readdirSync(journalDir);
      const index = (await m.rtnl().link.get('wa0')).index;
      await waitUntil(() => journalFileLines(`${journalDir}/${file}`).some((l) => l.t === 'obj-made' && (l.id as { index?: number } | undefined)?.index === index), 'the link identity in the journal');
    } finally {
      await m.dispose();
    }
    expect(readdirSync(journalDir), 'a journal with nothing unresolved is removed').to.deep.equal([]);
  });

  it('a dry run reports what it would remove and removes nothing', async () => {
    const { persistent, bound, pid } = await deadChild();

    const dry = await sweep({ journalDir, dryRun: true });
    const expected = [`link js0 (pid ${pid})`, `rule priority 7200 (pid ${pid})`, `netns ${persistent} (pid ${pid})`, `netns ${bound} (pid ${pid})`];
    expect(dry.removed).to.have.members(expected);
    expect(dry.journals).to.deep.equal([]);
    expect(netnsNames()).to.include.members([persistent, bound]);
    expect(linkNames()).to.include('js0');
    expect(journalLines(journalDir)).not.to.deep.equal([]);

    const real = await sweep({ journalDir });
    expect(real.removed).to.have.members(expected);
    expect(netnsNames()).not.to.include.any.members([persistent, bound]);
    expect(linkNames()).not.to.include('js0');
  });

  it('a dry run looks before it reports: what someone else removed meanwhile is "already gone"', async () => {
    const { pid } = await deadChild();
    // The dead process's rule goes away by another hand before the sweep.
    execFileSync('ip', ['rule', 'del', 'priority', '7200']);

    const dry = await sweep({ journalDir, dryRun: true });
    expect(dry.removed).not.to.include(`rule priority 7200 (pid ${pid})`);
    expect(dry.skipped).to.include(`rule priority 7200 (pid ${pid}): already gone`);

    const real = await sweep({ journalDir });
    expect(real.skipped).to.include(`rule priority 7200 (pid ${pid}): already gone`);
  });

  it('kept namespaces are left by sweep() unless it is asked with kept: true', async () => {
    const persistent = uniqueName('js-kp');
    const bound = uniqueName('js-kpb');
    names.push(persistent, bound);
    child = new Child(BUILD, [journalDir, persistent, bound, 'keep']);
    const keepPrefix = `netnest-keep-${child.pid}-`;
    try {
      await child.line();
    } finally {
      await child.exit();
      names.push(...netnsNames().filter((n) => n.startsWith(keepPrefix)));
    }
    const kept = (JSON.parse(child.stdout) as { names: string[] }).names;

    // The persistent one keeps its name; the others got names that outlive the process.
    expect(kept).to.have.length(3);
    expect(kept).to.include(persistent);
    expect(netnsNames()).to.include.members(kept).and.not.include(bound);
    const anon = kept.find((n) => n !== persistent && JSON.parse(execFileSync('ip', ['-n', n, '-j', 'link', 'show'], { encoding: 'utf8' })).some((l: { ifname: string }) => l.ifname === 'anon0'));
    expect(anon, 'the anonymous namespace, kept with its contents').to.be.a('string');

    const plain = await sweep({ journalDir });
    expect(plain.removed).to.deep.equal([]);
    expect(plain.skipped).to.have.length(3);
    expect(plain.skipped.every((s) => s.includes('kept on purpose')), plain.skipped.join('\n')).to.equal(true);
    expect(netnsNames()).to.include.members(kept);

    const all = await sweep({ journalDir, kept: true });
    expect(all.removed.map((l) => l.replace(/ \(pid \d+\)$/, ''))).to.have.members(kept.map((n) => `netns ${n}`));
    expect(netnsNames()).not.to.include.any.members(kept);
    expect(all.journals).to.have.length(1);
  });

  it('a journal whose pid now belongs to another process (other start time) counts as dead', async () => {
    const start = processStartTime(process.pid)!;
    const write = (file: string, startTime: number, name: string): void => {
      // A process-bound name whose target is gone: what a crashed process leaves.
      const target = '/proc/2147483647/fd/3';
      symlinkSync(target, `/run/netns/${name}`);
      writeFileSync(`${journalDir}/${file}`, `${[
        { t: 'start', pid: process.pid, start: startTime, at: new Date().toISOString() },
        { t: 'ns', seq: 1, name, mode: 'process-bound', target },
      ].map((l) => JSON.stringify(l)).join('\n')}\n`);
    };
    const reused = uniqueName('js-reused');
    const alive = uniqueName('js-alive');
    names.push(reused, alive);
    mkdirSync('/run/netns', { recursive: true });
    write('reused.jsonl', start - 1, reused);
    write('alive.jsonl', start, alive);

    const report = await sweep({ journalDir });
    expect(report.removed).to.deep.equal([`netns ${reused} (pid ${process.pid})`]);
    expect(report.live).to.deep.equal([{ pid: process.pid, journal: `${journalDir}/alive.jsonl` }]);
    expect(netnsNames()).to.include(alive).and.not.include(reused);
  });

  it('a name that now means another namespace, or a link name now on another link, is left alone', async () => {
    const { persistent, bound, pid } = await deadChild();
    // Someone else takes the names over after the crash.
    execFileSync('ip', ['netns', 'del', persistent]);
    execFileSync('ip', ['netns', 'add', persistent]);
    const dangling = readlinkSync(`/run/netns/${bound}`);
    execFileSync('ip', ['netns', 'del', bound]);
    symlinkSync(`/proc/${process.pid}/ns/net`, `/run/netns/${bound}`);
    const theirs = await linkIndex('js0');
    const r = Rtnl.open();
    try {
      await r.link.del('js0');
      await r.link.add({ name: 'js0', kind: 'bridge' });
    } finally {
      r.close();
    }
    expect(dangling).to.match(new RegExp(`^/proc/${pid}/fd/\\d+$`));

    const report = await sweep({ journalDir });
    expect(report.removed).to.deep.equal([`rule priority 7200 (pid ${pid})`]);
    expect(report.skipped).to.have.members([
      `link js0 (pid ${pid}): the name now belongs to another link (index ${await linkIndex('js0')}, created ${theirs})`,
      `netns ${persistent} (pid ${pid}): the name now means another namespace`,
      `netns ${bound} (pid ${pid}): the name now points elsewhere`,
    ]);
    expect(netnsNames()).to.include.members([persistent, bound]);
    expect(linkNames()).to.include('js0');
  });

  it('finishes what a process killed mid-step left: a journal without its head, a bare placeholder name', async () => {
    // Killed between creating its journal file and writing to it: an empty file, named PID-START-*.jsonl.
    const dead = 2147483646;
    writeFileSync(`${journalDir}/${dead}-12345-abcdef.jsonl`, '');
    // Killed between unmounting a persistent name and unlinking it: the empty placeholder file,
    // which the journal claimed (with the namespace it bound there) and never released.
    const name = uniqueName('js-placeholder');
    names.push(name);
    mkdirSync('/run/netns', { recursive: true });
    writeFileSync(`/run/netns/${name}`, '', { mode: 0o444 });
    writeFileSync(`${journalDir}/${dead}-12346-fedcba.jsonl`, `${[
      { t: 'start', pid: dead, start: 12346, at: new Date().toISOString() },
      { t: 'ns', seq: 1, name, mode: 'persistent', inode: 4026531999, dev: 4 },
      { t: 'ns-made', seq: 1, inode: 4026531999, dev: 4 }, // as journals before inode-in-`ns` said it
    ].map((l) => JSON.stringify(l)).join('\n')}\n`);

    const report = await sweep({ journalDir });
    expect(report.failed).to.deep.equal([]);
    expect(report.removed).to.deep.equal([`netns ${name} (pid ${dead})`]);
    expect(report.journals).to.have.members([`${journalDir}/${dead}-12345-abcdef.jsonl`, `${journalDir}/${dead}-12346-fedcba.jsonl`]);
    expect(netnsNames()).to.not.include(name);
    expect(readdirSync(journalDir)).to.deep.equal([]);
  });
});
