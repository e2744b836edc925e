/**
 * The bedside PIN (or token) that guards acknowledge and audio pause. Without a configured PIN
 * the view is read-only: silencing an alarm from any browser on the ward network would be a
 * hazard. The comparison is constant-time (both sides hashed to equal-length digests first),
 * and a client that keeps guessing is locked out for a time that doubles with each further
 * wrong guess. Lockout is per client address, so a guesser elsewhere on the network cannot
 * lock the bedside screen itself out of acknowledging.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { VigilErrorCode } from '../../core/errors.ts';

export interface PinGuardOptions {
  /** null: no PIN configured, every control request is refused (read-only view). */
  pin: string | null;
  /** Wrong PINs in a row before a lockout. */
  maxFailures: number;
  /** First lockout; each further wrong PIN doubles it, up to maxLockoutMs. */
  lockoutMs: number;
  maxLockoutMs: number;
  clock: Clock;
  /** Clients remembered at once (oldest forgotten first), so memory stays bounded. */
  maxClients?: number;
}

export type AuthDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403 | 429; readonly code: VigilErrorCode; readonly message: string; readonly retryAfterS?: number };

interface ClientRecord {
  failures: number;
  lockedUntilMs: number;
}

export class PinGuard {
  private readonly digest: Buffer | null;
  private readonly clients = new Map<string, ClientRecord>();
  private readonly maxClients: number;

  constructor(private readonly opts: PinGuardOptions) {
    this.digest = opts.pin === null ? null : sha256(opts.pin);
    this.maxClients = opts.maxClients ?? 1024;
  }

  get readOnly(): boolean {
    return this.digest === null;
  }

  /** Checks `presented` (null: none sent) for the client `key` (its address). */
  check(key: string, presented: string | null): AuthDecision {
    if (this.digest === null) {
      return { ok: false, status: 403, code: 'VIGIL_VIEW_READONLY', message: 'no bedside PIN is configured (bedside.pin): this view is read-only' };
    }
    if (presented === null || presented === '') {
      return { ok: false, status: 401, code: 'VIGIL_AUTH_REQUIRED', message: 'enter the bedside PIN' };
    }
    const now = this.opts.clock.monotonicMs();
    const rec = this.clients.get(key);
    if (rec && rec.lockedUntilMs > now) {
      // While locked out nothing is compared: guessing gains nothing.
      const retryAfterS = Math.ceil((rec.lockedUntilMs - now) / 1000);
      return { ok: false, status: 429, code: 'VIGIL_AUTH_LOCKED', message: `too many wrong PINs; try again in ${retryAfterS} s`, retryAfterS };
    }
    if (timingSafeEqual(sha256(presented), this.digest)) {
      this.clients.delete(key);
      return { ok: true };
    }
    const r = rec ?? { failures: 0, lockedUntilMs: 0 };
    r.failures++;
    this.remember(key, r);
    const over = r.failures - this.opts.maxFailures;
    if (over >= 0) {
      const ms = Math.min(this.opts.maxLockoutMs, this.opts.lockoutMs * 2 ** Math.min(over, 20));
      r.lockedUntilMs = now + ms;
      const retryAfterS = Math.ceil(ms / 1000);
      return { ok: false, status: 429, code: 'VIGIL_AUTH_LOCKED', message: `wrong PIN; locked out for ${retryAfterS} s`, retryAfterS };
    }
    return { ok: false, status: 401, code: 'VIGIL_AUTH_FAILED', message: `wrong PIN (${this.opts.maxFailures - r.failures} more before a lockout)` };
  }

  private remember(key: string, rec: ClientRecord): void {
    // Re-insert so the Map's order is least-recently-failed first.
    this.clients.delete(key);
    this.clients.set(key, rec);
    while (this.clients.size > this.maxClients) {
      const oldest = this.clients.keys().next().value;
      if (oldest === undefined) break;
      this.clients.delete(oldest);
    }
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The PIN from `Authorization: Bearer <pin>`; null when absent or malformed. */
export function presentedPin(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S{1,256})\s*$/i.exec(header);
  return m?.[1] ?? null;
}
