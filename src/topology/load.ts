// Spec files: YAML (which includes JSON) parsed with the `yaml` package, then
// checked and resolved whole. A syntax error is a problem like the others,
// with its line and column.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { resolveTopology, TopologyError, type TopologyModel } from './model.js';

/** Reads, checks and resolves a spec file (YAML or JSON); TopologyError listing every problem otherwise. */
export function loadTopology(file: string): TopologyModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TopologyError([{ path: '', message: `cannot read ${file}: ${(e as Error).message}` }]);
  }
  return parseTopology(text, file);
}

/** Checks and resolves a spec given as YAML or JSON text. */
export function parseTopology(text: string, source = 'the spec'): TopologyModel {
  // YAML 1.2: 0x10 is 16, and plain addresses such as 10.0.0.1/24 stay strings.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, intAsBigInt: false });
  if (doc.errors.length) {
    throw new TopologyError(doc.errors.map((e) => ({
      path: '', message: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ${e.message.split('\n')[0]}` : e.message,
    })), source);
  }
  return resolveTopology(doc.toJS(), source);
}
