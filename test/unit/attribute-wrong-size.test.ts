// Decoders are strict about sizes: an attribute of the wrong length is a
// DecodeError that names it, never a silent read of part of it (or a value
// quietly dropped). Messages are built by hand around one bad attribute.
import { expect } from 'chai';
import { DecodeError } from '../../src/netlink/core/errors.js';
import { decodeAddress } from '../../src/netlink/rtnl/address/codec.js';
import { decodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { decodeNeigh } from '../../src/netlink/rtnl/neigh/codec.js';
import { decodeRoute } from '../../src/netlink/rtnl/route/codec.js';
import { decodeRule } from '../../src/netlink/rtnl/rule/codec.js';

function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

/** nlmsghdr + the object's fixed header + attributes. */
function message(type: number, header: Buffer, ...attrs: Buffer[]): Buffer {
  const body = Buffer.concat([header, ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body]);
}

const u32x2 = Buffer.alloc(8, 1);

function decodeError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(DecodeError);
    return (e as Error).message;
  }
  throw new Error('decoded without an error');
}

describe('decoders refuse attributes of the wrong size', () => {
  const ifinfomsg = Buffer.alloc(16); // family 0, index 0
  const rtmsgV4 = Buffer.from([2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]); // AF_INET /24 main boot universe unicast
  const ndmsgV4 = Buffer.from([2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
  const ifaddrmsgV4 = Buffer.from([2, 24, 0, 0, 1, 0, 0, 0]);
  const fibRuleHdrV4 = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);

  it('a known u32 link field of 8 bytes (IFLA_GSO_MAX_SIZE) instead of being filed as unknown', () => {
    expect(decodeError(() => decodeLink(message(16, ifinfomsg, attr(41, u32x2))))).to.match(/^attribute 41: u32 needs exactly 4 bytes, has 8/);
  });

  it('a route metric of 8 bytes (RTAX_MTU inside RTA_METRICS) instead of reading its first four', () => {
    const metrics = attr(8, attr(2, u32x2));
    expect(decodeError(() => decodeRoute(message(24, rtmsgV4, metrics)))).to.match(/^attribute 2 in nest 8: u32 needs exactly 4 bytes, has 8/);
  });

  it('a short rta_cacheinfo instead of skipping it, and short struct attributes of other objects', () => {
    expect(decodeError(() => decodeRoute(message(24, rtmsgV4, attr(12, Buffer.alloc(8)))))).to.match(/rta_cacheinfo .* needs at least 12 bytes, has 8/);
    expect(decodeError(() => decodeLink(message(16, ifinfomsg, attr(23, Buffer.alloc(32)))))).to.match(/rtnl_link_stats64 needs at least 64 bytes, has 32/);
    expect(decodeError(() => decodeAddress(message(20, ifaddrmsgV4, attr(6, Buffer.alloc(8)))))).to.match(/ifa_cacheinfo needs at least 16 bytes/);
  });

  it('addresses of the wrong length for the family, in every object that carries them', () => {
    const six = Buffer.alloc(16);
    expect(decodeError(() => decodeRoute(message(24, rtmsgV4, attr(1, six))))).to.match(/^attribute 1: an IPv4 address needs exactly 4 bytes, has 16/);
    expect(decodeError(() => decodeNeigh(message(28, ndmsgV4, attr(1, six))))).to.match(/an IPv4 address needs exactly 4 bytes/);
    expect(decodeError(() => decodeAddress(message(20, ifaddrmsgV4, attr(2, six))))).to.match(/an IPv4 address needs exactly 4 bytes/);
    expect(decodeError(() => decodeRule(message(32, fibRuleHdrV4, attr(2, six))))).to.match(/an IPv4 address needs exactly 4 bytes/);
  });

  it('a tunnel id (FRA_TUN_ID, a be64) of 12 bytes', () => {
    expect(decodeError(() => decodeRule(message(32, fibRuleHdrV4, attr(12, Buffer.alloc(12)))))).to.match(/^attribute 12: u64 needs exactly 8 bytes, has 12/);
  });
});
