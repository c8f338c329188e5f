// Kernel errors are named as the kernel and iproute2 name them: the errno
// name is a NetlinkError's stable `code`, so it must be the canonical one.
import { expect } from 'chai';
import { errnoName, NetlinkError } from '../../src/netlink/core/errors.js';

describe('errno names', () => {
  const names: [number, string][] = [
    [1, 'EPERM'], [2, 'ENOENT'], [16, 'EBUSY'], [17, 'EEXIST'], [19, 'ENODEV'], [22, 'EINVAL'], [34, 'ERANGE'],
    [99, 'EADDRNOTAVAIL'], [105, 'ENOBUFS'], [107, 'ENOTCONN'],
    // Numbers Linux gives two names: the one <errno.h> lists first and the kernel uses.
    [11, 'EAGAIN'], [35, 'EDEADLK'], [95, 'EOPNOTSUPP'],
  ];
  for (const [n, name] of names) {
    it(`${n} is ${name}`, () => {
      expect(errnoName(n)).to.equal(name);
    });
  }

  it('an unknown number is still named, by its value', () => {
    expect(errnoName(9999)).to.equal('E9999');
  });

  it('a kernel error\'s code is its errno name; the message says what it means', () => {
    const e = new NetlinkError({ errno: 95, request: 'RTM_NEWLINK dummy d0' });
    expect(e.code).to.equal('EOPNOTSUPP');
    expect(e.message).to.equal('RTM_NEWLINK dummy d0: EOPNOTSUPP (Operation not supported)');
  });
});
