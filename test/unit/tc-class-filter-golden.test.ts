// `tc class` and `tc filter` as iproute2 and the kernel spoke them
// (test/fixtures/golden/tc-class-*, tc-filter-*): the same request bytes as tc
// — htb classes with tc's rate tables, u32 selectors, mirred actions, and the
// matchall and flower requests this kernel refused — and the kernel's dumps
// decoded into classes and filters.
import { expect } from 'chai';
import { UnsupportedTcKindError } from '../../src/netlink/core/errors.js';
import type { Request } from '../../src/netlink/core/request.js';
import {
  checkFilter, checkFilterDel, decodeFilter, encodeFilter, encodeFilterDump, RTM_DELTFILTER, RTM_NEWTFILTER, type FilterSpec,
} from '../../src/netlink/rtnl/filter/codec.js';
import type { ActionSpec } from '../../src/netlink/rtnl/tc/actions.js';
import {
  checkClass, checkClassDel, decodeClass, encodeClass, encodeClassDump, RTM_DELTCLASS, RTM_NEWTCLASS, type ClassSpec,
} from '../../src/netlink/rtnl/tclass/codec.js';
import { capturedRefusal, refusal, wireBytes } from '../support/fake-socket.js';
import { loadGolden, typeOf, withoutSeqPid } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
// v1 is ifindex 2, v0 3, ifbx 4 in every capture.
const DEVS: Record<string, number> = { v1: 2, v0: 3, ifbx: 4 };
const dev = (d: string | number): number => (typeof d === 'number' ? d : DEVS[d]!);
const klass = (flags: number, spec: ClassSpec): Request => encodeClass(RTM_NEWTCLASS, flags, checkClass(spec), dev);
const filter = (flags: number, spec: FilterSpec): Request => encodeFilter(RTM_NEWTFILTER, flags, checkFilter(spec), dev);
const ADD = 0x600;
const toIfb: ActionSpec = { kind: 'mirred', direction: 'egress', action: 'redirect', dev: 'ifbx' };
const zero = { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };

