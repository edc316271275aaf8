// The lecture's two other examples carried through full-integer int8 quantisation, written to a
// .tflite, read back and run on the host reference interpreter (bit-exact with TFLM's kernels).
import { describe, expect, it } from 'vitest';
import { trainDigits, trainRegression, DIGIT_SIZE } from '../../src/train/examples.js';
import { quantize } from '../../src/quantize/index.js';
import { compareOutputs, runInt8 } from '../../src/quantize/eval.js';
import { predictProbabilities } from '../../src/train/train.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter, dequantizeOutput, quantizeInput } from '../../src/interp/index.js';

describe('lecture examples in int8', () => {
  it('one neuron y = 2x − 1: the int8 model still answers ≈ 19 for x = 10', async () => {
    const r = await trainRegression({ seed: 1, backend: 'wasm' });
    // Calibrate on the inputs the model will see, x ∈ [−1, 10] (the lecture asks about x = 10,
    // outside the training X; int8 saturates outside the calibrated range, so it must be in it).
    const xs = Float32Array.from({ length: 45 }, (_, i) => -1 + i * 0.25);
    const q = quantize(r.model, { x: xs, shape: [xs.length, 1] }, { settings: r.settings });
    const graph = readTflite(writeTflite(q.model)).graph;
    expect(graph.operators.map((o) => o.op)).toEqual(['FULLY_CONNECTED']);
    const y10 = dequantizeOutput(graph, createInterpreter(graph).invoke([quantizeInput(graph, [10])])[0])[0];
    // Error budget, derived: half an input step times |w| (≈2) + half an output step, plus the
    // float model's own distance from 19 (≤ 0.3, tests/train/examples.test.ts).
    const budget = (q.inputQuant.scale / 2) * 2.05 + q.outputQuant.scale / 2 + 1e-6;
    expect(Math.abs(y10 - r.predictAt10)).toBeLessThanOrEqual(budget);
    expect(Math.abs(y10 - 19)).toBeLessThan(0.3 + budget);
    r.model.dispose();
  });

  it('digits: the int8 classifier keeps its accuracy (within 2 points of float) and agrees with it', async () => {
    const r = await trainDigits({ trainPerDigit: 200, testPerDigit: 50, epochs: 3, seed: 1, backend: 'wasm' });
    const shape = [DIGIT_SIZE, DIGIT_SIZE];
    const rep = r.windows.representative;
    const q = quantize(r.model, { x: rep.x, shape: [rep.y.length, ...shape] }, { settings: r.settings });
    const graph = readTflite(writeTflite(q.model)).graph;
    expect(graph.operators.map((o) => o.op)).toEqual(['RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX'].filter((op) => graph.operators.some((o) => o.op === op)));
    const test = r.windows.heldOut;
    const n = test.y.length;
    const cmp = compareOutputs(predictProbabilities(r.model, test.x, n, shape), runInt8(graph, test.x, n), n, test.y);
    expect(cmp.floatAccuracy!).toBeGreaterThan(0.8);
    expect(cmp.accuracyCost!).toBeLessThan(0.02);
    expect(cmp.agreement).toBeGreaterThan(0.95);
    r.model.dispose();
  });
});
