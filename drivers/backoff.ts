/**
 * Capped exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): delay = random(0.5..1) * min(cap, base * 2^attempt).
 * Half-jitter keeps a floor so a device that is really gone is not hammered.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Random source in [0, 1); injected for deterministic tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.random = opts.random ?? Math.random;
  }

  next(): number {
    const exp = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(exp * (0.5 + 0.5 * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
