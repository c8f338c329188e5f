// `ip netns set NAME ID` and `ip monitor nsid` as iproute2 and the kernel spoke
// them (test/fixtures/golden, netns-set*, event-nsid): netnest sends the same
// RTM_NEWNSID for the same namespace and id, learns the id the kernel picks,
// turns the kernel's refusal into the error a caller should see, and decodes
// the kernel's nsid notifications into events.
import { expect } from 'chai';
import { NetlinkError, ValidationError } from '../../src/netlink/core/errors.js';
import { decodeEvent } from '../../src/netlink/rtnl/events.js';
import { checkNsidSet, decodeNsid, encodeNsidSet, RTM_DELNSID, RTM_NEWNSID, type NsidSetSpec } from '../../src/netlink/rtnl/nsid/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, datagram, openFake, refusal, wireBytes } from '../support/fake-socket.js';
import { flagsOf, loadGolden, seqOf, typeOf, withoutSeqPid, withSeq } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
/** The fd `ip` had /run/netns/blue open on in every capture (its NETNSA_FD). */
const IP_FD = 6;
const NLM_F_ECHO = 0x8;
const set = (spec: NsidSetSpec): ReturnType<typeof encodeNsidSet> => encodeNsidSet(checkNsidSet(spec));

describe('golden: ip netns set / ip monitor nsid', () => {
  describe('encoding the same request as ip', () => {
    it('`ip netns set blue 7`: RTM_NEWNSID with NETNSA_FD and NETNSA_NSID 7', async () => {
      const g = loadGolden('netns-set');
      const ip = g.sent.at(-1)!;
      expect(typeOf(ip)).to.equal(RTM_NEWNSID);
      expect(ip.readUInt32LE(24), 'the fd in the capture').to.equal(IP_FD);
      expect(hex(await wireBytes(set({ fd: IP_FD, nsid: 7 }), 'request'))).to.equal(hex(ip));
    });

    it('`ip netns set blue auto`: NETNSA_NSID -1, and netnest asks for the result back (NLM_F_ECHO) to learn the id', async () => {
      const ip = loadGolden('netns-set-auto').sent.at(-1)!;
      expect(ip.readInt32LE(32), 'ip sends NETNSA_NSID_NOT_ASSIGNED').to.equal(-1);
      const adjusted = Buffer.from(ip);
      adjusted.writeUInt16LE(flagsOf(ip) | NLM_F_ECHO, 6);
      expect(hex(await wireBytes(set({ fd: IP_FD }), 'request'))).to.equal(hex(adjusted));
    });

    it('a process instead of an fd goes in NETNSA_PID, the rest as ip writes it', async () => {
      const ip = loadGolden('netns-set').sent.at(-1)!;
      const bytes = await wireBytes(set({ pid: 4242, nsid: 7 }), 'request');
      const want = Buffer.from(ip);
      want.writeUInt16LE(2, 22); // NETNSA_PID
      want.writeUInt32LE(4242, 24);
      expect(hex(bytes)).to.equal(hex(want));
    });

    it('bad input is refused before anything is sent, naming the field', () => {
      const field = (spec: unknown): string | undefined => {
        try {
          checkNsidSet(spec as NsidSetSpec);
        } catch (e) {
          expect(e).to.be.instanceOf(ValidationError);
          return (e as ValidationError).field;
        }
        return undefined;
      };
      expect(field({ nsid: 1 })).to.equal('fd');
      expect(field({ fd: 3, pid: 1 })).to.equal('pid');
      expect(field({ fd: 3, nsid: -1 })).to.equal('nsid');
      expect(field({ fd: 3, nsid: 2 ** 31 })).to.equal('nsid');
      expect(field({ pid: 0 })).to.equal('pid');
      expect(field({ fd: 3, id: 1 })).to.equal('id');
    });
  });

  describe('what the kernel answered', () => {
    it('rtnl.nsid.set() resolves with the id given once the kernel acknowledged it', async () => {
      const g = loadGolden('netns-set');
      expect(flagsOf(g.received[0]!) & 0x100, 'a capped ACK').to.equal(0x100);
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => { for (const m of msgs) raw.deliver(withSeq(g.received[0]!, seqOf(m))); };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.nsid.set({ fd: IP_FD, nsid: 7 })).to.equal(7);
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.nsid.set() without an id resolves with the id the kernel echoed before its ACK', async () => {
      // The kernel's RTM_NEWNSID for id 7, as `ip monitor nsid` received it, plays the echo.
      const echo = loadGolden('event-nsid').received[0]!;
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => { for (const m of msgs) raw.deliver(datagram(withSeq(echo, seqOf(m)), ack(m))); };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.nsid.set({ fd: IP_FD })).to.equal(7);
      } finally {
        rtnl.close();
      }
    });

    it('`ip netns set blue 8` when blue has an id: EEXIST naming the namespace field (the kernel points at NETNSA_FD)', async () => {
      const reply = loadGolden('netns-set-again-eexist').received.at(-1)!;
      const err = await refusal(set({ fd: IP_FD, nsid: 8 }), reply);
      expect(err).to.be.instanceOf(NetlinkError);
      expect(err).to.include({ code: 'EEXIST', errnoName: 'EEXIST', extackMessage: 'Peer netns already has a nsid assigned', extackOffset: 20, field: 'fd' });
      expect(err.message).to.equal('RTM_NEWNSID fd 6 nsid 8: EEXIST (File exists): Peer netns already has a nsid assigned [field: fd]');
    });
  });

  describe('events', () => {
    it('`ip netns set blue 7; ip netns del blue` seen by `ip monitor nsid`: new nsid 7, then del nsid 7', () => {
      const msgs = loadGolden('event-nsid').received;
      expect(msgs.map(typeOf)).to.deep.equal([RTM_NEWNSID, RTM_DELNSID]);
      expect(msgs.map(decodeEvent)).to.deep.equal([
        { kind: 'nsid', action: 'new', nsid: 7 },
        { kind: 'nsid', action: 'del', nsid: 7 },
      ]);
      expect(msgs.map(decodeNsid)).to.deep.equal([7, 7]);
    });

    it('an nsid message without NETNSA_NSID is not an event (undefined), not an error', () => {
      const msg = Buffer.from(loadGolden('event-nsid').received[0]!.subarray(0, 20));
      msg.writeUInt32LE(20, 0);
      expect(decodeEvent(msg)).to.equal(undefined);
    });
  });
});
