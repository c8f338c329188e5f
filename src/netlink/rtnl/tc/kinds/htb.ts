// htb: the qdisc (`tc qdisc add ... htb default 10`: struct tc_htb_glob) and
// its classes (`tc class add ... htb rate 1mbit ceil 2mbit`: struct
// tc_htb_opt with bursts in ticks and the rate and ceil tables tc computes,
// tc/q_htb.c).
import { AttrReader } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, Text, Type, U16, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { TCA_OPTIONS } from '../constants.js';
import { entry } from '../kind.js';
import {
  LINKLAYERS, LinkLayerSchema, linklayerName, parseRate, parseSizeAndCell, PSCHED_HZ, RATESPEC_SIZE, rateTable, readRateSpec,
  TcRateSchema, TcSizeSchema, writeRateSpec, xmitsize, xmittime, type LinkLayer,
} from '../units.js';

const TCA_HTB_PARMS = 1;
const TCA_HTB_INIT = 2;
const TCA_HTB_CTAB = 3;
const TCA_HTB_RTAB = 4;
const TCA_HTB_DIRECT_QLEN = 5;
const TCA_HTB_RATE64 = 6;
const TCA_HTB_CEIL64 = 7;
const TCA_HTB_OFFLOAD = 9;
/** sizeof(struct tc_htb_glob): version, rate2quantum, defcls, debug, direct_pkts. */
const GLOB_SIZE = 20;
/** sizeof(struct tc_htb_opt): rate, ceil (tc_ratespec each), buffer, cbuffer, quantum, level, prio. */
const OPT_SIZE = 2 * RATESPEC_SIZE + 20;

// ------------------------------------------------------------------ the qdisc

export const HtbOptionsSchema = Type.Object({
  /** The class unclassified traffic goes to: its minor in hex as tc reads it ('10' is 1:10), or the number. */
  default: Type.Optional(Type.Union([U32, Text({ minLength: 1, maxLength: 8 })])),
  /** Divides a class's rate into its quantum (tc's default 10). */
  r2q: Type.Optional(U32),
  /** Packets the direct queue (traffic without a class) holds. */
  direct_qlen: Type.Optional(U32),
  offload: Type.Optional(Type.Boolean()),
}, CLOSED);
export type HtbOptions = Static<typeof HtbOptionsSchema>;

export interface HtbInfo {
  r2q: number;
  /** The default class's minor, in hex as tc prints it ('10'). */
  default: string;
  direct_qlen?: number;
  direct_packets_stat: number;
  offload?: boolean;
}

interface HtbChecked { glob: Buffer; directQlen?: number; offload: boolean }

const checkQdiscShape = checker(HtbOptionsSchema);

function checkQdisc(options: unknown, path: string): HtbChecked {
  const o = (options ?? {}) as HtbOptions;
  checkQdiscShape(o, path);
  let defcls = 0;
  if (typeof o.default === 'number') defcls = o.default;
  else if (o.default !== undefined) {
    if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(o.default)) throw new ValidationError(`default must be a class minor in hex ('10' for 1:10), got '${o.default}'`, `${path}.default`);
    defcls = Number.parseInt(o.default.replace(/^0x/, ''), 16);
  }
  const glob = Buffer.alloc(GLOB_SIZE);
  glob.writeUInt32LE(3, 0); // version
  glob.writeUInt32LE(o.r2q ?? 10, 4);
  glob.writeUInt32LE(defcls >>> 0, 8);
  return { glob, ...(o.direct_qlen !== undefined && { directQlen: o.direct_qlen }), offload: o.offload === true };
}

function writeQdisc(w: NetlinkWriter, c: HtbChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  w.attrBytes(TCA_HTB_INIT, c.glob);
  if (c.directQlen !== undefined) w.attrU32(TCA_HTB_DIRECT_QLEN, c.directQlen);
  if (c.offload) w.attrFlag(TCA_HTB_OFFLOAD);
  w.endNested(t);
}

function decodeQdisc(buf: Buffer, off: number, end: number): HtbInfo {
  const info: HtbInfo = { r2q: 0, default: '0', direct_packets_stat: 0 };
  const r = new AttrReader(buf, off, end);
  while (r.next()) {
    if (r.type === TCA_HTB_INIT) {
      r.struct(GLOB_SIZE, 'tc_htb_glob');
      info.r2q = r.buf.readUInt32LE(r.off + 4);
      info.default = r.buf.readUInt32LE(r.off + 8).toString(16);
      info.direct_packets_stat = r.buf.readUInt32LE(r.off + 16);
    } else if (r.type === TCA_HTB_DIRECT_QLEN) info.direct_qlen = r.u32();
    else if (r.type === TCA_HTB_OFFLOAD) info.offload = true;
  }
  return info;
}

export const htb = entry<HtbChecked, HtbInfo>({ schema: HtbOptionsSchema, check: checkQdisc, write: writeQdisc, decode: decodeQdisc });

// ------------------------------------------------------------------ its classes

