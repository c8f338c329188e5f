// Policy routing rules (`ip rule`, `ip -6 rule`) on the wire: the caller's
// spec with its one check, the encoder and the decoder (the FRA_* numbers and
// flags are in constants.ts).
import { AttrReader, type RawAttribute } from '../../core/attributes.js';
import { NLMSG_HDRLEN } from '../../core/constants.js';
import { DecodeError, ValidationError } from '../../core/errors.js';
import { fixedHeader, messageEnd } from '../../core/message.js';
import { checker, CLOSED, Int, Text, Type, U16, U32, U8, type Static } from '../../core/schema.js';
import type { Request } from '../../core/socket.js';
import { NetlinkWriter } from '../../core/writer.js';
import { directIndex, LinkNameSchema, type DevResolver } from '../devices.js';
import { afOf, describe, familyOf, FamilySchema, parseAddress, readAddress, type Family } from '../inet.js';
import { ipProtocol, protocolId, protocolName, ProtocolSchema, tableId, TableSchema } from '../names.js';
import {
  FIB_RULE_HDR_SIZE, FIB_RULE_IIF_DETACHED, FIB_RULE_INVERT, FIB_RULE_OIF_DETACHED, FIB_RULE_PERMANENT, FIB_RULE_UNRESOLVED,
  FR_ACT_GOTO, FR_ACT_TO_TBL, FR_ACT_UNSPEC, FRA_DPORT_MASK, FRA_DPORT_RANGE, FRA_DSCP, FRA_DSCP_MASK, FRA_DST, FRA_FLOW,
  FRA_FLOWLABEL, FRA_FLOWLABEL_MASK, FRA_FWMARK, FRA_FWMASK, FRA_GOTO, FRA_IIFNAME, FRA_IP_PROTO, FRA_L3MDEV, FRA_OIFNAME,
  FRA_PRIORITY, FRA_PROTOCOL, FRA_SPORT_MASK, FRA_SPORT_RANGE, FRA_SRC, FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN,
  FRA_TABLE, FRA_TUN_ID, FRA_UID_RANGE, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, RULE_ACTIONS, type RuleAction,
} from './constants.js';

const RT_TABLE_MAIN = 254;

// ------------------------------------------------------------ specs and types

/** A port or an inclusive range [low, high]. */
const PortRangeSchema = Type.Union([U16, Type.Tuple([U16, U16])]);
export type PortRange = Static<typeof PortRangeSchema>;

const TUN_ID_MAX = 0xffffffffffffffffn;

