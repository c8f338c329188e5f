// A filter's actions (`... action mirred egress redirect dev ifb0`): a nest
// holding one numbered nest per action — TCA_ACT_KIND and its options —
// as tc/m_action.c writes them. mirred is the action netnest writes; any
// action the kernel reports is decoded to its kind, index and verdict.
import type { AttrReader } from '../../core/attributes.js';
import { NLA_F_NESTED } from '../../core/constants.js';
import { CLOSED, List, Type, U32, type Static } from '../../core/schema.js';
import type { NetlinkWriter } from '../../core/writer.js';
import { LinkRefSchema, type DevResolver, type LinkRef } from '../devices.js';
import { TC_ACTIONS, TCA_ACT_INDEX, TCA_ACT_KIND, TCA_ACT_OPTIONS } from './constants.js';

const TCA_MIRRED_PARMS = 2;
/** tc_mirred.eaction: TCA_{EGRESS,INGRESS}_{REDIR,MIRROR} (<linux/tc_act/tc_mirred.h>). */
const EACTIONS = { 'egress redirect': 1, 'egress mirror': 2, 'ingress redirect': 3, 'ingress mirror': 4 } as const;
const TC_ACT_PIPE = 3;
const TC_ACT_STOLEN = 4;
/** sizeof(struct tc_mirred): tc_gen (index, capab, action, refcnt, bindcnt), eaction, ifindex. */
const MIRRED_SIZE = 28;

/** `mirred egress|ingress redirect|mirror dev DEV [index N]`. */
export const MirredActionSchema = Type.Object({
  kind: Type.Literal('mirred'),
  /** Where the packet goes on `dev`: its egress (default) or its ingress. */
  direction: Type.Optional(Type.Enum(['egress', 'ingress'])),
  /** redirect: the packet goes to `dev` only; mirror: a copy goes there. */
  action: Type.Enum(['redirect', 'mirror']),
  dev: LinkRefSchema,
  /** Share the action instance with this index. */
  index: Type.Optional(U32),
}, CLOSED);
export type ActionSpec = Static<typeof MirredActionSchema>;
export const ActionListSchema = List(MirredActionSchema, { minItems: 1, maxItems: 32 });

/** An action as the kernel reports it (`tc -j filter show`'s "actions"). */
export interface TcAction {
  /** Its place in the filter's list, from 1. */
  order: number;
  kind: string;
  index?: number;
  /** What happens to the packet after the action: 'stolen', 'pipe', 'pass'... */
  control?: string;
  /** mirred: 'egress' or 'ingress'. */
  direction?: 'egress' | 'ingress';
  /** mirred: 'redirect' or 'mirror'. */
  action?: 'redirect' | 'mirror';
  /** mirred: the device's index. */
  ifindex?: number;
}

/** The devices the actions name (looked up before encoding). */
export function actionDevices(actions: readonly ActionSpec[] | undefined): LinkRef[] {
  return (actions ?? []).map((a) => a.dev);
}

/** Writes the actions as nest `type` (TCA_U32_ACT, TCA_MATCHALL_ACT, TCA_FLOWER_ACT). */
export function writeActions(w: NetlinkWriter, type: number, actions: readonly ActionSpec[], dev: DevResolver, field: string): void {
  const all = w.beginNested(type, field);
  actions.forEach((a, i) => {
    const one = w.beginNested(i + 1, `${field}[${i}]`);
    w.attrString(TCA_ACT_KIND, a.kind);
    const opts = w.beginNested(TCA_ACT_OPTIONS | NLA_F_NESTED);
    const p = Buffer.alloc(MIRRED_SIZE);
    p.writeUInt32LE(a.index ?? 0, 0);
    p.writeInt32LE(a.action === 'redirect' ? TC_ACT_STOLEN : TC_ACT_PIPE, 8);
    p.writeInt32LE(EACTIONS[`${a.direction ?? 'egress'} ${a.action}`], 20);
    p.writeUInt32LE(dev(a.dev, `${field}[${i}].dev`), 24);
    w.attrBytes(TCA_MIRRED_PARMS, p, `${field}[${i}]`);
    w.endNested(opts);
    w.endNested(one);
  });
  w.endNested(all);
}

/** Decodes an actions nest's payload. */
export function decodeActions(r: AttrReader): TcAction[] {
  const out: TcAction[] = [];
  while (r.next()) {
    const a: TcAction = { order: r.type, kind: '' };
    const n = r.nested();
    while (n.next()) {
      if (n.type === TCA_ACT_KIND) a.kind = n.string();
      else if (n.type === TCA_ACT_INDEX) a.index = n.u32();
      else if (n.type === TCA_ACT_OPTIONS) decodeOptions(a, n.nested());
    }
    out.push(a);
  }
  return out;
}

function decodeOptions(a: TcAction, r: AttrReader): void {
  while (r.next()) {
    // Every action's parameters start with struct tc_gen: index, capab, action, refcnt, bindcnt.
    if (r.type !== TCA_MIRRED_PARMS || r.len < 20) continue;
    a.index = r.buf.readUInt32LE(r.off);
    const verdict = r.buf.readInt32LE(r.off + 8);
    a.control = Object.hasOwn(TC_ACTIONS, verdict) ? TC_ACTIONS[verdict] : String(verdict);
    if (a.kind === 'mirred' && r.len >= MIRRED_SIZE) {
      const e = r.buf.readInt32LE(r.off + 20);
      a.direction = e <= 2 ? 'egress' : 'ingress';
      a.action = e % 2 === 1 ? 'redirect' : 'mirror';
      a.ifindex = r.buf.readUInt32LE(r.off + 24);
    }
  }
}
