/**
 * The ECG analysis chain, one per ECG stream: engine (beats, windows) -> beat labeller
 * (classifier, optional) -> rhythm monitor (conditions with onset/offset). `vigil analyze`
 * and the live hub both run exactly this; only where the output goes differs.
 *
 * Sample indices are the chain's own (0 = first sample pushed); callers that restart a chain
 * after a hole in the stream add their own origin.
 */
import { EcgEngine, preferredLead, type Beat, type EcgLeadInfo, type WindowReport } from '../ecg/index.ts';
import { DEFAULT_BEAT_LATENCY_S, type RhythmConfig } from '../detect/rhythm/config.ts';
import type { RhythmEvent } from '../detect/rhythm/events.ts';
import { RhythmMonitor } from '../detect/rhythm/monitor.ts';
import { AdaptiveLabeller, beatShape, type AdaptParams } from '../detect/adapt.ts';

/** Sets beat labels (N/S/V/F/Q; the chain keeps 'P' on paced beats). May hold beats back (e.g. until the next beat is known). */
export interface BeatLabeller {
  /** Beats in stream order; returns the beats now labelled and released, in order. */
  push(beats: readonly Beat[], nowSample: number): Promise<Beat[]>;
  /** End of stream: label and release everything held. */
  flush(): Promise<Beat[]>;
  /**
   * The longest a beat is held, s after its R peak (BeatLabeler: maxLatencyS, 1 s). The rhythm
   * monitor decides "no QRS" only over time whose beats have all been delivered; without it a
   * pause of 3.5-4 s whose closing beat was still held raised a false asystole.
   */
  readonly maxLatencyS?: number;
}

export interface ChainOptions {
  sampleRate: number;
  leads: readonly EcgLeadInfo[];
  labeller?: BeatLabeller;
  /**
   * Patient-adaptive relabelling after the labeller (src/detect/adapt.ts), for labellers whose
   * beats carry the classifier's probabilities; default true (config analysis.adapt).
   */
  adapt?: boolean;
  /** Overrides of the adaptive stage's parameters (ADAPT_DEFAULTS), for evaluations. */
  adaptParams?: Partial<AdaptParams>;
  rhythm?: Partial<RhythmConfig>;
  /**
   * A finished chain of the same patient and lead layout (the stream had a short hole): its
   * beat labeller, with the classifier's patient features and the adaptive stage's shape
   * clusters, carries on in this chain instead of `labeller` (which is then ignored). The
   * engine and the rhythm monitor start afresh either way.
   */
  patientFrom?: AnalysisChain;
  /** Mains frequency to null in the ECG, Hz (EcgEngine default 60; config analysis.mainsHz). */
  mainsHz?: number;
  /** The patient is paced (config analysis.paced): beats with a pacing pulse are labelled 'P' (src/ecg/pace.ts). */
  paced?: boolean;
}

export interface ChainOutput {
  beats: Beat[];
  windows: WindowReport[];
  rhythm: RhythmEvent[];
}

/**
 * A paced beat keeps the label 'P' whatever the classifier makes of its shape (a paced QRS
 * is wide and would be called V); 'Q' (noise) is kept as the engine set it. With the adaptive
 * stage, a beat of the patient's paced shape family that is not premature is paced too.
 */
function pacedStay(beats: Beat[]): Beat[] {
  for (const b of beats) {
    if (b.label === 'Q') continue;
    if (b.paced === true) b.label = 'P';
    else if (beatShape(b)?.pacedFamily === true) {
      // Its pulse was not seen, but its shape and timing are the patient's paced beat (adapt.ts).
      b.paced = true;
      b.label = 'P';
    }
  }
  return beats;
}

export class AnalysisChain {
  readonly engine: EcgEngine;
  readonly monitor: RhythmMonitor;
  private readonly primary: number;
  /** Lead fed to the monitor's signal checks (VF): the primary one, or another while it is off. */
  private signalLead: number;
  private readonly gains: number[];
  private readonly baselines: number[];
  private pos = 0;
  private readonly opts: ChainOptions;

  constructor(opts: ChainOptions) {
    const carried = opts.patientFrom?.opts.labeller;
    const inner = carried ?? opts.labeller;
    this.opts = carried !== undefined ? { ...opts, labeller: carried } : inner && opts.adapt !== false ? { ...opts, labeller: new AdaptiveLabeller(inner, { leadNames: opts.leads.map((l) => l.name), params: opts.adaptParams }) } : opts;
    // After a short hole the long RR average carries on too (the classifier's and the adaptive
    // stage's prematurity read it): restarting it cost ~5 min of APCs in mitdb 209.
    const rrRunning = opts.patientFrom?.engine.rrRunningNowS ?? 0;
    this.engine = new EcgEngine({
      sampleRate: opts.sampleRate, leads: opts.leads, paced: opts.paced === true,
      ...(rrRunning > 0 ? { rrRunningInitS: rrRunning } : {}),
      ...(opts.mainsHz !== undefined ? { mainsHz: opts.mainsHz } : {}),
    });
    // Beats reach the monitor after the engine's emission delay and, with a labeller, after
    // the labeller has held them: "no QRS" is decided only where every beat has arrived.
    const held = inner?.maxLatencyS ?? 0;
    const rhythm = held > (opts.rhythm?.beatLatencyS ?? DEFAULT_BEAT_LATENCY_S) ? { ...opts.rhythm, beatLatencyS: held } : opts.rhythm;
    this.monitor = new RhythmMonitor({ sampleRate: opts.sampleRate, config: rhythm });
    this.primary = preferredLead(opts.leads.map((l) => l.name));
    this.signalLead = this.primary;
    this.gains = opts.leads.map((l) => l.gain ?? 200);
    this.baselines = opts.leads.map((l) => l.baseline ?? 0);
  }

