/**
 * The hub's configuration: one YAML or JSON file, validated whole at start (strict: an
 * unknown key is an error, since a misspelt limit silently ignored is a clinical hazard).
 * Every field has a default, so an empty file gives the demo bed.
 */
import { z } from 'zod';
import { alarmsConfigSchema } from '../alarms/config.ts';
import { uplinkConfigSchema } from '../uplink/config.ts';
import { DEMO_BLE_DEVICES, makeBleDeviceSchema } from '../../drivers/ble/config.ts';

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an id of letters, digits, "_", "." or "-" (at most 64, starting with a letter or digit)');

const reconnect = z
  .strictObject({
    baseMs: z.number().int().min(10).max(60_000).default(500),
    capMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .default({ baseMs: 500, capMs: 30_000 });

const openviewSerial = z.strictObject({
  type: z.literal('openview-serial'),
  id,
  /** Serial device node, e.g. /dev/ttyACM0 or /dev/serial/by-id/... */
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(115200),
  /** Packets per second sent by the board (HealthyPi 5 firmware setting). */
  sampleRate: z.number().positive().max(4000).default(125),
  blockSamples: z.number().int().min(1).max(4096).default(25),
  /** ADC units per mV of ECG. */
  ecgGain: z.number().positive().default(1000),
  /** ADC units per ohm of BioZ. */
  respGain: z.number().positive().default(1000),
  /** Degrees C per temperature count. */
  tempScale: z.number().positive().default(0.01),
  /** |ECG| at or above this raw value for 200 ms is reported as lead-off (null: off). */
  leadOffRail: z.number().int().positive().nullable().default(null),
  reconnect,
  noDataTimeoutMs: z.number().int().min(0).max(600_000).default(5000),
});

const synthetic = z.strictObject({
  type: z.literal('synthetic'),
  id,
  /** Built-in scenario name (see `vigil sim scenarios`). */
  scenario: z.string().min(1).default('demo'),
  seed: z.number().int().default(1),
  sampleRate: z.number().int().min(100).max(1000).default(250),
  /** 1 = real time. */
  speed: z.number().positive().max(1000).default(1),
  /** Play the scenario again when it ends; null: as the scenario says (built-in beds loop, drills end). */
  loop: z.boolean().nullable().default(null),
});

const wfdbReplay = z.strictObject({
  type: z.literal('wfdb-replay'),
  id,
  /** Record path without extension, e.g. ../shared/data/mitdb/100 */
  record: z.string().min(1),
  speed: z.number().positive().max(100_000).default(1),
  loop: z.boolean().default(true),
  blockMs: z.number().int().min(10).max(10_000).default(100),
});

/** A BLE health sensor (drivers/ble/config.ts). */
const ble = makeBleDeviceSchema(id);

export const deviceSchema = z.discriminatedUnion('type', [openviewSerial, synthetic, wfdbReplay, ble]);

export const configSchema = z.strictObject({
  hub: z
    .strictObject({
      id: id.default('vigil-hub'),
      bed: z.string().min(1).max(64).default('demo-bed'),
      dataDir: z.string().min(1).default('./data'),
    })
    .default({ id: 'vigil-hub', bed: 'demo-bed', dataDir: './data' }),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 picks a free port (printed on start). */
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .default({ host: '127.0.0.1', port: 8080 }),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .default({ level: 'info', format: 'auto' }),
  store: z
    .strictObject({
      /** fsync every batch: safest on power loss, slower and harder on SD cards. */
      sync: z.boolean().default(false),
      flushIntervalMs: z.number().int().min(10).max(10_000).default(250),
      retention: z
        .strictObject({
          /** node-cron expression. */
          schedule: z.string().min(9).default('*/10 * * * *'),
          waveformMaxAgeHours: z.number().positive().default(72),
          measurementsMaxAgeDays: z.number().positive().default(30),
          eventsMaxAgeDays: z.number().positive().default(90),
          /** Total quota; raw waveform is deleted oldest-first above it. */
          maxBytes: z.number().int().min(1_000_000).default(2_000_000_000),
        })
        .default({ schedule: '*/10 * * * *', waveformMaxAgeHours: 72, measurementsMaxAgeDays: 30, eventsMaxAgeDays: 90, maxBytes: 2_000_000_000 }),
    })
    .default({
      sync: false,
      flushIntervalMs: 250,
      retention: { schedule: '*/10 * * * *', waveformMaxAgeHours: 72, measurementsMaxAgeDays: 30, eventsMaxAgeDays: 90, maxBytes: 2_000_000_000 },
    }),
  analysis: z
    .strictObject({
      /** Classify beats (N/S/V/F/Q) with the ONNX model; off: beats are N, or Q in poor signal. */
      classifier: z.boolean().default(true),
      /** Model file (manifest beside it, same name .json); null: the model shipped in models/. */
      model: z.string().min(1).nullable().default(null),
      /** Patient-adaptive relabelling after the classifier (shape clusters + RR timing of this patient, src/detect/adapt.ts). */
      adapt: z.boolean().default(true),
      /**
       * The patient has a pacemaker (set at admission, IEC 60601-2-27): beats with a pacing
       * pulse are labelled paced (P) and kept out of the PVC, VT and AF rules (src/ecg/pace.ts).
       */
      paced: z.boolean().default(false),
      /**
       * Mains frequency of the building, Hz (50 in most of the world, 60 in the Americas): the
       * ECG front end nulls it. With 60 set in a 50-Hz building, 1 mV of mains pickup on a flat
       * line was counted as beats and an asystole was not alarmed.
       */
      mainsHz: z.union([z.literal(50), z.literal(60)]).default(60),
    })
    .default({ classifier: true, model: null, adapt: true, paced: false, mainsHz: 60 }),
  /** Store-and-forward to the upstream: batches, outbox, HTTPS/MQTT (src/uplink/config.ts). */
  uplink: uplinkConfigSchema,
  /** Bedside alarms: limits, delays, audio pause, escalation, hook (src/alarms/config.ts). */
  alarms: alarmsConfigSchema.default({ audioPauseS: 120, escalateAfterS: null, disabled: [], limits: {}, delaysS: {}, noDataAfterS: 10, storageMinFreeMb: 200, hook: { command: null, timeoutMs: 5000, priorities: ['high', 'medium', 'low'] } }),
  bedside: z
    .strictObject({
      /** PIN or token a nurse enters to acknowledge or pause audio from the bedside view; null: the view is read-only. */
      pin: z.string().min(4).max(128).regex(/^\S+$/, 'no spaces').nullable().default(null),
      /** Screen calibration, CSS px per mm (so 25 mm/s is 25 mm on the glass); null: nominal 96/25.4. A screen can override it with ?pxPerMm= */
      pxPerMm: z.number().min(1).max(40).nullable().default(null),
      /** Wrong PINs in a row from one client before it is locked out. */
      maxPinFailures: z.number().int().min(1).max(100).default(5),
      /** First lockout; doubles with each further wrong PIN (at most 15 min). */
      lockoutMs: z.number().int().min(1000).max(900_000).default(30_000),
    })
    .default({ pin: null, pxPerMm: null, maxPinFailures: 5, lockoutMs: 30_000 }),
  devices: z
    .array(deviceSchema)
    .max(16)
    .default([{ type: 'synthetic', id: 'sim-ecg', scenario: 'demo', seed: 1, sampleRate: 250, speed: 1, loop: null }, ...DEMO_BLE_DEVICES.map((d) => ble.parse(d))])
    .superRefine((devs, ctx) => {
      const seen = new Set<string>();
      devs.forEach((d, i) => {
        if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate device id "${d.id}"`, input: d.id });
        seen.add(d.id);
      });
    }),
});

export type VigilConfig = z.output<typeof configSchema>;
export type DeviceConfig = z.output<typeof deviceSchema>;
