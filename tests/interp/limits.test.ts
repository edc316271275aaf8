// Issue 18 items 1 and 2: one check for every consumer of a graph.
// 1. Scales such as 1e10, 3.4e38 or the float32 denormal 3e-39 are positive and finite, but the
//    multipliers they make need left shifts of 32–136 bits; TFLM's MultiplyByQuantizedMultiplier
//    takes shifts −31…30 (common.cc DCHECKs; its `x * (1 << left_shift)` is undefined from 31 on).
//    On main the interpreter masked the shift and `firmware` wrote C with `x << 44`. Now the
//    interpreter, the native generator and `firmware` (both engines) refuse them with the same
//    typed error naming the operator and the tensors, before any file is written.
// 2. On main `firmware --engine native` generated C for a graph whose operator reads a tensor
//    before anything writes it (the interpreter refuses it); now the firmware runs checkGraph.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Graph, Tensor } from '../../src/core/graph.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { checkGraph, createInterpreter } from '../../src/interp/index.js';
import { quantizeMultiplier } from '../../src/ops/quant.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { cli } from '../helpers/cli.js';

const SHA = 'ef'.repeat(32);
const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });
const i8 = (name: string, shape: number[], scale: number, zp = 0): Tensor => ({ name, dtype: 'int8', shape, quant: q(scale, zp) });

function caught(f: () => unknown): TinyforgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof TinyforgeError) return e;
    throw new Error(`non-TinyforgeError: ${String(e)}`, { cause: e });
  }
  throw new Error('expected a TinyforgeError, nothing was thrown');
}

/** RELU requantising from scale `inScale` to `outScale` (multiplier inScale / outScale). */
function relu(inScale: number, outScale: number): Graph {
  return { tensors: [i8('x', [4], inScale, -128), i8('y', [4], outScale, -128)], operators: [{ op: 'RELU', inputs: [0], outputs: [1], options: {} }], inputs: [0], outputs: [1] };
}

/** FC whose multiplier is inScale·1/outScale. */
function fc(inScale: number, outScale: number): Graph {
  return {
    tensors: [i8('in', [1, 2], inScale), { ...i8('w', [2, 2], 1), data: new Uint8Array([1, 2, 3, 4]) }, i8('out', [1, 2], outScale)],
    operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, -1], outputs: [2], options: { fusedActivation: 'NONE', keepNumDims: false } }],
    inputs: [0],
    outputs: [2],
  };
}

const model = (graph: Graph) => ({ graph, version: 3, description: 'limits', metadata: [] });

