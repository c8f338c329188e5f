// `ip addr` as iproute2 and the kernel spoke it (test/fixtures/golden): the
// kernel's answers decode into the Address a user expects, and netnest puts
// the same request bytes on the wire as `ip` for the same command.
import { expect } from 'chai';
import { NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI } from '../../src/netlink/core/constants.js';
import type { Request } from '../../src/netlink/core/socket.js';
import {
  checkAddress, checkAddressDel, decodeAddress, encodeAddress, encodeAddressDump, type Address, type AddressDelSpec, type AddressSpec,
} from '../../src/netlink/rtnl/address/codec.js';
import { RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../../src/netlink/rtnl/constants.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { openFake, wireBytes } from '../support/fake-socket.js';
import { answersTo, datagramWithSeq, flagsOf, loadGolden, seqOf, typeOf, withoutSeqPid, type Golden } from '../support/golden.js';

const FOREVER = 0xffffffff;
const addresses = (g: Golden): Address[] => g.received.filter((m) => typeOf(m) === RTM_NEWADDR).map(decodeAddress);
const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');

// `ip addr show` after: lo up; v0 up with 10.0.0.1/24, 10.0.1.1/24 brd + label v0:1,
// 2001:db8::1/64 nodad, 2001:db8:1::1/64 nodad valid_lft 3600 preferred_lft 1800.
const dumped: Address[] = [
  { family: 4, prefixlen: 8, scope: 'host', index: 1, flags: ['permanent'], local: '127.0.0.1', label: 'lo', preferred_lft: FOREVER, valid_lft: FOREVER },
  { family: 4, prefixlen: 24, scope: 'global', index: 3, flags: ['permanent'], local: '10.0.0.1', label: 'v0', preferred_lft: FOREVER, valid_lft: FOREVER },
  {
    family: 4, prefixlen: 24, scope: 'global', index: 3, flags: ['permanent'], local: '10.0.1.1', broadcast: '10.0.1.255', label: 'v0:1',
    preferred_lft: FOREVER, valid_lft: FOREVER,
  },
  // proto 1 is IFAPROT_KERNEL_LO: the kernel made ::1 itself.
  { family: 6, prefixlen: 128, scope: 'host', index: 1, flags: ['permanent'], local: '::1', preferred_lft: FOREVER, valid_lft: FOREVER, proto: 1 },
  // Not permanent: it has lifetimes, captured right after it was added.
  { family: 6, prefixlen: 64, scope: 'global', index: 3, flags: ['nodad'], local: '2001:db8:1::1', preferred_lft: 1800, valid_lft: 3600 },
  { family: 6, prefixlen: 64, scope: 'global', index: 3, flags: ['nodad', 'permanent'], local: '2001:db8::1', preferred_lft: FOREVER, valid_lft: FOREVER },
];

describe('golden: ip addr', () => {
  describe('decoding what the kernel answered', () => {
    it('`ip addr show` gives every address with family, prefix, scope, flags, label and lifetimes', () => {
      expect(addresses(loadGolden('addr-dump'))).to.deep.equal(dumped);
    });

    it('`ip -4 addr show dev v0` gives the kernel-filtered IPv4 addresses of v0', () => {
      const g = loadGolden('addr-dump-v4');
      const replies = g.received.filter((m) => typeOf(m) === RTM_NEWADDR);
      // With strict checking the kernel did the filtering, and says so.
      for (const m of replies) expect(flagsOf(m)).to.equal(NLM_F_MULTI | NLM_F_DUMP_FILTERED);
      expect(replies.map(decodeAddress)).to.deep.equal(dumped.slice(1, 3));
    });

    it('rtnl.addr.list() over the captured `ip addr show` dump returns the same addresses', async () => {
      const g = loadGolden('addr-dump');
      const { sock, raw } = openFake();
      raw.onSend = (msgs) => {
        const req = msgs[0]!;
        if (typeOf(req) !== RTM_GETADDR) throw new Error(`unexpected request type ${typeOf(req)}`);
        for (const d of answersTo(g, 1)) raw.deliver(datagramWithSeq(d, seqOf(req)));
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        expect(await rtnl.addr.list()).to.deep.equal(dumped);
      } finally {
        rtnl.close();
      }
    });
  });

  describe('encoding the same request as ip', () => {
    // `dev v0` is ifindex 3 in every capture; ip resolved it on its second socket, as AddressApi does.
    const add = (spec: AddressSpec): Request => encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, checkAddress(spec), () => 3);
    const del = (spec: AddressDelSpec): Request => encodeAddress(RTM_DELADDR, 0, checkAddressDel(spec), () => 3);
    interface Case { fixture: string; build: () => Request; mode?: 'request' | 'dump'; pick?: (g: Golden) => Buffer }
    const cases: Case[] = [
      { fixture: 'addr-add-v4', build: () => add({ dev: 'v0', local: '10.0.0.1/24' }) },
      {
        fixture: 'addr-add-v4-full',
        build: () => add({
          dev: 'v0', local: '10.0.1.1/24', broadcast: '+', label: 'v0:1', scope: 'link', valid_lft: 100, preferred_lft: 50,
        }),
      },
      { fixture: 'addr-add-v4-peer', build: () => add({ dev: 'v0', local: '10.0.2.1', peer: '10.0.2.2/32' }) },
      {
        // nodad|noprefixroute = 0x202 does not fit ifa_flags (u8): both go to IFA_FLAGS.
        fixture: 'addr-add-v6',
        build: () => add({ dev: 'v0', local: '2001:db8::1/64', flags: ['nodad', 'noprefixroute'] }),
      },
      {
        fixture: 'addr-add-v6-lft',
        build: () => add({ dev: 'v0', local: '2001:db8:1::1/64', flags: ['nodad'], valid_lft: 3600, preferred_lft: 1800 }),
      },
      { fixture: 'addr-add-v6-multicast-extack', build: () => add({ dev: 'v0', local: 'ff02::5/64' }) },
      { fixture: 'addr-del-v4', build: () => del({ dev: 'v0', local: '10.0.0.1/24' }) },
      { fixture: 'addr-del-v4-missing-extack', build: () => del({ dev: 'v0', local: '10.9.9.9/24' }) },
      // ip's GETADDR datagram carries 128 zero bytes after the 24-byte message; the message is compared.
      { fixture: 'addr-dump', build: () => encodeAddressDump(), mode: 'dump' },
      { fixture: 'addr-dump-v4', build: () => encodeAddressDump({ family: 4, index: 3 }), mode: 'dump', pick: (g) => g.sent[2]! },
    ];

    for (const c of cases) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\` (${c.fixture})`, async () => {
        const ip = (c.pick ?? ((x: Golden) => x.sent.at(-1)!))(g);
        expect(hex(await wireBytes(c.build(), c.mode ?? 'request'))).to.equal(hex(ip));
      });
    }
  });
});
