// Nexthop failures: what the kernel refuses (duplicate ids, missing ids,
// groups it cannot build, changes that would break a group) arrives as a
// NetlinkError with the kernel's own explanation and leaves the nexthops as
// they were; malformed specs are rejected before anything is sent.
import { expect } from 'chai';
import { NetlinkError, ValidationError, type Namespace, type NexthopSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch } from '../support/ip.js';
import { rejection } from '../support/rejection.js';
import { addVeth } from '../support/veth.js';

describe('nexthops: errors and validation', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl, { lo: true });
    ipBatch(['nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 via 10.0.0.3 dev v0', 'nexthop add id 10 group 1/2'], ns);
  });

  /** `ip nexthop show`, one line per nexthop: the state compared before and after a failure. */
  const ipState = (): string => ip(['nexthop', 'show'], ns);

  const kernelError = async (p: Promise<unknown>, code: string, message?: RegExp): Promise<NetlinkError> => {
    const err = await rejection(p);
    expect(err, err.message).to.be.instanceOf(NetlinkError).and.include({ code });
    if (message) expect((err as NetlinkError).extackMessage).to.match(message);
    return err as NetlinkError;
  };

  describe('kernel errors', () => {
    it('add of an id in use fails with EEXIST and leaves the nexthop as it was', async () => {
      const before = ipState();
      const err = await kernelError(rtnl.nexthop.add({ id: 1, gateway: '10.0.0.9', dev: 'v0' }), 'EEXIST');
      expect(err.request).to.equal('RTM_NEWNEXTHOP id 1');
      expect(ipState()).to.equal(before);
    });

    it('get and del of a missing id fail with ENOENT', async () => {
      const get = await kernelError(rtnl.nexthop.get(99), 'ENOENT');
      expect(get.request).to.equal('RTM_GETNEXTHOP id 99');
      const del = await kernelError(rtnl.nexthop.del(99), 'ENOENT');
      expect(del.request).to.equal('RTM_DELNEXTHOP id 99');
    });

    it('a group with a member that does not exist fails with EINVAL', async () => {
      await kernelError(rtnl.nexthop.add({ id: 20, group: [{ id: 1 }, { id: 98 }] }), 'EINVAL', /Invalid nexthop id/);
      await kernelError(rtnl.nexthop.get(20), 'ENOENT');
    });

    it('a group inside a hash-threshold group fails with EINVAL', async () => {
      await kernelError(rtnl.nexthop.add({ id: 20, group: [{ id: 10 }] }), 'EINVAL', /group can not be a nexthop within a group/);
    });

    it('a blackhole cannot join a group of several paths, neither by add nor by replace', async () => {
      await rtnl.nexthop.add({ id: 3, blackhole: true });
      await kernelError(rtnl.nexthop.add({ id: 20, group: [{ id: 1 }, { id: 3 }] }), 'EINVAL', /Blackhole/);
      const before = ipState();
      await kernelError(rtnl.nexthop.replace({ id: 1, blackhole: true }), 'EINVAL', /Blackhole/);
      expect(ipState()).to.equal(before);
    });

    it('a gateway the device cannot reach fails with ENETUNREACH unless onlink', async () => {
      await kernelError(rtnl.nexthop.add({ id: 20, gateway: '10.9.9.9', dev: 'v0' }), 'ENETUNREACH', /invalid gateway/i);
      await rtnl.nexthop.add({ id: 20, gateway: '10.9.9.9', dev: 'v0', onlink: true });
    });

    it('a route with an nhid that does not exist fails; an IPv6 route refuses an IPv4 nexthop', async () => {
      await kernelError(rtnl.route.add({ dst: '192.168.1.0/24', nhid: 99 }), 'EINVAL', /Nexthop id does not exist/);
      await kernelError(rtnl.route.add({ dst: '2001:db8:9::/64', nhid: 1 }), 'EINVAL', /IPv6 routes can not use an IPv4 nexthop/);
    });

    it('deleting a nexthop that a group uses is not an error: the kernel drops it from the group', async () => {
      await rtnl.nexthop.del(2);
      expect((await rtnl.nexthop.get(10)).group).to.deep.equal([{ id: 1, weight: 1 }]);
    });
  });

  describe('validation (nothing reaches the kernel)', () => {
    const invalid = async (spec: NexthopSpec, field: string): Promise<void> => {
      const before = ipState();
      const err = await rejection(rtnl.nexthop.add(spec));
      expect(err, err.message).to.be.instanceOf(ValidationError).and.include({ code: 'ERR_INVALID_ARGUMENT', field });
      expect(ipState()).to.equal(before);
    };

    it('ids outside 1..2^32-1', async () => {
      for (const id of [-1, 1.5, 2 ** 32]) await invalid({ id, gateway: '10.0.0.5', dev: 'v0' }, 'id');
      for (const id of [0, -1]) {
        expect(await rejection(rtnl.nexthop.get(id))).to.be.instanceOf(ValidationError);
        expect(await rejection(rtnl.nexthop.del(id))).to.be.instanceOf(ValidationError);
      }
    });

    it('none, or more than one, of gateway/dev, blackhole and group', async () => {
      await invalid({ id: 20 }, 'group');
      await invalid({ id: 20, blackhole: true, dev: 'v0' }, 'group');
      await invalid({ id: 20, group: [{ id: 1 }], gateway: '10.0.0.5' }, 'group');
    });

    it('empty groups, member ids of 0, and weights outside 1..65535', async () => {
      await invalid({ id: 20, group: [] }, 'group');
      await invalid({ id: 20, group: [{ id: 0 }] }, 'group[0].id');
      await invalid({ id: 20, group: [{ id: 1, weight: 0 }] }, 'group[0].weight');
      await invalid({ id: 20, group: [{ id: 1, weight: 2.5 }] }, 'group[0].weight');
      // weight - 1 travels in 16 bits; the kernel refuses 0xffff ("Invalid value for weight").
      await invalid({ id: 20, group: [{ id: 1 }, { id: 2, weight: 65536 }] }, 'group[1].weight');
    });

    it('resilient-group settings on a hash-threshold group, and unknown group types', async () => {
      await invalid({ id: 20, group: [{ id: 1 }], buckets: 8 }, 'type');
      await invalid({ id: 20, group: [{ id: 1 }], type: 'random' as never }, 'type');
    });

    it('gateways that are not addresses, or not of the given family', async () => {
      await invalid({ id: 20, gateway: '10.0.0.0/24', dev: 'v0' }, 'gateway');
      await invalid({ id: 20, gateway: 'router', dev: 'v0' }, 'gateway');
      await invalid({ id: 20, gateway: '10.0.0.5', dev: 'v0', family: 6 }, 'gateway');
    });
  });
});
