// A first-in first-out queue with O(1) push and shift: the requests waiting
// for the in-flight window, the messages of a dump part not read yet, the
// events a consumer has not read yet. Array.prototype.shift() moves every
// element; here a head index walks the array instead, and the array is cut
// only when more than half of it has been read (and at least 1024 items).
const COMPACT_AT = 1024;

export class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, removed; undefined when the queue is empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // the queue must not keep what it handed out alive
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AT && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item and returns them, oldest first. */
  takeAll(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}
