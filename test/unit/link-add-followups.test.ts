// What the kernel ignores in a create request (an alias: rtnl_create_link
// never reads IFLA_IFALIAS) is not dropped: link.add sets it by a second
// request right after, and if that one is refused, removes the link it has
// just made and throws the refusal. The kernel is played by a fake here; the
// integration tests check the same against the real one.
import { expect } from 'chai';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/core/constants.js';
import { NetlinkError } from '../../src/netlink/core/errors.js';
import { RTM_DELLINK, RTM_NEWLINK } from '../../src/netlink/rtnl/constants.js';
import { decodeLink, type Link } from '../../src/netlink/rtnl/link/codec.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { errorReply, openFake, type FakeRawSocket } from '../support/fake-socket.js';
import { flagsOf, typeOf } from '../support/golden.js';

interface Sent {
  type: number;
  create: boolean;
  link: Link;
}

/** A fake kernel answering each request with `answer` (an errno, 0 for an ACK); returns what it was sent. */
function kernel(raw: FakeRawSocket, answer: (s: Sent) => number): Sent[] {
  const log: Sent[] = [];
  raw.onSend = (msgs) => {
    for (const m of msgs) {
      const s = { type: typeOf(m), create: (flagsOf(m) & (NLM_F_CREATE | NLM_F_EXCL)) !== 0, link: decodeLink(m) };
      log.push(s);
      raw.deliver(errorReply(m, answer(s)));
    }
  };
  return log;
}

describe('link.add sets what the kernel ignores on creation', () => {
  it('an alias: the create, then a set of the alias on the new link by name', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, () => 0);
    const rtnl = Rtnl.fromSocket(sock);
    await rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'lab bridge' });
    rtnl.close();

    expect(log.map((s) => [s.type, s.create])).to.deep.equal([[RTM_NEWLINK, true], [RTM_NEWLINK, false]]);
    expect(log[1]!.link).to.include({ index: 0, name: 'br0', alias: 'lab bridge' });
    expect(log[1]!.link.kind).to.equal(undefined);
  });

  it("a veth peer's alias and up in one request to the peer", async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, () => 0);
    const rtnl = Rtnl.fromSocket(sock);
    await rtnl.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1', alias: 'far end', up: true } });
    rtnl.close();

    expect(log).to.have.length(2);
    expect(log[1]!.link).to.include({ name: 'v1', alias: 'far end', up: true });
  });

  it('a link without such settings takes one request', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, () => 0);
    const rtnl = Rtnl.fromSocket(sock);
    await rtnl.link.add({ name: 'br0', kind: 'bridge', mtu: 1400, up: true });
    rtnl.close();
    expect(log).to.have.length(1);
  });

  it('when setting the alias is refused, the new link is removed and the refusal thrown', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, (s) => (s.type === RTM_NEWLINK && !s.create ? 22 : 0));
    const rtnl = Rtnl.fromSocket(sock);
    const err = await rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'lab bridge' }).then(() => undefined, (e: unknown) => e);
    rtnl.close();

    expect(err).to.be.instanceOf(NetlinkError);
    expect(err).to.include({ errnoName: 'EINVAL', request: 'RTM_NEWLINK set br0' });
    expect(log.map((s) => s.type)).to.deep.equal([RTM_NEWLINK, RTM_NEWLINK, RTM_DELLINK]);
    expect(log[2]!.link).to.include({ index: 0, name: 'br0' });
  });

  it('the refusal is thrown even when removing the link fails too', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, (s) => (s.type === RTM_NEWLINK && !s.create ? 22 : s.type === RTM_DELLINK ? 1 : 0));
    const rtnl = Rtnl.fromSocket(sock);
    const err = await rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'x' }).then(() => undefined, (e: unknown) => e);
    rtnl.close();
    expect(err).to.include({ errnoName: 'EINVAL' });
    expect((err as Error).message).to.match(/; br0 was created and could not be removed \(.*EPERM.*\): it is still there$/);
    expect(log.map((s) => s.type)).to.deep.equal([RTM_NEWLINK, RTM_NEWLINK, RTM_DELLINK]);
  });

  it('a refused create sends nothing more', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, () => 17);
    const rtnl = Rtnl.fromSocket(sock);
    const err = await rtnl.link.add({ name: 'br0', kind: 'bridge', alias: 'x' }).then(() => undefined, (e: unknown) => e);
    rtnl.close();
    expect(err).to.include({ errnoName: 'EEXIST' });
    expect(log).to.have.length(1);
  });
});

describe('link.addMany sets them too, in a second bulk pass', () => {
  it('the follow-ups of every link made go after all the creates, by name', async () => {
    const { sock, raw } = openFake();
    const log = kernel(raw, () => 0);
    const rtnl = Rtnl.fromSocket(sock);
    const result = await rtnl.link.addMany([
      { name: 'v0', kind: 'veth', peer: { name: 'v1', up: true } },
      { name: 'br0', kind: 'bridge' },
      { name: 'br1', kind: 'bridge', alias: 'lab bridge' },
    ]);
    rtnl.close();

    expect(result).to.deep.equal({ total: 3, ok: 3, failed: [] });
    expect(log.map((s) => [s.create, s.link.name])).to.deep.equal([[true, 'v0'], [true, 'br0'], [true, 'br1'], [false, 'v1'], [false, 'br1']]);
    expect(log[3]!.link).to.include({ up: true });
    expect(log[4]!.link).to.include({ alias: 'lab bridge' });
  });

  it('a link whose follow-up is refused is deleted and reported failed with the refusal; the others stay made', async () => {
    const { sock, raw } = openFake();
    const EPERM = 1;
    const log = kernel(raw, (s) => (s.type === RTM_NEWLINK && !s.create && s.link.name === 'v3' ? EPERM : 0));
    const rtnl = Rtnl.fromSocket(sock);
    const specs = [
      { name: 'v0', kind: 'veth', peer: { name: 'v1', up: true } },
      { name: 'v2', kind: 'veth', peer: { name: 'v3', up: true } },
      { name: 'v4', kind: 'veth', peer: { name: 'v5', up: true } },
    ] as const;
    const result = await rtnl.link.addMany(specs);
    rtnl.close();

    expect(result.total).to.equal(3);
    expect(result.ok).to.equal(2);
    expect(result.failed.map((f) => [f.index, f.item, (f.error as NetlinkError).errnoName])).to.deep.equal([[1, specs[1], 'EPERM']]);
    expect(log.filter((s) => s.type === RTM_DELLINK).map((s) => s.link.name)).to.deep.equal(['v2']);
  });
});
