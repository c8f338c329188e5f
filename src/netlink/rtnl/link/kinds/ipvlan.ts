// ipvlan (`ip link add NAME link DEV type ipvlan mode l2|l3|l3s [bridge|private|vepa]`): IFLA_IPVLAN_*.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Type, type Static } from '../../../core/schema.js';
import { nameOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_IPVLAN_MODE = 1;
const IFLA_IPVLAN_FLAGS = 2;
const modes = { l2: 0, l3: 1, l3s: 2 } as const;
/** IPVLAN_F_PRIVATE, IPVLAN_F_VEPA; neither is `bridge`, the default. */
const flagValues = { bridge: 0, private: 1, vepa: 2 } as const;

export const IpvlanDataSchema = Type.Object({
  mode: Type.Optional(Type.Enum(Object.keys(modes) as (keyof typeof modes)[])),
  /** How the slaves of one lower device reach each other. */
  flags: Type.Optional(Type.Enum(Object.keys(flagValues) as (keyof typeof flagValues)[])),
}, CLOSED);
export type IpvlanData = Static<typeof IpvlanDataSchema>;

function decodeIpvlan(r: AttrReader, unknown: RawAttribute[]): Decoded<IpvlanData> {
  const d: Decoded<IpvlanData> = {};
  while (r.next()) {
    const name = r.type === IFLA_IPVLAN_MODE ? nameOf(modes, r.u16()) : r.type === IFLA_IPVLAN_FLAGS ? nameOf(flagValues, r.u16()) : undefined;
    if (name === undefined) unknown.push(r.raw());
    else if (r.type === IFLA_IPVLAN_MODE) d.mode = name as IpvlanData['mode'];
    else d.flags = name as IpvlanData['flags'];
  }
  return d;
}

export const ipvlan: KindCodec<IpvlanData> = {
  schema: IpvlanDataSchema,
  needs: { link: 'an ipvlan needs its lower device: { link }' },
  write(w, d, f) {
    if (d.mode !== undefined) w.attrU16(IFLA_IPVLAN_MODE, modes[d.mode], `${f}.mode`);
    if (d.flags !== undefined) w.attrU16(IFLA_IPVLAN_FLAGS, flagValues[d.flags], `${f}.flags`);
  },
  decode: decodeIpvlan,
  words: (d) => [...(d.mode !== undefined ? ['mode', d.mode] : []), ...(d.flags !== undefined ? [d.flags] : [])],
};
