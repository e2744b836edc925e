import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evalCommand, evalSpec, parseRecordList } from '../../src/cli/eval.ts';
import { captureIo } from '../support/io.ts';
import { writeAnnotations } from '../../src/wfdb/annotations.ts';
import { ann, beats } from './support.ts';

const capture = captureIo;

const FS = 360;
const LEN = 400 * FS;
/** Beats every second from 301 s: 98 of them inside [300 s, 400 s). */
const times = Array.from({ length: 98 }, (_, i) => (301 + i) * FS);

describe('vigil eval (CLI)', () => {
  let dir = '';
  let testDir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-eval-cli-'));
    testDir = path.join(dir, 'out');
    await mkdir(testDir);
    const hea = (r: string): string => `${r} 1 ${FS} ${LEN}\n${r}.dat 212 200 11 1024 0 0 0 MLII\n`;
    // rec1: test misses 2 beats and adds 1, and calls one V beat correctly.
    const ref1 = ann([...beats(times.slice(0, 97)), [times[97]!, 'V']]);
    const test1 = ann([...beats(times.slice(2, 97)), [times[97]!, 'V'], [times[50]! + FS / 2, 'N']]);
    // 102 (a paced record name): perfect.
    const ref2 = ann(beats(times, '/'));
    for (const [r, ref, test] of [['rec1', ref1, test1], ['102', ref2, ref2]] as const) {
      await writeFile(path.join(dir, `${r}.hea`), hea(r));
      await writeFile(path.join(dir, `${r}.atr`), writeAnnotations(ref));
      await writeFile(path.join(dir, `${r}.vigil`), writeAnnotations(test));
      await writeFile(path.join(testDir, `${r}.qrs`), writeAnnotations(test));
    }
    // rec3 has no test annotations.
    await writeFile(path.join(dir, 'rec3.hea'), hea('rec3'));
    await writeFile(path.join(dir, 'rec3.atr'), writeAnnotations(ref2));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help prints usage on stdout and exits 0', async () => {
    const io = capture();
    assert.equal(await evalCommand(['--help'], io), 0);
    assert.match(io.stdout(), /^usage: vigil eval --data DIR/);
    assert.equal(evalSpec.name, 'eval');
  });

  it('without --data, or with a bad option value, exits 2 with VIGIL_USAGE', async () => {
    const a = capture();
    assert.equal(await evalCommand([], a), 2);
    assert.match(a.stderr(), /VIGIL_USAGE/);
    const b = capture();
    assert.equal(await evalCommand(['--data', dir, '--start', '-3'], b), 2);
    assert.equal(b.stdout(), '');
  });

  it('scores every record with both files, notes the skipped one, prints the table', async () => {
    const io = capture();
    assert.equal(await evalCommand(['--data', dir], io), 0);
    assert.match(io.stderr(), /skipping 1 record\(s\) without \.vigil annotations: rec3/);
    const lines = io.stdout().split('\n');
    assert.match(lines[0]!, /^Record\s+Beats\s+TP\s+FN\s+FP\s+Se%\s+\+P%\s+VEB Se/);
    const rec1 = lines.find((l) => l.startsWith('rec1'))!;
    assert.deepEqual(rec1.split(/\s+/).slice(0, 7), ['rec1', '98', '96', '2', '1', (9600 / 98).toFixed(2), (9600 / 97).toFixed(2)]);
    assert.match(lines.find((l) => l.startsWith('102'))!, /^102\*\s+98\s+98\s+0\s+0\s+100\.00\s+100\.00/);
    assert.match(io.stdout(), /102: Se 100\.00 % \(98 of 98\), \+P 100\.00 %/);
    assert.match(lines.find((l) => l.startsWith('Gross'))!, /^Gross\s+196\s+194\s+2\s+1\s+98\.98\s+99\.49/);
    // Average: mean of the per-record figures, (96/98 + 1) / 2 and (96/97 + 1) / 2.
    assert.match(lines.find((l) => l.startsWith('Average'))!, /^Average\s+98\.98\s+99\.48/);
    assert.match(io.stdout(), /\* paced record/);
    assert.match(io.stdout(), /Ectopic runs, run by run \(gross over 1 record\(s\); paced 102 left out/);
    assert.match(io.stdout(), /^VE couplet\s/m);
  });

  it('--json prints one object with per-record results and aggregates', async () => {
    const io = capture();
    assert.equal(await evalCommand(['--data', dir, '--json', '--records', 'rec1 102'], io), 0);
    const j = JSON.parse(io.stdout()) as {
      ok: boolean;
      records: { record: string; bxb: { qrs: { tp: number; fn: number; fp: number }; veb: { se: number } } }[];
      aggregate: { pacedExcluded: string[]; gross: { qrs: { se: number } } };
      skipped: string[];
      paced: Record<string, { tp: number; fn: number; fp: number }>;
    };
    assert.equal(j.ok, true);
    assert.deepEqual(j.records.map((r) => r.record), ['rec1', '102']);
    assert.deepEqual(j.records[0]!.bxb.qrs, { tp: 96, fn: 2, fp: 1, se: 96 / 98, ppv: 96 / 97 });
    assert.equal(j.records[0]!.bxb.veb.se, 1);
    assert.deepEqual(j.aggregate.pacedExcluded, ['102']);
    assert.deepEqual(Object.keys(j.paced), ['102'], 'paced-beat figures for the paced record only');
    assert.deepEqual([j.paced['102']?.tp, j.paced['102']?.fn, j.paced['102']?.fp], [98, 0, 0]);
    assert.equal(j.aggregate.gross.qrs.se, 194 / 196);
    assert.deepEqual(j.skipped, []);
    const runs = (j as unknown as { runs: { ve: { seMatrix: number[][] } }; records: { runs: { ve: { seMatrix: number[][] } } }[] });
    assert.equal(runs.runs.ve.seMatrix.length, 7, 'gross run matrices');
    assert.equal(runs.records[0]!.runs.ve.seMatrix.length, 7, 'per-record run matrices');
  });

  it('--test-dir and --annotator read test annotations from elsewhere; --start moves the interval', async () => {
    const io = capture();
    assert.equal(await evalCommand(['--data', dir, '--test-dir', testDir, '--annotator', 'qrs', '--records', 'rec1', '--start', '310'], io), 0);
    // From 310 s: 89 reference beats (310..398 s), the two misses (301, 302 s) fall before it.
    assert.match(io.stdout(), /^rec1\s+89\s+89\s+0\s+1\s/m);
  });

  it('a requested record with missing files exits 1 with VIGIL_EVAL_RECORD_MISSING', async () => {
    const a = capture();
    assert.equal(await evalCommand(['--data', dir, '--records', 'rec1,rec3'], a), 1);
    assert.match(a.stderr(), /VIGIL_EVAL_RECORD_MISSING/);
    assert.match(a.stderr(), /rec3\.vigil/);
    const b = capture();
    assert.equal(await evalCommand(['--data', dir, '--records', 'nope', '--json'], b), 1);
    const j = JSON.parse(b.stdout()) as { ok: boolean; error: { code: string; what: string } };
    assert.equal(j.ok, false);
    assert.equal(j.error.code, 'VIGIL_EVAL_RECORD_MISSING');
    assert.equal(j.error.what, 'header');
  });

  it('a directory with nothing to score exits 1 with VIGIL_EVAL_NO_RECORDS', async () => {
    const io = capture();
    assert.equal(await evalCommand(['--data', testDir], io), 1);
    assert.match(io.stderr(), /VIGIL_EVAL_NO_RECORDS/);
  });

  it('progress goes to stderr only when it is a TTY', async () => {
    const tty = capture(true);
    assert.equal(await evalCommand(['--data', dir, '--records', 'rec1'], tty), 0);
    assert.match(tty.stderr(), /scoring rec1 \(1\/1\)/);
    const plain = capture(false);
    assert.equal(await evalCommand(['--data', dir, '--records', 'rec1'], plain), 0);
    assert.equal(plain.stderr(), '');
  });

  it('splits record lists on commas and spaces', () => {
    assert.deepEqual(parseRecordList('100, 101 102,,103'), ['100', '101', '102', '103']);
  });
});
