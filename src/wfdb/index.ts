/** WFDB (PhysioNet) records: headers, signal files, MIT annotation files. */
export * from './header.ts';
export * from './signals.ts';
export * from './codes.ts';
export * from './annotations.ts';
export * from './record.ts';
