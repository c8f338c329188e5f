// Handles and parents in tc's notation: '1:' (a qdisc), '1:10' (a class),
// 'root', 'ingress', 'clsact', 'none'. Numbers are the kernel's u32 as is.
import { describeValue, ValidationError } from '../../core/errors.js';
import { Text, Type, U32, type Static } from '../../core/schema.js';

export const TC_H_UNSPEC = 0;
export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
/** clsact sits where ingress does. */
export const TC_H_CLSACT = 0xfffffff1;
export const TC_H_MIN_INGRESS = 0xfff2;
export const TC_H_MIN_EGRESS = 0xfff3;

/** A handle or class id: tc notation ('1:', '1:10', ':10', 'root', 'none') or the kernel's u32. */
export const TcHandleSchema = Type.Union([U32, Text({ minLength: 1, maxLength: 16 })]);
export type TcHandle = Static<typeof TcHandleSchema>;

const HEX = /^[0-9a-fA-F]{1,4}$/;

function hex(s: string, input: string, field: string): number {
  if (!HEX.test(s)) throw new ValidationError(`${describeValue(input)} is not a tc handle (MAJOR:MINOR in hex, e.g. '1:10')`, field);
  return Number.parseInt(s, 16);
}

/**
 * A class id as tc's get_tc_classid() reads it: 'root', 'none', 'M:N', 'M:',
 * ':N', or a bare hex number (the whole u32).
 */
export function parseClassId(v: TcHandle, field: string): number {
  if (typeof v === 'number') return v;
  if (v === 'root') return TC_H_ROOT;
  if (v === 'none') return TC_H_UNSPEC;
  if (v === 'ingress') return TC_H_INGRESS;
  const colon = v.indexOf(':');
  if (colon < 0) {
    if (!/^[0-9a-fA-F]{1,8}$/.test(v)) throw new ValidationError(`${describeValue(v)} is not a tc handle (MAJOR:MINOR in hex, e.g. '1:10')`, field);
    return Number.parseInt(v, 16);
  }
  const maj = colon === 0 ? 0 : hex(v.slice(0, colon), v, field);
  const rest = v.slice(colon + 1);
  const min = rest === '' ? 0 : hex(rest, v, field);
  return ((maj << 16) | min) >>> 0;
}

/** A qdisc handle as tc's get_qdisc_handle() reads it: 'M:' or 'M' (hex), minor 0. */
export function parseQdiscHandle(v: TcHandle, field: string): number {
  if (typeof v === 'number') {
    if ((v & 0xffff) !== 0) throw new ValidationError(`a qdisc handle has minor 0, got ${formatHandle(v)}`, field);
    return v;
  }
  if (v === 'none') return 0;
  const m = /^([0-9a-fA-F]{1,4}):?$/.exec(v);
  if (!m) throw new ValidationError(`${describeValue(v)} is not a qdisc handle (MAJOR: in hex, e.g. '1:')`, field);
  return (Number.parseInt(m[1]!, 16) << 16) >>> 0;
}

/** tc's notation for a handle: 'root', '1:', '1:10', ':10', 'none'. */
export function formatHandle(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === TC_H_UNSPEC) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/** A qdisc's own handle: tc prints 0 as '0:' ("qdisc noqueue 0:"). */
export function formatQdiscHandle(h: number): string {
  return h === 0 ? '0:' : formatHandle(h);
}

/** A parent as tc -j prints it, with 'ingress' for ffff:fff1 (ingress and clsact qdiscs sit there). */
export function formatParent(h: number): string {
  return h === TC_H_INGRESS ? 'ingress' : formatHandle(h);
}
