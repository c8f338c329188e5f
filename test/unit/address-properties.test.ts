// Property tests of addresses (fast-check): IP addresses formatted as ip
// prints them parse back to the same bytes in any spelling, any other string
// is a ValidationError exactly where ip-address refuses it; an `ip addr add`
// request decodes back to the address asked for; and no byte string makes
// decodeAddress fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { ValidationError } from '../../src/netlink/core/errors.js';
import {
  ADDRESS_FLAGS, checkAddress, decodeAddress, encodeAddress, type Address, type AddressFlag, type AddressSpec,
} from '../../src/netlink/rtnl/address/codec.js';
import { RTM_NEWADDR } from '../../src/netlink/rtnl/constants.js';
import { formatAddress, parseAddress } from '../../src/netlink/rtnl/inet.js';
import { index, ipText, malformed, onlyDecodeErrors, runs, u32, u8, v4bytes, v6bytes } from '../support/arbitraries.js';

// Label names as the link-name arbitrary of link-properties makes them.
const linkName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'), minLength: 1, maxLength: 15 })
  .filter((s) => s !== '.' && s !== '..');

describe('address properties', () => {
  describe('round trips', () => {
    it('IP addresses: formatted as ip prints them, parsed back to the same bytes, in any spelling', () => {
      const spellings = (b: Buffer): string[] => {
        if (b.length === 4) return [formatAddress(b)];
        const words = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
        return [formatAddress(b), words.join(':'), words.map((x) => x.padStart(4, '0')).join(':'), formatAddress(b).toUpperCase()];
      };
      fc.assert(fc.property(fc.oneof(v4bytes, v6bytes), u8, (b, len) => {
        for (const s of spellings(b)) {
          expect(parseAddress(s, 'local').bytes.toString('hex'), s).to.equal(b.toString('hex'));
          const max = b.length === 4 ? 32 : 128;
          if (len <= max) expect(parseAddress(`${s}/${len}`, 'local').prefixlen).to.equal(len);
          else expect(() => parseAddress(`${s}/${len}`, 'local')).to.throw(ValidationError);
        }
      }), runs(1000));
    });

    it('IP addresses: any string is either rejected with ValidationError or parsed as ip-address reads it', () => {
      const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.%/x ');
      // Near misses: a valid address with one character inserted, deleted or replaced.
      const edited = fc.tuple(ipText, fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), chars).map(([t, at, how, c]) => {
        const i = at % (t.length + 1);
        if (how === 'insert') return t.slice(0, i) + c + t.slice(i);
        if (how === 'delete') return t.slice(0, i) + t.slice(i + 1);
        return t.slice(0, i) + c + t.slice(i + 1);
      });
      fc.assert(fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 45 }), edited), (s) => {
        let bytes: Buffer | undefined;
        try {
          bytes = parseAddress(s, 'local', { prefix: 'forbidden' }).bytes;
        } catch (e) {
          expect(e).to.be.instanceOf(ValidationError);
        }
        const reference = s.includes(':')
          ? (Address6.isValid(s) && !s.includes('%') && !s.includes('/') ? Buffer.from(new Address6(s).toUnsignedByteArray()).toString('hex').padStart(32, '0') : undefined)
          : (Address4.isValid(s) && /^\d+\.\d+\.\d+\.\d+$/.test(s) ? Buffer.from(new Address4(s).toArray()).toString('hex') : undefined);
        expect(bytes?.toString('hex'), JSON.stringify(s)).to.equal(reference);
      }), runs(2000));
    });

    const settable: AddressFlag[] = ['nodad', 'optimistic', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin'];
    const flagOrder = Object.keys(ADDRESS_FLAGS) as AddressFlag[];
    const lifetimes = fc.oneof(
      fc.constant({}),
      fc.tuple(u32, u32).map(([a, b]) => ({ valid_lft: Math.max(a, b), preferred_lft: Math.min(a, b) })),
      u32.map((v) => ({ valid_lft: v })),
      u32.map((p) => ({ preferred_lft: p })),
      fc.constant({ valid_lft: 'forever' as const, preferred_lft: 'forever' as const }),
    );
    const addressCase = fc.record({
      family: fc.constantFrom(4, 6), local4: v4bytes, local6: v6bytes, peer4: v4bytes, peer6: v6bytes, withPeer: fc.boolean(),
      prefixlen: fc.integer({ min: 0, max: 128 }), index, flags: fc.subarray(settable), scope: fc.oneof(u8, fc.constantFrom('global', 'site', 'link', 'host', 'nowhere')),
      label: fc.option(linkName), broadcast: fc.option(fc.oneof(fc.constant('+'), v4bytes.map((b) => formatAddress(b)))),
      anycast4: v4bytes, anycast6: v6bytes, withAnycast: fc.boolean(), lft: lifetimes, metric: fc.option(u32), proto: fc.option(u8),
    });

    it('addresses: an `ip addr add` request decodes back to the address that was asked for', () => {
      fc.assert(fc.property(addressCase, (a) => {
        const v4 = a.family === 4;
        const len = v4 ? a.prefixlen % 33 : a.prefixlen;
        const local = v4 ? a.local4 : a.local6;
        const peer = v4 ? a.peer4 : a.peer6;
        const spec: AddressSpec = { dev: a.index, local: formatAddress(local), flags: a.flags, scope: a.scope, ...a.lft };
        if (a.withPeer) spec.peer = `${formatAddress(peer)}/${len}`;
        else spec.local += `/${len}`;
        if (v4 && a.label !== null) spec.label = a.label;
        if (v4 && a.broadcast !== null) spec.broadcast = a.broadcast;
        if (a.withAnycast) spec.anycast = formatAddress(v4 ? a.anycast4 : a.anycast6);
        if (a.metric !== null) spec.metric = a.metric;
        if (a.proto !== null) spec.proto = a.proto;

        const scopes: Record<string, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
        const scopeNum = typeof a.scope === 'number' ? a.scope : { global: 0, site: 200, link: 253, host: 254, nowhere: 255 }[a.scope];
        const expected: Address = {
          family: a.family as 4 | 6, index: a.index, prefixlen: len, scope: (scopes[scopeNum] ?? scopeNum) as Address['scope'],
          flags: flagOrder.filter((f) => a.flags.includes(f)), local: formatAddress(local),
        };
        if (a.withPeer && !peer.equals(local)) expected.peer = formatAddress(peer);
        if (spec.broadcast === '+') {
          const b = Buffer.from(local);
          const host = len === 32 ? 0 : 0xffffffff >>> len;
          b.writeUInt32BE((b.readUInt32BE(0) | host) >>> 0);
          expected.broadcast = formatAddress(b);
        } else if (spec.broadcast !== undefined) {
          expected.broadcast = spec.broadcast;
        }
        if (spec.anycast !== undefined) expected.anycast = spec.anycast;
        if (spec.label !== undefined) expected.label = spec.label;
        if (spec.valid_lft !== undefined || spec.preferred_lft !== undefined) {
          const valid = spec.valid_lft === undefined || spec.valid_lft === 'forever' ? 0xffffffff : spec.valid_lft;
          expected.valid_lft = valid;
          expected.preferred_lft = spec.preferred_lft === undefined ? valid : spec.preferred_lft === 'forever' ? 0xffffffff : spec.preferred_lft;
        }
        if (spec.metric !== undefined) expected.metric = spec.metric;
        if (spec.proto !== undefined) expected.proto = spec.proto;

        expect(decodeAddress(encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, checkAddress(spec), () => a.index).bytes)).to.deep.equal(expected);
      }), runs(1000));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformed();

    it('decodeAddress', () => {
      // Half of them with a valid family, so the attribute decoding is reached.
      const addr = fc.tuple(bytes, fc.boolean(), fc.boolean()).map(([b, fix, v6]) => {
        if (fix && b.length > 16) b[16] = v6 ? 10 : 2;
        return b;
      });
      fc.assert(fc.property(addr, (b) => onlyDecodeErrors(() => decodeAddress(b))), runs(2000));
    });
  });
});