/** `ip rule add|del ...` */
export const RuleSpecSchema = Type.Object({
  /** 4 or 6; inferred from src/dst, default 4. */
  family: Type.Optional(FamilySchema),
  /** `priority` (also `pref`): rules run in increasing order. */
  priority: Type.Optional(U32),
  /** Source prefix ("10.0.0.0/8", "all"). */
  src: Type.Optional(Type.String()),
  dst: Type.Optional(Type.String()),
  tos: Type.Optional(U8),
  /** DSCP (0..63) via FRA_DSCP (kernels from 6.14). */
  dscp: Type.Optional(Int(0, 63)),
  fwmark: Type.Optional(U32),
  fwmask: Type.Optional(U32),
  /** Incoming interface name (`iif`); the interface need not exist yet. */
  iif: Type.Optional(LinkNameSchema),
  oif: Type.Optional(LinkNameSchema),
  /** UID range, inclusive. */
  uidrange: Type.Optional(Type.Tuple([U32, U32])),
  sport: Type.Optional(PortRangeSchema),
  dport: Type.Optional(PortRangeSchema),
  /** Match `sport & sport_mask` (kernel 6.15+); a single sport is then required. */
  sport_mask: Type.Optional(U16),
  dport_mask: Type.Optional(U16),
  dscp_mask: Type.Optional(Int(0, 63)),
  /** IPv6 flow label (kernel 6.15+). */
  flowlabel: Type.Optional(Int(0, 0xfffff)),
  flowlabel_mask: Type.Optional(Int(0, 0xfffff)),
  /** IP protocol number or name from /etc/protocols (tcp, udp, icmp...). */
  ipproto: Type.Optional(Type.Union([U8, Text({ minLength: 1 })])),
  /** Look up the table of the l3mdev (VRF) the packet belongs to. */
  l3mdev: Type.Optional(Type.Boolean()),
  /** Tunnel id (64 bits): a bigint, or a number up to 2^53 - 1. */
  tun_id: Type.Optional(Type.Union([
    Type.Refine(Type.BigInt(), (v) => v >= 0n && v <= TUN_ID_MAX, (v) => `expected a bigint 0..${TUN_ID_MAX}, got ${describe(v)}`),
    Int(0, Number.MAX_SAFE_INTEGER),
  ])),
  /** Invert the selector (`not`). */
  not: Type.Optional(Type.Boolean()),
  /** Who installed the rule (number or /etc/iproute2/rt_protos name). */
  protocol: Type.Optional(ProtocolSchema),
  /** Default 'lookup' (with `table`), or 'goto' (with `goto`). */
  action: Type.Optional(Type.Enum(['lookup', 'goto', 'nop', 'blackhole', 'unreachable', 'prohibit'])),
  /** Table to look up (id or name). With neither table nor action, 'main' (as `ip rule add`). */
  table: Type.Optional(TableSchema),
  /** Target priority of a 'goto' rule. */
  goto: Type.Optional(U32),
  suppress_prefixlength: Type.Optional(Int(0, 128)),
  suppress_ifgroup: Type.Optional(U32),
  /** Realms (FRA_FLOW): a number. */
  realms: Type.Optional(U32),
}, CLOSED);
export type RuleSpec = Static<typeof RuleSpecSchema>;

export const RuleListFilterSchema = Type.Object({
  family: Type.Optional(FamilySchema),
}, CLOSED);
export type RuleListFilter = Static<typeof RuleListFilterSchema>;

/** A rule as the kernel reports it. Names follow `ip -j rule`. */
export interface Rule {
  family: Family;
  priority: number;
  /** "all" or a prefix. */
  src: string;
  src_len: number;
  dst: string;
  dst_len: number;
  tos: number;
  dscp?: number;
  table: number;
  action: RuleAction | number;
  not: boolean;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  uidrange?: [number, number];
  sport?: [number, number];
  dport?: [number, number];
  sport_mask?: number;
  dport_mask?: number;
  dscp_mask?: number;
  flowlabel?: number;
  flowlabel_mask?: number;
  ipproto?: number;
  l3mdev?: boolean;
  tun_id?: bigint;
  protocol: string | number;
  goto?: number;
  suppress_prefixlength?: number;
  suppress_ifgroup?: number;
  realms?: number;
  /** Other fib_rule_hdr flags (detached, unresolved...). */
  flags: string[];
  unknown?: RawAttribute[];
}

// ------------------------------------------------------------------ checking

/** A port or a range as FRA_*PORT_RANGE carries it (struct fib_rule_port_range). */
function portRange(v: PortRange, field: string): Buffer {
  const [lo, hi] = typeof v === 'number' ? [v, v] : v;
  if (lo > hi) throw new ValidationError(`port range ${lo}-${hi} is reversed`, field);
  const b = Buffer.alloc(4);
  b.writeUInt16LE(lo, 0);
  b.writeUInt16LE(hi, 2);
  return b;
}

/** struct fib_rule_uid_range */
function uidRange([start, end]: [number, number]): Buffer {
  if (start > end) throw new ValidationError(`uid range ${start}-${end} is reversed`, 'uidrange');
  const b = Buffer.alloc(8);
  b.writeUInt32LE(start, 0);
  b.writeUInt32LE(end, 4);
  return b;
}

/** FRA_TUN_ID is a be64. */
function tunId(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}

interface RulePrefix {
  bytes: Buffer | undefined;
  len: number;
  family: Family | undefined;
}

function rulePrefix(v: string | undefined, field: string): RulePrefix | undefined {
  if (v === undefined) return undefined;
  if (v === 'all' || v === 'default' || v === 'any') return { bytes: undefined, len: 0, family: undefined };
  const a = parseAddress(v, field);
  return { bytes: a.bytes, len: a.prefixlen ?? (a.family === 4 ? 32 : 128), family: a.family };
}

