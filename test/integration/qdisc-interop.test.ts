// Qdiscs and classes against the real kernel, with tc as the oracle both
// ways: what netnest adds, `tc -j` reads back; what `tc` adds, netnest
// decodes the same. Kinds this kernel lacks skip, naming the kernel option.
import { expect } from 'chai';
import { tcKernelOption, UnsupportedTcKindError, type Namespace, type QdiscSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { skipBecause } from '../support/skip.js';
import { tc, tcJson } from '../support/tc.js';
import { addVeth } from '../support/veth.js';

interface TcQdisc { kind: string; handle: string; root?: boolean; parent?: string; dev?: string; options?: Record<string, unknown> }
interface TcClass { kind: string; classid: string; parent: string; rate?: number; ceil?: number }

const UNITS: Record<string, number> = { bit: 1, Kbit: 1e3, Mbit: 1e6, Gbit: 1e9 };
const bytes = (s: string): number => (Number(/^[\d.]+/.exec(s)![0]) * UNITS[s.replace(/^[\d.]+/, '')]!) / 8;

/** `tc class show` (tc 6.1 prints classes as text only): "class htb 1:10 root|parent 1:1 ... rate 1Mbit ceil 2Mbit ...". */
function tcClasses(ns: Namespace): TcClass[] {
  return tc(['class', 'show', 'dev', 'v0'], ns).trim().split('\n').filter(Boolean).map((line) => {
    const m = /^class (\S+) (\S+) (?:root|parent (\S+))/.exec(line)!;
    const r = / rate (\S+) ceil (\S+)/.exec(line);
    return { kind: m[1]!, classid: m[2]!, parent: m[3] ?? 'root', ...(r && { rate: bytes(r[1]!), ceil: bytes(r[2]!) }) };
  });
}

/** Adds a qdisc, or skips the test when the kernel lacks its kind. */
async function addOrSkip(ctx: Mocha.Context, rtnl: Rtnl, spec: QdiscSpec): Promise<void> {
  try {
    await rtnl.qdisc.add(spec);
  } catch (e) {
    if (e instanceof UnsupportedTcKindError) skipBecause(ctx, `kernel lacks ${tcKernelOption(spec.kind)}`);
    throw e;
  }
}

describe('qdiscs and classes: interop with tc', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl);
  });

  const tcQdiscs = (): TcQdisc[] => tcJson<TcQdisc[]>(['qdisc', 'show', 'dev', 'v0'], ns);
  const ours = async (): Promise<string[]> => (await rtnl.qdisc.list({ dev: 'v0' })).map((q) => `${q.kind} ${q.handle} ${q.parent}`);

  it('a tbf netnest adds is the tbf tc shows: rate, burst and the handle given', async () => {
    await rtnl.qdisc.add({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '8mbit', burst: '64kb', limit: 100_000 } });
    const [q] = tcQdiscs();
    expect(q).to.deep.include({ kind: 'tbf', handle: '1:', root: true });
    // tc prints the limit as the latency it gives at that rate.
    expect(q!.options).to.deep.include({ rate: 1_000_000, burst: 65536 });
    const [mine] = await rtnl.qdisc.list({ dev: 'v0' });
    expect(mine!.options).to.deep.equal({ rate: 1_000_000, burst: 65536, limit: 100_000 });
  });

  it('what tc adds — tbf, htb with classes, ingress, clsact — netnest lists with the same kinds, handles and parents', async () => {
    tc(['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb', 'default', '20'], ns);
    tc(['class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10mbit', 'ceil', '20mbit'], ns);
    tc(['class', 'add', 'dev', 'v0', 'parent', '1:10', 'classid', '1:20', 'htb', 'rate', '1mbit', 'prio', '3'], ns);
    tc(['qdisc', 'add', 'dev', 'v0', 'parent', '1:20', 'handle', '20:', 'tbf', 'rate', '1mbit', 'burst', '10kb', 'latency', '50ms'], ns);
    tc(['qdisc', 'add', 'dev', 'v0', 'ingress'], ns);
    tc(['qdisc', 'add', 'dev', 'v1', 'clsact'], ns);
    const tcView = tcQdiscs().map((q) => `${q.kind} ${q.handle} ${q.root ? 'root' : q.parent === 'ffff:fff1' ? 'ingress' : q.parent}`);
    expect(await ours()).to.deep.equal(tcView);
    expect((await rtnl.qdisc.list({ dev: 'v1', kind: 'clsact' })).map((q) => q.parent)).to.deep.equal(['ingress']);
    const htb = (await rtnl.qdisc.list({ dev: 'v0', kind: 'htb' }))[0]!;
    expect(htb.options).to.deep.include({ default: '20', r2q: 10 });

    const classes = await rtnl.tclass.list({ dev: 'v0' });
    // tbf's one pseudo-class (20:1) is listed too, as tc lists it.
    expect(classes.map((c) => [c.kind, c.classid, c.parent, c.options?.rate, c.options?.ceil]).sort())
      .to.deep.equal(tcClasses(ns).map((c) => [c.kind, c.classid, c.parent, c.rate, c.ceil]).sort());
    expect(classes.find((c) => c.classid === '1:20')!.options).to.deep.include({ prio: 3, level: 0 });
  });

  it('an htb tree netnest builds — qdisc, classes, a leaf qdisc — is what tc shows', async () => {
    await rtnl.qdisc.add({ dev: 'v0', handle: '1:', kind: 'htb', options: { default: '10' } });
    await rtnl.tclass.add({ dev: 'v0', parent: '1:', classid: '1:1', kind: 'htb', options: { rate: '100mbit' } });
    await rtnl.tclass.add({ dev: 'v0', parent: '1:1', classid: '1:10', kind: 'htb', options: { rate: '30mbit', ceil: '100mbit', prio: 1 } });
    await rtnl.tclass.add({ dev: 'v0', parent: '1:1', classid: '1:20', kind: 'htb', options: { rate: 1_250_000, burst: '15k' } });
    await rtnl.qdisc.add({ dev: 'v0', parent: '1:10', handle: '10:', kind: 'tbf', options: { rate: '30mbit', burst: '32kb', latency: '20ms' } });
    expect(tcClasses(ns).filter((c) => c.kind === 'htb').map((c) => [c.classid, c.parent, c.rate, c.ceil]).sort()).to.deep.equal([
      ['1:1', 'root', 12_500_000, 12_500_000], ['1:10', '1:1', 3_750_000, 12_500_000], ['1:20', '1:1', 1_250_000, 1_250_000],
    ]);
    expect(tc(['-d', 'class', 'show', 'dev', 'v0', 'classid', '1:20'], ns)).to.contain('burst 15Kb');
    expect(await ours()).to.deep.equal(['htb 1: root', 'tbf 10: 1:10']);
  });

  it('change, replace and del do what tc does', async () => {
    const tbf = (rate: string): QdiscSpec => ({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate, burst: '32kbit', latency: '400ms' } });
    await rtnl.qdisc.add(tbf('1mbit'));
    await rtnl.qdisc.change(tbf('3mbit'));
    expect(tcQdiscs()[0]!.options).to.deep.include({ rate: 375_000 });
    await rtnl.qdisc.replace({ dev: 'v0', handle: '2:', kind: 'htb' });
    expect(tcQdiscs().map((q) => `${q.kind} ${q.handle}`)).to.deep.equal(['htb 2:']);
    await rtnl.tclass.add({ dev: 'v0', parent: '2:', classid: '2:5', kind: 'htb', options: { rate: '1mbit' } });
    await rtnl.tclass.change({ dev: 'v0', parent: '2:', classid: '2:5', kind: 'htb', options: { rate: '2mbit' } });
    expect(tcClasses(ns)[0]).to.include({ classid: '2:5', rate: 250_000 });
    await rtnl.tclass.del({ dev: 'v0', classid: '2:5' });
    expect(await rtnl.tclass.list({ dev: 'v0' })).to.deep.equal([]);
    await rtnl.qdisc.del({ dev: 'v0' });
    // Back to the kernel's default: noqueue, handle 0:.
    expect(await ours()).to.deep.equal(['noqueue 0: root']);
  });

  it('ingress and clsact sit at ffff:fff1 and are deleted by kind', async () => {
    await rtnl.qdisc.add({ dev: 'v0', kind: 'ingress' });
    await rtnl.qdisc.add({ dev: 'v1', kind: 'clsact' });
    expect(tcQdiscs().find((q) => q.kind === 'ingress')).to.include({ handle: 'ffff:', parent: 'ffff:fff1' });
    await rtnl.qdisc.del({ dev: 'v0', kind: 'ingress' });
    await rtnl.qdisc.del({ dev: 'v1', kind: 'clsact' });
    expect(tcJson(['qdisc', 'show', 'dev', 'v1'], ns).map((q) => q.kind)).to.deep.equal(['noqueue']);
    expect(tcQdiscs().map((q) => q.kind)).to.deep.equal(['noqueue']);
  });

  it('netem with delay, jitter, loss and rate reads back as tc shows it', async function () {
    await addOrSkip(this, rtnl, { dev: 'v0', kind: 'netem', options: { delay: '10ms', jitter: '2ms', loss: '1%', rate: '1mbit' } });
    const [q] = await rtnl.qdisc.list({ dev: 'v0', kind: 'netem' });
    expect(q!.options).to.deep.include({ delay: 10_000, jitter: 2000, loss: 1, rate: 125_000 });
    expect(tcQdiscs()[0]!.options).to.deep.include({ rate: 125_000 });
  });

  it('prio and fq_codel read back as tc shows them', async function () {
    await addOrSkip(this, rtnl, { dev: 'v0', handle: '1:', kind: 'prio', options: { bands: 4 } });
    await addOrSkip(this, rtnl, { dev: 'v0', parent: '1:1', kind: 'fq_codel', options: { target: '5ms', ecn: true } });
    expect((await rtnl.qdisc.list({ dev: 'v0', kind: 'prio' }))[0]!.options).to.deep.include({ bands: 4 });
    expect((await rtnl.qdisc.list({ dev: 'v0', kind: 'fq_codel' }))[0]!.options).to.deep.include({ target: 5000, ecn: true });
  });
});
