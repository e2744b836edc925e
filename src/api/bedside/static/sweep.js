// The ECG as a monitor draws it: a sweep across the screen at 25 mm/s and 10 mm/mV (the
// standard paper speed and gain, IEC 60601-2-27) over a 1 mm / 5 mm grid, with an erase bar
// running just ahead of the trace. Samples are drawn at their own timestamps with a small
// fixed display delay, so the sweep moves at a steady speed however the frames arrive; time
// with no samples stays blank (a gap is shown as a gap, never bridged).

const MM_PER_S = 25;
const MM_PER_MV = 10;
const ERASE_MM = 5;
const CAPACITY = 16384; // > 60 s at 250 Hz

export class EcgSweep {
  /**
   * @param {HTMLCanvasElement} grid  background layer (grid, redrawn on resize only)
   * @param {HTMLCanvasElement} trace transparent layer on top (the sweep)
   * @param {{pxPerMm: number, delayMs: number}} opts
   */
  constructor(grid, trace, opts) {
    this.grid = grid;
    this.trace = trace;
    this.pxPerMm = opts.pxPerMm;
    this.delayMs = opts.delayMs;
    this.leads = /** @type {string[]} */ ([]);
    this.shown = 1;
    this.times = new Float64Array(CAPACITY);
    this.values = /** @type {Float32Array[]} */ ([]);
    this.head = 0; // next write slot
    this.count = 0;
    this.read = 0; // next sample to draw (absolute index)
    this.written = 0; // samples ever written (absolute index of head)
    this.newestT = -Infinity;
    this.nextT = -Infinity; // where the next block should start if it continues the last one
    this.lastArrivalLocal = -Infinity;
    this.offset = null; // display time = local time + offset; null until data arrives
    this.lastT = null;
    // Last point drawn per lead (t = NaN: none, the next sample starts a new segment).
    this.prevX = new Float64Array(8);
    this.prevY = new Float64Array(8);
    this.prevT = new Float64Array(8).fill(NaN);
    this.w = 0;
    this.h = 0;
    this.samplePeriodMs = 4;
  }

  /** @param {string[]} leads */
  setLeads(leads) {
    if (leads.join('|') === this.leads.join('|')) return;
    this.leads = leads.slice();
    this.values = leads.map(() => new Float32Array(CAPACITY));
    this.head = this.count = this.read = this.written = 0;
    this.prevT.fill(NaN);
    this.resize();
  }

  setPxPerMm(v) {
    this.pxPerMm = v;
    this.resize();
  }

