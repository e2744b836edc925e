/**
 * Eyeball check of the synthetic patient: writes an SVG and a PNG of a few seconds of each
 * rhythm on ECG paper (25 mm/s, 10 mm/mV) to a directory outside the repository. The PNG is
 * rasterised here (node:zlib) so no image tool is needed. Beat marks on top: blue N, red V,
 * green A, grey others.
 *
 *   npx tsx test/drivers/synthetic/render-strips.ts [outDir=/tmp/vigil-strips] [sampleRate=500]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { EcgSynth } from '../../../drivers/synthetic/ecgsyn.ts';
import { parseScenario, type SegmentSpec } from '../../../drivers/synthetic/scenario.ts';

const outDir = process.argv[2] ?? '/tmp/vigil-strips';
const fs = Number(process.argv[3] ?? 500);
const seconds = 6;

const strips: Record<string, SegmentSpec[]> = {
  sinus: [{ durationS: seconds, rhythm: 'sinus', hr: 72 }],
  pvc: [{ durationS: seconds, rhythm: 'sinus', hr: 75, pvcPerMin: 30, pvcCoupletFraction: 0.3 }],
  apc: [{ durationS: seconds, rhythm: 'sinus', hr: 70, apcPerMin: 30 }],
  af: [{ durationS: seconds, rhythm: 'af', hr: 110 }],
  vt: [
    { durationS: 2, rhythm: 'sinus', hr: 80 },
    { durationS: seconds - 2, rhythm: 'vt', hr: 190 },
  ],
  vf: [
    { durationS: 1.5, rhythm: 'sinus', hr: 80 },
    { durationS: seconds - 1.5, rhythm: 'vf' },
  ],
  asystole: [
    { durationS: 2, rhythm: 'sinus', hr: 70 },
    { durationS: seconds - 2, rhythm: 'asystole' },
  ],
  paced: [{ durationS: seconds, rhythm: 'paced', hr: 70 }],
  noisy: [{ durationS: seconds, rhythm: 'sinus', hr: 72, noise: { baselineWanderMv: 0.3, mainsMv: 0.05, emgMv: 0.04 } }],
};

mkdirSync(outDir, { recursive: true });
for (const [name, segments] of Object.entries(strips)) {
  const sc = parseScenario({ seed: 7, sampleRate: fs, segments, noise: { emgMv: 0.005 } });
  const g = new EcgSynth(sc, { leads: ['II', 'V1'] });
  const n = sc.cycleSamples;
  const data = [new Int32Array(n), new Int32Array(n)];
  g.generate(data, n);
  const truth = g.drainTruth();
  writeFileSync(path.join(outDir, `${name}.svg`), svg(name, data, g.gain, truth));
  writeFileSync(path.join(outDir, `${name}.png`), png(data, g.gain, truth));
}
process.stdout.write(`wrote ${Object.keys(strips).length} strips to ${outDir}\n`);

function svg(name: string, data: Int32Array[], gain: number, truth: { sample: number; code: string }[]): string {
  const pxPerMm = 4;
  const wMm = seconds * 25;
  const rowMm = 40;
  const W = wMm * pxPerMm;
  const H = rowMm * data.length * pxPerMm + 20;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#fff"/>`];
  for (let x = 0; x <= wMm; x++) {
    parts.push(`<line x1="${x * pxPerMm}" y1="0" x2="${x * pxPerMm}" y2="${H}" stroke="${x % 5 ? '#fbd' : '#f9a'}" stroke-width="${x % 5 ? 0.5 : 1}"/>`);
  }
  for (let y = 0; y <= H / pxPerMm; y++) {
    parts.push(`<line x1="0" y1="${y * pxPerMm}" x2="${W}" y2="${y * pxPerMm}" stroke="${y % 5 ? '#fbd' : '#f9a'}" stroke-width="${y % 5 ? 0.5 : 1}"/>`);
  }
  data.forEach((ch, c) => {
    const mid = (rowMm * c + rowMm / 2) * pxPerMm + 10;
    const pts: string[] = [];
    for (let i = 0; i < ch.length; i++) {
      const x = ((i / fs) * 25 * pxPerMm).toFixed(1);
      const y = (mid - ((ch[i] ?? 0) / gain) * 10 * pxPerMm).toFixed(1);
      pts.push(`${x},${y}`);
    }
    parts.push(`<polyline fill="none" stroke="#000" stroke-width="1.2" points="${pts.join(' ')}"/>`);
    parts.push(`<text x="4" y="${mid - 60}" font-size="14">${c === 0 ? 'II' : 'V1'} ${name}</text>`);
  });
  for (const e of truth) {
    parts.push(`<text x="${((e.sample / fs) * 25 * pxPerMm).toFixed(1)}" y="14" font-size="12" fill="#00f">${e.code}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Raster version of the same strip: 4 px per mm, grid, trace, beat marks. */
function png(data: Int32Array[], gain: number, truth: { sample: number; code: string }[]): Buffer {
  const pxPerMm = 4;
  const rowMm = 40;
  const W = seconds * 25 * pxPerMm;
  const H = rowMm * data.length * pxPerMm + 20;
  const img = Buffer.alloc(W * H * 3, 255);
  const put = (x: number, y: number, r: number, g: number, b: number): void => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const o = (y * W + x) * 3;
    img[o] = r;
    img[o + 1] = g;
    img[o + 2] = b;
  };
  for (let x = 0; x < W; x += pxPerMm) for (let y = 0; y < H; y++) put(x, y, 255, (x / pxPerMm) % 5 ? 215 : 160, (x / pxPerMm) % 5 ? 225 : 180);
  for (let y = 0; y < H; y += pxPerMm) for (let x = 0; x < W; x++) put(x, y, 255, (y / pxPerMm) % 5 ? 215 : 160, (y / pxPerMm) % 5 ? 225 : 180);
  data.forEach((ch, c) => {
    const mid = (rowMm * c + rowMm / 2) * pxPerMm + 10;
    let px = 0;
    let py = mid;
    for (let i = 0; i < ch.length; i++) {
      const x = Math.round((i / fs) * 25 * pxPerMm);
      const y = Math.round(mid - ((ch[i] ?? 0) / gain) * 10 * pxPerMm);
      if (i > 0) line(px, py, x, y, (xx, yy) => put(xx, yy, 0, 0, 0));
      px = x;
      py = y;
    }
  });
  for (const e of truth) {
    const x = Math.round((e.sample / fs) * 25 * pxPerMm);
    const col = e.code === 'N' ? [0, 0, 255] : e.code === 'V' ? [255, 0, 0] : e.code === 'A' ? [0, 160, 0] : [120, 120, 120];
    for (let y = 0; y < 12; y++) for (let dx = -1; dx <= 1; dx++) put(x + dx, y, col[0]!, col[1]!, col[2]!);
  }
  const raw = Buffer.alloc((W * 3 + 1) * H);
  for (let y = 0; y < H; y++) img.copy(raw, y * (W * 3 + 1) + 1, y * W * 3, (y + 1) * W * 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function line(x0: number, y0: number, x1: number, y1: number, plot: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    plot(x0, y0);
    plot(x0, y0 + 1);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(tb), 0);
  return Buffer.concat([len, tb, crc]);
}

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
