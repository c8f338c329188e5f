// FDB events: an entry `bridge fdb add` makes and `bridge fdb del` removes
// arrives from rtnl.events() as an 'fdb' event (the `neigh` group, as `bridge
// monitor fdb` gets them), decoded as rtnl.fdb.list() gives it.
import { expect } from 'chai';
import type { Fdb, Namespace, Rtnl, RtnlEvent } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { bridge } from '../support/ip.js';

/** The next fdb event for `mac`; the others (the kernel's own entries, IP neighbours) are skipped. The bound turns a hang into a failure. */
async function nextFdb(it: AsyncIterator<RtnlEvent>, mac: string, ms = 5000): Promise<{ action: string; fdb: Fdb }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no fdb event for ${mac} within ${ms} ms`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([it.next(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no fdb event for ${mac}`)), left); })]);
    clearTimeout(timer);
    if (r.done) throw new Error('the event stream ended');
    const e = r.value;
    if (e.kind === 'fdb' && e.fdb.mac === mac) return { action: e.action, fdb: e.fdb };
  }
}

describe('events: bridge FDB entries', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(async () => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    await rtnl.link.add({ name: 'br0', kind: 'bridge' });
    await rtnl.link.add({ name: 'v0', kind: 'veth', master: 'br0', peer: { name: 'v1' } });
    await rtnl.link.add({ name: 'vx0', kind: 'vxlan', vxlan: { id: 42, dstport: 4789, local: '10.1.1.1', learning: false } });
  });

  it('`bridge fdb add` and `del` of a bridge entry: fdb new, then fdb del', async () => {
    const events = rtnl.events({ groups: ['neigh'] });
    try {
      bridge(['fdb', 'add', '02:00:00:00:00:aa', 'dev', 'v0', 'master', 'static'], ns);
      const added = await nextFdb(events, '02:00:00:00:00:aa');
      const [listed] = (await rtnl.fdb.list({ dev: 'v0' })).filter((e) => e.mac === '02:00:00:00:00:aa');
      expect(added.action).to.equal('new');
      expect(added.fdb).to.include({ ifindex: listed!.ifindex, master: listed!.master, state: 'static' });
      bridge(['fdb', 'del', '02:00:00:00:00:aa', 'dev', 'v0', 'master'], ns);
      expect((await nextFdb(events, '02:00:00:00:00:aa')).action).to.equal('del');
    } finally {
      await events.return?.();
    }
  });

  it('a vxlan remote: the event carries dst, vni and port', async () => {
    const events = rtnl.events();
    try {
      await rtnl.fdb.add({ mac: '02:00:00:00:00:ae', dev: 'vx0', dst: '10.0.0.4', vni: 100, port: 4790 });
      const e = await nextFdb(events, '02:00:00:00:00:ae');
      expect(e.action).to.equal('new');
      expect(e.fdb).to.include({ dst: '10.0.0.4', vni: 100, port: 4790, state: 'permanent' });
      expect(e.fdb.flags).to.include('self');
    } finally {
      await events.return?.();
    }
  });
});
