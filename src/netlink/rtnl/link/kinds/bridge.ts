// bridge (`ip link add NAME type bridge ...`): IFLA_BR_*.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import type { NetlinkWriter } from '../../../core/writer.js';
import { Int, Type, U16, U32, CLOSED, type Static } from '../../../core/schema.js';
import { wordsOf, type Decoded, type KindCodec } from './kind.js';

// --- bridge (IFLA_BR_*) ---
const IFLA_BR_FORWARD_DELAY = 1;
const IFLA_BR_HELLO_TIME = 2;
const IFLA_BR_MAX_AGE = 3;
const IFLA_BR_AGEING_TIME = 4;
const IFLA_BR_STP_STATE = 5;
const IFLA_BR_PRIORITY = 6;
const IFLA_BR_VLAN_FILTERING = 7;
const IFLA_BR_MCAST_SNOOPING = 23;
const IFLA_BR_VLAN_DEFAULT_PVID = 39;

/** `ip link add NAME type bridge ...`. Times are in centiseconds, as the kernel keeps them. */
export const BridgeDataSchema = Type.Object({
  forward_delay: Type.Optional(U32),
  hello_time: Type.Optional(U32),
  max_age: Type.Optional(U32),
  ageing_time: Type.Optional(U32),
  /** 0 (off) or 1 (on). */
  stp_state: Type.Optional(Int(0, 1)),
  priority: Type.Optional(U16),
  /** Needs CONFIG_BRIDGE_VLAN_FILTERING (UnsupportedKernelFeatureError without it). */
  vlan_filtering: Type.Optional(Type.Boolean()),
  mcast_snooping: Type.Optional(Type.Boolean()),
  /** The VLAN new ports get as PVID (1 by default; 0: none). Used only with VLAN filtering in the kernel. */
  vlan_default_pvid: Type.Optional(Int(0, 4094)),
}, CLOSED);
export type BridgeData = Static<typeof BridgeDataSchema>;

function writeBridge(w: NetlinkWriter, d: BridgeData, f: string): void {
  if (d.forward_delay !== undefined) w.attrU32(IFLA_BR_FORWARD_DELAY, d.forward_delay, `${f}.forward_delay`);
  if (d.hello_time !== undefined) w.attrU32(IFLA_BR_HELLO_TIME, d.hello_time, `${f}.hello_time`);
  if (d.max_age !== undefined) w.attrU32(IFLA_BR_MAX_AGE, d.max_age, `${f}.max_age`);
  if (d.ageing_time !== undefined) w.attrU32(IFLA_BR_AGEING_TIME, d.ageing_time, `${f}.ageing_time`);
  if (d.stp_state !== undefined) w.attrU32(IFLA_BR_STP_STATE, d.stp_state, `${f}.stp_state`);
  if (d.priority !== undefined) w.attrU16(IFLA_BR_PRIORITY, d.priority, `${f}.priority`);
  if (d.vlan_filtering !== undefined) w.attrU8(IFLA_BR_VLAN_FILTERING, d.vlan_filtering ? 1 : 0, `${f}.vlan_filtering`);
  if (d.mcast_snooping !== undefined) w.attrU8(IFLA_BR_MCAST_SNOOPING, d.mcast_snooping ? 1 : 0, `${f}.mcast_snooping`);
  if (d.vlan_default_pvid !== undefined) w.attrU16(IFLA_BR_VLAN_DEFAULT_PVID, d.vlan_default_pvid, `${f}.vlan_default_pvid`);
}

function decodeBridge(r: AttrReader, unknown: RawAttribute[]): Decoded<BridgeData> {
  const d: Decoded<BridgeData> = {};
  while (r.next()) {
    switch (r.type) {
      case IFLA_BR_FORWARD_DELAY: d.forward_delay = r.u32(); break;
      case IFLA_BR_HELLO_TIME: d.hello_time = r.u32(); break;
      case IFLA_BR_MAX_AGE: d.max_age = r.u32(); break;
      case IFLA_BR_AGEING_TIME: d.ageing_time = r.u32(); break;
      case IFLA_BR_STP_STATE: d.stp_state = r.u32(); break;
      case IFLA_BR_PRIORITY: d.priority = r.u16(); break;
      case IFLA_BR_VLAN_FILTERING: d.vlan_filtering = r.u8() !== 0; break;
      case IFLA_BR_MCAST_SNOOPING: d.mcast_snooping = r.u8() !== 0; break;
      case IFLA_BR_VLAN_DEFAULT_PVID: d.vlan_default_pvid = r.u16(); break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

/** `ip link add ... type bridge` words. */
function bridgeWords(data: BridgeData): string[] {
  const { out, num } = wordsOf(data);
  const bool = (k: 'vlan_filtering' | 'mcast_snooping'): void => {
    if (data[k] !== undefined) out.push(k, data[k] ? '1' : '0');
  };
  for (const k of ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority']) num(k);
  bool('vlan_filtering');
  bool('mcast_snooping');
  num('vlan_default_pvid');
  return out;
}

export const bridge: KindCodec<BridgeData> = { schema: BridgeDataSchema, write: writeBridge, decode: decodeBridge, words: bridgeWords };
