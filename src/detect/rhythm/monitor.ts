/**
 * RhythmMonitor: every rhythm and technical ECG condition of the condition table, streamed.
 *
 * Feed it, in stream order, what the EcgEngine (and the beat classifier) produce:
 *   onSamples(primary lead block)   -> VF/VFL from the wave itself, quick "signal absent" check
 *   onBeats(labelled beats)         -> VT/runs/couplets/bigeminy/trigeminy/PVCs, AF, HR, pause end
 *   onWindows(window reports)       -> lead-off and noise (technical), analysis interruptions
 *   advance(sample)                 -> asystole / pause / end of runs when no beat comes
 * and drain() the onset/offset events. finish(end) closes whatever is open.
 *
 * Precedence between detectors (what a monitor does so one event does not raise a cascade):
 * - VF active: the beats the engine finds in a fibrillatory wave are not a rhythm, so AF,
 *   ventricular ectopy and HR conditions are closed and not judged; asystole is withheld while
 *   the wave looks fibrillatory.
 * - Every lead off / unanalyzable: no asystole (absence of signal is not absence of QRS), RR
 *   history forgotten (AF, runs), noise does not double-report a lead-off. One lead off of
 *   several is a technical alarm only: the engine detects on the others (their weight takes
 *   over) and every rhythm condition is judged from them.
 *
 * All state is bounded (rings of fixed size); sample indices are absolute stream indices
 * counted from the first onSamples/advance call at 0.
 */
import type { Beat, WindowReport } from '../../ecg/types.ts';
import { AfDetector, type AfFeatures } from './af.ts';
import { resolveRhythmConfig, type RhythmConfig } from './config.ts';
import { ConditionTracker, type RhythmEvent } from './events.ts';
import { BeatTimingDetector } from './rate.ts';
import { VentricularDetector } from './ventricular.ts';
import { ConductedReference } from './morphology.ts';
import { beatShape } from '../adapt.ts';
import { QrsCredibility } from './credible.ts';

/** Noise from the detections themselves: this many of the last NOISY_OF not credible. */
const NOISY_REJECTED = 5;
const NOISY_OF = 8;
/**
 * Noise from the engine's own beat quality (detection strength x lead agreement x signal
 * quality): this many of the last NOISY_OF beats below LOW_QUALITY. On the 24 mitdb records
 * outside VF that happens in 104, 108 and 208 only (5 noise onsets in all, `npm run
 * eval:noise`); on nstdb 118e00 (0 dB electrode motion) over most of its noisy blocks.
 */
const LOW_QUALITY = 0.2;
const LOW_QUALITY_OF_8 = 5;
/** ... and it ends after this many beats in a row at LOW_QUALITY or better (not on a short lull in the noise). */
const CLEAN_BEATS = 16;
/**
 * Noise from the detections' shapes (credible.ts CONSISTENCY_RING): this many of the last
 * NOISY_OF detections repeat no recent shape (consistency below INCONSISTENT). Ends when at
 * most one of the last NOISY_OF does not.
 */
const INCONSISTENT = 0.5;
const INCONSISTENT_OF_8 = 6;
import { VF_TUNING, VfDetector, type VfFeatures } from './vf.ts';

/** Yes/no verdicts on the last NOISY_OF beats (fixed ring, nothing allocated per beat), for one noise source. */
class NoiseVote {
  private readonly ring = new Uint8Array(NOISY_OF);
  private idx = 0;
  /** Yes verdicts among the last NOISY_OF. */
  count = 0;
  /** No verdicts in a row, up to now. */
  noRun = 0;
  /** This source holds the noise condition. */
  active = false;

  clear(): void {
    this.ring.fill(0);
    this.count = 0;
    this.noRun = 0;
    this.active = false;
  }

  push(yes: boolean): void {
    const v = yes ? 1 : 0;
    this.count += v - (this.ring[this.idx] as number);
    this.ring[this.idx] = v;
    this.idx = (this.idx + 1) % NOISY_OF;
    this.noRun = yes ? 0 : this.noRun + 1;
  }
}

