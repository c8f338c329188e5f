// `bridge fdb` as iproute2 and the kernel spoke it (test/fixtures/golden): the
// kernel's FDB dumps and notifications decode into the entries `bridge -j fdb
// show` prints, netnest sends the same request as `bridge` for the same
// command, and the kernel's refusals become the errors a caller should see.
// Setup "FDB" (README.md): ifindexes lo 1, br0 2, v1 3, v0 4, vx0 5.
import { expect } from 'chai';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../src/netlink/core/constants.js';
import type { Request } from '../../src/netlink/core/request.js';
import { RTM_GETLINK } from '../../src/netlink/rtnl/constants.js';
import { decodeEvent } from '../../src/netlink/rtnl/events.js';
import { decodeLink } from '../../src/netlink/rtnl/link/codec.js';
import { checkFdb, checkFdbDel, decodeFdb, encodeFdb, encodeFdbDump, type Fdb, type FdbDelSpec, type FdbSpec } from '../../src/netlink/rtnl/fdb/codec.js';
import { RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH } from '../../src/netlink/rtnl/neigh/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, capturedRefusal, type CapturedRefusal, datagram, done, expectRefusalError, linkMessage, openFake, refusal, wireBytes } from '../support/fake-socket.js';
import { datagramWithSeq, loadGolden, seqOf, typeOf, withoutSeqPid, type Golden } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
const entries = (g: Golden): Buffer[] => g.received.filter((m) => typeOf(m) === RTM_NEWNEIGH);
// Links by name as bridge found them with the GETLINK dump it sends first.
const INDEX: Record<string, number> = { br0: 2, v1: 3, v0: 4, vx0: 5 };
const dev = (d: string | number): number => (typeof d === 'number' ? d : INDEX[d]!);
const add = (spec: FdbSpec, flags = NLM_F_CREATE | NLM_F_EXCL): Request => encodeFdb(RTM_NEWNEIGH, flags, checkFdb(spec), dev);
const del = (spec: FdbDelSpec): Request => encodeFdb(RTM_DELNEIGH, 0, checkFdbDel(spec), dev);

// Entries of a bridge's table carry NDA_CACHEINFO (seconds since used/updated).
const cached = { confirmed: 0, used: 0, updated: 0 };
const entry = (e: Partial<Fdb> & Pick<Fdb, 'ifindex' | 'mac'>): Fdb => ({ state: 'permanent', flags: [], ...e });
const self = (ifindex: number, mac: string): Fdb => entry({ ifindex, mac, flags: ['self'] });

// `bridge fdb show` after setup "FDBS" (README.md), in the kernel's order.
const FDBS: Fdb[] = [
  self(2, '33:33:00:00:00:01'),
  // The kernel's own entries: the bridge's address on itself, each port's on the port.
  entry({ ifindex: 2, mac: '02:00:00:00:0b:00', master: 2, ...cached }),
  self(3, '33:33:00:00:00:01'),
  entry({ ifindex: 4, mac: '02:00:00:00:00:ac', master: 2, ...cached }),
  entry({ ifindex: 4, mac: '02:00:00:00:00:aa', master: 2, state: 'static', ...cached }),
  entry({ ifindex: 4, mac: '02:00:00:00:01:00', master: 2, ...cached }),
  self(4, '02:00:00:00:00:ad'),
  self(4, '33:33:00:00:00:01'),
  entry({ ifindex: 5, mac: '02:00:00:00:0c:00', master: 2, ...cached }),
  // The vxlan's own table: remotes with their VNI and port.
  entry({ ifindex: 5, mac: '02:00:00:00:00:ae', flags: ['self'], dst: '10.0.0.4', port: 4790, vni: 100, ...cached }),
  entry({ ifindex: 5, mac: '00:00:00:00:00:00', flags: ['self'], dst: '10.0.0.2', ...cached }),
];

