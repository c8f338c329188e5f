// fq_codel (`tc qdisc add ... fq_codel limit 1000 target 5ms ecn`): a plain
// nest of u32s; times in microseconds. tc sends only what was given.
import { AttrReader } from '../../../core/attributes.js';
import { checker, CLOSED, Type, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { TCA_OPTIONS } from '../constants.js';
import { entry } from '../kind.js';
import { parseSize, parseTime, TcSizeSchema, TcTimeSchema } from '../units.js';

const TCA_FQ_CODEL_TARGET = 1;
const TCA_FQ_CODEL_LIMIT = 2;
const TCA_FQ_CODEL_INTERVAL = 3;
const TCA_FQ_CODEL_ECN = 4;
const TCA_FQ_CODEL_FLOWS = 5;
const TCA_FQ_CODEL_QUANTUM = 6;
const TCA_FQ_CODEL_CE_THRESHOLD = 7;
const TCA_FQ_CODEL_DROP_BATCH_SIZE = 8;
const TCA_FQ_CODEL_MEMORY_LIMIT = 9;

export const FqCodelOptionsSchema = Type.Object({
  limit: Type.Optional(U32),
  flows: Type.Optional(U32),
  quantum: Type.Optional(U32),
  /** Acceptable queue delay: microseconds or '5ms'. */
  target: Type.Optional(TcTimeSchema),
  interval: Type.Optional(TcTimeSchema),
  ecn: Type.Optional(Type.Boolean()),
  ce_threshold: Type.Optional(TcTimeSchema),
  memory_limit: Type.Optional(TcSizeSchema),
  drop_batch: Type.Optional(U32),
}, CLOSED);
export type FqCodelOptions = Static<typeof FqCodelOptionsSchema>;

/** fq_codel as the kernel reports it: times in µs, memory_limit in bytes. */
export interface FqCodelInfo {
  limit?: number;
  flows?: number;
  quantum?: number;
  target?: number;
  interval?: number;
  ecn?: boolean;
  ce_threshold?: number;
  memory_limit?: number;
  drop_batch?: number;
}

/** [attribute, value] in tc's order. */
type FqCodelChecked = [number, number][];

const checkShape = checker(FqCodelOptionsSchema);

function check(options: unknown, path: string): FqCodelChecked {
  const o = (options ?? {}) as FqCodelOptions;
  checkShape(o, path);
  const out: FqCodelChecked = [];
  // tc leaves out zeros (and sends ecn only when ecn or noecn was given).
  const put = (type: number, v: number | undefined): void => { if (v) out.push([type, v]); };
  put(TCA_FQ_CODEL_LIMIT, o.limit);
  put(TCA_FQ_CODEL_FLOWS, o.flows);
  put(TCA_FQ_CODEL_QUANTUM, o.quantum);
  put(TCA_FQ_CODEL_INTERVAL, o.interval === undefined ? undefined : parseTime(o.interval, `${path}.interval`));
  put(TCA_FQ_CODEL_TARGET, o.target === undefined ? undefined : parseTime(o.target, `${path}.target`));
  if (o.ecn !== undefined) out.push([TCA_FQ_CODEL_ECN, o.ecn ? 1 : 0]);
  if (o.ce_threshold !== undefined) out.push([TCA_FQ_CODEL_CE_THRESHOLD, parseTime(o.ce_threshold, `${path}.ce_threshold`)]);
  if (o.memory_limit !== undefined) out.push([TCA_FQ_CODEL_MEMORY_LIMIT, parseSize(o.memory_limit, `${path}.memory_limit`)]);
  put(TCA_FQ_CODEL_DROP_BATCH_SIZE, o.drop_batch);
  return out;
}

function write(w: NetlinkWriter, c: FqCodelChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  for (const [type, v] of c) w.attrU32(type, v);
  w.endNested(t);
}

const NAMES: Readonly<Record<number, keyof FqCodelInfo>> = {
  [TCA_FQ_CODEL_TARGET]: 'target', [TCA_FQ_CODEL_LIMIT]: 'limit', [TCA_FQ_CODEL_INTERVAL]: 'interval', [TCA_FQ_CODEL_FLOWS]: 'flows',
  [TCA_FQ_CODEL_QUANTUM]: 'quantum', [TCA_FQ_CODEL_CE_THRESHOLD]: 'ce_threshold', [TCA_FQ_CODEL_DROP_BATCH_SIZE]: 'drop_batch',
  [TCA_FQ_CODEL_MEMORY_LIMIT]: 'memory_limit',
};

function decode(buf: Buffer, off: number, end: number): FqCodelInfo {
  const info: Record<string, number | boolean> = {};
  const r = new AttrReader(buf, off, end);
  while (r.next()) {
    if (r.type === TCA_FQ_CODEL_ECN) info.ecn = r.u32() !== 0;
    else if (Object.hasOwn(NAMES, r.type) && r.len === 4) info[NAMES[r.type]!] = r.u32();
  }
  return info as FqCodelInfo;
}

export const fqCodel = entry<FqCodelChecked, FqCodelInfo>({ schema: FqCodelOptionsSchema, check, write, decode });
