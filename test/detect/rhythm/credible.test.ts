/**
 * QrsCredibility: which detections may end a silence (asystole, pause) or count in a rhythm.
 * Hand-made beats: 2 leads x 90 morphology points, a narrow QRS ("A"), a wide biphasic escape
 * form ("B"), and seeded random noise at a tenth of the QRS amplitude.
 */
import assert from 'node:assert/strict';
import { CREDIBLE, QrsCredibility } from '../../../src/detect/rhythm/credible.ts';
import { RhythmMonitor, type RhythmEvent } from '../../../src/detect/rhythm/index.ts';
import { MORPHOLOGY_POST_S, MORPHOLOGY_PRE_S } from '../../../src/ecg/features.ts';
import type { Beat } from '../../../src/ecg/types.ts';

const FS = 250;
const PTS = 90;
const R = Math.round((MORPHOLOGY_PRE_S / (MORPHOLOGY_PRE_S + MORPHOLOGY_POST_S)) * (PTS - 1));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

type Form = 'A' | 'B' | 'noise';

function morph(form: Form, ampLead0: number, ampLead1: number, rand: () => number): Float32Array {
  const m = new Float32Array(2 * PTS);
  for (let l = 0; l < 2; l++) {
    const amp = l === 0 ? ampLead0 : ampLead1;
    for (let i = 0; i < PTS; i++) {
      const d = i - R;
      let v: number;
      if (form === 'A') v = Math.exp(-(d * d) / 4) - 0.2 * Math.exp(-((d - 4) * (d - 4)) / 4);
      else if (form === 'B') v = (d / 6) * Math.exp(-(d * d) / 40) * 2.2;
      else v = rand() * 2;
      m[l * PTS + i] = amp * v * (l === 1 && form !== 'noise' ? -1 : 1);
    }
  }
  return m;
}

function beat(sample: number, form: Form, quality: number, rand: () => number, amp0 = 1, amp1 = 0.6): Beat {
  const morphology = morph(form, amp0, amp1, rand);
  return { sample, lead: 0, rrPrevS: null, rrNextS: null, rrLocalS: 0.8, rrRunningS: 0.8, qrsWidthS: 0.08, amplitudeMv: amp0, quality, morphology, label: 'N' };
}

/** 20 normal beats every 0.8 s; returns the sample of the last one. */
function warm(c: QrsCredibility, rand: () => number): number {
  let t = FS;
  for (let i = 0; i < 20; i++, t += 0.8 * FS) assert.equal(c.judge(beat(t, 'A', 1, rand)), true);
  return t - 0.8 * FS;
}

/** A monitor fed one beat at a time: each beat's RR from the previous one fed, events collected. */
function monitorFeed() {
  const mon = new RhythmMonitor({ sampleRate: FS });
  const events: RhythmEvent[] = [];
  let prev = -1;
  const push = (b: Beat): void => {
    b.rrPrevS = prev < 0 ? null : (b.sample - prev) / FS;
    prev = b.sample;
    mon.onBeats([b]);
    mon.advance(b.sample + FS / 2);
    events.push(...mon.drain());
  };
  return { mon, events, push, last: (): number => prev };
}

