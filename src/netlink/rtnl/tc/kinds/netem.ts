// netem (`tc qdisc add ... netem delay 10ms 2ms 25% loss 1% ...`): tc sends
// TCA_OPTIONS as struct tc_netem_qopt followed by attributes in the same
// attribute (not a plain nest), times in scheduler ticks and probabilities as
// fractions of 2^32-1. The kernel reports the same, plus 64-bit times in ns.
import { AttrReader } from '../../../core/attributes.js';
import { DecodeError, ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, Type, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { TCA_OPTIONS } from '../constants.js';
import { entry } from '../kind.js';
import {
  parsePercent, parseRate, parseTime, percentOf, TcPercentSchema, TcRateSchema, TcTimeSchema, ticks, usecOfTicks,
} from '../units.js';

const TCA_NETEM_CORR = 1;
const TCA_NETEM_REORDER = 3;
const TCA_NETEM_CORRUPT = 4;
const TCA_NETEM_RATE = 6;
const TCA_NETEM_ECN = 7;
const TCA_NETEM_RATE64 = 8;
const TCA_NETEM_LATENCY64 = 10;
const TCA_NETEM_JITTER64 = 11;
/** sizeof(struct tc_netem_qopt): latency, limit, loss, gap, duplicate, jitter. */
const QOPT_SIZE = 24;

export const NetemOptionsSchema = Type.Object({
  /** Packets the queue holds (default 1000, as tc). */
  limit: Type.Optional(U32),
  /** `delay TIME [JITTER [CORRELATION]]`: microseconds, or '10ms'. */
  delay: Type.Optional(TcTimeSchema),
  jitter: Type.Optional(TcTimeSchema),
  delay_correlation: Type.Optional(TcPercentSchema),
  /** `loss PERCENT [CORRELATION]`: 1 or '1%'. */
  loss: Type.Optional(TcPercentSchema),
  loss_correlation: Type.Optional(TcPercentSchema),
  duplicate: Type.Optional(TcPercentSchema),
  duplicate_correlation: Type.Optional(TcPercentSchema),
  /** `reorder PERCENT [CORRELATION]` (needs a delay); `gap N` sends every Nth packet at once. */
  reorder: Type.Optional(TcPercentSchema),
  reorder_correlation: Type.Optional(TcPercentSchema),
  gap: Type.Optional(U32),
  corrupt: Type.Optional(TcPercentSchema),
  corrupt_correlation: Type.Optional(TcPercentSchema),
  /** `rate RATE`: bytes per second, or '1mbit'. */
  rate: Type.Optional(TcRateSchema),
  /** Mark packets with ECN instead of dropping them (needs loss). */
  ecn: Type.Optional(Type.Boolean()),
}, CLOSED);
export type NetemOptions = Static<typeof NetemOptionsSchema>;

/** netem's options as the kernel reports them: times in µs, probabilities in percent (1 = 1%), rate in bytes/s. */
export interface NetemInfo {
  limit: number;
  delay?: number;
  jitter?: number;
  delay_correlation?: number;
  loss?: number;
  loss_correlation?: number;
  duplicate?: number;
  duplicate_correlation?: number;
  reorder?: number;
  reorder_correlation?: number;
  gap?: number;
  corrupt?: number;
  corrupt_correlation?: number;
  rate?: number;
  ecn?: boolean;
}

interface NetemChecked {
  latency: number; limit: number; loss: number; gap: number; duplicate: number; jitter: number;
  corr?: [number, number, number];
  reorder?: [number, number];
  corrupt?: [number, number];
  rate?: number;
  ecn: boolean;
}

const checkShape = checker(NetemOptionsSchema);

function needs(o: NetemOptions, field: keyof NetemOptions, base: keyof NetemOptions, path: string): void {
  if (o[field] !== undefined && o[base] === undefined) throw new ValidationError(`${field} needs ${base}`, `${path}.${field}`);
}

function check(options: unknown, path: string): NetemChecked {
  const o = (options ?? {}) as NetemOptions;
  checkShape(o, path);
  const pct = (k: keyof NetemOptions): number => (o[k] === undefined ? 0 : parsePercent(o[k] as string | number, `${path}.${k}`));
  for (const [f, b] of [['jitter', 'delay'], ['delay_correlation', 'jitter'], ['loss_correlation', 'loss'], ['duplicate_correlation', 'duplicate'],
    ['reorder_correlation', 'reorder'], ['corrupt_correlation', 'corrupt'], ['reorder', 'delay'], ['gap', 'reorder'], ['ecn', 'loss']] as const) {
    if (f === 'ecn' && !o.ecn) continue;
    needs(o, f, b, path);
  }
  const c: NetemChecked = {
    latency: o.delay === undefined ? 0 : ticks(parseTime(o.delay, `${path}.delay`), `${path}.delay`),
    jitter: o.jitter === undefined ? 0 : ticks(parseTime(o.jitter, `${path}.jitter`), `${path}.jitter`),
    limit: o.limit ?? 1000, loss: pct('loss'), gap: o.gap ?? 0, duplicate: pct('duplicate'), ecn: o.ecn === true,
  };
  if (o.reorder !== undefined && c.latency === 0) throw new ValidationError('reorder needs a delay greater than 0', `${path}.reorder`);
  // tc sends the correlations only when one of delay, loss, reorder or corrupt has one.
  if ([o.delay_correlation, o.loss_correlation, o.duplicate_correlation, o.reorder_correlation, o.corrupt_correlation].some((x) => x !== undefined)) {
    c.corr = [pct('delay_correlation'), pct('loss_correlation'), pct('duplicate_correlation')];
  }
  if (o.reorder !== undefined) {
    c.reorder = [pct('reorder'), pct('reorder_correlation')];
    if (c.reorder[0] !== 0 && c.gap === 0) c.gap = 1;
  }
  if (o.corrupt !== undefined) c.corrupt = [pct('corrupt'), pct('corrupt_correlation')];
  if (o.rate !== undefined) c.rate = parseRate(o.rate, `${path}.rate`);
  return c;
}

function u32s(w: NetlinkWriter, type: number, values: readonly number[]): void {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => { b.writeUInt32LE(v >>> 0, i * 4); });
  w.attrBytes(type, b);
}

