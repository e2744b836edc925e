/**
 * openview_parse_samples_per_s: bytes -> frames -> data packets -> sample blocks through the
 * same OpenViewDecoder the serial driver uses. One "sample" is one data packet (one sample
 * of each of the four channels: ECG, BioZ, PPG red, PPG IR).
 */
import { ManualClock } from '../../src/core/clock.ts';
import { OpenViewDecoder } from '../../drivers/openview/decoder.ts';
import { OPENVIEW_DATA_FRAME_LEN, encodeDataFrame, newOpenViewSample } from '../../drivers/openview/packet.ts';
import { median, type Metric } from './stats.ts';

export async function benchOpenView(runs = 7): Promise<Metric[]> {
  const packets = 500_000; // ~14.5 MB, about 67 minutes at 125 Hz
  const bytes = new Uint8Array(packets * OPENVIEW_DATA_FRAME_LEN);
  const s = newOpenViewSample();
  for (let i = 0; i < packets; i++) {
    s.ecg = Math.round(1000 * Math.sin(i / 20));
    s.bioz = i;
    s.ppgIr = i * 3;
    s.spo2 = 97;
    s.hr = 72;
    s.respRate = 15;
    s.temp = 3680;
    encodeDataFrame(s, bytes, i * OPENVIEW_DATA_FRAME_LEN);
  }
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let got = 0;
    const dec = new OpenViewDecoder(
      { deviceId: 'bench', sampleRate: 125, blockSamples: 25, ecgGain: 1000, respGain: 1000, tempScale: 0.01, leadOffRail: 8_000_000 },
      (ev) => {
        if (ev.kind === 'samples') got += ev.length;
      },
      new ManualClock(),
    );
    const t0 = process.hrtime.bigint();
    // Serial reads arrive in chunks of a few hundred bytes to a few KB.
    for (let o = 0; o < bytes.length; o += 4096) dec.push(bytes.subarray(o, o + 4096));
    dec.flush();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (got !== packets) throw new Error(`openview bench decoded ${got} of ${packets} packets`);
    rates.push(packets / s);
  }
  return [{ metric: 'openview_parse_samples_per_s', value: Math.round(median(rates)), unit: 'samples/s' }];
}
