// tbf (`tc qdisc add ... tbf rate 1mbit burst 32kbit latency 400ms`): a
// token bucket. tc sends struct tc_tbf_qopt with its burst in ticks, the
// burst in bytes, and the rate tables it computed (tc/q_tbf.c).
import { AttrReader } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, Type, U16, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { TCA_OPTIONS } from '../constants.js';
import { entry } from '../kind.js';
import {
  LINKLAYERS, LinkLayerSchema, linklayerName, parseRate, parseSize, parseSizeAndCell, parseTime, RATESPEC_SIZE, rateTable,
  readRateSpec, TcRateSchema, TcSizeSchema, TcTimeSchema, writeRateSpec, xmitsize, xmittime, type LinkLayer,
} from '../units.js';

const TCA_TBF_PARMS = 1;
const TCA_TBF_RTAB = 2;
const TCA_TBF_PTAB = 3;
const TCA_TBF_RATE64 = 4;
const TCA_TBF_PRATE64 = 5;
const TCA_TBF_BURST = 6;
const TCA_TBF_PBURST = 7;
/** sizeof(struct tc_tbf_qopt): rate, peakrate (tc_ratespec each), limit, buffer, mtu. */
const QOPT_SIZE = 2 * RATESPEC_SIZE + 12;

export const TbfOptionsSchema = Type.Object({
  /** Bytes per second, or '1mbit'. */
  rate: TcRateSchema,
  /** The bucket: bytes, or '32kbit', '10kb'; tc's '20k/16' gives the rate table's cell size too. */
  burst: TcSizeSchema,
  /** How long a packet may wait (sets limit from rate and burst, as tc): '400ms'. Give latency or limit. */
  latency: Type.Optional(TcTimeSchema),
  /** Bytes queued at most. */
  limit: Type.Optional(TcSizeSchema),
  /** A second, smaller bucket for bursts: needs mtu. */
  peakrate: Type.Optional(TcRateSchema),
  /** The peak bucket's size (usually the device MTU); '1514/8' sets its cell size. */
  mtu: Type.Optional(TcSizeSchema),
  mpu: Type.Optional(U16),
  overhead: Type.Optional(U16),
  linklayer: Type.Optional(LinkLayerSchema),
}, CLOSED);
export type TbfOptions = Static<typeof TbfOptionsSchema>;

/** tbf as the kernel reports it: rate and peakrate in bytes/s, burst, mtu and limit in bytes. */
export interface TbfInfo {
  rate: number;
  burst: number;
  limit: number;
  peakrate?: number;
  mtu?: number;
  mpu?: number;
  overhead?: number;
  linklayer?: LinkLayer;
}

interface TbfChecked { parms: Buffer; burst: number; rate: number; rtab: Buffer; peak?: { rate: number; mtu: number; ptab: Buffer } }

const checkShape = checker(TbfOptionsSchema);

function check(options: unknown, path: string): TbfChecked {
  if (options === undefined) throw new ValidationError('tbf needs options: rate, burst, and latency or limit', path);
  checkShape(options, path);
  const o = options as TbfOptions;
  if ((o.latency === undefined) === (o.limit === undefined)) throw new ValidationError('give either latency or limit (as tc)', `${path}.limit`);
  if (o.peakrate !== undefined && o.mtu === undefined) throw new ValidationError('peakrate needs mtu', `${path}.mtu`);
  const rate = parseRate(o.rate, `${path}.rate`);
  const { size: burst, cellLog } = parseSizeAndCell(o.burst, `${path}.burst`);
  if (burst === 0) throw new ValidationError('burst must be more than 0 bytes', `${path}.burst`);
  const mtuCell = o.mtu === undefined ? { size: 0, cellLog: -1 } : parseSizeAndCell(o.mtu, `${path}.mtu`);
  const peak = o.peakrate === undefined ? 0 : parseRate(o.peakrate, `${path}.peakrate`);
  const mpu = o.mpu ?? 0;
  const overhead = o.overhead ?? 0;
  const ll = LINKLAYERS[o.linklayer ?? 'ethernet'];
  let limit: number;
  if (o.limit !== undefined) limit = parseSize(o.limit, `${path}.limit`);
  else {
    const latency = parseTime(o.latency!, `${path}.latency`);
    let lim = (rate * latency) / 1e6 + burst;
    if (peak) lim = Math.min(lim, (peak * latency) / 1e6 + mtuCell.size);
    limit = Math.trunc(lim) % 0x100000000;
  }
  const r = rateTable(rate, mpu, overhead, cellLog, mtuCell.size, ll);
  const parms = Buffer.alloc(QOPT_SIZE);
  writeRateSpec(parms, 0, r.spec);
  parms.writeUInt32LE(limit >>> 0, 24);
  parms.writeUInt32LE(xmittime(r.spec.rate, burst), 28);
  const c: TbfChecked = { parms, burst, rate, rtab: r.table };
  if (peak) {
    const p = rateTable(peak, mpu, overhead, mtuCell.cellLog, mtuCell.size, ll);
    writeRateSpec(parms, RATESPEC_SIZE, p.spec);
    parms.writeUInt32LE(xmittime(p.spec.rate, mtuCell.size), 32);
    c.peak = { rate: peak, mtu: mtuCell.size, ptab: p.table };
  }
  return c;
}

function write(w: NetlinkWriter, c: TbfChecked): void {
  const t = w.beginNested(TCA_OPTIONS, 'options');
  w.attrBytes(TCA_TBF_PARMS, c.parms);
  w.attrU32(TCA_TBF_BURST, c.burst);
  if (c.rate >= 0x100000000) w.attrU64(TCA_TBF_RATE64, c.rate);
  w.attrBytes(TCA_TBF_RTAB, c.rtab);
  if (c.peak) {
    if (c.peak.rate >= 0x100000000) w.attrU64(TCA_TBF_PRATE64, c.peak.rate);
    w.attrU32(TCA_TBF_PBURST, c.peak.mtu);
    w.attrBytes(TCA_TBF_PTAB, c.peak.ptab);
  }
  w.endNested(t);
}

function decode(buf: Buffer, off: number, end: number): TbfInfo {
  const r = new AttrReader(buf, off, end);
  let parms: Buffer | undefined;
  let rate64: number | undefined;
  let prate64: number | undefined;
  while (r.next()) {
    if (r.type === TCA_TBF_PARMS) { r.struct(QOPT_SIZE, 'tc_tbf_qopt'); parms = r.bytes(); }
    else if (r.type === TCA_TBF_RATE64) rate64 = r.u64n();
    else if (r.type === TCA_TBF_PRATE64) prate64 = r.u64n();
  }
  if (!parms) return { rate: 0, burst: 0, limit: 0 };
  const rs = readRateSpec(parms, 0);
  const ps = readRateSpec(parms, RATESPEC_SIZE);
  const rate = rate64 ?? rs.rate;
  const info: TbfInfo = { rate, burst: xmitsize(rate, parms.readUInt32LE(28)), limit: parms.readUInt32LE(24) };
  const peak = prate64 ?? ps.rate;
  if (peak) {
    info.peakrate = peak;
    info.mtu = xmitsize(peak, parms.readUInt32LE(32));
  }
  if (rs.mpu) info.mpu = rs.mpu;
  if (rs.overhead) info.overhead = rs.overhead;
  const ll = linklayerName(rs.linklayer);
  if (ll && ll !== 'ethernet') info.linklayer = ll;
  return info;
}

export const tbf = entry<TbfChecked, TbfInfo>({ schema: TbfOptionsSchema, check, write, decode });