function write(w: NetlinkWriter, c: NetemChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  const q = Buffer.alloc(QOPT_SIZE);
  [c.latency, c.limit, c.loss, c.gap, c.duplicate, c.jitter].forEach((v, i) => { q.writeUInt32LE(v >>> 0, i * 4); });
  w.raw(q);
  if (c.corr) u32s(w, TCA_NETEM_CORR, c.corr);
  if (c.reorder) u32s(w, TCA_NETEM_REORDER, c.reorder);
  if (c.ecn) w.attrU32(TCA_NETEM_ECN, 1);
  if (c.corrupt) u32s(w, TCA_NETEM_CORRUPT, c.corrupt);
  if (c.rate !== undefined) {
    if (c.rate >= 0x100000000) w.attrU64(TCA_NETEM_RATE64, c.rate);
    // struct tc_netem_rate: rate, packet_overhead, cell_size, cell_overhead
    u32s(w, TCA_NETEM_RATE, [Math.min(c.rate, 0xffffffff), 0, 0, 0]);
  }
  w.endNested(t);
}

function decode(b: Buffer, at: number, end: number): NetemInfo {
  // The payload starts with the struct; the attributes follow it.
  if (end - at < QOPT_SIZE) throw new DecodeError(`netem options of ${end - at} bytes are shorter than tc_netem_qopt`, at);
  const info: NetemInfo = { limit: b.readUInt32LE(at + 4) };
  const set = (k: keyof NetemInfo, scaled: number): void => { if (scaled) (info as unknown as Record<string, number>)[k] = percentOf(scaled); };
  let delay = usecOfTicks(b.readUInt32LE(at));
  let jitter = usecOfTicks(b.readUInt32LE(at + 20));
  set('loss', b.readUInt32LE(at + 8));
  if (b.readUInt32LE(at + 12)) info.gap = b.readUInt32LE(at + 12);
  set('duplicate', b.readUInt32LE(at + 16));
  let rate = 0;
  const a = new AttrReader(b, at + QOPT_SIZE, end);
  while (a.next()) {
    switch (a.type) {
      case TCA_NETEM_CORR:
        a.struct(12, 'tc_netem_corr');
        set('delay_correlation', a.buf.readUInt32LE(a.off));
        set('loss_correlation', a.buf.readUInt32LE(a.off + 4));
        set('duplicate_correlation', a.buf.readUInt32LE(a.off + 8));
        break;
      case TCA_NETEM_REORDER:
        a.struct(8, 'tc_netem_reorder');
        set('reorder', a.buf.readUInt32LE(a.off));
        set('reorder_correlation', a.buf.readUInt32LE(a.off + 4));
        break;
      case TCA_NETEM_CORRUPT:
        a.struct(8, 'tc_netem_corrupt');
        set('corrupt', a.buf.readUInt32LE(a.off));
        set('corrupt_correlation', a.buf.readUInt32LE(a.off + 4));
        break;
      case TCA_NETEM_RATE: a.struct(4, 'tc_netem_rate'); rate ||= a.buf.readUInt32LE(a.off); break;
      case TCA_NETEM_RATE64: rate = a.u64n(); break;
      case TCA_NETEM_ECN: info.ecn = a.u32() !== 0; break;
      case TCA_NETEM_LATENCY64: a.struct(8, 's64'); delay = Math.trunc(Number(a.buf.readBigInt64LE(a.off)) / 1000); break;
      case TCA_NETEM_JITTER64: a.struct(8, 's64'); jitter = Math.trunc(Number(a.buf.readBigInt64LE(a.off)) / 1000); break;
      default: break;
    }
  }
  if (delay) info.delay = delay;
  if (jitter) info.jitter = jitter;
  if (rate) info.rate = rate;
  return info;
}

export const netem = entry<NetemChecked, NetemInfo>({ schema: NetemOptionsSchema, check, write, decode });
