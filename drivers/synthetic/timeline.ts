/**
 * A forward-only cursor over a scenario's segments in absolute sample time, with looping.
 * The generator keeps several (rendering, beat planning, vitals), each moving forward
 * monotonically, so a lookup is O(1) amortised and nothing is allocated.
 */
import type { Scenario, Segment } from './scenario.ts';

export class TimelineCursor {
  private idx = 0;
  private cycleBase = 0;
  /** Absolute first sample of the current segment. */
  start: number;
  /** Absolute one-past-last sample of the current segment. */
  end: number;
  /** True once a non-looping scenario has been passed. */
  ended = false;

  constructor(private readonly scenario: Scenario) {
    const s = this.seg(0);
    this.start = s.startSample;
    this.end = s.endSample;
  }

  get segment(): Segment {
    return this.seg(this.idx);
  }

  /** Move to the segment holding absolute time `t` (samples, may be fractional). False past the end. */
  seek(t: number): boolean {
    while (t >= this.end) {
      if (!this.step()) return false;
    }
    return true;
  }

  /** Move to the next segment (wrapping when looping). False past the end. */
  step(): boolean {
    if (this.ended) return false;
    const n = this.scenario.segments.length;
    if (this.idx + 1 < n) {
      this.idx++;
    } else if (this.scenario.loop && this.scenario.cycleSamples > 0) {
      this.idx = 0;
      this.cycleBase += this.scenario.cycleSamples;
    } else {
      this.ended = true;
      this.start = this.end;
      this.end = Infinity;
      return false;
    }
    const s = this.seg(this.idx);
    this.start = this.cycleBase + s.startSample;
    this.end = this.cycleBase + s.endSample;
    return true;
  }

  private seg(i: number): Segment {
    const s = this.scenario.segments[i];
    if (s === undefined) throw new RangeError(`segment ${i} missing`);
    return s;
  }
}
