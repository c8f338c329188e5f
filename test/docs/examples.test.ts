// The examples of README.md and docs/ run as written and print what their
// comments say. Each example is a fenced block whose first line names its
// file (`// nsid.mjs — ...`); it is written into a throwaway project whose
// node_modules/netnest is this package and run as its comment says, inside
// `unshare -n` (a namespace of its own, in this run's sandbox). What a
// console.log() line prints is the comment at its end, or the comment line
// right below it; a comment may go on after the printed text with ": why".
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN_PATH } from '../support/child.js';
import { removeDir } from '../support/netns.js';

/** The package root (dist/test/docs -> ../../..): its README.md, docs/ and examples/. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MOCHA = join(ROOT, 'node_modules/mocha/bin/mocha.js');

/** The code of the block of `doc` whose first line is `// NAME ...`. */
function exampleBlock(markdown: string, name: string): string {
  const blocks = [...markdown.matchAll(/^```(?:js|ts)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.startsWith(`// ${name} `));
  if (found.length !== 1) throw new Error(`${found.length} blocks start with "// ${name} "`);
  return found[0]!;
}

/** What the example says it prints, one entry per console.log() line. */
function expectedOutput(code: string): string[] {
  const lines = code.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('console.log(')) return;
    const trailing = /\);\s*\/\/ (.*)$/.exec(line);
    const below = /^\s*\/\/ (.*)$/.exec(lines[i + 1] ?? '');
    const text = trailing?.[1] ?? below?.[1];
    if (text === undefined) throw new Error(`no comment says what this prints: ${line.trim()}`);
    out.push(text);
  });
  return out;
}

function matches(printed: string, said: string): boolean {
  return said === printed || said.startsWith(`${printed}: `);
}

function run(cwd: string, command: string[], timeoutMs = 30000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn('unshare', ['-n', ...command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${command.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Node examples: [document, file name]. */
const SCRIPTS: [string, string][] = [
  ['docs/errors.md', 'field-at.mjs'],
  ['docs/bulk.md', 'route-to-spec.mjs'],
  ['docs/bulk.md', 'run-bulk.mjs'],
  ['docs/bulk.md', 'swap-table.mjs'],
  ['docs/namespaces.md', 'nsid.mjs'],
  ['docs/bridge.md', 'bridge-fdb.mjs'],
  ['docs/bridge.md', 'bridge-vlan.mjs'],
  ['docs/namespaces.md', 'nsid-manager.mjs'],
  ['docs/traffic-control.md', 'traffic-control.mjs'],
];

/** Example test files: [document, file name, what the mocha run reports]. */
const TEST_FILES: [string, string, RegExp][] = [
  ['docs/testing.md', 'test/two-namespaces.test.mjs', /^\s+2 passing/m],
  ['docs/topology.md', 'test/small.test.mjs', /^\s+1 passing/m],
  ['docs/testing.md', 'test/two-namespaces.test.cjs', /^\s+1 passing/m],
];

type RunResult = Awaited<ReturnType<typeof run>>;

describe('the examples of the documentation', () => {
  let dir: string;
  // Every example runs in a child process of its own (unshare -n), started in
  // before(); each test reads its own. The scripts run side by side; the test
  // files one after another, beside them: each inner run's plugin compares
  // the names in /run/netns before and after, and small.test.mjs makes one.
  const runs = new Map<string, Promise<RunResult>>();
  const started = (name: string, start: () => Promise<RunResult>, once: Promise<unknown> = Promise.resolve()): Promise<RunResult> => {
    const p = once.then(start);
    p.catch(() => undefined); // awaited by its test; no unhandled rejection meanwhile
    runs.set(name, p);
    return p;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), `netnest-doc-examples-${process.pid}-`));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'netnest'));
    symlinkSync(join(ROOT, 'node_modules', 'chai'), join(dir, 'node_modules', 'chai'));
    mkdirSync(join(dir, 'examples'));
    // Named namespaces are global (<name>-app): this copy's name is this process's own.
    const small = readFileSync(join(ROOT, 'examples/small.yaml'), 'utf8');
    expect(small).to.match(/^name: t$/m);
    writeFileSync(join(dir, 'examples/small.yaml'), small.replace(/^name: t$/m, `name: nndoc${process.pid}`));
    for (const [doc, name] of SCRIPTS) {
      started(name, async () => {
        writeFileSync(join(dir, name), exampleBlock(readFileSync(join(ROOT, doc), 'utf8'), name));
        return run(dir, [process.execPath, name]);
      });
    }
    let previous: Promise<unknown> = Promise.resolve();
    for (const [doc, name] of TEST_FILES) {
      previous = started(name, async () => {
        mkdirSync(join(dir, dirname(name)), { recursive: true });
        writeFileSync(join(dir, name), exampleBlock(readFileSync(join(ROOT, doc), 'utf8'), name));
        // mocha looks netnest/mocha up from its own folder, which is not this project's: the plugin is given by path.
        return run(dir, [process.execPath, MOCHA, '--no-config', '--no-package', '--require', PLUGIN_PATH, '--timeout', '10000', name]);
      }, previous.catch(() => undefined));
    }
  });

  after(async function () {
    this.timeout(40000);
    await Promise.allSettled(runs.values()); // a test that failed early leaves its run going
    removeDir(dir);
  });

  it('reads what an example says it prints', () => {
    const code = "console.log(1); // 1\nconsole.log(a, b);\n// 2 3\nx(); // not printed\nconsole.log(c); // 4: because";
    expect(expectedOutput(code)).to.deep.equal(['1', '2 3', '4: because']);
    expect(matches('4', '4: because')).to.equal(true);
    expect(matches('4', '45')).to.equal(false);
  });

  for (const [doc, name] of SCRIPTS) {
    it(`${doc}: ${name} prints what its comments say`, async function () {
      this.timeout(40000);
      const code = exampleBlock(readFileSync(join(ROOT, doc), 'utf8'), name);
      expect(code.split('\n')[0]).to.include(`unshare -n node ${name}`);
      const r = await runs.get(name)!;
      expect(r.code, r.stderr).to.equal(0);
      const printed = r.stdout.trimEnd().split('\n');
      const said = expectedOutput(code);
      expect(printed, 'one line per console.log()').to.have.length(said.length);
      for (const [i, line] of printed.entries()) {
        expect(matches(line, said[i]!), `line ${i + 1}: printed "${line}", the comment says "${said[i]}"`).to.equal(true);
      }
    });
  }

  for (const [doc, name, report] of TEST_FILES) {
    it(`${doc}: ${name} passes under the plugin`, async function () {
      this.timeout(40000);
      const code = exampleBlock(readFileSync(join(ROOT, doc), 'utf8'), name);
      expect(code.split('\n')[0]).to.include('--require netnest/mocha');
      const r = await runs.get(name)!;
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(report);
    });
  }
});
