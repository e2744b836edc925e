/**
 * The alarm tones as sound, not as numbers: the view's own AlarmAudio renders one burst of
 * each priority into an OfflineAudioContext in headless Chromium, and the samples are
 * measured here against IEC 60601-1-8 (DOMAIN.md): pulse count, pulse duration and spacing,
 * and a fundamental in 150-1000 Hz with at least 4 harmonics within 15 dB of it.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { HubHttpServer } from '../../src/api/http-server.ts';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { notRun } from '../helpers/data.ts';
import { browserUnavailable, launchBrowser, openView } from '../support/bedside-browser.ts';
import { LiveDouble } from '../support/live-double.ts';

const RATE = 48_000;
const why = browserUnavailable();

interface Rendered {
  samples: number[];
  f0Hz: number;
}

/** On/off segments of the envelope (5-ms windows, threshold at 10 % of the peak), in ms. */
function pulses(x: readonly number[]): Array<{ startMs: number; durMs: number }> {
  const win = RATE / 200;
  const env: number[] = [];
  for (let i = 0; i + win <= x.length; i += win) {
    let m = 0;
    for (let j = i; j < i + win; j++) m = Math.max(m, Math.abs(x[j] as number));
    env.push(m);
  }
  const peak = Math.max(...env);
  const out: Array<{ startMs: number; durMs: number }> = [];
  let on = -1;
  env.forEach((e, k) => {
    if (e > 0.1 * peak && on < 0) on = k;
    if (e <= 0.1 * peak && on >= 0) {
      out.push({ startMs: on * 5, durMs: (k - on) * 5 });
      on = -1;
    }
  });
  return out;
}

/** Goertzel power of frequency f over x. */
function power(x: readonly number[], f: number): number {
  const w = (2 * Math.PI * f) / RATE;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

if (why) {
  notRun('alarm tones rendered in headless Chromium', why);
} else {
  describe('alarm tones rendered by the view in Chromium (IEC 60601-1-8 bursts)', function () {
    this.timeout(60_000);
    let browser: Browser;
    let server: HubHttpServer;
    let url = '';
    before(async () => {
      browser = await launchBrowser();
      server = new HubHttpServer({ status: { status: async () => ({}) }, live: new LiveDouble({ clock: new SystemClock() }), bedside: { pin: null, pxPerMm: null, maxPinFailures: 5, lockoutMs: 30_000 }, clock: new SystemClock(), log: silentLogger });
      url = await server.listen('127.0.0.1', 0);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const render = async (priority: string): Promise<Rendered> => {
      const page = await openView(browser, url);
      const out = (await page.evaluate(`(async () => {
        const { AlarmAudio } = await import('/static/audio.js');
        const { burstPattern } = await import('/static/patterns.js');
        const a = new AlarmAudio();
        a.ctx = new OfflineAudioContext(1, ${RATE} * 4, ${RATE});
        const p = burstPattern(${JSON.stringify(priority)});
        for (const q of p.pulses) a.pulse(0.1 + q.startMs / 1000, q.durMs / 1000, p);
        const buf = await a.ctx.startRendering();
        return { samples: Array.from(buf.getChannelData(0)), f0Hz: p.f0Hz };
      })()`)) as Rendered;
      await page.close();
      return out;
    };

    for (const [priority, count, td, ts] of [['high', 10, [75, 200], [50, 125]], ['medium', 3, [125, 250], [125, 250]], ['low', 2, [125, 250], [125, 250]]] as const) {
      it(`${priority}: ${count} pulses of ${td[0]}-${td[1]} ms, spacing within the standard, >= 4 harmonics within 15 dB`, async () => {
        const r = await render(priority);
        const ps = pulses(r.samples);
        assert.equal(ps.length, count, `pulses found: ${JSON.stringify(ps)}`);
        // Envelope resolution is 5 ms; the 10 % threshold trims a little of each ramp.
        for (const p of ps) assert.ok(p.durMs >= td[0] - 10 && p.durMs <= td[1] + 10, `pulse ${p.durMs} ms`);
        const gaps = ps.slice(1).map((p, i) => p.startMs - ((ps[i] as { startMs: number }).startMs + (ps[i] as { durMs: number }).durMs));
        const short = priority === 'high' ? [gaps[0], gaps[1], gaps[3], gaps[5], gaps[6], gaps[8]] : gaps;
        for (const g of short) assert.ok(g !== undefined && g >= ts[0] - 10 && g <= ts[1] + 10, `spacing ${g} ms`);
        if (priority === 'high') {
          const half = gaps[4] as number;
          assert.ok(half >= 350 && half <= 1300, `3+2 | 3+2: ${half} ms between the 5th and 6th pulse`);
        }
        // Spectrum of the middle of the first pulse.
        const first = ps[0] as { startMs: number; durMs: number };
        const from = Math.round(((first.startMs + 30) / 1000) * RATE);
        const seg = r.samples.slice(from, from + Math.round(0.05 * RATE));
        assert.ok(r.f0Hz >= 150 && r.f0Hz <= 1000);
        const p1 = power(seg, r.f0Hz);
        const within = [2, 3, 4, 5].filter((k) => 10 * Math.log10(power(seg, k * r.f0Hz) / p1) >= -15);
        assert.ok(within.length >= 4, `harmonics within 15 dB of the fundamental: ${within.join(', ')}`);
        assert.ok(p1 > 100 * power(seg, 1.5 * r.f0Hz), 'energy sits at the harmonics');
      });
    }
  });
}
