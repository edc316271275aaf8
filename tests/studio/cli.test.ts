// `tinyforge eval --per-layer` on a train directory made in the test (in-process CLI), the studio's
// start-up refusals (no browser or board needed) and the front end's type check (tsc in a child).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { REPO_ROOT } from '../../src/core/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { ModelSettings, WindowSet } from '../../src/core/dataset.js';
import { saveTrainArtifacts } from '../../src/adapters/train-dir.js';
import { startStudio, parseListen, STUDIO_DIST } from '../../src/studio/index.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { existsSync, writeFileSync } from 'node:fs';
import { cachedDiagnostics, modelDiagnostics } from '../../src/studio/model-info.js';
import { quantizeStage, type EvalProgress } from '../../src/service/quantize.js';
import { STRESS_ROUNDS, stressTimeout } from '../helpers/signals.js';
import { cliAsync, until } from '../qa/helpers.js';
import { tempDir } from './helpers.js';
import { cli } from '../helpers/cli.js';


function windows(n: number, seed: number): WindowSet {
  const x = new Float32Array(n * 6);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { axes: ['aX', 'aY', 'aZ'], labels: ['a', 'b'], windowLength: 2, sampleRateHz: 50, x, y: Int32Array.from({ length: n }, (_, i) => i % 2), groups: Array.from({ length: n }, () => 'g') };
}

/** A 6 → 5 → 2 dense classifier (seeded) and its settings: 2 samples × 3 axes. */
function tinyModel(): { m: tf.Sequential; settings: ModelSettings } {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }));
  const settings: ModelSettings = { task: 'classification', labels: ['a', 'b'], axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], sampleRateHz: 50, windowLength: 2, windowStride: 1, normalisation: { mean: [0, 0, 0], std: [1, 1, 1] } };
  return { m, settings };
}

describe('tinyforge eval --per-layer', () => {
  it('JSON has one row per layer output (and the input) over the held-out windows; the table names them', async () => {
    const { m, settings } = tinyModel();
    const dir = tempDir('tf-evalpl-');
    await saveTrainArtifacts(dir, { model: m, settings, windows: { representative: windows(30, 7), heldOut: windows(12, 9) } });
    const r = await cli(['--json', 'eval', '--model', dir, '--per-layer']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.examples).toBe(12);
    expect(j.perLayer.windows).toBe(12);
    expect(j.perLayer.tensors.map((t: { name: string }) => t.name).slice(1)).toEqual(['hidden', 'out']);
    expect(j.perLayer.tensors.map((t: { count: number }) => t.count)).toEqual([12 * 6, 12 * 5, 12 * 2]);
    const t = await cli(['eval', '--model', dir, '--per-layer']);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/per-layer quantisation error over 12 windows/);
    expect(t.stdout).toMatch(/hidden\s+FULLY_CONNECTED\s+\[1,5\]/);
  });
});

describe('the studio\'s per-layer diagnostics (service layer in a worker thread)', () => {
  it('report progress, compute what eval --per-layer computes, and are cached per model SHA-256', async () => {
    const { m, settings } = tinyModel();
    const dir = tempDir('tf-diag-');
    await saveTrainArtifacts(join(dir, 'train'), { model: m, settings, windows: { representative: windows(30, 7), heldOut: windows(12, 9) } });
    const q = quantizeStage({ model: m, calibration: { x: windows(30, 7).x, shape: [30, 6] } });
    writeFileSync(join(dir, 'model.tflite'), q.bytes);
    const seen: EvalProgress[] = [];
    const d = await modelDiagnostics(dir, (p) => seen.push(p));
    expect(d.perLayer.windows).toBe(12);
    expect(d.perLayer.tensors.map((t) => t.name).slice(1)).toEqual(['hidden', 'out']);
    expect(d.int8.examples).toBe(12);
    expect(seen.map((p) => p.phase)).toContain('evaluating');
    expect(seen.filter((p) => p.phase === 'per-layer').at(-1)).toEqual({ phase: 'per-layer', done: 12, total: 12 });
    // The same numbers as the CLI's eval --per-layer on the same folder.
    const r = await cli(['--json', 'eval', '--model', join(dir, 'train'), '--tflite', join(dir, 'model.tflite'), '--per-layer']);
    expect(JSON.parse(r.stdout).perLayer).toEqual(d.perLayer);
    // Cached: a second call reports no progress (no worker), and returns the same.
    const again: EvalProgress[] = [];
    expect(await modelDiagnostics(dir, (p) => again.push(p))).toEqual(d);
    expect(again).toEqual([]);
    expect(cachedDiagnostics(dir)?.modelSha256).toBe(d.modelSha256);
    // A different model.tflite is not served from the cache.
    writeFileSync(join(dir, 'model.tflite'), quantizeStage({ model: m, calibration: { x: windows(30, 8).x.map((v) => 3 * v), shape: [30, 6] } }).bytes);
    expect(cachedDiagnostics(dir)).toBeNull();
  });
});

