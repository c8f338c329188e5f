// Runs the compiled netnest command as a user does: a child process, which
// inherits the sandbox namespace of the test run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The compiled CLI beside this compiled test (dist/ or a private build folder).
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function netnest(...args: string[]): Promise<Result> {
  return run(process.execPath, [cli, ...args]);
}

/** The command run inside the namespace behind `fd` (an fd of this process). */
export function netnestIn(fd: number, ...args: string[]): Promise<Result> {
  return run('nsenter', [`--net=/proc/${process.pid}/fd/${fd}`, process.execPath, cli, ...args]);
}

function run(file: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs of `netnest ARGS` shared by the tests of a describe() that only read
 * what the command prints about a world built once: each command runs once
 * however many tests read it, and start() sets several going side by side
 * (call it at the end of the before() that builds the world).
 */
export class NetnestRuns {
  private readonly runs = new Map<string, Promise<Result>>();

  /** The run of `netnest ARGS`, started on first use. */
  run(...args: string[]): Promise<Result> {
    const key = JSON.stringify(args);
    let p = this.runs.get(key);
    if (!p) this.runs.set(key, (p = netnest(...args)));
    return p;
  }

  /** `netnest ARGS --json`, parsed; fails with its stderr when it exits non-zero. */
  async json<T>(...args: string[]): Promise<T> {
    const r = await this.run(...args, '--json');
    if (r.code !== 0) throw new Error(`netnest ${args.join(' ')} --json exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Starts these commands now, side by side (each an argument list; `--json` included where wanted). */
  start(...commands: string[][]): void {
    for (const args of commands) void this.run(...args);
  }

  /** Waits for every run started, so none outlives the describe. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.runs.values());
  }
}
