// prio (`tc qdisc add ... prio bands 4 priomap ...`): struct tc_prio_qopt in
// TCA_OPTIONS followed by a nested TCA_OPTIONS (tc's addattr_nest_compat).
// pfifo_fast reports the same struct; pfifo and bfifo a limit.
import { AttrReader } from '../../../core/attributes.js';
import { DecodeError, ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, Int, List, Type, U8, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { TCA_OPTIONS } from '../constants.js';
import { entry } from '../kind.js';

const TCA_PRIO_MQ = 1;
/** sizeof(struct tc_prio_qopt): int bands, u8 priomap[16]. */
const QOPT_SIZE = 20;
/** tc's priomap (the kernel's default): Linux priority -> band. */
const DEFAULT_PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];

export const PrioOptionsSchema = Type.Object({
  /** 2..16 bands (default 3). */
  bands: Type.Optional(Int(2, 16)),
  /** The band of each of the 16 Linux priorities; a shorter list keeps tc's defaults for the rest. */
  priomap: Type.Optional(List(U8, { minItems: 1, maxItems: 16 })),
  multiqueue: Type.Optional(Type.Boolean()),
}, CLOSED);
export type PrioOptions = Static<typeof PrioOptionsSchema>;

export interface PrioInfo {
  bands: number;
  priomap: number[];
  multiqueue?: boolean;
}

interface PrioChecked { qopt: Buffer; mq: boolean }

const checkShape = checker(PrioOptionsSchema);

function check(options: unknown, path: string): PrioChecked {
  const o = (options ?? {}) as PrioOptions;
  checkShape(o, path);
  const bands = o.bands ?? 3;
  const map = [...DEFAULT_PRIOMAP];
  (o.priomap ?? []).forEach((band, i) => {
    if (band >= bands) throw new ValidationError(`band ${band} is out of the ${bands} bands`, `${path}.priomap[${i}]`);
    map[i] = band;
  });
  const qopt = Buffer.alloc(QOPT_SIZE);
  qopt.writeInt32LE(bands, 0);
  map.forEach((b, i) => { qopt[4 + i] = b; });
  return { qopt, mq: o.multiqueue === true };
}

function write(w: NetlinkWriter, c: PrioChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  w.raw(c.qopt);
  const inner = w.beginNested(TCA_OPTIONS);
  if (c.mq) w.attrFlag(TCA_PRIO_MQ);
  w.endNested(inner);
  w.endNested(t);
}

function decode(buf: Buffer, off: number, end: number): PrioInfo {
  if (end - off < QOPT_SIZE) throw new DecodeError(`prio options of ${end - off} bytes are shorter than tc_prio_qopt`, off);
  const info: PrioInfo = { bands: buf.readInt32LE(off), priomap: [...buf.subarray(off + 4, off + QOPT_SIZE)] };
  // The nest after the struct (prio's TCA_PRIO_MQ); pfifo_fast sends the struct alone.
  if (end - off > QOPT_SIZE) {
    const outer = new AttrReader(buf, off + QOPT_SIZE, end);
    while (outer.next()) {
      const r = outer.nested();
      while (r.next()) if (r.type === TCA_PRIO_MQ) info.multiqueue = true;
    }
  }
  return info;
}

export const prio = entry<PrioChecked, PrioInfo>({ schema: PrioOptionsSchema, check, write, decode });

/** pfifo and bfifo report struct tc_fifo_qopt: the limit, in packets or bytes. */
export function decodeFifo(buf: Buffer, off: number, end: number): { limit: number } {
  if (end - off < 4) throw new DecodeError('fifo options shorter than tc_fifo_qopt', off);
  return { limit: buf.readUInt32LE(off) };
}
