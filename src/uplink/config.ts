/**
 * The `uplink` section of the hub configuration (store-and-forward to the upstream).
 */
import { z } from 'zod';

const file = z.string().min(1).nullable().default(null);

export const uplinkConfigSchema = z
  .strictObject({
    /** Off by default: a hub with no upstream must not fill its disk with an outbox. */
    enabled: z.boolean().default(false),
    transport: z.enum(['https', 'mqtt']).default('https'),
    /** https://host/path for HTTPS; mqtt://host:1883 or mqtts://host:8883 for MQTT. */
    url: z.string().min(1).default('https://localhost:8443/batches'),
    /** PEM file of the CA that signs the upstream's certificate (null: the system CAs). */
    caFile: file,
    /** Client certificate and key (PEM) for mutual TLS. */
    certFile: file,
    keyFile: file,
    /** HTTPS: bearer token; MQTT: password (user name: the hub id). */
    token: z.string().min(1).nullable().default(null),
    /** MQTT topics; "{hub}" is the hub id. */
    topic: z.string().min(1).default('vigil/{hub}/batches'),
    ackTopic: z.string().min(1).default('vigil/{hub}/acks'),
    /** MQTT client id (fixed, for the persistent session); null: vigil-<hub id>. */
    clientId: z.string().min(1).max(128).nullable().default(null),
    /** Waveform per series per batch. */
    batchMaxSeconds: z.number().positive().max(600).default(60),
    /** Estimated size bound of one batch. */
    batchMaxBytes: z.number().int().min(16_384).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
    /** Longest a record waits for its batch to fill (alarms never wait). */
    batchMaxDelayS: z.number().positive().max(3600).default(60),
    /** Batches in flight at once. */
    windowSize: z.number().int().min(1).max(64).default(4),
    /** Retry backoff (full jitter, capped); any success or a reconnect resets it. */
    backoff: z
      .strictObject({
        baseMs: z.number().int().min(10).max(60_000).default(1000),
        capMs: z.number().int().min(100).max(3_600_000).default(300_000),
      })
      .default({ baseMs: 1000, capMs: 300_000 }),
    /** Per request (HTTPS inactivity) or per receiver ack (MQTT). */
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Outbox disk quota; above it raw waveform is dropped oldest-first (never beats, vitals, events, alarms). */
    outboxMaxBytes: z.number().int().min(100_000).default(500_000_000),
    /** Upstream unreachable this long raises the uplink-down technical alarm. */
    downAlarmAfterS: z.number().positive().max(86_400).default(300),
  })
  .prefault({});

export type UplinkConfig = z.output<typeof uplinkConfigSchema>;
