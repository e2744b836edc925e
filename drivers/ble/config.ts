/**
 * The `ble` device type of the configuration (src/config/schema.ts takes it into its device
 * union): a BLE health sensor bound to the bed by its address.
 *
 *   - type: ble
 *     id: spo2
 *     address: "A4:C1:38:12:34:56"      # from `vigil ble scan`
 *     profiles: [pulse-oximeter, battery]   # default: every supported profile the device offers
 *     binding: hci                      # hci: the hub's adapter; simulated: a scripted peripheral
 */
import { z } from 'zod';
import { BLE_PROFILE_IDS } from './profiles/index.ts';
import { simScenarioNames } from './sim/scenarios.ts';

export function makeBleDeviceSchema(id: z.ZodString) {
  return z.strictObject({
    type: z.literal('ble'),
    id,
    /** Public or static device address, "AA:BB:CC:DD:EE:FF" (`vigil ble scan` lists them). */
    address: z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, 'a Bluetooth address like "A4:C1:38:12:34:56"'),
    /** Profiles to subscribe to; null: every one Vigil supports that the device offers. */
    profiles: z.array(z.enum(BLE_PROFILE_IDS)).min(1).nullable().default(null),
    /** hci: the hub's Bluetooth adapter (noble HCI socket); simulated: a scripted peripheral, no radio needed. */
    binding: z.enum(['hci', 'simulated']).default('hci'),
    /** Simulated binding only: the scripted peripheral (pulse-oximeter, blood-pressure, thermometer, heart-rate, malformed, link-loss, stops-notifying, flaky-reconnect, gone). */
    scenario: z.enum(simScenarioNames() as [string, ...string[]]).default('pulse-oximeter'),
    seed: z.number().int().default(1),
    reconnect: z
      .strictObject({
        baseMs: z.number().int().min(100).max(60_000).default(1000),
        capMs: z.number().int().min(1000).max(600_000).default(30_000),
      })
      .default({ baseMs: 1000, capMs: 30_000 }),
    /** Give up one connection attempt after this long (the device may be out of range) and retry. */
    connectTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
    /** Each GATT step (discovery, subscription). */
    gattTimeoutMs: z.number().int().min(500).max(60_000).default(5000),
    /** Connected without a notification this long: 'stale', then reconnect. null: 5000 for HR/PLX, off for cuffs and thermometers; 0: off. */
    watchdogMs: z.number().int().min(0).max(600_000).nullable().default(null),
    /** Unreachable this long: 'gone', a technical alarm condition. null: 60 for HR/PLX, off for cuffs and thermometers (they sleep between readings); 0: off. */
    goneAlarmAfterS: z.number().int().min(0).max(86_400).nullable().default(null),
  });
}

/** The demo bed's simulated BLE sensors (beside the synthetic ECG): no adapter needed. */
export const DEMO_BLE_DEVICES = [
  // Profiles named, so the cuff and the thermometer (which sleep between readings) get no
  // notification watchdog, as a bed with real ones should be configured.
  { type: 'ble', id: 'ble-spo2', address: 'C0:DE:00:00:00:01', binding: 'simulated', scenario: 'pulse-oximeter', profiles: ['pulse-oximeter', 'battery'] },
  { type: 'ble', id: 'ble-nibp', address: 'C0:DE:00:00:00:02', binding: 'simulated', scenario: 'blood-pressure', profiles: ['blood-pressure', 'battery'] },
  { type: 'ble', id: 'ble-temp', address: 'C0:DE:00:00:00:03', binding: 'simulated', scenario: 'thermometer', profiles: ['thermometer', 'battery'] },
] as const;
