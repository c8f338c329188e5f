// The npm package as an installed copy sees it: what `npm pack` would ship
// holds every file README.md and the docs link to (and the headings their
// #anchors name), the entry points of package.json "exports", and the bin.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir } from '../support/netns.js';

/** The package root (dist/test/docs -> ../../..). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface PackageJson {
  exports: Record<string, { types: string; default: string }>;
  bin: Record<string, string>;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchorsIn(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchorOf(m[1]!)));
}

/** Relative links of a markdown file: [text](target), web links left out. */
function linksIn(markdown: string): string[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
}

describe('the npm package', () => {
  let files: Set<string>;

  before(function () {
    this.timeout(60000);
    // A cache of its own: the run's HOME may be someone else's, or none (a run as nobody).
    const cache = mkdtempSync(join(tmpdir(), 'netnest-npm-cache-'));
    try {
      const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, npm_config_cache: cache },
      });
      files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    } finally {
      removeDir(cache);
    }
  });

  it('anchors follow GitHub\'s rule', () => {
    expect(anchorOf('Sandbox: the whole process in a throwaway world')).to.equal('sandbox-the-whole-process-in-a-throwaway-world');
    expect(anchorOf('The `netnest` command')).to.equal('the-netnest-command');
    expect(anchorOf('sweep: what dead processes left')).to.equal('sweep-what-dead-processes-left');
  });

  it('ships README.md and docs/, and every file and heading they link to', () => {
    const pages = [...files].filter((f) => f === 'README.md' || /^docs\/.*\.md$/.test(f));
    expect(pages).to.include.members(['README.md', 'docs/architecture.md', 'docs/testing.md', 'docs/core.md']);
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of linksIn(readFileSync(join(ROOT, page), 'utf8'))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? page : normalize(join(dirname(page), path));
        if (!files.has(target)) {
          broken.push(`${page}: ${link} (${target} is not in the package)`);
          continue;
        }
        if (anchor !== undefined && target.endsWith('.md') && !anchorsIn(readFileSync(join(ROOT, target), 'utf8')).has(anchor)) {
          broken.push(`${page}: ${link} (no such heading in ${target})`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('ships the entry points of "exports" and the bin', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
    expect(Object.keys(pkg.exports)).to.deep.equal(['.', './testing', './mocha']);
    for (const entry of Object.values(pkg.exports)) {
      expect(files).to.include(normalize(entry.types));
      expect(files).to.include(normalize(entry.default));
    }
    for (const bin of Object.values(pkg.bin)) expect(files).to.include(normalize(bin));
    expect(files).to.include('examples/small.yaml');
  });
});
