// The bedside view: live ECG sweep, numerics, device states, alarm banner and tones, alarm
// history, and the nurse's controls (acknowledge, audio pause; PIN-guarded). Live data comes
// over Server-Sent Events from /api/live: a snapshot first, then changes, and heartbeats.
import { AlarmAudio } from './audio.js';
import { ageText, clockText, countdownText, el } from './format.js';
import { Keypad } from './keypad.js';
import { PRIORITY_RANK } from './patterns.js';
import { EcgSweep, pxPerMmFor } from './sweep.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const params = new URLSearchParams(location.search);
/** Who the audit trail names: the terminal this screen is (the hub adds the address). */
const TERMINAL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(params.get('terminal') || '') ? String(params.get('terminal')) : 'bedside';
const DELAY_MS = clampNum(params.get('delayMs'), 100, 5000, 600);
/** No message at all for this long (heartbeats come every 5 s): the link to the hub is lost. */
const SILENCE_MS = 12000;
const PIN_KEY = 'vigil.bedside.pin';
// Values older than this are greyed: they no longer describe the patient now.
const STALE_MS = { hr: 15000, spo2: 15000, pulseRate: 15000, resp: 30000, temp: 300000, nibp: 3600000 };

const state = {
  snapshot: /** @type {any} */ (null),
  readOnly: true,
  hubOffset: 0, // hub wall time - local time
  connected: false,
  lostSinceLocal: /** @type {number | null} */ (performance.now()),
  lastMsgLocal: 0,
  alarms: /** @type {any[]} */ ([]),
  audio: /** @type {any} */ ({ tone: null, pausedUntilMs: null, pausedBy: null }),
  log: /** @type {Map<number, any>} */ (new Map()),
  oldestSeq: /** @type {number | null} */ (null),
};

const sweep = new EcgSweep(/** @type {HTMLCanvasElement} */ ($('grid')), /** @type {HTMLCanvasElement} */ ($('trace')), { pxPerMm: pxPerMmFor(location.search, null), delayMs: DELAY_MS });
const audio = new AlarmAudio();
const keypad = new Keypad($('keypad'));
/** @type {EventSource | null} */
let source = null;

function hubNow() {
  return Date.now() + state.hubOffset;
}

function connect() {
  source?.close();
  const es = new EventSource('/api/live');
  source = es;
  const on = (type, fn) =>
    es.addEventListener(type, (e) => {
      state.lastMsgLocal = performance.now();
      fn(JSON.parse(/** @type {MessageEvent} */ (e).data));
    });
  on('snapshot', onSnapshot);
  on('wave', (ev) => sweep.push(ev, performance.now()));
  on('vitals', (ev) => renderVitals(ev.vitals));
  on('devices', (ev) => renderDevices(ev.devices));
  on('alarms', (ev) => {
    state.alarms = ev.alarms;
    state.audio = ev.audio;
    renderAlarms();
  });
  on('alarm-log', (ev) => addLog([ev.entry], true));
  on('heartbeat', (ev) => (state.hubOffset = ev.nowMs - Date.now()));
  es.onerror = () => {
    setConnected(false);
    // CLOSED: the browser gave up (e.g. an HTTP error): try again ourselves.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => source === es && connect(), 2000);
  };
}

function onSnapshot(s) {
  state.snapshot = s;
  state.hubOffset = s.nowMs - Date.now();
  state.readOnly = s.view ? s.view.readOnly !== false : true;
  if (s.view && !params.has('pxPerMm')) sweep.setPxPerMm(pxPerMmFor(location.search, s.view.pxPerMm));
  if (s.ecg) sweep.setLeads(s.ecg.leads);
  $('wave-label').textContent = `${s.ecg ? s.ecg.leads.slice(0, sweep.shown).join(', ') : 'ECG'} · 25 mm/s · 10 mm/mV`;
  // A paced patient is analysed as such (paced beats are not PVCs): the nurse must see the setting.
  $('paced').hidden = !(s.patient && s.patient.paced);
  $('bed').textContent = `Bed ${s.hub.bed}`;
  document.title = `Bed ${s.hub.bed} · Vigil`;
  state.alarms = s.alarms;
  state.audio = s.audio;
  setConnected(true);
  renderVitals(s.vitals);
  renderDevices(s.devices);
  renderAlarms();
  renderControls();
  // The log may have grown while we were away: reload its newest page.
  state.log.clear();
  state.oldestSeq = null;
  void loadLog();
}

function setConnected(ok) {
  if (ok === state.connected) return;
  state.connected = ok;
  state.lostSinceLocal = ok ? null : performance.now();
  document.body.classList.toggle('lost', !ok);
  document.body.classList.remove('connecting');
  $('conn-lost').hidden = ok;
  renderAlarms();
}

// ---- alarms ------------------------------------------------------------------------------