export interface RhythmMonitorOptions {
  sampleRate: number;
  config?: Partial<RhythmConfig>;
  /** Morphology points per lead in Beat.morphology (EcgEngine default 90). */
  morphologyPoints?: number;
}

/**
 * No detection at all for this long: the beat-based noise votes (detections not credible, low
 * quality, inconsistent shapes) have nothing left to judge and let go of the noise condition.
 */
const VOTES_EXPIRE_S = 5;
/**
 * Raw samples at the ADC rail (24-bit, as the engine's front end assumes: an open input drives
 * the amplifier to full scale) for this long: the signal lead is off. The window reports say so
 * too, but only at a window's end, up to 5 s later; until then the no-QRS decision waits.
 */
const RAIL_S = 0.5;
const RAIL_HI = 8_388_607;
const RAIL_LO = -8_388_608;

export class RhythmMonitor {
  readonly fs: number;
  readonly config: RhythmConfig;
  private readonly t: ConditionTracker;
  private readonly vf: VfDetector;
  private readonly af: AfDetector;
  private readonly vent: VentricularDetector;
  private readonly conducted: ConductedReference;
  private readonly timing: BeatTimingDetector;
  private readonly latency: number;
  private now = 0;
  private railRun = 0;
  private signalRailed = false;
  /** VF windows ending before this sample hold the previous signal lead's samples (or none). */
  private vfValidFrom = 0;
  private technicalUntil = -1;
  /** Every lead flagged off in the latest window report (one lead off of several: see the header). */
  private allLeadsOff = false;
  /** Latest detection (credible or not) and latest credible beat (-1: none since the start or an interruption). */
  private lastDetection = -1;
  private lastCredible = -1;
  private prevRejected = false;
  private vfQuiet = 0;
  private vfStreak = -1;
  private vfLastFib = -1;
  private vfStrict = 0;
  private vfOrganised = 0;
  private readonly credibility: QrsCredibility;
  /** Beat-based sources of the noise condition: detections not credible, low quality, inconsistent shapes. */
  private readonly rejectedVote = new NoiseVote();
  private readonly lowQualityVote = new NoiseVote();
  private readonly shapeVote = new NoiseVote();
  private readonly votes: readonly NoiseVote[] = [this.rejectedVote, this.lowQualityVote, this.shapeVote];
  /** Latest single-lead QRS evidence judged (onBeatEvidence). */
  private evidenceSeen = -1;
  private windowNoise = false;

  constructor(opts: RhythmMonitorOptions) {
    this.fs = opts.sampleRate;
    this.config = resolveRhythmConfig(opts.config);
    this.t = new ConditionTracker(this.config.disabled);
    this.vf = new VfDetector(this.fs);
    this.af = new AfDetector(this.config.afWindowBeats);
    this.vent = new VentricularDetector(this.fs, this.config, this.t);
    this.conducted = new ConductedReference(opts.morphologyPoints ?? 90);
    this.timing = new BeatTimingDetector(this.fs, this.config, this.t);
    this.latency = Math.round(this.config.beatLatencyS * this.fs);
    this.credibility = new QrsCredibility(this.fs, opts.morphologyPoints ?? 90);
  }

  /** Tuning hooks (scripts): per-window VF features. */
  set onVfFeatures(f: ((x: VfFeatures) => void) | null) {
    this.vf.onFeatures = f;
  }

  /** Tuning hooks (scripts): per-beat AF features. */
  set onAfFeatures(f: ((x: AfFeatures) => void) | null) {
    this.af.onFeatures = f;
  }

  /** Current monitor HR (bpm) from the beats seen, null when unknown. */
  get heartRate(): number | null {
    return this.timing.hr;
  }

