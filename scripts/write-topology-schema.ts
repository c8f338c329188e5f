// Writes docs/topology.schema.json: the JSON Schema of topology spec files,
// generated from the same TypeBox definitions that check specs at run time,
// so editors complete and validate a file exactly as netnest reads it.
//
//   npm run schema                         # write it
//   node dist/scripts/write-topology-schema.js --check   # exit 1 if the file is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { topologyJsonSchema } from '../src/topology/index.js';

/** docs/topology.schema.json, from the repository root (this file runs from dist/scripts/). */
export const SCHEMA_FILE = fileURLToPath(new URL('../../docs/topology.schema.json', import.meta.url));

/** The file's text: pretty-printed with 2 spaces, one trailing newline. */
export function topologySchemaText(): string {
  return `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`;
}

function main(): void {
  const text = topologySchemaText();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_FILE, 'utf8');
    } catch { /* missing: stale */ }
    if (committed !== text) {
      console.error(`${SCHEMA_FILE} differs from topologyJsonSchema(): run npm run schema`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
