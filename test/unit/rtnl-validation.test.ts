// Bad input is rejected before anything reaches the kernel: not the request
// itself, not even a name lookup. Each rejection is a ValidationError naming
// the caller's field.
import { expect } from 'chai';
import { ValidationError } from '../../src/netlink/core/errors.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import type { LinkAddSpec } from '../../src/netlink/rtnl/link/codec.js';
import { openFake, tick } from '../support/fake-socket.js';

async function rejectedBeforeSending(call: (rtnl: Rtnl) => Promise<unknown>, field: string | undefined): Promise<void> {
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
      ["an unsupported kind ('team')", { name: 'team0', kind: 'team' }, 'kind'],
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
      ['a vxlan without id that is not external', { name: 'vx0', kind: 'vxlan', vxlan: { dstport: 4789 } }, 'vxlan.id'],
      ['an ipvlan without lower device', { name: 'ipv0', kind: 'ipvlan', ipvlan: { mode: 'l3' } }, 'link'],
      ['an unknown ipvlan mode', { name: 'ipv0', kind: 'ipvlan', link: 1, ipvlan: { mode: 'l4' } }, 'ipvlan.mode'],
      ['a gre with an IPv6 remote', { name: 'gre1', kind: 'gre', gre: { remote: '2001:db8::1' } }, 'gre.remote'],
      ['an ip6gre with an IPv4 local', { name: 'g6', kind: 'ip6gre', ip6gre: { local: '192.0.2.1' } }, 'ip6gre.local'],
      ['a gre key and ikey together', { name: 'gre1', kind: 'gre', gre: { key: 1, ikey: 2 } }, 'gre.ikey'],
      ['a gre ttl of 0 (inherit is spelled out)', { name: 'gre1', kind: 'gre', gre: { ttl: 0 } }, 'gre.ttl'],
      ['an ipip option of ip6tnl', { name: 't0', kind: 'ipip', ipip: { hoplimit: 3 } }, 'ipip.hoplimit'],
      ['a 6rd relay prefix without a 6rd prefix', { name: 's0', kind: 'sit', sit: { '6rd_relay_prefix': '192.0.2.0/24' } }, 'sit.6rd_relay_prefix'],
      ['an IPv4 6rd prefix', { name: 's0', kind: 'sit', sit: { '6rd_prefix': '192.0.2.0/24' } }, 'sit.6rd_prefix'],
      ['an unknown netkit scrub', { name: 'nk0', kind: 'netkit', netkit: { scrub: 'all' } }, 'netkit.scrub'],
      ['a bond NS target that is IPv4', { name: 'b0', kind: 'bond', bond: { ns_ip6_target: ['192.0.2.1'] } }, 'bond.ns_ip6_target[0]'],
      ['a sit mode of ip6tnl', { name: 's0', kind: 'sit', sit: { mode: 'ip6ip6' } }, 'sit.mode'],
      ['an ip6tnl flowlabel above 20 bits', { name: 't6', kind: 'ip6tnl', ip6tnl: { flowlabel: 1 << 20 } }, 'ip6tnl.flowlabel'],
      ['a geneve without id', { name: 'gnv0', kind: 'geneve', geneve: { remote: '192.0.2.1' } }, 'geneve.id'],
      ['a geneve without remote', { name: 'gnv0', kind: 'geneve', geneve: { id: 1 } }, 'geneve.remote'],
      ['an external geneve with an id', { name: 'gnv0', kind: 'geneve', geneve: { id: 1, external: true } }, 'geneve.id'],
      ['a geneve without options', { name: 'gnv0', kind: 'geneve' }, 'geneve'],
      ['an IPv6 bond ARP target', { name: 'b0', kind: 'bond', bond: { arp_ip_target: ['2001:db8::1'] } }, 'bond.arp_ip_target[0]'],
      ['a bond actor system that is not a MAC', { name: 'b0', kind: 'bond', bond: { ad_actor_system: 'x' } }, 'bond.ad_actor_system'],
      ['an unknown bond xmit_hash_policy', { name: 'b0', kind: 'bond', bond: { xmit_hash_policy: 'layer5' } }, 'bond.xmit_hash_policy'],
      ['an invalid bond primary name', { name: 'b0', kind: 'bond', bond: { primary: 'a b' } }, 'bond.primary'],
      ['a peer on a gre', { name: 'gre1', kind: 'gre', peer: { name: 'v1' } }, 'peer'],
      ['an unknown netkit policy', { name: 'nk0', kind: 'netkit', netkit: { policy: 'drop' } }, 'netkit.policy'],
      ['wireguard options', { name: 'wg0', kind: 'wireguard', wireguard: {} }, 'wireguard'],
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

// Shapes an adversarial run found ending in a raw TypeError/RangeError/
// SyntaxError, a hang, or a request the caller did not mean. Every spec is
// checked whole against its schema before any lookup or request.
describe('validation before sending: any input, whatever its shape', () => {
  const cases: [string, (r: Rtnl) => Promise<unknown>, string | undefined][] = [
    // events (the options reach setsockopt through koffi as C ints)
    ['events: groups that are not a list', async (r) => r.events({ groups: 1 } as never), 'groups'],
    ['events: an unknown group', async (r) => r.events({ groups: ['link', 'routes'] } as never), 'groups'],
    ['events: a receive buffer beyond a C int', async (r) => r.events({ receiveBufferSize: 2 ** 31 }), 'receiveBufferSize'],
    ['events: maxQueue 0', async (r) => r.events({ maxQueue: 0 }), 'maxQueue'],
    ['events: a signal that is not an AbortSignal', async (r) => r.events({ signal: {} as AbortSignal }), 'signal'],
    ['events: null options', async (r) => r.events(null as never), 'options'],
    ['events: a misspelt option', async (r) => r.events({ group: ['link'] } as never), 'group'],
    // wrong types where the encoders expected arrays, objects, strings
    ['addr.add: flags that are a number', (r) => r.addr.add({ dev: 'v0', local: '10.0.0.1/24', flags: 65536 as never }), 'flags'],
    ['route.add: nexthops that are an object', (r) => r.route.add({ dst: '10.0.0.0/24', nexthops: {} as never }), 'nexthops'],
    ['route.add: flags that are a function', (r) => r.route.add({ dst: '10.0.0.0/24', flags: (() => 1) as never }), 'flags'],
    ['route.add: metrics null', (r) => r.route.add({ dst: '10.0.0.0/24', metrics: null as never }), 'metrics'],
    ['route.add: a nexthop gateway that is a number', (r) => r.route.add({ dst: '10.0.0.0/24', nexthops: [{ gateway: 1 as never }] }), 'nexthops[0].gateway'],
    ['rule.add: tun_id "x" (BigInt would throw SyntaxError)', (r) => r.rule.add({ tun_id: 'x' as never }), 'tun_id'],
    ["rule.add: tun_id '::1::2'", (r) => r.rule.add({ tun_id: '::1::2' as never }), 'tun_id'],
    ['rule.add: tun_id beyond 64 bits', (r) => r.rule.add({ tun_id: 2n ** 64n }), 'tun_id'],
    ['link.set: no settings at all', (r) => r.link.set('v0', undefined as never), undefined],
    ['link.set: a link that is an object', (r) => r.link.set({} as never, { up: true }), 'dev'],
    ['link.add: null', (r) => r.link.add(null as never), undefined],
    // unknown fields: a typo is an error, not a no-op
    ['route.add: gatway', (r) => r.route.add({ dst: '10.0.0.0/24', gatway: '10.0.0.1' } as never), 'gatway'],
    ['route.add: a nexthop with gatway', (r) => r.route.add({ dst: '10.0.0.0/24', nexthops: [{ gatway: '10.0.0.1' } as never] }), 'nexthops[0].gatway'],
    ['link.add: a peer with nmae', (r) => r.link.add({ name: 'v0', kind: 'veth', peer: { nmae: 'v1' } as never }), 'peer.nmae'],
    ['neigh.del: lladdr, which a delete does not take', (r) => r.neigh.del({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:01' } as never), 'lladdr'],
    ['addr.del: scope, which a delete does not take', (r) => r.addr.del({ dev: 'v0', local: '10.0.0.1/24', scope: 'host' } as never), 'scope'],
    // names that are keys of Object.prototype were sent as 0
    ['route.add: scope __proto__', (r) => r.route.add({ dst: '10.0.0.0/24', scope: '__proto__' as never }), 'scope'],
    ['addr.add: scope constructor', (r) => r.addr.add({ dev: 'v0', local: '10.0.0.1/24', scope: 'constructor' as never }), 'scope'],
    ['route.add: pref toString', (r) => r.route.add({ dst: '2001:db8::/64', pref: 'toString' as never }), 'pref'],
    ['route.add: type valueOf', (r) => r.route.add({ dst: '10.0.0.0/24', type: 'valueOf' as never }), 'type'],
    ['neigh.add: state __proto__', (r) => r.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:01', state: '__proto__' as never }), 'state'],
    ['link.add: macvlan mode constructor', (r) => r.link.add({ name: 'mv0', kind: 'macvlan', link: 1, macvlan: { mode: 'constructor' as never } }), 'macvlan.mode'],
    ['link.add: bond mode toString', (r) => r.link.add({ name: 'b0', kind: 'bond', bond: { mode: 'toString' as never } }), 'bond.mode'],
    ['link.add: kind hasOwnProperty', (r) => r.link.add({ name: 'x0', kind: 'hasOwnProperty' as never }), 'kind'],
    ['rule.add: action __proto__', (r) => r.rule.add({ action: '__proto__' as never }), 'action'],
    ['nexthop.add: a group type without a group', (r) => r.nexthop.add({ id: 1, dev: 'lo', type: 'mpath' }), 'type'],
    ['nexthop.add: buckets without a group', (r) => r.nexthop.add({ id: 1, blackhole: true, buckets: 8 }), 'buckets'],
    ['nexthop.add: an idle timer without a group', (r) => r.nexthop.add({ id: 1, blackhole: true, idle_timer: 1 }), 'idle_timer'],
    ['nexthop.add: type toString', (r) => r.nexthop.add({ id: 1, group: [{ id: 2 }], type: 'toString' as never }), 'type'],
    ['route.addMany: mode __proto__', (r) => r.route.addMany([], { mode: '__proto__' as never }), 'mode'],
    // strings with NUL, where they would become netlink strings (the kernel reads up to the NUL)
    ['link.add: a name with NUL', (r) => r.link.add({ name: 'ab\0cd', kind: 'bridge' }), 'name'],
    ['link.add: a peer name with NUL', (r) => r.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v\0' } }), 'peer.name'],
    ['link.add: an alias with NUL', (r) => r.link.add({ name: 'br0', kind: 'bridge', alias: 'a\0b' }), 'alias'],
    ['link.set: a new name with NUL', (r) => r.link.set(3, { name: 'x\0y' }), 'name'],
    ['link.get: a name with NUL', (r) => r.link.get('lo\0'), 'dev'],
    ['link.list: a kind with NUL', (r) => r.link.list({ kind: 'veth\0' }), 'kind'],
    ['rule.add: iif with NUL', (r) => r.rule.add({ iif: 'v0\0x', table: 7 }), 'iif'],
    ['rule.add: oif with NUL', (r) => r.rule.add({ oif: '\0', table: 7 }), 'oif'],
    ['addr.add: a label with NUL', (r) => r.addr.add({ dev: 'v0', local: '10.0.0.1/24', label: 'v0\0' }), 'label'],
    ['route.add: congctl with NUL', (r) => r.route.add({ dst: '10.0.0.0/24', metrics: { congctl: 'cubic\0' } }), 'metrics.congctl'],
    // bulk calls: the input and the options
    ['route.addMany(0)', (r) => r.route.addMany(0 as never), 'items'],
    ['route.addMany(1n)', (r) => r.route.addMany(1n as never), 'items'],
    ['rule.addMany(undefined)', (r) => r.rule.addMany(undefined as never), 'items'],
    ['route.addMany: window an address', (r) => r.route.addMany([], { window: '2001:db8::1' as never }), 'window'],
    ['route.delMany: onProgress a string', (r) => r.route.delMany([], { onProgress: ' ' as never }), 'onProgress'],
    ["rule.delMany: ack 'x'", (r) => r.rule.delMany([], { ack: 'x' as never }), 'ack'],
    ['rule.addMany: batchBytes 0', (r) => r.rule.addMany([], { batchBytes: 0 }), 'batchBytes'],
    ['route.addMany: a misspelt option', (r) => r.route.addMany([], { windw: 2 } as never), 'windw'],
    // every other entry point
    ['route.get: iif true', (r) => r.route.get({ dst: '10.0.0.1', iif: true as never }), 'iif'],
    ['route.get: sport beyond 16 bits', (r) => r.route.get({ dst: '10.0.0.1', sport: 70000 }), 'sport'],
    ['route.list: a table that is an object', (r) => r.route.list({ table: {} as never }), 'table'],
    ['route.list: family 5', (r) => r.route.list({ family: 5 as never }), 'family'],
    ['route.list: protocol 256', (r) => r.route.list({ protocol: 256 }), 'protocol'],
    ['route.list: an unknown type', (r) => r.route.list({ type: 'bogus' as never }), 'type'],
    ['route.list: an invalid dev', (r) => r.route.list({ dev: 'a b' }), 'dev'],
    ['route.dump: no family', async (r) => r.route.dump({} as never).next(), 'family'],
    ['route.dump: family 5', async (r) => r.route.dump({ family: 5 as never }).next(), 'family'],
    ['route.dump: no filter at all', async (r) => r.route.dump(undefined as never).next(), 'filter'],
    ['route.dump: a dst filter, which a dump does not take', async (r) => r.route.dump({ family: 4, dst: '10.0.0.0/8' } as never).next(), 'dst'],
    ['route.dump: an unknown type', async (r) => r.route.dump({ family: 4, type: 'bogus' as never }).next(), 'type'],
    ['route.dump: protocol 256', async (r) => r.route.dump({ family: 6, protocol: 256 }).next(), 'protocol'],
    ['route.list: a dst filter, which a listing does not take', (r) => r.route.list({ dst: '10.0.0.0/8' } as never), 'dst'],
    ['route.get: a table, which the kernel refuses in a lookup', (r) => r.route.get({ dst: '10.0.0.1', table: 100 } as never), 'table'],
    ['route.flush: a filter that is a string', (r) => r.route.flush('main' as never), 'filter'],
    ['addr.list: dev 1.5', (r) => r.addr.list({ dev: 1.5 }), 'dev'],
    ["neigh.list: proxy 'yes'", (r) => r.neigh.list({ proxy: 'yes' as never }), 'proxy'],
    ['nexthop.list: groups 1', (r) => r.nexthop.list({ groups: 1 as never }), 'groups'],
    ['link.list: an invalid master', (r) => r.link.list({ master: 'a/b' }), 'master'],
    ["rule.list: family '4'", (r) => r.rule.list({ family: '4' as never }), 'family'],
    ['link.get: an object', (r) => r.link.get({} as never), 'dev'],
    ['link.find: index 0', (r) => r.link.find(0), 'dev'],
    ['link.del: index -1', (r) => r.link.del(-1), 'dev'],
    ['link.index: NaN', (r) => r.link.index(NaN), 'dev'],
    ["nexthop.get: id '1'", (r) => r.nexthop.get('1' as never), 'id'],
    ['nexthop.del: id 1.5', (r) => r.nexthop.del(1.5), 'id'],
    ['rule.del: priority -1', (r) => r.rule.del({ priority: -1 }), 'priority'],
    ['neigh.del: dev null', (r) => r.neigh.del({ dst: '10.0.0.2', dev: null as never }), 'dev'],
    ['nsid.get: fd -1', (r) => r.nsid.get(-1), 'fd'],
  ];
  for (const [what, call, field] of cases) {
    it(`${what} (field ${field === undefined ? 'none' : `'${field}'`})`, () => rejectedBeforeSending(call, field));
  }

  it('Rtnl.open refuses bad options before opening anything', () => {
    for (const [opts, field] of [[{ timeoutMs: -1 }, 'timeoutMs'], [{ netns: 'x' }, 'netns'], [{ groups: [1] }, 'groups'], [null, 'options']] as const) {
      expect(() => Rtnl.open(opts as never), JSON.stringify(opts)).to.throw(ValidationError).with.property('field', field);
    }
  });

  it('a bad bulk item fails alone, before its device is looked up', async () => {
    const { sock, raw } = openFake();
    const rtnl = Rtnl.fromSocket(sock);
    const res = await rtnl.route.addMany([{ dst: '10.0.0.0/24', dev: 'eth7', gatway: '10.0.0.1' } as never, { dst: 5 } as never]);
    expect(raw.sent, 'messages sent (no RTM_GETLINK for eth7)').to.have.length(0);
    expect(res).to.include({ total: 2, ok: 0 });
    expect(res.failed.map((f) => [f.index, f.error.constructor.name, (f.error as ValidationError).field])).to.deep.equal([
      [0, 'ValidationError', 'gatway'], [1, 'ValidationError', 'dst'],
    ]);
    rtnl.close();
  });
});
