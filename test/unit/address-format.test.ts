// Addresses read from the kernel are printed exactly as `ip` prints them
// (glibc inet_ntop for IP, lowercase colon-separated hex for link layer).
import { expect } from 'chai';
import { formatAddress, formatLinkAddress } from '../../src/netlink/rtnl/inet.js';

const v6 = (words: number[]): Buffer => {
  const b = Buffer.alloc(16);
  for (const [i, w] of words.entries()) b.writeUInt16BE(w, i * 2);
  return b;
};

describe('address formatting', () => {
  const cases: [number[], string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [[0xfe80, 0, 0, 0, 0, 0, 1, 2], 'fe80::1:2'],
    [[0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], '::ffff:1.2.3.4'],
    [[1, 0, 0, 1, 0, 0, 0, 1], '1:0:0:1::1'], // the longest run of zeros is the one compressed
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // equal runs: the first
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'], // a single zero is not compressed
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0, 0, 0, 0, 0, 0, 2, 3], '::0.2.0.3'], // IPv4-compatible, as glibc prints it
    [[0xff02, 0, 0, 0, 0, 0, 0, 5], 'ff02::5'],
    [[0xabcd, 0xef01, 0, 0, 0, 0, 0, 0xffff], 'abcd:ef01::ffff'],
    [[1, 2, 3, 4, 5, 6, 7, 8], '1:2:3:4:5:6:7:8'],
  ];
  for (const [words, text] of cases) {
    it(`IPv6 ${text}`, () => {
      expect(formatAddress(v6(words))).to.equal(text);
    });
  }

  it('IPv4 dotted quad', () => {
    expect(formatAddress(Buffer.from([10, 0, 0, 1]))).to.equal('10.0.0.1');
    expect(formatAddress(Buffer.from([255, 255, 255, 255]))).to.equal('255.255.255.255');
  });

  it('reads in place, at an offset inside a larger buffer', () => {
    const b = Buffer.concat([Buffer.from([9, 9, 9]), v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), Buffer.from([9])]);
    expect(formatAddress(b, 3, 16)).to.equal('2001:db8::1');
  });

  it('link-layer addresses as lowercase hex bytes', () => {
    expect(formatLinkAddress(Buffer.from([0x02, 0xab, 0xcd, 0, 0, 0x01]))).to.equal('02:ab:cd:00:00:01');
    // Other lengths (IPoIB, tunnels with IPv4 endpoints read as lladdr) keep every byte.
    expect(formatAddress(Buffer.from([1, 2, 3, 4, 5]))).to.equal('01:02:03:04:05');
    expect(formatLinkAddress(Buffer.alloc(0))).to.equal('');
  });
});