  /**
   * n samples of the signal lead (the primary lead, or another one while it is off: see
   * signalLeadChanged) starting at the monitor's next stream sample, raw ADC units (Int32Array
   * from the driver) or mV (gain 1, baseline 0). A signal at the ADC rail withholds the
   * asystole decision (RAIL_S); a merely constant one does not: on a noiseless source it cannot
   * be told from asystole, and a missed asystole costs more than a false one.
   */
  onSamples(lead: Int32Array | Float32Array | Float64Array, n: number, gainPerMv: number, baseline: number, offset = 0): void {
    let run = this.railRun;
    for (let i = 0; i < n; i++) {
      const v = lead[offset + i] as number;
      run = v >= RAIL_HI || v <= RAIL_LO ? run + 1 : 0;
    }
    this.railRun = run;
    this.signalRailed = run >= RAIL_S * this.fs;
    this.vf.push(lead, n, gainPerMv, baseline, offset, (f) => this.decideVf(f));
    // Only the clock moves here: the beats of this block come after the samples (onBeats), so
    // judging "no beat for 4 s" now would miss the beats the engine is about to deliver and
    // raise a false asystole whenever a long RR ends inside the block. advance(blockEnd),
    // called after onBeats, makes the timing decisions.
    if (this.vf.samplesSeen > this.now) this.now = this.vf.samplesSeen;
  }

  /**
   * Whether a heart rate counted from the engine's detections means anything now: not in
   * asystole (the detections are noise the guard rejected), VF (fibrillation waves) or while
   * the ECG is noisy or a lead is off. The chain blanks the window reports' HR otherwise, so the
   * bedside numeric and the stored trend show no rate rather than one counted from noise
   * (muscle tremor on a flat line reads 24-170 "bpm").
   */
  get heartRateValid(): boolean {
    return !(this.t.isActive('asystole') || this.t.isActive('vfib') || this.t.isActive('noise') || this.allLeadsOff);
  }

  /**
   * The chain feeds onSamples from another lead from now on (the one it fed is off, or back):
   * the VF detector restarts its filters and window, so the old lead's signal (or its step to
   * the rail) is not read as part of the new one's wave.
   */
  signalLeadChanged(): void {
    this.vf.restartSignal();
    this.railRun = 0;
    this.signalRailed = false;
    this.vfValidFrom = this.vf.samplesSeen + Math.round(VF_TUNING.windowS * this.fs);
  }

  onBeats(beats: readonly Beat[]): void {
    for (const b of beats) this.onBeat(b);
  }

  onWindows(windows: readonly WindowReport[]): void {
    for (const w of windows) {
      const now = Math.max(this.now, w.endSample);
      const off = w.leadOff.some((x) => x);
      if (off) this.t.onset('lead-off', w.startSample, now, { leads: w.leadOff.map((x, i) => (x ? i : -1)).filter((i) => i >= 0).join(',') });
      else this.t.offset('lead-off', w.startSample, now);
      const wasAllOff = this.allLeadsOff;
      this.allLeadsOff = w.leadOff.length > 0 && w.leadOff.every((x) => x);
      // Noise that arose while every lead was off (it is not reported over a lead-off) is
      // reported once a lead is back, if a source still holds it.
      if (wasAllOff && !this.allLeadsOff && this.t.suspended && !w.unanalyzable) this.noiseOnset(w.startSample, now, { reason: 'noisy after lead-off' });
      this.windowNoise = w.unanalyzable;
      if (w.unanalyzable) this.noiseOnset(w.startSample, now, { sqi: Math.round(w.sqi * 100) / 100 });
      else this.noiseMaybeOffset(w.startSample, now);
      if (w.unanalyzable) {
        // No analysis in this stretch: rhythm histories restart after it.
        this.technicalUntil = Math.max(this.technicalUntil, w.endSample);
        this.interrupt(w.startSample, now);
      }
    }
  }

  /**
   * The engine withheld a QRS detection at `sample` because the signal around it was
   * unanalyzable (EcgEngine.lastSuppressedSample; -1 none): analysis is impossible there, as in
   * a window flagged unanalyzable, which arrives only at the window's end.
   */
  onSuppressedDetection(sample: number): void {
    if (sample > this.technicalUntil) this.technicalUntil = sample;
  }

  /**
   * The engine saw a clear QRS-like complex on one reliable lead at `sample` that it did not
   * accept as a beat (EcgEngine.lastEvidenceSample; -1 none): "no QRS" counts from there.
   */
  onBeatEvidence(sample: number, lead: number, morphology: Float32Array): void {
    if (sample < 0 || sample <= this.evidenceSeen) return;
    this.evidenceSeen = sample;
    if (this.credibility.confirmsOnLead(morphology, lead)) this.timing.evidence(sample);
  }

