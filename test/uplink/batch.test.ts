import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decoder, Encoder } from 'cbor-x';
import { isVigilError } from '../../src/core/errors.ts';
import type { AlarmLogEntry } from '../../src/api/live.ts';
import { BATCH_FORMAT_VERSION, decodeBatch, emptyBatch, encodeBatch, type Batch, type BatchWave } from '../../src/uplink/batch.ts';
import { WIRE_KEYS } from '../../src/uplink/batch-wire.ts';
import { mulberry32 } from '../support/prng.ts';
import { repoRoot } from '../helpers/data.ts';

function wave(channel: string, firstSample: number, samples: number[], wallTimeMs = 1.7e12 + firstSample * 4): BatchWave {
  return { deviceId: 'ecg-1', channel, units: 'mV', gain: 200, baseline: 1024, sampleRate: 250, firstSample, wallTimeMs, samples: Int32Array.from(samples) };
}

const alarm: AlarmLogEntry = {
  seq: 12, atMs: 1.7e12 + 5, alarmId: 'spo2-low@ox', condition: 'spo2-low', priority: 'medium', event: 'onset', by: null, value: 84,
  limits: { low: 90, high: null }, detail: 'SpO2 low 84 < 90',
};

/** A small batch with every section filled. */
function sample(): Batch {
  return {
    ...emptyBatch('hub-7', 'ICU-3', 41, 1.7e12 + 0.25),
    waves: [
      wave('I', 0, [1000, 1002, 1010, 1030, 990]), wave('II', 0, [1024, 1020, 1019, 1050, 980]),
      wave('I', 5, [1001, 999]), wave('II', 5, [1000, 1001]), wave('RESP', 100, [5, 6, 7], 1.7e12 + 0.125),
    ],
    beats: [{ deviceId: 'ecg-1', sample: 3, wallTimeMs: 1.7e12 + 12, label: 'V', lead: 0, rrPrevS: 0.61, qrsWidthS: 0.14, amplitudeMv: 1.8, quality: 0.9 },
      { deviceId: 'ecg-1', sample: 300, wallTimeMs: 1.7e12 + 1200, label: 'N', lead: null, rrPrevS: null, qrsWidthS: null, amplitudeMv: null, quality: null },
      { deviceId: 'ecg-1', sample: 610, wallTimeMs: 1.7e12 + 2440, label: 'P', lead: 1, rrPrevS: 0.86, qrsWidthS: 0.16, amplitudeMv: 1.2, quality: 0.8 }],
    measurements: [{ deviceId: 'ox', metric: 'spo2', value: 84, unit: '%', wallTimeMs: 1.7e12 + 3, deviceTimeMs: null, decimals: 1 },
      { deviceId: 'nibp', metric: 'nibp_sys', value: null, unit: 'mm[Hg]', wallTimeMs: 1.7e12 + 4, deviceTimeMs: 99 }],
    events: [{ kind: 'status', wallTimeMs: 1.7e12 + 1, deviceId: 'ox', state: 'connected' },
      { kind: 'rhythm', wallTimeMs: 1.7e12 + 2, condition: 'afib', phase: 'onset', detail: { list: [1, 'two', null, true] } }],
    alarms: [alarm, { ...alarm, seq: 13, event: 'acknowledged', by: 'nurse-1', limits: null, value: null, detail: null }],
    dropped: [{ fromSeq: 30, toSeq: 33, samples: 120000, fromMs: 1.6e12, toMs: null }],
  };
}

