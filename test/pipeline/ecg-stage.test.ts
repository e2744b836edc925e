/**
 * EcgStage across a hole in the stream: the chain restarts, and the beats the old chain still
 * held (engine look-ahead, classifier hold: up to ~1.5 s) are flushed first, not lost.
 */
import assert from 'node:assert/strict';
import type { ChannelInfo, SampleBlock } from '../../drivers/contract.ts';
import { synthesize } from '../../drivers/synthetic/index.ts';
import { BeatLabeler } from '../../src/detect/classifier.ts';
import type { Beat } from '../../src/ecg/types.ts';
import { EcgStage } from '../../src/pipeline/ecg-stage.ts';
import { useShippedClassifier } from '../helpers/classifier.ts';

const FS = 250;

describe('pipeline/EcgStage: a hole in the stream', function () {
  this.timeout(60_000);
  const shipped = useShippedClassifier();
  const syn = synthesize('sinus', { durationS: 60, sampleRate: FS, seed: 2, leads: ['II', 'V1'] });
  const channels: ChannelInfo[] = syn.channels.map((c) => ({ name: c.name, units: 'mV', gain: c.gain, baseline: c.baseline, sampleRate: FS }));
  /** The stream in 0.5-s blocks, with samples [29.5 s, 31.5 s) lost (a beat at 29.47 s): the block after them says gap -1. */
  const blocks: SampleBlock[] = [];
  let seq = 0;
  let streamIdx = 0;
  for (let from = 0; from < syn.length; from += FS / 2) {
    if (from >= 29.5 * FS && from < 31.5 * FS) continue;
    const n = Math.min(FS / 2, syn.length - from);
    blocks.push({
      kind: 'samples', deviceId: 'ecg', seq: seq++, firstSample: streamIdx, gap: from === 31.5 * FS ? -1 : 0, channels,
      data: syn.data.map((d) => d.slice(from, from + n)), length: n, deviceTimeMs: null, hubTimeMs: from * 4, wallTimeMs: from * 4,
    });
    streamIdx += n;
  }
  const truthBefore = syn.truth.filter((t) => (t.code === 'N' || t.code === 'V') && t.sample > 2 * FS && t.sample < 29.5 * FS).length;

  for (const labelled of [false, true]) {
    it(`keeps the beats before the hole (${labelled ? 'classifier + adaptive stage' : 'engine alone'})`, async () => {
      const stage = new EcgStage('ecg', labelled ? (sampleRate, leadNames) => new BeatLabeler(shipped(), { sampleRate, leadNames }) : undefined);
      const before: Beat[] = [];
      let flushed = 0;
      for (const b of blocks) {
        const f = await stage.flushBeforeRestart(b);
        if (f !== null) {
          flushed = f.beats.length;
          assert.equal(f.rhythm.length, 0, 'no rhythm events from the flushed chain');
          before.push(...f.beats);
        }
        const out = await stage.push(b);
        if (b.firstSample < 29.5 * FS) before.push(...out.beats);
      }
      assert.equal(stage.restarts, 1);
      const n = before.filter((b) => b.sample > 2 * FS && b.sample < 29.5 * FS).length;
      // measured: 1 beat flushed by the engine alone, 2 with the classifier's hold; all beats kept
      assert.ok(flushed >= 1, `${flushed} beats flushed at the hole`);
      assert.equal(n, truthBefore, `${n} beats before the hole of ${truthBefore}`);
    });
  }

  it('carries the patient model (classifier features, adaptive clusters, long RR average) over a short hole, not a long one', async () => {
    const run = async (holeMs: number): Promise<{ made: number; rrAfter: number; rrBefore: number }> => {
      let made = 0;
      const stage = new EcgStage('ecg', (sampleRate, leadNames) => {
        made++;
        return new BeatLabeler(shipped(), { sampleRate, leadNames });
      });
      let rrBefore = 0;
      let rrAfter = 0;
      for (const b of blocks) {
        // the hole's length in hub time: the blocks after it are shifted by holeMs
        const blk = b.firstSample >= 29.5 * FS ? { ...b, hubTimeMs: b.hubTimeMs - 2000 + holeMs } : b;
        await stage.flushBeforeRestart(blk);
        const out = await stage.push(blk);
        for (const x of out.beats) {
          if (x.sample < 29.5 * FS) rrBefore = x.rrRunningS;
          else if (rrAfter === 0 && x.rrPrevS !== null) rrAfter = x.rrRunningS;
        }
      }
      return { made, rrAfter, rrBefore };
    };
    const short = await run(2000);
    assert.equal(short.made, 1, 'one labeller: the one before the hole carries on');
    assert.ok(Math.abs(short.rrAfter - short.rrBefore) / short.rrBefore < 0.05, `running RR ${short.rrBefore} -> ${short.rrAfter}`);
    const long = await run(61_000);
    assert.equal(long.made, 2, 'after more than a minute the patient model starts afresh');
  });
});
