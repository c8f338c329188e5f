// The one check every spec goes through (core/schema.ts): a TypeBox schema
// compiled once, and for a value that fails, ONE ValidationError naming the
// first problem by its path, in words a caller can act on.
import { expect } from 'chai';
import { describeValue, ValidationError } from '../../src/netlink/core/errors.js';
import { checker, CLOSED, Int, List, Text, Type, U16, U8 } from '../../src/netlink/core/schema.js';

const Hop = Type.Object({
  gateway: Type.Optional(Text()),
  dev: Type.Optional(Type.Union([Text({ minLength: 1 }), Int(1, 0x7fffffff)])),
}, CLOSED);

const Spec = Type.Object({
  dst: Type.String(),
  table: Type.Optional(Type.Union([Int(0, 0xffffffff), Type.String()])),
  pref: Type.Optional(Type.Enum(['low', 'medium', 'high'])),
  scope: Type.Optional(Type.Union([Type.Enum(['global', 'link', 'host']), U8])),
  valid_lft: Type.Optional(Type.Union([Int(0, 0xffffffff), Type.Literal('forever')])),
  nexthops: Type.Optional(List(Hop, { minItems: 1 })),
  flags: Type.Optional(List(Type.Enum(['onlink', 'pervasive']))),
  sport: Type.Optional(Type.Union([U16, Type.Tuple([U16, U16])])),
  metrics: Type.Optional(Type.Object({ mtu: Type.Optional(Int(0, 0xffffffff)) }, CLOSED)),
  up: Type.Optional(Type.Boolean()),
}, CLOSED);

const check = checker(Spec);

function problem(value: unknown, root?: string): { field: string | undefined; message: string } {
  try {
    check(value, root);
  } catch (e) {
    expect(e).to.be.instanceOf(ValidationError);
    const v = e as ValidationError;
    expect(v.code).to.equal('ERR_INVALID_ARGUMENT');
    return { field: v.field, message: v.message };
  }
  throw new Error(`${describeValue(value)} passed the check`);
}

describe('schema checks', () => {
  it('lets valid values through, absent and undefined optional fields alike', () => {
    check({ dst: '10.0.0.0/24' });
    check({ dst: 'default', table: 'main', pref: 'low', scope: 253, valid_lft: 'forever', nexthops: [{ gateway: '10.0.0.1', dev: 3 }] });
    check({ dst: 'x', table: undefined, flags: ['onlink'], sport: [1, 2], metrics: {}, up: false });
  });

  const cases: [string, unknown, string | undefined, string][] = [
    ['a value that is not an object', null, undefined, 'expected an object, got null'],
    ['a missing required field', {}, 'dst', "dst: expected a string, got nothing"],
    ['a wrong type', { dst: 5 }, 'dst', 'dst: expected a string, got 5'],
    ['a typo', { dst: 'x', tabel: 5 }, 'tabel', "tabel: unknown field 'tabel' (did you mean 'table'?)"],
    ['an unknown field nothing resembles', { dst: 'x', colour: 'red' }, 'colour', "colour: unknown field 'colour'"],
    ['a typo in a nested object', { dst: 'x', nexthops: [{ gatway: '1.2.3.4' }] }, 'nexthops[0].gatway',
      "nexthops[0].gatway: unknown field 'gatway' (did you mean 'gateway'?)"],
    ['a bad field of the second item', { dst: 'x', nexthops: [{}, { gateway: 7 }] }, 'nexthops[1].gateway', 'nexthops[1].gateway: expected a string, got 7'],
    ['an empty list that needs an item', { dst: 'x', nexthops: [] }, 'nexthops', 'nexthops: expected a non-empty array, got []'],
    ['an object where a list belongs', { dst: 'x', nexthops: {} }, 'nexthops', 'nexthops: expected an array, got {}'],
    ['a prototype key as an enum value', { dst: 'x', pref: '__proto__' }, 'pref', "pref: expected one of low, medium, high, got '__proto__'"],
    ['a name outside a name-or-number union', { dst: 'x', scope: 'toString' }, 'scope',
      "scope: expected one of global, link, host or an integer 0..255, got 'toString'"],
    ['a number outside a name-or-number union', { dst: 'x', scope: 256 }, 'scope', 'scope: expected an integer 0..255, got 256'],
    ['a word a number-or-word union does not take', { dst: 'x', valid_lft: 'never' }, 'valid_lft',
      "valid_lft: expected 'forever' or an integer 0..4294967295, got 'never'"],
    ['NaN', { dst: 'x', table: NaN }, 'table', 'table: expected an integer 0..4294967295, got NaN'],
    ['Infinity', { dst: 'x', table: Infinity }, 'table', 'table: expected an integer 0..4294967295, got Infinity'],
    ['a bigint', { dst: 'x', table: 5n }, 'table', 'table: expected an integer 0..4294967295 or a string, got 5n'],
    ['a function', { dst: 'x', flags: () => 1 }, 'flags', 'flags: expected an array, got a function'],
    ['a bad word in a list of words: the list is the field', { dst: 'x', flags: ['onlink', 'constructor'] }, 'flags',
      "flags: expected one of onlink, pervasive, got 'constructor' (item 1)"],
    ['a pair of the wrong length', { dst: 'x', sport: [1] }, 'sport', 'sport: expected an array of 2 items, got [1]'],
    ['a bad number in a pair', { dst: 'x', sport: [1, 70000] }, 'sport', 'sport: expected an integer 0..65535, got 70000 (item 1)'],
    ['a NUL in a netlink string', { dst: 'x', nexthops: [{ gateway: 'a\0b' }] }, 'nexthops[0].gateway',
      "nexthops[0].gateway: expected a string without NUL characters, got 'a\\0b'"],
    ['null for a nested object', { dst: 'x', metrics: null }, 'metrics', 'metrics: expected an object, got null'],
    ['a nested number out of range', { dst: 'x', metrics: { mtu: -1 } }, 'metrics.mtu', 'metrics.mtu: expected an integer 0..4294967295, got -1'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this case checks
    ['a list with holes', { dst: 'x', nexthops: [, { gateway: 'a' }] }, 'nexthops[0]', 'nexthops[0]: expected an object, got nothing'],
  ];
  for (const [what, value, field, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(problem(value)).to.deep.equal({ field, message });
    });
  }

  it('names the value itself with `root` when the problem is the value as a whole', () => {
    expect(problem(5, 'options')).to.deep.equal({ field: 'options', message: 'options: expected an object, got 5' });
    expect(problem({ dst: 1 }, 'options').field).to.equal('dst');
  });

  it('a getter that throws is a ValidationError too', () => {
    const evil = { get dst(): string { throw new TypeError('no'); } };
    expect(problem(evil).message).to.match(/could not be read \(no\)/);
  });

  it('huge and strange values are shown short and printable', () => {
    expect(describeValue('x'.repeat(1000))).to.equal(`'${'x'.repeat(80)}…' (1000 characters)`);
    expect(describeValue('a\0b\nc')).to.equal("'a\\0b\\nc'");
    expect(describeValue({ n: 1n })).to.equal('{"n":"1n"}');
    expect(describeValue(-0)).to.equal('-0');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).to.equal('[object Object]');
  });
});
