/** Shared fixtures for the store tests: temporary directories, seeded blocks. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChannelInfo, Measurement, SampleBlock } from '../../drivers/contract.ts';
import { createLogger, type Logger } from '../../src/core/log.ts';

/** A fresh directory under the OS temp dir; `cleanup()` removes every one made. */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(): Promise<string> {
    const d = await mkdtemp(path.join(os.tmpdir(), 'vigil-store-'));
    this.dirs.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
}

import { mulberry32 as prng } from '../support/prng.ts';

export { prng };

export const ECG: ChannelInfo = { name: 'MLII', units: 'mV', gain: 200, baseline: 1024, sampleRate: 250 };
export const V1: ChannelInfo = { name: 'V1', units: 'mV', gain: 200, baseline: 1024, sampleRate: 250 };

export interface BlockStreamOptions {
  deviceId?: string;
  channels?: readonly ChannelInfo[];
  blockLen?: number;
  startWallMs?: number;
  seed?: number;
  /** Half-range of the random samples; > 32767 forces Int32 storage. */
  amplitude?: number;
}

/** Generates consecutive blocks and remembers every sample per channel. */
export class BlockStream {
  readonly deviceId: string;
  readonly channels: readonly ChannelInfo[];
  readonly blockLen: number;
  readonly startWallMs: number;
  readonly samples: number[][];
  private readonly rand: () => number;
  private readonly amplitude: number;
  seq = 0;
  next = 0;

  constructor(o: BlockStreamOptions = {}) {
    this.deviceId = o.deviceId ?? 'dev-1';
    this.channels = o.channels ?? [ECG, V1];
    this.blockLen = o.blockLen ?? 25;
    this.startWallMs = o.startWallMs ?? Date.UTC(2026, 0, 1);
    this.rand = prng(o.seed ?? 1);
    this.amplitude = o.amplitude ?? 2000;
    this.samples = this.channels.map(() => []);
  }

  /** Wall time of sample i of this stream (first channel's rate). */
  timeOf(i: number): number {
    const fs = this.channels[0]?.sampleRate ?? 1;
    return this.startWallMs + (i * 1000) / fs;
  }

  block(opts: { gap?: number; len?: number; channels?: readonly ChannelInfo[] } = {}): SampleBlock {
    const gap = opts.gap ?? 0;
    const len = opts.len ?? this.blockLen;
    this.next += gap;
    const first = this.next;
    const data = this.channels.map((_, c) => {
      const a = new Int32Array(len);
      for (let i = 0; i < len; i++) {
        a[i] = Math.round((this.rand() * 2 - 1) * this.amplitude);
        this.samples[c]?.push(a[i] as number);
      }
      return a;
    });
    this.next += len;
    return {
      kind: 'samples',
      deviceId: this.deviceId,
      seq: this.seq++,
      firstSample: first,
      gap,
      channels: opts.channels ?? this.channels,
      data,
      length: len,
      deviceTimeMs: null,
      hubTimeMs: (first * 1000) / (this.channels[0]?.sampleRate ?? 1),
      wallTimeMs: this.timeOf(first),
    };
  }
}

export function measurement(deviceId: string, metric: Measurement['metric'], value: number | null, wallTimeMs: number): Measurement {
  return { kind: 'measurement', deviceId, metric, value, unit: metric === 'spo2' ? '%' : '/min', deviceTimeMs: null, hubTimeMs: wallTimeMs - 1e12, wallTimeMs };
}

/** Concatenates the samples of segments (in order) into a plain array. */
export function concatSamples(segs: readonly { samples: Int16Array | Int32Array }[]): number[] {
  const out: number[] = [];
  for (const s of segs) for (const v of s.samples) out.push(v);
  return out;
}

/** A JSON logger whose records are kept for assertions. */
export function captureLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: { write: (l) => records.push(JSON.parse(l) as Record<string, unknown>) } });
  return { logger, records };
}
