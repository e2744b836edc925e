import assert from 'node:assert/strict';
import { hrvStats, monitorHeartRate, RrHistory } from '../../src/ecg/index.ts';

describe('ecg rate: monitor heart rate (IEC 60601-2-27 / EC13)', () => {
  it('averages the last 12 RR intervals', () => {
    const rr = [2, 2, 2, ...new Array<number>(12).fill(0.5)];
    assert.equal(monitorHeartRate(rr, rr.length), 120);
    const mixed = [...new Array<number>(6).fill(0.5), ...new Array<number>(6).fill(1.0)];
    assert.equal(monitorHeartRate(mixed, 12), 80); // mean 0.75 s
  });

  it('uses the last 4 when the last 3 RR each exceed 1.2 s', () => {
    const rr = [...new Array<number>(10).fill(0.6), 1.0, 1.5, 1.5, 1.5];
    assert.equal(monitorHeartRate(rr, rr.length), 60 / ((1.0 + 4.5) / 4));
    const notQuite = [...new Array<number>(10).fill(0.6), 1.5, 1.5, 1.2];
    assert.ok(Math.abs((monitorHeartRate(notQuite, notQuite.length) as number) - 60 / ((9 * 0.6 + 4.2) / 12)) < 1e-9);
  });

  it('uses what there is with fewer than 12 and returns null with none', () => {
    assert.equal(monitorHeartRate([1, 0.5], 2), 80);
    assert.equal(monitorHeartRate([], 0), null);
  });
});

describe('ecg rate: HRV', () => {
  it('matches hand-computed SDNN, RMSSD, pNN50', () => {
    const rr = [0.8, 0.9, 0.82, 0.88, 0.8];
    const adj = [0, 1, 1, 1, 1];
    const h = hrvStats(rr, adj, rr.length);
    assert.ok(h);
    // mean 0.84; deviations -.04 .06 -.02 .04 -.04 -> ss = .0016+.0036+.0004+.0016+.0016 = .0088; /4 -> sd = .0469
    assert.ok(Math.abs(h.sdnnMs - 1000 * Math.sqrt(0.0088 / 4)) < 1e-9);
    // diffs .1 -.08 .06 -.08 -> sq .01 .0064 .0036 .0064 = .0264 /4 -> rmssd = .08124
    assert.ok(Math.abs(h.rmssdMs - 1000 * Math.sqrt(0.0264 / 4)) < 1e-9);
    assert.equal(h.pnn50, 1); // all four differences exceed 50 ms
    assert.equal(h.nnCount, 5);
  });

  it('does not pair intervals across a gap', () => {
    const h = hrvStats([0.8, 1.0, 0.8, 0.81], [0, 1, 0, 1], 4);
    assert.ok(h);
    // pairs (0.8,1.0) and (0.8,0.81): diffs .2 and .01
    assert.ok(Math.abs(h.rmssdMs - 1000 * Math.sqrt((0.04 + 0.0001) / 2)) < 1e-9);
    assert.equal(h.pnn50, 0.5);
  });

  it('RrHistory windows HRV by time, skips non-NN, and is bounded', () => {
    const hist = new RrHistory(32);
    let t = 0;
    for (let i = 0; i < 100; i++) {
      const rr = i % 2 ? 0.8 : 0.9;
      t += rr * 360;
      hist.push(t, rr, i !== 50, true);
    }
    assert.equal(hist.size, 32);
    const h = hist.hrv(t - 20 * 360, t);
    assert.ok(h);
    assert.ok(h.nnCount >= 20 && h.nnCount <= 25);
    assert.ok(Math.abs(h.rmssdMs - 100) < 1e-6);
    assert.ok(Math.abs((hist.heartRate() as number) - 60 / 0.85) < 1e-9);
    assert.equal(hist.hrv(t - 3 * 360, t), null, 'fewer than 10 NN');
  });
});
