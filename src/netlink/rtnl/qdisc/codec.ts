// Queueing disciplines (`tc qdisc`): the caller's specs, the one check, the
// encoder and the decoder. What each kind puts in TCA_OPTIONS is in
// ../tc/kinds/, entered once in QDISC_KINDS; the tcmsg, statistics and units
// are shared with classes and filters (../tc/). No socket here: api.ts.
import { ValidationError } from '../../core/errors.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Type, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { describeRef, directIndex, LinkRefSchema, type DevResolver } from '../devices.js';
import { RTM_DELQDISC, RTM_GETQDISC, RTM_NEWQDISC, TCA_KIND } from '../tc/constants.js';
import {
  formatParent, formatQdiscHandle, parseClassId, parseQdiscHandle, TC_H_CLSACT, TC_H_INGRESS, TC_H_ROOT, TcHandleSchema, type TcHandle,
} from '../tc/handles.js';
import { unsupportedKind } from '../tc/errors.js';
import { bare, type TcKind } from '../tc/kind.js';
import { fqCodel, type FqCodelInfo, type FqCodelOptions } from '../tc/kinds/fq_codel.js';
import { htb, type HtbInfo, type HtbOptions } from '../tc/kinds/htb.js';
import { netem, type NetemInfo, type NetemOptions } from '../tc/kinds/netem.js';
import { decodeFifo, prio, type PrioInfo, type PrioOptions } from '../tc/kinds/prio.js';
import { tbf, type TbfInfo, type TbfOptions } from '../tc/kinds/tbf.js';
import { decodeTcParts, tcmsg, type TcParts, type TcStats } from '../tc/message.js';

export { RTM_DELQDISC, RTM_GETQDISC, RTM_NEWQDISC };

/** The qdisc kinds netnest creates, with their options: one entry per kind. */
export type QdiscKind = 'netem' | 'tbf' | 'htb' | 'fq_codel' | 'prio' | 'ingress' | 'clsact';
export const QDISC_KINDS: Readonly<Record<QdiscKind, TcKind>> = {
  netem, tbf, htb, fq_codel: fqCodel, prio, ingress: bare(), clsact: bare(),
};

/** Kinds netnest only reads (the kernel's defaults): their options' decoders. */
const READ_ONLY: Readonly<Record<string, (buf: Buffer, off: number, end: number) => unknown>> = {
  pfifo_fast: prio.decode, pfifo: decodeFifo, bfifo: decodeFifo,
};

const qdiscBase = {
  dev: LinkRefSchema,
  /** 'root' (the default), or the class it hangs under ('1:10'). ingress and clsact need none. */
  parent: Type.Optional(TcHandleSchema),
  /** Its handle, '1:' (the kernel picks one when none is given). */
  handle: Type.Optional(TcHandleSchema),
};

/** The spec's shape; `options` is checked by the kind's own schema. */
const QdiscShapeSchema = Type.Object({
  ...qdiscBase,
  kind: Type.Enum(Object.keys(QDISC_KINDS) as QdiscKind[]),
  options: Type.Optional(Type.Unknown()),
}, CLOSED);

/** `tc qdisc add|replace|change dev DEV [parent ID | root] [handle H] KIND [OPTIONS]`, one schema per kind. */
export const QdiscSpecSchema = Type.Union(Object.entries(QDISC_KINDS).map(([kind, k]) => Type.Object({
  ...qdiscBase,
  kind: Type.Literal(kind),
  options: Type.Optional(k.schema),
}, CLOSED)));

type Base = Static<ReturnType<typeof Type.Object<typeof qdiscBase>>>;
export type QdiscSpec = Base & (
  | { kind: 'netem'; options?: NetemOptions }
  | { kind: 'tbf'; options: TbfOptions }
  | { kind: 'htb'; options?: HtbOptions }
  | { kind: 'fq_codel'; options?: FqCodelOptions }
  | { kind: 'prio'; options?: PrioOptions }
  | { kind: 'ingress' | 'clsact'; options?: Record<string, never> }
);

