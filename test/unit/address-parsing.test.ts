// Addresses a user writes: parsed into wire bytes, or rejected with a
// ValidationError that names the user's field.
import { expect } from 'chai';
import { ValidationError } from '../../src/netlink/core/errors.js';
import { parseAddress, parseMac } from '../../src/netlink/rtnl/inet.js';

function rejects(fn: () => unknown, field: string): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ValidationError);
    const v = e as ValidationError;
    expect(v.code).to.equal('ERR_INVALID_ARGUMENT');
    expect(v.field).to.equal(field);
    expect(v.message.startsWith(`${field}: `)).to.equal(true);
    return v;
  }
  throw new Error('accepted');
}

describe('address parsing', () => {
  it('IPv4, with and without prefix length', () => {
    expect(parseAddress('10.0.0.1', 'local')).to.deep.equal({ family: 4, bytes: Buffer.from([10, 0, 0, 1]) });
    expect(parseAddress('10.0.0.1/24', 'local')).to.deep.equal({ family: 4, bytes: Buffer.from([10, 0, 0, 1]), prefixlen: 24 });
    expect(parseAddress('0.0.0.0/0', 'dst').prefixlen).to.equal(0);
    expect(parseAddress('1.2.3.4/32', 'dst').prefixlen).to.equal(32);
  });

  it('IPv6, compressed, full and IPv4-mapped', () => {
    expect(parseAddress('2001:db8::1/64', 'local')).to.deep.equal({
      family: 6, bytes: Buffer.from('20010db8000000000000000000000001', 'hex'), prefixlen: 64,
    });
    expect(parseAddress('::', 'local').bytes).to.deep.equal(Buffer.alloc(16));
    expect(parseAddress('2001:0db8:0000:0000:0000:0000:0000:0001', 'local').bytes.toString('hex')).to.equal('20010db8000000000000000000000001');
    expect(parseAddress('::ffff:1.2.3.4', 'local').bytes.toString('hex')).to.equal('00000000000000000000ffff01020304');
    expect(parseAddress('::/0', 'dst').prefixlen).to.equal(0);
    expect(parseAddress('::1/128', 'dst').prefixlen).to.equal(128);
  });

  const bad: [unknown, string][] = [
    ['10.0.0.256', 'not an IPv4 octet'],
    ['10.0.0', 'three octets'],
    ['1.2.3.4.5', 'five octets'],
    ['10.0.0.1/33', 'prefix too long for IPv4'],
    ['2001:db8::1/129', 'prefix too long for IPv6'],
    ['10.0.0.1/-1', 'negative prefix'],
    ['10.0.0.1/', 'empty prefix'],
    ['10.0.0.1/24x', 'junk after the prefix'],
    ['10.0.0.1/2/4', 'two prefixes'],
    ['2001:db8:::1', 'three colons'],
    ['fe80::1%eth0', 'a zone index'],
    [' 10.0.0.1', 'leading space'],
    ['hello', 'a word'],
    ['', 'empty'],
    [167772161, 'a number'],
    [undefined, 'nothing'],
    [null, 'null'],
  ];
  for (const [input, what] of bad) {
    it(`rejects ${what} (${JSON.stringify(input)}) naming the field`, () => {
      rejects(() => parseAddress(input, 'peer'), 'peer');
    });
  }

  it('rejects a prefix length where a plain address is expected', () => {
    rejects(() => parseAddress('10.0.0.1/24', 'vxlan.local', { prefix: 'forbidden' }), 'vxlan.local');
  });

  it('MAC addresses: six hex bytes, either case, one or two digits each', () => {
    expect(parseMac('02:00:00:00:00:01', 'address').toString('hex')).to.equal('020000000001');
    expect(parseMac('AA:bb:Cc:dD:ee:FF', 'address').toString('hex')).to.equal('aabbccddeeff');
    expect(parseMac('2:0:0:0:0:1', 'address').toString('hex')).to.equal('020000000001');
  });

  const badMacs: unknown[] = ['02:00:00:00:00', '02:00:00:00:00:01:02', '02-00-00-00-00-01', 'zz:00:00:00:00:01', '002:00:00:00:00:01', '', 42, undefined];
  for (const input of badMacs) {
    it(`rejects MAC ${JSON.stringify(input)} naming the field`, () => {
      rejects(() => parseMac(input, 'peer.address'), 'peer.address');
    });
  }
});
