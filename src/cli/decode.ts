/**
 * `vigil decode FILE|-`: prints one uplink batch (docs/uplink-batch.cddl) as JSON, for
 * debugging a transport or a receiver. Waveform samples are printed as plain arrays.
 */
import { readFile } from 'node:fs/promises';
import { VigilError, systemCode } from '../core/errors.ts';
import { batchSampleCount, decodeBatch, type Batch } from '../uplink/batch.ts';
import { EXIT_OK, parse, report, type CommandSpec, type Io } from './common.ts';

export const decodeSpec: CommandSpec = {
  name: 'decode',
  summary: 'Print an uplink batch (CBOR) as JSON.',
  usage: 'vigil decode FILE|- [--summary]',
  help: `
Reads one batch from FILE (or standard input for -), checks it against the batch format
(docs/uplink-batch.cddl) and prints it as JSON on stdout; waveform samples are arrays of
raw ADC integers.

Options:
  --summary  print only the header and the number of entries per section
  -h, --help show this help

Exit status: 0 decoded, 1 not a valid batch (the error code is printed on stderr:
VIGIL_BATCH_TRUNCATED, VIGIL_BATCH_VERSION, VIGIL_BATCH_INVALID, VIGIL_BATCH_TOO_LARGE)
or unreadable file (VIGIL_BATCH_UNREADABLE), 2 usage error.`,
  options: { summary: { type: 'boolean' } },
  allowPositionals: true,
};

async function readInput(file: string): Promise<Uint8Array> {
  try {
    if (file !== '-') return await readFile(file);
    const parts: Buffer[] = [];
    for await (const chunk of process.stdin) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  } catch (e: unknown) {
    throw new VigilError('VIGIL_BATCH_UNREADABLE', `cannot read ${file === '-' ? 'standard input' : file}`, { cause: e, details: { file, systemCode: systemCode(e) } });
  }
}

/** Header and counts per section. */
export function batchSummary(b: Batch): Record<string, unknown> {
  return {
    hubId: b.hubId, bed: b.bed, seq: b.seq, createdMs: b.createdMs,
    waves: b.waves.length, samples: batchSampleCount(b), beats: b.beats.length, measurements: b.measurements.length,
    events: b.events.length, alarms: b.alarms.length, dropped: b.dropped.length,
  };
}

export async function decode(argv: string[], io: Io): Promise<number> {
  try {
    const p = parse(decodeSpec, argv, io);
    if (!p) return EXIT_OK;
    const file = p.positionals[0];
    if (file === undefined || p.positionals.length > 1) throw new VigilError('VIGIL_USAGE', `expected exactly one FILE (or -)\nusage: ${decodeSpec.usage}`);
    const bytes = await readInput(file);
    const r = decodeBatch(bytes);
    if (!r.ok) throw new VigilError(r.code, `${file}: ${r.message}`);
    const out = p.values.summary === true ? batchSummary(r.batch) : r.batch;
    io.out(JSON.stringify(out, (_k, v: unknown) => (v instanceof Int32Array ? Array.from(v) : v)) + '\n');
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io);
  }
}
