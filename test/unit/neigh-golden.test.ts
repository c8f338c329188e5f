// `ip neigh` as iproute2 and the kernel spoke it (test/fixtures/golden): the
// kernel's neighbour dumps decode into the Neigh a user expects (states,
// proxy entries), netnest sends the same request as `ip` for the same command,
// and the kernel's refusals become the errors a caller should see.
import { expect } from 'chai';
import type { Request } from '../../src/netlink/core/request.js';
import { decodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { RTM_GETLINK, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import {
  checkNeigh, checkNeighDel, decodeNeigh, encodeNeigh, encodeNeighDump, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, type Neigh, type NeighDelSpec, type NeighSpec,
} from '../../src/netlink/rtnl/neigh/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, capturedRefusal, type CapturedRefusal, datagram, done, expectRefusalError, type FakeRawSocket, openFake, refusal, wireBytes } from '../support/fake-socket.js';
import { datagramWithSeq, loadGolden, seqOf, typeOf, withoutSeqPid, type Golden } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
const neighs = (g: Golden): Buffer[] => g.received.filter((m) => typeOf(m) === RTM_NEWNEIGH);
// `dev v0` is ifindex 3 in every capture (ip found it with the GETLINK dump it sends first).
const CREATE_EXCL = 0x600;
const CREATE_REPLACE = 0x500;
const v0 = (): number => 3;
const add = (spec: NeighSpec): Request => encodeNeigh(RTM_NEWNEIGH, CREATE_EXCL, checkNeigh(spec), v0);
const del = (spec: NeighDelSpec): Request => encodeNeigh(RTM_DELNEIGH, 0, checkNeighDel(spec), v0);

const neigh = (n: Partial<Neigh> & Pick<Neigh, 'dst'>): Neigh => ({
  family: 4, ifindex: 3, state: ['PERMANENT'], flags: [], proxy: false, router: false, ...n,
});
// Entries carry NDA_PROBES and NDA_CACHEINFO (seconds since confirmed/used/updated).
const cached = { probes: 0, confirmed: 0, used: 0, updated: 0 };

// `ip neigh show` after setup "NEIGHS" (README.md).
const NEIGHS: Neigh[] = [
  neigh({ dst: '10.0.0.2', lladdr: '02:00:00:00:00:02', ...cached }),
  neigh({ dst: '10.0.0.3', lladdr: '02:00:00:00:00:03', state: ['REACHABLE'], ...cached }),
  neigh({ dst: '10.0.0.4', lladdr: '02:00:00:00:00:04', state: ['NOARP'], ...cached }),
  // A new entry starts confirmed 2 × base_reachable_time (60 s) ago; only the connected states
  // (PERMANENT, NOARP, REACHABLE) reset that, so the STALE one says 60.
  neigh({ family: 6, dst: '2001:db8::2', lladdr: '02:00:00:00:00:02', state: ['STALE'], ...cached, confirmed: 60 }),
];
// `ip neigh show proxy`: proxy entries have no state, no lladdr, no cache info.
const PROXIES: Neigh[] = [
  neigh({ dst: '10.0.0.50', state: ['NONE'], flags: ['proxy'], proxy: true }),
  neigh({ family: 6, dst: '2001:db8::50', state: ['NONE'], flags: ['proxy'], proxy: true }),
];

/** ip's message with another ndm_family (ip dumps AF_UNSPEC once; netnest dumps each family). */
function withFamily(msg: Buffer, family: number): Buffer {
  const b = Buffer.from(msg);
  b[16] = family;
  return b;
}

/**
 * Plays the kernel for a client: GETLINK for v0 gets the captured v0, a neighbour dump gets the
 * captured entries of its family, anything else `other(request)`.
 */
function kernel(raw: FakeRawSocket, g: Golden, other: (req: Buffer) => Buffer): void {
  const v0 = g.received.find((m) => typeOf(m) === RTM_NEWLINK && decodeLink(m).name === 'v0')!;
  raw.onSend = (msgs) => {
    for (const req of msgs) {
      let d: Buffer;
      if (typeOf(req) === RTM_GETLINK) d = datagram(v0, ack(req));
      else if (typeOf(req) === RTM_GETNEIGH) d = datagram(...neighs(g).filter((m) => m[16] === req[16]), done(0));
      else d = other(req);
      raw.deliver(datagramWithSeq(d, seqOf(req)));
    }
  };
}

describe('golden: ip neigh', () => {
  describe('decoding what the kernel answered', () => {
    it('`ip neigh show` gives the entries with their NUD states and link-layer addresses', () => {
      expect(neighs(loadGolden('neigh-dump')).map(decodeNeigh)).to.deep.equal(NEIGHS);
    });

    it('`ip neigh show proxy` gives the proxy entries of both families', () => {
      expect(neighs(loadGolden('neigh-dump-proxy')).map(decodeNeigh)).to.deep.equal(PROXIES);
    });

    it('rtnl.neigh.list() dumps each family as ip asks and returns every entry', async () => {
      const g = loadGolden('neigh-dump');
      const { sock, raw } = openFake();
      kernel(raw, g, () => { throw new Error('unexpected request'); });
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.neigh.list()).to.deep.equal(NEIGHS);
        const ip = g.sent.find((m) => typeOf(m) === RTM_GETNEIGH)!;
        expect(raw.sent.map(hex)).to.deep.equal([hex(withFamily(ip, 2)), hex(withFamily(ip, 10))]);
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.neigh.list({ proxy: true }) asks for proxy entries as ip does and returns them', async () => {
      const g = loadGolden('neigh-dump-proxy');
      const { sock, raw } = openFake();
      kernel(raw, g, () => { throw new Error('unexpected request'); });
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.neigh.list({ proxy: true })).to.deep.equal(PROXIES);
        const ip = g.sent.find((m) => typeOf(m) === RTM_GETNEIGH)!;
        expect(raw.sent.map(hex)).to.deep.equal([hex(withFamily(ip, 2)), hex(withFamily(ip, 10))]);
      } finally {
        rtnl.close();
      }
    });

    it('rtnl.neigh.add() without a state adds a PERMANENT entry, as `ip neigh add ... nud permanent`', async () => {
      const g = loadGolden('neigh-add-permanent');
      const { sock, raw } = openFake();
      kernel(raw, g, (req) => ack(req));
      const rtnl = Rtnl.fromSocket(sock);
      try {
        await rtnl.neigh.add({ dst: '10.0.0.2', lladdr: '02:00:00:00:00:02', dev: 'v0' });
        expect(raw.sent.map(typeOf)).to.deep.equal([RTM_GETLINK, RTM_NEWNEIGH]);
        expect(hex(raw.last)).to.equal(hex(g.sent.at(-1)!));
      } finally {
        rtnl.close();
      }
    });
  });

  describe('encoding the same request as ip', () => {
    // `adjust` applies a documented difference to ip's bytes.
    interface Case { fixture: string; build: () => Request; mode?: 'request' | 'dump'; adjust?: (ip: Buffer) => Buffer }
    // ip starts every request with ndm_state = NUD_PERMANENT and keeps it for proxy entries and
    // deletes, where the kernel ignores the state; netnest sends the same.
    const cases: Case[] = [
      { fixture: 'neigh-add-permanent', build: () => add({ dst: '10.0.0.2', lladdr: '02:00:00:00:00:02', dev: 'v0', state: 'permanent' }) },
      { fixture: 'neigh-add-v6-stale', build: () => add({ dst: '2001:db8::2', lladdr: '02:00:00:00:00:02', dev: 'v0', state: 'stale' }) },
      {
        fixture: 'neigh-replace-reachable',
        build: () => encodeNeigh(RTM_NEWNEIGH, CREATE_REPLACE, checkNeigh({ dst: '10.0.0.3', lladdr: '02:00:00:00:00:03', dev: 'v0', state: 'reachable' }), v0),
      },
      { fixture: 'neigh-add-noarp', build: () => add({ dst: '10.0.0.4', lladdr: '02:00:00:00:00:04', dev: 'v0', state: 'noarp' }) },
      { fixture: 'neigh-add-proxy', build: () => add({ dst: '10.0.0.50', dev: 'v0', proxy: true }) },
      { fixture: 'neigh-del', build: () => del({ dst: '10.0.0.2', dev: 'v0' }) },
      {
        fixture: 'neigh-add-exists-eexist',
        build: () => add({ dst: '10.0.0.2', lladdr: '02:00:00:00:00:02', dev: 'v0', state: 'permanent' }),
      },
      { fixture: 'neigh-del-missing-enoent', build: () => del({ dst: '10.0.0.99', dev: 'v0' }) },
      // ip's GETNEIGH datagram is 284 bytes for a 28-byte message; the message is compared.
      { fixture: 'neigh-dump', build: () => encodeNeighDump(4), mode: 'dump', adjust: (ip) => withFamily(ip, 2) },
      { fixture: 'neigh-dump-proxy', build: () => encodeNeighDump(4, { proxy: true }), mode: 'dump', adjust: (ip) => withFamily(ip, 2) },
    ];

    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        const ip = g.sent.at(-1)!;
        expect(hex(await wireBytes(c.build(), c.mode ?? 'request'))).to.equal(hex(c.adjust ? c.adjust(ip) : ip));
      });
    }
  });

  describe('the kernel\'s refusals', () => {
    interface Refusal extends CapturedRefusal { fixture: string; build: () => Request }
    const refusals: Refusal[] = [
      {
        fixture: 'neigh-add-exists-eexist', build: () => add({ dst: '10.0.0.2', lladdr: '02:00:00:00:00:02', dev: 'v0' }),
        code: 'EEXIST', errno: 17, text: 'RTM_NEWNEIGH 10.0.0.2 dev v0: EEXIST (File exists)',
      },
      {
        fixture: 'neigh-del-missing-enoent', build: () => del({ dst: '10.0.0.99', dev: 'v0' }),
        code: 'ENOENT', errno: 2, text: 'RTM_DELNEIGH 10.0.0.99 dev v0: ENOENT (No such file or directory)',
      },
    ];

    for (const c of refusals) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\`: ${c.code}${c.msg ? ` "${c.msg}"` : ''}`, async () => {
        expectRefusalError(await refusal(c.build(), capturedRefusal(g, c)), c);
      });
    }
  });
});

