/**
 * What the delivery loop needs from a way upstream. `send` resolves only when the upstream
 * acknowledged the batch durably (an HTTP 2xx from the receiver, or the receiver's
 * application ack over MQTT); it rejects with a VigilError:
 *  - VIGIL_UPLINK_REJECTED: the upstream refused this batch for good (malformed, too large):
 *    retrying cannot help, the outbox parks it;
 *  - VIGIL_UPLINK_SEND_FAILED / VIGIL_UPLINK_TIMEOUT: anything else; retried with backoff.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage, VigilError } from '../../core/errors.ts';

export interface SendMeta {
  readonly hubId: string;
  readonly seq: number;
}

export interface LinkListener {
  /** The link is (back) up: the delivery loop resets its backoff and sends at once. */
  up(): void;
  down(reason: string): void;
}

export interface Transport {
  readonly kind: 'https' | 'mqtt' | string;
  /** Connects (MQTT) or prepares (HTTPS); link changes are reported to `link`. Does not wait for the upstream. */
  start(link: LinkListener): Promise<void>;
  send(bytes: Uint8Array, meta: SendMeta): Promise<void>;
  close(): Promise<void>;
}

export const sendFailed = (message: string, details: Record<string, unknown> = {}, cause?: unknown): VigilError =>
  new VigilError('VIGIL_UPLINK_SEND_FAILED', message, { details, cause });

export const rejected = (message: string, details: Record<string, unknown> = {}): VigilError =>
  new VigilError('VIGIL_UPLINK_REJECTED', message, { details });

export const timedOut = (message: string, details: Record<string, unknown> = {}): VigilError =>
  new VigilError('VIGIL_UPLINK_TIMEOUT', message, { details });

/** Reads a TLS file named in the uplink config (CA, certificate, key); a missing file is a configuration error. */
export async function readTlsFile(file: string | null | undefined, key: string): Promise<Buffer | undefined> {
  if (file === null || file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (e: unknown) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `uplink.${key}: cannot read ${file}: ${errorMessage(e)}`, { details: { key: `uplink.${key}`, file } });
  }
}
