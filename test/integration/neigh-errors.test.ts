// Neighbour failures: the kernel's errors (EEXIST, ENOENT, its extended-ACK
// text) arrive as NetlinkError with a useful request description, and bad
// input is rejected before anything is sent. "Before" is visible here: a
// rejected add still leaves a state-less entry in the kernel's table, so
// validation must keep such requests from ever reaching it.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { NetlinkError, ValidationError, type Namespace, type NeighSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipJson } from '../support/ip.js';
import { rejection } from '../support/rejection.js';
import { addVeth } from '../support/veth.js';

describe('neighbours: errors and validation', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl);
  });

  /** Destinations of every entry of the regular table, state-less ones included. */
  const kernelEntries = (): string[] => ipJson<{ dst: string }[]>(['neigh', 'show', 'nud', 'all'], ns).map((e) => e.dst).filter((d) => !d.startsWith('ff'));

  describe('kernel errors', () => {
    it('add of an existing entry fails with EEXIST naming the request; replace succeeds', async () => {
      await rtnl.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02' });
      const err = await rejection(rtnl.neigh.add({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:03' }));
      expect(err).to.be.instanceOf(NetlinkError).and.include({ code: 'EEXIST', errnoName: 'EEXIST' });
      expect((err as NetlinkError).request).to.include('RTM_NEWNEIGH').and.include('10.0.0.2').and.include('v0');
      // The entry is unchanged; replace is the way to overwrite it.
      expect(ipJson<{ lladdr: string }[]>(['neigh', 'show', '10.0.0.2', 'dev', 'v0'], ns)[0]!.lladdr).to.equal('02:00:00:00:00:02');
      await rtnl.neigh.replace({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:03' });
      expect(ipJson<{ lladdr: string }[]>(['neigh', 'show', '10.0.0.2', 'dev', 'v0'], ns)[0]!.lladdr).to.equal('02:00:00:00:00:03');
    });

    it('the same address on another device is another entry, not EEXIST', async () => {
      await rtnl.neigh.add({ dst: '2001:db8::2', dev: 'v0', lladdr: '02:00:00:00:00:02' });
      await rtnl.neigh.add({ dst: '2001:db8::2', dev: 'v1', lladdr: '02:00:00:00:00:02' });
      expect(kernelEntries()).to.deep.equal(['2001:db8::2', '2001:db8::2']);
    });

    it('del of a missing entry fails with ENOENT (regular and proxy)', async () => {
      const err = await rejection(rtnl.neigh.del({ dst: '10.0.0.99', dev: 'v0' }));
      expect(err).to.be.instanceOf(NetlinkError).and.include({ code: 'ENOENT' });
      expect((err as NetlinkError).request).to.include('RTM_DELNEIGH').and.include('10.0.0.99');
      const proxy = await rejection(rtnl.neigh.del({ dst: '2001:db8::99', dev: 'v0', proxy: true }));
      expect(proxy).to.be.instanceOf(NetlinkError).and.include({ code: 'ENOENT' });
      expect((proxy as NetlinkError).request).to.include('proxy');
    });

    it('a device that does not exist fails with ENODEV and nothing is added', async () => {
      const err = await rejection(rtnl.neigh.add({ dst: '10.0.0.2', dev: 'nope0', lladdr: '02:00:00:00:00:02' }));
      expect(err).to.be.instanceOf(NetlinkError).and.include({ code: 'ENODEV' });
      expect(err.message).to.include('nope0');
      expect(kernelEntries()).to.deep.equal([]);
    });

    it("passes on the kernel's message: an IPv6 neighbour on a link with IPv6 disabled", async () => {
      execFileSync('nsenter', [`--net=/proc/${process.pid}/fd/${ns.fd}`, 'sysctl', '-qw', 'net.ipv6.conf.v1.disable_ipv6=1']);
      const err = await rejection(rtnl.neigh.add({ dst: '2001:db8::2', dev: 'v1', lladdr: '02:00:00:00:00:02' }));
      expect(err).to.be.instanceOf(NetlinkError).and.include({ code: 'EINVAL' });
      expect((err as NetlinkError).extackMessage).to.match(/IPv6 is disabled/);
    });
  });

  describe('validation (nothing reaches the kernel)', () => {
    const invalid = async (spec: NeighSpec, field: string): Promise<void> => {
      const err = await rejection(rtnl.neigh.add(spec));
      expect(err, err.message).to.be.instanceOf(ValidationError).and.include({ code: 'ERR_INVALID_ARGUMENT', field });
      expect(kernelEntries(), 'entries in the kernel after a rejected add').to.deep.equal([]);
    };

    it('a permanent entry (the default state) without lladdr', async () => {
      await invalid({ dst: '10.0.0.2', dev: 'v0' }, 'lladdr');
      await invalid({ dst: '2001:db8::2', dev: 'v0', state: 'permanent' }, 'lladdr');
    });

    it('reachable, stale, delay and probe entries without lladdr', async () => {
      await invalid({ dst: '10.0.0.2', dev: 'v0', state: 'reachable' }, 'lladdr');
      await invalid({ dst: '10.0.0.3', dev: 'v0', state: 'stale' }, 'lladdr');
      await invalid({ dst: '10.0.0.4', dev: 'v0', state: 'delay' }, 'lladdr');
      await invalid({ dst: '2001:db8::5', dev: 'v0', state: 'probe' }, 'lladdr');
    });

    it('a noarp entry without lladdr (NeighSpec documents lladdr as required for noarp)', async () => {
      // Sent as is, the kernel answers EINVAL "No link layer address given"
      // and keeps a state-less 10.0.0.2 entry behind.
      await invalid({ dst: '10.0.0.2', dev: 'v0', state: 'noarp' }, 'lladdr');
    });

    it('malformed MAC addresses', async () => {
      for (const lladdr of ['02:00:00:00:00', '02:00:00:00:00:02:03', 'zz:00:00:00:00:02', '0200.0000.0002', '', '02-00-00-00-00-02']) {
        await invalid({ dst: '10.0.0.2', dev: 'v0', lladdr }, 'lladdr');
      }
    });

    it('a destination that is not a plain IP address', async () => {
      for (const dst of ['10.0.0.2/24', '2001:db8::2/64', 'host.example', '10.0.0.256', '']) {
        await invalid({ dst, dev: 'v0', lladdr: '02:00:00:00:00:02' }, 'dst');
      }
    });

    it('an unknown state', async () => {
      await invalid({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02', state: 'PERMANENT' as never }, 'state');
      await invalid({ dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:02', state: 'online' as never }, 'state');
    });

    it('a proxy entry with a state or an lladdr', async () => {
      await invalid({ dst: '10.0.0.2', dev: 'v0', proxy: true, state: 'permanent' }, 'state');
      await invalid({ dst: '10.0.0.2', dev: 'v0', proxy: true, lladdr: '02:00:00:00:00:02' }, 'lladdr');
      expect(ipJson<unknown[]>(['neigh', 'show', 'proxy'], ns)).to.deep.equal([]);
    });
  });
});
