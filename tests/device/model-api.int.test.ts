// The model library's C API (firmware/core/tf_model.h) with the test engine, built with gcc and
// ASan/UBSan: misuse returns the documented codes and never touches the window (the driver aborts
// otherwise), and every window's outputs, class and smoothed class equal this file's own
// computation (float32 quantisation as the host windows, the test engine's function, the smoothing
// rule of tf_model.h written out here independently).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { quantiseSample, testEngineOutput } from '../support/fake-device.js';
import { INPUT_BYTES, OUTPUT_BYTES, SETTINGS } from './targets.js';
import { reconstructionError } from '../../src/stream/continuous.js';
import { RAW_FEATURES_HEADER } from '../support/host-board.js';
import { anomalyDistance, anomalyInt8 } from '../../src/train/anomaly.js';

const f32 = Math.fround;

/**
 * An anomaly block for the K-means build: 3 centroids of 60 values in float input units, chosen to
 * give distances on both sides of the threshold (510 units² = 204000 LSB² at input scale 0.05).
 */
const KMEANS = {
  method: 'kmeans' as const,
  centroids: [0, 1, 2].map((k) => Array.from({ length: 60 }, (_, i) => (((i * 5 + k * 17) % 23) - 11) * 0.013 * (k + 1))),
  threshold: 510,
  quantile: 0.99,
  thresholdFrom: 'validation' as const,
};

type Kind = 'classifier' | 'autoencoder' | 'kmeans' | 'nowindow';
/** The no-windowing build: a regression whose 4-byte input is not the 20 × 3 window. */
const NOWINDOW = { inputBytes: 4, outputBytes: 2 };
const exes = new Map<string, string>();
function build(kind: Kind = 'classifier'): string {
  const have = exes.get(kind);
  if (have) return have;
  const dir = mkdtempSync(join(tmpdir(), 'tf-model-api-'));
  writeFileSync(join(dir, 'tf_features_config.h'), RAW_FEATURES_HEADER);
  // The autoencoder: the same window, task "anomaly", as many outputs as inputs.
  const header = kind === 'nowindow'
    ? settingsHeader({ settings: { ...SETTINGS, task: 'regression', labels: [] }, ...NOWINDOW })
    : kind !== 'autoencoder'
    ? settingsHeader({ settings: kind === 'kmeans' ? { ...SETTINGS, anomaly: KMEANS } : SETTINGS, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES })
    : settingsHeader({ settings: { ...SETTINGS, task: 'anomaly', labels: [] }, inputBytes: INPUT_BYTES, outputBytes: INPUT_BYTES });
  writeFileSync(join(dir, 'tf_model_settings.h'), header.contents);
  const exe = join(dir, 'model_api_test');
  const core = join(REPO_ROOT, 'firmware/core');
  const features = join(REPO_ROOT, 'firmware/features');
  execFileSync('gcc', ['-std=c99', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', dir, '-I', core, '-I', features, '-o', exe,
    join(REPO_ROOT, 'tests/device/model_api_test.c'), join(core, 'tf_model.c'), join(features, 'tf_features.c'), join(REPO_ROOT, 'tests/device/test_engine.c'), '-lm']);
  exes.set(kind, exe);
  return exe;
}