describe('multipliers within TFLM\'s MultiplyByQuantizedMultiplier limits (shift −31…30)', () => {
  it('quantizeMultiplier: shift 30 is the largest accepted; 2^30 (shift 31) and beyond are bad-input', () => {
    // Hand-derived: frexp(2^30 − 2^6) = (1 − 2^−24) × 2^30 → q = 2^31 − 2^7, shift 30; frexp(2^30) = 0.5 × 2^31 → shift 31.
    expect(quantizeMultiplier(2 ** 30 - 2 ** 6)).toEqual({ multiplier: 2 ** 31 - 2 ** 7, shift: 30 });
    expect(caught(() => quantizeMultiplier(2 ** 30))).toMatchObject({ kind: 'bad-input', details: { shift: 31 } });
    // 1e10 / 1 = 0.582 × 2^34 → shift 34.
    expect(caught(() => quantizeMultiplier(1e10))).toMatchObject({ kind: 'bad-input', details: { shift: 34 } });
    // Below 2^−32 TFLM flushes to a zero multiplier: representable (the output is the zero point).
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 });
  });

  // The three scales: 1e10 and 3.4e38 as input scales, the denormal 3e-39 as an output scale.
  // (Hand-derived shifts: 1e10/0.05 = 2e11 ≈ 0.727·2^38; 3.4e38/0.5 ≈ 0.999·2^129; 0.05/3e-39 ≈ 0.98·2^124 in float32; 1e10/0.5 ≈ 0.582·2^35.)
  const cases: [string, Graph, number][] = [
    ['input scale 1e10', relu(1e10, 0.05), 38],
    ['FC input scale 3.4e38', fc(3.4e38, 0.5), 129],
    ['output scale 3e-39 (float32 denormal)', relu(0.05, 3e-39), 124],
    ['FC input scale 1e10', fc(1e10, 0.5), 35],
  ];
  for (const [what, g, shift] of cases) {
    it(`${what}: interpreter and native generator refuse it with the same typed error naming operator and tensors`, () => {
      const a = caught(() => createInterpreter(g));
      expect(a.kind).toBe('bad-input');
      expect(a.exitCode).toBe(3);
      expect(a.details).toMatchObject({ operator: 0, shift });
      expect(a.message).toMatch(/^operator 0 \((RELU|FULLY_CONNECTED)\): the fixed-point multiplier .* needs a shift of \d+ bits; TFLM's MultiplyByQuantizedMultiplier takes shifts -31…30/);
      expect(a.message).toMatch(/input "(x|in)" scale .* output "(y|out)" scale/);
      expect(a.remedy).toMatch(/Quantise the model again/);
      const b = caught(() => emitNativeEngine(model(g), { modelSha256: SHA }));
      expect(b.message).toBe(a.message);
      expect(b.kind).toBe(a.kind);
    });
  }

  it('RELU from scale 3.4e38 to 0.05: the float32 ratio TFLM computes overflows to infinity, bad-input naming the tensors', () => {
    const e = caught(() => createInterpreter(relu(3.4e38, 0.05)));
    expect(e).toMatchObject({ kind: 'bad-input', details: { operator: 0, multiplier: 'Infinity' } });
    expect(e.message).toMatch(/input "x" scale 3\.4e\+38, output "y" scale 0\.05/);
  });

  it('SOFTMAX: beta·input scale·2^26 reaching 2^30 (left shift 31) is refused; just below it is accepted', () => {
    const sm = (s: number): Graph => ({ tensors: [i8('x', [1, 4], s), i8('p', [1, 4], 1 / 256, -128)], operators: [{ op: 'SOFTMAX', inputs: [0], outputs: [1], options: { beta: 1 } }], inputs: [0], outputs: [1] });
    expect(caught(() => checkGraph(sm(16)))).toMatchObject({ kind: 'bad-input', details: { operator: 0, shift: 31 } });
    expect(() => checkGraph(sm(15.9))).not.toThrow();
  });

  it('LOGISTIC: input scale·2^27 at 2^30 (left shift 31) and below 2^−28 (radius beyond int32) are refused', () => {
    const lg = (s: number): Graph => ({ tensors: [i8('x', [4], s), i8('p', [4], 1 / 256, -128)], operators: [{ op: 'LOGISTIC', inputs: [0], outputs: [1], options: {} }], inputs: [0], outputs: [1] });
    expect(caught(() => checkGraph(lg(8)))).toMatchObject({ kind: 'bad-input', details: { operator: 0, shift: 31 } });
    expect(caught(() => checkGraph(lg(2 ** -29))).message).toMatch(/below 2\^-28/);
    expect(() => checkGraph(lg(2 ** -28))).not.toThrow();
    expect(() => checkGraph(lg(7.99))).not.toThrow();
  });
});

/** RELU 0 reads tensor 1, which only RELU 1 (stored after it) writes. */
function outOfOrder(): Graph {
  return {
    tensors: [i8('x', [1, 4], 0.05), i8('mid', [1, 4], 0.05), i8('y', [1, 4], 0.05)],
    operators: [
      { op: 'RELU', inputs: [1], outputs: [2], options: {} },
      { op: 'RELU', inputs: [0], outputs: [1], options: {} },
    ],
    inputs: [0],
    outputs: [2],
  };
}

describe('firmware runs every check the interpreter runs', () => {
  it('the native generator refuses a graph that reads a tensor before anything writes it, as the interpreter does', () => {
    const a = caught(() => createInterpreter(outOfOrder()));
    expect(a.message).toMatch(/operator 0 \(RELU\) reads tensor 1 \("mid", input 0\) before anything writes it/);
    const b = caught(() => emitNativeEngine(model(outOfOrder()), { modelSha256: SHA }));
    expect(b.message).toBe(a.message);
  });

  for (const engine of ['native', 'tflm']) {
    it(`tinyforge firmware --engine ${engine}: such a graph and a scale of 1e10 exit 3 and write nothing`, async () => {
      for (const [name, g, pattern] of [
        ['order', outOfOrder(), /reads tensor 1 \("mid", input 0\) before anything writes it/],
        ['scale', relu(1e10, 0.05), /needs a shift of 38 bits/],
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'tf-limits-'));
        const file = join(dir, `${name}.tflite`);
        writeFileSync(file, writeTflite(g));
        const r = await cli(['firmware', '--board', 'qemu-mps2-an386', '--engine', engine, '--model', file, '--out', join(dir, 'fw')]);
        expect(r.status, r.stderr).toBe(3);
        expect(r.stderr).toMatch(pattern);
        expect(readdirSync(dir)).toEqual([`${name}.tflite`]);
      }
    });
  }
});
