import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { HubHttpServer } from '../../src/api/http-server.ts';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { notRun } from '../helpers/data.ts';
import { browserUnavailable, enterPin, launchBrowser, openView, readBanner, readHistory, saveScreenshot, traceFingerprint, waitForBanner } from '../support/bedside-browser.ts';
import { LiveDouble } from '../support/live-double.ts';

const PIN = '2468';
const why = browserUnavailable();

if (why) {
  notRun('bedside view in headless Chromium', why);
} else {
  describe('bedside view in headless Chromium (800x480)', function () {
    this.timeout(60_000);
    const clock = new SystemClock();
    let browser: Browser;
    let live: LiveDouble;
    let server: HubHttpServer;
    let url = '';

    const serve = async (pin: string | null, port = 0): Promise<string> => {
      server = new HubHttpServer({ status: { status: async () => ({}) }, live, bedside: { pin, pxPerMm: null, maxPinFailures: 5, lockoutMs: 30_000 }, clock, log: silentLogger });
      return server.listen('127.0.0.1', port);
    };

    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
    });
    beforeEach(async () => {
      live = new LiveDouble({ clock });
      const now = clock.wallMs();
      live.setVitals({
        hr: { value: 75, unit: '/min', atMs: now, deviceId: 'sim-ecg' },
        spo2: { value: 97, unit: '%', atMs: now, deviceId: 'oxi' },
        temp: { value: 36.8, unit: 'Cel', atMs: now - 60_000, deviceId: 'therm' },
        nibp: { sys: 121, dia: 79, map: 93, unit: 'mmHg', atMs: now - 600_000, deviceId: 'cuff' },
      });
      live.startStreaming();
    });
    afterEach(async () => {
      live.stopStreaming();
      await server.close();
    });

    it('draws the ECG sweep, shows an asystole as a flashing red banner, and acknowledges it with the PIN', async () => {
      url = await serve(PIN);
      const page = await openView(browser, url);
      // The sweep moves: the trace canvas is inked and its pixels change over time.
      await page.waitForTimeout(800);
      const a = await traceFingerprint(page);
      await page.waitForTimeout(700);
      const b = await traceFingerprint(page);
      assert.ok(a.inked > 0 && b.inked > a.inked, `ECG trace drawn and growing (${a.inked} -> ${b.inked} inked pixels)`);
      assert.notEqual(a.hash, b.hash);
      assert.equal(await page.locator('.tile.hr .value').textContent(), '75');
      assert.equal(await page.locator('#paced').isHidden(), true, 'no PACED badge for an unpaced patient');

      live.rhythm = 'asystole';
      const alarm = live.raiseAlarm({ condition: 'asystole', label: 'Asystole', priority: 'high' });
      const top = await waitForBanner(page, 'high', /Asystole/);
      assert.equal(top.flashing, true, 'high priority flashes');
      const red = await page.evaluate(`getComputedStyle(document.querySelector('#banner .alarm.high'), null).getPropertyValue('background-color')`);
      assert.ok(['rgb(221, 0, 0)', 'rgb(68, 0, 0)'].includes(String(red)), `red banner (${String(red)})`);
      // Sound: the browser needs a gesture first; then the high-priority pattern plays.
      assert.equal(await page.locator('#sound').textContent(), 'Enable sound');
      await page.locator('#sound').click();
      await page.waitForFunction(`document.getElementById('sound').textContent === 'Sound: high'`, undefined, { timeout: 5000 });
      await page.waitForTimeout(1200); // let the sweep draw the flat line
      const shot = await saveScreenshot(page, 'bedside-800x480.png');
      process.stdout.write(`      screenshot of the view with the asystole alarm: ${shot}\n`);

      // Touch targets: the controls are at least 44 px.
      const box = await page.locator('#ack').boundingBox();
      assert.ok(box && box.height >= 44 && box.width >= 44);

      await page.locator('#ack').click();
      await enterPin(page, '1111');
      // Wrong PIN: the keypad comes back saying so.
      await page.waitForFunction(`document.getElementById('pin-message').textContent.startsWith('Wrong PIN')`);
      await enterPin(page, PIN);
      await page.waitForFunction(`document.querySelector('#banner .alarm.high .tag.ack') !== null`, undefined, { timeout: 5000 });
      const acked = live.log.filter((e) => e.event === 'acknowledged');
      assert.deepEqual(acked.map((e) => [e.alarmId, e.by]), [[alarm.id, 'bedside@127.0.0.1']]);
      assert.equal(live.calls.acknowledge.length, 1, 'the wrong PIN never reached the source');
      await page.waitForFunction(`document.getElementById('sound').textContent === 'Sound on'`, undefined, { timeout: 5000 });

      // The alarm history shows the log, newest first, live.
      await page.locator('#history-toggle').click();
      await page.waitForFunction(`document.querySelector('#history-list li[data-event="acknowledged"]') !== null`);
      const history = await readHistory(page);
      assert.deepEqual(history.map((h) => h.event), ['acknowledged', 'onset']);
      assert.match(history[0]?.text ?? '', /by bedside@127\.0\.0\.1/);
      await page.locator('#history-close').click();

      // The PIN is remembered for the session: audio pause needs no second entry.
      await page.locator('#pause').click();
      await page.waitForFunction(`document.getElementById('notice').textContent.startsWith('Audio paused')`);
      assert.equal(await page.locator('#keypad').isHidden(), true);
      assert.deepEqual(live.calls.pauseAudio, ['bedside@127.0.0.1']);
      assert.match((await page.locator('#sound').textContent()) ?? '', /^Audio paused [12]:\d\d$/);
      await page.close();
    });

    it('Acknowledge covers the alarms on screen when it was pressed, not a VF raised while the PIN is typed', async () => {
      url = await serve(PIN);
      const page = await openView(browser, url);
      const couplet = live.raiseAlarm({ condition: 'couplet', label: 'Couplet', priority: 'low', latching: false });
      await waitForBanner(page, 'low', /Couplet/);
      await page.locator('#ack').click();
      await page.locator('#keypad').waitFor({ state: 'visible', timeout: 5000 });
      // VF starts while the nurse types the PIN; the screen shows it above the couplet.
      const vf = live.raiseAlarm({ condition: 'vfib', label: 'V-Fib', priority: 'high' });
      await waitForBanner(page, 'high', /V-Fib/);
      await enterPin(page, PIN);
      await page.waitForFunction(`document.getElementById('notice').textContent.startsWith('Acknowledged')`, undefined, { timeout: 5000 });
      assert.deepEqual(live.log.filter((e) => e.event === 'acknowledged').map((e) => e.alarmId), [couplet.id]);
      assert.match((await page.locator('#notice').textContent()) ?? '', /^Acknowledged \(1\)/);
      const top = await waitForBanner(page, 'high', /V-Fib/);
      assert.doesNotMatch(top.text, /ACK/, `${vf.id} still unacknowledged on screen`);
      assert.equal(live.snapshot().audio.tone, 'high', 'VF keeps sounding');
      await page.close();
    });

    it('shows PACED on the ECG when the patient is set as paced', async () => {
      live.paced = true;
      url = await serve(PIN);
      const page = await openView(browser, url);
      await page.waitForFunction(`!document.getElementById('paced').hidden`, undefined, { timeout: 5000 });
      assert.equal(await page.locator('#paced').textContent(), 'PACED');
      assert.equal(await page.locator('#paced').isVisible(), true);
      await page.close();
    });

    it('without a PIN the controls are locked (read-only), and a lost hub is shown, then recovered', async () => {
      url = await serve(null);
      // First under the page's own Content-Security-Policy: nothing it needs is blocked.
      const strict = await browser.newPage({ viewport: { width: 800, height: 480 } });
      const problems: string[] = [];
      strict.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      strict.on('pageerror', (e) => problems.push(e.message));
      await strict.goto(url);
      for (let i = 0; i < 100 && !(await strict.title()).startsWith('Bed '); i++) await strict.waitForTimeout(50);
      assert.equal(await strict.title(), 'Bed 12 · Vigil');
      assert.deepEqual(problems, []);
      await strict.close();

      const page = await openView(browser, url);
      assert.equal(await page.locator('#ack').isDisabled(), true);
      assert.equal(await page.locator('#pause').isDisabled(), true);
      assert.match((await page.locator('#pause').textContent()) ?? '', /read-only/);
      live.raiseAlarm({ condition: 'spo2-low', label: 'SpO2 low 84 < 90', priority: 'medium', value: 84 });
      const top = await waitForBanner(page, 'medium', /SpO2 low/);
      assert.equal(top.flashing, false);
      assert.equal(top.background, 'rgb(255, 221, 0)');
      assert.equal(await page.locator('#ack').isDisabled(), true, 'still locked with an alarm present');

      const port = Number(new URL(url).port);
      await server.close();
      await page.locator('#conn-lost').waitFor({ state: 'visible', timeout: 15_000 });
      const banner = await readBanner(page);
      assert.match(banner[0]?.label ?? '', /No connection to hub/);
      await serve(null, port);
      await page.locator('#conn-lost').waitFor({ state: 'hidden', timeout: 15_000 });
      await waitForBanner(page, 'medium', /SpO2 low/);
      await page.close();
    });
  });
}
