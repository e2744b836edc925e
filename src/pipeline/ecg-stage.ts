/**
 * Live ECG analysis for one device: sample blocks in, beats, window reports and rhythm
 * events out, through the same AnalysisChain `vigil analyze` uses. It knows nothing of ports or storage: the
 * composition root decides where its output goes.
 *
 * Leads are the block's channels measured in mV. After a loss in the stream (block.gap != 0)
 * or a change of channel layout, the engine restarts: detector state from before a hole
 * would otherwise produce a false beat or a false pause across it. What was learnt of the
 * patient (the classifier's patient features and the adaptive stage's shape clusters) carries
 * over a hole of at most CARRY_PATIENT_MAX_S with the same layout: relearning it took minutes
 * (mitdb 209 after a 0.5-s hole: 78 of the next 5 minutes' 152 APCs found, 151 without it).
 * After a longer hole the electrodes, or the patient, may have changed: it starts afresh.
 */
import type { ChannelInfo, SampleBlock } from '../../drivers/contract.ts';
import { AnalysisChain, type BeatLabeller, type ChainOutput } from '../analysis/chain.ts';
import type { RhythmConfig } from '../detect/rhythm/config.ts';

/** Beats, windows and rhythm events with samples in the device's stream numbering (SampleBlock.firstSample). */
export type EcgStageOutput = ChainOutput;

const EMPTY = (): EcgStageOutput => ({ beats: [], windows: [], rhythm: [] });

/** Longest stream hole (hub monotonic time) over which the patient model carries on. */
export const CARRY_PATIENT_MAX_S = 60;

export class EcgStage {
  private engine: AnalysisChain | null = null;
  private layout = '';
  private leadIdx: number[] = [];
  /** Stream index of the engine's sample 0. */
  private origin = 0;
  private expected = -1;
  private leads: Int32Array[] = [];
  /** Hub monotonic time (ms) just after the last sample pushed (-1: none yet). */
  private endMs = -1;
  /** The chain finished at a hole, whose patient model the next chain may carry on. */
  private finished: { chain: AnalysisChain; layout: string; endMs: number } | null = null;
  restarts = 0;

  constructor(
    readonly deviceId: string,
    /** Makes a labeller (classifier) for each new chain; none: beats keep the engine's N/Q. */
    private readonly labeller?: (sampleRate: number, leadNames: readonly string[]) => BeatLabeller,
    /** Rhythm thresholds for this bed (HR limits from the alarm config); defaults otherwise. */
    private readonly rhythm?: Partial<RhythmConfig>,
    /** Patient-adaptive relabelling after the classifier (config analysis.adapt). */
    private readonly adapt = true,
    /** The patient is paced (config analysis.paced): paced beats are labelled P. */
    private readonly paced = false,
    /** Mains frequency to null, Hz (config analysis.mainsHz). */
    private readonly mainsHz?: number,
  ) {}

  /**
   * When `block` will restart the chain (a loss in the stream, a new layout), finish the old
   * chain first and return its last beats and window reports: the ones still inside the
   * engine's look-ahead and held by the labeller (up to ~1.5 s before the hole), which would
   * otherwise be lost. Its rhythm events are not returned: conditions open at a hole are
   * unknown, not over (the consumer handles the restart). null when `block` continues the stream.
   * Call it before push(block), with the time reference of the blocks before the hole.
   */
  async flushBeforeRestart(block: SampleBlock): Promise<EcgStageOutput | null> {
    const old = this.engine;
    if (old === null || !this.restartsAt(block)) return null;
    this.engine = null;
    this.restarts++;
    const out = this.shift(await old.finish());
    out.rhythm = [];
    this.finished = { chain: old, layout: this.layout, endMs: this.endMs };
    return out;
  }

  private static layoutOf(block: SampleBlock): string {
    return block.channels.map((c) => `${c.name}/${c.units}/${c.gain}/${c.sampleRate}`).join('|');
  }

  private restartsAt(block: SampleBlock): boolean {
    return EcgStage.layoutOf(block) !== this.layout || block.gap !== 0 || block.firstSample !== this.expected;
  }

  /** Feed one block; returns what the chain produced (sample indices in stream numbering). */
  async push(block: SampleBlock): Promise<EcgStageOutput> {
    if (this.engine === null || this.restartsAt(block)) this.start(block.channels, EcgStage.layoutOf(block), block.firstSample, block.hubTimeMs);
    this.expected = block.firstSample + block.length;
    const fs = block.channels[this.leadIdx[0] ?? 0]?.sampleRate ?? 0;
    this.endMs = fs > 0 ? block.hubTimeMs + (block.length * 1000) / fs : block.hubTimeMs;
    const engine = this.engine;
    if (engine === null || this.leadIdx.length === 0) return EMPTY();
    for (let i = 0; i < this.leadIdx.length; i++) this.leads[i] = block.data[this.leadIdx[i] as number] as Int32Array;
    return this.shift(await engine.push(this.leads, block.length));
  }

  /** End of stream: flush pending beats and close open conditions. */
  async finish(): Promise<EcgStageOutput> {
    const e = this.engine;
    if (!e) return EMPTY();
    this.engine = null;
    return this.shift(await e.finish());
  }

  private shift(out: ChainOutput): EcgStageOutput {
    const o = this.origin;
    if (o !== 0) {
      for (const b of out.beats) b.sample += o;
      for (const w of out.windows) {
        w.startSample += o;
        w.endSample += o;
      }
      out.rhythm = out.rhythm.map((r) => ({ ...r, sample: r.sample + o, detectedAtSample: r.detectedAtSample + o }));
    }
    return out;
  }

  private start(channels: readonly ChannelInfo[], layout: string, firstSample: number, hubTimeMs: number): void {
    // Conditions open in the old chain are left to the consumer (the alarm layer sees the
    // technical gap); the new chain starts with no history, except the patient model after a
    // short hole (see the header).
    if (this.engine !== null) this.restarts++;
    const f = this.finished;
    this.finished = null;
    const carry = f !== null && f.layout === layout && f.endMs >= 0 && hubTimeMs >= f.endMs && hubTimeMs - f.endMs <= CARRY_PATIENT_MAX_S * 1000 ? f.chain : undefined;
    this.layout = layout;
    this.origin = firstSample;
    this.leadIdx = [];
    channels.forEach((c, i) => {
      if (c.units === 'mV') this.leadIdx.push(i);
    });
    this.leads = new Array<Int32Array>(this.leadIdx.length);
    const first = channels[this.leadIdx[0] ?? -1];
    this.engine =
      first === undefined
        ? null
        : new AnalysisChain({
            sampleRate: first.sampleRate,
            leads: this.leadIdx.map((i) => {
              const c = channels[i] as ChannelInfo;
              return { name: c.name, gain: c.gain, baseline: c.baseline };
            }),
            ...(carry !== undefined ? { patientFrom: carry } : { labeller: this.labeller?.(first.sampleRate, this.leadIdx.map((i) => (channels[i] as ChannelInfo).name)) }),
            adapt: this.adapt,
            paced: this.paced,
            ...(this.rhythm !== undefined ? { rhythm: this.rhythm } : {}),
            ...(this.mainsHz !== undefined ? { mainsHz: this.mainsHz } : {}),
          });
  }
}
