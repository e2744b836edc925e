// Alarm tones synthesised with WebAudio from the IEC 60601-1-8 burst patterns (patterns.js).
// Browsers keep audio blocked until a user gesture: enable() must run from a click/tap, and
// the page shows an "enable sound" control until `running` is true.
import { burstPattern } from './patterns.js';

/** Bursts are scheduled this far ahead on the audio clock, so timer jitter cannot stretch a pulse. */
const LOOKAHEAD_S = 0.3;
const TICK_MS = 100;

export class AlarmAudio {
  constructor() {
    /** @type {AudioContext | null} */
    this.ctx = null;
    /** @type {'high'|'medium'|'low'|null} */
    this.tone = null;
    this.paused = false;
    this.nextBurstAt = 0;
    /** @type {{osc: OscillatorNode, endS: number}[]} */
    this.scheduled = [];
    /** @type {Map<string, PeriodicWave>} */
    this.waves = new Map();
    this.timer = 0;
    this.onchange = () => {};
  }

  get running() {
    return this.ctx !== null && this.ctx.state === 'running';
  }

  /** Call from a user gesture. */
  async enable() {
    if (!this.ctx) {
      const Ctor = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
      this.ctx = new Ctor();
      this.ctx.onstatechange = () => this.onchange();
    }
    if (this.ctx.state !== 'running') await this.ctx.resume();
    if (!this.timer) this.timer = window.setInterval(() => this.tick(), TICK_MS);
    this.onchange();
  }

  /** @param {'high'|'medium'|'low'|null} tone @param {boolean} paused */
  set(tone, paused) {
    const changed = tone !== this.tone || paused !== this.paused;
    if (!changed) return;
    const escalated = tone !== null && (this.tone === null || rank(tone) > rank(this.tone));
    this.tone = tone;
    this.paused = paused;
    if (tone === null || paused || escalated) this.silence();
    // A new or higher-priority tone starts at once rather than waiting out the old interval.
    if (escalated && this.ctx) this.nextBurstAt = this.ctx.currentTime;
    this.tick();
  }

  tick() {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running' || this.tone === null || this.paused) return;
    const now = ctx.currentTime;
    this.scheduled = this.scheduled.filter((s) => s.endS > now);
    if (this.nextBurstAt < now) this.nextBurstAt = now + 0.05;
    while (this.nextBurstAt < now + LOOKAHEAD_S) {
      const p = burstPattern(this.tone);
      for (const pulse of p.pulses) this.pulse(this.nextBurstAt + pulse.startMs / 1000, pulse.durMs / 1000, p);
      this.nextBurstAt += p.repeatMs / 1000;
    }
  }

  /** Stops every scheduled or sounding pulse now. */
  silence() {
    const now = this.ctx ? this.ctx.currentTime : 0;
    for (const s of this.scheduled) {
      try {
        s.osc.stop(now);
      } catch {
        // already stopped
      }
    }
    this.scheduled = [];
    this.nextBurstAt = 0;
  }

  /** One pulse: a periodic wave of the fundamental and its harmonics, with short rise and fall ramps. */
  pulse(startS, durS, p) {
    const ctx = /** @type {AudioContext} */ (this.ctx);
    const osc = ctx.createOscillator();
    osc.setPeriodicWave(this.wave(p));
    osc.frequency.value = p.f0Hz;
    const gain = ctx.createGain();
    const rise = p.riseMs / 1000;
    const peak = 0.25;
    gain.gain.setValueAtTime(0, startS);
    gain.gain.linearRampToValueAtTime(peak, startS + rise);
    gain.gain.setValueAtTime(peak, startS + durS - rise);
    gain.gain.linearRampToValueAtTime(0, startS + durS);
    osc.connect(gain).connect(ctx.destination);
    osc.start(startS);
    osc.stop(startS + durS + 0.01);
    this.scheduled.push({ osc, endS: startS + durS + 0.01 });
  }

  wave(p) {
    const key = p.harmonics.join(',');
    let w = this.waves.get(key);
    if (!w) {
      const ctx = /** @type {AudioContext} */ (this.ctx);
      const real = new Float32Array(p.harmonics.length + 1);
      const imag = new Float32Array(p.harmonics.length + 1);
      p.harmonics.forEach((a, i) => (imag[i + 1] = a));
      w = ctx.createPeriodicWave(real, imag, { disableNormalization: false });
      this.waves.set(key, w);
    }
    return w;
  }
}

function rank(t) {
  return t === 'high' ? 3 : t === 'medium' ? 2 : 1;
}