describe('golden: bridge fdb', () => {
  describe('decoding what the kernel answered', () => {
    it('`bridge fdb show` gives bridge entries (master), device entries (self) and vxlan remotes', () => {
      expect(entries(loadGolden('fdb-dump')).map(decodeFdb)).to.deep.equal(FDBS);
    });

    it('`bridge fdb show br br0` leaves out what is neither br0 nor its ports (v1)', () => {
      expect(entries(loadGolden('fdb-dump-br')).map(decodeFdb)).to.deep.equal(FDBS.filter((e) => e.ifindex !== 3));
    });

    it('`bridge fdb show dev v0` gives v0\'s entries only', () => {
      expect(entries(loadGolden('fdb-dump-dev')).map(decodeFdb)).to.deep.equal(FDBS.filter((e) => e.ifindex === 4));
    });

    it('`ip monitor neigh` after `bridge fdb add ... master static`: an fdb event, not a neigh one', () => {
      const g = loadGolden('event-fdb-add');
      expect(g.received.map(decodeEvent)).to.deep.equal([{
        kind: 'fdb', action: 'new', fdb: entry({ ifindex: 4, mac: '02:00:00:00:00:aa', master: 2, state: 'static', ...cached }),
      }]);
    });

    it('rtnl.fdb.list({ br: \'br0\', state: [\'static\'] }) asks as bridge does and keeps the static entries', async () => {
      const g = loadGolden('fdb-dump-br');
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        for (const req of msgs) {
          const d = typeOf(req) === RTM_GETLINK ? datagram(linkMessage(seqOf(req), 2, 'br0'), ack(req))
            : datagram(...entries(g), done(0));
          raw.deliver(datagramWithSeq(d, seqOf(req)));
        }
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.fdb.list({ br: 'br0', state: ['static'] })).to.deep.equal(FDBS.filter((e) => e.state === 'static'));
        expect(hex(raw.last)).to.equal(hex(g.sent.find((m) => typeOf(m) === RTM_GETNEIGH)!));
      } finally {
        rtnl.close();
      }
    });
  });

  describe('encoding the same request as bridge', () => {
    interface Case { fixture: string; build: () => Request; mode?: 'request' | 'dump' }
    const cases: Case[] = [
      { fixture: 'fdb-add-master-static', build: () => add({ mac: '02:00:00:00:00:aa', dev: 4, master: true, state: 'static' }) },
      // Without a state, bridge sends NOARP|PERMANENT: 'permanent'.
      { fixture: 'fdb-add-master', build: () => add({ mac: '02:00:00:00:00:ab', dev: 4, master: true }) },
      { fixture: 'fdb-add-permanent', build: () => add({ mac: '02:00:00:00:00:ac', dev: 4, master: true, state: 'permanent' }) },
      { fixture: 'fdb-add-dynamic', build: () => add({ mac: '02:00:00:00:00:af', dev: 4, master: true, state: 'dynamic' }) },
      { fixture: 'fdb-add-self', build: () => add({ mac: '02:00:00:00:00:ad', dev: 4, self: true }) },
      // Neither master nor self: the device's own table, as bridge assumes.
      { fixture: 'fdb-add-self', build: () => add({ mac: '02:00:00:00:00:ad', dev: 4 }) },
      { fixture: 'fdb-append-vxlan-dst', build: () => add({ mac: '00:00:00:00:00:00', dev: 5, dst: '10.0.0.2' }, NLM_F_CREATE | NLM_F_APPEND) },
      {
        fixture: 'fdb-add-vxlan-full',
        build: () => add({ mac: '02:00:00:00:00:ae', dev: 5, dst: '10.0.0.4', vni: 100, port: 4790, via: 3, self: true, state: 'permanent' }),
      },
      {
        fixture: 'fdb-replace',
        build: () => add({ mac: '02:00:00:00:00:aa', dev: 4, master: true, state: 'static' }, NLM_F_CREATE | NLM_F_REPLACE),
      },
      { fixture: 'fdb-del', build: () => del({ mac: '02:00:00:00:00:aa', dev: 4, master: true }) },
      { fixture: 'fdb-del-vxlan-dst', build: () => del({ mac: '00:00:00:00:00:00', dev: 5, dst: '10.0.0.2' }) },
      { fixture: 'fdb-add-vlan-einval', build: () => add({ mac: '02:00:00:00:00:b0', dev: 4, vlan: 5, master: true, state: 'static' }) },
      // bridge's GETNEIGH datagrams are 284 bytes for a 28- or 36-byte message; the message is compared.
      { fixture: 'fdb-dump', build: () => encodeFdbDump(), mode: 'dump' },
      { fixture: 'fdb-dump-br', build: () => encodeFdbDump({ br: 2 }), mode: 'dump' },
      { fixture: 'fdb-dump-dev', build: () => encodeFdbDump({ dev: 4 }), mode: 'dump' },
    ];

    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        expect(hex(await wireBytes(c.build(), c.mode ?? 'request'))).to.equal(hex(g.sent.at(-1)!));
      });
    }

    it('rtnl.fdb.add() looks up dev and via by name and sends bridge\'s bytes', async () => {
      const g = loadGolden('fdb-add-vxlan-full');
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        for (const req of msgs) {
          const name = typeOf(req) === RTM_GETLINK ? decodeLink(req).name : '';
          raw.deliver(name ? datagram(linkMessage(seqOf(req), INDEX[name]!, name), ack(req)) : ack(req));
        }
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        await rtnl.fdb.add({ mac: '02:00:00:00:00:ae', dev: 'vx0', dst: '10.0.0.4', vni: 100, port: 4790, via: 'v1', self: true });
        expect(raw.sent.map(typeOf)).to.deep.equal([RTM_GETLINK, RTM_GETLINK, RTM_NEWNEIGH]);
        expect(hex(raw.last)).to.equal(hex(g.sent.at(-1)!));
      } finally {
        rtnl.close();
      }
    });
  });

  describe('the kernel\'s refusals', () => {
    interface Refusal extends CapturedRefusal { fixture: string; build: () => Request }
    const refusals: Refusal[] = [
      {
        fixture: 'fdb-add-exists-eexist', build: () => add({ mac: '02:00:00:00:00:aa', dev: 'v0', master: true, state: 'static' }),
        code: 'EEXIST', errno: 17, text: 'RTM_NEWNEIGH fdb 02:00:00:00:00:aa dev v0 master: EEXIST (File exists)',
      },
      {
        fixture: 'fdb-del-missing-enoent', build: () => del({ mac: '02:00:00:00:00:99', dev: 'v0', master: true }),
        code: 'ENOENT', errno: 2, text: 'RTM_DELNEIGH fdb 02:00:00:00:00:99 dev v0 master: ENOENT (No such file or directory)',
      },
      {
        // Without CONFIG_BRIDGE_VLAN_FILTERING no VLAN exists on a port: "VLAN not configured" is EINVAL.
        fixture: 'fdb-add-vlan-einval', build: () => add({ mac: '02:00:00:00:00:b0', dev: 'v0', vlan: 5, master: true, state: 'static' }),
        code: 'EINVAL', errno: 22, text: 'RTM_NEWNEIGH fdb 02:00:00:00:00:b0 dev v0 vlan 5 master: EINVAL (Invalid argument)',
      },
    ];

    for (const c of refusals) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\`: ${c.code}`, async () => {
        expectRefusalError(await refusal(c.build(), capturedRefusal(g, c)), c);
      });
    }
  });
});
