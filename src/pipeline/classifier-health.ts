/**
 * The beat classifier's run-time health for the whole hub, from the reports of every device's
 * labeller (BeatLabeler onHealth): one "Beat Classifier Failed" technical alarm that holds
 * while inference fails on ANY device, and clears when every device classifies again.
 *
 * Kept per device, not per labeller: a chain restarted after a stream hole gets a new labeller,
 * whose first batch reports for the device (before, a labeller dropped while failing left the
 * alarm on for good, and the first device to recover cleared it for all).
 */
import { errorMessage, isVigilError } from '../core/errors.ts';

export interface ClassifierHealthEvents {
  /** The hub-wide state changed: failing (with the first failing device's error code) or not. */
  onChange(failing: boolean, detail: { code: string | null; message: string | null; devices: readonly string[] }): void;
  /** One device's state changed (for the log). */
  onDevice?(deviceId: string, ok: boolean, error?: unknown): void;
}

export class ClassifierHealth {
  private readonly failing = new Map<string, { code: string; message: string }>();

  constructor(private readonly events: ClassifierHealthEvents) {}

  /** The onHealth callback for the labellers of one device. */
  reporter(deviceId: string): (ok: boolean, error?: unknown) => void {
    return (ok, error) => this.report(deviceId, ok, error);
  }

  get failingDevices(): readonly string[] {
    return [...this.failing.keys()];
  }

  private report(deviceId: string, ok: boolean, error?: unknown): void {
    const was = this.failing.has(deviceId);
    if (ok === !was) return;
    if (ok) this.failing.delete(deviceId);
    else this.failing.set(deviceId, { code: isVigilError(error) ? error.code : 'VIGIL_INTERNAL', message: errorMessage(error) });
    this.events.onDevice?.(deviceId, ok, error);
    this.changed();
  }

  private changed(): void {
    const first = [...this.failing.values()][0];
    this.events.onChange(this.failing.size > 0, { code: first?.code ?? null, message: first?.message ?? null, devices: this.failingDevices });
  }
}