describe('uplink batch', () => {
  it('round-trips every section exactly', () => {
    const b = sample();
    const r = decodeBatch(encodeBatch(b));
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual(r.batch, b);
  });

  it('keeps the order of waves and the original segments when it joins runs for coding', () => {
    const b: Batch = { ...emptyBatch('h', 'b', 0, 0), waves: [wave('II', 3, [4, 5]), wave('I', 0, [1, 2, 3]), wave('II', 0, [7, 8, 9]), wave('I', 3, [9]), wave('I', 3, [2]), wave('X', 0, [])] };
    const r = decodeBatch(encodeBatch(b));
    assert.ok(r.ok);
    assert.deepEqual(r.batch, b);
  });

  it('refuses to encode a batch a receiver would reject', () => {
    const bad = [
      { ...sample(), seq: -1 },
      { ...sample(), seq: 1.5 },
      { ...sample(), createdMs: Number.NaN },
      { ...sample(), events: [{ kind: 'x' } as unknown as Batch['events'][number]] },
      { ...sample(), beats: [{ ...sample().beats[0], label: 'Z' } as unknown as Batch['beats'][number]] },
      { ...sample(), waves: [{ ...wave('I', 0, [1]), sampleRate: 0 }] },
    ];
    for (const b of bad) assert.throws(() => encodeBatch(b as Batch), (e: unknown) => isVigilError(e, 'VIGIL_BATCH_INVALID'));
  });

  it('matches the structure stated in docs/uplink-batch.cddl', () => {
    const cddl = readFileSync(path.join(repoRoot, 'docs', 'uplink-batch.cddl'), 'utf8').replace(/;[^\n]*/g, '');
    const raw = new Decoder({ useRecords: false, mapsAsObjects: true }).decode(encodeBatch(sample())) as Record<string, unknown>;
    // Top-level map: every key the CDDL lists, with its type, and nothing else.
    const top = /batch = \{([^}]*)\}/.exec(cddl)?.[1] ?? '';
    const fields = [...top.matchAll(/"(\w+)":\s*([^,\n]+)/g)].map((m) => [m[1] as string, (m[2] as string).trim()] as const);
    assert.deepEqual(fields.map((f) => f[0]).sort(), Object.keys(raw).sort());
    assert.deepEqual([...WIRE_KEYS].sort(), Object.keys(raw).sort());
    const typeOk: Record<string, (v: unknown) => boolean> = {
      tstr: (v) => typeof v === 'string', uint: (v) => Number.isSafeInteger(v) && (v as number) >= 0, number: (v) => typeof v === 'number',
    };
    for (const [k, type] of fields) {
      const v = raw[k];
      if (/^\d+$/.test(type)) assert.equal(v, Number(type), k);
      else if (type.startsWith('[*')) assert.ok(Array.isArray(v) && v.length > 0, `${k}: array`);
      else assert.ok(typeOk[type]?.(v), `${k}: ${type}, got ${String(v)}`);
    }
    // Fixed-position records: as many entries as the CDDL rule has fields.
    const arity = (rule: string, withOptional = false): number => {
      const body = new RegExp(`\\n${rule} = \\[([\\s\\S]*?)\\n\\]`).exec(cddl)?.[1] ?? '';
      return body.split('\n').filter((l) => (withOptional ? /^\s*(\?\s*)?[a-z-]+:/ : /^\s*[a-z-]+:/).test(l)).length;
    };
    const rec = (k: string): unknown[] => (raw[k] as unknown[])[0] as unknown[];
    assert.equal(rec('k').length, arity('beat'));
    // A measurement may end with its optional precision (the sample's first one has it).
    assert.equal(rec('m').length, arity('measurement', true));
    assert.equal(arity('measurement'), 6);
    assert.equal(rec('a').length, arity('alarm'));
    assert.equal(rec('d').length, arity('dropped'));
    const group = rec('w');
    assert.equal(group.length, arity('wave-group'));
    assert.equal(((group[4] as unknown[])[0] as unknown[]).length, arity('wave-channel'));
    assert.ok(group[6] instanceof Uint8Array, 'wave data is a byte string');
    assert.ok(group[5] === 0 || group[5] === 1, 'codec id');
    assert.equal(raw['v'], BATCH_FORMAT_VERSION);
  });

  it('reports every cut point of a small batch as truncated, never throwing', () => {
    const bytes = encodeBatch(sample());
    for (let cut = 0; cut < bytes.length; cut++) {
      const r = decodeBatch(bytes.subarray(0, cut));
      assert.equal(r.ok, false, `cut at ${cut}`);
      assert.equal(r.ok ? '' : r.code, 'VIGIL_BATCH_TRUNCATED', `cut at ${cut}`);
    }
  });

  it('rejects random garbage and corrupted batches with a code, never throwing', () => {
    const rnd = mulberry32(99);
    const codes = new Set(['VIGIL_BATCH_TRUNCATED', 'VIGIL_BATCH_INVALID', 'VIGIL_BATCH_VERSION', 'VIGIL_BATCH_TOO_LARGE']);
    for (let k = 0; k < 500; k++) {
      const junk = Uint8Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
      const r = decodeBatch(junk);
      assert.ok(!r.ok && codes.has(r.code), `garbage ${k}`);
    }
    const good = encodeBatch(sample());
    for (let k = 0; k < 500; k++) {
      const bad = good.slice();
      bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      const r = decodeBatch(bad);
      assert.ok(r.ok || codes.has(r.code), `flip ${k}`);
    }
  });

  it('names a wrong version, a non-batch and an oversized batch', () => {
    const enc = new Encoder({ useRecords: false });
    const v2 = decodeBatch(enc.encode({ v: 2, h: 'x' }));
    assert.equal(v2.ok ? '' : v2.code, 'VIGIL_BATCH_VERSION');
    const noV = decodeBatch(enc.encode({ h: 'x' }));
    assert.equal(noV.ok ? '' : noV.code, 'VIGIL_BATCH_INVALID');
    const arr = decodeBatch(enc.encode([1, 2, 3]));
    assert.equal(arr.ok ? '' : arr.code, 'VIGIL_BATCH_INVALID');
    const bytes = encodeBatch(sample());
    const big = decodeBatch(bytes, { maxBytes: bytes.length - 1 });
    assert.equal(big.ok ? '' : big.code, 'VIGIL_BATCH_TOO_LARGE');
    assert.ok(decodeBatch(bytes, { maxBytes: bytes.length }).ok);
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    const tr = decodeBatch(trailing);
    assert.equal(tr.ok ? '' : tr.code, 'VIGIL_BATCH_INVALID');
  });

  it('refuses a batch that claims more samples than it may hold, before decoding them', () => {
    const raw = new Decoder({ useRecords: false, mapsAsObjects: true }).decode(encodeBatch(sample())) as Record<string, unknown>;
    const group = (raw['w'] as unknown[][])[0] as unknown[];
    group[3] = 100_000_000;
    const r = decodeBatch(new Encoder({ useRecords: false }).encode(raw));
    assert.equal(r.ok ? '' : r.code, 'VIGIL_BATCH_TOO_LARGE');
  });
});
