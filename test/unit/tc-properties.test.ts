// Property tests of traffic control (fast-check): qdisc, class and filter
// options netnest encodes come back from the decoders with the values the
// kernel keeps (netem's times in whole ticks, percentages as fractions of
// 2^32-1), tc's units read as tc reads them, and no byte string makes the tc
// decoders fail with anything but DecodeError.
import { expect } from 'chai';
import fc from 'fast-check';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';
import { checkFilter, decodeFilter, encodeFilter, RTM_NEWTFILTER } from '../../src/netlink/rtnl/filter/codec.js';
import { checkQdisc, decodeQdisc, encodeQdisc, RTM_NEWQDISC } from '../../src/netlink/rtnl/qdisc/codec.js';
import { TCA_KIND, TCA_OPTIONS } from '../../src/netlink/rtnl/tc/constants.js';
import type { HtbClassInfo } from '../../src/netlink/rtnl/tc/kinds/htb.js';
import type { NetemInfo } from '../../src/netlink/rtnl/tc/kinds/netem.js';
import type { U32Info } from '../../src/netlink/rtnl/tc/kinds/u32.js';
import { parsePercent, parseRate, parseSize, parseTime, ticks, usecOfTicks } from '../../src/netlink/rtnl/tc/units.js';
import { checkClass, decodeClass, encodeClass, RTM_NEWTCLASS } from '../../src/netlink/rtnl/tclass/codec.js';
import { captures, mutated, onlyDecodeErrors, runs, u32 } from '../support/arbitraries.js';

const one = (): number => 1;
const percent = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }));
const time = fc.integer({ min: 0, max: 200_000_000 });

