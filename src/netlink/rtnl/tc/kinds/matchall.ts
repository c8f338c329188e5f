// matchall (`tc filter add ... matchall action mirred ...`): every packet,
// to a class and/or through actions (tc/f_matchall.c).
import { AttrReader } from '../../../core/attributes.js';
import { checker, CLOSED, Type, type Static } from '../../../core/schema.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import type { DevResolver } from '../../devices.js';
import { ActionListSchema, actionDevices, decodeActions, writeActions, type ActionSpec, type TcAction } from '../actions.js';
import { TCA_OPTIONS } from '../constants.js';
import { formatHandle, parseClassId, TcHandleSchema } from '../handles.js';
import { entry } from '../kind.js';
import { ClsFlagsFields, clsFlags, decodeClsFlags, type ClsFlagsInfo } from '../cls-flags.js';

const TCA_MATCHALL_CLASSID = 1;
const TCA_MATCHALL_ACT = 2;
const TCA_MATCHALL_FLAGS = 3;

export const MatchallOptionsSchema = Type.Object({
  classid: Type.Optional(TcHandleSchema),
  actions: Type.Optional(ActionListSchema),
  ...ClsFlagsFields,
}, CLOSED);
export type MatchallOptions = Static<typeof MatchallOptionsSchema>;

export interface MatchallInfo extends ClsFlagsInfo {
  classid?: string;
  actions?: TcAction[];
}

interface MatchallChecked { classid?: number; actions?: ActionSpec[]; flags: number }

const checkShape = checker(MatchallOptionsSchema);

function check(options: unknown, path: string): MatchallChecked {
  const o = (options ?? {}) as MatchallOptions;
  checkShape(o, path);
  return {
    flags: clsFlags(o, path),
    ...(o.classid !== undefined && { classid: parseClassId(o.classid, `${path}.classid`) }),
    ...(o.actions && { actions: o.actions }),
  };
}

function write(w: NetlinkWriter, c: MatchallChecked, ctx: { dev: DevResolver }): void {
  if (c.classid === undefined && !c.actions && !c.flags) return; // tc: no options, no TCA_OPTIONS
  const t = w.beginNested(TCA_OPTIONS, 'options');
  if (c.classid !== undefined) w.attrU32(TCA_MATCHALL_CLASSID, c.classid, 'options.classid');
  if (c.actions) writeActions(w, TCA_MATCHALL_ACT, c.actions, ctx.dev, 'options.actions');
  if (c.flags) w.attrU32(TCA_MATCHALL_FLAGS, c.flags);
  w.endNested(t);
}

function decode(buf: Buffer, off: number, end: number): MatchallInfo {
  const info: MatchallInfo = {};
  const r = new AttrReader(buf, off, end);
  while (r.next()) {
    if (r.type === TCA_MATCHALL_CLASSID) info.classid = formatHandle(r.u32());
    else if (r.type === TCA_MATCHALL_ACT) info.actions = decodeActions(r.nested());
    else if (r.type === TCA_MATCHALL_FLAGS) decodeClsFlags(info, r.u32());
  }
  return info;
}

export const matchall = entry<MatchallChecked, MatchallInfo>({
  schema: MatchallOptionsSchema, check, write, decode, devices: (c) => actionDevices(c.actions),
});