/** The action a spec asks for; a delete without one matches any action, as `ip rule del` sends it. */
function actionOf(spec: RuleSpec, del: boolean): number {
  const action = spec.action !== undefined ? RULE_ACTIONS.indexOf(spec.action)
    : spec.goto !== undefined ? FR_ACT_GOTO : del ? FR_ACT_UNSPEC : FR_ACT_TO_TBL;
  if (action === FR_ACT_GOTO && spec.goto === undefined) throw new ValidationError("a 'goto' rule needs `goto: PRIORITY`", 'goto');
  if (spec.goto !== undefined && action !== FR_ACT_GOTO) throw new ValidationError(`\`goto\` given with action '${spec.action}'`, 'goto');
  return action;
}

/** A rule spec after checkRule(): every value in the form it goes on the wire. */
export interface RuleChecked {
  spec: RuleSpec;
  family: Family;
  /** struct fib_rule_hdr fields (the table in full: ids from 256 go in FRA_TABLE). */
  dstLen: number;
  srcLen: number;
  table: number;
  action: number;
  src: Buffer | undefined;
  dst: Buffer | undefined;
  tunId: Buffer | undefined;
  uidrange: Buffer | undefined;
  ipproto: number | undefined;
  sport: Buffer | undefined;
  dport: Buffer | undefined;
  protocol: number | undefined;
}

const checkRuleSchema = checker(RuleSpecSchema);

/**
 * The one check of a rule spec for a request of `type` (RTM_NEWRULE, or
 * RTM_DELRULE, which leaves the action and table to match any): the
 * schema, then what needs parsing, with ip's defaults filled in.
 */
export function checkRule(spec: RuleSpec, type: number = RTM_NEWRULE): RuleChecked {
  checkRuleSchema(spec);
  const del = type === RTM_DELRULE;
  const src = rulePrefix(spec.src, 'src');
  const dst = rulePrefix(spec.dst, 'dst');
  const family: Family = spec.family ?? src?.family ?? dst?.family ?? 4;
  for (const [p, f] of [[src, 'src'], [dst, 'dst']] as const) {
    if (p?.family !== undefined && p.family !== family) throw new ValidationError(`'${spec[f]}' is not an IPv${family} prefix`, f);
  }
  const action = actionOf(spec, del);
  // l3mdev rules take their table from the device: no table of their own (the kernel refuses both).
  const lookup = action === FR_ACT_TO_TBL && !del && !spec.l3mdev;
  const table = spec.table !== undefined ? tableId(spec.table) : lookup ? RT_TABLE_MAIN : 0;
  if (lookup && table === 0) throw new ValidationError('table 0 is not a table', 'table');
  if (spec.tos !== undefined && spec.dscp !== undefined) throw new ValidationError('give tos or dscp, not both', 'dscp');
  const c: RuleChecked = {
    spec, family, dstLen: dst?.len ?? 0, srcLen: src?.len ?? 0, table, action, src: src?.bytes, dst: dst?.bytes,
    tunId: spec.tun_id === undefined ? undefined : tunId(spec.tun_id),
    uidrange: spec.uidrange === undefined ? undefined : uidRange(spec.uidrange),
    ipproto: spec.ipproto === undefined ? undefined : ipProtocol(spec.ipproto),
    sport: spec.sport === undefined ? undefined : portRange(spec.sport, 'sport'),
    dport: spec.dport === undefined ? undefined : portRange(spec.dport, 'dport'),
    protocol: undefined,
  };
  if (spec.flowlabel_mask !== undefined && spec.flowlabel === undefined) {
    throw new ValidationError('flowlabel_mask without flowlabel', 'flowlabel_mask');
  }
  if (spec.protocol !== undefined) c.protocol = protocolId(spec.protocol);
  return c;
}

const checkRuleListFilterSchema = checker(RuleListFilterSchema);

