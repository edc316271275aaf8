// Per-layer quantisation diagnostics (src/quantize/per-layer.ts): the statistics on hand-computed
// values, then the whole function on a small tfjs model quantised by tinyforge.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ErrorAccumulator, formatPerLayer, perLayerDiagnostics } from '../../src/quantize/per-layer.js';
import { quantize } from '../../src/quantize/index.js';
import { quantizeInput } from '../../src/interp/index.js';

describe('ErrorAccumulator (hand-computed)', () => {
  it('scale 0.5, zero point 0', () => {
    // Dequantised q·0.5 = [1, −2, 0, 63.5]; errors [0, 0, 0.2, 36.5].
    // Σf² = 1 + 4 + 0.04 + 10000 = 10005.04, Σe² = 0.04 + 1332.25 = 1332.29,
    // SQNR = 10·log10(10005.04 / 1332.29) = 8.7562 dB; max 36.5; mean 36.7 / 4 = 9.175.
    // Representable: [0.5·(−128) − 0.25, 0.5·127 + 0.25] = [−64.25, 63.75]: only 100 lies outside → 1/4.
    const a = new ErrorAccumulator(0.5, 0);
    a.add([1.0, -2.0, 0.2, 100], Int8Array.from([2, -4, 0, 127]));
    const r = a.result();
    expect(r.count).toBe(4);
    expect(r.sqnrDb).toBeCloseTo(8.7562, 3);
    expect(r.maxAbsError).toBeCloseTo(36.5, 9);
    expect(r.meanAbsError).toBeCloseTo(9.175, 9);
    expect(r.saturationRate).toBe(0.25);
  });
  it('scale 0.1, zero point −128 (a softmax-like tensor), accumulated over two calls', () => {
    // Dequantised 0.1·(q + 128) = [0.3, 0, 25.5, 0]; errors [0, 0, 0.1, −0.2].
    // Σf² = 0.09 + 655.36 + 0.04 = 655.49, Σe² = 0.01 + 0.04 = 0.05 → SQNR 10·log10(13109.8) = 41.1760 dB.
    // Representable [−0.05, 25.55]: 25.6 and −0.2 lie outside → 2/4. Max 0.2, mean 0.3 / 4 = 0.075.
    const a = new ErrorAccumulator(0.1, -128);
    a.add([0.3, 0.0], Int8Array.from([-125, -128]));
    a.add([25.6, -0.2], Int8Array.from([127, -128]));
    const r = a.result();
    expect(r.sqnrDb).toBeCloseTo(41.176, 3);
    expect(r.maxAbsError).toBeCloseTo(0.2, 9);
    expect(r.meanAbsError).toBeCloseTo(0.075, 9);
    expect(r.saturationRate).toBe(0.5);
  });
  it('identical values: no noise, SQNR null (exact), zero errors', () => {
    const a = new ErrorAccumulator(0.25, 3);
    a.add([0.25 * (5 - 3), 0.25 * (-7 - 3)], Int8Array.from([5, -7]));
    expect(a.result()).toEqual({ count: 2, sqnrDb: null, maxAbsError: 0, meanAbsError: 0, saturationRate: 0 });
  });
});

function tinyModel(): tf.LayersModel {
  const m = tf.sequential({ name: 'tiny' });
  m.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) }));
  return m;
}

function windows(n: number): Float32Array {
  // A fixed pseudo-random sequence in [−2, 2).
  const x = new Float32Array(n * 6);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s / 2 ** 32) * 4 - 2;
  }
  return x;
}

describe('perLayerDiagnostics', () => {
  const model = tinyModel();
  const n = 40;
  const x = windows(n);
  const graph = quantize(model, { x, shape: [n, 6] }).model.graph;

  it('one row per layer output and the input, counts = windows × elements, small errors', () => {
    const r = perLayerDiagnostics(model, graph, x, n);
    expect(r.windows).toBe(n);
    expect(r.tensors.map((t) => [t.name, t.op])).toEqual([[graph.tensors[graph.inputs[0]].name, 'input'], ['hidden', 'FULLY_CONNECTED'], ['out', 'SOFTMAX']]);
    expect(r.tensors.map((t) => t.count)).toEqual([n * 6, n * 8, n * 3]);
    for (const t of r.tensors) {
      expect(t.sqnrDb).not.toBeNull();
      expect(t.sqnrDb!).toBeGreaterThan(20); // 8-bit steps over a calibrated range: ≈ 6 dB per bit, minus headroom
    }
    expect(formatPerLayer(r)).toMatch(/hidden\s+FULLY_CONNECTED/);
  });

  it('the input row equals the statistics computed directly from the quantised input', () => {
    const r = perLayerDiagnostics(model, graph, x, n);
    const t = graph.tensors[graph.inputs[0]];
    const a = new ErrorAccumulator(Math.fround(t.quant!.scale[0]), t.quant!.zeroPoint[0]);
    for (let i = 0; i < n; i++) {
      const xi = x.subarray(i * 6, (i + 1) * 6);
      const q = quantizeInput(graph, xi);
      a.add(xi, new Int8Array(q.buffer, q.byteOffset, q.length));
    }
    expect(r.tensors[0]).toMatchObject(a.result());
  });

  it('a layer whose int8 range is too narrow shows up: saturation and lower SQNR there', () => {
    const narrow = structuredClone(graph);
    const h = narrow.tensors.findIndex((t) => t.name === 'hidden');
    narrow.tensors[h].quant!.scale = [narrow.tensors[h].quant!.scale[0] / 8];
    const good = perLayerDiagnostics(model, graph, x, n).tensors.find((t) => t.name === 'hidden')!;
    const bad = perLayerDiagnostics(model, narrow, x, n).tensors.find((t) => t.name === 'hidden')!;
    expect(good.saturationRate).toBe(0);
    expect(bad.saturationRate).toBeGreaterThan(0.1);
    expect(bad.sqnrDb!).toBeLessThan(good.sqnrDb! - 6);
  });

  it('windows that do not fit the input are bad input', () => {
    expect(() => perLayerDiagnostics(model, graph, x.subarray(0, 10), 2)).toThrow(/do not make 2 windows/);
  });
});