export const HtbClassOptionsSchema = Type.Object({
  /** The guaranteed rate: bytes per second, or '1mbit'. */
  rate: TcRateSchema,
  /** What the class may borrow up to (default: rate). */
  ceil: Type.Optional(TcRateSchema),
  /** Bytes sent at ceil at once (default: rate / HZ + mtu, as tc); '15k/8' sets the cell size. */
  burst: Type.Optional(TcSizeSchema),
  cburst: Type.Optional(TcSizeSchema),
  /** Lower is served first when borrowing. */
  prio: Type.Optional(U32),
  quantum: Type.Optional(U32),
  /** The packet size the rate tables cover (tc's default 1600). */
  mtu: Type.Optional(U32),
  mpu: Type.Optional(U16),
  overhead: Type.Optional(U16),
  linklayer: Type.Optional(LinkLayerSchema),
}, CLOSED);
export type HtbClassOptions = Static<typeof HtbClassOptionsSchema>;

export interface HtbClassInfo {
  rate: number;
  ceil: number;
  burst: number;
  cburst: number;
  prio: number;
  quantum: number;
  /** 0 for a leaf; inner classes are higher. */
  level: number;
  mpu?: number;
  overhead?: number;
  linklayer?: LinkLayer;
}

interface HtbClassChecked { opt: Buffer; rate: number; ceil: number; rtab: Buffer; ctab: Buffer }

const checkClassShape = checker(HtbClassOptionsSchema);

function checkClass(options: unknown, path: string): HtbClassChecked {
  if (options === undefined) throw new ValidationError('an htb class needs options with a rate', path);
  checkClassShape(options, path);
  const o = options as HtbClassOptions;
  const rate = parseRate(o.rate, `${path}.rate`);
  const ceil = o.ceil === undefined ? rate : parseRate(o.ceil, `${path}.ceil`);
  const mtu = o.mtu ?? 1600;
  const b = o.burst === undefined ? { size: 0, cellLog: -1 } : parseSizeAndCell(o.burst, `${path}.burst`);
  const cb = o.cburst === undefined ? { size: 0, cellLog: -1 } : parseSizeAndCell(o.cburst, `${path}.cburst`);
  // tc's minimal burst: what the rate sends in one timer tick, plus a packet.
  const buffer = b.size || (Math.floor(rate / PSCHED_HZ) + mtu) % 0x100000000;
  const cbuffer = cb.size || (Math.floor(ceil / PSCHED_HZ) + mtu) % 0x100000000;
  const ll = LINKLAYERS[o.linklayer ?? 'ethernet'];
  const r = rateTable(rate, o.mpu ?? 0, o.overhead ?? 0, b.cellLog, mtu, ll);
  const c = rateTable(ceil, o.mpu ?? 0, o.overhead ?? 0, cb.cellLog, mtu, ll);
  const opt = Buffer.alloc(OPT_SIZE);
  writeRateSpec(opt, 0, r.spec);
  writeRateSpec(opt, RATESPEC_SIZE, c.spec);
  opt.writeUInt32LE(xmittime(rate, buffer), 24);
  opt.writeUInt32LE(xmittime(ceil, cbuffer), 28);
  opt.writeUInt32LE(o.quantum ?? 0, 32);
  opt.writeUInt32LE(o.prio ?? 0, 40);
  return { opt, rate, ceil, rtab: r.table, ctab: c.table };
}

function writeClass(w: NetlinkWriter, c: HtbClassChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  if (c.rate >= 0x100000000) w.attrU64(TCA_HTB_RATE64, c.rate);
  if (c.ceil >= 0x100000000) w.attrU64(TCA_HTB_CEIL64, c.ceil);
  w.attrBytes(TCA_HTB_PARMS, c.opt);
  w.attrBytes(TCA_HTB_RTAB, c.rtab);
  w.attrBytes(TCA_HTB_CTAB, c.ctab);
  w.endNested(t);
}

function decodeClass(buf: Buffer, off: number, end: number): HtbClassInfo {
  const r = new AttrReader(buf, off, end);
  let opt: Buffer | undefined;
  let rate64: number | undefined;
  let ceil64: number | undefined;
  while (r.next()) {
    if (r.type === TCA_HTB_PARMS) { r.struct(OPT_SIZE, 'tc_htb_opt'); opt = r.bytes(); }
    else if (r.type === TCA_HTB_RATE64) rate64 = r.u64n();
    else if (r.type === TCA_HTB_CEIL64) ceil64 = r.u64n();
  }
  if (!opt) return { rate: 0, ceil: 0, burst: 0, cburst: 0, prio: 0, quantum: 0, level: 0 };
  const rs = readRateSpec(opt, 0);
  const rate = rate64 ?? rs.rate;
  const ceil = ceil64 ?? readRateSpec(opt, RATESPEC_SIZE).rate;
  const info: HtbClassInfo = {
    rate, ceil, burst: xmitsize(rate, opt.readUInt32LE(24)), cburst: xmitsize(ceil, opt.readUInt32LE(28)),
    prio: opt.readUInt32LE(40), quantum: opt.readUInt32LE(32), level: opt.readUInt32LE(36),
  };
  if (rs.mpu) info.mpu = rs.mpu;
  if (rs.overhead) info.overhead = rs.overhead;
  const ll = linklayerName(rs.linklayer);
  if (ll && ll !== 'ethernet') info.linklayer = ll;
  return info;
}

export const htbClass = entry<HtbClassChecked, HtbClassInfo>({ schema: HtbClassOptionsSchema, check: checkClass, write: writeClass, decode: decodeClass });