/** The families a rule listing covers: both unless the filter names one. */
export function checkRuleListFilter(filter: RuleListFilter): Family[] {
  checkRuleListFilterSchema(filter, 'filter');
  return filter.family === undefined ? [4, 6] : [filter.family];
}

// ------------------------------------------------------------------ encoding

/** Encodes one rule message into `w` (which may hold others: bulk batches). Rules name devices, so `dev` is unused. */
export function writeRule(w: NetlinkWriter, type: number, flags: number, c: RuleChecked, _dev: DevResolver): void {
  const spec = c.spec;
  w.beginMessage(type, flags);
  w.u8(afOf(c.family));
  w.u8(c.dstLen);
  w.u8(c.srcLen);
  w.u8(spec.tos ?? 0);
  w.u8(c.table < 256 ? c.table : 0);
  w.u8(0);
  w.u8(0);
  w.u8(c.action);
  w.u32(spec.not ? FIB_RULE_INVERT : 0);
  if (spec.priority !== undefined) w.attrU32(FRA_PRIORITY, spec.priority, 'priority');
  if (c.src) w.attrBytes(FRA_SRC, c.src, 'src');
  if (c.dst) w.attrBytes(FRA_DST, c.dst, 'dst');
  if (spec.fwmark !== undefined) w.attrU32(FRA_FWMARK, spec.fwmark, 'fwmark');
  if (spec.fwmask !== undefined) w.attrU32(FRA_FWMASK, spec.fwmask, 'fwmask');
  if (spec.realms !== undefined) w.attrU32(FRA_FLOW, spec.realms, 'realms');
  if (c.tunId) w.attrBytes(FRA_TUN_ID, c.tunId, 'tun_id');
  if (spec.iif !== undefined) w.attrString(FRA_IIFNAME, spec.iif, 'iif');
  if (spec.oif !== undefined) w.attrString(FRA_OIFNAME, spec.oif, 'oif');
  if (spec.l3mdev) w.attrU8(FRA_L3MDEV, 1, 'l3mdev');
  if (c.uidrange) w.attrBytes(FRA_UID_RANGE, c.uidrange, 'uidrange');
  if (c.ipproto !== undefined) w.attrU8(FRA_IP_PROTO, c.ipproto, 'ipproto');
  if (c.sport) w.attrBytes(FRA_SPORT_RANGE, c.sport, 'sport');
  if (c.dport) w.attrBytes(FRA_DPORT_RANGE, c.dport, 'dport');
  if (spec.sport_mask !== undefined) w.attrU16(FRA_SPORT_MASK, spec.sport_mask, 'sport_mask');
  if (spec.dport_mask !== undefined) w.attrU16(FRA_DPORT_MASK, spec.dport_mask, 'dport_mask');
  if (spec.dscp !== undefined) w.attrU8(FRA_DSCP, spec.dscp, 'dscp');
  if (spec.dscp_mask !== undefined) w.attrU8(FRA_DSCP_MASK, spec.dscp_mask, 'dscp_mask');
  if (spec.flowlabel !== undefined) {
    // The kernel wants both; without a mask the label is matched exactly.
    w.attrU32be(FRA_FLOWLABEL, spec.flowlabel, 'flowlabel');
    w.attrU32be(FRA_FLOWLABEL_MASK, spec.flowlabel_mask ?? 0xfffff, 'flowlabel_mask');
  }
  if (c.table >= 256) w.attrU32(FRA_TABLE, c.table, 'table');
  if (spec.suppress_prefixlength !== undefined) w.attrU32(FRA_SUPPRESS_PREFIXLEN, spec.suppress_prefixlength, 'suppress_prefixlength');
  if (spec.suppress_ifgroup !== undefined) w.attrU32(FRA_SUPPRESS_IFGROUP, spec.suppress_ifgroup, 'suppress_ifgroup');
  if (spec.goto !== undefined) w.attrU32(FRA_GOTO, spec.goto, 'goto');
  if (c.protocol !== undefined) w.attrU8(FRA_PROTOCOL, c.protocol, 'protocol');
  w.endMessage();
}