describe('tinyforge studio start-up', () => {
  it('refuses without a board, with both, and without the front-end bundle', async () => {
    const err = async (p: Promise<unknown>) => (await p.then(() => null, (e: unknown) => e)) as TinyforgeError;
    expect((await err(startStudio({}, nodePlatform()))).exitCode).toBe(2);
    expect((await err(startStudio({ port: '/dev/null', firmware: '.' }, nodePlatform()))).exitCode).toBe(2);
    const noBundle = await err(startStudio({ port: '/dev/null', distDir: tempDir('tf-nodist-') }, nodePlatform()));
    expect(noBundle.exitCode).toBe(7);
    expect(noBundle.remedy).toMatch(/scripts\/setup\.sh/);
    expect(() => parseListen('localhost')).toThrow(/not HOST:PORT/);
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
  });
  it('--virtual DIR without built firmware is bad input naming what it looked for', async () => {
    const dist = tempDir('tf-dist-');
    (await import('node:fs')).writeFileSync(join(dist, 'index.html'), '<!doctype html>');
    const e = (await startStudio({ firmware: tempDir('tf-empty-'), distDir: dist, listen: '127.0.0.1:0' }, nodePlatform()).then(() => null, (x: unknown) => x)) as TinyforgeError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/firmware\/build\/firmware\.elf/);
  });
});

// README: Ctrl-C of `studio` exits 130 (it exited 0). The binary needs the built front end, which
// scripts/setup.sh makes (CI: TINYFORGE_REQUIRE_CHROMIUM=1 — the studio's browser tests need it too —
// turns its absence into a failure instead of a skip).
const bundle = existsSync(join(STUDIO_DIST, 'index.html'));
if (!bundle && process.env.TINYFORGE_REQUIRE_CHROMIUM === '1') throw new Error(`the studio bundle is required in CI but ${STUDIO_DIST} is missing: run scripts/setup.sh`);
describe.skipIf(!bundle)('tinyforge studio: Ctrl-C', () => {
  it('stops the server and exits 130 (also when pressed twice)', async () => {
    for (let round = 0; round < Math.max(2, STRESS_ROUNDS); round++) {
      const c = cliAsync(['--json', 'studio', '--port', '/dev/null', '--listen', '127.0.0.1:0', '--data', tempDir('tf-studio-rec-')]);
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => c.once('exit', (code, signal) => res({ code, signal })));
      expect(await until(() => /"url"/.test(c.out()), 60_000, 10), c.err()).toBe(true);
      const url = JSON.parse(c.out()).url as string;
      c.kill('SIGINT');
      if (round % 2) c.kill('SIGINT');
      expect(await exit, c.err()).toEqual({ code: 130, signal: null });
      // The server is gone with the process.
      await expect(fetch(url)).rejects.toThrow();
    }
  }, stressTimeout(60_000));
});

describe('studio front end', () => {
  it('type-checks (studio/tsconfig.json: DOM types; `npm run typecheck` covers the Node side only)', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'studio'), '--noEmit'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
