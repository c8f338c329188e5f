// A client closed in the middle of a bulk load of addresses, neighbours,
// nexthops or links: the load ends with SocketClosedError, and still every
// item told to the create observer is settled exactly once — 'made' for what
// the kernel confirmed (and holds), 'failed' for what was never sent — and
// what the kernel holds is exactly what was confirmed.
import { expect } from 'chai';
import {
  SocketClosedError, type CreatedObject, type CreateOutcome, type Namespace, type Rtnl,
} from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ipBatch, ipJson } from '../support/ip.js';

const N = 3_000;

interface Case {
  what: string;
  load: (r: Rtnl, onProgress: () => void) => Promise<unknown>;
  /** How many of the load's objects the kernel holds. */
  count: (ns: Namespace) => number;
}

const cases: Case[] = [
  {
    what: 'addr.addMany',
    load: (r, onProgress) => r.addr.addMany(Array.from({ length: N }, (_, i) => ({ dev: 'v0', local: `10.1.${i >> 8}.${i & 255}/32` })), { batchBytes: 2048, onProgress }),
    count: (ns) => ipJson<{ addr_info: { local: string }[] }[]>(['-4', 'addr', 'show', 'dev', 'v0'], ns)[0]!.addr_info.filter((a) => a.local.startsWith('10.1.')).length,
  },
  {
    what: 'neigh.addMany',
    load: (r, onProgress) => r.neigh.addMany(Array.from({ length: N }, (_, i) => ({ dst: `10.2.${i >> 8}.${i & 255}`, lladdr: '02:00:00:00:00:01', dev: 'v0' })), { batchBytes: 2048, onProgress }),
    count: (ns) => ipJson<unknown[]>(['neigh', 'show', 'dev', 'v0', 'nud', 'permanent'], ns).length,
  },
  {
    what: 'nexthop.addMany',
    load: (r, onProgress) => r.nexthop.addMany(Array.from({ length: N }, (_, i) => ({ id: i + 1, blackhole: true })), { batchBytes: 1024, onProgress }),
    count: (ns) => ipJson<unknown[]>(['nexthop', 'show'], ns).length,
  },
  {
    what: 'link.addMany',
    load: (r, onProgress) => r.link.addMany(Array.from({ length: 300 }, (_, i) => ({ name: `br${i}`, kind: 'bridge' })), { batchBytes: 1024, onProgress }),
    count: (ns) => ipJson<{ ifname: string }[]>(['link', 'show', 'type', 'bridge'], ns).length,
  },
];

describe('bulk: a client closed mid-load accounts for every item', () => {
  const nn = useNamespaces();
  let ns: Namespace;

  beforeEach(() => {
    ns = nn().create();
    ipBatch(['link set lo up', 'link add v0 type veth peer name v1', 'link set v0 up', 'addr add 10.0.0.1/16 dev v0'], ns);
  });

  for (const c of cases) {
    it(c.what, async () => {
      // A plain client with an observer of its own: what a manager's ledger would be told.
      const r = ns.rtnl();
      const told: CreatedObject[] = [];
      const outcomes: CreateOutcome[] = [];
      r.hooks.observer = {
        creating: (obj) => told.push(obj) - 1,
        settled: (token, outcome) => { outcomes[token as number] = outcome; },
      };
      let closedAt: number | undefined;
      const error = await c.load(r, () => {
        if (closedAt !== undefined) return;
        closedAt = outcomes.filter((o) => o === 'made').length;
        r.close();
      }).then(() => undefined, (e: unknown) => e);

      expect(error).to.be.instanceOf(SocketClosedError);
      expect((error as SocketClosedError).outcomeUnknown, 'what was never sent was not made').to.equal(false);
      expect(closedAt).to.be.greaterThan(0);
      // Every item told was settled once; none is left in doubt.
      expect(outcomes).to.have.length(told.length);
      expect(outcomes.includes(undefined as unknown as CreateOutcome), 'an item told and never settled').to.equal(false);
      const made = outcomes.filter((o) => o === 'made').length;
      expect(outcomes.filter((o) => o !== 'made' && o !== 'failed')).to.deep.equal([]);
      expect(made).to.be.at.least(closedAt!);
      expect(outcomes.filter((o) => o === 'failed').length, 'the close stopped the load').to.be.greaterThan(0);
      expect(c.count(ns), 'the kernel holds exactly what was confirmed').to.equal(made);
    });
  }
});
