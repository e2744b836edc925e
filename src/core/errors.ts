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
  | 'VIGIL_MODEL_INVALID'
  | 'VIGIL_HTTP_NOT_FOUND'
  | 'VIGIL_HTTP_METHOD'
  | 'VIGIL_HTTP_INTERNAL'
  | 'VIGIL_HTTP_BAD_REQUEST'
  | 'VIGIL_HTTP_BAD_JSON'
  | 'VIGIL_HTTP_BODY_TOO_LARGE'
  | 'VIGIL_HTTP_UNSUPPORTED_MEDIA'
  | 'VIGIL_AUTH_REQUIRED'
  | 'VIGIL_AUTH_FAILED'
  | 'VIGIL_AUTH_LOCKED'
  | 'VIGIL_VIEW_READONLY'
  | 'VIGIL_LIVE_CONTROL_FAILED'
  | 'VIGIL_BATCH_TRUNCATED'
  | 'VIGIL_BATCH_VERSION'
  | 'VIGIL_BATCH_INVALID'
  | 'VIGIL_BATCH_TOO_LARGE'
  | 'VIGIL_BATCH_UNREADABLE'
  | 'VIGIL_UPLINK_SEND_FAILED'
  | 'VIGIL_UPLINK_TIMEOUT'
  | 'VIGIL_UPLINK_REJECTED'
  | 'VIGIL_UPLINK_CLOSED'
  | 'VIGIL_BLE_UNAVAILABLE'
  | 'VIGIL_BLE_SCENARIO_UNKNOWN'
  | 'VIGIL_BLE_CONNECT_FAILED'
  | 'VIGIL_BLE_GATT_TIMEOUT'
  | 'VIGIL_BLE_PROFILE_MISSING'
  | 'VIGIL_BLE_NO_NOTIFICATIONS'
  | 'VIGIL_BLE_DEVICE_GONE'
  | 'VIGIL_BLE_PAYLOAD_EMPTY'
  | 'VIGIL_BLE_PAYLOAD_TRUNCATED'
  | 'VIGIL_BLE_VALUE_OUT_OF_RANGE';

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
