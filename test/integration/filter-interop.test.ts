// Filters against the real kernel, with tc as the oracle both ways: a u32
// match-all on an ingress qdisc redirecting to an ifb with mirred, a u32 key
// sending to an htb class, filters on clsact's hooks; what tc adds, netnest
// decodes. matchall and flower skip here, naming the kernel option.
import { expect } from 'chai';
import { tcKernelOption, UnsupportedTcKindError, type FilterSpec, type Namespace, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { skipBecause } from '../support/skip.js';
import { tc, tcJson } from '../support/tc.js';
import { addVeth } from '../support/veth.js';

interface TcFilter {
  protocol: string;
  pref: number;
  kind: string;
  options?: { fh?: string; flowid?: string; match?: { value: string; mask: string; off: number }; actions?: { kind: string; to_dev?: string; mirred_action?: string; direction?: string }[] };
}

describe('filters: interop with tc', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;
  let ifb: number;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await addVeth(rtnl);
    await rtnl.link.add({ name: 'ifb9', kind: 'ifb', up: true });
    ifb = await rtnl.link.index('ifb9');
  });

  const tcFilters = (parent: string): TcFilter[] => tcJson<TcFilter[]>(['filter', 'show', 'dev', 'v0', 'parent', parent], ns);

  it('a u32 match-all with mirred redirect to an ifb, on an ingress qdisc: tc shows the same filter and action', async () => {
    await rtnl.qdisc.add({ dev: 'v0', kind: 'ingress' });
    await rtnl.filter.add({
      dev: 'v0', parent: 'ffff:', pref: 10, kind: 'u32',
      options: { match: [{ value: 0, mask: 0 }], actions: [{ kind: 'mirred', action: 'redirect', dev: 'ifb9' }] },
    });
    const node = tcFilters('ffff:').find((f) => f.options?.fh === '800::800')!;
    expect(node).to.include({ protocol: 'all', pref: 10, kind: 'u32' });
    expect(node.options!.actions![0]).to.include({ kind: 'mirred', mirred_action: 'redirect', direction: 'egress', to_dev: 'ifb9' });

    const mine = (await rtnl.filter.list({ dev: 'v0', parent: 'ffff:' })).find((f) => f.handle === '800::800')!;
    expect(mine.options).to.deep.include({ match: [{ value: 0, mask: 0, at: 0 }], terminal: true });
    expect((mine.options as { actions: unknown[] }).actions[0]).to.include({ kind: 'mirred', action: 'redirect', direction: 'egress', ifindex: ifb });

    await rtnl.filter.del({ dev: 'v0', parent: 'ffff:', pref: 10, protocol: 'all', kind: 'u32' });
    expect(tcFilters('ffff:')).to.deep.equal([]);
  });

  it('a u32 key to an htb class (`match ip dst ... flowid 1:10`) reads back in both tools', async () => {
    await rtnl.qdisc.add({ dev: 'v0', handle: '1:', kind: 'htb' });
    await rtnl.tclass.add({ dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: '1mbit' } });
    await rtnl.filter.add({ dev: 'v0', parent: '1:', protocol: 'ip', pref: 2, kind: 'u32', options: { match: [{ ip_dst: '10.9.0.0/16' }], classid: '1:10' } });
    const node = tcFilters('1:').find((f) => f.options?.fh === '800::800')!;
    expect(node).to.include({ protocol: 'ip', pref: 2 });
    expect(node.options).to.deep.include({ flowid: '1:10', match: { value: 'a090000', mask: 'ffff0000', offmask: '', off: 16 } });
  });

  it('what tc adds on clsact\'s ingress and egress hooks netnest lists there, with its actions', async () => {
    tc(['qdisc', 'add', 'dev', 'v0', 'clsact'], ns);
    tc(['filter', 'add', 'dev', 'v0', 'ingress', 'protocol', 'ip', 'pref', '7', 'u32', 'match', 'ip', 'src', '10.0.0.2/32',
      'action', 'mirred', 'egress', 'mirror', 'dev', 'ifb9'], ns);
    tc(['filter', 'add', 'dev', 'v0', 'egress', 'pref', '8', 'u32', 'match', 'u32', '0', '0', 'flowid', '1:1'], ns);
    const ingress = await rtnl.filter.list({ dev: 'v0', parent: 'ingress' });
    const egress = await rtnl.filter.list({ dev: 'v0', parent: 'egress' });
    expect(ingress.map((f) => `${f.kind} ${f.protocol} ${f.pref} ${f.handle ?? '-'} ${f.parent}`))
      .to.deep.equal(['u32 ip 7 - ffff:fff2', 'u32 ip 7 800: ffff:fff2', 'u32 ip 7 800::800 ffff:fff2']);
    const node = ingress[2]!.options as { match: unknown; actions: unknown[] };
    expect(node.match).to.deep.equal([{ value: 0x0a000002, mask: 0xffffffff, at: 12 }]);
    expect(node.actions[0]).to.include({ kind: 'mirred', action: 'mirror', direction: 'egress', ifindex: ifb, control: 'pipe' });
    expect(egress.at(-1)!.options).to.deep.include({ classid: '1:1' });
  });

  for (const [kind, spec] of [
    ['matchall', { dev: 'v0', parent: 'ingress', kind: 'matchall', options: { actions: [{ kind: 'mirred', action: 'redirect', dev: 'ifb9' }] } }],
    ['flower', { dev: 'v0', parent: 'ingress', protocol: 'ip', kind: 'flower', options: { ip_proto: 'tcp', dst_port: 80, classid: '1:1' } }],
  ] as const) {
    it(`a ${kind} filter reads back as tc shows it`, async function () {
      await rtnl.qdisc.add({ dev: 'v0', kind: 'clsact' });
      try {
        await rtnl.filter.add(spec as FilterSpec);
      } catch (e) {
        if (e instanceof UnsupportedTcKindError) skipBecause(this, `kernel lacks ${tcKernelOption(kind)}`);
        throw e;
      }
      expect(tcFilters('ffff:fff2').map((f) => f.kind)).to.include(kind);
      expect((await rtnl.filter.list({ dev: 'v0', parent: 'ingress' })).map((f) => f.kind)).to.include(kind);
    });
  }
});
