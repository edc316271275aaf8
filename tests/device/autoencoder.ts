/**
 * Test-only trainer: a small dense int8 autoencoder with the I/O shape of the public MLPerf Tiny
 * anomaly-detection model (640 inputs = 5 frames × 128 log-mel bins, 640 outputs), trained with
 * TensorFlow.js on synthetic spectra and quantised with tinyforge's own quantiser. Smaller inside
 * than MLPerf's (640 → 64 → 8 → 64 → 640) so it trains in seconds; the same ops (FULLY_CONNECTED,
 * ReLU) and the same tensor sizes at the edges.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings } from '../../src/core/dataset.js';
import { mulberry32 } from '../../src/data/prng.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { selectBackend } from '../../src/train/backend.js';

export const AE_VALUES = 640;

export const AE_SETTINGS: ModelSettings = {
  task: 'anomaly',
  labels: [],
  axes: ['x'],
  units: [''],
  sampleRateHz: 1,
  windowLength: AE_VALUES,
  windowStride: AE_VALUES,
  normalisation: { mean: [0], std: [1] },
};

/** `n` synthetic "spectra": a smooth random bump curve per frame plus noise, values roughly in [-1, 1]. */
export function spectra(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const x = new Float32Array(n * AE_VALUES);
  for (let k = 0; k < n; k++) {
    const centre = rng.next() * 128, width = 8 + rng.next() * 24, level = 0.3 + rng.next() * 0.6;
    for (let f = 0; f < 5; f++)
      for (let b = 0; b < 128; b++) x[k * AE_VALUES + f * 128 + b] = level * Math.exp(-(((b - centre) / width) ** 2)) - 0.4 + 0.05 * (rng.next() - 0.5);
  }
  return x;
}

export async function trainAutoencoder(seed = 1): Promise<{ bytes: Uint8Array; settings: ModelSettings; test: Float32Array }> {
  await selectBackend();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, activation: 'relu', inputShape: [AE_VALUES], kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
      tf.layers.dense({ units: AE_VALUES, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
  const train = spectra(256, seed);
  const xs = tf.tensor2d(train, [256, AE_VALUES]);
  try {
    await model.fit(xs, xs, { epochs: 8, batchSize: 32, shuffle: false, verbose: 0 });
  } finally {
    xs.dispose();
  }
  const q = quantizeStage({ model, settings: AE_SETTINGS, calibration: { x: train, shape: [256, AE_VALUES] }, maxExamples: 128 });
  model.dispose();
  return { bytes: q.bytes, settings: q.settings ?? AE_SETTINGS, test: spectra(12, seed + 100) };
}
