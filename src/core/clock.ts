/**
 * One clock for the whole hub, injected everywhere so tests can drive time.
 * `monotonicMs` never goes backwards (hub monotonic time, for ordering and intervals);
 * `wallMs` is Unix epoch milliseconds (for records that leave the hub).
 */
export interface Clock {
  monotonicMs(): number;
  wallMs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  monotonicMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

/** A manually advanced clock for deterministic tests. */
export class ManualClock implements Clock {
  private mono = 0;
  private wall: number;
  private nextId = 1;
  private readonly pending = new Map<number, { due: number; fn: () => void }>();

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs;
  }

  monotonicMs(): number {
    return this.mono;
  }

  wallMs(): number {
    return this.wall;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { due: this.mono + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Advance time, firing due timers in order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Infinity;
      for (const [id, t] of this.pending) {
        if (t.due <= target && t.due < nextDue) {
          nextDue = t.due;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const t = this.pending.get(nextId);
      this.pending.delete(nextId);
      this.wall += nextDue - this.mono;
      this.mono = nextDue;
      t?.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  pendingTimers(): number {
    return this.pending.size;
  }
}
