/**
 * The README's studio screenshots, taken from a real run so they never drift from what the studio
 * shows: `node bin/run-ts.mjs scripts/studio-screenshots.ts out/demo` starts the studio on the
 * demo's virtual board, picks "walking" on the Live page, waits for the chart and ~10 predictions,
 * and writes docs/studio-live.png and docs/studio-model.png (after the per-layer diagnostics).
 * Needs the studio bundle (scripts/setup.sh) and Debian's chromium.
 */
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from '../src/core/shared.js';
import { startStudio } from '../src/studio/index.js';
import { nodePlatform } from '../src/adapters/platform.js';
import { CHROMIUM, CHROMIUM_ARGS, buildBundle } from '../tests/studio/browser.js';

const dir = resolve(process.argv[2] ?? 'out/demo');
const dist = await buildBundle();
const studio = await startStudio({ firmware: dir, listen: '127.0.0.1:0', distDir: dist, data: join(dir, 'recordings') }, nodePlatform());
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${studio.url}#live`);
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/live/source') && r.ok()), page.selectOption('#sim-activity', 'walking')]);
  await page.waitForFunction(() => Number(document.querySelector('#live-predictions')?.textContent) >= 10, undefined, { timeout: 120_000 });
  await page.screenshot({ path: join(REPO_ROOT, 'docs', 'studio-live.png') });
  await page.goto(`${studio.url}#model`);
  await page.locator('#per-layer-table').waitFor({ timeout: 600_000 });
  await page.screenshot({ path: join(REPO_ROOT, 'docs', 'studio-model.png'), fullPage: true });
  console.log(`wrote docs/studio-live.png and docs/studio-model.png from ${dir}`);
} finally {
  await browser.close();
  await studio.close();
}