describe('traffic control properties', () => {
  describe('tc\'s units, read as tc reads them', () => {
    it('times, rates, sizes and percentages of the tc man pages', () => {
      expect([parseTime('10ms', 't'), parseTime('1.5s', 't'), parseTime('250us', 't'), parseTime(7, 't')]).to.deep.equal([10_000, 1_500_000, 250, 7]);
      // A rate without a unit is bits per second; a number is bytes per second.
      expect([parseRate('1mbit', 'r'), parseRate('100kbit', 'r'), parseRate('1Mibit', 'r'), parseRate('10MBps', 'r'), parseRate('8000', 'r'), parseRate(5, 'r')])
        .to.deep.equal([125_000, 12_500, 131_072, 10_000_000, 1000, 5]);
      expect([parseSize('32kbit', 's'), parseSize('10kb', 's'), parseSize('1mb', 's'), parseSize('1500', 's')]).to.deep.equal([4096, 10_240, 1_048_576, 1500]);
      // rint(p / 100 * (2^32 - 1)), halves to even.
      expect([parsePercent('1%', 'p'), parsePercent('0.1%', 'p'), parsePercent(25, 'p'), parsePercent('100%', 'p')]).to.deep.equal([42_949_673, 4_294_967, 1_073_741_824, 0xffffffff]);
      expect(() => parsePercent('101%', 'p')).to.throw(/between 0% and 100%/);
      expect(() => parseRate('10%', 'r')).to.throw(/percentage of the link speed/);
      expect(() => parseTime('10 parsecs', 'delay')).to.throw(/a time/);
    });
  });

  describe('what netnest encodes, the decoder reads back', () => {
    const netemCase = fc.record({
      delay: time, jitter: fc.option(time, { nil: undefined }), loss: fc.option(percent, { nil: undefined }),
      duplicate: fc.option(percent, { nil: undefined }), corrupt: fc.option(percent, { nil: undefined }),
      rate: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }), limit: fc.option(u32, { nil: undefined }),
    });

    it('netem: delay and jitter in the kernel\'s ticks, percentages, rate and limit', () => {
      fc.assert(fc.property(netemCase, (c) => {
        const options = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
        const q = decodeQdisc(encodeQdisc(RTM_NEWQDISC, 0x600, checkQdisc({ dev: 1, kind: 'netem', options }), one).bytes);
        const o = q.options as NetemInfo;
        expect(o.limit).to.equal(c.limit ?? 1000);
        expect(o.delay ?? 0).to.equal(usecOfTicks(ticks(c.delay, 'delay')));
        expect(o.jitter ?? 0).to.equal(c.jitter === undefined ? 0 : usecOfTicks(ticks(c.jitter, 'jitter')));
        for (const k of ['loss', 'duplicate', 'corrupt'] as const) {
          expect(o[k] === undefined ? 0 : parsePercent(o[k]!, k), k).to.equal(c[k] === undefined ? 0 : parsePercent(c[k]!, k));
        }
        expect(o.rate).to.equal(c.rate);
      }), runs(300));
    });

    it('htb classes: rate, ceil (64-bit ones too), prio and quantum', () => {
      const rate = fc.integer({ min: 1, max: 2 ** 42 });
      fc.assert(fc.property(rate, fc.option(rate, { nil: undefined }), fc.integer({ min: 0, max: 7 }), u32, (r, ceil, prio, quantum) => {
        const spec = { dev: 1, parent: '1:', classid: '1:10', kind: 'htb' as const, options: { rate: r, prio, quantum, ...(ceil !== undefined && { ceil }) } };
        const c = decodeClass(encodeClass(RTM_NEWTCLASS, 0x600, checkClass(spec), one).bytes);
        expect(c.options).to.deep.include({ rate: r, ceil: ceil ?? r, prio, quantum, level: 0 } satisfies Partial<HtbClassInfo>);
      }), runs(300));
    });

    it('u32: keys (value under mask, offset) and the class', () => {
      const key = fc.record({ value: u32, mask: u32, at: fc.integer({ min: 0, max: 64 }).map((n) => n * 4) });
      fc.assert(fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 8, selector: (k) => k.at }), fc.integer({ min: 1, max: 0xffff }), (keys, minor) => {
        const spec = { dev: 1, parent: '1:', kind: 'u32' as const, options: { match: keys, classid: `1:${minor.toString(16)}` } };
        const f = decodeFilter(encodeFilter(RTM_NEWTFILTER, 0x600, checkFilter(spec), one).bytes);
        expect(f.options as U32Info).to.deep.equal({
          terminal: true, classid: `1:${minor.toString(16)}`, match: keys.map((k) => ({ value: (k.value & k.mask) >>> 0, mask: k.mask, at: k.at })),
        });
      }), runs(300));
    });
  });

  describe('malformed input raises DecodeError, never anything else', () => {
    // tc messages of every kind with random TCA_OPTIONS, real tc captures mutated or cut, random bytes.
    const kinds = ['netem', 'tbf', 'htb', 'fq_codel', 'prio', 'pfifo_fast', 'pfifo', 'u32', 'matchall', 'flower', 'ingress', 'noqueue'];
    const built = fc.record({
      type: fc.constantFrom(36, 40, 44), kind: fc.constantFrom(...kinds), header: fc.uint8Array({ minLength: 20, maxLength: 20 }),
      options: fc.uint8Array({ maxLength: 96 }), nested: fc.array(fc.tuple(fc.integer({ min: 0, max: 24 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 5 }),
    }).map((m) => {
      const w = new NetlinkWriter(128);
      w.beginMessage(m.type, 0);
      w.raw(m.header);
      w.attrString(TCA_KIND, m.kind);
      const t = w.beginNested(TCA_OPTIONS);
      w.raw(m.options.subarray(0, m.options.length & ~3));
      for (const [type, data] of m.nested) w.attrBytes(type, data);
      w.endNested(t);
      w.endMessage();
      return w.toBuffer();
    });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), mutated(captures(/^tc-/)), built);

    for (const [name, decode] of [['decodeQdisc', decodeQdisc], ['decodeClass', decodeClass], ['decodeFilter', decodeFilter]] as const) {
      it(name, () => {
        fc.assert(fc.property(bytes, (b) => onlyDecodeErrors(() => decode(b))), runs(2000));
      });
    }
  });
});
