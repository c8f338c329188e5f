// vlan (`ip link add link DEV NAME type vlan id N [protocol P]`) and vrf
// (`ip link add NAME type vrf table T`): one attribute or two each.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Int, Type, U32, type Static } from '../../../core/schema.js';
import { wordsOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_VLAN_ID = 1;
const IFLA_VLAN_PROTOCOL = 5;
export const VlanDataSchema = Type.Object({
  id: Int(0, 4094),
  protocol: Type.Optional(Type.Enum(['802.1Q', '802.1ad'])),
}, CLOSED);
export type VlanData = Static<typeof VlanDataSchema>;

function decodeVlan(r: AttrReader, unknown: RawAttribute[]): Decoded<VlanData> {
  const d: Decoded<VlanData> = { id: 0 };
  while (r.next()) {
    if (r.type === IFLA_VLAN_ID) d.id = r.u16();
    else if (r.type === IFLA_VLAN_PROTOCOL) d.protocol = r.u16be() === 0x88a8 ? '802.1ad' : '802.1Q';
    else unknown.push(r.raw());
  }
  return d;
}

export const vlan: KindCodec<VlanData> = {
  schema: VlanDataSchema,
  needs: { link: 'a vlan needs its lower device: { link }', data: 'a vlan needs { vlan: { id } }' },
  write(w, d, f) {
    if (d.protocol !== undefined) w.attrU16be(IFLA_VLAN_PROTOCOL, d.protocol === '802.1Q' ? 0x8100 : 0x88a8, `${f}.protocol`);
    w.attrU16(IFLA_VLAN_ID, d.id, `${f}.id`);
  },
  decode: decodeVlan,
  words(d) {
    const { out, num } = wordsOf(d);
    num('id');
    num('protocol');
    return out;
  },
};

const IFLA_VRF_TABLE = 1;
export const VrfDataSchema = Type.Object({
  table: U32,
}, CLOSED);
export type VrfData = Static<typeof VrfDataSchema>;

export const vrf: KindCodec<VrfData> = {
  schema: VrfDataSchema,
  needs: { data: 'a vrf needs { vrf: { table } }' },
  write(w, d, f) {
    w.attrU32(IFLA_VRF_TABLE, d.table, `${f}.table`);
  },
  decode(r, unknown) {
    const d: Decoded<VrfData> = { table: 0 };
    while (r.next()) {
      if (r.type === IFLA_VRF_TABLE) d.table = r.u32();
      else unknown.push(r.raw());
    }
    return d;
  },
  words: (d) => ['table', String(d.table)],
};
