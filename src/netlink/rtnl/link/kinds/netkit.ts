// netkit (`ip link add NAME type netkit [mode l3|l2] [forward|blackhole] [peer [forward|blackhole] NAME ...]`):
// a pair like veth whose ends run eBPF programs; IFLA_NETKIT_* (if_link.h of
// Linux 6.7+; the constants are written here because older headers lack them).
// The peer is written by the link encoder, as a veth's (IFLA_NETKIT_PEER_INFO is 1, as VETH_INFO_PEER).
import type { AttrReader, RawAttribute } from '../../../core/attributes.js';
import { CLOSED, Type, type Static } from '../../../core/schema.js';
import { nameOf, type Decoded, type KindCodec } from './kind.js';

const IFLA_NETKIT_PRIMARY = 2;
const IFLA_NETKIT_POLICY = 3;
const IFLA_NETKIT_PEER_POLICY = 4;
const IFLA_NETKIT_MODE = 5;
const modes = { l2: 0, l3: 1 } as const;
/** NETKIT_PASS and NETKIT_DROP: what happens to packets when no program is attached. */
const policies = { forward: 0, blackhole: 2 } as const;
const policy = Type.Optional(Type.Enum(Object.keys(policies) as (keyof typeof policies)[]));

export const NetkitDataSchema = Type.Object({
  /** l3 (default): no Ethernet header; l2: with one. */
  mode: Type.Optional(Type.Enum(Object.keys(modes) as (keyof typeof modes)[])),
  /** This end's default policy. */
  policy,
  /** The peer's default policy (`peer forward|blackhole`). */
  peer_policy: policy,
}, CLOSED);
export type NetkitData = Static<typeof NetkitDataSchema>;
/** As the kernel reports it: also whether this end is the primary (the one created by name). */
export type NetkitInfo = Decoded<NetkitData> & { primary?: boolean };

function decodeNetkit(r: AttrReader, unknown: RawAttribute[]): NetkitInfo {
  const d: NetkitInfo = {};
  while (r.next()) {
    if (r.type === IFLA_NETKIT_PRIMARY) { d.primary = r.u8() !== 0; continue; }
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
  /** iproute2's order: mode and policy as given, the peer's policy, then the peer. */
  write(w, d, f) {
    if (d.mode !== undefined) w.attrU32(IFLA_NETKIT_MODE, modes[d.mode], `${f}.mode`);
    if (d.policy !== undefined) w.attrU32(IFLA_NETKIT_POLICY, policies[d.policy], `${f}.policy`);
    if (d.peer_policy !== undefined) w.attrU32(IFLA_NETKIT_PEER_POLICY, policies[d.peer_policy], `${f}.peer_policy`);
  },
  decode: decodeNetkit,
  words(d) {
    const out: string[] = [];
    if (d.mode !== undefined) out.push('mode', d.mode);
    if (d.policy !== undefined) out.push(d.policy);
    if (d.peer_policy !== undefined) out.push('peer', d.peer_policy);
    return out;
  },
};
