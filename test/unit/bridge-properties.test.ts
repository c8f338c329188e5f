// Property tests of bridge FDB entries, bridge VLANs and bridge port options
// (fast-check): what netnest encodes comes back from the decoder with the
// same values when the kernel echoes it (an FDB entry as RTM_NEWNEIGH, VLANs
// as the IFLA_AF_SPEC of an AF_BRIDGE link message, port options as a port's
// IFLA_INFO_SLAVE_DATA), and no byte string — random, built from random
// attributes, a mutated capture — makes a decoder fail with anything but
// DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { checkBridgeVlan, decodeBridgeVlans, encodeBridgeVlan } from '../../src/netlink/rtnl/bridge/codec.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { checkFdb, decodeFdb, encodeFdb, type Fdb, type FdbSpec } from '../../src/netlink/rtnl/fdb/codec.js';
import { BRIDGE_PORT_STATES, decodeBridgePort, writeBridgePort, type BridgePortOptions } from '../../src/netlink/rtnl/link/bridge-port.js';
import { RTM_NEWNEIGH } from '../../src/netlink/rtnl/neigh/codec.js';
import { address, captures, index, mac, malformedRouting, mutated, onlyDecodeErrors, runs, u16 } from '../support/arbitraries.js';

const vid = fc.integer({ min: 1, max: 4094 });
const vni = fc.integer({ min: 0, max: 0xffffff });
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

const fdbCase = fc.record({
  mac, dev: index, master: fc.boolean(), self: fc.boolean(), state: opt(fc.constantFrom('permanent', 'static', 'dynamic') as fc.Arbitrary<'permanent' | 'static' | 'dynamic'>),
  vlan: opt(vid), dst: opt(fc.oneof(address(4), address(6))), port: opt(u16), vni: opt(vni), src_vni: opt(vni), via: opt(index),
  nhid: opt(fc.integer({ min: 1, max: 0xffffffff })), sticky: fc.boolean(), extern_learn: fc.boolean(),
});

function specOf(c: typeof fdbCase extends fc.Arbitrary<infer T> ? T : never): FdbSpec {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined && v !== false)) as FdbSpec;
}

function expectedFdb(s: FdbSpec): Fdb {
  const flags: Fdb['flags'] = [];
  if (s.self || !s.master) flags.push('self');
  if (s.master) flags.push('master');
  if (s.extern_learn) flags.push('extern_learn');
  if (s.sticky) flags.push('sticky');
  const e: Fdb = { ifindex: s.dev as number, mac: s.mac, state: s.state ?? 'permanent', flags };
  for (const k of ['dst', 'vlan', 'nhid', 'port', 'vni', 'src_vni', 'via'] as const) if (s[k] !== undefined) (e as unknown as Record<string, unknown>)[k] = s[k];
  return e;
}

const portCase = fc.record({
  state: opt(fc.constantFrom(...BRIDGE_PORT_STATES)), priority: opt(fc.integer({ min: 0, max: 63 })), cost: opt(fc.integer({ min: 1, max: 65535 })),
  hairpin: opt(fc.boolean()), learning: opt(fc.boolean()), flood: opt(fc.boolean()), mcast_flood: opt(fc.boolean()),
  bcast_flood: opt(fc.boolean()), neigh_suppress: opt(fc.boolean()), isolated: opt(fc.boolean()),
}).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as BridgePortOptions);

describe('bridge properties', () => {
  describe('what netnest encodes, the decoder reads back', () => {
    it('FDB entries: mac, device, table, state, vlan, vxlan remote, nexthop, flags', () => {
      fc.assert(fc.property(fdbCase, (c) => {
        const spec = specOf(c);
        expect(decodeFdb(encodeFdb(RTM_NEWNEIGH, 0x600, checkFdb(spec)).bytes)).to.deep.equal(expectedFdb(spec));
      }), runs(400));
    });

    it('bridge VLANs: a VLAN or a range, pvid, untagged', () => {
      const vlanCase = fc.record({ dev: index, vid, len: fc.integer({ min: 0, max: 50 }), pvid: fc.boolean(), untagged: fc.boolean() });
      fc.assert(fc.property(vlanCase, (c) => {
        const vidEnd = Math.min(c.vid + c.len, 4094);
        const spec = { dev: c.dev, vid: c.vid, ...(vidEnd > c.vid && { vidEnd }), pvid: c.pvid && vidEnd === c.vid, untagged: c.untagged };
        // The kernel lists VLANs in RTM_NEWLINK messages of the same layout as the request.
        const msg = Buffer.from(encodeBridgeVlan(RTM_NEWLINK, 0, checkBridgeVlan(spec)).bytes);
        expect(decodeBridgeVlans(msg)).to.deep.equal({
          ifindex: c.dev, ifname: '', vlans: [{ vid: c.vid, ...(vidEnd > c.vid && { vidEnd }), pvid: spec.pvid, untagged: c.untagged }],
        });
      }), runs(300));
    });

    it('bridge port options', () => {
      fc.assert(fc.property(portCase, (o) => {
        const w = new NetlinkWriter(64);
        writeBridgePort(w, o, 'bridgePort');
        const b = w.toBuffer();
        expect(decodeBridgePort(new AttrReader(b, 0, b.length))).to.deep.equal(o);
      }), runs(300));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    it('decodeFdb', () => {
      fc.assert(fc.property(fc.oneof(malformedRouting(), mutated(captures(/^fdb-|^event-fdb/))), (b) => onlyDecodeErrors(() => decodeFdb(b))), runs(2500));
    });

    it('decodeBridgeVlans', () => {
      fc.assert(fc.property(fc.oneof(malformedRouting(), mutated(captures(/^bridge-vlan/))), (b) => onlyDecodeErrors(() => decodeBridgeVlans(b))), runs(2500));
    });

    it('decodeBridgePort', () => {
      const bytes = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a));
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decodeBridgePort(new AttrReader(b, 0, b.length)))), runs(2500));
    });
  });
});
