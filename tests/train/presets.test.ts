import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { lowerModel } from '../../src/quantize/index.js';
import { selectBackend } from '../../src/train/backend.js';
import { digitsModel } from '../../src/train/examples.js';
import { PRESETS, buildModel } from '../../src/train/models.js';
import { trainModel } from '../../src/train/train.js';
import { synthWindows } from './synthetic.js';

describe('every preset is something the int8 quantiser accepts', () => {
  for (const p of PRESETS) {
    it(`${p} lowers to a TFLite graph`, async () => {
      await selectBackend('wasm');
      // feature-conv takes a feature vector: 3 channels × 11 features; frame-conv 5 frames × 36.
      const shape = p === 'feature-conv' ? { windowLength: 1, axes: 33, channels: 3 } : p === 'frame-conv' ? { windowLength: 1, axes: 180, frames: 5 } : { windowLength: 100, axes: 3 };
      const m = buildModel(p, { ...shape, classes: 5, seed: 1 });
      const g = lowerModel(m);
      expect(g.operators.length).toBeGreaterThan(0);
      m.dispose();
    });
  }
  it('feature-conv refuses raw windows and vectors it cannot split into channels', () => {
    expect(() => buildModel('feature-conv', { windowLength: 100, axes: 3, classes: 5, seed: 1 })).toThrow(/feature-conv preset needs a feature block's vector/);
    expect(() => buildModel('feature-conv', { windowLength: 1, axes: 34, channels: 3, classes: 5, seed: 1 })).toThrow(/feature-conv/);
  });
  it("frame-conv refuses anything but the spectral block's per-frame rows", () => {
    expect(() => buildModel('frame-conv', { windowLength: 100, axes: 3, classes: 5, seed: 1 })).toThrow(/frame-conv preset needs the spectral block's per-frame layout/);
    expect(() => buildModel('frame-conv', { windowLength: 1, axes: 33, channels: 3, classes: 5, seed: 1 })).toThrow(/spectrum 'frames'/);
    expect(() => buildModel('frame-conv', { windowLength: 1, axes: 181, frames: 5, classes: 5, seed: 1 })).toThrow(/in 5 frames/);
  });
  it('the lecture digits model lowers too', () => {
    const m = digitsModel(1);
    expect(lowerModel(m).operators.length).toBeGreaterThan(0);
    m.dispose();
  });
});

describe('convolution presets train on wasm', () => {
  it('dsconv (Conv2D + DepthwiseConv2D gradients) lowers its loss over a few epochs', async () => {
    const train = synthWindows({ perClassPerGroup: 10, groups: ['a', 'b'], seed: 1 });
    const val = synthWindows({ perClassPerGroup: 5, groups: ['c'], seed: 2 });
    const r = await trainModel({ train, val }, { preset: 'dsconv', optimizer: 'adam', learningRate: 0.01, epochs: 6, batchSize: 8, seed: 1, backend: 'wasm' });
    expect(r.backend).toBe('wasm');
    expect(r.history[5].loss).toBeLessThan(r.history[0].loss);
    expect(r.report.accuracy.train).toBeGreaterThan(1 / 3);
    r.model.dispose();
    tf.disposeVariables();
  });
});
