// Child node processes that use the compiled library (or the mocha plugin):
// a script written to a directory of its own, started in the test's
// namespace or another, talking in JSON lines on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Namespace } from '../../src/netns/namespace.js';
import { removeDir } from './netns.js';

/**
 * The compiled library, its test fixtures (netnest/testing: no side effect)
 * and its mocha plugin (netnest/mocha: enters the sandbox when loaded), as
 * file URLs a child script can import.
 */
export const LIB_URL = new URL('../../src/index.js', import.meta.url).href;
export const FIXTURES_URL = new URL('../../src/testing/fixtures.js', import.meta.url).href;
export const PLUGIN_URL = new URL('../../src/testing/mocha.js', import.meta.url).href;
export const PLUGIN_PATH = fileURLToPath(PLUGIN_URL);

/**
 * A child node process running an ESM script. The script's source may use
 * __LIB__ (the compiled library's URL) and __PLUGIN__ (the mocha plugin's URL). It
 * talks in lines on stdout; the test reads them with line().
 */
export class Child {
  readonly proc: ChildProcess;
  readonly dir: string;
  stdout = '';
  stderr = '';
  private lines: string[] = [];
  private wake: (() => void) | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `netns`: start the child inside that namespace instead of the test's own. */
  constructor(source: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, netns?: Namespace) {
    this.dir = mkdtempSync(join(tmpdir(), `netnest-child-${process.pid}-`));
    const script = join(this.dir, 'child.mjs');
    writeFileSync(script, source.replaceAll('__LIB__', JSON.stringify(LIB_URL)).replaceAll('__PLUGIN__', JSON.stringify(PLUGIN_URL)));
    const opts = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } };
    this.proc = netns ? netns.spawn(process.execPath, [script, ...args], opts) : spawn(process.execPath, [script, ...args], opts);
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const before = this.stdout.split('\n').length - 1;
      this.stdout += d;
      const all = this.stdout.split('\n');
      this.lines.push(...all.slice(before, all.length - 1));
      this.wake?.();
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      resolve({ code, signal });
      this.wake?.();
    }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next line the child prints, parsed as JSON; fails if the child exits first or after timeoutMs. */
  async line<T = Record<string, unknown>>(timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`child exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing a line; stderr:\n${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`child printed no line within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
    return JSON.parse(this.lines.shift()!) as T;
  }

  send(text: string): void {
    this.proc.stdin!.write(`${text}\n`);
  }

  /** Resolves once the child has exited and been reaped (so it no longer looks alive in /proc). */
  exit(timeoutMs = 10000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`child did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs).unref()),
    ]);
  }

  /** SIGKILLs the child (by its pid, through its handle) and waits until it is reaped. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exit();
  }

  /** For afterEach: kills the child if it still runs and removes its script directory. */
  async dispose(): Promise<void> {
    await this.kill().catch(() => undefined);
    removeDir(this.dir);
  }
}

/** How a child run by runModule() ended, and what it printed (trimmed). */
export interface ModuleRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module given as source in a node child — with `unshare: true`
 * in a network namespace of its own — and resolves with its exit and
 * output, never rejects. It is killed after `timeoutMs`: a bound on "exits
 * by itself", not a speed requirement. Asynchronous, so that independent
 * children can run side by side.
 */
export function runModule(code: string, opts: { unshare?: boolean; timeoutMs?: number } = {}): Promise<ModuleRun> {
  const node = [process.execPath, '--input-type=module', '-e', code];
  const [file, ...args] = opts.unshare ? ['unshare', '-n', ...node] : node;
  const p = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 10_000 });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    p.on('error', (e) => resolve({ status: null, signal: null, stdout: stdout.trim(), stderr: `${stderr}${e.message}`.trim() }));
    p.on('close', (status, signal) => resolve({ status, signal, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}
