// netkit (`ip link add NAME type netkit [mode l3|l2] [forward|blackhole] [peer [forward|blackhole] NAME ...]`):
// a pair like veth whose ends run eBPF programs; IFLA_NETKIT_* (if_link.h of
// Linux 6.7+; the constants are written here because older headers lack them).
// The peer is written by the link encoder, as a veth's (IFLA_NETKIT_PEER_INFO is 1, as VETH_INFO_PEER).
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Type, U16, type Static } from '../../../core/schema.js';
import { nameOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_NETKIT_PRIMARY = 2;
const IFLA_NETKIT_POLICY = 3;
const IFLA_NETKIT_PEER_POLICY = 4;
const IFLA_NETKIT_MODE = 5;
const IFLA_NETKIT_SCRUB = 6;
const IFLA_NETKIT_PEER_SCRUB = 7;
const IFLA_NETKIT_HEADROOM = 8;
const IFLA_NETKIT_TAILROOM = 9;
const modes = { l2: 0, l3: 1 } as const;
/** NETKIT_PASS and NETKIT_DROP: what happens to packets when no program is attached. */
const policies = { forward: 0, blackhole: 2 } as const;
const policy = Type.Optional(Type.Enum(Object.keys(policies) as (keyof typeof policies)[]));
/** NETKIT_SCRUB_NONE, NETKIT_SCRUB_DEFAULT: whether packets crossing the pair are scrubbed (mark, priority...). */
const scrubs = { none: 0, default: 1 } as const;
const scrub = Type.Optional(Type.Enum(Object.keys(scrubs) as (keyof typeof scrubs)[]));

export const NetkitDataSchema = Type.Object({
  /** l3 (default): no Ethernet header; l2: with one. */
  mode: Type.Optional(Type.Enum(Object.keys(modes) as (keyof typeof modes)[])),
  /** This end's default policy. */
  policy,
  /** The peer's default policy (`peer forward|blackhole`). */
  peer_policy: policy,
  /** Linux 6.13+. */
  scrub,
  peer_scrub: scrub,
  /** Bytes reserved in front of and behind packets (Linux 6.14+). */
  headroom: Type.Optional(U16),
  tailroom: Type.Optional(U16),
}, CLOSED);
export type NetkitData = Static<typeof NetkitDataSchema>;
/** As the kernel reports it: also whether this end is the primary (the one created by name). */
export type NetkitInfo = Decoded<NetkitData> & { primary?: boolean };

function decodeNetkit(r: AttrReader, unknown: RawAttribute[]): NetkitInfo {
  const d: NetkitInfo = {};
  while (r.next()) {
    if (r.type === IFLA_NETKIT_PRIMARY) { d.primary = r.u8() !== 0; continue; }
    if (r.type === IFLA_NETKIT_HEADROOM) { d.headroom = r.u16(); continue; }
    if (r.type === IFLA_NETKIT_TAILROOM) { d.tailroom = r.u16(); continue; }
    if (r.type === IFLA_NETKIT_SCRUB || r.type === IFLA_NETKIT_PEER_SCRUB) {
      const v = nameOf(scrubs, r.u32());
      if (v === undefined) unknown.push(r.raw());
      else d[r.type === IFLA_NETKIT_SCRUB ? 'scrub' : 'peer_scrub'] = v;
      continue;
    }
    const v = r.type === IFLA_NETKIT_MODE ? nameOf(modes, r.u32())
      : r.type === IFLA_NETKIT_POLICY || r.type === IFLA_NETKIT_PEER_POLICY ? nameOf(policies, r.u32()) : undefined;
    if (v === undefined) unknown.push(r.raw());
    else if (r.type === IFLA_NETKIT_MODE) d.mode = v as NetkitData['mode'];
    else if (r.type === IFLA_NETKIT_POLICY) d.policy = v as NetkitData['policy'];
    else d.peer_policy = v as NetkitData['peer_policy'];
  }
  return d;
}

export const netkit: KindCodec<NetkitData> = {
  schema: NetkitDataSchema,
  peer: true,
  /** iproute2's order: mode and policies as given, then scrubbing and room (newer ip), then the peer. */
  write(w, d, f) {
    if (d.mode !== undefined) w.attrU32(IFLA_NETKIT_MODE, modes[d.mode], `${f}.mode`);
    if (d.policy !== undefined) w.attrU32(IFLA_NETKIT_POLICY, policies[d.policy], `${f}.policy`);
    if (d.peer_policy !== undefined) w.attrU32(IFLA_NETKIT_PEER_POLICY, policies[d.peer_policy], `${f}.peer_policy`);
    if (d.scrub !== undefined) w.attrU32(IFLA_NETKIT_SCRUB, scrubs[d.scrub], `${f}.scrub`);
    if (d.peer_scrub !== undefined) w.attrU32(IFLA_NETKIT_PEER_SCRUB, scrubs[d.peer_scrub], `${f}.peer_scrub`);
    if (d.headroom !== undefined) w.attrU16(IFLA_NETKIT_HEADROOM, d.headroom, `${f}.headroom`);
    if (d.tailroom !== undefined) w.attrU16(IFLA_NETKIT_TAILROOM, d.tailroom, `${f}.tailroom`);
  },
  decode: decodeNetkit,
  words(d) {
    const out: string[] = [];
    if (d.mode !== undefined) out.push('mode', d.mode);
    if (d.policy !== undefined) out.push(d.policy);
    if (d.scrub !== undefined) out.push('scrub', d.scrub);
    if (d.headroom !== undefined) out.push('headroom', String(d.headroom));
    if (d.tailroom !== undefined) out.push('tailroom', String(d.tailroom));
    if (d.peer_policy !== undefined || d.peer_scrub !== undefined) out.push('peer');
    if (d.peer_policy !== undefined) out.push(d.peer_policy);
    if (d.peer_scrub !== undefined) out.push('scrub', d.peer_scrub);
    return out;
  },
};
