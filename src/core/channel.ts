/**
 * A bounded single-consumer async queue: producers push without waiting (a serial port
 * cannot be paused), the consumer pulls with `for await`. When the consumer falls behind
 * by more than `capacity` items the oldest are dropped and counted, so memory stays
 * bounded and the loss is visible (never silent).
 */
export class AsyncChannel<T> implements AsyncIterable<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  private closed = false;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  /** Items dropped because the consumer fell behind. */
  dropped = 0;

  constructor(readonly capacity = 4096) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: item, done: false });
      return;
    }
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.dropped++;
    }
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
  }

  close(): void {
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const v = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      return Promise.resolve({ value: v, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/**
 * The consumer side of a channel for a producer that makes data on demand (replay and
 * synthetic drivers in as-fast-as-possible mode): every pull tells the producer it may
 * refill, and leaving the loop early (break out of for-await) stops it.
 */
export function pullStream<T>(channel: AsyncChannel<T>, onPulled: () => void, onReturn: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: (): AsyncIterator<T> => ({
      next: () => {
        const r = channel.next();
        onPulled();
        return r;
      },
      return: () => {
        onReturn();
        channel.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
}
