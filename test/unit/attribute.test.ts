// Netlink attributes: what NetlinkWriter writes, AttrReader reads back, with
// the kernel's layout (4-byte alignment, zero padding, lengths without padding).
import { expect } from 'chai';
import { AttrReader } from '../../src/netlink/core/attributes.js';
import { DecodeError } from '../../src/netlink/core/errors.js';
import { NetlinkWriter } from '../../src/netlink/core/writer.js';

function attrs(buf: Buffer): { type: number; len: number; off: number }[] {
  const r = AttrReader.of(buf);
  const out = [];
  while (r.next()) out.push({ type: r.type, len: r.len, off: r.off });
  return out;
}

describe('netlink attributes', () => {
  it('pads every attribute to 4 bytes with zeros; nla_len excludes the padding', () => {
    const w = new NetlinkWriter();
    w.buf.fill(0xee); // stale bytes must not leak into padding
    w.attrU8(1, 0xab);
    w.attrU16(2, 0x1234);
    w.attrBytes(3, Buffer.from([1, 2, 3]));
    w.attrBytes(4, Buffer.from([9, 8, 7, 6, 5]));
    w.attrFlag(5);
    expect(w.bytes().toString('hex')).to.equal([
      '0500' + '0100' + 'ab000000',
      '0600' + '0200' + '34120000',
      '0700' + '0300' + '01020300',
      '0900' + '0400' + '0908070605000000',
      '0400' + '0500',
    ].join(''));
    expect(attrs(w.bytes()).map((a) => [a.type, a.len, a.off])).to.deep.equal([[1, 1, 4], [2, 2, 12], [3, 3, 20], [4, 5, 28], [5, 0, 40]]);
  });

  it('reads back integers of every width, in host and network byte order', () => {
    const w = new NetlinkWriter();
    w.attrU8(1, 255);
    w.attrU16(2, 0xbeef);
    w.attrU16be(3, 4789);
    w.attrU32(4, 0xfffffffe);
    w.attrU32be(5, 0x0a000001);
    w.attrS32(6, -2);
    w.attrU64(7, 0xffffffffffffffffn);
    w.attrU64(8, 2 ** 53 - 1);
    const r = AttrReader.of(w.bytes());
    const got: unknown[] = [];
    while (r.next()) {
      switch (r.type) {
        case 1: got.push(r.u8()); break;
        case 2: got.push(r.u16()); break;
        case 3: got.push(r.u16be(), r.bytes().toString('hex')); break;
        case 4: got.push(r.u32()); break;
        case 5: got.push(r.u32be(), r.bytes().toString('hex')); break;
        case 6: got.push(r.s32()); break;
        case 7: got.push(r.u64()); break;
        case 8: got.push(r.u64n()); break;
      }
    }
    expect(got).to.deep.equal([255, 0xbeef, 4789, '12b5', 0xfffffffe, 0x0a000001, '0a000001', -2, 0xffffffffffffffffn, 2 ** 53 - 1]);
  });

  it('NUL-terminates strings and reads up to the first NUL (or the end when there is none)', () => {
    const w = new NetlinkWriter();
    w.attrString(1, 'eth0');
    w.attrString(2, 'héllo'); // 6 bytes of UTF-8
    w.attrBytes(3, Buffer.from('abc\0junk'));
    w.attrBytes(4, Buffer.from('nonul'));
    w.attrString(5, '');
    const r = AttrReader.of(w.bytes());
    const got: [number, number, string][] = [];
    while (r.next()) got.push([r.type, r.len, r.string()]);
    expect(got).to.deep.equal([[1, 5, 'eth0'], [2, 7, 'héllo'], [3, 8, 'abc'], [4, 5, 'nonul'], [5, 1, '']]);
  });

  it('a string without NUL ends with its attribute, not at a NUL further on', () => {
    // The reader must not pick up a NUL that lies beyond the attribute.
    const w = new NetlinkWriter();
    w.attrBytes(1, Buffer.from('abcd'));
    w.attrU32(2, 0);
    const r = AttrReader.of(w.bytes());
    r.next();
    expect(r.string()).to.equal('abcd');
  });

  it('nests: lengths cover the children, the reader walks them, NLA_F_NESTED is reported', () => {
    const w = new NetlinkWriter();
    const outer = w.beginNested(18);
    w.attrString(1, 'veth');
    const inner = w.beginNested(2, undefined, true);
    w.attrU32(7, 42);
    w.attrU8(8, 1);
    w.endNested(inner);
    w.endNested(outer);
    w.attrU32(4, 1500);

    const r = AttrReader.of(w.bytes());
    expect(r.next()).to.equal(true);
    expect([r.type, r.len, r.nestedFlag]).to.deep.equal([18, 12 + 4 + 8 + 8, false]); // payload: kind, data header, two attributes
    const li = r.nested();
    li.next();
    expect(li.string()).to.equal('veth');
    li.next();
    expect([li.type, li.nestedFlag]).to.deep.equal([2, true]);
    const data = li.nested();
    const inside: number[] = [];
    while (data.next()) inside.push(data.type === 7 ? data.u32() : data.u8());
    expect(inside).to.deep.equal([42, 1]);
    expect(li.next()).to.equal(false);
    expect(r.next()).to.equal(true);
    expect(r.u32()).to.equal(1500);
    expect(r.next()).to.equal(false);
  });

  describe('keeps every value when the buffer grows in the middle of a write', () => {
    // The writer starts small and doubles; a value written while its buffer is
    // replaced must land in the new buffer, not the discarded one.
    const writes: [string, (w: NetlinkWriter) => void, string][] = [
      ['attrU8', (w) => w.attrU8(1, 0xab), '05000100ab000000'],
      ['attrU16', (w) => w.attrU16(1, 0x1234), '0600010034120000'],
      ['attrU16be', (w) => w.attrU16be(1, 0x1234), '0600010012340000'],
      ['attrU32', (w) => w.attrU32(1, 0xdeadbeef), '08000100efbeadde'],
      ['attrS32', (w) => w.attrS32(1, -2), '08000100feffffff'],
      ['attrU32be', (w) => w.attrU32be(1, 0xdeadbeef), '08000100deadbeef'],
      ['attrU64', (w) => w.attrU64(1, 0x0102030405060708n), '0c0001000807060504030201'],
      ['attrBytes', (w) => w.attrBytes(1, Buffer.from('cafe', 'hex')), '06000100cafe0000'],
      ['attrString', (w) => w.attrString(1, 'abc'), '0800010061626300'],
      ['u8', (w) => w.u8(0xab), 'ab'],
      ['u16', (w) => w.u16(0x1234), '3412'],
      ['u32', (w) => w.u32(0xdeadbeef), 'efbeadde'],
      ['s32', (w) => w.s32(-2), 'feffffff'],
      ['raw', (w) => w.raw(Buffer.from('cafe', 'hex')), 'cafe'],
    ];
    for (const [name, write, hex] of writes) {
      it(name, () => {
        const w = new NetlinkWriter(4);
        w.zeros(4); // full: the next write must grow the buffer
        write(w);
        expect(w.bytes().subarray(4).toString('hex')).to.equal(hex);
      });
    }
  });

  it('keeps an attribute it does not interpret as type + payload, without copying it', () => {
    const w = new NetlinkWriter();
    const n = w.beginNested(99, undefined, true);
    w.attrU8(1, 7);
    w.endNested(n);
    const buf = w.toBuffer();
    const r = AttrReader.of(buf);
    r.next();
    const raw = r.raw();
    expect(raw).to.deep.equal({ type: 99, nested: true, data: Buffer.from('0500010007000000', 'hex') });
    // Decoding copies no payload nobody asked for: the data is a view into the datagram.
    expect(raw.data.buffer).to.equal(buf.buffer);
    expect(raw.data.byteOffset).to.equal(buf.byteOffset + 4);
  });

  describe('rejects malformed input with DecodeError', () => {
    const bad: [string, string][] = [
      ['a length below the header size', '02000100'],
      ['a length beyond the buffer', '0c000100aabbccdd'],
      ['trailing bytes shorter than a header', '0800010001000000aabb'],
    ];
    for (const [what, h] of bad) {
      it(what, () => {
        const r = AttrReader.of(Buffer.from(h, 'hex'));
        expect(() => { while (r.next()); }).to.throw(DecodeError);
      });
    }

    it('reading a u32 from a 2-byte payload, a u64 from 4 bytes', () => {
      const w = new NetlinkWriter();
      w.attrU16(1, 1);
      w.attrU32(2, 1);
      const r = AttrReader.of(w.bytes());
      r.next();
      expect(() => r.u32()).to.throw(DecodeError, /^attribute 1: u32 needs exactly 4 bytes, has 2 \(at byte 4\)$/);
      r.next();
      expect(() => r.u64()).to.throw(DecodeError);
      expect(() => r.u64n()).to.throw(DecodeError);
    });

    it('an attribute longer than its fixed size (a u32 of 8 bytes) is an error naming it, not read', () => {
      const w = new NetlinkWriter();
      w.attrBytes(4, Buffer.alloc(8)); // an "mtu" of 8 bytes
      const r = AttrReader.of(w.bytes());
      r.next();
      expect(() => r.u32()).to.throw(DecodeError, /^attribute 4: u32 needs exactly 4 bytes, has 8 \(at byte 4\)$/);
    });

    const sizes: [string, number, (r: AttrReader) => unknown][] = [
      ['u8', 1, (r) => r.u8()], ['u16', 2, (r) => r.u16()], ['u16be', 2, (r) => r.u16be()], ['u32', 4, (r) => r.u32()],
      ['s32', 4, (r) => r.s32()], ['u32be', 4, (r) => r.u32be()], ['u64', 8, (r) => r.u64()], ['u64n', 8, (r) => r.u64n()],
      ['flag', 0, (r) => r.flag()],
    ];
    for (const [name, size, read] of sizes) {
      it(`${name} reads exactly ${size} bytes: one more or one less is refused`, () => {
        for (const len of [size - 1, size + 1].filter((n) => n >= 0)) {
          const w = new NetlinkWriter();
          w.attrBytes(9, Buffer.alloc(len));
          const r = AttrReader.of(w.bytes());
          r.next();
          expect(() => read(r), `${len} bytes`).to.throw(DecodeError, new RegExp(`^attribute 9: \\w+ needs exactly ${size} bytes, has ${len}`));
        }
        const w = new NetlinkWriter();
        w.attrBytes(9, Buffer.alloc(size));
        const r = AttrReader.of(w.bytes());
        r.next();
        expect(() => read(r)).to.not.throw();
      });
    }

    /** IFLA_LINKINFO { IFLA_INFO_DATA { IFLA_VXLAN_ID as 8 bytes } }, and the reader at that attribute. */
    function deepAttribute(names?: { top: Record<number, string>; info: Record<number, string>; data: Record<number, string> }): AttrReader {
      const w = new NetlinkWriter();
      const info = w.beginNested(18);
      const data = w.beginNested(2);
      w.attrBytes(1, Buffer.alloc(8));
      w.endNested(data);
      w.endNested(info);
      const buf = w.toBuffer();
      const top = new AttrReader(buf, 0, buf.length, names?.top);
      top.next();
      const li = top.nested(names?.info);
      li.next();
      const d = li.nested(names?.data);
      d.next();
      return d;
    }

    it('a nested attribute is named with the nests it sits in', () => {
      expect(() => deepAttribute().u32()).to.throw(DecodeError, /^attribute 1 in nest 18 > 2: u32 needs exactly 4 bytes, has 8/);
    });

    it('with name tables, the attribute and its nests are named as the kernel headers name them', () => {
      const r = deepAttribute({ top: { 18: 'IFLA_LINKINFO' }, info: { 2: 'IFLA_INFO_DATA' }, data: { 1: 'IFLA_VXLAN_ID' } });
      expect(() => r.u32()).to.throw(DecodeError,
        /^attribute IFLA_VXLAN_ID \(1\) in nest IFLA_LINKINFO \(18\) > IFLA_INFO_DATA \(2\): u32 needs exactly 4 bytes, has 8/);
    });

    it('a length that does not fit its nest names the nest too', () => {
      const w = new NetlinkWriter();
      const n = w.beginNested(18);
      w.attrU32(3, 1);
      w.endNested(n);
      const buf = w.toBuffer();
      buf.writeUInt16LE(40, 4); // the inner attribute claims 40 bytes
      const r = new AttrReader(buf, 0, buf.length, { 18: 'IFLA_LINKINFO' });
      r.next();
      const inner = r.nested();
      expect(() => inner.next()).to.throw(DecodeError, /^attribute 3 in nest IFLA_LINKINFO \(18\) has length 40, 8 bytes left/);
    });

    it('a range outside the buffer', () => {
      expect(() => new AttrReader(Buffer.alloc(8), 4, 12)).to.throw(DecodeError);
      expect(() => new AttrReader(Buffer.alloc(8), 6, 4)).to.throw(DecodeError);
    });
  });
});
