import assert from 'node:assert/strict';
import { ADAPT_CLASSES, AdaptiveLabeller, BeatAdapter, beatProbs, beatShape } from '../../src/detect/adapt.ts';
import { BEAT_CLASSES } from '../../src/detect/classifier.ts';
import { defaultConfig, validateConfig } from '../../src/config/load.ts';
import type { Beat } from '../../src/ecg/index.ts';
import { MORPHOLOGY_POST_S, MORPHOLOGY_PRE_S } from '../../src/ecg/features.ts';
import { rrAfter } from '../../src/detect/features.ts';
import { mulberry32 } from '../support/prng.ts';

const FS = 360;
const PTS = 90;
const LEADS = ['MLII', 'V1'];
const SPAN = MORPHOLOGY_PRE_S + MORPHOLOGY_POST_S;

type Shape = (t: number, lead: number) => number;
/** Narrow upright QRS (both leads; V1 smaller and negative). */
const NORMAL: Shape = (t, lead) => (lead === 0 ? 1 : -0.4) * Math.exp(-((t / 0.012) ** 2));
/** Wide, late, inverted and biphasic: a ventricular-looking complex. */
const WIDE: Shape = (t, lead) => (lead === 0 ? -1.2 : 0.9) * (Math.exp(-(((t - 0.03) / 0.04) ** 2)) - 0.6 * Math.exp(-(((t - 0.1) / 0.04) ** 2)));

function morph(shape: Shape): Float32Array {
  const m = new Float32Array(LEADS.length * PTS);
  for (let l = 0; l < LEADS.length; l++) {
    for (let i = 0; i < PTS; i++) m[l * PTS + i] = shape((i / (PTS - 1)) * SPAN - MORPHOLOGY_PRE_S, l);
  }
  return m;
}

/** A stream of beats: each entry is (shape, RR before, probs); running RR as a slow mean like the engine's. */
class Stream {
  private sample = 0;
  private running = 0.8;
  readonly beats: Array<Beat & { probs: Float32Array }> = [];
  add(shape: Shape | Float32Array, rr: number, probs: readonly number[], n = 1): this {
    for (let i = 0; i < n; i++) {
      this.sample += Math.round(rr * FS);
      this.running += (rr - this.running) / 300;
      this.beats.push({
        sample: this.sample, lead: 0, rrPrevS: rr, rrNextS: null, rrLocalS: this.running, rrRunningS: this.running,
        qrsWidthS: 0.08, amplitudeMv: 1, quality: 1, morphology: shape instanceof Float32Array ? shape : morph(shape), label: 'N',
        probs: Float32Array.from(probs),
      });
    }
    return this;
  }
}

const P_N = [0.94, 0.03, 0.02, 0.005, 0.005];

function run(beats: readonly (Beat & { probs: Float32Array })[], params = {}): { labels: string[]; adapter: BeatAdapter } {
  const adapter = new BeatAdapter({ leadNames: LEADS, params });
  // the censored RR after each beat, as the live labeller hands it over (LabeledBeat.rrAfterS)
  return { labels: beats.map((b, i) => ADAPT_CLASSES[adapter.next(b, b.probs, rrAfter(beats, i))] as string), adapter };
}