  /** A `wave` event: samples in mV, the first at wallTimeMs (hub clock). */
  push(ev, localNowMs) {
    if (this.leads.length === 0) this.setLeads(ev.leads);
    const n = ev.data[0] ? ev.data[0].length : 0;
    const dt = 1000 / ev.sampleRate;
    this.samplePeriodMs = dt;
    // Blocks are stamped when the hub received them, with some jitter: a block that starts
    // within a few samples of where the previous one ended continues it exactly, so jitter
    // never shows as a false gap or a backwards step. A real outage is longer than that.
    let start = ev.wallTimeMs;
    const expected = this.nextT;
    if (Math.abs(start - expected) <= Math.max(3 * dt, 60)) start = expected;
    this.nextT = start + n * dt;
    for (let i = 0; i < n; i++) {
      this.times[this.head] = start + i * dt;
      for (let l = 0; l < this.values.length; l++) {
        const lead = ev.data[l];
        const v = lead ? lead[i] : null;
        this.values[l][this.head] = v === null || v === undefined ? NaN : v;
      }
      this.head = (this.head + 1) % CAPACITY;
      this.written++;
    }
    this.count = Math.min(CAPACITY, this.count + n);
    if (this.read < this.written - CAPACITY) this.read = this.written - CAPACITY;
    if (n > 0) {
      this.newestT = Math.max(this.newestT, start + (n - 1) * dt);
      this.lastArrivalLocal = localNowMs;
    }
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const rect = this.trace.getBoundingClientRect();
    this.w = Math.max(1, Math.floor(rect.width));
    this.h = Math.max(1, Math.floor(rect.height));
    for (const c of [this.grid, this.trace]) {
      c.width = Math.round(this.w * dpr);
      c.height = Math.round(this.h * dpr);
      const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    // Each lead needs at least 30 mm (+-1.5 mV) of height to be readable.
    this.shown = Math.max(1, Math.min(this.leads.length || 1, 8, Math.floor(this.h / (30 * this.pxPerMm))));
    this.prevT.fill(NaN);
    this.drawGrid();
  }

  drawGrid() {
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.grid.getContext('2d'));
    const mm = this.pxPerMm;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.w, this.h);
    const lines = (step, style) => {
      ctx.beginPath();
      for (let x = 0.5; x < this.w; x += step) ctx.moveTo(Math.round(x) + 0.5, 0), ctx.lineTo(Math.round(x) + 0.5, this.h);
      for (let y = 0.5; y < this.h; y += step) ctx.moveTo(0, Math.round(y) + 0.5), ctx.lineTo(this.w, Math.round(y) + 0.5);
      ctx.strokeStyle = style;
      ctx.lineWidth = 1;
      ctx.stroke();
    };
    if (mm >= 3) lines(mm, 'rgba(0, 150, 60, 0.22)');
    lines(5 * mm, 'rgba(0, 190, 80, 0.45)');
  }

  /** X position of hub time t (ms) on the sweep. */
  xOf(t) {
    const px = (t * MM_PER_S * this.pxPerMm) / 1000;
    return ((px % this.w) + this.w) % this.w;
  }

  /** Draws everything up to the display time for `localNowMs`; call once per animation frame. */
  frame(localNowMs) {
    if (this.newestT === -Infinity || this.w <= 1) return;
    this.steer(localNowMs);
    const T = localNowMs + /** @type {number} */ (this.offset);
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.trace.getContext('2d'));
    const sweepMs = (this.w / (MM_PER_S * this.pxPerMm)) * 1000;
    const last = this.lastT === null || T - this.lastT > sweepMs || T < this.lastT ? null : this.lastT;
    this.erase(ctx, last, T, sweepMs);
    this.drawSamples(ctx, last ?? T - 1, T);
    this.lastT = T;
  }

  /** Keeps the display `delayMs` behind the newest sample, absorbing clock drift slowly (no visible speed change). */
  steer(localNowMs) {
    const target = this.newestT - this.delayMs;
    if (this.offset === null) {
      this.offset = target - localNowMs;
      return;
    }
    const error = target - (localNowMs + this.offset);
    // Data resumed after an outage, or the hub clock jumped: re-anchor at once.
    if (Math.abs(error) > 3 * this.delayMs + 2000) {
      if (localNowMs - this.lastArrivalLocal < 1000) this.offset = target - localNowMs;
      return;
    }
    // Only steer while data is arriving; during an outage the sweep keeps its pace and draws nothing.
    if (localNowMs - this.lastArrivalLocal < 1000) this.offset += error * 0.002;
  }

  erase(ctx, from, to, sweepMs) {
    const e = ERASE_MM * this.pxPerMm;
    if (from === null || to - from >= sweepMs) {
      ctx.clearRect(0, 0, this.w, this.h);
      this.prevT.fill(NaN);
      return;
    }
    const x0 = (this.xOf(from) + e) % this.w;
    const x1 = (this.xOf(to) + e) % this.w;
    if (x1 >= x0) ctx.clearRect(x0, 0, x1 - x0 + 1, this.h);
    else {
      ctx.clearRect(x0, 0, this.w - x0, this.h);
      ctx.clearRect(0, 0, x1 + 1, this.h);
    }
  }

  drawSamples(ctx, from, to) {
    const band = this.h / this.shown;
    const gain = MM_PER_MV * this.pxPerMm;
    const gapMs = 2.5 * this.samplePeriodMs;
    ctx.lineWidth = 1.6;
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#3f6';
    // Skip what is already behind the cursor (late frames are not drawn over the past).
    let i = this.read;
    const oldest = this.written - this.count;
    if (i < oldest) i = oldest;
    ctx.beginPath();
    for (; i < this.written; i++) {
      const slot = i % CAPACITY;
      const t = this.times[slot];
      if (t > to) break;
      if (t <= from) continue;
      const x = this.xOf(t);
      for (let l = 0; l < this.shown; l++) {
        const v = this.values[l][slot];
        if (Number.isNaN(v)) {
          this.prevT[l] = NaN;
          continue;
        }
        const y = band * l + band / 2 - v * gain;
        // NaN prevT compares false: no segment. A wrap (x < prevX) starts afresh at the left edge.
        if (t - this.prevT[l] <= gapMs && x >= this.prevX[l]) {
          ctx.moveTo(this.prevX[l], this.prevY[l]);
          ctx.lineTo(x, y);
        }
        this.prevX[l] = x;
        this.prevY[l] = y;
        this.prevT[l] = t;
      }
    }
    ctx.stroke();
    this.read = i;
  }
}

/** CSS px per mm: URL ?pxPerMm= overrides the hub's setting, else the CSS reference 96 px per inch. */
export function pxPerMmFor(search, configured) {
  const q = Number(new URLSearchParams(search).get('pxPerMm'));
  if (Number.isFinite(q) && q >= 1 && q <= 40) return q;
  if (typeof configured === 'number' && configured > 0) return configured;
  return 96 / 25.4;
}
