// Kernel notifications as `ip monitor` received them (test/fixtures/golden,
// event-*): decodeEvent turns each into the typed event a daemon acts on, and
// a socket hands multicast messages to its event consumer even when their seq
// is that of a request of its own.
import { expect } from 'chai';
import { RTM_DELLINK, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { decodeEvent, type RtnlEvent } from '../../src/netlink/rtnl/events.js';
import { encodeLink, type Link } from '../../src/netlink/rtnl/link/codec.js';
import { decodeRoute, type Route } from '../../src/netlink/rtnl/route/codec.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from '../../src/netlink/rtnl/route/constants.js';
import { RTM_NEWRULE } from '../../src/netlink/rtnl/rule/constants.js';
import { ack, openFake, tick, track } from '../support/fake-socket.js';
import { flagsOf, loadGolden, seqOf, typeOf, withSeq } from '../support/golden.js';

// The groups the notifications arrived on (README.md, "Events"): nl_groups bit = group - 1.
const RTNLGRP_IPV4_ROUTE_BIT = 1 << (7 - 1);
const RTNLGRP_LINK_BIT = 1 << (1 - 1);

/** The same message with another type (the kernel's DEL notifications have the NEW message's layout). */
function withType(msg: Buffer, type: number): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt16LE(type, 4);
  return b;
}

const ROUTE_ADDED: Route = {
  family: 4, type: 'unicast', dst: '20.0.0.0/24', dst_len: 24, table: 254, protocol: 'boot', scope: 'global', tos: 0, flags: [],
  gateway: '10.0.0.2', oif: 3,
};

// What a veth pair's two notifications say (ip link add v0 type veth peer name v1, in a fresh namespace).
const common: Partial<Link> = {
  kind: 'veth', up: false, operstate: 'DOWN', carrier: false, mtu: 1500, min_mtu: 68, max_mtu: 65535, link_type: 'ether',
  broadcast: 'ff:ff:ff:ff:ff:ff', qdisc: 'noop', txqueuelen: 1000, promiscuity: 0,
};

describe('golden: events (ip monitor)', () => {
  it('`ip route add 20.0.0.0/24 via 10.0.0.2` seen by `ip monitor route`: a new route event with the route', () => {
    const [msg, ...rest] = loadGolden('event-route-add').received;
    expect(rest).to.have.length(0);
    // The notification carries the trigger's seq and NLM_F_EXCL|NLM_F_CREATE: not a reply to anyone here.
    expect(flagsOf(msg!)).to.equal(0x600);
    expect(seqOf(msg!)).to.not.equal(0);
    expect(decodeEvent(msg!)).to.deep.equal({ kind: 'route', action: 'new', route: ROUTE_ADDED });
  });

  it('the route in the event is the route a dump reports (same decoder, same object)', () => {
    const fromDump = loadGolden('route-dump-all').received.filter((m) => typeOf(m) === RTM_NEWROUTE).map(decodeRoute)
      .find((r) => r.dst === '20.0.0.0/24' && r.table === 254);
    expect(fromDump).to.deep.equal(ROUTE_ADDED);
  });

  it('the same notification as RTM_DELROUTE is a del event with the same route', () => {
    const msg = withType(loadGolden('event-route-add').received[0]!, RTM_DELROUTE);
    expect(decodeEvent(msg)).to.deep.equal({ kind: 'route', action: 'del', route: ROUTE_ADDED });
  });

  it('`ip link add v0 type veth peer name v1` seen by `ip monitor link`: two new link events, the peer first', () => {
    const events = loadGolden('event-link-add').received.map(decodeEvent);
    expect(events.map((e) => e && [e.kind, (e as { action?: string }).action])).to.deep.equal([['link', 'new'], ['link', 'new']]);
    const [v1, v0] = events.map((e) => (e as Extract<RtnlEvent, { kind: 'link' }>).link);
    expect(v1).to.deep.include({ ...common, index: 2, name: 'v1', address: 'fe:8e:22:e2:a2:c4' });
    expect(v0).to.deep.include({ ...common, index: 3, name: 'v0', address: '8a:e7:86:06:0f:04' });
    expect(v1!.flags).to.deep.equal(['BROADCAST', 'MULTICAST']);
    expect(v0!.flags).to.deep.equal(['BROADCAST', 'MULTICAST']);
    // v1 is announced before v0 is registered, so its peer index is still 0 (`ip` prints v1@NONE);
    // v0's notification names v1 as its peer.
    expect(v1!.link).to.equal(0);
    expect(v0!.link).to.equal(2);
  });

  it('a link notification as RTM_DELLINK is a del event for the same link', () => {
    const msg = loadGolden('event-link-add').received[1]!;
    const e = decodeEvent(withType(msg, RTM_DELLINK));
    expect(e).to.deep.equal({ kind: 'link', action: 'del', link: (decodeEvent(msg) as Extract<RtnlEvent, { kind: 'link' }>).link });
  });

  it('a multicast routing rule on the rule groups (`ip mrule add`, family 128/129) is skipped, not a DecodeError', () => {
    // The kernel announces ipmr/ip6mr rules on RTNLGRP_IPV4_RULE/RTNLGRP_IPV6_RULE with the same
    // fib_rule_hdr layout and family RTNL_FAMILY_IPMR (128) / RTNL_FAMILY_IP6MR (129); `ip monitor
    // rule` shows them. They are valid kernel messages, not malformed ones: decodeEvent must skip
    // them as it skips bridge neighbours, or a subscription to 'rule' dies on someone's `ip mrule add`.
    const rule = loadGolden('rule-dump').received.find((m) => typeOf(m) === RTM_NEWRULE)!;
    for (const family of [128, 129]) {
      const b = Buffer.from(rule);
      b[16] = family;
      expect(() => decodeEvent(b), `family ${family}`).to.not.throw();
      expect(decodeEvent(b), `family ${family}`).to.equal(undefined);
    }
  });

  it('a socket hands the captured notifications to its consumer, even one whose seq matches a pending request', async () => {
    const { sock, raw } = openFake({ groups: [7, 1] }); // it joined the groups, as event sockets do
    const seen: RtnlEvent[] = [];
    sock.onNotification = (m) => { const e = decodeEvent(m); if (e) seen.push(e); };
    try {
      const pending = track(sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })));
      await tick();
      const ours = raw.last;
      // The route notification carries the seq of whoever caused it; make it collide with ours.
      const route = withSeq(loadGolden('event-route-add').received[0]!, seqOf(ours));
      raw.emit('message', route, { port: 0, groups: RTNLGRP_IPV4_ROUTE_BIT });
      for (const m of loadGolden('event-link-add').received) raw.emit('message', m, { port: 0, groups: RTNLGRP_LINK_BIT });
      await tick();
      expect(pending.settled, 'the request is still waiting for its own answer').to.equal(false);
      expect(seen.map((e) => e.kind)).to.deep.equal(['route', 'link', 'link']);
      expect(seen[0]).to.deep.equal({ kind: 'route', action: 'new', route: ROUTE_ADDED });
      raw.deliver(ack(ours));
      await pending.done;
      expect(pending.error).to.equal(undefined);
    } finally {
      sock.close();
    }
  });
});
