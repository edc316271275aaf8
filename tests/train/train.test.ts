import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { applyNormalisation } from '../../src/data/window.js';
import { evaluateModel, trainModel } from '../../src/train/train.js';
import { buildModel, modelSize } from '../../src/train/models.js';
import { synthWindows } from './synthetic.js';

const train = synthWindows({ perClassPerGroup: 20, groups: ['s1', 's2', 's3', 's4'], seed: 1 });
const val = synthWindows({ perClassPerGroup: 10, groups: ['s5'], seed: 2 });
const test = synthWindows({ perClassPerGroup: 10, groups: ['s6'], seed: 3 });
const base = { optimizer: 'adam' as const, learningRate: 0.01, batchSize: 16, seed: 7, backend: 'wasm' as const };

describe('trainModel', () => {
  it('learns a separable synthetic task well above chance (1/3) on held-out subjects', async () => {
    const r = await trainModel({ train, val, test }, { ...base, preset: 'conv1d-small', epochs: 12 });
    expect(r.backend).toBe('wasm');
    expect(r.history).toHaveLength(12);
    expect(r.report.accuracy.test).toBeGreaterThan(0.8);
    expect(r.report.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(test.y.length);
    expect(r.report.evaluatedOn).toBe('test');
    // Normalisation is fitted on train only: axis 1 has mean ≈ 1 (the synthetic offset), std ≈ noise 0.3.
    expect(r.settings.normalisation.mean[1]).toBeCloseTo(1, 1);
    expect(r.settings.normalisation.std[1]).toBeCloseTo(0.3, 1);
    expect(r.settings.labels).toEqual(['c0', 'c1', 'c2']);
    r.model.dispose();
  });

  it('is deterministic for a seed, and a different seed gives different weights', async () => {
    const run = async (seed: number) => {
      const r = await trainModel({ train, val }, { ...base, seed, preset: 'dense', epochs: 2 });
      const w = Array.from(r.model.getWeights()[0].dataSync().slice(0, 20));
      r.model.dispose();
      return { loss: r.history.map((h) => h.loss), w };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b).toEqual(a);
    expect(c.w).not.toEqual(a.w);
  });

  it('early stopping restores the weights of the best validation loss', async () => {
    // A high learning rate makes validation loss bounce, so patience 2 triggers within 30 epochs.
    const r = await trainModel({ train, val }, { ...base, learningRate: 0.2, preset: 'dense', epochs: 30, earlyStopping: { patience: 2 } });
    const losses = r.history.map((h) => h.valLoss!);
    const bestIdx = losses.indexOf(Math.min(...losses));
    expect(r.report.training.bestEpoch).toBe(bestIdx + 1);
    if (r.report.training.stoppedEarly) expect(r.history.length).toBe(bestIdx + 1 + 2);
    const again = evaluateModel(r.model, applyNormalisation(val, r.settings.normalisation));
    expect(again.loss).toBeCloseTo(losses[bestIdx], 5);
    r.model.dispose();
  });

  it('rejects inconsistent splits and bad options with a remedy', async () => {
    const other = { ...val, labels: ['x', 'y', 'z'] };
    await expect(trainModel({ train, val: other }, { ...base, preset: 'dense', epochs: 1 })).rejects.toMatchObject({ kind: 'bad-input' });
    await expect(trainModel({ train, val }, { ...base, preset: 'nope', epochs: 1 })).rejects.toThrow(/unknown model preset/);
    await expect(trainModel({ train, val }, { ...base, preset: 'dense', epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(trainModel({ train, val }, { ...base, preset: 'dense', epochs: 1, classWeights: [1, 2] })).rejects.toThrow(/class weights/);
  });
});

describe('presets and size', () => {
  it('same seed → same initial weights', () => {
    const a = buildModel('conv1d', { windowLength: 100, axes: 3, classes: 5, seed: 1 });
    const b = buildModel('conv1d', { windowLength: 100, axes: 3, classes: 5, seed: 1 });
    expect(Array.from(a.getWeights()[0].dataSync())).toEqual(Array.from(b.getWeights()[0].dataSync()));
    a.dispose();
    b.dispose();
  });
  it('counts parameters and MACs of the dense preset by hand', () => {
    // Flatten 10×3=30 → Dense 32 (30·32 + 32 = 992 params, 960 MACs) → Dense 4 (32·4 + 4 = 132 params, 128 MACs).
    const m = buildModel('dense', { windowLength: 10, axes: 3, classes: 4, seed: 1 });
    const s = modelSize(m);
    expect(s.params).toBe(992 + 132);
    expect(s.macs).toBe(960 + 128);
    // Largest live pair: Flatten in 30 + out 30 = 60, Dense1 in 30 + out 32 = 62, Dense2 32 + 4.
    expect(s.ramBytes).toBe(62);
    // Weights 960 + 128 bytes, biases 4·(32 + 4), channel params 12·(32 + 4), 1 KB, 64 per tensor (3 layers + 4 weights).
    expect(s.flashBytes).toBe(960 + 128 + 4 * 36 + 12 * 36 + 1024 + 64 * 7);
    m.dispose();
  });
  it('the conv1d preset fits a Cortex-M4 (256 KB RAM, 1 MB flash) with few tens of k params', () => {
    // 2 s at 50 Hz = 100 samples, 3 axes, 5 activities (the built-in data).
    const m = buildModel('conv1d', { windowLength: 100, axes: 3, classes: 5, seed: 1 });
    const s = modelSize(m);
    expect(s.params).toBeGreaterThan(5000);
    expect(s.params).toBeLessThan(50000);
    expect(s.flashBytes).toBeLessThan(100 * 1024);
    expect(s.ramBytes).toBeLessThan(16 * 1024);
    m.dispose();
    expect(() => buildModel('conv1d', { windowLength: 10, axes: 3, classes: 5, seed: 1 })).toThrow(/too short/);
    tf.disposeVariables();
  });
});
