// u32 (`tc filter add ... u32 match u32 0 0 action ...`, `match ip dst
// 10.0.0.0/24 flowid 1:10`): a selector of 32-bit keys (value/mask at an
// offset from the network header), a class to send matches to, actions.
// tc/f_u32.c writes struct tc_u32_sel followed by its keys.
import { AttrReader } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { checker, CLOSED, List, Type, U32, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { parseAddress } from '../../inet.js';
import { ActionListSchema, actionDevices, decodeActions, writeActions, type ActionSpec, type TcAction } from '../actions.js';
import { TCA_OPTIONS } from '../constants.js';
import { formatHandle, parseClassId, TcHandleSchema } from '../handles.js';
import { entry } from '../kind.js';
import { ClsFlagsFields, clsFlags, decodeClsFlags, type ClsFlagsInfo } from '../cls-flags.js';

const TCA_U32_CLASSID = 1;
const TCA_U32_HASH = 2;
const TCA_U32_LINK = 3;
const TCA_U32_DIVISOR = 4;
const TCA_U32_SEL = 5;
const TCA_U32_ACT = 7;
const TCA_U32_FLAGS = 11;
const TC_U32_TERMINAL = 1;
/** sizeof(struct tc_u32_sel) without keys; each struct tc_u32_key is 16 bytes. */
const SEL_SIZE = 16;
const KEY_SIZE = 16;

/** One key: the 32 bits at `at` (bytes from the network header, a multiple of 4) masked with `mask` equal `value`. */
const KeySchema = Type.Object({ value: U32, mask: U32, at: Type.Optional(Type.Integer({ minimum: 0, maximum: 0x7ffffffc, multipleOf: 4 })) }, CLOSED);
/** `match ip src|dst PREFIX`: an IPv4 prefix, as a key at 12 or 16. */
const IpKeySchema = Type.Union([Type.Object({ ip_src: Type.String() }, CLOSED), Type.Object({ ip_dst: Type.String() }, CLOSED)]);

export const U32OptionsSchema = Type.Object({
  /** The keys, all of which must match; `[{ value: 0, mask: 0 }]` matches every packet. */
  match: Type.Optional(List(Type.Union([KeySchema, IpKeySchema]), { minItems: 1, maxItems: 128 })),
  /** The class matching packets go to (tc's flowid/classid), '1:10'. */
  classid: Type.Optional(TcHandleSchema),
  actions: Type.Optional(ActionListSchema),
  ...ClsFlagsFields,
}, CLOSED);
export type U32Options = Static<typeof U32OptionsSchema>;

export interface U32Key { value: number; mask: number; at: number }

/** A u32 node as the kernel reports it (a hash table shows only its divisor). */
export interface U32Info extends ClsFlagsInfo {
  match?: U32Key[];
  classid?: string;
  /** The selector ends classification (a classid or actions were given). */
  terminal?: boolean;
  divisor?: number;
  hash?: number;
  link?: number;
  actions?: TcAction[];
}

interface U32Checked { sel?: Buffer; classid?: number; actions?: ActionSpec[]; flags: number }

const checkShape = checker(U32OptionsSchema);

/** Adds a key as tc's pack_key() does: keys at the same offset are merged. */
function pack(keys: U32Key[], k: U32Key, field: string): void {
  const value = (k.value & k.mask) >>> 0;
  const same = keys.find((x) => x.at === k.at);
  if (!same) {
    keys.push({ value, mask: k.mask, at: k.at });
    return;
  }
  if ((value ^ same.value) & same.mask & k.mask) throw new ValidationError(`keys at offset ${k.at} contradict each other`, field);
  same.value = (same.value | value) >>> 0;
  same.mask = (same.mask | k.mask) >>> 0;
}

function ipKey(prefix: string, at: number, field: string): U32Key {
  const a = parseAddress(prefix, field, { prefix: 'allowed' });
  if (a.family !== 4) throw new ValidationError('u32 ip_src/ip_dst take an IPv4 prefix', field);
  const len = a.prefixlen ?? 32;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { value: a.bytes.readUInt32BE(0), mask, at };
}

function check(options: unknown, path: string): U32Checked {
  const o = (options ?? {}) as U32Options;
  checkShape(o, path);
  const c: U32Checked = { flags: clsFlags(o, path) };
  if (o.classid !== undefined) c.classid = parseClassId(o.classid, `${path}.classid`);
  if (o.actions) c.actions = o.actions;
  if (o.match) {
    const keys: U32Key[] = [];
    o.match.forEach((m, i) => {
      const f = `${path}.match[${i}]`;
      if ('ip_src' in m) pack(keys, ipKey(m.ip_src, 12, `${f}.ip_src`), f);
      else if ('ip_dst' in m) pack(keys, ipKey(m.ip_dst, 16, `${f}.ip_dst`), f);
      else pack(keys, { value: m.value, mask: m.mask, at: m.at ?? 0 }, f);
    });
    const sel = Buffer.alloc(SEL_SIZE + keys.length * KEY_SIZE);
    sel[0] = c.classid !== undefined || c.actions ? TC_U32_TERMINAL : 0;
    sel[2] = keys.length;
    keys.forEach((k, i) => {
      const at = SEL_SIZE + i * KEY_SIZE;
      sel.writeUInt32BE(k.mask, at);
      sel.writeUInt32BE(k.value, at + 4);
      sel.writeInt32LE(k.at, at + 8);
    });
    c.sel = sel;
  }
  return c;
}

function write(w: NetlinkWriter, c: U32Checked, ctx: { dev: Parameters<typeof writeActions>[3] }): void {
  // tc sends no options at all for a bare `u32`.
  if (!c.sel && c.classid === undefined && !c.actions && !c.flags) return;
  const t = w.beginNested(TCA_OPTIONS, 'options');
  if (c.classid !== undefined) w.attrU32(TCA_U32_CLASSID, c.classid, 'options.classid');
  if (c.actions) writeActions(w, TCA_U32_ACT, c.actions, ctx.dev, 'options.actions');
  if (c.sel) w.attrBytes(TCA_U32_SEL, c.sel, 'options.match');
  if (c.flags) w.attrU32(TCA_U32_FLAGS, c.flags);
  w.endNested(t);
}

function decode(buf: Buffer, off: number, end: number): U32Info {
  const info: U32Info = {};
  const r = new AttrReader(buf, off, end);
  while (r.next()) {
    switch (r.type) {
      case TCA_U32_CLASSID: info.classid = formatHandle(r.u32()); break;
      case TCA_U32_HASH: info.hash = r.u32(); break;
      case TCA_U32_LINK: info.link = r.u32(); break;
      case TCA_U32_DIVISOR: info.divisor = r.u32(); break;
      case TCA_U32_ACT: info.actions = decodeActions(r.nested()); break;
      case TCA_U32_FLAGS: decodeClsFlags(info, r.u32()); break;
      case TCA_U32_SEL: {
        r.struct(SEL_SIZE, 'tc_u32_sel');
        const n = r.buf[r.off + 2]!;
        r.struct(SEL_SIZE + n * KEY_SIZE, `tc_u32_sel with ${n} keys`);
        if (r.buf[r.off]! & TC_U32_TERMINAL) info.terminal = true;
        info.match = [];
        for (let i = 0; i < n; i++) {
          const at = r.off + SEL_SIZE + i * KEY_SIZE;
          info.match.push({ value: r.buf.readUInt32BE(at + 4), mask: r.buf.readUInt32BE(at), at: r.buf.readInt32LE(at + 8) });
        }
        break;
      }
      default: break;
    }
  }
  return info;
}


export const u32 = entry<U32Checked, U32Info>({
  schema: U32OptionsSchema, check, write, decode, devices: (c) => actionDevices(c.actions),
});
