// `qdisc:` on a topology's links: built as the link's root qdisc, read back
// by verify, put back by apply, removed with the topology (in the current
// namespace too); a kind the kernel lacks fails the build naming its option.
import { expect } from 'chai';
import { diff, Lab, NetnestError, TopologyBuildError, UnsupportedTcKindError, type Snapshot, type TopologySpec } from '../../src/index.js';
import { currentSnapshot } from '../support/netns.js';
import { skipBecause } from '../support/skip.js';
import { tc, tcJson } from '../support/tc.js';

const spec = (): TopologySpec => ({
  name: 'tq',
  namespaces: {
    r1: {
      links: {
        e0: { kind: 'veth', peer: 'r2/e0', qdisc: { tbf: { rate: '10mbit', burst: '32kb', latency: '50ms' } } },
        b0: { kind: 'bridge', qdisc: { htb: { default: '10' } } },
      },
    },
    r2: { links: { e0: { qdisc: { tbf: { rate: 125_000, burst: 10_000, limit: 20_000 } } } } },
  },
  current: { links: { tq0: { kind: 'veth', peer: 'r1/up0', qdisc: { ingress: {} } } } },
});

describe('topology: qdiscs on links', () => {
  let before: Snapshot;
  let lab: Lab | undefined;
  beforeEach(async () => {
    before = await currentSnapshot();
  });
  afterEach(async () => {
    await lab?.destroy();
    lab = undefined;
  });

  it('builds each link\'s qdisc, verify finds them, tc shows them, and destroy leaves the current namespace as it was', async () => {
    lab = await Lab.build(spec());
    expect(await lab.verify()).to.deep.equal([]);
    const r1 = lab.ns('r1').namespace;
    expect(tcJson<{ kind: string; handle: string }[]>(['qdisc', 'show', 'dev', 'e0'], r1).map((q) => q.kind)).to.deep.equal(['tbf']);
    expect((await lab.ns('r2').rtnl.qdisc.list({ dev: 'e0' }))[0]!.options).to.deep.equal({ rate: 125_000, burst: 10_000, limit: 20_000 });
    expect(tcJson<{ kind: string }[]>(['qdisc', 'show', 'dev', 'tq0']).map((q) => q.kind)).to.include('ingress');
    await lab.destroy();
    lab = undefined;
    expect(diff(before, await currentSnapshot()).filter((c) => c.kind !== 'netns').map((c) => c.line)).to.deep.equal([]);
  });

  it('verify names a qdisc changed or removed behind its back, and apply puts the spec\'s back', async () => {
    lab = await Lab.build(spec());
    const r1 = lab.ns('r1').namespace;
    tc(['qdisc', 'change', 'dev', 'e0', 'root', 'tbf', 'rate', '20mbit', 'burst', '32kb', 'latency', '50ms'], r1);
    tc(['qdisc', 'del', 'dev', 'b0', 'root'], r1);
    expect((await lab.verify()).map((d) => `${d.change} ${d.path}: ${d.what}`)).to.have.members([
      'different namespaces.r1.links.e0.qdisc: qdisc on e0 rate 2500000 (spec: 1250000), limit 157768 (spec: 95268)',
      'missing namespaces.r1.links.b0.qdisc: qdisc htb on b0',
    ]);
    const changes = await lab.apply();
    expect(changes.map((c) => `${c.action} ${c.path}`)).to.have.members(['change namespaces.r1.links.e0.qdisc', 'add namespaces.r1.links.b0.qdisc']);
    expect(await lab.verify()).to.deep.equal([]);
  });

  it('qdisc options a tc kind does not take are refused with the place of the problem', async () => {
    const bad = spec();
    bad.namespaces!.r1!.links!.e0!.qdisc = { tbf: { rate: 'fast', burst: 1000, limit: 1000 } };
    const err = await Lab.build(bad).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(NetnestError);
    expect((err as Error).message).to.contain('namespaces.r1.links.e0.qdisc.tbf.rate');
  });

  it('netem on a kernel without it fails the build, naming CONFIG_NET_SCH_NETEM, and rolls back', async function () {
    const s = spec();
    s.namespaces!.r2!.links!.e0!.qdisc = { netem: { delay: '10ms', loss: '1%' } };
    const err = await Lab.build(s).then((l) => { lab = l; return undefined; }, (e: unknown) => e);
    if (err === undefined) skipBecause(this, 'this kernel has CONFIG_NET_SCH_NETEM');
    expect(err).to.be.instanceOf(TopologyBuildError);
    expect((err as TopologyBuildError).path).to.equal('namespaces.r2.links.e0.qdisc');
    expect((err as Error).cause).to.be.instanceOf(UnsupportedTcKindError);
    expect((err as Error).message).to.contain('CONFIG_NET_SCH_NETEM');
    expect(diff(before, await currentSnapshot()).filter((c) => c.kind !== 'netns').map((c) => c.line)).to.deep.equal([]);
  });
});
