/**
 * The real hub, end to end, in headless Chromium: `startHub` on the synthetic asystole
 * scenario (30 s sinus, then 15 s without QRS) with a bedside PIN; the view draws the live
 * ECG, shows the asystole alarm the real detectors and alarm manager raise, and the nurse
 * acknowledges it with the PIN; the persistent alarm log records who did.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Browser } from 'playwright-core';
import { validateConfig } from '../../src/config/load.ts';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startHub, type RunningHub } from '../../src/main.ts';
import { notRun, repoRoot } from '../helpers/data.ts';
import { browserUnavailable, enterPin, launchBrowser, openView, saveScreenshot, traceFingerprint, waitForBanner } from '../support/bedside-browser.ts';

const PIN = '7319';
const why = browserUnavailable();

if (why) {
  notRun('bedside view of the real hub in headless Chromium', why);
} else {
  describe('bedside view of the real hub (headless Chromium, synthetic asystole)', function () {
    this.timeout(90_000);
    let dir = '';
    let browser: Browser;
    let hub: RunningHub | null = null;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-hub-view-'));
      browser = await launchBrowser();
    });
    after(async () => {
      await hub?.stop();
      await browser?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('draws the live ECG, shows the asystole alarm, and logs the acknowledgement made with the PIN', async () => {
      const config = validateConfig({
        hub: { dataDir: path.join(dir, 'data'), bed: 'bed-3' },
        http: { port: 0 },
        bedside: { pin: PIN },
        // 4x real time: the asystole starts 7.5 s in and is alarmed about a second later.
        devices: [{ type: 'synthetic', id: 'sim-ecg', scenario: 'asystole', speed: 4, seed: 2 }],
      });
      hub = await startHub(config, {
        clock: new SystemClock(),
        logger: silentLogger,
        baseDir: repoRoot,
        serialBinding: async (): Promise<BindingInterface> => {
          throw new Error('no serial device in this test');
        },
      });
      const page = await openView(browser, hub.url);
      await page.waitForTimeout(1500);
      const a = await traceFingerprint(page);
      await page.waitForTimeout(1000);
      const b = await traceFingerprint(page);
      assert.ok(b.inked > 0 && a.hash !== b.hash, `the hub's ECG is drawn and moving (${a.inked} -> ${b.inked} inked pixels)`);

      const banner = await waitForBanner(page, 'high', /Asystole/, 30_000);
      assert.equal(banner.flashing, true);
      await saveScreenshot(page, 'bedside-real-hub-asystole.png');
      const alarm = hub.alarms.alarms().find((x) => x.condition === 'asystole');
      assert.ok(alarm, 'the alarm manager holds the asystole alarm the view shows');

      await page.locator('#ack').click();
      await enterPin(page, PIN);
      await page.waitForFunction(`document.querySelector('#banner .alarm.high .tag.ack') !== null || document.querySelector('#banner .alarm.high') === null`, undefined, { timeout: 10_000 });
      const log = await hub.live.alarmLog({ limit: 200 });
      const ack = log.find((e) => e.event === 'acknowledged' && e.condition === 'asystole');
      assert.ok(ack, `acknowledgement logged: ${log.map((e) => `${e.event} ${e.alarmId}`).join(', ')}`);
      assert.equal(ack.by, 'bedside@127.0.0.1');
      assert.ok(log.some((e) => e.event === 'onset' && e.condition === 'asystole' && e.seq < ack.seq));
      await page.close();
    });
  });
}
