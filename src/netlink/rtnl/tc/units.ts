// tc's units, read exactly as iproute2 reads them (lib/utils.c get_time,
// lib/utils_math.c get_rate64/get_size, tc/q_netem.c get_percent), and the
// scheduler clock arithmetic of tc/tc_core.c: ticks, transmit times and the
// 256-entry rate tables tbf and htb send. A caller may give the kernel's own
// numbers instead: times in microseconds, rates in bytes per second, sizes in
// bytes, percentages as numbers (1 = 1%).
import { describeValue, ValidationError } from '../../core/errors.js';
import { Text, Type, type Static } from '../../core/schema.js';

/**
 * /proc/net/psched on every kernel with high-resolution timers (all current
 * ones): 1000 ns per µs, 64 ns per tick, clock resolution 1 µs. So a
 * microsecond is 15.625 ticks, as tc_core_init() computes it.
 */
const TICKS_PER_USEC = 1000 / 64;
const USEC_PER_SEC = 1_000_000;
/** psched's last field (NSEC_PER_SEC / hrtimer resolution), which tc's get_hz() returns. */
export const PSCHED_HZ = 1_000_000_000;

const NUMBER = '[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?';
const WITH_UNIT = new RegExp(`^(${NUMBER})([a-zA-Z%]*)$`);

/** A time: microseconds, or '10ms', '1.5s', '250us' as tc reads them. */
export const TcTimeSchema = Type.Union([Type.Integer({ minimum: 0, maximum: 0xffffffff }), Text({ minLength: 1, maxLength: 32 })]);
export type TcTime = Static<typeof TcTimeSchema>;
/** A rate: bytes per second (as the kernel and `tc -j` count), or '1mbit', '100kbit', '10MBps' as tc reads them. */
export const TcRateSchema = Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Text({ minLength: 1, maxLength: 32 })]);
export type TcRate = Static<typeof TcRateSchema>;
/** A size: bytes, or '32kbit', '10kb', '1mb' as tc reads them. */
export const TcSizeSchema = Type.Union([Type.Integer({ minimum: 0, maximum: 0xffffffff }), Text({ minLength: 1, maxLength: 32 })]);
export type TcSize = Static<typeof TcSizeSchema>;
/** A percentage: a number (1 = 1%) or '1%', '0.5%'. */
export const TcPercentSchema = Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Text({ minLength: 1, maxLength: 32 })]);
export type TcPercent = Static<typeof TcPercentSchema>;

/** What C's conversion of a non-negative double to a 32-bit unsigned gives on x86-64 (truncation, then the low 32 bits). */
function u32(x: number): number {
  return Math.trunc(x) % 0x100000000;
}

function split(v: string, field: string, what: string, example: string): [number, string] {
  const m = WITH_UNIT.exec(v);
  if (!m) throw new ValidationError(`${describeValue(v)} is not ${what} (e.g. ${example})`, field);
  return [Number(m[1]), m[2]!.toLowerCase()];
}

const TIME_UNITS: Readonly<Record<string, number>> = {
  '': 1, s: USEC_PER_SEC, sec: USEC_PER_SEC, secs: USEC_PER_SEC, ms: 1000, msec: 1000, msecs: 1000, us: 1, usec: 1, usecs: 1,
};

/** A time in microseconds (u32). */
export function parseTime(v: TcTime, field: string): number {
  if (typeof v === 'number') return v;
  const [n, unit] = split(v, field, 'a time', "'10ms', '1.5s' or '250us'");
  const scale = Object.hasOwn(TIME_UNITS, unit) ? TIME_UNITS[unit]! : undefined;
  if (scale === undefined) throw new ValidationError(`unknown time unit in ${describeValue(v)} (s, ms, us)`, field);
  const us = n * scale;
  if (us > 0xffffffff) throw new ValidationError(`${v} is too long (at most 4294967295 us)`, field);
  return Math.trunc(us);
}