describe('detect/adapt: patient-adaptive labelling', () => {
  it('uses the classifier\'s class order', () => {
    assert.deepEqual([...ADAPT_CLASSES], [...BEAT_CLASSES]);
  });

  it('keeps the dominant normal rhythm N in one cluster', () => {
    const s = new Stream().add(NORMAL, 0.8, P_N, 400);
    const { labels, adapter } = run(s.beats);
    assert.ok(labels.every((l) => l === 'N'));
    assert.equal(adapter.clusters, 1);
  });

  it('calls doubtful members of a premature wide cluster V once the cluster is known as V', () => {
    const doubtful = [0.55, 0.05, 0.38, 0.01, 0.01];
    const s = new Stream().add(NORMAL, 0.8, P_N, 200);
    // a few clear PVCs found the cluster, then PVCs the classifier alone would call N
    for (let i = 0; i < 5; i++) s.add(NORMAL, 0.8, P_N, 8).add(WIDE, 0.5, [0.1, 0.02, 0.86, 0.01, 0.01]).add(NORMAL, 1.1, P_N);
    const firstDoubtful = s.beats.length;
    for (let i = 0; i < 10; i++) s.add(NORMAL, 0.8, P_N, 8).add(WIDE, 0.5, doubtful).add(NORMAL, 1.1, P_N);
    const { labels, adapter } = run(s.beats);
    const wide = s.beats.map((b, i) => i).filter((i) => i >= firstDoubtful && s.beats[i]?.probs[2] === Math.fround(doubtful[2] as number));
    assert.equal(wide.length, 10);
    // premise: the classifier's own argmax is N for these beats
    assert.ok(wide.every((i) => BEAT_CLASSES[argmax(s.beats[i]?.probs as Float32Array)] === 'N'));
    assert.deepEqual(wide.map((i) => labels[i]), new Array<string>(10).fill('V'));
    // the normal beats, including those after the compensatory pause, stay N
    assert.ok(labels.every((l, i) => l === 'N' || s.beats[i]?.morphology[45] !== morph(NORMAL)[45]));
    assert.equal(adapter.clusters, 2);
    // without the cluster vote (and timing rules) the same beats stay N
    const plain = run(s.beats, { clusterWeight: 0, premS: 0, runS: 0, sGatePenalty: 0 }).labels;
    assert.ok(wide.every((i) => plain[i] === 'N'));
  });

  it('calls a premature beat of the dominant shape S, and the same beat on time N', () => {
    const doubtfulS = [0.6, 0.37, 0.01, 0.01, 0.01];
    const s = new Stream().add(NORMAL, 0.8, P_N, 300);
    s.add(NORMAL, 0.5, doubtfulS); // premature (0.62 of the median RR)
    const premIdx = s.beats.length - 1;
    s.add(NORMAL, 1.0, P_N).add(NORMAL, 0.8, P_N, 50);
    s.add(NORMAL, 0.8, [0.45, 0.52, 0.01, 0.01, 0.01]); // classifier says S, but on time
    const onTimeIdx = s.beats.length - 1;
    const { labels } = run(s.beats);
    assert.equal(labels[premIdx], 'S');
    assert.equal(labels[onTimeIdx], 'N');
    assert.equal(labels.filter((l) => l !== 'N').length, 1);
  });

  it('measures prematurity against the sinus cycle (an upper quantile of the RR), not the median, when APCs are frequent; the AF input keeps the median', () => {
    // Sinus at 0.7 s, then bursts of four APCs at 0.55 s after every two sinus beats (mitdb
    // 209): the APC intervals become the median, and against it the APCs are on time.
    const doubtfulS = [0.6, 0.37, 0.01, 0.01, 0.01];
    const s = new Stream().add(NORMAL, 0.7, P_N, 300);
    const apcs: number[] = [];
    for (let k = 0; k < 40; k++) {
      s.add(NORMAL, 0.7, P_N, 2);
      for (let j = 0; j < 4; j++) {
        s.add(NORMAL, 0.55, doubtfulS);
        apcs.push(s.beats.length - 1);
      }
    }
    const adapter = new BeatAdapter({ leadNames: LEADS });
    const labels: string[] = [];
    const rhythm: string[] = [];
    for (const b of s.beats) {
      labels.push(ADAPT_CLASSES[adapter.next(b, b.probs)] as string);
      rhythm.push(ADAPT_CLASSES[adapter.last.rhythmCls] as string);
    }
    const found = (l: string[]): number => apcs.filter((i) => l[i] === 'S').length;
    const median = found(run(s.beats, { premQuantile: 0.5 }).labels);
    // Measured: 160 of 160 against the sinus cycle, 88 of 160 against the median (both the
    // median-quantile label and the AF input).
    assert.ok(found(labels) >= 0.95 * apcs.length, `${found(labels)} of ${apcs.length} APCs S against the sinus cycle`);
    assert.ok(median <= 0.6 * apcs.length, `${median} of ${apcs.length} APCs S against the median`);
    assert.ok(found(rhythm) <= 0.6 * apcs.length, `${found(rhythm)} of ${apcs.length} APCs S in the AF input`);
    // the two judgements differ only in S: every other beat has the same class in both
    s.beats.forEach((_, i) => {
      if (labels[i] !== 'S' && rhythm[i] !== 'S') assert.equal(rhythm[i], labels[i]);
    });
  });

  it('does not call S an early beat of a fast sinus rhythm that no reset pause follows; an APC with its pause, or a pair of APCs, stays S', () => {
    // Sinus tachycardia at 0.5 s (120/min). The classifier is unsure (S 0.45) of three kinds of early beat:
    const doubtfulS = [0.53, 0.45, 0.01, 0.005, 0.005];
    // (1200 beats: the running RR, like the engine's ~5-min mean, has settled at the fast rate)
    const s = new Stream().add(NORMAL, 0.5, P_N, 1200);
    const fluctuation: number[] = [];
    const apc: number[] = [];
    const pair: number[] = [];
    for (let k = 0; k < 20; k++) {
      // a sinus fluctuation: early, and the next beat just as early (no pause)
      s.add(NORMAL, 0.5, P_N, 12).add(NORMAL, 0.44, doubtfulS);
      fluctuation.push(s.beats.length - 1);
      s.add(NORMAL, 0.44, P_N);
      // an APC: early, then the reset pause (longer than the labelling latency lets us see)
      s.add(NORMAL, 0.5, P_N, 12).add(NORMAL, 0.38, doubtfulS);
      apc.push(s.beats.length - 1);
      s.add(NORMAL, 0.56, P_N);
      // two APCs in a row: the first one's next interval is early too
      s.add(NORMAL, 0.5, P_N, 12).add(NORMAL, 0.38, doubtfulS);
      pair.push(s.beats.length - 1);
      s.add(NORMAL, 0.38, doubtfulS).add(NORMAL, 0.56, P_N);
    }
    const sCount = (labels: string[], at: number[]): number => at.filter((i) => labels[i] === 'S').length;
    const on = run(s.beats).labels;
    const off = run(s.beats, { noPauseRatio: 0 }).labels;
    // Measured: fluctuations S 0 of 20 (20 of 20 without the rule); APCs and first APCs of pairs 20 of 20 either way.
    assert.ok(sCount(off, fluctuation) >= 15, `without the rule ${sCount(off, fluctuation)} of 20 fluctuations are S (the scenario must tempt it)`);
    assert.equal(sCount(on, fluctuation), 0);
    assert.equal(sCount(on, apc), sCount(off, apc));
    assert.ok(sCount(on, apc) >= 18, `${sCount(on, apc)} of 20 APCs S`);
    assert.ok(sCount(on, pair) >= 18, `${sCount(on, pair)} of 20 paired APCs S`);
  });

  it('calls a premature beat of the dominant shape that the classifier calls V an S (vToS), not N', () => {
    // The other patients' model reacts to the prematurity with V; the shape is the patient's own.
    const saysV = [0.1, 0.0, 0.9, 0.0, 0.0];
    const s = new Stream().add(NORMAL, 0.8, P_N, 300);
    s.add(NORMAL, 0.5, saysV);
    const premIdx = s.beats.length - 1;
    s.add(NORMAL, 1.0, P_N).add(NORMAL, 0.8, P_N, 20);
    assert.equal(run(s.beats).labels[premIdx], 'S');
    assert.equal(run(s.beats, { vToS: 0 }).labels[premIdx], 'N');
  });

  it('keeps at most maxClusters clusters when every beat has a new shape', () => {
    const rnd = mulberry32(7);
    const s = new Stream();
    for (let i = 0; i < 600; i++) {
      const c1 = (rnd() - 0.5) * 0.3;
      const c2 = (rnd() - 0.5) * 0.3;
      const w = 0.01 + rnd() * 0.05;
      const a = rnd() < 0.5 ? -1 : 1;
      s.add((t, lead) => a * (lead === 0 ? 1 : -0.7) * (Math.exp(-(((t - c1) / w) ** 2)) - Math.exp(-(((t - c2) / w) ** 2))), 0.6 + rnd() * 0.6, P_N);
    }
    const adapter = new BeatAdapter({ leadNames: LEADS, params: { maxClusters: 8 } });
    let most = 0;
    for (const b of s.beats) {
      const c = adapter.next(b, b.probs);
      assert.ok(c >= 0 && c < ADAPT_CLASSES.length);
      assert.ok(adapter.last.cluster >= 0 && adapter.last.cluster < 8);
      most = Math.max(most, adapter.clusters);
    }
    assert.equal(most, 8);
  });

  it('is causal: later beats never change earlier labels', () => {
    const rnd = mulberry32(11);
    const s = new Stream();
    for (let i = 0; i < 500; i++) {
      const r = rnd();
      if (r < 0.1) s.add(WIDE, 0.5, [0.3 + rnd() * 0.25, 0.02, 0.45 + rnd() * 0.2, 0.02, 0.02]);
      else if (r < 0.15) s.add(NORMAL, 0.55, [0.5, 0.45, 0.02, 0.02, 0.01]);
      else s.add(NORMAL, 0.75 + rnd() * 0.1, P_N);
    }
    const full = run(s.beats).labels;
    const prefix = run(s.beats.slice(0, 250)).labels;
    assert.deepEqual(full.slice(0, 250), prefix);
    assert.ok(full.includes('V') && full.includes('S'), full.filter((l) => l !== 'N').join(''));
  });

  it('AdaptiveLabeller relabels what the inner labeller releases, in chunks as one stream', async () => {
    const rnd = mulberry32(3);
    const s = new Stream();
    for (let i = 0; i < 300; i++) s.add(rnd() < 0.1 ? WIDE : NORMAL, rnd() < 0.1 ? 0.5 : 0.8, rnd() < 0.1 ? [0.5, 0.1, 0.38, 0.01, 0.01] : P_N);
    const expected = run(s.beats).labels;
    // an inner labeller that releases beats one push late (as BeatLabeler waits for the next beat)
    let held: Beat[] = [];
    const inner = {
      push: async (bs: readonly Beat[]): Promise<Beat[]> => {
        const out = held;
        held = bs.map((b) => ({ ...b }));
        return out;
      },
      flush: async (): Promise<Beat[]> => {
        const out = held;
        held = [];
        return out;
      },
    };
    const lab = new AdaptiveLabeller(inner, { leadNames: LEADS });
    const got: Beat[] = [];
    for (let i = 0; i < s.beats.length; i += 7) got.push(...(await lab.push(s.beats.slice(i, i + 7), 0)));
    got.push(...(await lab.flush()));
    assert.deepEqual(got.map((b) => b.label), expected);
  });

  it('AdaptiveLabeller tells the rhythm monitor which beats have the shape of the patient\'s PVCs', async () => {
    const pv = [0.08, 0.02, 0.86, 0.02, 0.02];
    // the last wide beat: the classifier leans N, its cluster is mostly V
    const s = new Stream().add(NORMAL, 0.8, P_N, 300).add(WIDE, 0.5, pv, 1).add(NORMAL, 0.8, P_N, 3).add(WIDE, 0.5, pv, 1).add(NORMAL, 0.8, P_N, 3).add(WIDE, 0.5, [0.6, 0.02, 0.36, 0.01, 0.01], 1);
    const lab = new AdaptiveLabeller({ push: async (bs) => [...bs], flush: async () => [] }, { leadNames: LEADS });
    const out = await lab.push(s.beats, 0);
    const last = beatShape(out[out.length - 1] as Beat);
    assert.deepEqual(last, { dominant: false, ventricularFamily: true, pacedFamily: false, rhythmLabel: 'V' });
    assert.deepEqual(beatShape(out[299] as Beat), { dominant: true, ventricularFamily: false, pacedFamily: false, rhythmLabel: 'N' });
    // the first wide beat founded its cluster: not "the same shape as earlier PVCs"
    assert.equal(beatShape(out[300] as Beat)?.ventricularFamily, false);
    assert.equal(beatShape({ ...(out[0] as Beat), shape: undefined } as Beat), null);
  });

  it('AdaptiveLabeller leaves beats without probabilities alone', async () => {
    const b = new Stream().add(WIDE, 0.5, P_N).beats[0] as Beat & { probs?: Float32Array };
    delete b.probs;
    b.label = 'Q';
    assert.equal(beatProbs(b), null);
    const lab = new AdaptiveLabeller({ push: async (bs) => [...bs], flush: async () => [] }, { leadNames: LEADS });
    const out = await lab.push([b], 0);
    assert.equal(out[0]?.label, 'Q');
  });

  it('is on by default in the configuration (analysis.adapt) and can be switched off', () => {
    assert.equal(defaultConfig().analysis.adapt, true);
    assert.equal(validateConfig({ analysis: { adapt: false } }).analysis.adapt, false);
  });
});

function argmax(p: Float32Array): number {
  let b = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[b] as number)) b = i;
  return b;
}
