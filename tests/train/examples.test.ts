import { describe, expect, it } from 'vitest';
import { trainDigits, trainRegression } from '../../src/train/examples.js';

describe('the lecture examples', () => {
  it('one neuron learns Y = 2X − 1 (w ≈ 2, b ≈ −1, predicts ≈ 19 at x = 10)', async () => {
    // Expected values: the exact least-squares solution of the six points is w = 2, b = −1; the
    // lecture's Keras run (500 epochs, sgd 0.01) reached w 1.9975, b −0.9923, predict(10) 18.98.
    // Tolerances |w − 2| < 0.02, |b + 1| < 0.06, |predict(10) − 19| < 0.3 cover the residual
    // of 500 SGD steps from a random start (b converges slowest).
    const r = await trainRegression({ seed: 1, backend: 'wasm' });
    expect(Math.abs(r.weight - 2)).toBeLessThan(0.02);
    expect(Math.abs(r.bias + 1)).toBeLessThan(0.06);
    expect(Math.abs(r.predictAt10 - 19)).toBeLessThan(0.3);
    expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0] / 100);
    r.model.dispose();
  });

  it('digits: Flatten → Dense(20) → Dense(10) beats 80 % after a short run on a subset', async () => {
    // 200 images per digit, 3 epochs; chance is 10 %. The test images are other samples of the set.
    const r = await trainDigits({ trainPerDigit: 200, testPerDigit: 50, epochs: 3, seed: 1, backend: 'wasm' });
    expect(r.report.data.counts.test).toBe(500);
    expect(r.report.accuracy.test).toBeGreaterThan(0.8);
    expect(r.model.countParams()).toBe(784 * 20 + 20 + 20 * 10 + 10);
    r.model.dispose();
  });
});
