import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/prng.js';
import { augmentWindows, xyzTriplets } from '../../src/train/augment.js';
import { trainModel } from '../../src/train/train.js';
import { synthWindows } from './synthetic.js';

describe('augmentation', () => {
  it('finds XYZ triplets by name', () => {
    expect(xyzTriplets(['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'])).toEqual([0, 3]);
    expect(xyzTriplets(['t', 'ax', 'ay', 'az'])).toEqual([1]);
    expect(xyzTriplets(['aX', 'gY', 'aZ'])).toEqual([]);
  });

  it('rotation alone keeps each sample vector\'s length and the window changes', () => {
    // A rotation is orthogonal: |R v| = |v| for every sample (to float32 rounding, 1e-5 relative).
    const ws = synthWindows({ perClassPerGroup: 2, groups: ['a'], seed: 4 });
    const out = augmentWindows(ws, { rotate: 0.3 }, mulberry32(1));
    let moved = 0;
    for (let s = 0; s < ws.x.length; s += 3) {
      const n0 = Math.hypot(ws.x[s], ws.x[s + 1], ws.x[s + 2]);
      const n1 = Math.hypot(out[s], out[s + 1], out[s + 2]);
      expect(Math.abs(n1 - n0)).toBeLessThanOrEqual(1e-5 * (1 + n0));
      moved = Math.max(moved, Math.abs(out[s] - ws.x[s]));
    }
    expect(moved).toBeGreaterThan(0.01);
  });

  it('gain alone scales each axis of a window by one factor; same seed, same result', () => {
    const ws = synthWindows({ perClassPerGroup: 1, groups: ['a'], seed: 5 });
    const out = augmentWindows(ws, { gain: 0.1 }, mulberry32(2));
    const L = ws.windowLength;
    for (let a = 0; a < 3; a++) {
      const f = out[a] / ws.x[a];
      for (let t = 0; t < L; t++) expect(out[t * 3 + a]).toBeCloseTo(ws.x[t * 3 + a] * f, 4);
    }
    expect(augmentWindows(ws, { gain: 0.1 }, mulberry32(2))).toEqual(out);
    expect(augmentWindows(ws, {}, mulberry32(2))).toEqual(ws.x);
  });

  it('training with augmentation still learns and records it in the report', async () => {
    const train = synthWindows({ perClassPerGroup: 15, groups: ['a', 'b', 'c'], seed: 1 });
    const val = synthWindows({ perClassPerGroup: 10, groups: ['d'], seed: 2 });
    const r = await trainModel({ train, val, test: val }, { preset: 'conv1d-small', optimizer: 'adam', learningRate: 0.01, epochs: 10, batchSize: 16, seed: 1, backend: 'wasm', augment: { rotate: 0.2, gain: 0.05 } });
    expect(r.report.training.augment).toEqual({ rotate: 0.2, gain: 0.05 });
    expect(r.report.accuracy.test).toBeGreaterThan(0.7);
    r.model.dispose();
  });
});
