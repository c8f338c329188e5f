// The netnest command as a user runs it: a child process of the test run, so
// it inherits the sandbox namespace. Its help, its version and its exit
// status for a command it does not know.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NetnestRuns } from '../support/cli.js';

describe('netnest command', () => {
  // One run of each command, all started together; `--help` is read by two tests.
  const cli = new NetnestRuns();
  before(() => cli.start(['--help'], ['--version'], ['-V'], ['frobnicate']));
  after(() => cli.settled());

  it('--help lists every command and exits 0', async () => {
    const r = await cli.run('--help');
    expect(r.code).to.equal(0);
    for (const command of ['links', 'addrs', 'routes', 'rules', 'neigh', 'nexthops', 'qdiscs', 'demo']) {
      expect(r.stdout).to.match(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('--version and -V print the version of package.json and exit 0', async () => {
    // The package.json beside the compiled tree this test runs from (dist/test/cli -> the package root).
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).to.match(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      const r = await cli.run(flag);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`${version}\n`);
    }
    expect((await cli.run('--help')).stdout).to.match(/^\s+-V, --version\s+print netnest's version$/m);
  });

  it('exits 2 on an unknown command', async () => {
    const r = await cli.run('frobnicate');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown command 'frobnicate'");
  });

  it('ends with its own status and says nothing when its reader has gone (netnest --help | head -c1)', async () => {
    const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The read end closes before node has even started, so every write of the help meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