function sortedAlarms() {
  return state.alarms.slice().sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || Number(!!a.acknowledged) - Number(!!b.acknowledged) || b.onsetMs - a.onsetMs);
}

function renderAlarms() {
  const banner = $('banner');
  banner.replaceChildren();
  const list = sortedAlarms();
  if (!state.connected && state.snapshot) {
    // The view itself raises this one: with no link, alarms at the hub would go unseen.
    banner.append(alarmRow({ priority: 'medium', label: 'No connection to hub', technical: true, state: 'active', acknowledged: null, onsetMs: null }, 'top local'));
  }
  list.slice(0, 3).forEach((a, i) => banner.append(alarmRow(a, i === 0 && banner.children.length === 0 ? 'top' : '')));
  if (list.length > 3) banner.append(el('div', 'alarm more', `+${list.length - 3} more alarm(s)`));
  if (banner.children.length === 0) banner.append(el('div', 'alarm none', state.snapshot ? 'No active alarms' : 'Connecting to hub…'));
  updateAudio();
  renderControls();
}

function alarmRow(a, extra) {
  const row = el('div', `alarm ${a.priority} ${extra}`.trim());
  row.dataset.priority = a.priority;
  if (a.id) row.dataset.alarmId = a.id;
  row.append(el('span', 'label', a.label));
  if (a.technical) row.append(el('span', 'tag', 'TECH'));
  if (a.state === 'latched') row.append(el('span', 'tag latched', 'LATCHED'));
  if (a.escalated) row.append(el('span', 'tag', 'ESCALATED'));
  if (a.acknowledged) row.append(el('span', 'tag ack', `ACK ${a.acknowledged.by.split('@')[0]}`));
  if (a.onsetMs) row.append(el('span', 'time', clockText(a.onsetMs)));
  return row;
}

function updateAudio() {
  const pausedMs = state.audio.pausedUntilMs === null ? 0 : state.audio.pausedUntilMs - hubNow();
  let tone = state.audio.tone;
  if (!state.connected && state.snapshot) tone = tone === 'high' ? 'high' : 'medium';
  audio.set(tone, state.connected && pausedMs > 0);
  const b = $('sound');
  b.classList.toggle('on', audio.running);
  b.classList.toggle('paused', pausedMs > 0);
  b.textContent = !audio.running ? 'Enable sound' : pausedMs > 0 ? `Audio paused ${countdownText(pausedMs)}` : tone ? `Sound: ${tone}` : 'Sound on';
}

// ---- numerics and devices ----------------------------------------------------------------

let vitals = /** @type {any} */ ({});
function renderVitals(v) {
  vitals = v || {};
  updateVitalAges();
}

function updateVitalAges() {
  const now = hubNow();
  document.querySelectorAll('.tile').forEach((tile) => {
    const key = /** @type {HTMLElement} */ (tile).dataset.vital || '';
    const v = vitals[key];
    const valueEl = /** @type {HTMLElement} */ (tile.querySelector('.value'));
    const ageEl = /** @type {HTMLElement} */ (tile.querySelector('.age'));
    if (!v) {
      valueEl.textContent = key === 'nibp' ? '--/--' : '--';
      ageEl.textContent = '';
      tile.classList.remove('stale');
      return;
    }
    if (key === 'nibp') valueEl.textContent = `${Math.round(v.sys)}/${Math.round(v.dia)}${v.map !== null ? ` (${Math.round(v.map)})` : ''}`;
    else valueEl.textContent = key === 'temp' ? v.value.toFixed(1) : String(Math.round(v.value));
    const age = Math.max(0, now - v.atMs);
    ageEl.textContent = key === 'nibp' || age >= 5000 ? ageText(age) : '';
    tile.classList.toggle('stale', age > (STALE_MS[key] ?? 15000));
  });
}

function renderDevices(devices) {
  const box = $('devices');
  box.replaceChildren();
  for (const d of devices || []) {
    const cls = /stream|connected|ok|open/.test(d.state) ? 'ok' : /connecting|reconnect|starting/.test(d.state) ? 'warn' : 'bad';
    const chip = el('span', `device ${cls}`, `${d.id}: ${d.state}`);
    chip.title = d.detail || d.kind;
    box.append(chip);
  }
}

// ---- history -----------------------------------------------------------------------------

async function loadLog() {
  const q = state.oldestSeq === null ? '' : `&before=${state.oldestSeq}`;
  try {
    const r = await fetch(`/api/alarms?limit=50${q}`);
    if (!r.ok) return;
    const body = await r.json();
    addLog(body.entries, false);
    $('history-more').hidden = body.nextBefore === null;
  } catch {
    // Shown by the connection state; retried on the next snapshot.
  }
}

