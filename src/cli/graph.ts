// `netnest graph`: draws a topology spec file (src/topology/graph.ts makes
// the picture). It only reads the file: no namespace is made, no root needed.
// This file only picks the format and where the picture goes.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { NetnestError } from '../netlink/core/errors.js';

export const GRAPH_FORMATS = ['svg', 'dot', 'mermaid'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphCommandOptions {
  /** A file to write; the picture goes to stdout without one. */
  output?: string;
  format?: GraphFormat;
}

const BY_EXTENSION: Record<string, GraphFormat> = { '.svg': 'svg', '.dot': 'dot', '.gv': 'dot', '.mmd': 'mermaid', '.md': 'mermaid' };

/** The format asked for, else the one OUT's extension names, else SVG. */
export function graphFormat(opts: GraphCommandOptions): GraphFormat {
  return opts.format ?? (opts.output !== undefined ? BY_EXTENSION[extname(opts.output).toLowerCase()] : undefined) ?? 'svg';
}

/** Reads the spec (a TopologyError lists its problems), draws it, and writes the picture to OUT or through `write`. */
export async function graphCommand(file: string, opts: GraphCommandOptions, write: (s: string) => void): Promise<void> {
  // Loaded here, not at startup: every other command would pay for them.
  const [{ loadTopology }, { toDot, toMermaid, toSvg }] = await Promise.all([import('../topology/load.js'), import('../topology/graph.js')]);
  const model = loadTopology(file);
  const format = graphFormat(opts);
  const text = format === 'svg' ? await toSvg(model) : format === 'dot' ? toDot(model) : toMermaid(model);
  if (opts.output === undefined) {
    write(text.replace(/\n$/, '')); // write() ends the line
    return;
  }
  try {
    writeFileSync(opts.output, text.endsWith('\n') ? text : `${text}\n`);
  } catch (e) {
    throw new NetnestError('ERR_CANNOT_WRITE', `cannot write ${opts.output}: ${(e as Error).message}`, { cause: e });
  }
}
