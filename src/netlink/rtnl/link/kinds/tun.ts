// tun/tap data as the kernel reports it (IFLA_TUN_*). The devices are made
// through /dev/net/tun, not rtnetlink: see ../tun.ts.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Type, U32, type Static } from '../../../core/schema.js';
import type { Decoded, KindCodec } from './kind.js';

const IFLA_TUN_OWNER = 1;
const IFLA_TUN_GROUP = 2;
const IFLA_TUN_TYPE = 3;
const IFLA_TUN_PI = 4;
const IFLA_TUN_VNET_HDR = 5;
const IFLA_TUN_PERSIST = 6;
const IFLA_TUN_MULTI_QUEUE = 7;

/** `ip tuntap add NAME mode tun|tap [user U] [group G] [pi] [vnet_hdr] [multi_queue]`. */
export const TunDataSchema = Type.Object({
  mode: Type.Enum(['tun', 'tap']),
  /** uid allowed to use the device. */
  owner: Type.Optional(U32),
  group: Type.Optional(U32),
  pi: Type.Optional(Type.Boolean()),
  vnet_hdr: Type.Optional(Type.Boolean()),
  multi_queue: Type.Optional(Type.Boolean()),
  /** Reported by the kernel; netnest always makes tun devices persistent. */
  persist: Type.Optional(Type.Boolean()),
}, CLOSED);
export type TunData = Static<typeof TunDataSchema>;

function decodeTun(r: AttrReader, unknown: RawAttribute[]): Decoded<TunData> {
  const d: Decoded<TunData> = { mode: 'tun' };
  while (r.next()) {
    switch (r.type) {
      case IFLA_TUN_TYPE: d.mode = r.u8() === 2 ? 'tap' : 'tun'; break;
      case IFLA_TUN_OWNER: d.owner = r.u32(); break;
      case IFLA_TUN_GROUP: d.group = r.u32(); break;
      case IFLA_TUN_PI: d.pi = r.u8() !== 0; break;
      case IFLA_TUN_VNET_HDR: d.vnet_hdr = r.u8() !== 0; break;
      case IFLA_TUN_PERSIST: d.persist = r.u8() !== 0; break;
      case IFLA_TUN_MULTI_QUEUE: d.multi_queue = r.u8() !== 0; break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

/** No `write`: a tun is never made by RTM_NEWLINK. */
export const tun: KindCodec<TunData> = { schema: TunDataSchema, decode: decodeTun };
