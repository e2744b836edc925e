// IEC 60601-1-8 auditory alarm signals: the burst of pulses for each priority, as data.
// Plain browser JS (no bundler); also imported by the Node tests (types in patterns.d.ts).
//
// IEC 60601-1-8:2006+A1, table 3 / 4 (as summarised in DOMAIN.md):
// - high: 10 pulses, grouped 3 + 2, a pause, 3 + 2; pulse duration td 75-200 ms, pulse
//   spacing ts 50-125 ms (end of one pulse to start of the next), 2*ts + td between the 3rd
//   and 4th pulse, 0.35-1.3 s between the 5th and 6th; burst repeated every 2.5-15 s.
// - medium: 3 pulses; td 125-250 ms, ts 125-250 ms; repeated every 2.5-30 s.
// - low: 1-2 pulses; td and ts 125-250 ms; repeated no faster than every 15 s (or not at all).
// - each pulse: fundamental 150-1000 Hz with at least 4 harmonics within 15 dB of it.
// Priorities differ in pitch as well, so they can be told apart without counting pulses.

/** Harmonic amplitudes relative to the fundamental (k = 1..5): all within -15 dB (0.178). */
export const HARMONICS = Object.freeze([1, 0.7, 0.5, 0.4, 0.3]);

/**
 * @param {'high'|'medium'|'low'} priority
 * @returns {{priority: string, pulses: {startMs: number, durMs: number}[], repeatMs: number, f0Hz: number, harmonics: readonly number[], riseMs: number}}
 */
export function burstPattern(priority) {
  if (priority === 'high') {
    const td = 150;
    const ts = 100;
    const groupGap = 2 * ts + td; // between pulses 3 and 4 (standard: 2*ts + td)
    const halfGap = 700; // between pulses 5 and 6 (standard: 0.35-1.3 s)
    const gaps = [ts, ts, groupGap, ts, halfGap, ts, ts, groupGap, ts];
    return { priority, pulses: sequence(td, gaps), repeatMs: 5000, f0Hz: 660, harmonics: HARMONICS, riseMs: 20 };
  }
  if (priority === 'medium') {
    return { priority, pulses: sequence(200, [150, 150]), repeatMs: 7000, f0Hz: 520, harmonics: HARMONICS, riseMs: 25 };
  }
  return { priority, pulses: sequence(200, [200]), repeatMs: 20000, f0Hz: 400, harmonics: HARMONICS, riseMs: 25 };
}

/** Pulses of duration `td` separated by the given spacings (end of one to start of the next). */
function sequence(td, gaps) {
  const pulses = [{ startMs: 0, durMs: td }];
  let t = td;
  for (const g of gaps) {
    t += g;
    pulses.push({ startMs: t, durMs: td });
    t += td;
  }
  return pulses;
}

/** Order for display and sound: high first. */
export const PRIORITY_RANK = Object.freeze({ high: 3, medium: 2, low: 1 });
