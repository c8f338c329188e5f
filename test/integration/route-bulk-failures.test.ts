// A bulk load with bad items in it: exactly those items are reported (their
// index, the item itself, the error code, errno name and extended-ACK
// message), invalid ones are never sent, and every other route is loaded —
// whether outcomes are learnt from one ACK per batch ('barrier') or one per
// route ('each'), and wherever in a batch the bad items fall.
import { expect } from 'chai';
import { NetlinkError, ValidationError, type BulkOptions, type Namespace, type RouteSpec, type Rtnl } from '../../src/index.js';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { ip, ipBatch, ipLineCount } from '../support/ip.js';

interface Expected {
  index: number;
  code: string;
  errnoName?: string;
  extackMessage?: string;
  field?: string;
}

const N = 3_000;
const dst = (i: number): string => `30.${i >> 8}.${i & 255}.0/24`;

/** N routes for table 100 with bad ones planted, and what must be reported for each. */
function scenario(): { items: RouteSpec[]; expected: Expected[] } {
  const items: RouteSpec[] = Array.from({ length: N }, (_, i) => ({ dst: dst(i), gateway: '10.0.0.2', table: 100 }));
  const expected: Expected[] = [];
  const plant = (index: number, spec: RouteSpec, e: Omit<Expected, 'index'>): void => {
    items[index] = spec;
    expected.push({ index, ...e });
  };
  const exists = { code: 'EEXIST', errnoName: 'EEXIST' };
  const unreachable = { code: 'ENETUNREACH', errnoName: 'ENETUNREACH', extackMessage: 'Nexthop has invalid gateway' };
  // Index 0 and the last index: the first and the barrier message of their batches.
  plant(0, { dst: '20.0.0.0/24', gateway: '10.9.0.2', table: 100 }, unreachable);
  plant(5, { dst: dst(4), gateway: '10.0.0.2', table: 100 }, exists); // repeats item 4
  plant(17, { dst: '20.0.1.0/24', gateway: '10.0.0.2', table: 0 }, { code: 'ERR_INVALID_ARGUMENT', field: 'table' });
  plant(18, { dst: '20.0.2.0/33', gateway: '10.0.0.2', table: 100 }, { code: 'ERR_INVALID_ARGUMENT', field: 'dst' });
  plant(19, { dst: '20.0.3.0/24x', gateway: '10.0.0.2', table: 100 }, { code: 'ERR_INVALID_ARGUMENT', field: 'dst' });
  plant(20, { dst: '20.0.4.1/24', gateway: '10.0.0.2', table: 100 }, {
    code: 'EINVAL', errnoName: 'EINVAL', extackMessage: 'Invalid prefix for given prefix length',
  });
  plant(1_234, { dst: '20.0.5.0/24', gateway: '10.9.0.3', table: 100 }, unreachable);
  // An unknown device fails its lookup, which names the caller's field.
  plant(1_235, { dst: '20.0.6.0/24', dev: 'nope0', table: 100 }, { code: 'ENODEV', errnoName: 'ENODEV', field: 'dev', extackMessage: "no link named 'nope0'" });
  plant(2_000, { dst: '20.0.7.0/24', gateway: '2001:db8::2', family: 6, table: 100 }, { code: 'ERR_INVALID_ARGUMENT', field: 'dst' });
  plant(2_500, { dst: '20.0.8.0/24', gateway: '10.0.0.2', table: 100, metrics: { mtu: -1 } }, { code: 'ERR_INVALID_ARGUMENT', field: 'metrics.mtu' });
  plant(N - 2, { dst: '25.0.0.0/24', gateway: '10.0.0.2', table: 100 }, exists); // made by ip before the load
  plant(N - 1, { dst: '20.0.9.0/24', table: 100, nhid: 999 }, { code: 'EINVAL', errnoName: 'EINVAL', extackMessage: 'Nexthop id does not exist' });
  expected.sort((a, b) => a.index - b.index);
  return { items, expected };
}

describe('bulk: failures are reported item by item, everything else is loaded', () => {
  const nn = useNamespaces();
  let ns: Namespace;
  let rtnl: Rtnl;

  beforeEach(() => {
    ns = nn().create();
    rtnl = nn().rtnl(ns);
    ipBatch([
      'link add v0 type veth peer name v1',
      'link set v0 up',
      'link set v1 up',
      'addr add 10.0.0.1/24 dev v0',
      'route add 25.0.0.0/24 via 10.0.0.2 table 100',
    ], ns);
  });

  const modes: [string, BulkOptions][] = [
    ["ack 'barrier' (default), small batches", { batchBytes: 4096 }],
    ["ack 'barrier', default batches", {}],
    ["ack 'each', small batches", { ack: 'each', batchBytes: 4096 }],
    ["ack 'each', default batches", { ack: 'each' }],
  ];

  for (const [title, opts] of modes) {
    it(title, async () => {
      const { items, expected } = scenario();
      const sent = rtnl.socket.stats.sent;
      const result = await rtnl.route.addMany(items, opts);

      expect(result.total).to.equal(N);
      expect(result.ok).to.equal(N - expected.length);
      expect(result.failed.map((f) => f.index)).to.deep.equal(expected.map((e) => e.index));
      for (const [i, f] of result.failed.entries()) {
        const e = expected[i]!;
        expect(f.item, `item ${e.index}`).to.equal(items[e.index]);
        const err = f.error as Partial<NetlinkError & ValidationError>;
        expect({
          index: f.index, code: err.code, errnoName: err.errnoName, extackMessage: err.extackMessage,
          field: err.field,
        }, `item ${e.index}`).to.deep.equal({ errnoName: undefined, extackMessage: undefined, field: undefined, ...e });
        expect(f.error).to.be.instanceOf(e.code === 'ERR_INVALID_ARGUMENT' ? ValidationError : NetlinkError);
      }
      // Kernel errors name the request they answer.
      expect((result.failed[0]!.error as NetlinkError).request).to.equal('RTM_NEWROUTE 20.0.0.0/24 via 10.9.0.2 table 100');

      // Invalid items never left the process: one message per item that
      // passed validation, but for the route on the unknown device, whose
      // lookup (RTM_GETLINK) went instead.
      const invalid = expected.filter((e) => e.code === 'ERR_INVALID_ARGUMENT').length;
      expect(rtnl.socket.stats.sent - sent).to.equal(N - invalid);

      // Everything else is in the kernel: the good items and the route ip
      // made before; none of the bad ones (all in 20.0.0.0/8).
      expect(ipLineCount('route show table 100', ns)).to.equal(N - expected.length + 1);
      expect(ip(['route', 'show', 'table', '100', 'root', '20.0.0.0/8'], ns)).to.equal('');
    });
  }

  it('progress ends with the final counts', async () => {
    const { items, expected } = scenario();
    let last: [number, number] = [0, 0];
    await rtnl.route.addMany(items, { batchBytes: 4096, onProgress: (done, failed) => { last = [done, failed]; } });
    expect(last).to.deep.equal([N - expected.length, expected.length]);
  });
});
