import net from 'node:net';
/** Shared fixtures for the uplink tests: a fake transport, waiting helpers, alarm entries. */
import { VigilError } from '../../src/core/errors.ts';
import { decodeBatch, type Batch } from '../../src/uplink/batch.ts';
import type { LinkListener, SendMeta, Transport } from '../../src/uplink/transport/transport.ts';

/** Resolves once `cond()` holds; polls through the event loop (real I/O keeps running). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Call {
  readonly seq: number;
  readonly bytes: Uint8Array;
  resolve(): void;
  reject(e: unknown): void;
}

/** A transport whose sends the test answers one by one. */
export class ScriptedTransport implements Transport {
  readonly kind = 'scripted';
  readonly calls: Call[] = [];
  link: LinkListener | null = null;
  closed = false;

  async start(link: LinkListener): Promise<void> {
    this.link = link;
  }

  send(bytes: Uint8Array, meta: SendMeta): Promise<void> {
    return new Promise((resolve, reject) => this.calls.push({ seq: meta.seq, bytes, resolve, reject }));
  }

  /** Sends not yet answered, in the order they were made. */
  open(): Call[] {
    return this.calls.filter((c) => !(c as { done?: boolean }).done);
  }

  answer(seq: number, outcome: 'ack' | 'fail' | 'reject'): void {
    const c = this.open().find((x) => x.seq === seq);
    if (c === undefined) throw new Error(`no open send of ${seq}`);
    (c as { done?: boolean }).done = true;
    if (outcome === 'ack') c.resolve();
    else if (outcome === 'fail') c.reject(new VigilError('VIGIL_UPLINK_SEND_FAILED', 'connection refused'));
    else c.reject(new VigilError('VIGIL_UPLINK_REJECTED', 'HTTP 400'));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.open()) this.answer(c.seq, 'fail');
  }
}

export function decoded(bytes: Uint8Array): Batch {
  const d = decodeBatch(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!d.ok) throw new Error(`undecodable batch: ${d.code} ${d.message}`);
  return d.batch;
}

/** A store event the way the alarm manager writes one (AlarmLogEntry + kind 'alarm'). */
export function alarmEvent(seq: number, atMs: number, condition = 'asystole'): { kind: string; wallTimeMs: number; [k: string]: unknown } {
  return {
    kind: 'alarm', wallTimeMs: atMs, seq, atMs, alarmId: `${condition}@dev-1`, condition, priority: 'high', event: 'onset',
    by: null, value: null, limits: null, detail: null,
  };
}

export function beatEvent(sample: number, wallTimeMs: number): { kind: string; wallTimeMs: number; [k: string]: unknown } {
  return { kind: 'beat', deviceId: 'dev-1', wallTimeMs, sample, label: 'N', lead: 0, rrPrevS: 0.8, qrsWidthS: 0.09, amplitudeMv: 1.1, quality: 0.9 };
}

/** A loopback TCP port that was free a moment ago (for a broker or receiver started by the test). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
