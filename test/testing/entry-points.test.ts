// netnest/testing and netnest/mocha as a project that installed netnest meets
// them (a folder whose node_modules/netnest is this package): importing the
// fixtures from netnest/testing enters no sandbox — the inner mocha run stays
// in the namespace it was started in — while `--require netnest/mocha` still
// moves the whole run into one before the test files load, and re-exports the
// same fixtures. A CommonJS test file gets them with require('netnest/testing').
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentNetnsId } from '../../src/index.js';
import { PLUGIN_PATH } from '../support/child.js';
import { removeDir, tempJournalDir } from '../support/netns.js';

const MOCHA = fileURLToPath(new URL('../../../node_modules/mocha/bin/mocha.js', import.meta.url));
/** The package root (dist/test/netns -> ../../..), whose package.json "exports" maps netnest/testing and netnest/mocha. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES_PATH = fileURLToPath(new URL('../../src/testing/fixtures.js', import.meta.url));

/** Without the plugin: the fixtures work where the process is, and nothing moved. */
const NO_PLUGIN_SPEC = `
import assert from 'node:assert/strict';
import { currentNetnsId } from 'netnest';
import { sandbox, useNamespaces } from 'netnest/testing';

assert.equal(import.meta.resolve('netnest/testing'), ${JSON.stringify(pathToFileURL(FIXTURES_PATH).href)});
assert.equal(import.meta.resolve('netnest/mocha'), ${JSON.stringify(pathToFileURL(PLUGIN_PATH).href)});

describe('inner', () => {
  const nn = useNamespaces({ journalDir: process.env.NNTEST_JOURNAL });

  it('runs in the namespace it was started in', async () => {
    assert.equal(currentNetnsId(), process.env.NNTEST_STARTED_IN);
    assert.throws(() => sandbox(), /the sandbox is not active/);
    assert.equal(nn().root.id, process.env.NNTEST_STARTED_IN);
    const r = nn().rtnl(nn().create());
    await r.link.add({ name: 'br0', kind: 'bridge' });
    assert.deepEqual((await r.link.list()).map((l) => l.name), ['lo', 'br0']);
  });
});
`;

/** Under the plugin: the run moved before this file loaded, and netnest/mocha re-exports the same hooks. */
const PLUGIN_SPEC = `
import assert from 'node:assert/strict';
import { currentNetnsId } from 'netnest';
import * as testing from 'netnest/testing';
import * as plugin from 'netnest/mocha';

const loadedIn = currentNetnsId();

describe('inner', () => {
  const nn = testing.useNamespaces();

  it('runs in a world of its own inside the sandbox', () => {
    assert.notEqual(loadedIn, process.env.NNTEST_STARTED_IN);
    assert.equal(testing.sandbox().world.id, loadedIn);
    assert.equal(nn().root.id, currentNetnsId());
    assert.notEqual(currentNetnsId(), loadedIn);
    for (const name of ['useNamespaces', 'useTopology', 'sandbox', 'enterSandbox', 'exitSandbox']) assert.equal(plugin[name], testing[name], name);
    assert.equal(typeof plugin.mochaHooks.afterAll, 'function');
    assert.equal(testing.mochaHooks, undefined);
  });
});
`;

/** CommonJS, as docs/testing.md shows it: require('netnest/testing') in the file, the plugin given to mocha. */
const CJS_SPEC = `
const assert = require('node:assert/strict');
const { currentNetnsId } = require('netnest');
const { useNamespaces, sandbox } = require('netnest/testing');

describe('inner', () => {
  const nn = useNamespaces();

  it('runs in the sandbox with the fixtures, in a world of its own', async () => {
    assert.notEqual(currentNetnsId(), process.env.NNTEST_STARTED_IN);
    assert.notEqual(sandbox().world.id, currentNetnsId());
    assert.equal(nn().root.id, currentNetnsId());
    const r = nn().rtnl(nn().create());
    assert.deepEqual((await r.link.list()).map((l) => l.name), ['lo']);
  });
});
`;

interface Run {
  code: number | null;
  out: string;
}

describe('netnest/testing: the fixtures without the sandbox side effect', () => {
  let dir: string;
  let journalDir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `netnest-testing-${process.pid}-`));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PACKAGE_ROOT, join(dir, 'node_modules', 'netnest'));
    journalDir = tempJournalDir();
  });

  afterEach(() => {
    removeDir(dir);
    removeDir(journalDir);
  });

  function runMocha(file: string, source: string, plugin: boolean): Promise<Run> {
    writeFileSync(join(dir, file), source);
    const args = [MOCHA, '--no-config', '--no-package', ...(plugin ? ['--require', PLUGIN_PATH] : []), '--timeout', '10000', '--reporter', 'spec', file];
    const p = spawn(process.execPath, args, {
      cwd: dir, env: { ...process.env, NNTEST_STARTED_IN: currentNetnsId(), NNTEST_JOURNAL: journalDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`the inner mocha run did not finish in 15 s:\n${out}`));
      }, 15000);
      p.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  it('importing useNamespaces from netnest/testing enters no sandbox', async () => {
    const run = await runMocha('inner.test.mjs', NO_PLUGIN_SPEC, false);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.match(/1 passing/);
  });

  it('--require netnest/mocha still runs the whole run in a sandbox, and re-exports the fixtures', async () => {
    const run = await runMocha('inner.test.mjs', PLUGIN_SPEC, true);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.match(/1 passing/);
  });

  it('a CommonJS test file gets the fixtures with require(\'netnest/testing\')', async () => {
    const run = await runMocha('inner.test.cjs', CJS_SPEC, true);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.match(/1 passing/);
    expect(run.out).not.to.include('ERR_REQUIRE');
  });
});