describe('QRS credibility (asystole in noise)', () => {
  it('noise detections in a silence are not credible, at any quality', () => {
    const rand = rng(1);
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    for (let i = 0; i < 8; i++) {
      t += 1.1 * FS;
      assert.equal(c.judge(beat(t + 2 * FS, 'noise', i % 2 ? 1 : 0.3, rand, 0.1, 0.1)), false, `noise detection ${i}`);
    }
    assert.equal(c.rejected, 8);
  });

  it('the rhythm coming back after a pause is credible at once (matches the template)', () => {
    const rand = rng(2);
    const c = new QrsCredibility(FS, PTS);
    const t = warm(c, rand);
    assert.equal(c.judge(beat(t + 3.5 * FS, 'A', 0.4, rand, 0.9, 0.5)), true);
  });

  it('a new escape form is confirmed by its second beat, even with a spurious detection between', () => {
    const rand = rng(3);
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8)), false, 'first escape beat: unconfirmed');
    assert.equal(c.judge(beat(t + 0.9 * FS, 'noise', 0.3, rand, 0.1, 0.1)), false);
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8)), true, 'second escape beat matches the first');
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8)), true, 'and the rhythm goes on');
  });

  it('a new form is confirmed by its second beat in a later silence too (the silence detections are remembered afresh after each credible beat)', () => {
    // mitdb 208 with 0.1 mV muscle noise: a PVC seen on one lead was judged against a stale
    // detection of an earlier silence, and the asystole clock ran on.
    const rand = rng(7);
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'noise', 0.6, rand, 0.8, 0.8)), false, 'a detection of noise in a first silence');
    t += 0.8 * FS;
    assert.equal(c.judge(beat(t, 'A', 1, rand)), true, 'the rhythm returns');
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8)), false, 'second silence: a new form, unconfirmed');
    t += 2.4 * FS;
    assert.equal(c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8)), true, 'its second beat matches the first');
  });

  it('in a silence, a complex that one lead shows at its usual size with a known shape is credible even when the other lead has collapsed; noise of that size is not', () => {
    // mitdb 208 with 0.1 mV muscle noise: MLII's QRS falls ~10x for 5 s while V1 still shows the beats.
    const rand = rng(8);
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    const oneLead = (form: Form): Beat => {
      const b = beat(t, 'A', 0.5, rand, 1, 0.6);
      // lead 0 collapsed to noise of a tenth of its QRS, lead 1 carries `form` at its usual size
      b.morphology.set(morph('noise', 0.1, 0.1, rand).subarray(0, PTS), 0);
      b.morphology.set(morph(form, 0.1, 0.6, rand).subarray(PTS), PTS);
      return b;
    };
    t += 2.4 * FS;
    assert.equal(c.judge(oneLead('noise')), false, 'noise of QRS size on the lead that is left');
    t += 1.2 * FS;
    assert.equal(c.judge(oneLead('A')), true, 'the patient\'s QRS on that lead');
  });

  it('outside a silence: small and weak is rejected, small but clear or weak but tall is kept', () => {
    const rand = rng(4);
    const c = new QrsCredibility(FS, PTS);
    const t = warm(c, rand);
    const small = CREDIBLE.smallAmp / 2;
    assert.equal(c.judge(beat(t + 0.8 * FS, 'A', 0.2, rand, small, small * 0.6)), false);
    assert.equal(c.judge(beat(t + 1.0 * FS, 'A', 0.9, rand, small, small * 0.6)), true);
    assert.equal(c.judge(beat(t + 1.8 * FS, 'A', 0.2, rand, 1, 0.6)), true);
  });

  it('outside a silence: a doubtful detection (quality < 0.3, smaller than usual) must repeat a known shape; a tall one need not', () => {
    const rand = rng(8);
    const c = new QrsCredibility(FS, PTS);
    const t = warm(c, rand);
    assert.equal(c.judge(beat(t + 0.5 * FS, 'noise', 0.2, rand, 0.3, 0.2)), false, 'doubtful noise');
    assert.equal(c.judge(beat(t + 0.8 * FS, 'A', 0.2, rand, 0.6, 0.4)), true, 'doubtful but the known QRS');
    assert.equal(c.judge(beat(t + 1.6 * FS, 'noise', 0.2, rand, 1.5, 1)), true, 'noisy but tall: a beat with noise on it');
  });

  it('judged lead by lead: a lead lost (fiducial on the smaller lead) is not noise', () => {
    const rand = rng(5);
    const c = new QrsCredibility(FS, PTS);
    const t = warm(c, rand);
    // Lead 0 collapses to 5 %; lead 1 keeps its usual amplitude: weak, but credible.
    assert.equal(c.judge(beat(t + 0.8 * FS, 'A', 0.3, rand, 0.05, 0.6)), true);
  });

  it('after reset() (gap, lead-off, noise) the first beat starts afresh', () => {
    const rand = rng(6);
    const c = new QrsCredibility(FS, PTS);
    const t = warm(c, rand);
    c.reset();
    assert.equal(c.judge(beat(t + 6 * FS, 'B', 0.9, rand)), true);
  });

  it('after reset() the rhythm and the shapes are learnt from the beats since, not from stale slots', () => {
    const rand = rng(9);
    // the detections' shapes: a new form repeated right after the reset is consistent
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    c.reset();
    t += 6 * FS;
    c.judge(beat(t, 'B', 0.9, rand, 0.8, 0.8));
    c.judge(beat(t + 1.2 * FS, 'B', 0.9, rand, 0.8, 0.8));
    assert.ok(c.lastConsistency > 0.9, `consistency ${c.lastConsistency}`);
    // the recent RR: a slow rhythm (2 s) after the reset sets the silence threshold (3 s), so a
    // new form 2 s after the last beat is not judged as in a silence
    const d = new QrsCredibility(FS, PTS);
    t = warm(d, rand);
    d.reset();
    t += 6 * FS;
    for (let i = 0; i < 4; i++, t += 2 * FS) assert.equal(d.judge(beat(t, 'A', 1, rand)), true);
    assert.equal(d.judge(beat(t, 'B', 0.9, rand, 1, 0.6)), true, 'a new form on time is credible');
  });

  it('in the monitor: asystole with noise detections every ~1 s is alarmed and lasts until the rhythm returns', () => {
    const rand = rng(7);
    const mon = new RhythmMonitor({ sampleRate: FS });
    const events: RhythmEvent[] = [];
    let t = FS;
    let prev = -1;
    const push = (b: Beat): void => {
      b.rrPrevS = prev < 0 ? null : (b.sample - prev) / FS;
      mon.onBeats([b]);
      mon.advance(b.sample + FS / 2);
      events.push(...mon.drain());
      prev = b.sample;
    };
    for (let i = 0; i < 20; i++, t += 0.8 * FS) push(beat(t, 'A', 1, rand));
    const lastBeat = t - 0.8 * FS;
    // 12 s of "asystole": noise detected every 0.9-1.3 s.
    for (let s = lastBeat + 1.2 * FS; s < lastBeat + 12 * FS; s += Math.round((1.1 + rand() * 0.4) * FS)) {
      mon.advance(s);
      events.push(...mon.drain());
      push(beat(s, 'noise', 0.6, rand, 0.1, 0.1));
    }
    const back = lastBeat + 13 * FS;
    mon.advance(back);
    push(beat(back, 'A', 1, rand));
    events.push(...mon.finish(back + 2 * FS));
    const onsets = events.filter((e) => e.condition === 'asystole' && e.phase === 'onset');
    const offsets = events.filter((e) => e.condition === 'asystole' && e.phase === 'offset');
    assert.equal(onsets.length, 1, JSON.stringify(events.map((e) => `${e.condition} ${e.phase} ${e.sample / FS}`)));
    assert.equal(onsets[0]?.sample, lastBeat);
    assert.ok((onsets[0]?.detectedAtSample ?? 0) <= lastBeat + (4 + 1.5) * FS, 'decided within 4 s + latency');
    assert.equal(offsets[0]?.sample, back, 'ends at the returning beat, not at a noise detection');
    // Most detections rejected: the ECG is noisy, and the nurse is told so too (without
    // stopping the asystole clock); the condition ends once the detections are credible again.
    const noise = events.filter((e) => e.condition === 'noise');
    assert.equal(noise[0]?.phase, 'onset', JSON.stringify(noise));
    assert.ok((noise[0]?.sample ?? 0) > lastBeat && (noise[0]?.sample ?? 0) < back);
  });

  it('in the monitor: a non-credible detection between two ventricular triplets breaks the run (no VTach from noise)', () => {
    const rand = rng(9);
    const mon = new RhythmMonitor({ sampleRate: FS });
    const events: RhythmEvent[] = [];
    let prev = -1;
    const push = (b: Beat, label: string): void => {
      b.label = label;
      b.rrPrevS = prev < 0 ? null : (b.sample - prev) / FS;
      mon.onBeats([b]);
      mon.advance(b.sample + FS / 2);
      events.push(...mon.drain());
      prev = b.sample;
    };
    let t = FS;
    for (let i = 0; i < 20; i++, t += 0.8 * FS) push(beat(t, 'A', 1, rand), 'N');
    // the first V of each triplet comes after a normal-length interval; the rest at 150 bpm
    for (let i = 0; i < 3; i++, t += 0.4 * FS) push(beat(t, 'B', 1, rand), 'V');
    push(beat(t, 'noise', 0.2, rand, 0.3, 0.2), 'N');
    t += 0.4 * FS;
    for (let i = 0; i < 3; i++, t += 0.4 * FS) push(beat(t, 'B', 1, rand), 'V');
    for (let i = 0; i < 5; i++, t += 0.8 * FS) push(beat(t, 'A', 1, rand), 'N');
    events.push(...mon.finish(t));
    const seen = new Set(events.filter((e) => e.phase === 'onset').map((e) => e.condition));
    assert.ok(!seen.has('vtach'), [...seen].join(','));
    assert.ok(seen.has('vrun'), 'each triplet is a run of PVCs');
  });
  it('single-lead evidence: a complex that repeats the patient\'s shape on one lead defers asystole; noise on one lead does not', () => {
    // The beats stop on the monitor's leads but lead 1 still shows the usual complex (a QRS that
    // collapsed on lead 0, mitdb 208 at 23:03): asystole must not be declared. Evidence that
    // does not repeat a known shape on its lead (noise) leaves the asystole alarm as it was.
    const run = (evidence: Form): RhythmEvent[] => {
      const rand = rng(11);
      const { mon, events, push, last } = monitorFeed();
      for (let i = 0, t = FS; i < 20; i++, t += 0.8 * FS) push(beat(t, 'A', 1, rand));
      const prev = last();
      // 6 s without a beat; evidence on lead 1 every 2 s.
      for (let k = 1; k <= 60; k++) {
        const now = prev + Math.round(k * 0.1 * FS);
        if (k % 20 === 0) mon.onBeatEvidence(now - Math.round(0.45 * FS), 1, morph(evidence, 0.05, 0.6, rand));
        mon.advance(now);
        events.push(...mon.drain());
      }
      return events;
    };
    assert.ok(!run('A').some((e) => e.condition === 'asystole'), 'evidence of the patient\'s QRS on lead 1');
    assert.ok(run('noise').some((e) => e.condition === 'asystole' && e.phase === 'onset'), 'noise evidence does not hide the asystole');
  });

  it('shape consistency: a repeated form (or two alternating ones) scores high, noise of QRS size low', () => {
    const rand = rng(21);
    const c = new QrsCredibility(FS, PTS);
    let t = warm(c, rand);
    assert.ok(c.lastConsistency > 0.95, `normal beat ${c.lastConsistency}`);
    for (let i = 0; i < 8; i++) {
      t += 0.6 * FS;
      c.judge(beat(t, i % 2 ? 'B' : 'A', 1, rand));
      if (i >= 2) assert.ok(c.lastConsistency > 0.95, `bigeminy beat ${i}: ${c.lastConsistency}`);
    }
    let low = 0;
    for (let i = 0; i < 8; i++) {
      t += 0.7 * FS;
      c.judge(beat(t, 'noise', 0.6, rand, 1, 0.6));
      if (c.lastConsistency < 0.5) low++;
    }
    assert.ok(low >= 7, `noise detections below 0.5: ${low} of 8`);
  });

  it('in the monitor: detections of QRS size and middling quality that repeat no shape raise "ECG noisy" (an asystole under heavy muscle noise); a bigeminy does not', () => {
    const run = (noisy: boolean): RhythmEvent[] => {
      const rand = rng(23);
      const { mon, events, push } = monitorFeed();
      let t = FS;
      for (let i = 0; i < 20; i++, t += 0.8 * FS) push(beat(t, 'A', 1, rand));
      for (let i = 0; i < 16; i++, t += Math.round((0.4 + 0.5 * (rand() + 0.5)) * FS)) push(noisy ? beat(t, 'noise', 0.5, rand, 1, 0.6) : beat(t, i % 2 ? 'B' : 'A', 1, rand));
      events.push(...mon.finish(t));
      return events;
    };
    const noise = run(true).filter((e) => e.condition === 'noise' && e.phase === 'onset');
    assert.equal(noise.length, 1);
    assert.equal(noise[0]!.detail?.reason, 'QRS shapes inconsistent');
    assert.ok(!run(false).some((e) => e.condition === 'noise'), 'two forms that repeat are not noise');
  });
});

