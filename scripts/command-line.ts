// The scripts' command lines, read with node:util's parseArgs: an option a
// script does not take, or one without its value, is refused instead of
// silently ignored (a mistyped --rounds must not give a default run).
import { parseArgs } from 'node:util';

export interface CommandLine {
  /** `--name N`: a positive number (an integer unless `fractions`); `fallback` when absent. */
  number(name: string, fallback: number, fractions?: boolean): number;
  /** `--name VALUE`: one of `choices` (any value when none are given), or undefined. */
  value(name: string, choices?: readonly string[]): string | undefined;
  /** `--name`: given or not. */
  flag(name: string): boolean;
  /** The arguments that are not options (files). */
  positionals: string[];
}

export function commandLine(takes: { values?: string[]; flags?: string[] }): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const v of takes.values ?? []) options[v] = { type: 'string' };
  for (const f of takes.flags ?? []) options[f] = { type: 'boolean' };
  const { values, positionals } = parseArgs({ options, allowPositionals: true });
  const value = (name: string, choices?: readonly string[]): string | undefined => {
    const v = values[name] as string | undefined;
    if (v !== undefined && choices && !choices.includes(v)) throw new Error(`--${name} takes ${choices.map((c) => `"${c}"`).join(' or ')}`);
    return v;
  };
  return {
    value,
    number(name, fallback, fractions = false) {
      const s = value(name);
      if (s === undefined) return fallback;
      const n = Number(s);
      if (!(n > 0) || (!fractions && !Number.isInteger(n))) throw new Error(`--${name} takes a positive ${fractions ? 'number' : 'integer'}`);
      return n;
    },
    flag: (name) => values[name] === true,
    positionals,
  };
}
