// What qdiscs, classes and filters share on the wire: struct tcmsg, TCA_KIND,
// TCA_OPTIONS (read by the kind's own decoder), TCA_CHAIN and the statistics
// of TCA_STATS2. The three objects' codecs build on this one.
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import type { NetlinkWriter } from '../../core/writer.js';
import {
  TCA_CHAIN, TCA_HW_OFFLOAD, TCA_KIND, TCA_NAMES, TCA_OPTIONS, TCA_STATS2, TCA_STATS_BASIC, TCA_STATS_PKT64, TCA_STATS_QUEUE,
  TCA_STATS_RATE_EST, TCA_STATS_RATE_EST64, TCA_XSTATS, TCMSG_SIZE,
} from './constants.js';

/** struct tcmsg: AF_UNSPEC, the device, the object's handle, its parent, and tcm_info (a filter's priority and protocol). */
export function tcmsg(w: NetlinkWriter, ifindex: number, handle: number, parent: number, info = 0): void {
  w.u32(0); // family AF_UNSPEC and padding
  w.s32(ifindex);
  w.u32(handle);
  w.u32(parent);
  w.u32(info);
}

/** Counters of TCA_STATS2 (struct gnet_stats_basic, gnet_stats_queue, gnet_stats_rate_est), names as `tc -s -j`. */
export interface TcStats {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
  /** The rate estimator's bytes and packets per second, when one runs. */
  bps?: number;
  pps?: number;
}

/** The parts every tc message has, with TCA_OPTIONS still undecoded. */
export interface TcParts {
  ifindex: number;
  handle: number;
  parent: number;
  info: number;
  kind: string;
  chain?: number;
  hw_offload?: boolean;
  stats?: TcStats;
  /** TCA_OPTIONS' payload, for the kind's decoder. */
  options?: { buf: Buffer; off: number; end: number };
  unknown?: RawAttribute[];
}

/** Decodes one tc message (header included); `what` names the object in errors. */
export function decodeTcParts(msg: Buffer, what: string): TcParts {
  return decodeTcPartsAt(msg, NLMSG_HDRLEN, messageEnd(msg, what), what);
}

export function decodeTcPartsAt(buf: Buffer, off: number, end: number, what: string): TcParts {
  fixedHeader(off, end, TCMSG_SIZE, what);
  const p: TcParts = {
    ifindex: buf.readInt32LE(off + 4), handle: buf.readUInt32LE(off + 8), parent: buf.readUInt32LE(off + 12),
    info: buf.readUInt32LE(off + 16), kind: '',
  };
  let unknown: RawAttribute[] | undefined;
  const r = new AttrReader(buf, off + TCMSG_SIZE, end, TCA_NAMES);
  while (r.next()) {
    switch (r.type) {
      case TCA_KIND: p.kind = r.string(); break;
      case TCA_OPTIONS: p.options = { buf: r.buf, off: r.off, end: r.off + r.len }; break;
      case TCA_CHAIN: p.chain = r.u32(); break;
      case TCA_HW_OFFLOAD: p.hw_offload = r.u8() !== 0; break;
      case TCA_STATS2: p.stats = decodeStats(r.nested()); break;
      // TCA_STATS (the old struct tc_stats) repeats TCA_STATS2; TCA_XSTATS is per kind and not decoded.
      case 3: case TCA_XSTATS: break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  if (!p.kind) throw new DecodeError(`${what} message without TCA_KIND`, off);
  if (unknown) p.unknown = unknown;
  return p;
}

function decodeStats(r: AttrReader): TcStats {
  const s: TcStats = { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };
  while (r.next()) {
    switch (r.type) {
      case TCA_STATS_BASIC:
        // struct gnet_stats_basic: u64 bytes, u32 packets (padded to 16 bytes)
        r.struct(12, 'gnet_stats_basic');
        s.bytes = r.buf.readUInt32LE(r.off) + r.buf.readUInt32LE(r.off + 4) * 0x100000000;
        s.packets = r.buf.readUInt32LE(r.off + 8);
        break;
      case TCA_STATS_PKT64: s.packets = r.u64n(); break;
      case TCA_STATS_QUEUE:
        // struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits
        r.struct(20, 'gnet_stats_queue');
        s.qlen = r.buf.readUInt32LE(r.off);
        s.backlog = r.buf.readUInt32LE(r.off + 4);
        s.drops = r.buf.readUInt32LE(r.off + 8);
        s.requeues = r.buf.readUInt32LE(r.off + 12);
        s.overlimits = r.buf.readUInt32LE(r.off + 16);
        break;
      case TCA_STATS_RATE_EST:
        r.struct(8, 'gnet_stats_rate_est');
        s.bps = r.buf.readUInt32LE(r.off);
        s.pps = r.buf.readUInt32LE(r.off + 4);
        break;
      case TCA_STATS_RATE_EST64:
        r.struct(16, 'gnet_stats_rate_est64');
        s.bps = Number(r.buf.readBigUInt64LE(r.off));
        s.pps = Number(r.buf.readBigUInt64LE(r.off + 8));
        break;
      default: break;
    }
  }
  return s;
}