describe('golden: tc class and tc filter', () => {
  describe('encoding the same request as tc', () => {
    const cases: [string, () => Request][] = [
      ['tc-class-add-htb', () => klass(ADD, { dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: '1mbit', ceil: '2mbit' } })],
      ['tc-class-add-htb-full', () => klass(ADD, {
        dev: 'v0', parent: '1:', classid: '1:20', kind: 'htb',
        options: { rate: '5mbit', ceil: '10mbit', burst: '15k', cburst: '20k', prio: 1, quantum: 1500, mtu: 9000, mpu: 64, overhead: 4 },
      })],
      ['tc-class-add-htb-rate64', () => klass(ADD, { dev: 'v0', parent: '1:', classid: '1:30', kind: 'htb', options: { rate: '50gbit', ceil: '60gbit', quantum: 60000 } })],
      ['tc-class-add-htb-child', () => klass(ADD, { dev: 'v0', parent: '1:10', classid: '1:11', kind: 'htb', options: { rate: '500kbit', ceil: '1mbit' } })],
      ['tc-class-change-htb', () => klass(0, { dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: '2mbit', ceil: '3mbit' } })],
      // tc's class replace sends NLM_F_CREATE without NLM_F_REPLACE.
      ['tc-class-replace-htb', () => klass(0x400, { dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: '4mbit' } })],
      ['tc-class-del', () => encodeClass(RTM_DELTCLASS, 0, checkClassDel({ dev: 'v0', classid: '1:10' }), dev)],
      ['tc-class-dump', () => encodeClassDump(3)],
      ['tc-filter-add-u32-mirred', () => filter(ADD, {
        dev: 'v0', parent: 'ffff:', protocol: 'all', pref: 1, kind: 'u32', options: { match: [{ value: 0, mask: 0 }], actions: [toIfb] },
      })],
      ['tc-filter-add-u32-flowid', () => filter(ADD, {
        dev: 'v0', parent: '1:', protocol: 'ip', pref: 2, kind: 'u32', options: { match: [{ ip_dst: '10.0.0.0/24' }], classid: '1:10' },
      })],
      ['tc-filter-add-u32-clsact', () => filter(ADD, {
        dev: 'v0', parent: 'egress', pref: 3, handle: '800::5', kind: 'u32', options: {
          match: [{ value: 0x0a000001, mask: 0xffffffff, at: 16 }], actions: [{ kind: 'mirred', direction: 'ingress', action: 'mirror', dev: 'v1' }],
        },
      })],
      ['tc-filter-add-matchall', () => filter(ADD, { dev: 'v0', parent: 'ffff:', kind: 'matchall', options: { actions: [toIfb] } })],
      ['tc-filter-add-flower', () => filter(ADD, {
        dev: 'v0', parent: 'ingress', protocol: 'ip', pref: 5, kind: 'flower',
        options: { ip_proto: 'tcp', src_ip: '10.1.0.0/16', dst_ip: '10.0.0.1', dst_port: 80, skip_hw: true, actions: [toIfb] },
      })],
      ['tc-filter-del', () => encodeFilter(RTM_DELTFILTER, 0, checkFilterDel({ dev: 'v0', parent: 'ffff:', protocol: 'all', pref: 1, kind: 'u32' }), dev)],
      ['tc-filter-dump', () => encodeFilterDump(3, 0xffff0000)],
    ];
    for (const [fixture, build] of cases) {
      const g = loadGolden(fixture);
      it(`\`${g.command}\` (${fixture})`, async () => {
        expect(hex(await wireBytes(build(), fixture.includes('dump') ? 'dump' : 'request'))).to.equal(hex(g.sent.at(-1)!));
      });
    }
  });

  describe('decoding what the kernel answered', () => {
    it('`tc class show` gives htb classes with rate, ceil, bursts (tc\'s 1600 bytes) and level', () => {
      const classes = loadGolden('tc-class-dump').received.filter((m) => typeOf(m) === RTM_NEWTCLASS).map(decodeClass);
      const htb = { burst: 1600, cburst: 1600, prio: 0 };
      expect(classes).to.deep.equal([
        { ifindex: 3, kind: 'htb', classid: '1:11', parent: '1:10', options: { rate: 62500, ceil: 125000, quantum: 6250, level: 0, ...htb }, stats: zero },
        // An inner class has the top level (7) while it has children.
        { ifindex: 3, kind: 'htb', classid: '1:10', parent: 'root', options: { rate: 125000, ceil: 250000, quantum: 12500, level: 7, ...htb }, stats: zero },
      ]);
    });

    it('`tc filter show` gives u32\'s three entries: the priority, its hash table, and the key node with its mirred action', () => {
      const filters = loadGolden('tc-filter-dump').received.filter((m) => typeOf(m) === RTM_NEWTFILTER).map(decodeFilter);
      const where = { ifindex: 3, kind: 'u32', parent: 'ffff:', protocol: 'all', pref: 1, chain: 0 };
      expect(filters).to.deep.equal([
        where,
        { ...where, handle: '800:', options: { divisor: 1 } },
        {
          ...where, handle: '800::800', options: {
            terminal: true, match: [{ value: 0, mask: 0, at: 0 }], hash: 0x80000000, not_in_hw: true,
            actions: [{ order: 1, kind: 'mirred', index: 1, control: 'stolen', direction: 'egress', action: 'redirect', ifindex: 4 }],
          },
        },
      ]);
    });

    it('a u32 `match ip dst 10.0.0.0/24 flowid 1:10` comes back as the key at offset 16 and its class', () => {
      const last = loadGolden('tc-filter-dump-flowid').received.filter((m) => typeOf(m) === RTM_NEWTFILTER).map(decodeFilter).at(-1)!;
      expect(last).to.include({ protocol: 'ip', pref: 2, handle: '800::800' });
      expect(last.options).to.deep.include({ classid: '1:10', match: [{ value: 0x0a000000, mask: 0xffffff00, at: 16 }] });
    });
  });

  describe('the kernel\'s refusals', () => {
    for (const [fixture, kind, option] of [
      ['tc-filter-add-matchall', 'matchall', 'CONFIG_NET_CLS_MATCHALL'], ['tc-filter-add-flower', 'flower', 'CONFIG_NET_CLS_FLOWER'],
    ] as const) {
      it(`a kernel without ${kind} answers ENOENT "TC classifier not found": UnsupportedTcKindError naming ${option}`, async () => {
        const g = loadGolden(fixture);
        const spec = kind === 'matchall'
          ? { dev: 'v0', parent: 'ffff:', kind, options: { actions: [toIfb] } }
          : { dev: 'v0', parent: 'ingress', protocol: 'ip', kind, options: { ip_proto: 'tcp' } };
        const err = await refusal(filter(ADD, spec as FilterSpec), capturedRefusal(g, { code: 'ENOENT', errno: 2, msg: 'TC classifier not found', text: '' }));
        expect(err).to.be.instanceOf(UnsupportedTcKindError);
        expect(err.message).to.contain(`does not support filter kind '${kind}' (${option} is not enabled`);
      });
    }
  });
});
