/**
 * Rhythm detector configuration: user-facing thresholds come from the condition table
 * (src/detect/conditions.ts: defaults and allowed ranges), plus a few stream facts.
 */
import { VigilError } from '../../core/errors.ts';
import { CONDITIONS, validateConditionTable, type ConditionDef, type ConditionId } from '../conditions.ts';

/** The engine emits a beat ~0.45 s after its R peak (EcgEngine.emitDelay); RhythmConfig.beatLatencyS without a labeller. */
export const DEFAULT_BEAT_LATENCY_S = 0.5;

export interface RhythmConfig {
  asystoleS: number;
  vfDurationS: number;
  vtMinBeats: number;
  vtMinRateBpm: number;
  extremeBradyBpm: number;
  extremeTachyBpm: number;
  vrunMinBeats: number;
  afWindowBeats: number;
  pauseS: number;
  hrLowBpm: number;
  hrHighBpm: number;
  pvcPerMinLimit: number;
  bigeminyCycles: number;
  trigeminyCycles: number;
  /**
   * Beats reach the monitor this long after their R peak (EcgEngine emits at R + ~0.45 s):
   * "no beat for 4 s" can only be decided 4 s + this after the last R peak.
   */
  beatLatencyS: number;
  /** Conditions switched off (ignored for those the table marks canDisable: false). */
  disabled: readonly ConditionId[];
}

const THRESHOLD_KEYS = [
  'asystoleS', 'vfDurationS', 'vtMinBeats', 'vtMinRateBpm', 'extremeBradyBpm', 'extremeTachyBpm', 'vrunMinBeats',
  'afWindowBeats', 'pauseS', 'hrLowBpm', 'hrHighBpm', 'pvcPerMinLimit', 'bigeminyCycles', 'trigeminyCycles',
] as const satisfies readonly (keyof RhythmConfig)[];

function invalid(key: string, message: string): VigilError {
  return new VigilError('VIGIL_RHYTHM_CONFIG_INVALID', `rhythm config ${key}: ${message}`, { details: { path: key } });
}

/**
 * Defaults from the table overlaid with `partial`, checked against the table's ranges and
 * cross-field rules. Throws VIGIL_RHYTHM_CONFIG_INVALID (details.path = the key).
 */
export function resolveRhythmConfig(partial: Partial<RhythmConfig> = {}, table: readonly ConditionDef[] = CONDITIONS): RhythmConfig {
  const byId = validateConditionTable(table);
  const params = new Map(table.flatMap((c) => c.params.map((q) => [q.key, q] as const)));
  const out: Record<string, number> = {};
  for (const key of THRESHOLD_KEYS) {
    const q = params.get(key);
    if (q === undefined) throw invalid(key, 'not in the condition table');
    const v = partial[key] ?? q.default;
    if (typeof v !== 'number' || !(v >= q.min && v <= q.max)) throw invalid(key, `${String(v)} outside ${q.min}..${q.max} ${q.unit}`);
    if (q.integer === true && !Number.isInteger(v)) throw invalid(key, 'must be an integer');
    out[key] = v;
  }
  const beatLatencyS = partial.beatLatencyS ?? DEFAULT_BEAT_LATENCY_S;
  if (!(beatLatencyS >= 0 && beatLatencyS <= 2)) throw invalid('beatLatencyS', 'must be 0..2 s');
  const disabled = partial.disabled ?? [];
  for (const id of disabled) {
    const c = byId.get(id);
    if (c === undefined) throw invalid('disabled', `unknown condition "${String(id)}"`);
    if (!c.canDisable) throw invalid('disabled', `"${id}" cannot be switched off`);
  }
  const cfg = { ...(out as Record<(typeof THRESHOLD_KEYS)[number], number>), beatLatencyS, disabled: [...disabled] };
  if (!(cfg.hrLowBpm < cfg.hrHighBpm)) throw invalid('hrLowBpm', 'must be below hrHighBpm');
  if (!(cfg.extremeBradyBpm <= cfg.hrLowBpm)) throw invalid('extremeBradyBpm', 'must not exceed hrLowBpm');
  if (!(cfg.extremeTachyBpm >= cfg.hrHighBpm)) throw invalid('extremeTachyBpm', 'must not be below hrHighBpm');
  if (!(cfg.pauseS < cfg.asystoleS)) throw invalid('pauseS', 'must be below asystoleS');
  if (!(cfg.vrunMinBeats <= cfg.vtMinBeats)) throw invalid('vrunMinBeats', 'must not exceed vtMinBeats');
  return cfg;
}
