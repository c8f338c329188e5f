// Property tests of netlink messages (fast-check): headers and datagrams of
// several messages read back as written; no byte string makes
// MessageReader, decodeError or decodeDone fail with anything but
// DecodeError, nor a socket that receives it throw or leave its request
// hanging; and every routing message captured from ip decodes, each of its
// truncations too or with a DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { NetnestError } from '../../src/netlink/core/errors.js';
import { decodeDone, decodeError, encodeHeader, MessageReader } from '../../src/netlink/core/message.js';
import { RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { encodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { decodeFdb } from '../../src/netlink/rtnl/fdb/codec.js';
import { decodeNeigh } from '../../src/netlink/rtnl/neigh/codec.js';
import { decodeNexthop } from '../../src/netlink/rtnl/nexthop/codec.js';
import { decodeRoute } from '../../src/netlink/rtnl/route/codec.js';
import { decodeRule } from '../../src/netlink/rtnl/rule/codec.js';
import { malformed, onlyDecodeErrors, routingCaptures, runs, u16, u32 } from '../support/arbitraries.js';
import { ack, openFake, tick } from '../support/fake-socket.js';

/** Neighbour messages of family AF_BRIDGE (7) are FDB entries. */
const neighOrFdb = (m: Buffer): unknown => (m.length > 16 && m[16] === 7 ? decodeFdb(m) : decodeNeigh(m));

describe('message properties', () => {
  describe('round trips', () => {
    it('message headers and multi-message datagrams', () => {
      const msg = fc.record({ type: u16, flags: u16, seq: u32, pid: u32, payload: fc.uint8Array({ maxLength: 40 }) });
      fc.assert(fc.property(fc.array(msg, { minLength: 1, maxLength: 5 }), (msgs) => {
        const parts: Buffer[] = [];
        for (const m of msgs) {
          parts.push(encodeHeader(m, m.payload.length), Buffer.from(m.payload));
          const pad = (4 - (m.payload.length % 4)) % 4;
          parts.push(Buffer.alloc(pad));
        }
        const r = new MessageReader(Buffer.concat(parts));
        const got = [];
        while (r.next()) got.push({ ...r.header(), payload: new Uint8Array(r.payload()) });
        expect(got).to.deep.equal(msgs.map((m) => ({ len: 16 + m.payload.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, payload: m.payload })));
      }), runs(500));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    const bytes = malformed();
    const corpus = routingCaptures();

    it('MessageReader over a datagram', () => {
      fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => {
        const r = new MessageReader(b);
        while (r.next()) { r.payload(); r.message(); }
      })), runs(2000));
    });

    it('decodeError and decodeDone, with every flag combination', () => {
      fc.assert(fc.property(bytes, u16, (b, flags) => {
        onlyDecodeErrors(() => decodeError(b, 0, b.length, flags));
        onlyDecodeErrors(() => decodeDone(b, 0, b.length, flags));
        if (b.length >= 16) onlyDecodeErrors(() => decodeError(b, 16, b.length, flags));
      }), runs(2000));
    });

    it('a socket given any datagram neither throws nor leaves the request unanswered by a crash', async () => {
      const { sock, raw } = openFake();
      await fc.assert(fc.asyncProperty(bytes, async (b) => {
        const p = sock.request(encodeLink(RTM_NEWLINK, 0, { dev: 1, mtu: 1400 })).then(() => undefined, (e: unknown) => e);
        await tick();
        const seq = raw.last.readUInt32LE(8);
        if (b.length >= 16) b.writeUInt32LE(seq, 8); // aim at the pending request
        expect(() => raw.deliver(b)).to.not.throw();
        // Whatever happened, the request can still be finished cleanly.
        raw.deliver(Buffer.from(ack(raw.last)));
        const outcome = await Promise.race([p, tick().then(() => 'pending' as const)]);
        expect(outcome).to.not.equal('pending');
        if (outcome !== undefined) expect(outcome).to.be.instanceOf(NetnestError);
      }), runs(300));
      sock.close();
    });

    it('every routing message captured from ip decodes, and every one of its truncations is DecodeError or decodes', () => {
      const byType: Record<number, (b: Buffer) => unknown> = {
        24: decodeRoute, 25: decodeRoute, 32: decodeRule, 33: decodeRule, 28: neighOrFdb, 29: neighOrFdb, 104: decodeNexthop,
        105: decodeNexthop,
      };
      let n = 0;
      for (const m of corpus) {
        const decode = byType[m.readUInt16LE(4)];
        // Requests and replies alike: only dump requests (no family-specific body) are left out.
        if (!decode || m.length < 24 || (m.readUInt16LE(6) & 0x300) === 0x300) continue;
        expect(() => decode(m)).to.not.throw();
        for (let cut = 0; cut < m.length; cut++) onlyDecodeErrors(() => decode(m.subarray(0, cut)));
        n++;
      }
      expect(n).to.be.greaterThan(100);
    });
  });
});
