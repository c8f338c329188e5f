// macvlan (`ip link add NAME link DEV type macvlan mode MODE`): IFLA_MACVLAN_*.
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { ValidationError } from '../../../core/errors.js';
import { CLOSED, Type, U16, type Static } from '../../../core/schema.js';
import { nameOf, wordsOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_MACVLAN_MODE = 1;
const IFLA_MACVLAN_FLAGS = 2;
const macvlanModes = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof macvlanModes;

export const MacvlanDataSchema = Type.Object({
  mode: Type.Optional(Type.Enum(Object.keys(macvlanModes) as MacvlanMode[])),
  flags: Type.Optional(U16),
}, CLOSED);
export type MacvlanData = Static<typeof MacvlanDataSchema>;

function decodeMacvlan(r: AttrReader, unknown: RawAttribute[]): Decoded<MacvlanData> {
  const d: Decoded<MacvlanData> = {};
  while (r.next()) {
    switch (r.type) {
      case IFLA_MACVLAN_MODE: {
        const name = nameOf(macvlanModes, r.u32());
        if (name) d.mode = name;
        else unknown.push(r.raw());
        break;
      }
      case IFLA_MACVLAN_FLAGS: d.flags = r.u16(); break;
      default: unknown.push(r.raw());
    }
  }
  return d;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export const macvlan: KindCodec<MacvlanData> = {
  schema: MacvlanDataSchema,
  needs: { link: 'a macvlan needs its lower device: { link }' },
  write(w, d, f) {
    if (d.mode !== undefined) w.attrU32(IFLA_MACVLAN_MODE, macvlanModes[d.mode], `${f}.mode`);
    if (d.flags !== undefined) w.attrU16(IFLA_MACVLAN_FLAGS, d.flags, `${f}.flags`);
  },
  decode: decodeMacvlan,
  words(d, path) {
    const { out, num } = wordsOf(d);
    num('mode');
    const flags = d.flags ?? 0;
    if (flags & 1) out.push('nopromisc');
    if (flags & 2) out.push('nodst');
    if (flags & ~3) throw new ValidationError(`macvlan flags ${hex(flags)}: ip knows only nopromisc (1) and nodst (2)`, `${path}.macvlan.flags`);
    return out;
  },
};