/** `tc qdisc del dev DEV [root | parent ID | handle H | ingress | clsact]`. */
export const QdiscDelSpecSchema = Type.Object({
  ...qdiscBase,
  /** 'ingress' or 'clsact' deletes that qdisc (as `tc qdisc del dev DEV ingress`). */
  kind: Type.Optional(Type.Enum(Object.keys(QDISC_KINDS) as QdiscKind[])),
}, CLOSED);
export type QdiscDelSpec = Static<typeof QdiscDelSpecSchema>;

export const QdiscListFilterSchema = Type.Object({
  /** Only this link's qdiscs (the kernel filters). */
  dev: Type.Optional(LinkRefSchema),
  kind: Type.Optional(Type.String()),
  handle: Type.Optional(TcHandleSchema),
  parent: Type.Optional(TcHandleSchema),
}, CLOSED);
export type QdiscListFilter = Static<typeof QdiscListFilterSchema>;

const checkShape = checker(QdiscShapeSchema);
const checkDelShape = checker(QdiscDelSpecSchema);
export const checkQdiscListFilter = checker(QdiscListFilterSchema);

/** Options as decoded, by kind. */
export type QdiscOptions = NetemInfo | TbfInfo | HtbInfo | FqCodelInfo | PrioInfo | { limit: number } | Record<string, never>;

/** A qdisc as the kernel reports it; names as `tc -j qdisc show`. */
export interface Qdisc {
  ifindex: number;
  kind: string;
  /** '1:', or '0:' for the kernel's own default qdiscs. */
  handle: string;
  /** 'root', 'ingress' (ffff:fff1: ingress and clsact sit there) or the parent class ('1:10'). */
  parent: string;
  /** The decoded TCA_OPTIONS of the kinds netnest knows. */
  options?: QdiscOptions;
  stats?: TcStats;
  /** Offloaded to hardware. */
  hw_offload?: boolean;
  refcnt?: number;
  unknown?: TcParts['unknown'];
}

/** A spec that passed checkQdisc/checkQdiscDel: its numbers and the kind's checked options. */
export interface QdiscChecked {
  readonly spec: QdiscSpec | QdiscDelSpec;
  readonly handle: number;
  readonly parent: number;
  readonly kind?: QdiscKind;
  readonly options?: unknown;
}

/** Where ingress and clsact sit: parent ffff:fff1, handle ffff: (as tc sets them). */
function placement(kind: QdiscKind | undefined, s: { parent?: TcHandle; handle?: TcHandle }): { parent: number; handle: number } {
  if (kind === 'ingress' || kind === 'clsact') {
    if (s.parent !== undefined && parseClassId(s.parent, 'parent') !== TC_H_INGRESS) {
      throw new ValidationError(`an ${kind} qdisc has no parent to choose (it sits at ffff:fff1)`, 'parent');
    }
    if (s.handle !== undefined && parseQdiscHandle(s.handle, 'handle') !== 0xffff0000) throw new ValidationError(`an ${kind} qdisc's handle is ffff:`, 'handle');
    return { parent: kind === 'clsact' ? TC_H_CLSACT : TC_H_INGRESS, handle: 0xffff0000 };
  }
  return {
    parent: s.parent === undefined ? TC_H_ROOT : parseClassId(s.parent, 'parent'),
    handle: s.handle === undefined ? 0 : parseQdiscHandle(s.handle, 'handle'),
  };
}

/** Validates an add/replace/change spec whole, options included. */
export function checkQdisc(spec: QdiscSpec, field?: string): QdiscChecked {
  checkShape(spec, field);
  const kind = spec.kind;
  const options = QDISC_KINDS[kind].check(spec.options, 'options');
  return { spec, kind, options, ...placement(kind, spec) };
}

