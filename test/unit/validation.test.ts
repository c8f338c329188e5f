// Bad input is rejected before anything reaches the kernel: not the request
// itself, not even a name lookup. Each rejection is a ValidationError naming
// the caller's field.
import { expect } from 'chai';
import { ValidationError } from '../../src/netlink/core/errors.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import type { LinkAddSpec } from '../../src/netlink/rtnl/link.js';
import { openFake, tick } from '../support/fake-socket.js';

async function rejectedBeforeSending(call: (rtnl: Rtnl) => Promise<unknown>, field: string): Promise<void> {
  const { sock, raw } = openFake();
  const rtnl = Rtnl.fromSocket(sock);
  const outcome = call(rtnl).then(() => undefined, (e: unknown) => e);
  await tick(); // anything queued before the rejection has been flushed by now
  expect(raw.sent, 'messages sent').to.have.length(0);
  rtnl.close(); // a call stuck waiting for a lookup fails here instead of hanging
  const err = await outcome;
  expect(err, 'the call was rejected').to.be.instanceOf(ValidationError);
  expect((err as ValidationError).code).to.equal('ERR_INVALID_ARGUMENT');
  expect((err as ValidationError).field).to.equal(field);
}

// Arbitrary input, as JavaScript callers (and config files) can pass it.
const anyLink = (spec: Record<string, unknown>): LinkAddSpec => spec as unknown as LinkAddSpec;