  /** The stream has reached `sampleIndex` (call it when no samples are fed, e.g. beats only). */
  advance(sampleIndex: number): void {
    if (sampleIndex > this.now) this.now = sampleIndex;
    const known = this.now - this.latency;
    const now = this.now;
    const fibrillating = this.vf.fibrillatoryNow || this.t.isActive('vfib');
    const technical = this.signalRailed || known < this.technicalUntil || this.allLeadsOff;
    this.timing.advance(known, now, !fibrillating && !technical, this.technicalUntil, fibrillating || this.allLeadsOff);
    this.vent.advance(known, now);
    this.expireVotes(known, now);
  }

  drain(): RhythmEvent[] {
    return this.t.drain();
  }

  /** End of stream: close every open condition at endSample and return the remaining events. */
  finish(endSample: number): RhythmEvent[] {
    this.t.closeAll(Math.max(endSample, 1));
    return this.t.drain();
  }

  private onBeat(b: Beat): void {
    const now = Math.max(this.now, b.sample);
    this.vf.onBeat(b.sample, b.qrsWidthS);
    const vfib = this.t.isActive('vfib');
    // Not a credible QRS (credible.ts): it neither ends a silence (asystole, pause) nor enters
    // the rate, and for the pattern rules it is an unclassifiable beat, which breaks runs and
    // leaves its intervals out of AF: dropping it instead could join two ventricular runs
    // around a noisy normal beat into a false VTach. In VF the "beats" are fibrillation waves:
    // the guard neither judges nor learns them (it restarted at the VF onset), so the first
    // beats after VF are judged against the patient's QRS, not against the waves.
    const credible = vfib || this.credibility.judge(b);
    // The engine's RR runs from the previous detection; after one the guard rejected, the
    // interval that counts is the one from the last credible beat (a spurious detection must not
    // halve an interval into a false tachycardia).
    const rr = this.prevRejected ? (this.lastCredible >= 0 ? (b.sample - this.lastCredible) / this.fs : null) : b.rrPrevS;
    this.lastDetection = b.sample;
    this.prevRejected = !credible;
    if (!vfib) {
      this.judgeDetections(b.sample, credible, now);
      this.judgeQuality(b.sample, b.quality, now);
      this.judgeShapes(b.sample, this.credibility.lastConsistency, now);
    }
    if (!credible) {
      this.vent.onBeat(b.sample, rr, 'Q', now);
      this.afBeat(b.sample, rr, 'Q', now);
      return;
    }
    this.lastCredible = b.sample;
    // Confirmed by an earlier rejected detection of its shape (a new slow rhythm's first beat):
    // the silence ended at that detection.
    if (this.credibility.confirmedFrom >= 0) this.timing.evidence(this.credibility.confirmedFrom);
    this.timing.onBeat(b.sample, rr, now, !vfib);
    const corr = this.conducted.observe(b);
    if (vfib) return;
    // A fast beat unlike the patient's conducted beat counts as ventricular for the rhythm
    // rules even if the classifier called it S or N (see morphology.ts); its label is kept.
    // Not a beat of the patient's dominant shape (adaptive stage): that shape is the
    // patient's conduction now, even when the reference learnt another one earlier (a change
    // of bundle-branch conduction, mitdb 207, made a fast SVT "different").
    const shape = beatShape(b);
    const fast = rr !== null && rr <= 60 / this.config.vtMinRateBpm;
    // A paced beat (label P, src/ecg/pace.ts) is neither: it is wide and unlike the patient's
    // own beats by construction.
    const paced = b.label === 'P';
    const different = this.conducted.monomorphicDifferent(b, fast && b.label !== 'V' && b.label !== 'Q' && !paced && shape?.dominant !== true, corr);
    // A beat with the shape of the patient's PVCs (its adaptive cluster is mostly V) is a
    // PVC for the run rules too: multiform runs are often split by beats the classifier
    // alone calls N (mitdb 203).
    const family = b.label !== 'Q' && !paced && shape?.ventricularFamily === true;
    this.vent.onBeat(b.sample, rr, different || family ? 'V' : b.label, now);
    // While the ECG is noisy the intervals say nothing of the atrial rhythm: AF neither starts
    // from them nor ends on them (an AF in progress stays open through the noise).
    // S and N come from the adaptive stage's median-relative judgement when it ran (BeatShape.
    // rhythmLabel): early AF beats look premature against the sinus cycle of the label.
    const atrial = (b.label === 'S' || b.label === 'N') && shape?.rhythmLabel !== undefined ? shape.rhythmLabel : b.label;
    this.afBeat(b.sample, rr, this.t.suspended ? 'Q' : atrial, now);
  }