function addLog(entries, live) {
  for (const e of entries) {
    state.log.set(e.seq, e);
    if (!live && (state.oldestSeq === null || e.seq < state.oldestSeq)) state.oldestSeq = e.seq;
  }
  const list = $('history-list');
  list.replaceChildren();
  const all = [...state.log.values()].sort((a, b) => b.seq - a.seq).slice(0, 500);
  for (const e of all) {
    const li = el('li', e.priority);
    li.dataset.event = e.event;
    li.append(el('span', 'at', clockText(e.atMs)), el('span', 'what', `${e.condition} ${e.event}${e.value !== null ? ` (${e.value})` : ''}`));
    if (e.by) li.append(el('span', 'by', `by ${e.by}`));
    else if (e.detail) li.append(el('span', 'by', e.detail));
    list.append(li);
  }
}

// ---- controls ----------------------------------------------------------------------------

function renderControls() {
  const ack = /** @type {HTMLButtonElement} */ ($('ack'));
  const pause = /** @type {HTMLButtonElement} */ ($('pause'));
  const ro = state.readOnly || !state.connected;
  ack.disabled = ro || !state.alarms.some((a) => !a.acknowledged);
  pause.disabled = ro;
  for (const b of [ack, pause]) b.classList.toggle('locked', state.readOnly);
  ack.textContent = state.readOnly ? 'Acknowledge (read-only)' : 'Acknowledge';
  pause.textContent = state.readOnly ? 'Audio pause (read-only)' : 'Audio pause';
  if (state.readOnly) ack.title = pause.title = 'This view is read-only: no bedside PIN is configured on the hub';
}

function notice(text) {
  $('notice').textContent = text;
}

/** POSTs a control with the PIN, asking for it on the keypad the first time (kept for this session). */
async function control(path, body, done) {
  let pin = sessionStorage.getItem(PIN_KEY);
  let prompt = 'Enter the bedside PIN';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!pin) {
      pin = await keypad.ask(prompt);
      if (pin === null) return;
    }
    let r;
    try {
      r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${pin}` }, body: JSON.stringify({ ...body, terminal: TERMINAL }) });
    } catch {
      notice('Hub not reachable: not done');
      return;
    }
    if (r.ok) {
      sessionStorage.setItem(PIN_KEY, pin);
      const res = await r.json();
      notice(`${done} (${res.affected}) at ${clockText(Date.now())}`);
      return;
    }
    const err = (await r.json().catch(() => ({}))).error || { code: 'HTTP', message: `HTTP ${r.status}` };
    if (err.code === 'VIGIL_AUTH_FAILED' || err.code === 'VIGIL_AUTH_REQUIRED') {
      sessionStorage.removeItem(PIN_KEY);
      pin = null;
      prompt = err.code === 'VIGIL_AUTH_FAILED' ? `Wrong PIN: ${err.message}` : 'Enter the bedside PIN';
      continue;
    }
    if (err.code === 'VIGIL_AUTH_LOCKED') sessionStorage.removeItem(PIN_KEY);
    notice(err.message);
    return;
  }
}

$('ack').addEventListener('click', () => {
  // What the nurse acknowledges is what the screen shows now, taken before the PIN keypad: an
  // alarm raised while the PIN is typed (or a latched one sounding again) is not on this list,
  // and the hub leaves it unacknowledged. The hub takes at most 100, highest priority first.
  const shown = sortedAlarms()
    .filter((a) => !a.acknowledged)
    .slice(0, 100)
    .map((a) => ({ id: a.id, onsetMs: a.onsetMs, state: a.state }));
  void control('/api/alarms/ack', { alarmId: null, shown }, 'Acknowledged');
});
$('pause').addEventListener('click', () => control('/api/alarms/audio-pause', {}, 'Audio paused'));
$('sound').addEventListener('click', () => audio.enable().then(updateAudio, () => notice('Sound could not be enabled')));
audio.onchange = updateAudio;
$('history-toggle').addEventListener('click', () => document.body.classList.toggle('show-history'));
$('history-close').addEventListener('click', () => document.body.classList.remove('show-history'));
$('history-more').addEventListener('click', () => void loadLog());

// ---- timing ------------------------------------------------------------------------------

function animate() {
  sweep.frame(performance.now());
  requestAnimationFrame(animate);
}

setInterval(() => {
  const now = performance.now();
  if (state.connected && now - state.lastMsgLocal > SILENCE_MS) {
    setConnected(false);
    connect();
  }
  // Never connected yet: say so after a few seconds rather than showing "connecting" forever.
  $('conn-lost').hidden = state.connected || now < 4000;
  if (!state.connected && state.lostSinceLocal !== null) $('conn-since').textContent = `for ${ageText(now - state.lostSinceLocal)}`;
  $('clock').textContent = clockText(hubNow());
  updateVitalAges();
  updateAudio();
}, 1000);

function clampNum(raw, min, max, fallback) {
  const n = Number(raw);
  return raw !== null && Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

window.addEventListener('resize', () => sweep.resize());
sweep.resize();
renderAlarms();
renderControls();
connect();
requestAnimationFrame(animate);