function run(args: string[], kind: Kind = 'classifier'): string[] {
  const r = spawnSync(build(kind), args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

const halfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** The driver's stream, and what each window must give (outputs + arg-max), computed here. */
function expectedWindows(raw: boolean): { window: number; last: number; cls: number; out: number[] }[] {
  const L = SETTINGS.windowLength, S = SETTINGS.windowStride, A = SETTINGS.axes.length;
  const { mean, std } = SETTINGS.normalisation;
  const q: number[][] = [];
  const res: { window: number; last: number; cls: number; out: number[] }[] = [];
  for (let i = 0; i < 95; i++) {
    const sample: number[] = [];
    for (let a = 0; a < A; a++) {
      let v = f32(f32(((i * 37 + a * 11) % 101) / 50) - 1);
      if (raw) v = f32(halfEven(f32(v * 1024)) * f32(1 / 1024));
      sample.push(quantiseSample(v, mean[a], std[a], SETTINGS.inputQuant!.scale, SETTINGS.inputQuant!.zeroPoint));
    }
    q.push(sample);
    if (i + 1 >= L && (i + 1 - L) % S === 0) {
      const input = Int8Array.from(q.slice(i + 1 - L).flat());
      const out = Array.from(new Int8Array(testEngineOutput(new Uint8Array(input.buffer), OUTPUT_BYTES).buffer));
      let cls = 0;
      out.forEach((v, k) => (v > out[cls] ? (cls = k) : 0));
      res.push({ window: res.length, last: i, cls, out });
    }
  }
  return res;
}

/** tf_model.h's smoothing, written out: the reported class after each result. */
function smoothed(outs: number[][], K: number, minScore: number, minWindows: number): number[] {
  let candidate = -1, run = 0, reported = -1;
  return outs.map((_, t) => {
    const recent = outs.slice(Math.max(0, t + 1 - K), t + 1);
    const sums = outs[0].map((__, c) => recent.reduce((s, o) => s + o[c], 0));
    let best = 0;
    sums.forEach((s, c) => (s > sums[best] ? (best = c) : 0));
    if (sums[best] < minScore * recent.length) best = -1;
    if (best === candidate) run++;
    else (candidate = best), (run = 1);
    if (candidate >= 0 && run >= minWindows) reported = candidate;
    return reported;
  });
}

function parse(lines: string[]) {
  expect(lines.at(-1)).toMatch(/^OK \d+$/);
  return lines.filter((l) => l.startsWith('R ')).map((l) => {
    const [, w, last, cls, rep, changed, ...out] = l.split(' ').map(Number);
    return { window: w, last, cls, rep, changed, out };
  });
}

describe('model library API (tf_model.h) on the host, ASan/UBSan', () => {
  it('misuse returns the documented codes; every window equals the independent computation (float and int16 pushes)', () => {
    for (const raw of [false, true]) {
      const got = parse(run(raw ? ['raw'] : []));
      const want = expectedWindows(raw);
      expect(want.length).toBe(8); // (95 - 20) / 10 + 1
      expect(got.map((g) => ({ window: g.window, last: g.last, cls: g.cls, out: g.out }))).toEqual(want);
      // Without smoothing the reported class is the window's own.
      expect(got.map((g) => g.rep)).toEqual(want.map((w) => w.cls));
    }
  }, 120_000);

  it('an autoencoder (task "anomaly"): the anomaly score is the reconstruction error, bit for bit with the host (src/stream/continuous.ts)', () => {
    const lines = run([], 'autoencoder');
    const scores = lines.filter((l) => l.startsWith('A ')).map((l) => l.slice(2));
    const want = expectedWindows(false).map((w) => {
      // The window's int8 input and the test engine's 60 outputs for it.
      const L = SETTINGS.windowLength, A = SETTINGS.axes.length;
      const input = new Int8Array(L * A);
      for (let s = 0; s < L; s++)
        for (let a = 0; a < A; a++) {
          const i = w.last + 1 - L + s;
          input[s * A + a] = quantiseSample(f32(f32(((i * 37 + a * 11) % 101) / 50) - 1), SETTINGS.normalisation.mean[a], SETTINGS.normalisation.std[a], SETTINGS.inputQuant!.scale, SETTINGS.inputQuant!.zeroPoint);
        }
      const out = new Int8Array(testEngineOutput(new Uint8Array(input.buffer), INPUT_BYTES).buffer);
      const e = new Float32Array([reconstructionError(input, out, SETTINGS.inputQuant!, SETTINGS.outputQuant!)]);
      return new Uint32Array(e.buffer)[0].toString(16).padStart(8, '0');
    });
    expect(scores).toHaveLength(8);
    expect(scores).toEqual(want);
    expect(new Set(scores).size).toBeGreaterThan(1);
  }, 120_000);

  it('K-means anomaly block: every window\'s distance, nearest centroid and flag, and the INFER path\'s, equal an independent integer computation and the host\'s anomalyDistance', () => {
    const lines = run([], 'kmeans');
    const got = lines.filter((l) => l.startsWith('K ')).map((l) => l.slice(2).split(' ').map(Number));
    // Independently: the centroids quantised as tf_model.h states (half away from zero, clamp), T = 510 / 0.05².
    const s = SETTINGS.inputQuant!.scale, z = SETTINGS.inputQuant!.zeroPoint;
    const cq = KMEANS.centroids.map((c) => c.map((v) => Math.max(-128, Math.min(127, (v < 0 ? -Math.round(-v / s) : Math.round(v / s)) + z))));
    const T = 204000;
    const score = (x: ArrayLike<number>) => {
      const d = cq.map((c) => c.reduce((acc, v, i) => acc + (x[i] - v) ** 2, 0));
      const best = Math.min(...d);
      return [best, d.indexOf(best), Number(best > T)];
    };
    const L = SETTINGS.windowLength, A = SETTINGS.axes.length;
    const block = anomalyInt8(KMEANS, SETTINGS.inputQuant!);
    const want = expectedWindows(false).map((w) => {
      const input = new Int8Array(L * A);
      for (let k = 0; k < L; k++)
        for (let a = 0; a < A; a++) {
          const i = w.last + 1 - L + k;
          input[k * A + a] = quantiseSample(f32(f32(((i * 37 + a * 11) % 101) / 50) - 1), SETTINGS.normalisation.mean[a], SETTINGS.normalisation.std[a], s, z);
        }
      const host = anomalyDistance(input, block);
      expect([host.distance, host.cluster, Number(host.flagged)]).toEqual(score(input));
      return score(input);
    });
    expect(got).toEqual(want);
    // Both sides of the threshold and more than one cluster occur: the test can tell them apart.
    expect(new Set(want.map((w) => w[2])).size).toBe(2);
    expect(new Set(want.map((w) => w[1])).size).toBeGreaterThan(1);
    const infer = Int8Array.from({ length: INPUT_BYTES }, (_, i) => ((i * 7) << 24) >> 24);
    expect(lines.find((l) => l.startsWith('I '))).toBe(`I ${score(infer).join(' ')}`);
    // The window's float score is the distance.
    expect(parse(lines)).toHaveLength(8);
  }, 120_000);

  it('a model whose input is not a window: every push says TF_MODEL_ERR_NO_WINDOWING and stores nothing; tf_model_infer still runs it', () => {
    const lines = run(['nowindow'], 'nowindow');
    // The test engine's function of the input bytes i·7 mod 256, computed in TS (fake-device.ts).
    const input = Uint8Array.from({ length: NOWINDOW.inputBytes }, (_, i) => (i * 7) & 255);
    const want = Array.from(new Int8Array(testEngineOutput(input, NOWINDOW.outputBytes).buffer));
    expect(lines).toEqual([`NW ${want.join(' ')}`]);
  });

  it('smoothing: moving average, threshold and minimum duration as tf_model.h states', () => {
    const want = expectedWindows(false);
    let differs = 0;
    for (const [K, minScore, minWindows] of [[3, -128, 1], [2, 0, 2], [4, 20, 3], [16, -128, 5]]) {
      const got = parse(run(['float', String(K), String(minScore), String(minWindows)]));
      const rep = smoothed(want.map((w) => w.out), K, minScore, minWindows);
      expect(got.map((g) => g.rep), `K=${K} min=${minScore} windows=${minWindows}`).toEqual(rep);
      expect(got.map((g) => g.changed)).toEqual(rep.map((r, i) => Number(r !== (i ? rep[i - 1] : -1))));
      if (rep.some((r, i) => r !== want[i].cls)) differs++;
    }
    expect(differs).toBeGreaterThanOrEqual(3); // the settings do change what is reported
  }, 120_000);
});
