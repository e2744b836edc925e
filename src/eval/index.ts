/** ANSI/AAMI EC57 evaluation: beat-by-beat (bxb), run-by-run (rxr) and episode (epicmp) scoring. */
export { aamiClass, CLASS_F, CLASS_N, CLASS_Q, CLASS_S, CLASS_V, COLUMN_LABELS, MATRIX_SIZE, NO_BEAT, ROW_LABELS } from './classes.ts';
export { beatList, compareBeats, matchBeats, type BeatList, type BxbInput, type BxbOptions, type BxbResult } from './bxb.ts';
export { aggregate, classStats, PACED_RECORDS, pacedStats, qrsStats, vebStats, type BxbAggregate, type ClassStats, type QrsStats, type VebStats } from './stats.ts';
export { aggregateEpisodes, compareEpisodes, EPISODE_LABELS, extractEpisodes, PPV_EXCLUSIONS, rhythmLabel, scoreEpisodes, type Episode, type EpisodeAggregate, type EpisodeScore } from './epicmp.ts';
export { listRecords, scoreAnnotations, scoreRecord, type RecordListing, type RecordScore, type ScoreOptions } from './score.ts';
export { formatAlarmTable, formatBxbTable, formatEpisodeTable, formatRunTable, pct } from './report.ts';
export { aggregateRuns, compareRuns, runLabels, runStats, type RecordRuns, type RunMatrix, type RunOptions, type RunScore, type RunStat } from './rxr.ts';
export { aggregateAlarms, ALARM_NOTE_PREFIX, SCORED_ALARMS, scoreAlarms, type AlarmAggregate, type AlarmScore, type RecordAlarms } from './alarms.ts';