  /**
   * Most of the recent detections not credible (NOISY_REJECTED of the last NOISY_OF): the ECG is
   * noisy even if the window reports (a floor against the QRS level) do not say so, e.g. heavy
   * muscle noise on a flat line, where the engine reports a heart rate from the noise. Raises
   * the noise technical condition so the nurse hears that the ECG cannot be read; unlike a
   * flagged window it does not stop the asystole clock. Ends when the last NOISY_OF
   * detections hold at most one rejection.
   */
  private judgeDetections(sample: number, credible: boolean, now: number): void {
    const v = this.rejectedVote;
    v.push(!credible);
    this.noiseVote(v, v.count >= NOISY_REJECTED, v.count <= 1, sample, now, 'detections not credible', 'rejected');
  }

  /**
   * Most of the recent beats of low quality (LOW_QUALITY_OF_8 of the last NOISY_OF): the ECG
   * cannot be analysed even where the window reports do not flag it (electrode motion of
   * QRS size, nstdb 118e00), so the noise condition is raised at once, from the beats, rather
   * than at the end of a 5-s window. Ends after CLEAN_BEATS beats in a row of good quality.
   */
  private judgeQuality(sample: number, quality: number, now: number): void {
    const v = this.lowQualityVote;
    v.push(quality < LOW_QUALITY);
    this.noiseVote(v, v.count >= LOW_QUALITY_OF_8, v.noRun >= CLEAN_BEATS, sample, now, 'low signal quality', 'lowBeats');
  }

  /**
   * Most of the recent detections repeat none of the recent shapes (INCONSISTENT_OF_8 of the
   * last NOISY_OF below INCONSISTENT): the "beats" are noise, even where each looks credible on
   * its own and the engine's quality is middling. Heavy muscle noise on a flat line (an
   * asystole under 0.4 mV RMS of noise, `npm run eval:asystole`) is the case: without this the
   * hub showed a heart rate and raised nothing. Like the other detection-based sources, it
   * does not stop the asystole clock.
   */
  private judgeShapes(sample: number, consistency: number, now: number): void {
    const v = this.shapeVote;
    v.push(consistency < INCONSISTENT);
    this.noiseVote(v, v.count >= INCONSISTENT_OF_8, v.count <= 1, sample, now, 'QRS shapes inconsistent', 'inconsistent');
  }

  /** A beat-based noise source switches on (`on`) or off (`off`); the onset's detail names it and its count. */
  private noiseVote(v: NoiseVote, on: boolean, off: boolean, sample: number, now: number, reason: string, key: string): void {
    if (!v.active && on) {
      v.active = true;
      this.noiseOnset(sample, now, { reason, [key]: v.count });
    } else if (v.active && off) {
      v.active = false;
      this.noiseMaybeOffset(sample, now);
    }
  }

  /** The ECG cannot be analysed: the noise technical condition (not while every lead is off), arrhythmia onsets suspended. */
  private noiseOnset(sample: number, now: number, detail: Record<string, number | string>): void {
    if (!this.allLeadsOff) this.t.onset('noise', sample, now, detail);
    this.t.suspended = true;
  }