/** Microseconds as scheduler ticks (tc_core_time2tick), refusing what does not fit 32 bits as tc does. */
export function ticks(us: number, field: string): number {
  if (us * TICKS_PER_USEC >= 0x100000000) throw new ValidationError(`${us} us is too large a time for the kernel's 32-bit clock ticks`, field);
  return u32(us * TICKS_PER_USEC);
}

/** Ticks as microseconds (tc_core_tick2time). */
export function usecOfTicks(t: number): number {
  return u32(t / TICKS_PER_USEC);
}

// tc's table, first match wins (strcasecmp): see lib/utils_math.c.
const RATE_UNITS: readonly [string, number][] = [
  ['bit', 1], ['kibit', 1024], ['kbit', 1000], ['mibit', 1024 * 1024], ['mbit', 1e6], ['gibit', 1024 ** 3], ['gbit', 1e9],
  ['tibit', 1024 ** 4], ['tbit', 1e12], ['bps', 8], ['kibps', 8 * 1024], ['kbps', 8000], ['mibps', 8 * 1024 * 1024],
  ['mbps', 8e6], ['gibps', 8 * 1024 ** 3], ['gbps', 8e9], ['tibps', 8 * 1024 ** 4], ['tbps', 8e12],
];

/** A rate in bytes per second (tc's get_rate64: a string without a unit is bits per second). */
export function parseRate(v: TcRate, field: string): number {
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) throw new ValidationError(`${describeValue(v)}: rates as a percentage of the link speed are not supported; give the rate (e.g. '100mbit')`, field);
  const [n, unit] = split(v, field, 'a rate', "'1mbit', '100kbit' or '10MBps'");
  const scale = unit === '' ? 1 : RATE_UNITS.find(([u]) => u === unit)?.[1];
  if (scale === undefined) throw new ValidationError(`unknown rate unit in ${describeValue(v)} (bit, kbit, mbit, gbit, Bps, KBps, MBps...)`, field);
  const bytes = Math.trunc((n * scale) / 8);
  if (bytes < 1) throw new ValidationError(`${describeValue(v)} is less than one byte per second`, field);
  if (bytes > Number.MAX_SAFE_INTEGER) throw new ValidationError(`${describeValue(v)} is too large a rate`, field);
  return bytes;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024, g: 1024 ** 3, gb: 1024 ** 3,
  kbit: 1024 / 8, mbit: (1024 * 1024) / 8, gbit: 1024 ** 3 / 8,
};

/** A size in bytes (tc's get_size: 'k'/'kb' are KiB, 'kbit' is 128 bytes). */
export function parseSize(v: TcSize, field: string): number {
  if (typeof v === 'number') return v;
  const [n, unit] = split(v, field, 'a size', "'32kbit', '10kb' or '1500'");
  const scale = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit]! : undefined;
  if (scale === undefined) throw new ValidationError(`unknown size unit in ${describeValue(v)} (b, kb, mb, gb, kbit, mbit, gbit)`, field);
  const bytes = n * scale;
  if (bytes > 0xffffffff) throw new ValidationError(`${describeValue(v)} is too large a size (at most 4 GiB)`, field);
  return Math.trunc(bytes);
}

/** A size with tc's optional cell: '20k/16' (get_size_and_cell); cellLog -1 when none is given. */
export function parseSizeAndCell(v: TcSize, field: string): { size: number; cellLog: number } {
  if (typeof v === 'number') return { size: v, cellLog: -1 };
  const slash = v.indexOf('/');
  if (slash < 0) return { size: parseSize(v, field), cellLog: -1 };
  const cell = Number(v.slice(slash + 1));
  const cellLog = Math.log2(cell);
  if (!Number.isInteger(cell) || !Number.isInteger(cellLog) || cellLog > 31) {
    throw new ValidationError(`the cell size in ${describeValue(v)} must be a power of two`, field);
  }
  return { size: parseSize(v.slice(0, slash), field), cellLog };
}

