import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { Rtnl } from '../../src/index.js';
import { createAnonymousNetns, runInNetns } from '../../src/netns/syscalls.js';
import { closeSync } from 'node:fs';

describe('smoke', () => {
  it('creates a veth with its peer in another namespace', async () => {
    const rtnl = Rtnl.open();
    const nsFd = createAnonymousNetns();
    try {
      await rtnl.link.add({ name: 'sm0', kind: 'veth', peer: { name: 'sm1', netns: nsFd, up: true }, up: true, mtu: 1400 });
      const l = await rtnl.link.get('sm0');
      expect(l.kind).to.equal('veth');
      expect(l.mtu).to.equal(1400);
      const other = runInNetns(nsFd, () => Rtnl.open());
      const p = await other.link.get('sm1');
      expect(p.up).to.equal(true);
      other.close();
      await rtnl.addr.add({ dev: 'sm0', local: '10.9.0.1/24', broadcast: '+' });
      const addrs = await rtnl.addr.list({ dev: 'sm0', family: 4 });
      expect(addrs.map((a) => a.local)).to.deep.equal(['10.9.0.1']);
      const ipj = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show', 'dev', 'sm0'], { encoding: 'utf8' }));
      expect(ipj[0].addr_info.some((a: { local: string }) => a.local === '10.9.0.1')).to.equal(true);
      await rtnl.link.del('sm0');
    } finally {
      rtnl.close();
      closeSync(nsFd);
    }
  });
});
