import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { quantizeWindows } from '../../src/device/reference.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { WindowSet } from '../../src/core/dataset.js';

describe('quantizeWindows (verify --data)', () => {
  // vectors/dense: input [1,100,3] int8; expected q = clamp(round_half_away(x / scale) + zp), by hand below.
  const model = new Uint8Array(readFileSync(join(REPO_ROOT, 'vectors', 'dense', 'model.tflite')));
  const inT = (() => { const g = readTflite(model).graph; return g.tensors[g.inputs[0]]; })();
  const scale = inT.quant!.scale[0];
  const zp = inT.quant!.zeroPoint[0];
  const ws = (n: number, per: number, f: (i: number) => number): WindowSet => ({
    axes: ['aX', 'aY', 'aZ'], labels: ['a', 'b'], windowLength: per / 3, sampleRateHz: 50,
    x: Float32Array.from({ length: n * per }, (_, i) => f(i)), y: Int32Array.from({ length: n }, (_, i) => i % 2), groups: Array(n).fill('g'),
  });

  it('quantises each window with the model input scale and zero point and keeps the labels', () => {
    const values = [0, scale * 2.5, -scale * 2.5, 1000, -1000];
    const w = ws(2, 300, (i) => values[i % values.length]);
    const { inputs, labels } = quantizeWindows(model, w);
    expect(labels).toEqual([0, 1]);
    const q = (x: number) => Math.max(-128, Math.min(127, Math.sign(x / scale) * Math.round(Math.abs(x / scale)) + zp));
    const expected = Array.from(w.x.subarray(0, 300), (x) => (q(Math.fround(x)) + 256) % 256);
    // 2.5 steps rounds away from zero to 3 (TFLite's rounding); ±1000 saturates.
    expect(Array.from(inputs[0])).toEqual(expected);
    expect(inputs[0][3]).toBe(127 & 0xff);
  });

  it('refuses windows of the wrong size and an empty held-out set, naming the remedy', () => {
    expect(() => quantizeWindows(model, ws(2, 150, () => 0))).toThrow(/takes 300/);
    const err = (() => { try { quantizeWindows(model, ws(0, 300, () => 0)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as TinyforgeError).remedy).toMatch(/--windows/);
  });
});