  /**
   * The beat-based votes are judged at each detection: when detections stop altogether (an
   * asystole on a clean line, a lead that went quiet) they would hold "ECG noisy" and the
   * suspension forever. After VOTES_EXPIRE_S without any detection they let go.
   */
  private expireVotes(known: number, now: number): void {
    if (this.lastDetection < 0 || known - this.lastDetection < VOTES_EXPIRE_S * this.fs) return;
    let any = false;
    for (const v of this.votes) {
      if (!v.active) continue;
      v.clear();
      any = true;
    }
    if (any) this.noiseMaybeOffset(this.lastDetection + Math.round(VOTES_EXPIRE_S * this.fs), now);
  }

  /** A noise source cleared: the condition ends when none is left. */
  private noiseMaybeOffset(sample: number, now: number): void {
    if (this.windowNoise || this.rejectedVote.active || this.lowQualityVote.active || this.shapeVote.active) return;
    this.t.offset('noise', sample, now);
    this.t.suspended = false;
  }

  private afBeat(sample: number, rrPrevS: number | null, label: string, now: number): void {
    const r = this.af.onBeat(sample, rrPrevS, label);
    if (r !== null) {
      // An onset the tracker drops (arrhythmia onsets suspended while the ECG is noisy) leaves
      // the detector free to find the AF again once the noise is over.
      if (r.phase === 'onset') {
        if (!this.t.onset('afib', r.sample, now, { windowBeats: this.config.afWindowBeats })) this.af.active = this.t.isActive('afib');
      } else this.t.offset('afib', r.sample, now);
    }
  }

  private interrupt(sample: number, now: number): void {
    this.lastCredible = -1;
    this.prevRejected = false;
    this.credibility.reset();
    this.af.reset();
    this.af.active = false;
    this.t.offset('afib', sample, now, { reason: 'interrupted' });
    this.vent.reset(sample, now);
    this.vent.resetPvcRate(sample, now);
    this.timing.resetRate(sample, now);
  }

  /**
   * VF state machine over the analysis windows: a stretch of windows that sustain VF
   * (relaxed thresholds), started onsetBackS before its first window's end, alarms once it
   * spans vfDurationS and holds minStrictWindows fully fibrillatory windows. Before the alarm
   * it is dropped after offsetWindows windows that do not sustain it; a declared VF ends after
   * offsetWindows organised windows in a row (baseline back) or offsetAnyWindows windows
   * that do not sustain it, dated at the end of its last sustaining window.
   */
  private decideVf(f: VfFeatures): void {
    // A window of a railed lead, or one still holding the lead fed before a switch, says
    // nothing of the rhythm: it neither sustains nor ends a VF (read as "organised", it split a
    // VF in two each time an electrode came off or back).
    if (this.signalRailed || f.endSample < this.vfValidFrom) return;
    const now = Math.max(this.now, f.endSample);
    const t = VF_TUNING;
    if (f.sustains) {
      this.vfQuiet = 0;
      this.vfOrganised = 0;
      if (this.vfStreak < 0) {
        this.vfStreak = Math.max(0, f.endSample - Math.round(t.onsetBackS * this.fs));
        this.vfStrict = 0;
      }
      if (f.fibrillatory) this.vfStrict++;
      this.vfLastFib = f.endSample;
      const long = f.endSample - Math.round(t.endBackS * this.fs) - this.vfStreak >= this.config.vfDurationS * this.fs;
      if (long && this.vfStrict >= t.minStrictWindows && !this.t.isActive('vfib')) {
        if (this.t.onset('vfib', this.vfStreak, now, { leakage: Math.round(f.leakage * 100) / 100, freqHz: Math.round(f.freqHz * 10) / 10 })) {
          this.interrupt(this.vfStreak, now);
          for (const id of ['asystole', 'pause'] as const) this.t.offset(id, this.vfStreak, now, { reason: 'vfib' });
        }
      }
      return;
    }
    if (this.vfStreak < 0) return;
    this.vfQuiet++;
    this.vfOrganised = f.organised ? this.vfOrganised + 1 : 0;
    if (this.vfOrganised >= t.offsetWindows || this.vfQuiet >= t.offsetAnyWindows || (this.vfQuiet >= t.offsetWindows && !this.t.isActive('vfib'))) {
      this.t.offset('vfib', this.vfLastFib, now);
      this.vfStreak = -1;
      this.vfQuiet = 0;
      this.vfOrganised = 0;
    }
  }
}
