// Checking a bulk result item by item: the failures planted in an input are
// exactly the ones reported (index, the item itself, the error's class, code,
// errno name, extended-ACK message and field), and every other item is ok.
import { expect } from 'chai';
import { NetlinkError, ValidationError, type BulkOptions, type BulkResult } from '../../src/index.js';

/** What must be reported for one planted item. */
export interface Planted {
  index: number;
  code: string;
  errnoName?: string;
  extackMessage?: string;
  field?: string;
}

/** The ways outcomes are learnt, with batches small enough that failures fall in several. */
export const BULK_MODES: [string, BulkOptions][] = [
  ["ack 'barrier' (default), small batches", { batchBytes: 2048 }],
  ["ack 'barrier', default batches", {}],
  ["ack 'each', small batches", { ack: 'each', batchBytes: 2048 }],
];

/** Items with failures planted at given indexes; `expected` in index order. */
export function plant<T>(items: T[], planted: [number, T, Omit<Planted, 'index'>][]): { items: T[]; expected: Planted[] } {
  const out = [...items];
  const expected: Planted[] = [];
  for (const [index, item, e] of planted) {
    out[index] = item;
    expected.push({ index, ...e });
  }
  expected.sort((a, b) => a.index - b.index);
  return { items: out, expected };
}

/** The result accounts for every item: the planted ones failed as said, the others are ok. */
export function expectAccounted<T>(result: BulkResult<T>, items: T[], expected: Planted[]): void {
  expect(result.total).to.equal(items.length);
  expect(result.ok + result.failed.length).to.equal(result.total);
  expect(result.failed.map((f) => f.index)).to.deep.equal(expected.map((e) => e.index));
  for (const [i, f] of result.failed.entries()) {
    const e = expected[i]!;
    expect(f.item, `item ${e.index}`).to.equal(items[e.index]);
    const err = f.error as Partial<NetlinkError & ValidationError>;
    expect({ index: f.index, code: err.code, errnoName: err.errnoName, extackMessage: err.extackMessage, field: err.field }, `item ${e.index}: ${f.error.message}`)
      .to.deep.equal({ errnoName: undefined, extackMessage: undefined, field: undefined, ...e });
    expect(f.error, `item ${e.index}`).to.be.instanceOf(e.code === 'ERR_INVALID_ARGUMENT' ? ValidationError : NetlinkError);
  }
}

/** How many of the planted failures are refused before anything is sent. */
export function invalidCount(expected: Planted[]): number {
  return expected.filter((e) => e.code === 'ERR_INVALID_ARGUMENT').length;
}
