// The rootless home: a user namespace (with a network and a mount namespace)
// that outlives one netnest command, so that `netnest up` can leave a
// topology standing without root and `verify`, `show`, `exec` and `down` find
// it later. A keeper process holds it — `sleep infinity`, started by
// unshare(1) — and each command joins it with nsenter(1). Its network
// namespace is the rootless user's "host": what `up` adds to the current
// namespace lands there, never in the machine's own.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { NetnestError } from '../netlink/core/errors.js';
import { userRuntimeBase } from './runtime.js';
import { processAlive, processStartTime, processStat, type ProcessStat } from './syscalls.js';

export interface Home {
  /** The keeper's pid and start time (a reused pid is not the keeper). */
  readonly pid: number;
  readonly start: number;
}

const file = (): string => `${userRuntimeBase()}/home.json`;

/** The home of this user, when its keeper runs. */
export function runningHome(): Home | undefined {
  let home: Home;
  try {
    home = JSON.parse(readFileSync(file(), 'utf8')) as Home;
  } catch {
    return undefined;
  }
  return Number.isInteger(home.pid) && readyKeeper(home.pid, home.start) ? home : undefined;
}

/**
 * The keeper's /proc stat once unshare(1) has made the namespaces and exec'd sleep (and while it is not
 * dead: a zombie holds nothing); with `start`, only if it is still the process that started then.
 */
function readyKeeper(pid: number, start?: number): ProcessStat | undefined {
  const st = processStat(pid);
  return st && (start === undefined || st.start === start) && st.name === 'sleep' && st.state !== 'Z' ? st : undefined;
}

/**
 * The running home, or a new one: a keeper (a new user, network and mount
 * namespace) started and recorded. Two commands starting at once get one
 * home: the first holds a lock file while it starts the keeper, the other
 * waits for the record.
 */
export async function startHome(): Promise<Home> {
  const lock = `${userRuntimeBase()}/home.lock`;
  for (let waited = 0; ; waited += 10) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const home = runningHome();
    if (home) return home;
    // A lock older than any start takes was left by a killed command.
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - since > 10_000) rmSync(lock, { force: true });
    if (waited > 15_000) throw new NetnestError('ERR_ROOTLESS_UNAVAILABLE', `another netnest command is starting the rootless home and has not finished (${lock})`);
    await sleep(10);
  }
  try {
    return runningHome() ?? (await startKeeper());
  } finally {
    rmSync(lock, { force: true });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startKeeper(): Promise<Home> {
  // The home's own /run/netns (see prepareRootlessWorld) is mounted before the keeper is ready: no joiner ever sees it missing.
  const keep = 'mount -t tmpfs netnest /run/netns 2>/dev/null; exec sleep infinity';
  const keeper = spawn('unshare', ['--user', '--map-root-user', '--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', keep], {
    detached: true, stdio: 'ignore',
  });
  keeper.unref();
  const pid = keeper.pid;
  if (pid === undefined) throw new NetnestError('ERR_ROOTLESS_UNAVAILABLE', 'could not start unshare(1) to make the rootless home');
  let ready = readyKeeper(pid);
  for (let i = 0; i < 200 && !ready; i++) {
    await sleep(10);
    ready = readyKeeper(pid);
  }
  if (!ready) {
    if (processStat(pid)) process.kill(pid, 'SIGKILL');
    throw new NetnestError('ERR_ROOTLESS_UNAVAILABLE', `the rootless home's keeper (unshare --user ... sleep infinity, pid ${pid}) did not start`);
  }
  const home = { pid, start: ready.start };
  try {
    writeFileSync(file(), `${JSON.stringify(home)}\n`, { mode: 0o600 });
  } catch (e) {
    process.kill(pid, 'SIGKILL'); // a keeper no one can find again would hold its namespaces for good
    throw e;
  }
  return home;
}

/** One mark per process working in the home: its pid, holding its start time. */
const joinedDir = (): string => `${userRuntimeBase()}/joined`;

/**
 * Marks this process as working in the home until the returned function is
 * called: a home is never stopped under a command that joined it.
 */
export function joinHome(): () => void {
  const dir = joinedDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mark = `${dir}/${process.pid}`;
  writeFileSync(mark, `${processStartTime(process.pid) ?? ''}\n`);
  return () => rmSync(mark, { force: true });
}

/** Processes that joined the home and still run (the marks of dead ones are removed). */
function joined(): number {
  const dir = joinedDir();
  let n = 0;
  for (const pid of list(dir)) {
    let start = Number.NaN;
    try {
      start = Number(readFileSync(`${dir}/${pid}`, 'utf8'));
    } catch {
      continue;
    }
    if (processAlive(Number(pid), start)) n++;
    else rmSync(`${dir}/${pid}`, { force: true });
  }
  return n;
}

/**
 * Stops the home when nothing stands in it any more: no topology kept, no
 * name of a namespace, no journal, no other command working in it. Returns
 * true when it stopped it.
 */
export function stopHomeIfIdle(): boolean {
  const home = runningHome();
  if (!home) return false;
  const base = userRuntimeBase();
  const busy = ['topologies', 'netns', 'journal'].some((d) => list(`${base}/${d}`).length > 0) || joined() > 0;
  if (busy) return false;
  process.kill(home.pid, 'SIGTERM');
  rmSync(file(), { force: true });
  return true;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