  /**
   * The primary lead while it is on; while it is off (window reports), the first lead that is
   * not: VF must be seen on the lead that still shows the ECG. The monitor is told of a change.
   */
  private chooseSignalLead(off: readonly boolean[]): void {
    let want = this.primary;
    if (off[this.primary] === true) {
      const other = off.indexOf(false);
      if (other >= 0) want = other;
    }
    if (want !== this.signalLead) {
      this.signalLead = want;
      this.monitor.signalLeadChanged();
    }
  }

  /** n samples of every lead, from `offset` in each array. */
  async push(leads: readonly Int32Array[], n: number, offset = 0): Promise<ChainOutput> {
    const raw = this.step(leads, n, offset);
    const beats = this.opts.labeller ? pacedStay(await this.opts.labeller.push(raw, this.pos)) : raw;
    return this.downstream(beats);
  }

  /** The same, without a labeller (beats keep the engine's N/Q labels); synchronous. */
  pushSync(leads: readonly Int32Array[], n: number, offset = 0): ChainOutput {
    if (this.opts.labeller) throw new Error('pushSync: this chain has a beat labeller; use push()');
    return this.downstream(this.step(leads, n, offset));
  }

  finishSync(): ChainOutput {
    if (this.opts.labeller) throw new Error('finishSync: this chain has a beat labeller; use finish()');
    this.engine.finish();
    return this.closing(this.engine.drainBeats());
  }

  private step(leads: readonly Int32Array[], n: number, offset: number): Beat[] {
    this.engine.push(leads, n, offset);
    const k = this.signalLead;
    this.monitor.onSamples(leads[k] as Int32Array, n, this.gains[k] as number, this.baselines[k] as number, offset);
    this.pos += n;
    return this.engine.drainBeats();
  }

  private downstream(beats: Beat[]): ChainOutput {
    const windows = this.beforeBeats();
    this.monitor.onBeats(beats);
    this.monitor.onWindows(windows);
    this.monitor.advance(this.pos);
    this.validateRate(windows);
    return { beats, windows, rhythm: this.monitor.drain() };
  }

  /** No heart rate in a window the rhythm monitor says no rate can be counted in (asystole, VF, noise, lead-off). */
  private validateRate(windows: WindowReport[]): void {
    if (this.monitor.heartRateValid) return;
    for (const w of windows) w.hrBpm = null;
  }

  private closing(beats: Beat[]): ChainOutput {
    const windows = this.beforeBeats();
    this.monitor.onBeats(beats);
    this.monitor.onWindows(windows);
    this.validateRate(windows);
    // Open conditions end at the last sample of the stream (sample pos is past it).
    const rhythm = this.monitor.drain().concat(this.monitor.finish(Math.max(1, this.pos - 1)));
    return { beats, windows, rhythm };
  }

  /**
   * Before the beats of a push reach the monitor: the engine's window reports (drained and
   * returned; the latest one's lead-off flags choose the signal lead) and what the engine saw
   * besides beats (a detection withheld as unanalyzable, single-lead QRS evidence). Evidence
   * inside a gap must be known when the beat closing the gap is judged: given after the beats,
   * a push of several seconds (7-s blocks on mitdb 208) raised a false asystole that 1-s blocks
   * did not.
   */
  private beforeBeats(): WindowReport[] {
    const windows = this.engine.drainWindows();
    const last = windows[windows.length - 1];
    if (last !== undefined) this.chooseSignalLead(last.leadOff);
    this.monitor.onSuppressedDetection(this.engine.lastSuppressedSample);
    this.monitor.onBeatEvidence(this.engine.lastEvidenceSample, this.engine.lastEvidenceLead, this.engine.lastEvidenceMorphology);
    return windows;
  }

  /** End of stream: everything pending, and every open condition closed at the end. */
  async finish(): Promise<ChainOutput> {
    this.engine.finish();
    const raw = this.engine.drainBeats();
    let beats = this.opts.labeller ? await this.opts.labeller.push(raw, this.pos) : raw;
    if (this.opts.labeller) beats = pacedStay(beats.concat(await this.opts.labeller.flush()));
    return this.closing(beats);
  }
}