/** The request's text for errors: `RTM_NEWRULE [priority P] [from S] [to D] [fwmark M] [lookup T] [ACTION]`. */
export function describeRule(type: number, spec: RuleSpec): string {
  const parts = [type === RTM_DELRULE ? 'RTM_DELRULE' : 'RTM_NEWRULE'];
  if (spec?.priority !== undefined) parts.push(`priority ${spec.priority}`);
  if (spec?.src !== undefined) parts.push(`from ${spec.src}`);
  if (spec?.dst !== undefined) parts.push(`to ${spec.dst}`);
  if (spec?.fwmark !== undefined) parts.push(`fwmark ${spec.fwmark}`);
  if (spec?.table !== undefined) parts.push(`lookup ${spec.table}`);
  if (spec?.action !== undefined && spec.action !== 'lookup') parts.push(spec.action);
  return parts.join(' ');
}

export function encodeRule(type: number, flags: number, c: RuleChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(128);
  writeRule(w, type, flags, c, dev);
  return { bytes: w.toBuffer(), describe: describeRule(type, c.spec), marks: w.marks };
}

/** A rule dump. Strict checking wants every header field but the family zero. */
export function encodeRuleDump(family: Family): Request {
  const w = new NetlinkWriter(32);
  w.beginMessage(RTM_GETRULE, 0);
  w.u8(afOf(family));
  w.zeros(11);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETRULE dump IPv${family}` };
}

const SPEC_ACTIONS: readonly string[] = RuleSpecSchema.properties.action.enum;

/** Selector fields a listed rule and a spec share by name and shape. */
const COPIED = [
  'fwmark', 'fwmask', 'iif', 'oif', 'uidrange', 'sport', 'dport', 'sport_mask', 'dport_mask', 'dscp_mask', 'ipproto', 'l3mdev',
  'tun_id', 'goto', 'suppress_prefixlength', 'suppress_ifgroup', 'realms',
] as const;

/**
 * The spec of a listed rule: everything that makes it what it is (family,
 * priority, selectors, action, table), so that adding it makes the same
 * rule again and deleting it stops at this one.
 */
export function ruleToSpec(r: Rule): RuleSpec {
  const spec: Record<string, unknown> = { family: r.family, priority: r.priority };
  if (r.src_len) spec.src = r.src.includes('/') ? r.src : `${r.src}/${r.src_len}`;
  if (r.dst_len) spec.dst = r.dst.includes('/') ? r.dst : `${r.dst}/${r.dst_len}`;
  // Kernels with FRA_DSCP may report a tos as both: the header's tos is what was asked.
  if (r.tos) spec.tos = r.tos;
  else if (r.dscp !== undefined) spec.dscp = r.dscp;
  for (const f of COPIED) if (r[f] !== undefined) spec[f] = r[f];
  if (r.flowlabel !== undefined) Object.assign(spec, { flowlabel: r.flowlabel, flowlabel_mask: r.flowlabel_mask });
  if (r.not) spec.not = true;
  if (r.protocol !== 'unspec' && r.protocol !== 0) spec.protocol = r.protocol;
  if (typeof r.action === 'string' && SPEC_ACTIONS.includes(r.action)) spec.action = r.action;
  if (r.action === 'lookup' && !r.l3mdev) spec.table = r.table;
  return spec as RuleSpec;
}

// ------------------------------------------------------------------ decoding

const RULE_FLAGS: [number, string][] = [
  [FIB_RULE_PERMANENT, 'permanent'], [FIB_RULE_UNRESOLVED, 'unresolved'], [FIB_RULE_IIF_DETACHED, 'iif_detached'],
  [FIB_RULE_OIF_DETACHED, 'oif_detached'],
];

function range16(r: AttrReader): [number, number] {
  r.struct(4, 'fib_rule_port_range');
  return [r.buf.readUInt16LE(r.off), r.buf.readUInt16LE(r.off + 2)];
}

/** Decodes one RTM_NEWRULE/RTM_DELRULE message (header included). */
export function decodeRule(msg: Buffer): Rule {
  return decodeRuleAt(msg, NLMSG_HDRLEN, messageEnd(msg, 'rule'));
}

export function decodeRuleAt(buf: Buffer, off: number, end: number): Rule {
  fixedHeader(off, end, FIB_RULE_HDR_SIZE, 'rule');
  const family = familyOf(buf[off]!);
  if (!family) throw new DecodeError(`rule family ${buf[off]} is neither AF_INET nor AF_INET6`, off);
  const actionNum = buf[off + 7]!;
  const hdrFlags = buf.readUInt32LE(off + 8);
  const rule: Rule = {
    // The kernel leaves FRA_PRIORITY out for priority 0.
    family, priority: 0, src: 'all', src_len: buf[off + 2]!, dst: 'all', dst_len: buf[off + 1]!, tos: buf[off + 3]!,
    table: buf[off + 4]!, action: (RULE_ACTIONS[actionNum] as RuleAction | undefined) ?? actionNum,
    not: (hdrFlags & FIB_RULE_INVERT) !== 0, protocol: 0, flags: [],
  };
  for (const [bit, name] of RULE_FLAGS) if (hdrFlags & bit) rule.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  const want = family === 4 ? 4 : 16;
  const r = new AttrReader(buf, off + FIB_RULE_HDR_SIZE, end);
  while (r.next()) {
    switch (r.type) {
      case FRA_SRC: case FRA_DST: {
        const a = readAddress(r, family);
        if (r.type === FRA_SRC) rule.src = rule.src_len === want * 8 ? a : `${a}/${rule.src_len}`;
        else rule.dst = rule.dst_len === want * 8 ? a : `${a}/${rule.dst_len}`;
        break;
      }
      case FRA_PRIORITY: rule.priority = r.u32(); break;
      case FRA_TABLE: rule.table = r.u32(); break;
      case FRA_FWMARK: rule.fwmark = r.u32(); break;
      case FRA_FWMASK: rule.fwmask = r.u32(); break;
      case FRA_IIFNAME: rule.iif = r.string(); break;
      case FRA_OIFNAME: rule.oif = r.string(); break;
      case FRA_GOTO: rule.goto = r.u32(); break;
      case FRA_FLOW: rule.realms = r.u32(); break;
      case FRA_TUN_ID: rule.tun_id = r.u64be(); break;
      case FRA_SUPPRESS_IFGROUP: rule.suppress_ifgroup = r.u32(); break;
      case FRA_SUPPRESS_PREFIXLEN: rule.suppress_prefixlength = r.u32(); break;
      case FRA_L3MDEV: rule.l3mdev = r.u8() !== 0; break;
      case FRA_UID_RANGE:
        r.struct(8, 'fib_rule_uid_range');
        rule.uidrange = [r.buf.readUInt32LE(r.off), r.buf.readUInt32LE(r.off + 4)];
        break;
      case FRA_PROTOCOL: rule.protocol = protocolName(r.u8()); break;
      case FRA_IP_PROTO: rule.ipproto = r.u8(); break;
      case FRA_SPORT_RANGE: rule.sport = range16(r); break;
      case FRA_DPORT_RANGE: rule.dport = range16(r); break;
      case FRA_DSCP: rule.dscp = r.u8(); break;
      case FRA_DSCP_MASK: rule.dscp_mask = r.u8(); break;
      case FRA_SPORT_MASK: rule.sport_mask = r.u16(); break;
      case FRA_DPORT_MASK: rule.dport_mask = r.u16(); break;
      case FRA_FLOWLABEL: rule.flowlabel = r.u32be(); break;
      case FRA_FLOWLABEL_MASK: rule.flowlabel_mask = r.u32be(); break;
      default: (unknown ??= []).push(r.raw());
    }
  }
  // The kernel reports 0xffffffff for "not set" suppressors; ip hides them.
  if (rule.suppress_prefixlength === 0xffffffff) delete rule.suppress_prefixlength;
  if (rule.suppress_ifgroup === 0xffffffff) delete rule.suppress_ifgroup;
  if (typeof rule.protocol === 'number') rule.protocol = protocolName(rule.protocol);
  if (unknown) rule.unknown = unknown;
  return rule;
}
