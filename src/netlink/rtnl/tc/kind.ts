// What each entry of a table of tc kinds (qdisc kinds, class kinds, filter
// kinds) provides: the schema of its options, the one check, the writer of
// its TCA_OPTIONS and the decoder of what the kernel reports.
import type { TSchema } from '../../core/schema.js';
import type { NetlinkWriter } from '../../core/writer.js';
import type { DevResolver } from '../devices.js';

/** What a kind's writer may need besides its checked options. */
export interface WriteContext {
  /** Resolves device names in options (a mirred action's dev). */
  dev: DevResolver;
  /** The filter's protocol (host order), which flower repeats as its eth_type. */
  protocol: number;
}

export interface TcKind<C = unknown, D = unknown> {
  /** The schema of `options` for this kind. */
  readonly schema: TSchema;
  /** Validates and normalises `options` (undefined when the caller gave none); `field` names them in errors. */
  check(options: unknown, field: string): C;
  /** Writes the TCA_OPTIONS attribute (or nothing, as tc does for kinds without options). */
  write(w: NetlinkWriter, checked: C, ctx: WriteContext): void;
  /** Decodes TCA_OPTIONS' payload, bytes [off, end) of buf. */
  decode(buf: Buffer, off: number, end: number): D;
  /** Device names the options refer to (resolved before encoding). */
  devices?(checked: C): (string | number)[];
}

/** A kind's entry for a table, its checked type erased (the table hands back what check() returned). */
export function entry<C, D>(k: TcKind<C, D>): TcKind {
  return k as unknown as TcKind;
}

/** A kind without options: ingress, clsact. */
export function bare(): TcKind {
  return {
    schema: { type: 'object', additionalProperties: false, properties: {} } as unknown as TSchema,
    check: () => undefined,
    write: () => undefined,
    decode: () => ({}),
  };
}
