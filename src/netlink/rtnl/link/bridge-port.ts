// A bridge port's options (`ip link set dev DEV type bridge_slave ...`): the
// IFLA_BRPORT_* attributes, sent in IFLA_LINKINFO { IFLA_INFO_KIND
// "bridge_slave", IFLA_INFO_SLAVE_DATA } of an ordinary RTM_NEWLINK, and
// reported by the kernel in the same nest of every port's link message.
//
// Why not `bridge link set` (RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO)? It
// takes the same attributes, but in a message of another family: link.set()
// would have to send two requests for one change, and what is written would
// not be where link.get() reads it back (IFLA_PROTINFO is only in AF_BRIDGE
// dumps). Both forms are captured in test/fixtures/golden (link-set-bridge-slave,
// bridge-link-set).
import type { AttrReader, RawAttribute } from '../../core/attributes.js';
import { CLOSED, Int, Type, type Static } from '../../core/schema.js';
import type { NetlinkWriter } from '../../core/writer.js';

// IFLA_BRPORT_* (if_link.h)
const IFLA_BRPORT_STATE = 1;
const IFLA_BRPORT_PRIORITY = 2;
const IFLA_BRPORT_COST = 3;
const IFLA_BRPORT_MODE = 4;
const IFLA_BRPORT_LEARNING = 8;
const IFLA_BRPORT_UNICAST_FLOOD = 9;
const IFLA_BRPORT_MCAST_FLOOD = 27;
const IFLA_BRPORT_BCAST_FLOOD = 30;
const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
const IFLA_BRPORT_ISOLATED = 33;

/** BR_STATE_* by the names `bridge link` prints. */
export const BRIDGE_PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'] as const;
export type BridgePortState = (typeof BRIDGE_PORT_STATES)[number];

/**
 * `ip link set dev DEV type bridge_slave [state N] [priority P] [cost C]
 * [hairpin on|off] [learning on|off] [flood on|off] [isolated on|off]...`
 */
export const BridgePortSchema = Type.Object({
  /** STP state; the kernel refuses it while the bridge runs kernel STP, and recomputes it when STP is off. */
  state: Type.Optional(Type.Enum(BRIDGE_PORT_STATES)),
  /** STP port priority (0-63). */
  priority: Type.Optional(Int(0, 63)),
  /** STP path cost. */
  cost: Type.Optional(Int(1, 65535)),
  /** Send frames back out of the port they came in on (hairpin mode). */
  hairpin: Type.Optional(Type.Boolean()),
  /** Learn source MAC addresses of frames received on the port. */
  learning: Type.Optional(Type.Boolean()),
  /** Flood unicast frames to unknown destinations out of the port. */
  flood: Type.Optional(Type.Boolean()),
  mcast_flood: Type.Optional(Type.Boolean()),
  bcast_flood: Type.Optional(Type.Boolean()),
  neigh_suppress: Type.Optional(Type.Boolean()),
  /** An isolated port forwards only to ports that are not isolated. */
  isolated: Type.Optional(Type.Boolean()),
}, CLOSED);
export type BridgePortOptions = Static<typeof BridgePortSchema>;

/** A port's options as the kernel reports them; the attributes netnest does not name are in `unknown`. */
export type BridgePort = BridgePortOptions & { unknown?: RawAttribute[] };

const flags: [keyof BridgePortOptions, number][] = [
  ['hairpin', IFLA_BRPORT_MODE], ['learning', IFLA_BRPORT_LEARNING], ['flood', IFLA_BRPORT_UNICAST_FLOOD],
  ['mcast_flood', IFLA_BRPORT_MCAST_FLOOD], ['bcast_flood', IFLA_BRPORT_BCAST_FLOOD],
  ['neigh_suppress', IFLA_BRPORT_NEIGH_SUPPRESS], ['isolated', IFLA_BRPORT_ISOLATED],
];

/** The port options in IFLA_BRPORT_* order (checked by the schema); `f` is the caller's field ("bridgePort"). */
export function writeBridgePort(w: NetlinkWriter, o: BridgePortOptions, f: string): void {
  if (o.state !== undefined) w.attrU8(IFLA_BRPORT_STATE, BRIDGE_PORT_STATES.indexOf(o.state), `${f}.state`);
  if (o.priority !== undefined) w.attrU16(IFLA_BRPORT_PRIORITY, o.priority, `${f}.priority`);
  if (o.cost !== undefined) w.attrU32(IFLA_BRPORT_COST, o.cost, `${f}.cost`);
  for (const [name, type] of flags) {
    const v = o[name];
    if (v !== undefined) w.attrU8(type, v ? 1 : 0, `${f}.${name}`);
  }
}

/** Decodes IFLA_INFO_SLAVE_DATA of a bridge port. */
export function decodeBridgePort(r: AttrReader): BridgePort {
  const p: BridgePort = {};
  const unknown: RawAttribute[] = [];
  while (r.next()) {
    if (r.type === IFLA_BRPORT_STATE) {
      const s = BRIDGE_PORT_STATES[r.u8()];
      if (s) p.state = s;
      else unknown.push(r.raw());
    } else if (r.type === IFLA_BRPORT_PRIORITY) p.priority = r.u16();
    else if (r.type === IFLA_BRPORT_COST) p.cost = r.u32();
    else {
      const flag = flags.find(([, t]) => t === r.type);
      if (flag) (p as Record<string, boolean>)[flag[0]] = r.u8() !== 0;
      else unknown.push(r.raw());
    }
  }
  if (unknown.length) p.unknown = unknown;
  return p;
}
