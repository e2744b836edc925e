/**
 * Child process for the ecg bench's peak-RSS figure: read ONE record (or synthesize a 30-min
 * 2-lead 360 Hz one when no path is given), analyse it with the streaming engine in 1-s
 * blocks as a live device would deliver it, and print one JSON line:
 *   {"maxRssMb", "baseRssMb", "engineHeapMb", "beats"}
 * maxRssMb is process.resourceUsage().maxRSS of this fresh process (node + tsx + the decoded
 * record + the engine + the beats kept); baseRssMb is the RSS before the record was read, so
 * the difference is what the analysis of one record costs. engineHeapMb is the heap retained
 * by a live engine (heapUsed after GC with the engine alive, minus heapUsed after GC with the
 * signals only), when node runs with --expose-gc; otherwise null.
 */
import { synthesize } from '../../drivers/synthetic/index.ts';
import { EcgEngine, type Beat, type EcgEngineOptions } from '../../src/ecg/index.ts';
import { readRecord } from '../../src/wfdb/record.ts';

const gc = (globalThis as { gc?: () => void }).gc;
const heapAfterGc = (): number | null => {
  if (gc === undefined) return null;
  gc();
  return process.memoryUsage().heapUsed;
};

const baseRss = process.memoryUsage().rss;
const file = process.argv[2];
let signals: readonly Int32Array[];
let length: number;
let opts: EcgEngineOptions;
if (file !== undefined) {
  const rec = await readRecord(file);
  signals = rec.signals;
  length = rec.length;
  opts = { sampleRate: rec.header.samplingFrequency, leads: rec.header.signals.map((s) => ({ name: s.description, gain: s.gain, baseline: s.baseline })) };
} else {
  const s = synthesize('demo', { durationS: 1800, sampleRate: 360, seed: 1, leads: ['II', 'V1'] });
  signals = s.data;
  length = s.length;
  opts = { sampleRate: 360, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) };
}
const heap0 = heapAfterGc();
const eng = new EcgEngine(opts);
const block = Math.round(opts.sampleRate);
const beats: Beat[] = [];
for (let off = 0; off < length; off += block) {
  eng.push(signals, Math.min(block, length - off), off);
  for (const b of eng.drainBeats()) beats.push(b);
  eng.drainWindows();
}
eng.finish();
for (const b of eng.drainBeats()) beats.push(b);
// Beats are the output, not engine state: drop them before measuring the engine's heap.
const beatCount = beats.length;
beats.length = 0;
const heap1 = heapAfterGc();
const engineHeapMb = heap0 !== null && heap1 !== null ? (heap1 - heap0) / 2 ** 20 : null;
process.stdout.write(
  JSON.stringify({
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baseRssMb: baseRss / 2 ** 20,
    engineHeapMb,
    engineAlive: eng.samplesProcessed === length,
    beats: beatCount,
  }) + '\n',
);
