// `netnest qdiscs` lists queueing disciplines as `tc qdisc show` does: the
// kernel's defaults (handle 0:) and those someone added, with their options;
// --json gives the Qdisc objects with the link's name.
import { expect } from 'chai';
import { Rtnl } from '../../src/index.js';
import { NetnestRuns } from '../support/cli.js';
import { tcJson } from '../support/tc.js';

describe('netnest qdiscs', () => {
  let rtnl: Rtnl;
  const cli = new NetnestRuns();

  before(async () => {
    rtnl = Rtnl.open();
    await rtnl.link.add({ name: 'c4q0', kind: 'veth', up: true, peer: { name: 'c4q1', up: true } });
    await rtnl.qdisc.add({ dev: 'c4q0', handle: '1:', kind: 'tbf', options: { rate: '1mbit', burst: '32kbit', latency: '400ms' } });
    await rtnl.qdisc.add({ dev: 'c4q0', kind: 'ingress' });
    cli.start(['qdiscs', '--dev', 'c4q0'], ['qdiscs', '--json'], ['qdiscs', '--dev', 'c4q1', '--kind', 'noqueue']);
  });

  after(async () => {
    await cli.settled();
    await rtnl.link.del('c4q0');
    rtnl.close();
  });

  it('prints dev, kind, handle, parent and the options as the kernel keeps them', async () => {
    const r = await cli.run('qdiscs', '--dev', 'c4q0');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.have.length(3);
    expect(r.stdout.split('\n')[0]).to.match(/^dev\s+kind\s+handle\s+parent\s+options$/);
    expect(r.stdout).to.match(/^c4q0\s+tbf\s+1:\s+root\s+rate 125000 burst 4096 limit 54096$/m);
    expect(r.stdout).to.match(/^c4q0\s+ingress\s+ffff:\s+ingress\s+-$/m);
  });

  it('--json gives every qdisc with its link name, options and statistics; the same set tc shows', async () => {
    const r = await cli.run('qdiscs', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const list = JSON.parse(r.stdout) as { dev: string; kind: string; handle: string; options?: unknown; stats?: unknown }[];
    const tbf = list.find((q) => q.dev === 'c4q0' && q.kind === 'tbf')!;
    expect(tbf).to.deep.include({ handle: '1:', parent: 'root', options: { rate: 125000, burst: 4096, limit: 54096 } });
    expect(tbf.stats).to.include.keys('bytes', 'packets', 'drops');
    const tc = tcJson<{ dev: string; kind: string; handle: string }[]>(['qdisc', 'show']);
    expect(list.map((q) => `${q.dev} ${q.kind} ${q.handle}`).sort()).to.deep.equal(tc.map((q) => `${q.dev} ${q.kind} ${q.handle}`).sort());
  });

  it('--kind keeps one kind; the default qdisc of an up veth is noqueue 0:', async () => {
    const r = await cli.run('qdiscs', '--dev', 'c4q1', '--kind', 'noqueue');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^c4q1\s+noqueue\s+0:\s+root\s+-$/m);
  });
});
