// `ip nexthop` as iproute2 and the kernel spoke it (test/fixtures/golden): the
// kernel's answers decode into the Nexthop a user expects (single, IPv6,
// blackhole, weighted and resilient groups), netnest sends the same request
// as `ip` for the same command, and the kernel's refusals become the errors a
// caller should see.
import { expect } from 'chai';
import { NLM_F_ACK } from '../../src/netlink/core/constants.js';
import type { Request } from '../../src/netlink/core/request.js';
import { RTM_GETLINK, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import {
  checkNexthop, decodeNexthop, encodeNexthop, encodeNexthopDump, RTM_DELNEXTHOP, RTM_NEWNEXTHOP,
  type Nexthop, type NexthopSpec,
} from '../../src/netlink/rtnl/nexthop/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, datagram, openFake, wireBytes, type FakeRawSocket, capturedRefusal, expectRefusalError, type CapturedRefusal } from '../support/fake-socket.js';
import { answersTo, datagramWithSeq, flagsOf, loadGolden, seqOf, typeOf, withFlags, withoutSeqPid, type Golden } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
const nexthops = (g: Golden): Nexthop[] => g.received.filter((m) => typeOf(m) === RTM_NEWNEXTHOP).map(decodeNexthop);
// `dev v0` is ifindex 3 in every capture; ip resolved it on its second socket, as NexthopApi does.
const v0 = (dev: string | number): number => {
  if (dev === 'v0' || dev === 3) return 3;
  throw new Error(`unexpected dev ${String(dev)}`);
};
const add = (spec: NexthopSpec): Request => encodeNexthop(RTM_NEWNEXTHOP, 0x600 /* CREATE|EXCL */, checkNexthop(spec), v0);

const nexthop = (n: Partial<Nexthop> & Pick<Nexthop, 'id'>): Nexthop => ({
  blackhole: false, fdb: false, scope: 'global', protocol: 'unspec', flags: [], ...n,
});
// Kernels from 6.12 answer groups with NHA_OP_FLAGS bit 31: "I understand 16-bit weights".
const WIDE_WEIGHTS = 0x80000000;

// `ip nexthop show` after setup "NEXTHOPS" (README.md).
const NEXTHOPS: Nexthop[] = [
  nexthop({ id: 1, family: 4, gateway: '10.0.0.2', oif: 3, scope: 'link' }),
  nexthop({ id: 2, family: 6, gateway: '2001:db8::2', oif: 3, scope: 'link' }),
  nexthop({ id: 3, family: 4, blackhole: true }),
  nexthop({ id: 4, family: 4, gateway: '10.0.0.4', oif: 3, scope: 'link' }),
  nexthop({ id: 5, family: 4, gateway: '10.0.0.3', oif: 3, scope: 'link' }),
  // `group 1,2/4,5`: id 1 weight 2, id 4 weight 5. Groups have no family (AF_UNSPEC).
  nexthop({ id: 10, type: 'mpath', group: [{ id: 1, weight: 2 }, { id: 4, weight: 5 }], op_flags: WIDE_WEIGHTS }),
  // `group 1/5 type resilient buckets 8 idle_timer 60`: timers in seconds (USER_HZ on the wire).
  nexthop({
    id: 11, type: 'resilient', group: [{ id: 1, weight: 1 }, { id: 5, weight: 1 }], buckets: 8, idle_timer: 60, unbalanced_timer: 0,
    unbalanced_time: 0, op_flags: WIDE_WEIGHTS,
  }),
];

/**
 * Plays the kernel for a client: GETLINK for v0 gets the NEWLINK ip got, everything else
 * `answer(request)` (datagrams; seq set here).
 */
function kernel(raw: FakeRawSocket, g: Golden, answer: (req: Buffer) => Buffer[]): void {
  raw.onSend = (msgs) => {
    for (const req of msgs) {
      const out = typeOf(req) === RTM_GETLINK ? [datagram(g.received.find((m) => typeOf(m) === RTM_NEWLINK)!, ack(req))] : answer(req);
      for (const d of out) raw.deliver(datagramWithSeq(d, seqOf(req)));
    }
  };
}

/** Runs `op` on a client whose kernel ACKs everything; returns what went on the wire, GETLINKs left out. */
async function sentBy(g: Golden, op: (rtnl: Rtnl) => Promise<unknown>): Promise<Buffer[]> {
  const { sock, raw } = openFake();
  kernel(raw, g, (req) => [ack(req)]);
  const rtnl = Rtnl.fromSocket(sock);
  try {
    await op(rtnl);
    return raw.sent.filter((m) => typeOf(m) !== RTM_GETLINK);
  } finally {
    rtnl.close();
  }
}

describe('golden: ip nexthop', () => {
  describe('decoding what the kernel answered', () => {
    it('`ip nexthop show` gives single, IPv6, blackhole, weighted-group and resilient-group nexthops', () => {
      expect(nexthops(loadGolden('nexthop-dump'))).to.deep.equal(NEXTHOPS);
    });

    it('`ip nexthop get id 1` gives nexthop 1', () => {
      expect(nexthops(loadGolden('nexthop-get'))).to.deep.equal([NEXTHOPS[0]]);
    });

    it('rtnl.nexthop.list() sends ip\'s dump request and returns every nexthop', async () => {
      const g = loadGolden('nexthop-dump');
      const { sock, raw } = openFake();
      kernel(raw, g, () => answersTo(g, 0));
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.nexthop.list()).to.deep.equal(NEXTHOPS);
        // ip's GETNEXTHOP datagram is 152 bytes for a 24-byte message; the message is compared.
        expect(raw.sent.map(hex)).to.deep.equal([hex(g.sent[0]!)]);
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.nexthop.get(1) sends ip\'s GET and returns the kernel\'s answer', async () => {
      const g = loadGolden('nexthop-get');
      const { sock, raw } = openFake();
      kernel(raw, g, (req) => [datagram(g.received.find((m) => typeOf(m) === RTM_NEWNEXTHOP)!, ack(req))]);
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.nexthop.get(1)).to.deep.equal(NEXTHOPS[0]);
        // ip sends GETs without NLM_F_ACK; netnest asks for one (it ends the exchange).
        const ip = g.sent[0]!;
        expect(raw.sent.map(hex)).to.deep.equal([hex(withFlags(ip, flagsOf(ip) | NLM_F_ACK))]);
      } finally {
        rtnl.close();
      }
    });
  });

  describe('encoding the same request as ip', () => {
    // Compared with ip's last message, seq and pid zeroed. `order` puts ip's top-level attributes
    // in netnest's order, failing unless that is a reordering.
    interface Case { fixture: string; build: () => Request; mode?: 'request' | 'dump'; order?: number[] }
    const cases: Case[] = [
      { fixture: 'nexthop-add', build: () => add({ id: 1, gateway: '10.0.0.2', dev: 'v0' }) },
      { fixture: 'nexthop-add-v6', build: () => add({ id: 2, gateway: '2001:db8::2', dev: 'v0' }) },
      // A blackhole is AF_INET unless told, as ip sends it.
      { fixture: 'nexthop-add-blackhole', build: () => add({ id: 3, blackhole: true }) },
      // Weights go on the wire as weight - 1.
      { fixture: 'nexthop-add-group', build: () => add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 4, weight: 5 }] }) },
      {
        fixture: 'nexthop-add-resilient',
        build: () => add({ id: 11, group: [{ id: 1 }, { id: 5 }], type: 'resilient', buckets: 8, idle_timer: 60 }),
      },
      { fixture: 'nexthop-add-group-missing-extack', build: () => add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 4, weight: 5 }] }) },
      // A member twice is the kernel's to refuse.
      { fixture: 'nexthop-add-group-dup-extack', build: () => add({ id: 12, group: [{ id: 1 }, { id: 1 }] }) },
      { fixture: 'nexthop-add-exists-eexist', build: () => add({ id: 1, gateway: '10.0.0.2', dev: 'v0' }) },
      { fixture: 'nexthop-dump', build: () => encodeNexthopDump({}), mode: 'dump' },
    ];

    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        const ip = g.sent.filter((m) => typeOf(m) !== RTM_GETLINK)[0]!;
        const expected = c.order ? inOrder(ip, 24, c.order) : ip;
        expect(hex(await wireBytes(c.build(), c.mode ?? 'request'))).to.equal(hex(expected));
      });
    }

    it('`ip nexthop add id 1 via 10.0.0.2 dev v0` through rtnl.nexthop.add: v0 looked up, then ip\'s bytes', async () => {
      const g = loadGolden('nexthop-add');
      const sent = await sentBy(g, (rtnl) => rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' }));
      expect(sent.map(hex)).to.deep.equal([hex(g.sent.at(-1)!)]);
    });

    it('`ip nexthop del id 3` (nexthop-del) through rtnl.nexthop.del(3)', async () => {
      const g = loadGolden('nexthop-del');
      expect((await sentBy(g, (rtnl) => rtnl.nexthop.del(3))).map(hex)).to.deep.equal([hex(g.sent.at(-1)!)]);
    });

    it('`ip nexthop del id 99` (nexthop-del-missing-enoent) through rtnl.nexthop.del(99)', async () => {
      const g = loadGolden('nexthop-del-missing-enoent');
      expect((await sentBy(g, (rtnl) => rtnl.nexthop.del(99))).map(hex)).to.deep.equal([hex(g.sent.at(-1)!)]);
    });
  });

  describe('the kernel\'s refusals', () => {
    interface Refusal extends CapturedRefusal { fixture: string; op: (rtnl: Rtnl) => Promise<unknown> }
    const refusals: Refusal[] = [
      {
        fixture: 'nexthop-add-exists-eexist', op: (rtnl) => rtnl.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' }),
        code: 'EEXIST', errno: 17, text: 'RTM_NEWNEXTHOP id 1: EEXIST (File exists)',
      },
      {
        fixture: 'nexthop-del-missing-enoent', op: (rtnl) => rtnl.nexthop.del(99),
        code: 'ENOENT', errno: 2, text: 'RTM_DELNEXTHOP id 99: ENOENT (No such file or directory)',
      },
      {
        fixture: 'nexthop-add-group-missing-extack', op: (rtnl) => rtnl.nexthop.add({ id: 10, group: [{ id: 1, weight: 2 }, { id: 4, weight: 5 }] }),
        code: 'EINVAL', errno: 22, msg: 'Invalid nexthop id', text: 'RTM_NEWNEXTHOP id 10: EINVAL (Invalid argument): Invalid nexthop id',
      },
      {
        fixture: 'nexthop-add-group-dup-extack', op: (rtnl) => rtnl.nexthop.add({ id: 12, group: [{ id: 1 }, { id: 1 }] }),
        code: 'EINVAL', errno: 22, msg: 'Nexthop id can not be used twice in a group',
        text: 'RTM_NEWNEXTHOP id 12: EINVAL (Invalid argument): Nexthop id can not be used twice in a group',
      },
    ];

    for (const c of refusals) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\`: ${c.code}${c.msg ? ` "${c.msg}"` : ''}`, async () => {
        const reply = capturedRefusal(g, c);

        // The same reply answering the client's request (after it looked v0 up, where it has to).
        const { sock, raw } = openFake();
        kernel(raw, g, () => [reply]);
        const rtnl = Rtnl.fromSocket(sock);
        let err: unknown;
        try {
          await c.op(rtnl);
        } catch (e) {
          err = e;
        } finally {
          rtnl.close();
        }
        expectRefusalError(err, c);
        expect(raw.last.readUInt16LE(4)).to.be.oneOf([RTM_NEWNEXTHOP, RTM_DELNEXTHOP]);
      });
    }
  });
});

/** ip's message with its top-level attributes (after `hdr` bytes) in `order`; fails unless that is a reordering. */
function inOrder(msg: Buffer, hdr: number, order: number[]): Buffer {
  const attrs: { type: number; bytes: Buffer }[] = [];
  for (let p = hdr; p + 4 <= msg.length;) {
    const span = Math.min((msg.readUInt16LE(p) + 3) & ~3, msg.length - p);
    attrs.push({ type: msg.readUInt16LE(p + 2) & 0x3fff, bytes: msg.subarray(p, p + span) });
    p += span;
  }
  expect(attrs.map((a) => a.type).sort((a, b) => a - b), 'ip\'s attributes').to.deep.equal([...order].sort((a, b) => a - b));
  const out = Buffer.from(msg);
  let p = hdr;
  for (const t of order) {
    const a = attrs.find((x) => x.type === t)!;
    a.bytes.copy(out, p);
    p += a.bytes.length;
  }
  return out;
}
