// `tc qdisc` as iproute2 and the kernel spoke it (test/fixtures/golden/tc-qdisc-*):
// netnest sends the same bytes as tc for the same command — also for the kinds
// this kernel lacks (netem, prio, fq_codel), whose requests were captured as the
// kernel refused them — decodes the kernel's qdisc dumps into the objects a
// user expects, and turns the refusals into the errors a caller should see.
import { expect } from 'chai';
import { UnsupportedTcKindError } from '../../src/netlink/core/errors.js';
import type { Request } from '../../src/netlink/core/request.js';
import {
  checkQdisc, checkQdiscDel, decodeQdisc, encodeQdisc, encodeQdiscDump, RTM_DELQDISC, RTM_GETQDISC, RTM_NEWQDISC, type Qdisc, type QdiscDelSpec,
  type QdiscSpec,
} from '../../src/netlink/rtnl/qdisc/codec.js';
import { RTM_GETLINK } from '../../src/netlink/rtnl/constants.js';
import { Rtnl } from '../../src/netlink/rtnl/rtnl.js';
import { ack, capturedRefusal, datagram, done, expectRefusalError, openFake, refusal, wireBytes, type CapturedRefusal } from '../support/fake-socket.js';
import { datagramWithSeq, loadGolden, seqOf, typeOf, withoutSeqPid, type Golden } from '../support/golden.js';

const hex = (b: Buffer): string => withoutSeqPid(b).toString('hex');
// In every capture v1 is ifindex 2, v0 ifindex 3 (and ifbx 4).
const v0 = (): number => 3;
const add = (spec: QdiscSpec): Request => encodeQdisc(RTM_NEWQDISC, 0x600, checkQdisc(spec), v0);
const replace = (spec: QdiscSpec): Request => encodeQdisc(RTM_NEWQDISC, 0x500, checkQdisc(spec), v0);
const change = (spec: QdiscSpec): Request => encodeQdisc(RTM_NEWQDISC, 0, checkQdisc(spec), v0);
const del = (spec: QdiscDelSpec): Request => encodeQdisc(RTM_DELQDISC, 0, checkQdiscDel(spec), v0);
const qdiscs = (g: Golden): Qdisc[] => g.received.filter((m) => typeOf(m) === RTM_NEWQDISC).map(decodeQdisc);
const zero = { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };

