// Link names are checked as the kernel's dev_valid_name() checks them, so a
// bad name fails before a request is made, with the caller's field.
import { expect } from 'chai';
import { ValidationError } from '../../src/netlink/core/errors.js';
import { validateLinkName } from '../../src/netlink/rtnl/devices.js';

describe('link names', () => {
  const good = ['v0', 'eth0', 'a', 'x'.repeat(15), 'br-lan_1.100', `${'é'.repeat(7)}x`, 'v0@x'];
  for (const name of good) {
    it(`accepts '${name}'`, () => {
      expect(validateLinkName(name, 'name')).to.equal(name);
    });
  }

  const bad: [unknown, string][] = [
    ['x'.repeat(16), '16 bytes'],
    ['é'.repeat(8), '16 bytes of UTF-8 in 8 characters'],
    ['a/b', "a '/'"],
    ['a b', 'a space'],
    ['a\tb', 'a tab'],
    ['v0\n', 'a newline'],
    ['v0:1', "a ':'"],
    ['.', "'.'"],
    ['..', "'..'"],
    ['', 'empty'],
    [undefined, 'nothing'],
    [7, 'a number'],
  ];
  for (const [name, what] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      try {
        validateLinkName(name, 'peer.name');
      } catch (e) {
        expect(e).to.be.instanceOf(ValidationError);
        expect((e as ValidationError).code).to.equal('ERR_INVALID_ARGUMENT');
        expect((e as ValidationError).field).to.equal('peer.name');
        return;
      }
      throw new Error('accepted');
    });
  }
});
