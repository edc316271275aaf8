// The Record page's waveform view in real headless Chromium (Debian's chromium via playwright-core;
// no board needed: the dataset folder is edited offline). A 10 s recording at 50 Hz — rest, 4 s of
// motion from 3 s to 7 s, rest — is opened from the list; a drag across the chart selects about
// 3–7 s; the selection typed exactly (3.00–7.00 s = samples 150–350) is cropped: the list then
// shows the new recording with 4.0 s, the same duration the waveform view shows, the file holds
// rows 150–349 of the original and the original sits in .originals/. A too-short crop shows the
// server's error with its remedy; the spectrum chart of the model's spectral block is drawn for the
// selected window; a split into 2 s pieces gives two recordings. Screenshots in
// out/test-artifacts/studio/ (record-waveform.png is the docs' studio-record.png).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createStudioServer, type StudioServer } from '../../src/studio/server.js';
import { CHROMIUM, CHROMIUM_ARGS, artifactsDir, buildBundle, chromiumForTests } from './browser.js';
import { fakeSession, tempDir } from './helpers.js';

const run = chromiumForTests();
const RATE = 50;
const FILE = 'walking.alice.20261207T120000.csv';

/** 10 s: rest (aZ ≈ 1 g), motion from 3 s to 7 s (2 Hz on aX/aY, 4 Hz on aZ), rest. */
function writeMotion(dir: string): string[] {
  const rows: string[] = [];
  for (let t = 0; t < 10 * RATE; t++) {
    const s = t / RATE;
    const m = s >= 3 && s < 7 ? 1 : 0;
    const wiggle = 0.01 * Math.sin(2 * Math.PI * 11 * s);
    rows.push([wiggle + m * 0.6 * Math.sin(2 * Math.PI * 2 * s), m * 0.3 * Math.sin(2 * Math.PI * 2 * s + 1), 1 + m * 0.2 * Math.sin(2 * Math.PI * 4 * s)].map((v) => v.toFixed(3)).join(','));
  }
  writeFileSync(join(dir, FILE), `aX,aY,aZ\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, FILE + '.json'), JSON.stringify({ format: 'tinyforge-capture/1', label: 'walking', group: 'alice', sampleRateHz: RATE, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: rows.length, seconds: rows.length / RATE, gaps: [], missingSamples: 0, file: FILE }));
  return rows;
}

describe.skipIf(!run)('Record page: waveform, crop, split and spectrum in Chromium', () => {
  let server: StudioServer;
  let ctx: BrowserContext;
  let page: Page;
  let url: string;
  let data: string;
  let rows: string[];
  const pageErrors: string[] = [];
  const shots = run ? artifactsDir() : '';

  beforeAll(async () => {
    const dist = await buildBundle();
    data = tempDir('tf-rec-edit-data-');
    rows = writeMotion(data);
    // A model folder whose settings give the window (2 s) and a spectral front-end (FFT 64, low-pass 10 Hz).
    const model = tempDir('tf-rec-edit-model-');
    writeFileSync(join(model, 'settings.json'), JSON.stringify({ task: 'classification', labels: ['idle', 'walking'], axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], sampleRateHz: RATE, windowLength: 100, windowStride: 50, normalisation: { mean: [0, 0, 0], std: [1, 1, 1] }, features: { block: 'spectral', params: { fftLength: 64, filterType: 'low', filterCutoff: 10 }, names: [], standardisation: { mean: [], std: [] } } }));
    server = createStudioServer({ session: fakeSession(data).session, datasetDir: data, modelDir: model, distDir: dist, host: '127.0.0.1', port: 0 });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.app.server.address() as { port: number }).port;
    server.setPort(port);
    url = `http://127.0.0.1:${port}/`;
    ctx = await chromium.launchPersistentContext(tempDir('tf-chromium-'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 900 } });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await ctx?.close();
    await server?.app.close();
  });

  const listSeconds = async (file: string) => (await page.locator('#recordings tr', { has: page.locator(`.open-recording:text-is("${file}")`) }).locator('td').nth(4).textContent())!;

  it('opens a recording as a waveform of every axis, with its duration as the list has it', async () => {
    await page.goto(`${url}#record`);
    await page.locator('.open-recording', { hasText: FILE }).click();
    await page.locator('#wave-plot canvas').waitFor();
    expect(await page.locator('#wave-seconds').textContent()).toBe('10.0');
    expect(await listSeconds(FILE)).toBe('10.0');
    expect(await page.locator('#wave-samples').textContent()).toBe('500');
    const legend = await page.locator('#wave-plot .u-legend .u-series').allTextContents();
    expect(legend.join(' ')).toMatch(/aX \(g\).*aY \(g\).*aZ \(g\)/);
    expect(await page.locator('#wave-plot .u-axis').allTextContents()).toBeDefined();
    // The window spectrum (the model's spectral block) is drawn for the first window.
    await page.locator('#spectrum-plot canvas').waitFor();
    expect(await page.locator('#spectrum-info').textContent()).toMatch(/0\.00–2\.00 s \(100 samples\).*the model's parameters.*FFT 64/);
  });

  it('a drag selects a range; the spectrum follows the selection\'s start', async () => {
    const over = (await page.locator('#wave-plot .u-over').boundingBox())!;
    // x scale 0 … 10 s (the recording's duration) across the plotting area.
    const x = (s: number) => over.x + (s / 10) * over.width;
    await page.mouse.move(x(3), over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(x(5), over.y + over.height / 2, { steps: 5 });
    await page.mouse.move(x(7), over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Number(await page.inputValue('#sel-start'))).toBeGreaterThan(2.85);
    expect(Number(await page.inputValue('#sel-start'))).toBeLessThan(3.15);
    expect(Number(await page.inputValue('#sel-end'))).toBeGreaterThan(6.85);
    expect(Number(await page.inputValue('#sel-end'))).toBeLessThan(7.15);
    await expect.poll(async () => page.locator('#spectrum-info').textContent()).toMatch(/^(2\.9\d|3\.\d\d)–/);
    expect(await page.locator('#crop-btn').isDisabled()).toBe(false);
    await page.screenshot({ path: join(shots, 'record-waveform.png'), fullPage: true });
    // A click (no drag) moves the spectrum's window and keeps the selection.
    await page.mouse.click(x(6), over.y + over.height / 2);
    await expect.poll(async () => page.locator('#spectrum-info').textContent()).toMatch(/^(5\.9\d|6\.\d\d)–/);
    expect(Number(await page.inputValue('#sel-start'))).toBeLessThan(3.15);
    expect(await page.locator('#crop-btn').isDisabled()).toBe(false);
  });

  it('a crop shorter than one window is refused with the remedy, and nothing changes', async () => {
    await page.fill('#sel-start', '1');
    await page.fill('#sel-end', '2.5');
    await page.locator('#sel-end').dispatchEvent('change');
    expect(await page.locator('#sel-len').textContent()).toMatch(/1\.50 s, 75 samples — shorter than one window/);
    await page.click('#crop-btn');
    await page.locator('#edit-status.error').waitFor();
    expect(await page.locator('#edit-status').textContent()).toMatch(/fewer than one window \(100 samples, 2\.00 s\).*— keep at least 2\.00 s/);
    expect(existsSync(join(data, FILE))).toBe(true);
  });

  it('crop 3.00–7.00 s: a new 4.0 s recording (list and view agree), rows 150–349 kept, the original in .originals/', async () => {
    await page.fill('#sel-start', '3');
    await page.locator('#sel-start').dispatchEvent('change');
    await page.fill('#sel-end', '7');
    await page.locator('#sel-end').dispatchEvent('change');
    expect(await page.locator('#edit-status').textContent()).toBe('');
    await page.click('#crop-btn');
    const cropped = 'walking.alice.20261207T120000-crop.csv';
    await page.locator('#edit-status.ok').waitFor();
    expect(await page.locator('#edit-status').textContent()).toMatch(new RegExp(`cropped ${FILE.replace(/\./g, '\\.')} into ${cropped.replace(/\./g, '\\.')} \\(4\\.00 s\\); the original is in \\.originals/`));
    await page.locator('#wave-title', { hasText: cropped }).waitFor();
    expect(await page.locator('#wave-seconds').textContent()).toBe('4.0');
    expect(await listSeconds(cropped)).toBe('4.0');
    expect(await page.locator('#by-label td').nth(3).textContent()).toBe('4.0');
    expect(readFileSync(join(data, cropped), 'utf8')).toBe(`aX,aY,aZ\n${rows.slice(150, 350).join('\n')}\n`);
    expect(JSON.parse(readFileSync(join(data, cropped + '.json'), 'utf8'))).toMatchObject({ label: 'walking', group: 'alice', samples: 200, derivedFrom: { file: FILE, startSample: 150, endSample: 350 } });
    expect(existsSync(join(data, '.originals', FILE))).toBe(true);
    await page.locator('#spectrum-plot canvas').waitFor();
    await page.screenshot({ path: join(shots, 'record-cropped.png'), fullPage: true });
  });

  it('split into 2 s pieces: two recordings of 2.0 s with the same label and subject', async () => {
    await page.fill('#split-every', '2');
    await page.click('#split-every-btn');
    await page.locator('#edit-status.ok', { hasText: 'split' }).waitFor();
    const files = await page.locator('#recordings .open-recording').allTextContents();
    expect(files).toEqual(['walking.alice.20261207T120000-crop-p1.csv', 'walking.alice.20261207T120000-crop-p2.csv']);
    for (const f of files) expect(await listSeconds(f)).toBe('2.0');
    expect(await page.locator('#recordings .label').allTextContents()).toEqual(['walking', 'walking']);
    expect(pageErrors).toEqual([]);
  });
});
