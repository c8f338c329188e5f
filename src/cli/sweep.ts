// `netnest sweep`: removes what dead processes left behind, as their crash
// journals list it (src/netns/sweep.ts does the work and every identity
// check). This file only chooses the journal directory and prints the
// report: one line per thing, a word first, so that grep finds each kind.
import { NetnestError } from '../netlink/core/errors.js';
import { runtimeDirs } from '../netns/runtime.js';
import { sweep, type SweepReport } from '../netns/sweep.js';
import { toJson } from './format.js';

export interface SweepCommandOptions {
  dryRun?: boolean;
  kept?: boolean;
  journalDir?: string;
  json?: boolean;
}

/** Runs the sweep, prints its report and returns the exit status: 1 when anything failed. */
export async function sweepCommand(opts: SweepCommandOptions, write: (s: string) => void): Promise<number> {
  const journalDir = opts.journalDir ?? runtimeDirs().journals;
  const dryRun = opts.dryRun ?? false;
  const report = await sweep({ journalDir, dryRun, kept: opts.kept ?? false });
  write(opts.json ? sweepJson(report, journalDir, dryRun) : sweepText(report, journalDir, dryRun));
  return report.failed.length > 0 ? 1 : 0;
}

function sweepJson(r: SweepReport, journalDir: string, dryRun: boolean): string {
  return toJson({
    journalDir,
    dryRun,
    removed: r.removed,
    skipped: r.skipped,
    unknown: r.unknown,
    live: r.live,
    failed: r.failed.map((f) => ({ what: f.what, error: f.error.message, ...(f.error instanceof NetnestError && { code: f.error.code }) })),
    journals: r.journals,
  });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function sweepText(r: SweepReport, journalDir: string, dryRun: boolean): string {
  const lines: string[] = [];
  // In a dry run sweep() reports what it would remove as "removed"; say so.
  for (const s of r.removed) lines.push(`${dryRun ? 'would remove' : 'removed'}  ${s}`);
  for (const s of r.skipped) lines.push(`skipped  ${s}`);
  for (const s of r.unknown) lines.push(`unknown  ${s}`);
  for (const l of r.live) lines.push(`live     pid ${l.pid} is running: its journal ${l.journal} is left alone`);
  for (const f of r.failed) lines.push(`failed   ${f.what}: ${f.error.message}`);
  for (const j of r.journals) lines.push(`done     journal ${j} deleted`);
  const counts = [
    `${r.removed.length} ${dryRun ? 'to remove' : 'removed'}`,
    `${r.skipped.length} skipped`,
    `${r.unknown.length} unknown`,
    `${plural(r.live.length, 'live process', 'live processes')} left alone`,
    `${r.failed.length} failed`,
  ];
  lines.push(`${dryRun ? 'dry run, nothing changed: ' : ''}sweep of ${journalDir}: ${counts.join(', ')}`);
  return lines.join('\n');
}
