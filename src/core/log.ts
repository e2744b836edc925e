/**
 * Structured logging: one JSON object per line when stderr is not a terminal (the service
 * under systemd/journald), a short readable line on a terminal. Logs go to stderr so that
 * stdout stays free for data.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'pretty';
  sink?: LogSink;
  now?: () => number;
}

export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const sink: LogSink = opts.sink ?? { write: (l) => process.stderr.write(l) };
  const format = opts.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const min = LEVELS[opts.level ?? 'info'];
  const now = opts.now ?? Date.now;

  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < min) return;
    const rec: Record<string, unknown> = { time: new Date(now()).toISOString(), level, msg, ...base, ...fields };
    for (const [k, v] of Object.entries(rec)) {
      if (v instanceof Error) rec[k] = serializeError(v);
    }
    try {
      sink.write(format === 'json' ? JSON.stringify(rec) + '\n' : pretty(rec) + '\n');
    } catch {
      // A broken log sink must never take the hub down.
    }
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

function serializeError(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { message: e.message };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  return out;
}

function pretty(rec: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = rec;
  const t = String(time).slice(11, 23);
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${extras ? '  ' + extras : ''}`;
}

/** A logger that discards everything (tests, library defaults). */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} }, level: 'error', format: 'json' });
