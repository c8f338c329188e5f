// Traffic classes (`tc class`): the classes of a classful qdisc (htb here).
// Specs, the one check, encoder and decoder; the options of each class kind
// are in ../tc/kinds/, entered once in CLASS_KINDS. No socket here: api.ts.
import { ValidationError } from '../../core/errors.js';
import type { Request } from '../../core/request.js';
import { checker, CLOSED, Type, type Static } from '../../core/schema.js';
import { NetlinkWriter } from '../../core/writer.js';
import { describeRef, directIndex, LinkRefSchema, type DevResolver } from '../devices.js';
import { RTM_DELTCLASS, RTM_GETTCLASS, RTM_NEWTCLASS, TCA_KIND } from '../tc/constants.js';
import { unsupportedKind } from '../tc/errors.js';
import { formatHandle, formatParent, parseClassId, TC_H_ROOT, TcHandleSchema } from '../tc/handles.js';
import type { TcKind } from '../tc/kind.js';
import { htbClass, HtbClassOptionsSchema, type HtbClassInfo } from '../tc/kinds/htb.js';
import { decodeTcParts, tcmsg, type TcParts, type TcStats } from '../tc/message.js';

export { RTM_DELTCLASS, RTM_GETTCLASS, RTM_NEWTCLASS };

export type ClassKind = 'htb';
/** The class kinds netnest creates, with their options: one entry per kind. */
export const CLASS_KINDS: Readonly<Record<ClassKind, TcKind>> = { htb: htbClass };

const classBase = {
  dev: LinkRefSchema,
  /** The qdisc or class it hangs under: '1:' (the root qdisc 1:) or '1:10'. */
  parent: TcHandleSchema,
  /** Its id, '1:10': the major is its qdisc's. */
  classid: TcHandleSchema,
};

/** `tc class add|replace|change dev DEV parent P classid C htb rate R [ceil C] ...`. */
export const ClassSpecSchema = Type.Object({
  ...classBase,
  kind: Type.Literal('htb'),
  options: HtbClassOptionsSchema,
}, CLOSED);
export type ClassSpec = Static<typeof ClassSpecSchema>;

/** `tc class del dev DEV classid C`. */
export const ClassDelSpecSchema = Type.Object({
  dev: LinkRefSchema,
  classid: TcHandleSchema,
  parent: Type.Optional(TcHandleSchema),
}, CLOSED);
export type ClassDelSpec = Static<typeof ClassDelSpecSchema>;

export const ClassListFilterSchema = Type.Object({
  dev: LinkRefSchema,
  /** Only the classes of this qdisc or under this class. */
  parent: Type.Optional(TcHandleSchema),
}, CLOSED);
export type ClassListFilter = Static<typeof ClassListFilterSchema>;

const checkShape = checker(Type.Object({ ...classBase, kind: Type.Enum(Object.keys(CLASS_KINDS) as ClassKind[]), options: Type.Unknown() }, CLOSED));
const checkDelShape = checker(ClassDelSpecSchema);
export const checkClassListFilter = checker(ClassListFilterSchema);

/** A class as the kernel reports it; names as `tc -j class show`. */
export interface TrafficClass {
  ifindex: number;
  kind: string;
  /** '1:10'. */
  classid: string;
  /** 'root' (a class right under its qdisc) or its parent class '1:10'. */
  parent: string;
  options?: HtbClassInfo;
  stats?: TcStats;
  unknown?: TcParts['unknown'];
}

export interface ClassChecked {
  readonly spec: ClassSpec | ClassDelSpec;
  readonly classid: number;
  readonly parent: number;
  readonly kind?: ClassKind;
  readonly options?: unknown;
}

function classid(v: ClassSpec['classid'], field: string): number {
  const id = parseClassId(v, field);
  if (id >>> 16 === 0 || (id & 0xffff) === 0 || id === TC_H_ROOT) throw new ValidationError(`a class id is MAJOR:MINOR with both non-zero ('1:10'), got '${formatHandle(id)}'`, field);
  return id;
}

/** Validates an add/replace/change spec whole, options included. */
export function checkClass(spec: ClassSpec, field?: string): ClassChecked {
  checkShape(spec, field);
  const id = classid(spec.classid, 'classid');
  const parent = parseClassId(spec.parent, 'parent');
  if (parent !== TC_H_ROOT && parent >>> 16 !== id >>> 16) {
    throw new ValidationError(`class ${formatHandle(id)} and its parent ${formatHandle(parent)} must belong to the same qdisc`, 'parent');
  }
  return { spec, classid: id, parent, kind: spec.kind, options: CLASS_KINDS[spec.kind].check(spec.options, 'options') };
}

export function checkClassDel(spec: ClassDelSpec, field?: string): ClassChecked {
  checkDelShape(spec, field);
  return { spec, classid: classid(spec.classid, 'classid'), parent: spec.parent === undefined ? 0 : parseClassId(spec.parent, 'parent') };
}

/** Writes `tc class add|replace|change|del` (RTM_NEWTCLASS/RTM_DELTCLASS) into `w`. */
export function writeClass(w: NetlinkWriter, type: number, flags: number, c: ClassChecked, dev: DevResolver): void {
  w.beginMessage(type, flags);
  tcmsg(w, dev(c.spec.dev, 'dev'), c.classid, c.parent);
  if (c.kind) {
    w.attrString(TCA_KIND, c.kind, 'kind');
    CLASS_KINDS[c.kind].write(w, c.options, { dev, protocol: 0 });
  }
  w.endMessage();
}

export function describeClass(type: number, c: ClassChecked): string {
  const verb = type === RTM_DELTCLASS ? 'RTM_DELTCLASS' : 'RTM_NEWTCLASS';
  return `${verb}${c.kind ? ` ${c.kind}` : ''} dev ${describeRef(c.spec.dev)} classid ${formatHandle(c.classid)}`;
}

export function encodeClass(type: number, flags: number, c: ClassChecked, dev: DevResolver = directIndex): Request {
  const w = new NetlinkWriter(type === RTM_NEWTCLASS ? 2200 : 48);
  writeClass(w, type, flags, c, dev);
  const req: Request = { bytes: w.toBuffer(), describe: describeClass(type, c), marks: w.marks };
  if (c.kind) req.mapError = unsupportedKind('class', c.kind);
  return req;
}

/** `tc class show dev DEV`: the kernel dumps one device's classes. */
export function encodeClassDump(ifindex: number, parent = 0): Request {
  const w = new NetlinkWriter(40);
  w.beginMessage(RTM_GETTCLASS, 0);
  tcmsg(w, ifindex, 0, parent);
  w.endMessage();
  return { bytes: w.toBuffer(), describe: `RTM_GETTCLASS dump ifindex ${ifindex}` };
}

export function decodeClass(msg: Buffer): TrafficClass {
  return fromParts(decodeTcParts(msg, 'class'));
}

function fromParts(p: TcParts): TrafficClass {
  const c: TrafficClass = { ifindex: p.ifindex, kind: p.kind, classid: formatHandle(p.handle), parent: formatParent(p.parent) };
  if (p.options && Object.hasOwn(CLASS_KINDS, p.kind)) c.options = CLASS_KINDS[p.kind as ClassKind].decode(p.options.buf, p.options.off, p.options.end) as HtbClassInfo;
  if (p.stats) c.stats = p.stats;
  if (p.unknown) c.unknown = p.unknown;
  return c;
}
