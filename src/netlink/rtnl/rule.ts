// Policy routing rules (`ip rule`, `ip -6 rule`): the Rule type, its
// encoder and decoder, constants, and the operations bound to a socket.
import { readFileSync } from 'node:fs';
import { AttrReader, type RawAttribute } from '../core/attributes.js';
import { runBulk, type BulkOptions, type BulkResult } from '../core/bulk.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { DecodeError, ValidationError } from '../core/errors.js';
import type { NetlinkSocket, Request } from '../core/socket.js';
import { NetlinkWriter } from '../core/writer.js';
import { checker, CLOSED, Int, Text, Type, U16, U32, U8, type Static } from '../core/schema.js';
import { afOf, describe, familyOf, FamilySchema, formatAddress, parseAddress, type Family } from './inet.js';
import { uint } from './validate.js';
import { LinkNameSchema, validateLinkName } from './link/codec.js';
import { protocolId, protocolName, ProtocolSchema, tableId, TableSchema } from './names.js';
import { observed, observedMany, type Hooks } from './observer.js';

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;
// Kernel 6.14+ selectors, newer than this machine's headers.
export const FRA_DSCP = 25;
export const FRA_FLOWLABEL = 26;
export const FRA_FLOWLABEL_MASK = 27;
export const FRA_SPORT_MASK = 28;
export const FRA_DPORT_MASK = 29;
export const FRA_DSCP_MASK = 30;

export const FIB_RULE_PERMANENT = 0x1;
export const FIB_RULE_INVERT = 0x2;
export const FIB_RULE_UNRESOLVED = 0x4;
export const FIB_RULE_IIF_DETACHED = 0x8;
export const FIB_RULE_OIF_DETACHED = 0x10;

/** fib_rule_hdr.action by the words `ip rule` uses. */
export const RULE_ACTIONS = ['unspec', 'lookup', 'goto', 'nop', 'res3', 'res4', 'blackhole', 'unreachable', 'prohibit'] as const;
export type RuleAction = 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

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

const checkRuleSpec = checker(RuleSpecSchema);
const checkRuleListFilter = checker(RuleListFilterSchema);

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

let protocols: Map<string, number> | undefined;

/** An IP protocol number, or its name as /etc/protocols spells it. */
export function ipProtocol(v: unknown, field = 'ipproto'): number {
  if (typeof v === 'number') return uint(v, field, 255);
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return uint(Number(v), field, 255);
    if (!protocols) {
      protocols = new Map([['icmp', 1], ['tcp', 6], ['udp', 17], ['gre', 47], ['esp', 50], ['ipv6-icmp', 58], ['sctp', 132]]);
      try {
        for (const line of readFileSync('/etc/protocols', 'utf8').split('\n')) {
          const m = /^([a-zA-Z][\w.+-]*)\s+(\d+)/.exec(line);
          if (m && !protocols.has(m[1]!)) protocols.set(m[1]!, Number(m[2]));
        }
      } catch { /* no /etc/protocols: the built-in names remain */ }
    }
    const n = protocols.get(v);
    if (n !== undefined) return n;
  }
  throw new ValidationError(`unknown IP protocol ${describe(v)}`, field);
}

