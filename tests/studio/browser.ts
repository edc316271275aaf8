// End-to-end fixtures for the studio: Debian's chromium (driven by playwright-core), the Vite
// bundle built from the current sources, and a demo-like output folder with a tiny classifier
// built for the virtual board.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSettings } from '../../src/core/dataset.js';
import type { Graph } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { ACTIVITIES } from '../../src/data/simulator.js';
import { tempDir } from './helpers.js';

export const CHROMIUM = process.env.TINYFORGE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Whether the browser tests can run: chromium, QEMU and the Arm compiler present. When
 * TINYFORGE_REQUIRE_CHROMIUM=1 (set by .ci/run) a missing chromium is an error, not a skip.
 */
export function browserForTests(): boolean {
  const has = (t: string, a = '--version') => spawnSync(t, [a], { stdio: 'ignore' }).status === 0;
  const chromium = chromiumForTests();
  const tools = has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');
  if (chromium && !tools) console.warn('[tinyforge tests] qemu-system-arm / arm-none-eabi-gcc / make missing: the studio browser tests are skipped.');
  return chromium && tools;
}

/** Whether chromium is there (for browser tests without a board); missing under TINYFORGE_REQUIRE_CHROMIUM=1 is an error. */
export function chromiumForTests(): boolean {
  const chromium = existsSync(CHROMIUM);
  if (!chromium && process.env.TINYFORGE_REQUIRE_CHROMIUM === '1') throw new Error(`chromium is required (TINYFORGE_REQUIRE_CHROMIUM=1) but ${CHROMIUM} is missing: run scripts/setup.sh`);
  if (!chromium) console.warn(`[tinyforge tests] ${CHROMIUM} not found: the studio browser tests are skipped (scripts/setup.sh installs Debian's chromium).`);
  return chromium;
}

/** Bundles studio/ with Vite into a fresh folder (the same config setup.sh uses). */
export async function buildBundle(): Promise<string> {
  const { build } = await import('vite');
  const outDir = tempDir('tf-studio-dist-');
  await build({ configFile: join(REPO_ROOT, 'studio', 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  return outDir;
}

const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
export const WINDOW = 20;

/** 20 samples × 3 axes → FULLY_CONNECTED → the five activities (weights a fixed pseudo-random pattern). */
export function tinyActivityModel(): { graph: Graph; settings: ModelSettings } {
  const n = WINDOW * 3;
  const w = Int8Array.from({ length: 5 * n }, (_, i) => ((i * 53 + 17) % 255) - 127);
  const graph: Graph = {
    tensors: [
      { name: 'window', dtype: 'int8', shape: [1, n], quant: q(0.05, 0) },
      { name: 'w', dtype: 'int8', shape: [5, n], data: new Uint8Array(w.buffer), quant: q(0.01, 0) },
      { name: 'b', dtype: 'int32', shape: [5], data: new Uint8Array(Int32Array.from([300, -200, 100, 0, -100]).buffer) },
      { name: 'scores', dtype: 'int8', shape: [1, 5], quant: q(0.1, 0) },
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }],
    inputs: [0],
    outputs: [3],
  };
  const settings: ModelSettings = {
    task: 'classification', labels: [...ACTIVITIES], axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], sampleRateHz: 50, windowLength: WINDOW, windowStride: 10,
    normalisation: { mean: [0, 0, 0.5], std: [0.5, 0.5, 0.5] }, inputQuant: { scale: 0.05, zeroPoint: 0 }, outputQuant: { scale: 0.1, zeroPoint: 0 },
  };
  return { graph, settings };
}

/** A folder laid out like a `tinyforge demo` output: model.tflite, settings.json, firmware/ (built). */
export async function virtualProject(): Promise<string> {
  const dir = tempDir('tf-studio-proj-');
  const { graph, settings } = tinyActivityModel();
  const modelBytes = writeTflite(graph);
  writeFileSync(join(dir, 'model.tflite'), modelBytes);
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model: readTflite(modelBytes), modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
  const fw = writeProject(join(dir, 'firmware'), project.files);
  await runPlan(buildPlan(fw, 'qemu-mps2-an386', { engine: 'native' }));
  return dir;
}

/** Where screenshots go (gitignored: out/). */
export function artifactsDir(): string {
  const d = join(REPO_ROOT, 'out', 'test-artifacts', 'studio');
  mkdirSync(d, { recursive: true });
  return d;
}
