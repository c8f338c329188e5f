// Running netnest as an unprivileged user (nobody) from a test that runs as
// root: a directory of the test's own, reachable by nobody, with the package
// bound under it (in a mount namespace of the run's own, so wherever the clone
// lives, nothing is mounted on the host), the user's runtime directory beside it.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTime } from '../../src/netns/syscalls.js';
import { removeDir } from './netns.js';
import { realRoot } from './privilege.js';
import { skipBecause } from './skip.js';

export const NOBODY = 65534;
/** The package root (dist/test/support/ -> ../../..). */
export const PACKAGE = fileURLToPath(new URL('../../../', import.meta.url));

export interface Run {
  status: number | null;
  out: string;
}

/** Runs a command and collects its output (stdout and stderr together); killed after 60 s. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  const p = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

/** Skips unless the test runs as root with util-linux's setpriv and unshare. */
export function needRootAndUtilLinux(ctx: Mocha.Context): void {
  if (!realRoot()) skipBecause(ctx, 'needs real root to start a run as an unprivileged user and to check the real host');
  for (const tool of ['setpriv', 'unshare', 'nsenter']) {
    if (spawnSync(tool, ['--version']).status !== 0) skipBecause(ctx, `util-linux's ${tool} is not installed`);
  }
}

/** A place for one test's rootless runs: `pkg` (the package, once bound), `xdg` (nobody's runtime directory). */
export class NobodyPlace {
  readonly dir = mkdtempSync('/tmp/netnest-rootless-');
  readonly pkg = join(this.dir, 'pkg');
  readonly xdg = join(this.dir, 'xdg');
  /** nobody's TMPDIR: what a run writes there (the demo's diagram) goes with the place. */
  readonly tmp = join(this.dir, 'tmp');

  constructor() {
    chmodSync(this.dir, 0o755);
    mkdirSync(this.pkg);
    for (const d of [this.xdg, this.tmp]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, NOBODY, NOBODY);
    }
  }

  /** `argv` (paths under `pkg` reach the package) as nobody, in `dir`, with `env` added to a bare environment. */
  run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"';
    const nobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv];
    return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', PACKAGE, this.pkg, ...nobody], {
      PATH: process.env.PATH, XDG_RUNTIME_DIR: this.xdg, TMPDIR: this.tmp, ...env,
    }, this.dir);
  }

  /** `netnest ARGS...` as nobody. */
  netnest(...args: string[]): Promise<Run> {
    return this.run([process.execPath, join(this.pkg, 'bin/netnest.js'), ...args]);
  }

  /** The home's keeper, while its record is there: { pid, start }. */
  home(): { pid: number; start: number } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.xdg, 'netnest/home.json'), 'utf8')) as { pid: number; start: number };
    } catch {
      return undefined;
    }
  }

  /** Stops a keeper a failed test left (by its recorded pid, if that process is still the keeper), then removes the place. */
  remove(): void {
    const home = this.home();
    if (home && processStartTime(home.pid) === home.start) process.kill(home.pid, 'SIGKILL');
    removeDir(this.dir);
  }
}
