/**
 * Scripted BLE peripherals for the simulated binding: what each offers (services and
 * characteristics), what it sends once subscribed, and what goes wrong when (link drops,
 * silence, leaving range, refused connections, malformed payloads). Deterministic: payloads
 * draw from the peripheral's seeded PRNG, times come from the injected clock.
 */
import { Prng } from '../../synthetic/prng.ts';
import { Bytes, bloodPressure, heartRate, plxContinuous, temperature } from './encode.ts';

export interface SimCharacteristic {
  uuid: string;
  properties: string[];
}

export interface SimService {
  uuid: string;
  characteristics: SimCharacteristic[];
}

export interface PayloadContext {
  /** Index of this payload in its stream (0, 1, ...). */
  i: number;
  rng: Prng;
  /** Wall clock now (epoch ms), for device time stamps. */
  wallMs: number;
}

export interface SimStream {
  characteristic: string;
  /** First payload this long after the subscription. */
  firstMs: number;
  periodMs: number;
  payload: (ctx: PayloadContext) => Buffer;
}

export type SimAction =
  /** Drop the link (supervision timeout); the device stays in range. */
  | { do: 'drop-link' }
  /** Stop notifying until the next subscription (a stuck sensor that a reconnect revives). */
  | { do: 'mute' }
  /** Leave radio range: stop advertising, drop the link, let connection attempts hang. */
  | { do: 'leave' }
  | { do: 'return' }
  /** Refuse the next `count` connection attempts (HCI 0x3E, connection failed to be established). */
  | { do: 'refuse-connects'; count: number }
  /** Send these bytes once on a subscribed characteristic (malformed or truncated payloads). */
  | { do: 'send'; characteristic: string; bytes: number[] };

export interface SimStep {
  /** Time since the peripheral was switched on. */
  atMs: number;
  action: SimAction;
}

export interface SimScenario {
  name: string;
  describe: string;
  localName: string;
  services: SimService[];
  streams: SimStream[];
  battery: number;
  script: SimStep[];
  /** Play the script again every this many ms (null: once). */
  repeatMs: number | null;
}

const battery: SimService = { uuid: '180f', characteristics: [{ uuid: '2a19', properties: ['read', 'notify'] }] };
const plxService: SimService = { uuid: '1822', characteristics: [{ uuid: '2a5f', properties: ['notify'] }] };

const plxStream: SimStream = {
  characteristic: '2a5f',
  firstMs: 500,
  periodMs: 1000,
  payload: ({ rng }) =>
    plxContinuous(Math.round(rng.uniform(95.5, 98.5)), Math.round(rng.uniform(68, 78)), {
      measurementStatus: 0x0080, // validated data
      deviceStatus: 0,
      paiCentis: Math.round(rng.uniform(250, 600)),
    }),
};

function pulseOximeter(name: string, describe: string, script: SimStep[] = [], repeatMs: number | null = null): SimScenario {
  return { name, describe, localName: 'Vigil Sim Oximeter', services: [plxService, battery], streams: [plxStream], battery: 87, script, repeatMs };
}

const SCENARIOS: readonly SimScenario[] = [
  pulseOximeter('pulse-oximeter', 'PLX continuous SpO2 and pulse rate every second, battery 87 %'),
  {
    name: 'blood-pressure',
    describe: 'a cuff indicating one reading (with time stamp and pulse rate) 5 s after subscription, then every 60 s',
    localName: 'Vigil Sim BP Cuff',
    services: [{ uuid: '1810', characteristics: [{ uuid: '2a35', properties: ['indicate'] }] }, battery],
    streams: [
      {
        characteristic: '2a35',
        firstMs: 5000,
        periodMs: 60_000,
        payload: ({ rng, wallMs }) => {
          const sys = Math.round(rng.uniform(112, 132));
          const dia = Math.round(rng.uniform(70, 84));
          return bloodPressure(sys, dia, Math.round((sys + 2 * dia) / 3), Math.round(rng.uniform(64, 80)), wallMs);
        },
      },
    ],
    battery: 64,
    script: [],
    repeatMs: null,
  },
  {
    name: 'thermometer',
    describe: 'an oral thermometer indicating a Celsius reading (one decimal, time stamp) 3 s after subscription, then every 30 s',
    localName: 'Vigil Sim Thermometer',
    services: [{ uuid: '1809', characteristics: [{ uuid: '2a1c', properties: ['indicate'] }] }, battery],
    streams: [{ characteristic: '2a1c', firstMs: 3000, periodMs: 30_000, payload: ({ rng, wallMs }) => temperature(Math.round(rng.uniform(365, 372)), wallMs) }],
    battery: 95,
    script: [],
    repeatMs: null,
  },
  {
    name: 'heart-rate',
    describe: 'a chest strap notifying HR with one or two RR intervals every second',
    localName: 'Vigil Sim HR Strap',
    services: [{ uuid: '180d', characteristics: [{ uuid: '2a37', properties: ['notify'] }] }, battery],
    streams: [
      {
        characteristic: '2a37',
        firstMs: 500,
        periodMs: 1000,
        payload: ({ rng }) => {
          const bpm = Math.round(rng.uniform(62, 78));
          const rr = Math.round((60 / bpm) * 1024);
          return heartRate(bpm, rng.next() < 0.3 ? [rr, rr + 8] : [rr]);
        },
      },
    ],
    battery: 71,
    script: [],
    repeatMs: null,
  },
  pulseOximeter(
    'malformed',
    'pulse oximeter that also sends an empty, a truncated and a cut-short payload every 10 s',
    [
      { atMs: 3000, action: { do: 'send', characteristic: '2a5f', bytes: [] } },
      { atMs: 4000, action: { do: 'send', characteristic: '2a5f', bytes: [0x1f, 0x61] } },
      { atMs: 5000, action: { do: 'send', characteristic: '2a5f', bytes: [...new Bytes().u8(0x0c).sfloat(97, 0).sfloat(72, 0).u16(0).buffer()] } },
    ],
    10_000,
  ),
  pulseOximeter('link-loss', 'pulse oximeter whose link drops at 5 s and every 20 s after', [{ atMs: 5000, action: { do: 'drop-link' } }], 20_000),
  pulseOximeter('stops-notifying', 'pulse oximeter that goes silent at 5 s (connected) until it is subscribed again', [{ atMs: 5000, action: { do: 'mute' } }], 60_000),
  pulseOximeter(
    'flaky-reconnect',
    'pulse oximeter whose link drops at 5 s and which then refuses 3 connection attempts; every 60 s',
    [
      { atMs: 5000, action: { do: 'refuse-connects', count: 3 } },
      { atMs: 5000, action: { do: 'drop-link' } },
    ],
    60_000,
  ),
  pulseOximeter(
    'gone',
    'pulse oximeter that leaves radio range at 5 s and comes back at 125 s',
    [
      { atMs: 5000, action: { do: 'leave' } },
      { atMs: 125_000, action: { do: 'return' } },
    ],
  ),
];

export function simScenario(name: string): SimScenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export function simScenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

export function simScenarios(): readonly SimScenario[] {
  return SCENARIOS;
}
