/**
 * Errors with stable codes (convention borrowed from abstract-level: LEVEL_NOT_OPEN ...).
 * Tests and callers branch on `code`, never on the message.
 */
export type VigilErrorCode =
  | 'VIGIL_CONFIG_INVALID'
  | 'VIGIL_CONFIG_UNREADABLE'
  | 'VIGIL_USAGE'
  | 'VIGIL_HTTP_PORT_IN_USE'
  | 'VIGIL_INTERNAL'
  | 'VIGIL_STORE_LOCKED'
  | 'VIGIL_STORE_CORRUPT'
  | 'VIGIL_STORE_NOT_OPEN'
  | 'VIGIL_STORE_IO'
  | 'VIGIL_WFDB_HEADER_INVALID'
  | 'VIGIL_WFDB_FORMAT_UNSUPPORTED'
  | 'VIGIL_WFDB_FILE_MISSING'
  | 'VIGIL_WFDB_SIGNAL_INVALID'
  | 'VIGIL_DRIVER_OPEN_FAILED'
  | 'VIGIL_DRIVER_DISCONNECTED'
  | 'VIGIL_DRIVER_CANCELLED'
  | 'VIGIL_DRIVER_OVERFLOW'
  | 'VIGIL_SCENARIO_INVALID'
  | 'VIGIL_WFDB_ANNOTATION_INVALID'
  | 'VIGIL_WFDB_FILE_UNREADABLE'
  | 'VIGIL_STORE_SCHEMA_UNSUPPORTED'
  | 'VIGIL_STORE_INVALID_RECORD'
  | 'VIGIL_EVAL_RECORD_MISSING'
  | 'VIGIL_EVAL_NO_RECORDS'
  | 'VIGIL_CONDITION_TABLE_INVALID'
  | 'VIGIL_RHYTHM_CONFIG_INVALID'
  | 'VIGIL_MODEL_MISSING'
  | 'VIGIL_MODEL_HASH_MISMATCH'
  | 'VIGIL_MODEL_SHAPE_MISMATCH'
  | 'VIGIL_MODEL_INVALID';

export class VigilError extends Error {
  readonly code: VigilErrorCode;
  /** Extra machine-readable facts (key path, value, file ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: VigilErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isVigilError(e: unknown, code?: VigilErrorCode): e is VigilError {
  return e instanceof VigilError && (code === undefined || e.code === code);
}

/** Message of any thrown value, for logs. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `code` property of a Node/system error, if any (ENOENT, EACCES ...). */
export function systemCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = (e as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}
