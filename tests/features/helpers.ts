// Host-compiled C feature blocks for tests: generate tf_features_config.h from settings, build
// firmware/features/tf_features.c with a stdin/stdout driver (gcc -Werror, UBSan when asked), run it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { featuresHeader } from '../../src/features/cheader.js';

export const FEATURE_CFLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-Wconversion', '-Wno-sign-conversion'];

/** Builds the driver for `settings`; returns the executable. */
export function buildFeatureDriver(settings: ModelSettings, opts: { ubsan?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-feat-'));
  writeFileSync(join(dir, 'tf_features_config.h'), featuresHeader(settings).contents);
  const exe = join(dir, 'driver');
  const san = opts.ubsan ? ['-fsanitize=undefined', '-fno-sanitize-recover=all'] : [];
  execFileSync('gcc', [...FEATURE_CFLAGS, ...san, '-I', dir, '-I', join(REPO_ROOT, 'firmware', 'features'),
    join(REPO_ROOT, 'firmware', 'features', 'tf_features.c'), join(REPO_ROOT, 'tests', 'features', 'features_driver.c'), '-lm', '-o', exe], { stdio: ['ignore', 'pipe', 'pipe'] });
  return exe;
}

/** Compiles tf_features.c for the Cortex-M4F (arm-none-eabi-gcc, -Werror, the firmware's flags); throws with the compiler's output on failure. */
export function armCompileFeatures(settings: ModelSettings): void {
  const dir = mkdtempSync(join(tmpdir(), 'tf-feat-arm-'));
  writeFileSync(join(dir, 'tf_features_config.h'), featuresHeader(settings).contents);
  execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16', ...FEATURE_CFLAGS, '-I', dir, '-I', join(REPO_ROOT, 'firmware', 'features'),
    '-c', join(REPO_ROOT, 'firmware', 'features', 'tf_features.c'), '-o', join(dir, 'tf_features.o')], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the driver on int16 windows; returns one Int32Array of features per window. */
export function runFeatureDriver(exe: string, windows: Int16Array[], count: number): Int32Array[] {
  const per = windows[0]?.length ?? 0;
  const input = Buffer.alloc(4 + windows.length * per * 2);
  input.writeUInt32LE(windows.length, 0);
  windows.forEach((w, i) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).copy(input, 4 + i * per * 2));
  const out = execFileSync(exe, [], { input, maxBuffer: 1 << 28 });
  const all = new Int32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  return windows.map((_, i) => all.slice(i * count, (i + 1) * count));
}

/** Minimal settings around a feature block (no model quantisation: the driver runs extract only). */
export function blockSettings(block: 'spectral' | 'flatten', params: Record<string, unknown>, names: string[], ctx: { windowLength: number; sampleRateHz: number; axes: string[] }): ModelSettings {
  return {
    task: 'classification',
    labels: ['a', 'b'],
    axes: ctx.axes,
    units: ctx.axes.map((a) => (a.startsWith('g') ? 'deg/s' : 'g')),
    sampleRateHz: ctx.sampleRateHz,
    windowLength: ctx.windowLength,
    windowStride: ctx.windowLength,
    normalisation: { mean: ctx.axes.map(() => 0), std: ctx.axes.map(() => 1) },
    features: { block, params, names, standardisation: { mean: names.map(() => 0), std: names.map(() => 1) } },
  };
}
