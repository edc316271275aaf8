/**
 * Writes a small train directory (as `tinyforge train --out DIR` does, via the train stage's
 * saveTrainArtifacts) holding a seeded Conv1D classifier and synthetic windows, for CLI tests.
 * The windows' labels are the float model's own predictions, so float accuracy is 100 % by
 * construction and eval's int8 accuracy equals its agreement.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../../src/core/dataset.js';
import { saveTrainArtifacts } from '../../src/adapters/train-dir.js';
import { buildModels, randomInputs } from './models.js';

export async function writeTrainDir(dir: string): Promise<{ settings: ModelSettings }> {
  const tm = buildModels().find((m) => m.name === 'conv1d')!;
  const [T, C] = tm.inputShape;
  const labels = ['idle', 'walking', 'running', 'biking', 'golfing'];
  const settings: ModelSettings = {
    task: 'classification',
    labels,
    axes: ['aX', 'aY', 'aZ'],
    units: ['g', 'g', 'g'],
    sampleRateHz: 50,
    windowLength: T,
    windowStride: T,
    normalisation: { mean: [0.1, -0.2, 0.3], std: [2, 0.5, 1] },
  };
  const ws = (n: number, seed: number): WindowSet => {
    const norm = randomInputs(n, tm.inputShape, seed);
    const y = tf.tidy(() => (tm.model.predict(tf.tensor(norm.x, norm.shape)) as tf.Tensor).argMax(-1).dataSync() as Int32Array);
    // stored in sensor units: x = x' * std + mean
    const raw = Float32Array.from(norm.x, (v, i) => v * settings.normalisation.std[i % C] + settings.normalisation.mean[i % C]);
    return { axes: settings.axes, labels, windowLength: T, sampleRateHz: 50, x: raw, y: Int32Array.from(y), groups: Array(n).fill('s1') };
  };
  await saveTrainArtifacts(dir, { model: tm.model, settings, windows: { representative: ws(40, 1), heldOut: ws(30, 2) } });
  return { settings };
}
