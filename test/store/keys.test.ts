import assert from 'node:assert/strict';
import { MAX_KEY_TIME, eventKeyTime, padTime, parseSeriesKey, prefixEnd, seqSuffix, seriesPrefix } from '../../src/store/keys.ts';
import { prng } from './helpers.ts';

describe('store keys', () => {
  it('padded times sort bytewise exactly as the numbers do', () => {
    const rand = prng(42);
    const times = [0, 1, 9, 10, 999, 1000, Date.UTC(2026, 0, 1), MAX_KEY_TIME];
    for (let i = 0; i < 500; i++) times.push(Math.floor(rand() * 2 ** (1 + Math.floor(rand() * 49))));
    const byString = [...times].sort((a, b) => (padTime(a) < padTime(b) ? -1 : padTime(a) > padTime(b) ? 1 : 0));
    const byNumber = [...times].sort((a, b) => a - b);
    assert.deepEqual(byString, byNumber);
    assert.ok(times.every((t) => padTime(t).length === 15));
  });

  it('floors fractions and clamps impossible times instead of producing unsortable keys', () => {
    assert.equal(padTime(1234.9), '000000000001234');
    assert.equal(padTime(-5), '000000000000000');
    assert.equal(padTime(Number.NaN), '000000000000000');
    assert.equal(padTime(1e20), String(MAX_KEY_TIME));
  });

  it('keeps every series inside its own [prefix, prefixEnd) range, whatever the names contain', () => {
    const names = ['dev-1', 'dev-10', 'dev-1/x', 'dev', 'a%2Fb', 'a/b', 'ü-monitor', 'x0', 'x', 'x/', '', ' '];
    const keys: Array<{ dev: string; ch: string; key: string }> = [];
    for (const dev of names) for (const ch of names) keys.push({ dev, ch, key: seriesPrefix(dev, ch) + padTime(5) + '/' + seqSuffix(1, 2) });
    for (const { dev, ch } of keys) {
      const p = seriesPrefix(dev, ch);
      const inside = keys.filter((k) => k.key >= p && k.key < prefixEnd(p));
      assert.deepEqual(inside.map((k) => [k.dev, k.ch]), [[dev, ch]], `series ${JSON.stringify([dev, ch])}`);
    }
  });

  it('parses the keys it builds, and rejects foreign ones', () => {
    const key = seriesPrefix('serial:/dev/ttyUSB0', 'II/aVF') + padTime(1767225600123) + '/' + seqSuffix(12, 345);
    assert.deepEqual(parseSeriesKey(key), {
      deviceId: 'serial:/dev/ttyUSB0', name: 'II/aVF', prefix: 'serial%3A%2Fdev%2FttyUSB0/II%2FaVF/', timeMs: 1767225600123,
    });
    assert.equal(parseSeriesKey('a/b/123/000001/0000000001'), null, 'time not 15 digits');
    assert.equal(parseSeriesKey('%E0%A4%A/b/' + padTime(1) + '/000001/0000000001'), null, 'bad percent-encoding');
    assert.equal(parseSeriesKey('just-a-key'), null);
    assert.equal(eventKeyTime(padTime(77) + '/' + seqSuffix(1, 1)), 77);
    assert.ok(Number.isNaN(eventKeyTime('garbage')));
  });
});
