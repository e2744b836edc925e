/**
 * What the bedside view sees of the running hub: a snapshot to draw the first screen, and a
 * stream of changes after it. The composition root (src/main.ts) implements LiveSource from
 * the drivers, the ECG stage and the alarm manager; the HTTP layer (bedside view, SSE) only
 * reads it and forwards the nurse's acknowledge / audio-pause, so the web code knows nothing
 * about drivers or LevelDB.
 */

export type AlarmPriority = 'high' | 'medium' | 'low';

/** One alarm as the nurse sees it. */
export interface AlarmView {
  /** Stable while the alarm lasts, e.g. "asystole@sim-ecg". */
  readonly id: string;
  /** Condition id, e.g. 'asystole', 'spo2-low', 'lead-off'. */
  readonly condition: string;
  /** Text for the banner, e.g. "Asystole", "SpO2 low 84 < 90". */
  readonly label: string;
  /** Priority in force now (a medium alarm left unacknowledged may have escalated to high). */
  readonly priority: AlarmPriority;
  readonly technical: boolean;
  readonly deviceId: string | null;
  /** active: the condition holds; latched: it ended but the alarm stays until acknowledged. */
  readonly state: 'active' | 'latched';
  readonly onsetMs: number;
  readonly acknowledged: { readonly by: string; readonly atMs: number } | null;
  readonly escalated: boolean;
  /** The measured value and the limits in force, for limit alarms. */
  readonly value: number | null;
  readonly limits: { readonly low: number | null; readonly high: number | null } | null;
}

/** The audible side: which tone pattern should sound, and whether audio is paused. */
export interface AudioState {
  /** Highest priority among alarms that are not acknowledged; null: silent. */
  readonly tone: AlarmPriority | null;
  readonly pausedUntilMs: number | null;
  readonly pausedBy: string | null;
}

export interface VitalValue {
  readonly value: number;
  readonly unit: string;
  readonly atMs: number;
  readonly deviceId: string;
}

export interface Vitals {
  readonly hr: VitalValue | null;
  readonly spo2: VitalValue | null;
  readonly pulseRate: VitalValue | null;
  readonly resp: VitalValue | null;
  readonly temp: VitalValue | null;
  readonly nibp: { readonly sys: number; readonly dia: number; readonly map: number | null; readonly unit: string; readonly atMs: number; readonly deviceId: string } | null;
}

export interface DeviceView {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly sinceMs: number;
  readonly detail: string | null;
}

/** One entry of the persistent alarm log. */
export interface AlarmLogEntry {
  /** Monotonic per hub; the log's key order. */
  readonly seq: number;
  readonly atMs: number;
  readonly alarmId: string;
  readonly condition: string;
  readonly priority: AlarmPriority;
  readonly event: 'onset' | 'offset' | 'latched' | 'cleared' | 'acknowledged' | 'audio-paused' | 'audio-resumed' | 'escalated' | 're-alarm' | 'restored';
  readonly by: string | null;
  readonly value: number | null;
  readonly limits: { readonly low: number | null; readonly high: number | null } | null;
  readonly detail: string | null;
}

export interface LiveSnapshot {
  readonly hub: { readonly id: string; readonly bed: string };
  /** Patient settings the view shows: paced (config analysis.paced; the analysis labels paced beats). */
  readonly patient: { readonly paced: boolean };
  readonly nowMs: number;
  readonly devices: readonly DeviceView[];
  readonly vitals: Vitals;
  readonly alarms: readonly AlarmView[];
  readonly audio: AudioState;
  /** The ECG drawn on the view (first ECG device), or null when there is none. */
  readonly ecg: { readonly deviceId: string; readonly sampleRate: number; readonly leads: readonly string[] } | null;
}

export type LiveEvent =
  /** ECG in mV, already decimated for drawing (at most 250 Hz), one array per lead. */
  | { readonly type: 'wave'; readonly deviceId: string; readonly sampleRate: number; readonly wallTimeMs: number; readonly leads: readonly string[]; readonly data: readonly (readonly number[])[] }
  | { readonly type: 'vitals'; readonly vitals: Vitals }
  | { readonly type: 'alarms'; readonly alarms: readonly AlarmView[]; readonly audio: AudioState }
  | { readonly type: 'devices'; readonly devices: readonly DeviceView[] }
  | { readonly type: 'alarm-log'; readonly entry: AlarmLogEntry };

export type ControlResult = { readonly ok: true; readonly affected: number } | { readonly ok: false; readonly code: string; readonly message: string };

export interface LiveSource {
  snapshot(): LiveSnapshot;
  /** Listener errors are caught by the source; returns the unsubscribe function. */
  subscribe(listener: (ev: LiveEvent) => void): () => void;
  /** Acknowledge one alarm (by id) or all unacknowledged ones (null). `by` names the user/terminal. */
  acknowledge(alarmId: string | null, by: string): Promise<ControlResult>;
  /** Pause alarm audio for the configured time (IEC 60601-1-8 AUDIO PAUSED); resumes by itself. */
  pauseAudio(by: string): Promise<ControlResult>;
  /** Newest first. */
  alarmLog(opts: { limit: number; beforeSeq?: number }): Promise<AlarmLogEntry[]>;
}
