/**
 * Live ECG analysis for one device: sample blocks in, beats and window reports out, through
 * the same EcgEngine `vigil analyze` uses. It knows nothing of ports or storage: the
 * composition root decides where its output goes.
 *
 * Leads are the block's channels measured in mV. After a loss in the stream (block.gap != 0)
 * or a change of channel layout, the engine restarts: detector state from before a hole
 * would otherwise produce a false beat or a false pause across it.
 */
import type { ChannelInfo, SampleBlock } from '../../drivers/contract.ts';
import { EcgEngine, type Beat, type WindowReport } from '../ecg/index.ts';

export interface EcgStageOutput {
  /** Beats with `sample` in the device's stream numbering (SampleBlock.firstSample). */
  beats: Beat[];
  windows: WindowReport[];
}

export class EcgStage {
  private engine: EcgEngine | null = null;
  private layout = '';
  private leadIdx: number[] = [];
  /** Stream index of the engine's sample 0. */
  private origin = 0;
  private expected = -1;
  private leads: Int32Array[] = [];
  restarts = 0;

  constructor(readonly deviceId: string) {}

  /** Feed one block; returns what the engine produced (sample indices in stream numbering). */
  push(block: SampleBlock): EcgStageOutput {
    const layout = block.channels.map((c) => `${c.name}/${c.units}/${c.gain}/${c.sampleRate}`).join('|');
    if (this.engine === null || layout !== this.layout || block.gap !== 0 || block.firstSample !== this.expected) {
      this.start(block.channels, layout, block.firstSample);
    }
    this.expected = block.firstSample + block.length;
    const engine = this.engine;
    if (engine === null || this.leadIdx.length === 0) return { beats: [], windows: [] };
    for (let i = 0; i < this.leadIdx.length; i++) this.leads[i] = block.data[this.leadIdx[i] as number] as Int32Array;
    engine.push(this.leads, block.length);
    return this.drain(engine);
  }

  /** End of stream: flush the engine's pending beats. */
  finish(): EcgStageOutput {
    const e = this.engine;
    if (!e) return { beats: [], windows: [] };
    e.finish();
    const out = this.drain(e);
    this.engine = null;
    return out;
  }

  private drain(engine: EcgEngine): EcgStageOutput {
    const beats = engine.drainBeats();
    const windows = engine.drainWindows();
    if (this.origin !== 0) {
      for (const b of beats) b.sample += this.origin;
      for (const w of windows) {
        w.startSample += this.origin;
        w.endSample += this.origin;
      }
    }
    return { beats, windows };
  }

  private start(channels: readonly ChannelInfo[], layout: string, firstSample: number): void {
    if (this.engine !== null) this.restarts++;
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
        : new EcgEngine({
            sampleRate: first.sampleRate,
            leads: this.leadIdx.map((i) => {
              const c = channels[i] as ChannelInfo;
              return { name: c.name, gain: c.gain, baseline: c.baseline };
            }),
          });
  }
}
