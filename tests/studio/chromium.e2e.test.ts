// The studio end to end in real headless Chromium (Debian's chromium, driven by playwright-core)
// against the virtual board (QEMU) running a tiny classifier for the five activities, with the
// board's simulated IMU (its sensor bus) as its sample source. Checks what a user sees: samples that keep arriving
// and predictions named with the model's labels; a 3 s "walking" recording that
// `tinyforge data inspect` reads with the expected sample count; labels shown as text, not markup;
// a foreign Host (DNS rebinding, mapped in the browser's resolver) and a foreign page's WebSocket
// refused; killing the board shows a disconnected state and keeps what was recorded.
// Screenshots go to out/test-artifacts/studio/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../../src/core/shared.js';
import { startStudio, type Studio } from '../../src/studio/index.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { ACTIVITIES } from '../../src/data/simulator.js';
import { CHROMIUM, CHROMIUM_ARGS, artifactsDir, browserForTests, buildBundle, virtualProject } from './browser.js';
import { tempDir } from './helpers.js';

const run = browserForTests();

describe.skipIf(!run)('studio in Chromium against the virtual board', () => {
  let studio: Studio;
  let ctx: BrowserContext;
  let page: Page;
  let data: string;
  let port: number;
  let evil: FastifyInstance;
  const pageErrors: string[] = [];
  const shots = run ? artifactsDir() : '';
  const num = async (sel: string) => Number(await page.locator(sel).textContent());

  beforeAll(async () => {
    const [dist, proj] = await Promise.all([buildBundle(), virtualProject()]);
    data = tempDir('tf-studio-e2e-data-');
    studio = await startStudio({ firmware: proj, listen: '127.0.0.1:0', data, distDir: dist }, nodePlatform());
    port = Number(new URL(studio.url).port);
    // Another site on loopback: its page tries to talk to the studio.
    evil = Fastify();
    evil.get('/', async (_q, r) => r.type('text/html').send(`<title>evil</title><script>
      const ws = new WebSocket('ws://127.0.0.1:${port}/ws');
      ws.onopen = () => (document.title = 'ws-open');
      ws.onerror = () => (document.title = 'ws-refused');
    </script>`));
    await evil.listen({ host: '127.0.0.1', port: 0 });
    ctx = await chromium.launchPersistentContext(tempDir('tf-chromium-'), {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
      viewport: { width: 1200, height: 860 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${studio.url}#live`);
    await page.locator('#link[data-state="connected"]').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await ctx?.close();
    await evil?.close();
    await studio?.close();
  });

  it('Live: samples keep arriving and predictions carry the model\'s labels', async () => {
    await page.waitForFunction(() => Number(document.querySelector('#live-samples')?.textContent) > 0, null, { timeout: 30_000 });
    const a = await num('#live-samples');
    // The simulated sensor runs at 50 Hz: another 50 samples is about a second.
    await page.waitForFunction((n) => Number(document.querySelector('#live-samples')?.textContent) >= n + 50, a, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.querySelector('#live-predictions')?.textContent) >= 2, null, { timeout: 30_000 });
    const top = await page.locator('#top-class').getAttribute('data-label');
    expect(ACTIVITIES).toContain(top);
    const bars = await page.locator('#bars .cap').allTextContents();
    expect(bars.map((b) => b.split(' ')[0])).toEqual([...ACTIVITIES]);
    expect(await num('#live-lost')).toBe(0);
    // The board's µs for the last inference replaced the placeholder. It may read 0: the DSP engine
    // runs this tiny test model in under a microsecond of the virtual board's clock.
    expect(await page.locator('#latency').textContent()).toMatch(/^\d+$/);
    expect(await page.locator('#live-plot canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'live.png') });
  });

  it('Record: 3 s of "walking" is a capture file that `tinyforge data inspect` reads', async () => {
    // The simulated wearer is picked on the Live page; recording never switches it (issue 16 §2).
    await page.goto(`${studio.url}#live`);
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/live/source') && r.ok()), page.selectOption('#sim-activity', 'walking')]);
    await page.goto(`${studio.url}#record`);
    await page.fill('#rec-label', 'walking');
    await page.fill('#rec-subject', 'tester');
    await page.fill('#rec-seconds', '3');
    await page.click('#record-btn');
    await page.locator('#record-status.ok').waitFor({ timeout: 60_000 });
    const file = /saved (\S+\.csv)/.exec((await page.locator('#record-status').textContent())!)![1];
    const side = JSON.parse(readFileSync(join(data, file + '.json'), 'utf8'));
    expect(side).toMatchObject({ format: 'tinyforge-capture/1', label: 'walking', group: 'tester', sampleRateHz: 50, stopReason: 'time' });
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), '--json', 'data', 'inspect', join(data, file)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const inspected = JSON.parse(r.stdout);
    expect(inspected.summary).toMatchObject({ recordings: 1, labels: ['walking'], groups: ['tester'] });
    expect(inspected.summary.frames).toBe(side.samples); // every sample recorded is in the file
    // 3 s of sensor time at 50 Hz: exactly 150 samples (the recording counts samples, not wall time).
    expect(inspected.summary.frames).toBe(150);
    expect(side.missingSamples).toBe(0);
    await page.locator('#by-label td', { hasText: 'walking' }).waitFor();
    await page.screenshot({ path: join(shots, 'record.png') });
  });

  it('labels and file names are shown as text, never as markup', async () => {
    const file = /saved (\S+\.csv)/.exec((await page.locator('#record-status').textContent())!)![1];
    const label = '<img src=x onerror="document.title=\'pwned\'">';
    const r = await fetch(`${studio.url}api/recordings/${encodeURIComponent(file)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label }) });
    expect(r.status).toBe(200);
    await page.reload();
    await page.locator('#recordings .label', { hasText: '<img' }).waitFor();
    expect(await page.locator('#recordings .label').first().textContent()).toBe(label);
    expect(await page.locator('#recordings img').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
  });

  it('Model: a folder without a training run says what is missing instead of failing', async () => {
    await page.goto(`${studio.url}#model`);
    await page.locator('#training .warn', { hasText: 'missing' }).first().waitFor({ timeout: 30_000 });
    await page.locator('#per-layer p', { hasText: /needs .*train/ }).waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  });

  it('a foreign Host (DNS rebinding) and a foreign page\'s WebSocket are refused', async () => {
    const p2 = await ctx.newPage();
    const resp = await p2.goto(`http://rebind.test:${port}/`);
    expect(resp!.status()).toBe(421);
    expect(await p2.textContent('body')).toMatch(/refused: Host/);
    await p2.goto(`http://127.0.0.1:${(evil.server.address() as { port: number }).port}/`);
    await p2.waitForFunction(() => document.title.startsWith('ws-'), null, { timeout: 20_000 });
    expect(await p2.title()).toBe('ws-refused');
    await p2.close();
    const direct = await fetch(`${studio.url}api/device`, { headers: { origin: 'http://evil.example' } });
    expect(direct.status).toBe(403);
  });

  it('killing the board shows a disconnected state and keeps what was recorded', async () => {
    await page.goto(`${studio.url}#record`);
    await page.fill('#rec-label', 'running');
    await page.fill('#rec-seconds', '30');
    await page.click('#record-btn');
    await page.waitForFunction(() => /recording/.test(document.querySelector('#record-status')?.textContent ?? ''));
    // Let some samples arrive, then kill QEMU underneath the studio.
    const before = (await (await fetch(`${studio.url}api/device`)).json()).stats.samples as number;
    await expect.poll(async () => (await (await fetch(`${studio.url}api/device`)).json()).stats.samples, { timeout: 20_000 }).toBeGreaterThan(before + 50);
    await studio.startedBoard()!.stop();
    await page.locator('#link[data-state="disconnected"]').waitFor({ timeout: 30_000 });
    await page.locator('#record-status.warn').waitFor({ timeout: 30_000 });
    expect(await page.locator('#record-status').textContent()).toMatch(/stopped: link closed; everything received was kept/);
    const file = /saved (\S+\.csv)/.exec((await page.locator('#record-status').textContent())!)![1];
    const side = JSON.parse(readFileSync(join(data, file + '.json'), 'utf8'));
    expect(side).toMatchObject({ label: 'running', stopReason: 'link closed' });
    expect(side.samples).toBeGreaterThan(50);
    const rows = readFileSync(join(data, file), 'utf8').trim().split('\n').length - 1;
    expect(rows).toBe(side.samples);
    await page.screenshot({ path: join(shots, 'record-disconnected.png') });
    await page.goto(`${studio.url}#device`);
    expect(await page.locator('#device-state').textContent()).toBe('disconnected');
    await page.screenshot({ path: join(shots, 'device-disconnected.png') });
    expect(pageErrors).toEqual([]);
  });
});