describe('validation before sending', () => {
  describe('rtnl.link.add', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a name longer than 15 bytes', { name: 'x'.repeat(16), kind: 'bridge' }, 'name'],
      ['a name of 16 UTF-8 bytes', { name: 'é'.repeat(8), kind: 'bridge' }, 'name'],
      ["a name with '/'", { name: 'a/b', kind: 'bridge' }, 'name'],
      ['a name with whitespace', { name: 'a b', kind: 'bridge' }, 'name'],
      ['an invalid MAC', { name: 'br0', kind: 'bridge', address: '02:00:00:00:00' }, 'address'],
      ['an mtu that is not a u32', { name: 'br0', kind: 'bridge', mtu: -1 }, 'mtu'],
      ["an unsupported kind ('wireguard')", { name: 'wg0', kind: 'wireguard' }, 'kind'],
      ['a veth without peer', { name: 'v0', kind: 'veth' }, 'peer'],
      ['a peer name longer than 15 bytes', { name: 'v0', kind: 'veth', peer: { name: 'p'.repeat(16) } }, 'peer.name'],
      ["a peer name with '/'", { name: 'v0', kind: 'veth', peer: { name: 'v/1' } }, 'peer.name'],
      ['a peer without name', { name: 'v0', kind: 'veth', peer: {} }, 'peer.name'],
      ['an invalid peer MAC', { name: 'v0', kind: 'veth', peer: { name: 'v1', address: 'zz:00:00:00:00:01' } }, 'peer.address'],
      ['a peer on a bridge', { name: 'br0', kind: 'bridge', peer: { name: 'v1' } }, 'peer'],
      ['a macvlan without lower device', { name: 'mv0', kind: 'macvlan' }, 'link'],
      ['an unknown macvlan mode', { name: 'mv0', kind: 'macvlan', link: 1, macvlan: { mode: 'bogus' } }, 'macvlan.mode'],
      ['a vxlan id above 24 bits', { name: 'vx0', kind: 'vxlan', vxlan: { id: 1 << 24 } }, 'vxlan.id'],
      ['a vxlan local with a prefix length', { name: 'vx0', kind: 'vxlan', vxlan: { id: 1, local: '10.0.0.1/24' } }, 'vxlan.local'],
      ['a vxlan srcport that is not a pair', { name: 'vx0', kind: 'vxlan', vxlan: { id: 1, srcport: [1000] } }, 'vxlan.srcport'],
      ['bridge options on a veth', { name: 'v0', kind: 'veth', peer: { name: 'v1' }, bridge: {} }, 'bridge'],
      // Names of other links are checked before they are looked up.
      ['an invalid master name', { name: 'v0', kind: 'veth', peer: { name: 'v1' }, master: 'br 0' }, 'master'],
      ['an invalid lower device name', { name: 'mv0', kind: 'macvlan', link: 'x'.repeat(16) }, 'link'],
    ];
    for (const [what, spec, field] of cases) {
      it(`rejects ${what} (field '${field}')`, () => rejectedBeforeSending((r) => r.link.add(anyLink(spec)), field));
    }
  });

  describe('rtnl.link.set / del / get', () => {
    it("rejects an invalid MAC (field 'address')", () => rejectedBeforeSending((r) => r.link.set('v0', { address: 'nope' }), 'address'));
    it("rejects a new name longer than 15 bytes before resolving the link (field 'name')", () =>
      rejectedBeforeSending((r) => r.link.set('v0', { name: 'x'.repeat(16) }), 'name'));
    it("rejects an invalid link name (field 'dev')", () => rejectedBeforeSending((r) => r.link.set('a b', { mtu: 1400 }), 'dev'));
    it("rejects an invalid master name (field 'master')", () => rejectedBeforeSending((r) => r.link.set('v0', { master: 'a/b' }), 'master'));
    it("rejects index 0 (field 'dev')", () => rejectedBeforeSending((r) => r.link.set(0, { up: true }), 'dev'));
    it("del rejects an invalid name (field 'dev')", () => rejectedBeforeSending((r) => r.link.del('a/b'), 'dev'));
    it("get rejects an invalid name (field 'dev')", () => rejectedBeforeSending((r) => r.link.get('x'.repeat(16)), 'dev'));
  });

  describe('rtnl.addr.add / del / list', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an IPv4 prefix length above 32', { dev: 'v0', local: '10.0.0.1/33' }, 'local'],
      ['an IPv6 prefix length above 128', { dev: 'v0', local: '2001:db8::1/129' }, 'local'],
      ['a prefix length on local when a peer is given', { dev: 'v0', local: '10.0.0.1/24', peer: '10.0.0.2' }, 'local'],
      ['an IPv6 peer for an IPv4 address', { dev: 'v0', local: '10.0.0.1', peer: '2001:db8::2/128' }, 'peer'],
      ['an IPv6 broadcast for an IPv4 address', { dev: 'v0', local: '10.0.0.1/24', broadcast: '2001:db8::ff' }, 'broadcast'],
      ['a broadcast on an IPv6 address', { dev: 'v0', local: '2001:db8::1/64', broadcast: '+' }, 'broadcast'],
      ['an IPv4 anycast for an IPv6 address', { dev: 'v0', local: '2001:db8::1/64', anycast: '10.0.0.1' }, 'anycast'],
      ['a label on an IPv6 address', { dev: 'v0', local: '2001:db8::1/64', label: 'v0:1' }, 'label'],
      ['a label longer than 15 bytes', { dev: 'v0', local: '10.0.0.1/24', label: 'l'.repeat(16) }, 'label'],
      ['a flag only the kernel sets', { dev: 'v0', local: '10.0.0.1/24', flags: ['permanent'] }, 'flags'],
      ['an unknown scope', { dev: 'v0', local: '10.0.0.1/24', scope: 'galaxy' }, 'scope'],
      ['preferred_lft above valid_lft', { dev: 'v0', local: '10.0.0.1/24', valid_lft: 10, preferred_lft: 20 }, 'preferred_lft'],
      ['a negative lifetime', { dev: 'v0', local: '10.0.0.1/24', valid_lft: -1 }, 'valid_lft'],
      ['an address that is not one', { dev: 'v0', local: '10.0.0.300/24' }, 'local'],
      ['an invalid device name', { dev: 'a b', local: '10.0.0.1/24' }, 'dev'],
    ];
    for (const [what, spec, field] of cases) {
      it(`add rejects ${what} (field '${field}')`, () => rejectedBeforeSending((r) => r.addr.add(spec as never), field));
    }
    it("replace rejects the same input (field 'local')", () =>
      rejectedBeforeSending((r) => r.addr.replace({ dev: 'v0', local: '10.0.0.1/40' }), 'local'));
    it("del rejects an invalid address (field 'local')", () => rejectedBeforeSending((r) => r.addr.del({ dev: 'v0', local: 'nope' }), 'local'));
    it("list rejects an unknown family (field 'family')", () => rejectedBeforeSending((r) => r.addr.list({ family: 5 as never }), 'family'));
  });
});
