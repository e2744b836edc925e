/** Public surface of the store. */
export { Store, STORE_SCHEMA_VERSION } from './store.ts';
export type { StoreOptions, StoreStats, SublevelStats, SublevelName, UplinkAccess } from './store.ts';
export type { WriteStats } from './writer.ts';
export { segmentEndMs } from './codec.ts';
export type { WaveSegment, StoredEvent, StoreEventInput, GenericEvent } from './codec.ts';
export type { SeriesInfo } from './ranges.ts';
export type { RetentionPolicy, RetentionReport, RetentionTarget } from './prune.ts';
export { RetentionJob, DEFAULT_RETENTION_SCHEDULE } from './retention.ts';
export type { RetentionJobOptions, RetentionJobStats, CronTaskFactory, CronTaskLike } from './retention.ts';
