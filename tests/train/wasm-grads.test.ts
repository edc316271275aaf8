/**
 * The wasm convolution gradients (src/train/wasm-grads.ts) against tfjs's own gradients on the cpu
 * backend (the independent reference: tfjs-backend-cpu's native Conv2DBackpropFilter/Input and
 * DepthwiseConv2dNativeBackprop* kernels).
 * Tolerance: |wasm − cpu| ≤ 1e-4 · (1 + max|cpu|) per element — float32 sums of a few hundred
 * products in a different order differ by ~1e-6 relative; a wrong index is off by O(1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/train/backend.js';
import { conv2dFilterGrad, conv2dInputGrad, depthwiseFilterGrad, depthwiseInputGrad } from '../../src/train/wasm-grads.js';
import { mulberry32 } from '../../src/data/prng.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';

function randoms(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform(-1, 1);
  return a;
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  kind: 'conv' | 'depthwise';
  x: Shape4;
  w: Shape4;
  strides: [number, number];
  pad: Pad;
}

/** dx, dw of L = Σ conv(x, w) ⊙ r on the current backend, via tfjs's gradient machinery. */
function gradsOf(c: Case, xs: Float32Array, ws: Float32Array, rSeed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x);
    const w = tf.tensor4d(ws, c.w);
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = c.kind === 'conv'
        ? tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad)
        : tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
      const r = tf.tensor(randoms(size(y.shape), rSeed), y.shape);
      return tf.sum(tf.mul(y, r));
    };
    const [dx, dw] = tf.grads(f)([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** The same gradients by calling this project's functions directly (so Conv2DBackpropInput, which wasm has natively, is tested too). */
function directGrads(c: Case, xs: Float32Array, ws: Float32Array, rSeed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x);
    const w = tf.tensor4d(ws, c.w);
    const y = c.kind === 'conv' ? tf.conv2d(x, w, c.strides, c.pad) : tf.depthwiseConv2d(x, w, c.strides, c.pad);
    const dy = tf.tensor4d(randoms(size(y.shape), rSeed), y.shape as Shape4);
    const geo = { strides: c.strides, pad: c.pad };
    const dx = c.kind === 'conv' ? conv2dInputGrad(dy, w, c.x, geo) : depthwiseInputGrad(dy, w, c.x, geo);
    const dw = c.kind === 'conv' ? conv2dFilterGrad(x, dy, c.w, geo) : depthwiseFilterGrad(x, dy, c.w, geo);
    expect(dx.shape).toEqual(c.x);
    expect(dw.shape).toEqual(c.w);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  let maxRef = 0;
  for (const v of want) maxRef = Math.max(maxRef, Math.abs(v));
  const tol = 1e-4 * (1 + maxRef);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

const CASES: Case[] = [];
// Conv1D as tfjs-layers runs it: height 1.
for (const pad of ['same', 'valid'] as Pad[]) {
  for (const s of [1, 2, 3]) {
    CASES.push({ kind: 'conv', x: [2, 1, 17, 3], w: [1, 5, 3, 4], strides: [1, s], pad });
    CASES.push({ kind: 'conv', x: [2, 7, 8, 2], w: [3, 3, 2, 3], strides: [s, s === 3 ? 2 : s], pad });
    CASES.push({ kind: 'depthwise', x: [2, 6, 9, 3], w: [3, 2, 3, 2], strides: [s, s], pad });
    CASES.push({ kind: 'depthwise', x: [1, 1, 20, 4], w: [1, 5, 4, 1], strides: [1, s], pad });
  }
}
// Even filter with 'same' (asymmetric padding) and a 1×1 kernel.
CASES.push({ kind: 'conv', x: [1, 6, 6, 2], w: [4, 4, 2, 2], strides: [2, 2], pad: 'same' });
CASES.push({ kind: 'conv', x: [3, 4, 5, 6], w: [1, 1, 6, 5], strides: [1, 1], pad: 'valid' });

describe('convolution gradients on wasm match tfjs cpu gradients', () => {
  const ref = new Map<number, { dx: Float32Array; dw: Float32Array }>();
  beforeAll(async () => {
    await selectBackend('cpu');
    CASES.forEach((c, i) => ref.set(i, gradsOf(c, randoms(size(c.x), 10 + i), randoms(size(c.w), 100 + i), 1000 + i)));
    const choice = await selectBackend('wasm');
    expect(choice.backend).toBe('wasm');
  });

  CASES.forEach((c, i) => {
    const name = `${c.kind} x=${c.x.join('×')} w=${c.w.join('×')} strides=${c.strides.join(',')} ${c.pad}`;
    it(`${name} (tf.grads on wasm)`, () => {
      const got = gradsOf(c, randoms(size(c.x), 10 + i), randoms(size(c.w), 100 + i), 1000 + i);
      expectClose(got.dx, ref.get(i)!.dx);
      expectClose(got.dw, ref.get(i)!.dw);
    });
    it(`${name} (direct functions on wasm)`, () => {
      const got = directGrads(c, randoms(size(c.x), 10 + i), randoms(size(c.w), 100 + i), 1000 + i);
      expectClose(got.dx, ref.get(i)!.dx);
      expectClose(got.dw, ref.get(i)!.dw);
    });
  });

  it('a Conv1D model takes a training step on wasm and its loss falls', async () => {
    await selectBackend('wasm');
    const r = mulberry32(5);
    const n = 32;
    const xs = new Float32Array(n * 20 * 3);
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 2;
      for (let t = 0; t < 20; t++) for (let a = 0; a < 3; a++) xs[(i * 20 + t) * 3 + a] = (i % 2 ? Math.sin(t) : Math.cos(t * 0.3)) + 0.1 * r.normal();
    }
    const model = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [20, 3], filters: 4, kernelSize: 5, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.globalAveragePooling1d(),
        tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy' });
    const x = tf.tensor3d(xs, [n, 20, 3]);
    const y = tf.tensor1d(ys);
    const h = await model.fit(x, y, { epochs: 8, batchSize: n, shuffle: false, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(Number.isFinite(loss[loss.length - 1])).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    tf.dispose([x, y]);
    model.dispose();
  });
});