function portRange(v: PortRange, field: string): Buffer {
  const [lo, hi] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : [NaN, NaN];
  const b = Buffer.alloc(4);
  b.writeUInt16LE(uint(lo, field, 0xffff), 0);
  b.writeUInt16LE(uint(hi, field, 0xffff), 2);
  if (lo > hi) throw new ValidationError(`port range ${lo}-${hi} is reversed`, field);
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

/** Encodes one rule message into `w` (which may hold others: bulk batches). */
export function writeRule(w: NetlinkWriter, type: number, flags: number, spec: RuleSpec): void {
  if (spec === null || typeof spec !== 'object') throw new ValidationError(`expected a rule object, got ${describe(spec)}`);
  const del = type === RTM_DELRULE;
  const src = rulePrefix(spec.src, 'src');
  const dst = rulePrefix(spec.dst, 'dst');
  const family: Family = spec.family ?? src?.family ?? dst?.family ?? 4;
  if (family !== 4 && family !== 6) throw new ValidationError(`family must be 4 or 6, got ${describe(family)}`, 'family');
  for (const [p, f] of [[src, 'src'], [dst, 'dst']] as const) {
    if (p?.family !== undefined && p.family !== family) throw new ValidationError(`'${spec[f]}' is not an IPv${family} prefix`, f);
  }
  let action: number;
  if (spec.action !== undefined) {
    action = RULE_ACTIONS.indexOf(spec.action);
    if (action <= 0 || action === 4 || action === 5) {
      throw new ValidationError(`unknown rule action ${describe(spec.action)} (lookup, goto, nop, blackhole, unreachable, prohibit)`, 'action');
    }
  } else if (spec.goto !== undefined) {
    action = 2;
  } else if (del) {
    action = 0; // a delete without an action matches any action, as `ip rule del` sends it
  } else {
    action = 1;
  }
  if (action === 2 && spec.goto === undefined) throw new ValidationError("a 'goto' rule needs `goto: PRIORITY`", 'goto');
  if (spec.goto !== undefined && action !== 2) throw new ValidationError(`\`goto\` given with action '${spec.action}'`, 'goto');
  // l3mdev rules take their table from the device: no table of their own (the kernel refuses both).
  const table = spec.table !== undefined ? tableId(spec.table) : action === 1 && !del && !spec.l3mdev ? 254 : 0;
  if (action === 1 && table === 0 && !del && !spec.l3mdev) throw new ValidationError('table 0 is not a table', 'table');
  if (spec.tos !== undefined && spec.dscp !== undefined) throw new ValidationError('give tos or dscp, not both', 'dscp');

  w.beginMessage(type, flags);
  w.u8(afOf(family));
  w.u8(dst?.len ?? 0);
  w.u8(src?.len ?? 0);
  w.u8(spec.tos === undefined ? 0 : uint(spec.tos, 'tos', 255));
  w.u8(table < 256 ? table : 0);
  w.u8(0);
  w.u8(0);
  w.u8(action);
  w.u32(spec.not ? FIB_RULE_INVERT : 0);
  if (spec.priority !== undefined) w.attrU32(FRA_PRIORITY, uint(spec.priority, 'priority'), 'priority');
  if (src?.bytes) w.attrBytes(FRA_SRC, src.bytes, 'src');
  if (dst?.bytes) w.attrBytes(FRA_DST, dst.bytes, 'dst');
  if (spec.fwmark !== undefined) w.attrU32(FRA_FWMARK, uint(spec.fwmark, 'fwmark'), 'fwmark');
  if (spec.fwmask !== undefined) w.attrU32(FRA_FWMASK, uint(spec.fwmask, 'fwmask'), 'fwmask');
  if (spec.realms !== undefined) w.attrU32(FRA_FLOW, uint(spec.realms, 'realms'), 'realms');
  if (spec.tun_id !== undefined) {
    const id = BigInt(spec.tun_id);
    if (id < 0n || id > 0xffffffffffffffffn) throw new ValidationError('tun_id must fit 64 bits', 'tun_id');
    // FRA_TUN_ID is a be64
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(id);
    w.attrBytes(FRA_TUN_ID, b, 'tun_id');
  }
  if (spec.iif !== undefined) w.attrString(FRA_IIFNAME, validateLinkName(spec.iif, 'iif'), 'iif');
  if (spec.oif !== undefined) w.attrString(FRA_OIFNAME, validateLinkName(spec.oif, 'oif'), 'oif');
  if (spec.l3mdev) w.attrU8(FRA_L3MDEV, 1, 'l3mdev');
  if (spec.uidrange !== undefined) {
    const u = spec.uidrange;
    if (!Array.isArray(u) || u.length !== 2) throw new ValidationError('expected [start, end]', 'uidrange');
    const b = Buffer.alloc(8);
    b.writeUInt32LE(uint(u[0], 'uidrange'), 0);
    b.writeUInt32LE(uint(u[1], 'uidrange'), 4);
    if (u[0] > u[1]) throw new ValidationError(`uid range ${u[0]}-${u[1]} is reversed`, 'uidrange');
    w.attrBytes(FRA_UID_RANGE, b, 'uidrange');
  }
  if (spec.ipproto !== undefined) w.attrU8(FRA_IP_PROTO, ipProtocol(spec.ipproto), 'ipproto');
  if (spec.sport !== undefined) w.attrBytes(FRA_SPORT_RANGE, portRange(spec.sport, 'sport'), 'sport');
  if (spec.dport !== undefined) w.attrBytes(FRA_DPORT_RANGE, portRange(spec.dport, 'dport'), 'dport');
  if (spec.sport_mask !== undefined) w.attrU16(FRA_SPORT_MASK, uint(spec.sport_mask, 'sport_mask', 0xffff), 'sport_mask');
  if (spec.dport_mask !== undefined) w.attrU16(FRA_DPORT_MASK, uint(spec.dport_mask, 'dport_mask', 0xffff), 'dport_mask');
  if (spec.dscp !== undefined) w.attrU8(FRA_DSCP, uint(spec.dscp, 'dscp', 63), 'dscp');
  if (spec.dscp_mask !== undefined) w.attrU8(FRA_DSCP_MASK, uint(spec.dscp_mask, 'dscp_mask', 63), 'dscp_mask');
  if (spec.flowlabel !== undefined) {
    // The kernel wants both; without a mask the label is matched exactly.
    w.attrU32be(FRA_FLOWLABEL, uint(spec.flowlabel, 'flowlabel', 0xfffff), 'flowlabel');
    w.attrU32be(FRA_FLOWLABEL_MASK, uint(spec.flowlabel_mask ?? 0xfffff, 'flowlabel_mask', 0xfffff), 'flowlabel_mask');
  } else if (spec.flowlabel_mask !== undefined) {
    throw new ValidationError('flowlabel_mask without flowlabel', 'flowlabel_mask');
  }
  if (table >= 256) w.attrU32(FRA_TABLE, table, 'table');
  if (spec.suppress_prefixlength !== undefined) {
    w.attrU32(FRA_SUPPRESS_PREFIXLEN, uint(spec.suppress_prefixlength, 'suppress_prefixlength', 128), 'suppress_prefixlength');
  }
  if (spec.suppress_ifgroup !== undefined) w.attrU32(FRA_SUPPRESS_IFGROUP, uint(spec.suppress_ifgroup, 'suppress_ifgroup'), 'suppress_ifgroup');
  if (spec.goto !== undefined) w.attrU32(FRA_GOTO, uint(spec.goto, 'goto'), 'goto');
  if (spec.protocol !== undefined) w.attrU8(FRA_PROTOCOL, protocolId(spec.protocol), 'protocol');
  w.endMessage();
}

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

export function encodeRule(type: number, spec: RuleSpec): Request {
  const w = new NetlinkWriter(128);
  writeRule(w, type, type === RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0, spec);
  return { bytes: w.toBuffer(), describe: describeRule(type, spec), marks: w.marks };
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

// ----------------------------------------------------------------- decoding

const RULE_FLAGS: [number, string][] = [
  [FIB_RULE_PERMANENT, 'permanent'], [FIB_RULE_UNRESOLVED, 'unresolved'], [FIB_RULE_IIF_DETACHED, 'iif_detached'],
  [FIB_RULE_OIF_DETACHED, 'oif_detached'],
];

function range16(r: AttrReader): [number, number] {
  if (r.len < 4) throw new DecodeError(`port range of ${r.len} bytes`, r.off);
  return [r.buf.readUInt16LE(r.off), r.buf.readUInt16LE(r.off + 2)];
}

/** Decodes one RTM_NEWRULE/RTM_DELRULE message (header included). */
export function decodeRule(msg: Buffer): Rule {
  if (msg.length < 28) throw new DecodeError(`rule message of ${msg.length} bytes is shorter than nlmsghdr + fib_rule_hdr`);
  const len = msg.readUInt32LE(0);
  if (len > msg.length || len < 28) throw new DecodeError(`rule message length ${len} does not fit ${msg.length} bytes`);
  const off = 16;
  const family = familyOf(msg[off]!);
  if (!family) throw new DecodeError(`rule family ${msg[off]} is neither AF_INET nor AF_INET6`, off);
  const actionNum = msg[off + 7]!;
  const hdrFlags = msg.readUInt32LE(off + 8);
  const rule: Rule = {
    // The kernel leaves FRA_PRIORITY out for priority 0.
    family, priority: 0, src: 'all', src_len: msg[off + 2]!, dst: 'all', dst_len: msg[off + 1]!, tos: msg[off + 3]!,
    table: msg[off + 4]!, action: (RULE_ACTIONS[actionNum] as RuleAction | undefined) ?? actionNum,
    not: (hdrFlags & FIB_RULE_INVERT) !== 0, protocol: 0, flags: [],
  };
  for (const [bit, name] of RULE_FLAGS) if (hdrFlags & bit) rule.flags.push(name);
  let unknown: RawAttribute[] | undefined;
  const want = family === 4 ? 4 : 16;
  const r = new AttrReader(msg, off + 12, len);
  while (r.next()) {
    switch (r.type) {
      case FRA_SRC: case FRA_DST: {
        if (r.len !== want) throw new DecodeError(`rule address of ${r.len} bytes`, r.off);
        const a = formatAddress(r.buf, r.off, want);
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
      case FRA_TUN_ID: if (r.len < 8) throw new DecodeError('FRA_TUN_ID shorter than 8 bytes', r.off); rule.tun_id = r.buf.readBigUInt64BE(r.off); break;
      case FRA_SUPPRESS_IFGROUP: rule.suppress_ifgroup = r.u32(); break;
      case FRA_SUPPRESS_PREFIXLEN: rule.suppress_prefixlength = r.u32(); break;
      case FRA_L3MDEV: rule.l3mdev = r.u8() !== 0; break;
      case FRA_UID_RANGE:
        if (r.len < 8) throw new DecodeError('FRA_UID_RANGE shorter than 8 bytes', r.off);
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

// --------------------------------------------------------------- operations

/** `ip rule` / `ip -6 rule` bound to one socket. */
export class RuleApi {
  constructor(private readonly sock: NetlinkSocket, private readonly hooks: Hooks = {}) {}

  /** `ip rule show`: IPv4 and IPv6 rules unless `family` says one. */
  async list(filter: RuleListFilter = {}): Promise<Rule[]> {
    checkRuleListFilter(filter, 'filter');
    const families: Family[] = filter.family === undefined ? [4, 6] : [filter.family];
    const out: Rule[] = [];
    for (const f of families) {
      if (f !== 4 && f !== 6) throw new ValidationError(`family must be 4 or 6, got ${describe(f)}`, 'family');
      out.push(...await this.sock.list(encodeRuleDump(f), decodeRule));
    }
    return out;
  }

  /** `ip rule add`: EEXIST when an identical rule exists. */
  async add(spec: RuleSpec): Promise<void> {
    checkRuleSpec(spec);
    const req = encodeRule(RTM_NEWRULE, spec);
    await observed(this.hooks, () => ({ object: 'rule', spec }), () => this.sock.request(req));
  }

  /** `ip rule del`: by the full selector, or by priority alone (`{ priority: 100 }`). */
  async del(spec: RuleSpec): Promise<void> {
    checkRuleSpec(spec);
    await this.sock.request(encodeRule(RTM_DELRULE, spec));
  }

  /** Adds many rules pipelined; see RouteApi.addMany. */
  async addMany(rules: Iterable<RuleSpec> | AsyncIterable<RuleSpec>, opts: BulkOptions = {}): Promise<BulkResult<RuleSpec>> {
    const hooks = {
      ...observedMany(this.hooks, (spec: RuleSpec) => ({ object: 'rule', spec }), undefined,
        (spec) => writeRule(new NetlinkWriter(128), RTM_NEWRULE, 0, spec)), // invalid items are never sent, so never told
      check: (spec: RuleSpec) => checkRuleSpec(spec),
    };
    return runBulk(this.sock, rules, (w, r) => writeRule(w, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r), (r) => describeRule(RTM_NEWRULE, r), opts, hooks);
  }

  /** Deletes many rules pipelined. */
  delMany(rules: Iterable<RuleSpec> | AsyncIterable<RuleSpec>, opts: BulkOptions = {}): Promise<BulkResult<RuleSpec>> {
    return runBulk(this.sock, rules, (w, r) => writeRule(w, RTM_DELRULE, 0, r), (r) => describeRule(RTM_DELRULE, r), opts,
      { check: (spec: RuleSpec) => checkRuleSpec(spec) });
  }
}