/** C's rint(): to the nearest integer, halves to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A percentage as the kernel's fraction of 2^32-1 (netem's get_percent: rint(p / 100 * UINT32_MAX)). */
export function parsePercent(v: TcPercent, field: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else {
    const m = new RegExp(`^(${NUMBER})(%?)$`).exec(v);
    if (!m) throw new ValidationError(`${describeValue(v)} is not a percentage (e.g. '1%' or '0.5%')`, field);
    n = Number(m[1]);
  }
  const per = n / 100;
  if (per > 1 || per < 0) throw new ValidationError(`${describeValue(v)} is not between 0% and 100%`, field);
  return rint(per * 0xffffffff);
}

/** The kernel's fraction of 2^32-1 as a percentage (1 = 1%), to 9 decimals: parsePercent() gives the same u32 back. */
export function percentOf(scaled: number): number {
  return Math.round((scaled / 0xffffffff) * 100 * 1e9) / 1e9;
}

/** Ticks to send `size` bytes at `rate` bytes/s (tc_calc_xmittime). */
export function xmittime(rate: number, size: number): number {
  return u32(u32(USEC_PER_SEC * (size / rate)) * TICKS_PER_USEC);
}

/** Bytes sent at `rate` in `t` ticks (tc_calc_xmitsize): how tc shows a burst. */
export function xmitsize(rate: number, t: number): number {
  return u32((rate * usecOfTicks(t)) / USEC_PER_SEC);
}

/** TC_LINKLAYER_* (<linux/pkt_sched.h>). */
export const LINKLAYERS = { ethernet: 1, atm: 2 } as const;
export type LinkLayer = keyof typeof LINKLAYERS;
export const LinkLayerSchema = Type.Enum(Object.keys(LINKLAYERS) as LinkLayer[]);

/** struct tc_ratespec, as tc fills it beside its rate table. */
export interface RateSpec {
  cellLog: number;
  linklayer: number;
  overhead: number;
  cellAlign: number;
  mpu: number;
  /** Bytes per second, clamped to u32 (the exact rate goes in a *_RATE64 attribute). */
  rate: number;
}

/** The rate table (tc_calc_rtable): the ticks to send (i+1) << cell_log bytes, for i in 0..255. */
export function rateTable(rate: number, mpu: number, overhead: number, cellLog: number, mtu: number, linklayer: number): { spec: RateSpec; table: Buffer } {
  const bps = Math.min(rate, 0xffffffff);
  let cl = cellLog;
  const m = mtu === 0 ? 2047 : mtu;
  if (cl < 0) {
    cl = 0;
    while ((m >>> cl) > 255) cl++;
  }
  const table = Buffer.alloc(1024);
  for (let i = 0; i < 256; i++) {
    let sz = Math.max((i + 1) * 2 ** cl, mpu);
    if (linklayer === LINKLAYERS.atm) sz = Math.ceil(sz / 48) * 53;
    table.writeUInt32LE(xmittime(bps, sz), i * 4);
  }
  return { spec: { cellLog: cl, linklayer: linklayer & 0x0f, overhead, cellAlign: -1, mpu, rate: bps }, table };
}

/** sizeof(struct tc_ratespec). */
export const RATESPEC_SIZE = 12;

export function writeRateSpec(b: Buffer, off: number, r: RateSpec): void {
  b[off] = r.cellLog;
  b[off + 1] = r.linklayer;
  b.writeUInt16LE(r.overhead, off + 2);
  b.writeInt16LE(r.cellAlign, off + 4);
  b.writeUInt16LE(r.mpu, off + 6);
  b.writeUInt32LE(r.rate >>> 0, off + 8);
}

export function readRateSpec(b: Buffer, off: number): RateSpec {
  return {
    cellLog: b[off]!, linklayer: b[off + 1]! & 0x0f, overhead: b.readUInt16LE(off + 2), cellAlign: b.readInt16LE(off + 4),
    mpu: b.readUInt16LE(off + 6), rate: b.readUInt32LE(off + 8),
  };
}

/** A link layer's name (undefined for 0, "unaware"). */
export function linklayerName(n: number): LinkLayer | undefined {
  return n === LINKLAYERS.atm ? 'atm' : n === LINKLAYERS.ethernet ? 'ethernet' : undefined;
}