describe('golden: tc qdisc', () => {
  describe('encoding the same request as tc', () => {
    const cases: [string, () => Request][] = [
      ['tc-qdisc-add-tbf', () => add({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '1mbit', burst: '32kbit', latency: '400ms' } })],
      ['tc-qdisc-add-tbf-limit-peakrate', () => add({
        dev: 'v0', handle: '2:', kind: 'tbf', options: { rate: '10mbit', burst: '10kb', limit: 30000, peakrate: '12mbit', mtu: 1514, mpu: 64 },
      })],
      // 40gbit is 5e9 bytes/s: TCA_TBF_RATE64, and the u32 rate clamped to ~0.
      ['tc-qdisc-add-tbf-rate64', () => add({ dev: 'v0', kind: 'tbf', options: { rate: '40gbit', burst: '1mb', latency: '10ms' } })],
      // A 16-byte cell from '20k/16'; ATM cells of 53 bytes carry 48 in the rate table.
      ['tc-qdisc-add-tbf-atm', () => add({ dev: 'v0', kind: 'tbf', options: { rate: '2mbit', burst: '20k/16', latency: '50ms', overhead: 10, linklayer: 'atm' } })],
      ['tc-qdisc-replace-tbf', () => replace({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '2mbit', burst: '64kbit', latency: '200ms' } })],
      ['tc-qdisc-change-tbf', () => change({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '3mbit', burst: '32kbit', limit: 5000 } })],
      ['tc-qdisc-add-exists-eexist', () => add({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '1mbit', burst: '32kbit', latency: '400ms' } })],
      ['tc-qdisc-add-child-tbf', () => add({ dev: 'v0', parent: '1:10', handle: '10:', kind: 'tbf', options: { rate: '1mbit', burst: '10kb', limit: 10000 } })],
      ['tc-qdisc-del', () => del({ dev: 'v0' })],
      ['tc-qdisc-del-default-extack', () => del({ dev: 'v0', parent: 'root' })],
      ['tc-qdisc-del-ingress', () => del({ dev: 'v0', kind: 'ingress' })],
      ['tc-qdisc-add-htb', () => add({ dev: 'v0', handle: '1:', kind: 'htb', options: { default: '10' } })],
      ['tc-qdisc-add-htb-options', () => add({ dev: 'v0', handle: '1:', kind: 'htb', options: { r2q: 5, default: '20', direct_qlen: 100 } })],
      ['tc-qdisc-add-ingress', () => add({ dev: 'v0', kind: 'ingress' })],
      ['tc-qdisc-add-clsact', () => add({ dev: 'v0', kind: 'clsact' })],
      // netem: struct tc_netem_qopt, then the attributes, inside TCA_OPTIONS; delays in ticks (15.625 per µs).
      ['tc-qdisc-add-netem-delay', () => add({ dev: 'v0', kind: 'netem', options: { delay: '10ms' } })],
      ['tc-qdisc-add-netem-full', () => add({
        dev: 'v0', handle: '1:', kind: 'netem', options: {
          limit: 2000, delay: '100ms', jitter: '10ms', delay_correlation: '25%', loss: '1%', loss_correlation: '30%', duplicate: '2%',
          corrupt: '0.1%', corrupt_correlation: '5%', reorder: '25%', reorder_correlation: '50%', gap: 5, rate: '1mbit',
        },
      })],
      ['tc-qdisc-add-netem-loss', () => add({ dev: 'v0', kind: 'netem', options: { loss: 0.5 } })],
      ['tc-qdisc-add-netem-rate64', () => add({ dev: 'v0', kind: 'netem', options: { delay: '1.5s', rate: '100gbit', limit: 10 } })],
      ['tc-qdisc-add-fq_codel', () => add({
        dev: 'v0', kind: 'fq_codel', options: { limit: 1000, flows: 512, quantum: 1514, target: '5ms', interval: 100_000, ecn: true },
      })],
      ['tc-qdisc-add-prio', () => add({ dev: 'v0', handle: '1:', kind: 'prio' })],
      ['tc-qdisc-add-prio-priomap', () => add({
        dev: 'v0', handle: '1:', kind: 'prio', options: { bands: 4, priomap: [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3] },
      })],
      ['tc-qdisc-dump', () => encodeQdiscDump()],
      ['tc-qdisc-dump-dev', () => encodeQdiscDump(3)],
    ];
    for (const [fixture, build] of cases) {
      const g = loadGolden(fixture);
      it(`\`${g.command}\` (${fixture})`, async () => {
        const mode = fixture.includes('dump') ? 'dump' : 'request';
        expect(hex(await wireBytes(build(), mode))).to.equal(hex(g.sent.at(-1)!));
      });
    }
  });

  describe('decoding what the kernel answered', () => {
    it('`tc qdisc show` gives every qdisc with its kind, handle, parent and options; the defaults have handle 0:', () => {
      const stats = { stats: zero };
      expect(qdiscs(loadGolden('tc-qdisc-dump'))).to.deep.equal([
        { ifindex: 1, kind: 'noqueue', handle: '0:', parent: 'root', refcnt: 2, ...stats },
        { ifindex: 2, kind: 'htb', handle: '1:', parent: 'root', refcnt: 3, options: { r2q: 10, default: '10', direct_packets_stat: 0, direct_qlen: 1000 }, ...stats },
        { ifindex: 2, kind: 'tbf', handle: '10:', parent: '1:10', refcnt: 1, options: { rate: 125000, burst: 10240, limit: 10000 }, ...stats },
        { ifindex: 2, kind: 'clsact', handle: 'ffff:', parent: 'ingress', refcnt: 1, options: {}, ...stats },
        // burst 32kbit is 4096 bytes; latency 400ms at 125000 B/s gave limit 50000 + 4096.
        { ifindex: 3, kind: 'tbf', handle: '1:', parent: 'root', refcnt: 3, options: { rate: 125000, burst: 4096, limit: 54096 }, ...stats },
        { ifindex: 3, kind: 'ingress', handle: 'ffff:', parent: 'ingress', refcnt: 1, options: {}, ...stats },
      ]);
    });

    it('rtnl.qdisc.list({ dev }) asks as tc does and keeps only that link\'s qdiscs (the kernel sends them all)', async () => {
      const g = loadGolden('tc-qdisc-dump-dev');
      const { sock, raw } = openFake();
      const v0link = g.received.find((m) => typeOf(m) === 16 && m.readInt32LE(20) === 3)!;
      raw.onSend = (msgs) => {
        for (const req of msgs) {
          const d = typeOf(req) === RTM_GETLINK ? datagram(v0link, ack(req)) : datagram(...g.received.filter((m) => typeOf(m) === RTM_NEWQDISC), done(0));
          raw.deliver(datagramWithSeq(d, seqOf(req)));
        }
      };
      const rtnl = Rtnl.fromSocket(sock);
      try {
        const list = await rtnl.qdisc.list({ dev: 'v0' });
        expect(list.map((q) => `${q.kind} ${q.handle} ${q.parent}`)).to.deep.equal(['tbf 1: root', 'ingress ffff: ingress']);
        expect(list[0]!.stats).to.deep.equal({ ...zero, bytes: 90, packets: 1 });
        expect(hex(raw.sent.find((m) => typeOf(m) === RTM_GETQDISC)!)).to.equal(hex(g.sent.at(-1)!));
      } finally {
        rtnl.close();
      }
    });
  });

  describe('the kernel\'s refusals', () => {
    interface Refusal extends CapturedRefusal { fixture: string; build: () => Request }
    const refusals: Refusal[] = [
      {
        fixture: 'tc-qdisc-add-exists-eexist', build: () => add({ dev: 'v0', handle: '1:', kind: 'tbf', options: { rate: '1mbit', burst: '32kbit', latency: '400ms' } }),
        code: 'EEXIST', errno: 17, msg: 'Exclusivity flag on, cannot modify',
        text: 'RTM_NEWQDISC tbf dev v0 root handle 1:: EEXIST (File exists): Exclusivity flag on, cannot modify',
      },
      {
        fixture: 'tc-qdisc-del-default-extack', build: () => del({ dev: 'v0' }),
        code: 'ENOENT', errno: 2, msg: 'Cannot delete qdisc with handle of zero',
        text: 'RTM_DELQDISC dev v0 root: ENOENT (No such file or directory): Cannot delete qdisc with handle of zero',
      },
    ];
    for (const c of refusals) {
      const g = loadGolden(c.fixture);
      it(`\`${g.command}\`: ${c.code} "${c.msg}"`, async () => {
        expectRefusalError(await refusal(c.build(), capturedRefusal(g, c)), c);
      });
    }

    for (const [fixture, kind, option] of [
      ['tc-qdisc-add-netem-delay', 'netem', 'CONFIG_NET_SCH_NETEM'], ['tc-qdisc-add-prio', 'prio', 'CONFIG_NET_SCH_PRIO'],
      ['tc-qdisc-add-fq_codel', 'fq_codel', 'CONFIG_NET_SCH_FQ_CODEL'],
    ] as const) {
      it(`a kernel without ${kind} answers ENOENT "Specified qdisc kind is unknown": UnsupportedTcKindError naming ${option}`, async () => {
        const g = loadGolden(fixture);
        const c = { code: 'ENOENT', errno: 2, msg: 'Specified qdisc kind is unknown', text: '' };
        const spec = { dev: 'v0', kind, ...(kind === 'prio' && { handle: '1:' }) } as QdiscSpec;
        const err = await refusal(add(spec), capturedRefusal(g, c));
        expect(err).to.be.instanceOf(UnsupportedTcKindError);
        expect(err).to.include({ code: 'ERR_TC_KIND_UNSUPPORTED', errnoName: 'ENOENT', kind, field: 'kind' });
        expect(err.message).to.contain(`the kernel does not support qdisc kind '${kind}' (${option} is not enabled in this kernel`);
      });
    }
  });
});
