/**
 * Helpers for browser tests of the bedside view (headless Debian chromium driven by
 * playwright-core): launch, open the view, read the banner, enter the PIN, sample the ECG
 * canvas. Shared by the view's test against a scripted LiveSource and the end-to-end test
 * against the real hub. The repository's lib is ES2023 only (no DOM types), so page code
 * is passed to the browser as strings.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/data.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(repoRoot, 'test-artifacts');

/** Why a browser test cannot run here, or null when it can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (Debian package chromium; scripts/setup-test-deps.sh installs it)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Tones may start without a user gesture in the test (the real screen shows "Enable sound").
    args: ['--autoplay-policy=no-user-gesture-required', '--no-sandbox'],
  });
}

/** Opens the view at `url` in a fresh page of the given size and waits for the first snapshot. */
export async function openView(browser: Browser, url: string, size = { width: 800, height: 480 }): Promise<Page> {
  // bypassCSP: the view's CSP (script-src 'self') would also block playwright's polling of string predicates.
  const page = await browser.newPage({ viewport: size, bypassCSP: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction('document.title.startsWith("Bed ")', undefined, { timeout: 10_000 }).catch((e: unknown) => {
    throw new Error(`the view did not load its snapshot${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}: ${String(e)}`);
  });
  return page;
}

export interface BannerRow {
  priority: string;
  label: string;
  text: string;
  flashing: boolean;
  background: string;
}

/** The alarm banner's rows, top (highest priority) first. */
export async function readBanner(page: Page): Promise<BannerRow[]> {
  return page.evaluate(`[...document.querySelectorAll('#banner .alarm')].map((r) => {
    const cs = getComputedStyle(r);
    return { priority: r.dataset.priority || '', label: (r.querySelector('.label') || r).textContent, text: r.textContent, flashing: cs.animationName === 'flash', background: cs.backgroundColor };
  })`);
}

/** Waits until the top banner row has the given priority and a label matching `label`. */
export async function waitForBanner(page: Page, priority: string, label: RegExp, timeoutMs = 10_000): Promise<BannerRow> {
  const deadline = Date.now() + timeoutMs;
  let rows: BannerRow[] = [];
  while (Date.now() < deadline) {
    rows = await readBanner(page);
    const top = rows[0];
    if (top && top.priority === priority && label.test(top.label)) return top;
    await page.waitForTimeout(100);
  }
  throw new Error(`no ${priority} banner matching ${label} within ${timeoutMs} ms; banner: ${JSON.stringify(rows)}`);
}

/** Types the PIN on the on-screen keypad (as a nurse taps it) and presses OK. */
export async function enterPin(page: Page, pin: string): Promise<void> {
  await page.locator('#keypad').waitFor({ state: 'visible', timeout: 5000 });
  for (const ch of pin) await page.locator(`#keypad [data-key="${ch}"]`).click();
  await page.locator('#keypad [data-key="ok"]').click();
}

/** A fingerprint of the ECG trace canvas's pixels (changes as the sweep moves). */
export async function traceFingerprint(page: Page): Promise<{ hash: number; inked: number }> {
  return page.evaluate(`(() => {
    const c = document.getElementById('trace');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hash = 0, inked = 0;
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { inked++; hash = (hash * 31 + i) | 0; } }
    return { hash, inked };
  })()`);
}

/** Texts of the alarm history list, newest first. */
export async function readHistory(page: Page): Promise<Array<{ event: string; text: string }>> {
  return page.evaluate(`[...document.querySelectorAll('#history-list li')].map((li) => ({ event: li.dataset.event || '', text: li.textContent }))`);
}

/** Saves a screenshot under test-artifacts/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  return file;
}
