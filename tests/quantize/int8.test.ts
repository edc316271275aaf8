import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/quantize/index.js';
import { compareOutputs, runInt8 } from '../../src/quantize/eval.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter, quantizeInput } from '../../src/interp/index.js';
import * as tf from '@tensorflow/tfjs';
import { buildModels, randomInputs } from './models.js';

// Whole-model checks: each tiny model is quantised, written, read back, run through the host int8
// reference interpreter and dequantised, then compared with the tfjs float output of the same
// inputs (the lowered float graph, itself checked equal to model.predict in lower.test.ts).
//
// Tolerance, in steps of the output scale s_out: on the representative set itself nothing is
// clipped, so the error is the output's own rounding (0.5 step) plus the rounding of earlier
// layers propagated forward; we allow max 3 steps and mean 1 step (measured: max ≤ 1.8, mean ≤ 0.6).
// Classifiers: with every output within 3 steps, the class cannot flip where the float model's
// top-two margin exceeds 6 steps, so there argmax must agree on every example (these untrained
// models have near-ties elsewhere). On unseen inputs (may exceed the calibrated ranges and clip)
// we ask for ≥ 90 % overall agreement.
const models = buildModels();

function argmaxAgreesAboveMargin(f: Float32Array, q: Float32Array, n: number, margin: number): { checked: number; agreed: number } {
  const c = f.length / n;
  let checked = 0;
  let agreed = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(f.subarray(i * c, (i + 1) * c));
    const qrow = Array.from(q.subarray(i * c, (i + 1) * c));
    const sorted = [...row].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] <= margin) continue;
    checked++;
    if (row.indexOf(sorted[0]) === qrow.indexOf(Math.max(...qrow))) agreed++;
  }
  return { checked, agreed };
}

describe('int8 model vs float model', () => {
  for (const tm of models) {
    for (const io of ['int8', 'float32'] as const) {
      it(`${tm.name} (${io} I/O): within 3 output steps of float, argmax agrees`, () => {
        const rep = randomInputs(48, tm.inputShape, 21);
        const r = quantize(tm.model, rep, { inputType: io, outputType: io });
        const bytes = writeTflite(r.model);
        const g = readTflite(bytes).graph;
        const q = runInt8(g, rep.x, 48);
        const c = compareOutputs(r.floatOutput, q, 48);
        const s = r.outputQuant.scale;
        expect(c.maxAbsError).toBeLessThanOrEqual(3 * s);
        expect(c.meanAbsError).toBeLessThanOrEqual(1 * s);
        if (tm.classifier) {
          const m = argmaxAgreesAboveMargin(r.floatOutput, q, 48, 6 * s);
          expect(m.checked).toBeGreaterThan(10);
          expect(m.agreed).toBe(m.checked);
        }

        const unseen = randomInputs(48, tm.inputShape, 22);
        const fUnseen = quantize(tm.model, unseen).floatOutput; // lowered float graph on the unseen inputs
        const cu = compareOutputs(fUnseen, runInt8(g, unseen.x, 48), 48);
        if (tm.classifier) expect(cu.agreement).toBeGreaterThanOrEqual(0.9);
      });
    }
  }
});

describe('write → read round trip', () => {
  for (const tm of models) {
    it(`${tm.name}: the read-back graph equals the quantiser's and runs bit-identically`, () => {
      const rep = randomInputs(16, tm.inputShape, 31);
      const r = quantize(tm.model, rep);
      const back = readTflite(writeTflite(r.model));
      const a = r.model.graph;
      const b = back.graph;
      expect(b.operators.map((o) => [o.op, o.inputs, o.outputs])).toEqual(a.operators.map((o) => [o.op, o.inputs, o.outputs]));
      expect(b.inputs).toEqual(a.inputs);
      expect(b.outputs).toEqual(a.outputs);
      expect(b.tensors.length).toBe(a.tensors.length);
      a.tensors.forEach((t, i) => {
        const u = b.tensors[i];
        expect([u.name, u.dtype, u.shape]).toEqual([t.name, t.dtype, t.shape]);
        if (t.data) expect(Buffer.from(u.data ?? []).equals(Buffer.from(t.data))).toBe(true);
        if (t.quant) {
          expect(u.quant?.scale).toEqual(t.quant.scale); // scales are float32 already: exact
          expect(u.quant?.zeroPoint).toEqual(t.quant.zeroPoint);
          expect(u.quant?.quantizedDimension).toBe(t.quant.quantizedDimension);
        }
      });
      const x = quantizeInput(a, rep.x.subarray(0, rep.x.length / 16));
      expect(Buffer.from(createInterpreter(b).invoke([x])[0]).equals(Buffer.from(createInterpreter(a).invoke([x])[0]))).toBe(true);
    });
  }
});

describe('edge cases', () => {
  it('a unit with all-zero weights and a bias still outputs its bias (no int32 bias saturation)', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });
    // unit 0: zero weights, bias 0.5 → always 0.5; unit 1: weights [1, -1, 0.5], bias -0.2
    m.layers[0].setWeights([tf.tensor2d([[0, 1], [0, -1], [0, 0.5]]), tf.tensor1d([0.5, -0.2])]);
    const rep = randomInputs(32, [3], 51);
    const r = quantize(m, rep);
    const q = runInt8(r.model.graph, rep.x, 32);
    for (let i = 0; i < 32; i++) expect(Math.abs(q[2 * i] - 0.5)).toBeLessThanOrEqual(r.outputQuant.scale);
    const c = compareOutputs(r.floatOutput, q, 32);
    expect(c.maxAbsError).toBeLessThanOrEqual(3 * r.outputQuant.scale);
  });
  it('quantising twice gives identical bytes (deterministic)', () => {
    const tm = models[3];
    const rep = randomInputs(16, tm.inputShape, 61);
    const a = writeTflite(quantize(tm.model, rep).model);
    const b = writeTflite(quantize(tm.model, rep).model);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
