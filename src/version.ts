// netnest's version, from the package.json of the copy that runs (two folders
// above dist/src/version.js): for `netnest --version` and benchmark reports.
import { readFileSync } from 'node:fs';

export function netnestVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
