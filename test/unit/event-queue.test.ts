// A consumer that falls behind loses only what overflows maxQueue, the
// oldest first, and learns how many: one 'overrun' event, read before the
// events that were kept, carries the count. The queue never holds more than
// maxQueue events, that overrun event included.
import { expect } from 'chai';
import { OverrunError } from '../../src/netlink/core/errors.js';
import { EventQueue, type RtnlEvent } from '../../src/netlink/rtnl/events.js';
import type { Link } from '../../src/netlink/rtnl/link/codec.js';

const linkEvent = (index: number): RtnlEvent => ({ kind: 'link', action: 'new', link: { index } as Link });

function drain(q: EventQueue): RtnlEvent[] {
  const out: RtnlEvent[] = [];
  for (let e = q.shift(); e; e = q.shift()) out.push(e);
  return out;
}

const indexes = (events: RtnlEvent[]): number[] => events.map((e) => (e.kind === 'link' ? e.link.index : -1));

describe('events: the queue of a consumer that falls behind', () => {
  it('holds everything up to maxQueue, with no overrun', () => {
    const q = new EventQueue(10);
    for (let i = 1; i <= 10; i++) q.push(linkEvent(i));
    expect(q.length).to.equal(10);
    expect(indexes(drain(q))).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('past maxQueue drops the oldest, only as many as overflow, and says how many', () => {
    const q = new EventQueue(10);
    for (let i = 1; i <= 15; i++) q.push(linkEvent(i));
    expect(q.length, 'held, the overrun event included').to.equal(10);
    const [first, ...rest] = drain(q);
    expect(first).to.include({ kind: 'overrun', dropped: 6 });
    const error = (first as Extract<RtnlEvent, { kind: 'overrun' }>).error;
    expect(error).to.be.instanceOf(OverrunError).and.include({ code: 'ERR_NETLINK_OVERRUN', dropped: 6 });
    expect(error.message).to.equal('the event queue exceeded maxQueue (10); 6 events were dropped');
    expect(indexes(rest)).to.deep.equal([7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('200,000 events for a queue of 100,000: one overrun of 100,001 and the newest 99,999, in order', () => {
    const q = new EventQueue(100_000);
    for (let i = 1; i <= 200_000; i++) q.push(linkEvent(i));
    const events = drain(q);
    expect(events[0]).to.include({ kind: 'overrun', dropped: 100_001 });
    const kept = indexes(events.slice(1));
    expect(kept).to.have.length(99_999);
    expect(kept[0]).to.equal(100_002);
    expect(kept.at(-1)).to.equal(200_000);
    expect(kept.every((n, i) => i === 0 || n === kept[i - 1]! + 1), 'in order, no gaps').to.equal(true);
  });

  it('each time the consumer falls behind again, a new overrun counts the new losses only', () => {
    const q = new EventQueue(4);
    for (let i = 1; i <= 6; i++) q.push(linkEvent(i));
    expect(drain(q).map((e) => (e.kind === 'overrun' ? `overrun ${e.dropped}` : e.kind === 'link' ? e.link.index : e.kind)))
      .to.deep.equal(['overrun 3', 4, 5, 6]);
    for (let i = 7; i <= 8; i++) q.push(linkEvent(i));
    expect(indexes(drain(q))).to.deep.equal([7, 8]);
    for (let i = 9; i <= 20; i++) q.push(linkEvent(i));
    expect(drain(q).map((e) => (e.kind === 'overrun' ? `overrun ${e.dropped}` : e.kind === 'link' ? e.link.index : e.kind)))
      .to.deep.equal(['overrun 9', 18, 19, 20]);
  });

  it('reading in between keeps what was read out of the count', () => {
    const q = new EventQueue(3);
    q.push(linkEvent(1));
    q.push(linkEvent(2));
    expect(indexes([q.shift()!])).to.deep.equal([1]);
    for (let i = 3; i <= 5; i++) q.push(linkEvent(i));
    const events = drain(q);
    expect(events[0]).to.include({ kind: 'overrun', dropped: 2 });
    expect(indexes(events.slice(1))).to.deep.equal([4, 5]);
  });

  it('maxQueue 1: once events are lost, the overrun event is all that is held until it is read', () => {
    const q = new EventQueue(1);
    q.push(linkEvent(1));
    q.push(linkEvent(2));
    q.push(linkEvent(3));
    expect(q.length).to.equal(1);
    expect(drain(q)).to.have.length(1).and.to.satisfy((e: RtnlEvent[]) => e[0]!.kind === 'overrun' && e[0]!.dropped === 3);
    q.push(linkEvent(4));
    expect(indexes(drain(q))).to.deep.equal([4]);
  });
});
