import assert from 'node:assert/strict';
import { effectiveGain, parseHeader, type HeaderResult, type WfdbHeader } from '../../src/wfdb/header.ts';
import { mulberry32 } from '../support/prng.ts';

function ok(r: HeaderResult): WfdbHeader {
  if (!r.ok) assert.fail(`expected a header, got ${r.error.code}: ${r.error.message}`);
  return r.header;
}

function bad(r: HeaderResult, code: string, line: number): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, code);
  assert.equal(r.error.details.line, line);
}

describe('WFDB header parser', () => {
  it('parses a mitdb-style header with comments', () => {
    const h = ok(
      parseHeader(
        ['101 2 360 650000', '101.dat 212 200 11 1024 955 29832 0 MLII', '101.dat 212 200 11 1024 992 19589 0 V1', '# 75 F 1011 654 x1', '# Diapres', ''].join('\n'),
        '101',
      ),
    );
    assert.equal(h.recordName, '101');
    assert.equal(h.numSignals, 2);
    assert.equal(h.samplingFrequency, 360);
    assert.equal(h.numSamples, 650000);
    assert.deepEqual(h.comments, ['75 F 1011 654 x1', 'Diapres']);
    const [s0, s1] = h.signals;
    assert.ok(s0 && s1);
    assert.deepEqual(
      { ...s0 },
      {
        index: 0,
        fileName: '101.dat',
        format: 212,
        samplesPerFrame: 1,
        skew: 0,
        byteOffset: 0,
        gain: 200,
        baseline: 1024,
        units: 'mV',
        adcResolution: 11,
        adcZero: 1024,
        initialValue: 955,
        checksum: 29832,
        blockSize: 0,
        description: 'MLII',
      },
    );
    assert.equal(s1.description, 'V1');
    assert.equal(s1.checksum, 19589);
  });

  it('reads byte offsets, explicit baselines, units, spf, skew and multi-word descriptions', () => {
    const h = ok(
      parseHeader(
        [
          '# leading comment',
          'rec 3 500/1000(12) 2000 12:30:05 25/12/2020',
          'rec.dat 16+24 200(1024) 11 0 -167 29505 0 MLII lead, electrode 2',
          'rec.dat 16x2:3+24 1000.5/uV 16 5 7 -3 512 ECG V1',
          'x.dat 80 100(-5)/mmHg',
        ].join('\r\n'),
      ),
    );
    assert.equal(h.samplingFrequency, 500);
    assert.equal(h.counterFrequency, 1000);
    assert.equal(h.baseCounter, 12);
    assert.equal(h.baseTime, '12:30:05');
    assert.equal(h.baseDate, '25/12/2020');
    assert.deepEqual(h.comments, ['leading comment']);
    const [a, b, c] = h.signals;
    assert.ok(a && b && c);
    assert.equal(a.byteOffset, 24);
    assert.equal(a.baseline, 1024);
    assert.equal(a.adcZero, 0);
    assert.equal(a.initialValue, -167);
    assert.equal(a.description, 'MLII lead, electrode 2');
    assert.equal(b.samplesPerFrame, 2);
    assert.equal(b.skew, 3);
    assert.equal(b.byteOffset, 24);
    assert.equal(b.gain, 1000.5);
    assert.equal(b.units, 'uV');
    assert.equal(b.baseline, 5, 'baseline defaults to adczero');
    assert.equal(b.checksum, -3);
    assert.equal(b.blockSize, 512);
    assert.equal(c.gain, 100);
    assert.equal(c.baseline, -5);
    assert.equal(c.units, 'mmHg');
    assert.equal(c.adcResolution, 8, 'format 80 defaults to 8 bits');
  });

  it('applies WFDB defaults to every optional field', () => {
    const h = ok(parseHeader('rec 1\nrec.dat 212\n'));
    assert.equal(h.samplingFrequency, 250);
    assert.equal(h.numSamples, null);
    assert.equal(h.baseTime, null);
    const s = h.signals[0];
    assert.ok(s);
    assert.equal(s.gain, 200);
    assert.equal(s.baseline, 0);
    assert.equal(s.units, 'mV');
    assert.equal(s.adcResolution, 12);
    assert.equal(s.adcZero, 0);
    assert.equal(s.initialValue, 0);
    assert.equal(s.checksum, null);
    assert.equal(s.blockSize, 0);
    assert.equal(s.description, 'record rec, signal 0');
  });

  it('treats gain 0 as uncalibrated with DEFGAIN for conversion (nstdb bw/ma)', () => {
    const h = ok(parseHeader('bw 2 360 650000\nbw.dat 212 0 12 0 -29 -3562 0 noise1\nbw.dat 212 0 12 0 25 -20847 0 noise2'));
    assert.equal(h.signals[0]?.gain, 0);
    assert.equal(effectiveGain(h.signals[0]!), 200);
  });

  it('accepts a header with no signals', () => {
    const h = ok(parseHeader('ann 0 360'));
    assert.equal(h.signals.length, 0);
  });

  it('reports malformed lines with their line number', () => {
    bad(parseHeader(''), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('# only a comment\n'), 'VIGIL_WFDB_HEADER_INVALID', 2);
    bad(parseHeader('rec'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('rec two 360'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('rec 1 -360'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('rec 1 360 many'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('rec 1 360 10 noon'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    bad(parseHeader('# c\n\nrec 1 360 10\nrec.dat 212 abc'), 'VIGIL_WFDB_HEADER_INVALID', 4);
    bad(parseHeader('rec 1 360 10\nrec.dat 212 200(x)'), 'VIGIL_WFDB_HEADER_INVALID', 2);
    bad(parseHeader('rec 1 360 10\nrec.dat 212 200 11 zero'), 'VIGIL_WFDB_HEADER_INVALID', 2);
    bad(parseHeader('rec 1 360 10\nrec.dat 212+x'), 'VIGIL_WFDB_HEADER_INVALID', 2);
    bad(parseHeader('rec 1 360 10\nrec.dat'), 'VIGIL_WFDB_HEADER_INVALID', 2);
    bad(parseHeader('rec 2 360 10\nrec.dat 212'), 'VIGIL_WFDB_HEADER_INVALID', 3);
    bad(parseHeader('rec 1 360 10\nrec.dat 212\nrec.dat 212'), 'VIGIL_WFDB_HEADER_INVALID', 3);
    bad(parseHeader('rec 2 360 10\nrec.dat 212\nrec.dat 16'), 'VIGIL_WFDB_HEADER_INVALID', 3);
    bad(parseHeader('rec 3 360 10\na.dat 16\nb.dat 16\na.dat 16'), 'VIGIL_WFDB_HEADER_INVALID', 4);
  });

  it('checks the record name when asked', () => {
    bad(parseHeader('101 0 360', '102'), 'VIGIL_WFDB_HEADER_INVALID', 1);
    assert.equal(parseHeader('101 0 360', '101').ok, true);
  });

  it('refuses unsupported formats and multi-segment records with FORMAT_UNSUPPORTED', () => {
    bad(parseHeader('rec 1 360 10\nrec.dat 310'), 'VIGIL_WFDB_FORMAT_UNSUPPORTED', 2);
    bad(parseHeader('rec 1 360 10\nrec.dat 8'), 'VIGIL_WFDB_FORMAT_UNSUPPORTED', 2);
    bad(parseHeader('multi/3 2 360 1000'), 'VIGIL_WFDB_FORMAT_UNSUPPORTED', 1);
  });

  it('never throws on random text', () => {
    const rnd = mulberry32(0x4ea);
    const alphabet = '0123456789 ./+-:x()#\nabcdefMV\t~';
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 120);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = parseHeader(s);
      if (!r.ok) assert.match(r.error.code, /^VIGIL_WFDB_(HEADER_INVALID|FORMAT_UNSUPPORTED)$/);
    }
  });
});