/** Validates a delete spec: the qdisc at `parent` (root by default), or the ingress/clsact one. */
export function checkQdiscDel(spec: QdiscDelSpec, field?: string): QdiscChecked {
  checkDelShape(spec, field);
  return { spec, ...(spec.kind && { kind: spec.kind }), ...placement(spec.kind, spec) };
}

/** Writes `tc qdisc add|replace|change|del` (RTM_NEWQDISC/RTM_DELQDISC) into `w`. */
export function writeQdisc(w: NetlinkWriter, type: number, flags: number, c: QdiscChecked, dev: DevResolver): void {
  w.beginMessage(type, flags);
  tcmsg(w, dev(c.spec.dev, 'dev'), c.handle, c.parent);
  // tc sends the kind on deletes only for ingress and clsact, where it names them.
  if (c.kind && (type === RTM_NEWQDISC || c.kind === 'ingress' || c.kind === 'clsact')) w.attrString(TCA_KIND, c.kind, 'kind');
  if (type === RTM_NEWQDISC && c.kind) QDISC_KINDS[c.kind].write(w, c.options, { dev, protocol: 0 });
  w.endMessage();
}

/** The request's text for errors: "RTM_NEWQDISC tbf dev v0 root handle 1:". */
export function describeQdisc(type: number, c: QdiscChecked): string {
  const verb = type === RTM_DELQDISC ? 'RTM_DELQDISC' : 'RTM_NEWQDISC';
  const h = c.handle ? ` handle ${formatQdiscHandle(c.handle)}` : '';
  return `${verb}${c.kind ? ` ${c.kind}` : ''} dev ${describeRef(c.spec.dev)} ${c.parent === TC_H_ROOT ? 'root' : `parent ${formatParent(c.parent)}`}${h}`;
}

export function encodeQdisc(type: number, flags: number, c: QdiscChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(type === RTM_NEWQDISC ? 2400 : 64);
  writeQdisc(w, type, flags, c, dev);
  const req: Request = { bytes: w.toBuffer(), describe: describeQdisc(type, c), marks: w.marks };
  if (type === RTM_NEWQDISC && c.kind) req.mapError = unsupportedKind('qdisc', c.kind);
  return req;
}

/** `tc qdisc show [dev DEV]`: a dump, filtered by the kernel to one device when ifindex is given. */
export function encodeQdiscDump(ifindex = 0): Request {
  const w = new NetlinkWriter(40);
  w.beginMessage(RTM_GETQDISC, 0);
  tcmsg(w, ifindex, 0, 0);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETQDISC dump${ifindex ? ` ifindex ${ifindex}` : ''}` };
}

/** Decodes one RTM_NEWQDISC/RTM_DELQDISC message (header included). */
export function decodeQdisc(msg: Buffer): Qdisc {
  return fromParts(decodeTcParts(msg, 'qdisc'));
}

function fromParts(p: TcParts): Qdisc {
  const q: Qdisc = { ifindex: p.ifindex, kind: p.kind, handle: formatQdiscHandle(p.handle), parent: formatParent(p.parent) };
  const options = decodeOptions(p.kind, p.options);
  if (options !== undefined) q.options = options as QdiscOptions;
  if (p.info) q.refcnt = p.info;
  if (p.hw_offload) q.hw_offload = true;
  if (p.stats) q.stats = p.stats;
  if (p.unknown) q.unknown = p.unknown;
  return q;
}

function decodeOptions(kind: string, o: TcParts['options']): unknown {
  const k = Object.hasOwn(QDISC_KINDS, kind) ? QDISC_KINDS[kind as QdiscKind].decode : Object.hasOwn(READ_ONLY, kind) ? READ_ONLY[kind] : undefined;
  if (!k) return undefined;
  if (!o) return kind === 'ingress' || kind === 'clsact' ? {} : undefined;
  return k(o.buf, o.off, o.end);
}
