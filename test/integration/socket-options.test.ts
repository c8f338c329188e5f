// The socket netnest opens: the options that give errors their messages and
// make dump filters real, a receive buffer big enough for the in-flight
// window, and a socket that never keeps a finished process alive.
import { expect } from 'chai';
import { type Namespace, Rtnl } from '../../src/index.js';
import {
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NLM_F_DUMP_FILTERED, SO_RCVBUF, SOL_NETLINK, SOL_SOCKET,
} from '../../src/netlink/core/constants.js';
import { decodeAddress, encodeAddressDump } from '../../src/netlink/rtnl/address/codec.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { runModule, type ModuleRun } from '../support/child.js';

const library = new URL('../../src/index.js', import.meta.url).href;

/**
 * Runs a module snippet in a child node process that imports netnest as
 * `Rtnl`. It is killed after 10 s, a bound on "exits by itself", not a speed
 * requirement: a child kept alive by a socket would otherwise run forever.
 */
function runChild(body: string): Promise<ModuleRun> {
  return runModule(`import { Rtnl } from ${JSON.stringify(library)};\n${body}`);
}

describe('the netlink socket', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
  });

  it('has extended ACKs, capped ACKs and strict checking on', () => {
    const s = rtnl.socket;
    expect(s.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).to.equal(1);
    expect(s.getOption(SOL_NETLINK, NETLINK_CAP_ACK)).to.equal(1);
    expect(s.getOption(SOL_NETLINK, NETLINK_GET_STRICT_CHK)).to.equal(1);
  });

  it('has a large receive buffer by default, and the size asked for otherwise', () => {
    // The kernel reports twice what was set (it counts its bookkeeping).
    expect(rtnl.socket.getOption(SOL_SOCKET, SO_RCVBUF)).to.be.at.least(8 * 1024 * 1024);
    const small = Rtnl.open({ netns: ns.fd, receiveBufferSize: 256 * 1024 });
    try {
      expect(small.socket.getOption(SOL_SOCKET, SO_RCVBUF)).to.equal(2 * 256 * 1024);
    } finally {
      small.close();
    }
  });

  it('a filtered address dump is filtered by the kernel', async () => {
    await rtnl.link.add({ name: 'f0', kind: 'veth', peer: { name: 'f1' } });
    await rtnl.addr.add({ dev: 'f0', local: '10.0.0.1/24' });
    await rtnl.addr.add({ dev: 'f1', local: '10.0.0.2/24' });
    await rtnl.addr.add({ dev: 'f1', local: '2001:db8::2/64', flags: ['nodad'] });
    const f1 = await rtnl.link.index('f1');

    const msgs: Buffer[] = [];
    for await (const m of rtnl.socket.dump(encodeAddressDump({ family: 4, index: f1 }))) msgs.push(Buffer.from(m));

    expect(msgs.map((m) => decodeAddress(m).local)).to.deep.equal(['10.0.0.2']);
    // NLM_F_DUMP_FILTERED: the kernel applied the filter, not netnest.
    expect(msgs.every((m) => (m.readUInt16LE(6) & NLM_F_DUMP_FILTERED) !== 0)).to.equal(true);
    expect((await rtnl.addr.list({ dev: 'f1', family: 4 })).map((a) => a.local)).to.deep.equal(['10.0.0.2']);
  });

  describe('process exit', () => {
    // Three independent children, started together; each test reads its own.
    let closes: Promise<ModuleRun>;
    let neverCloses: Promise<ModuleRun>;
    let inFlight: Promise<ModuleRun>;
    before(() => {
      closes = runChild(`const rtnl = Rtnl.open(); await rtnl.link.get('lo'); rtnl.close(); console.log('done');`);
      neverCloses = runChild(`const rtnl = Rtnl.open(); await rtnl.link.get('lo'); await rtnl.addr.list(); console.log('done');`);
      // Nothing awaits the promise: only the socket's reference keeps the loop running.
      inFlight = runChild(`Rtnl.open().link.get('lo').then((l) => console.log(l.name));`);
    });

    it('a process that closes its client exits by itself', async () => {
      const r = await closes;
      expect(r, r.stderr).to.include({ status: 0, signal: null, stdout: 'done' });
    });

    it('a process that never closes its client still exits: idle sockets do not hold it', async () => {
      const r = await neverCloses;
      expect(r, r.stderr).to.include({ status: 0, signal: null, stdout: 'done' });
    });

    it('a request in flight keeps the process alive until its reply', async () => {
      const r = await inFlight;
      expect(r, r.stderr).to.include({ status: 0, signal: null, stdout: 'lo' });
    });
  });
});
