// eval's saturation counts the inputs the int8 model actually ran on. For a feature block those are
// the integer fold's int8 bytes (data.int8, as the board computes them), not the float standardised
// features quantised — the two can differ: a feature the fold clamps at a rail while its float copy
// sits inside the calibrated range must be counted (and the converse must not).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quantize } from '../../src/quantize/index.js';
import { evaluateInt8 } from '../../src/quantize/evaluate.js';

describe('eval saturation with exact int8 inputs (feature models)', () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
  // Calibrated on −1…1 per input.
  const rep = { x: Float32Array.from({ length: 60 }, (_, i) => ((i * 37) % 21) / 10 - 1), shape: [20, 3] };
  const graph = quantize(model, rep).model.graph;
  const bytes = (...v: number[]) => new Uint8Array(Int8Array.from(v).buffer);

  it('counts int8 inputs at −128/127, not the float features', () => {
    // Float features all 0 (in range); the int8 inputs hold 3 rail values (127, −128, 127) of 6.
    const r = evaluateInt8(model, graph, { x: new Float32Array(6), shape: [2, 3], int8: [bytes(127, 0, -128), bytes(5, 127, -3)] });
    expect([r.saturation!.inputs, r.saturation!.inputValues]).toEqual([3, 6]);
    // Float features far outside −1…1, int8 inputs inside: nothing clamped on the path that ran.
    const s = evaluateInt8(model, graph, { x: Float32Array.from([50, -50, 50, 50, 50, -50]), shape: [2, 3], int8: [bytes(1, 2, 3), bytes(-4, 5, -6)] });
    expect(s.saturation!.inputs).toBe(0);
  });

  it('without int8 inputs, the float inputs outside the int8 range are counted as before', () => {
    const r = evaluateInt8(model, graph, { x: Float32Array.from([50, 0, 0, 0, -50, 0]), shape: [2, 3] });
    expect([r.saturation!.inputs, r.saturation!.inputValues]).toEqual([2, 6]);
  });
});
