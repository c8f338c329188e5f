// The namespace layer refuses bad input before it makes or removes anything:
// each call fails with a ValidationError naming the caller's field, never a
// raw TypeError, and no namespace or name appears.
import { expect } from 'chai';
import { NamespaceManager, Sandbox, sweep, ValidationError, validateNamespaceName } from '../../src/index.js';
import { managerFixture, ownNetnsNames } from '../support/netns.js';

describe('namespace layer input checks', () => {
  const f = managerFixture();

  const any = <T>(v: unknown): T => v as T;
  const cases: [string, () => unknown, string][] = [
    ['create(null)', () => f.m.create(any(null)), 'options'],
    ['create({ name: {} })', () => f.m.create({ name: any({}) }), 'name'],
    ['create({ name: an object without a prototype })', () => f.m.create({ name: any(Object.create(null)) }), 'name'],
    ["create({ name: 'a/b' })", () => f.m.create({ name: 'a/b' }), 'name'],
    ["create({ name: 'ab\\0cd' })", () => f.m.create({ name: 'ab\0cd' }), 'name'],
    ["create({ mode: 'x' })", () => f.m.create({ name: 'nntest-never', mode: any('x') }), 'mode'],
    ['create({ nme }) (a typo)', () => f.m.create(any({ nme: 'x' })), 'nme'],
    ['rtnl({}) (not a Namespace)', () => f.m.rtnl(any({})), 'ns'],
    ["adopt('')", () => f.m.adopt(''), 'path'],
    ["keep('a b')", () => f.m.keep('a b'), 'prefix'],
    ['new NamespaceManager(null)', () => new NamespaceManager(any(null)), 'options'],
    ["new NamespaceManager({ settle: 'never' })", () => new NamespaceManager({ settle: any('never') }), 'settle'],
    ['new NamespaceManager({ settleTimeoutMs: -1 })', () => new NamespaceManager({ settleTimeoutMs: -1 }), 'settleTimeoutMs'],
    ['cleanup({ settle: 1 })', () => f.m.cleanup({ settle: any(1) }), 'settle'],
    ['sweep(5)', () => sweep(any(5)), 'options'],
    ["sweep({ journalDir: '' })", () => sweep({ journalDir: '' }), 'journalDir'],
    ["Sandbox.enter({ lo: 'yes' })", () => Sandbox.enter({ lo: any('yes') }), 'lo'],
    ['a veth peer in fd 0 (not a namespace)', () => f.m.rtnl().link.add({ name: 'x0', kind: 'veth', peer: { name: 'x1', netns: 0 } }), 'peer.netns'],
    ['validateNamespaceName(7)', () => validateNamespaceName(7), 'name'],
  ];
  for (const [what, call, field] of cases) {
    it(`${what} is a ValidationError on '${field}'`, async () => {
      const names = ownNetnsNames();
      let err: unknown;
      try {
        await call();
      } catch (e) {
        err = e;
      }
      expect(err, 'it was refused').to.be.instanceOf(ValidationError);
      expect((err as ValidationError).field).to.equal(field);
      expect(f.m.namespaces).to.deep.equal([]);
      expect(ownNetnsNames()).to.deep.equal(names);
    });
  }
});
