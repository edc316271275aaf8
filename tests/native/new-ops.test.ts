// Issue 17 "any converter model": PAD / PADV2 (and their fusion into a convolution's padding), SUB,
// MAXIMUM / MINIMUM, LEAKY_RELU, HARD_SWISH, LOG_SOFTMAX, STRIDED_SLICE, TRANSPOSE, SPLIT, SPLIT_V,
// PACK, UNPACK, RESIZE_NEAREST_NEIGHBOR and PRELU.
// 1. Host kernels against hand-computed cases from TFLM's formulas (each case says how).
// 2. Models tinyforge makes with those ops (written with the tflite writer and read back, so the
//    option codecs are exercised): the native C engine compiled on the host against the
//    interpreter, byte for byte, on random and exhaustive inputs.
import { describe, expect, it } from 'vitest';
import type { Graph, Operator, Tensor, TfliteModel } from '../../src/core/graph.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { createInterpreter } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { buildRunner, runEngine, tempDir } from './helpers.js';

const SHA = '12'.repeat(32);
const bytesOf = (a: Int8Array | Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const i8 = (...v: number[]) => bytesOf(Int8Array.from(v));
let seed = 3;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0), (seed >>> 8) & 0xff);
const randI8 = (n: number) => bytesOf(Int8Array.from({ length: n }, () => rnd() - 128));

function act(shape: number[], scale: number, zp: number, name = 'a'): Tensor {
  return { name, dtype: 'int8', shape, quant: { scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 } };
}
const i32 = (values: number[], shape = [values.length], name = 'c'): Tensor => ({ name, dtype: 'int32', shape, data: bytesOf(Int32Array.from(values)) });
const constI8 = (t: Tensor, values: number[]): Tensor => ({ ...t, data: i8(...values) });
function graph(tensors: Tensor[], operators: Operator[], input = 0, output = tensors.length - 1): Graph {
  return { tensors, operators, inputs: [input], outputs: [output] };
}
const run = (g: Graph, x: Uint8Array) => Array.from(new Int8Array(createInterpreter(g).invoke([x])[0].buffer));
/** Written and read back through tinyforge's .tflite writer and reader. */
const roundTrip = (g: Graph): Graph => readTflite(writeTflite(g)).graph;
const model = (g: Graph): TfliteModel => ({ graph: g, version: 3, description: 'new ops', metadata: [] });

describe('host kernels: hand-computed cases from TFLM\'s formulas', () => {
  it('PAD pads with the output zero point; PADV2 with its constant (raw values copied)', () => {
    // [1,2,2,1] = [[1,2],[3,4]], one row on top, one column on the right: zero point -5 everywhere new.
    const pad = (op: 'PAD' | 'PADV2', extra: Tensor[]) =>
      graph([act([1, 2, 2, 1], 0.1, -5), i32([0, 0, 1, 0, 0, 1, 0, 0], [4, 2], 'p'), ...extra, act([1, 3, 3, 1], 0.1, -5)], [{ op, inputs: [0, 1, ...extra.map((_, k) => 2 + k)], outputs: [2 + extra.length], options: {} }]);
    expect(run(pad('PAD', []), i8(1, 2, 3, 4))).toEqual([-5, -5, -5, 1, 2, -5, 3, 4, -5]);
    expect(run(pad('PADV2', [constI8(act([1], 0.1, -5, 'v'), [7])]), i8(1, 2, 3, 4))).toEqual([7, 7, 7, 1, 2, 7, 3, 4, 7]);
  });

  it('SUB: left shift 20, rescale, subtract, requantise with round-half-away (CalculateOpDataSub + SubElementwise)', () => {
    // All scales 0.5 except the output: twice_max = 1, input multipliers 0.5 = 2^30·2^-31 (shift 0);
    // output 1.0: real 1/(2^20·1) = 0.5·2^-19 → shift -19. x=10, y=3: (10·2^20)/2 − (3·2^20)/2
    // = 3670016, ·0.5 = 1835008, / 2^19 = 3.5 → 4 (ties away from zero); x=3, y=10 → −3.5 → −4.
    const g = graph([act([2], 0.5, 0), constI8(act([2], 0.5, 0, 'c'), [3, 10]), act([2], 1, 0)], [{ op: 'SUB', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } }]);
    expect(run(g, i8(10, 3))).toEqual([4, -4]);
    // Output scale 0.5: exact differences 7 and −7.
    const h = graph([act([2], 0.5, 0), constI8(act([2], 0.5, 0, 'c'), [3, 10]), act([2], 0.5, 0)], [{ op: 'SUB', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } }]);
    expect(run(h, i8(10, 3))).toEqual([7, -7]);
  });

  it('MAXIMUM / MINIMUM compare raw values, broadcasting a scalar', () => {
    const mm = (op: 'MAXIMUM' | 'MINIMUM') => graph([act([4], 0.1, 0), constI8(act([1], 0.1, 0, 'c'), [0]), act([4], 0.1, 0)], [{ op, inputs: [0, 1], outputs: [2], options: {} }]);
    expect(run(mm('MAXIMUM'), i8(-3, 5, 0, -128))).toEqual([0, 5, 0, 0]);
    expect(run(mm('MINIMUM'), i8(-3, 5, 0, 127))).toEqual([-3, 0, 0, 0]);
  });

  it('LEAKY_RELU: identity and alpha multipliers, SRDHM rounding, negative alpha', () => {
    // in 0.5, out 0.25: identity real 2 = 0.5·2^2 → shift 2: 10 → 20. alpha 0.25: real 0.125/0.25 =
    // 0.5 → SRDHM(v, 2^30) = v/2 with gemmlowp's nudge: −10 → −5; −3 → (−3·2^30 + 1 − 2^30)/2^31
    // truncated = −1 (a negative tie rounds toward zero there).
    const lr = (alpha: number) => graph([act([3], 0.5, 0), act([3], 0.25, 0)], [{ op: 'LEAKY_RELU', inputs: [0], outputs: [1], options: { alpha } }]);
    expect(run(lr(0.25), i8(10, -10, -3))).toEqual([20, -5, -1]);
    // alpha −0.5: real −1 = −0.5·2^1 → |multiplier| 2^30, shift 1, product negated: −4 → +4.
    expect(run(lr(-0.5), i8(10, -4, 0))).toEqual([20, 4, 0]);
  });

  it('HARD_SWISH: TFLM\'s int16 path (Q15 multipliers, SRDHM, saturating shifts, truncating high mul)', () => {
    // Scales 1/16 in and out: hires 1/2048; output multiplier 1/128 = 0.5·2^−6 → Q15 16384, exponent −6;
    // reluish (1/2048)/(3/32768) = 16/3 = 0.667·2^3 → Q31 1431655765 → Q15 21845, exponent 3.
    // x = 16 (1.0): hires 2048, preshift SRDHM16(2048, 16384) = 1024; reluish 2048 ≪ 2 = 8192,
    // SRDHM16(8192, 21845) = 5461, ≪ 1 = 10922, (10922 + 32768) ≫ 1 = 21845; SDHM16(21845, 1024) = 682;
    // RDBP(682, 6) = 11 (real 0.667/0.0625 = 10.7). x = 8 (0.5): 512, 4096 → 2731 → 5462 → 19115;
    // SDHM16(19115, 512) = 298 → RDBP 5 (real 4.67). x = −64 (−4): reluish saturates to −32768 → 0 → 0.
    const g = graph([act([3], 1 / 16, 0), act([3], 1 / 16, 0)], [{ op: 'HARD_SWISH', inputs: [0], outputs: [1], options: {} }]);
    expect(run(g, i8(16, 8, -64))).toEqual([11, 5, 0]);
  });

  it('LOG_SOFTMAX: output scale 16/256, zero point 127 (real log-probabilities, TFLM rounding to nearest)', () => {
    // One logit: log 1 = 0 → 127. Two equal logits: log ½ = −0.693 → −11.09 steps of 1/16 → 116.
    // Logits 0 and −16 at scale 1: log(1 + e^−16) ≈ 0 → 127; −16 → −256 steps → clamped to −128.
    const ls = (outer: number, depth: number, scale: number) => graph([act([outer, depth], scale, 0), act([outer, depth], 16 / 256, 127)], [{ op: 'LOG_SOFTMAX', inputs: [0], outputs: [1], options: {} }]);
    expect(run(ls(1, 1, 0.1), i8(42))).toEqual([127]);
    expect(run(ls(1, 2, 0.1), i8(-7, -7))).toEqual([116, 116]);
    expect(run(ls(1, 2, 1), i8(0, -16))).toEqual([127, -128]);
  });

  it('STRIDED_SLICE: StartForAxis / StopForAxis with negative indices, masks, negative strides and a shrunk axis', () => {
    // [3,4] = 0..11. begin [-1, 3], end [0, 0], strides [-1, -2], end_mask on axis 0: rows 2,1,0;
    // columns 3,1 → [[11,9],[7,5],[3,1]]. Then shrink axis 0 at row 1: [4,5,6,7].
    const x = i8(...Array.from({ length: 12 }, (_, i) => i));
    const ss = (b: number[], e: number[], st: number[], masks: { beginMask?: number; endMask?: number; shrinkAxisMask?: number }, out: number[]) =>
      graph([act([3, 4], 0.1, 0), i32(b, [2], 'b'), i32(e, [2], 'e'), i32(st, [2], 's'), act(out, 0.1, 0)], [
        { op: 'STRIDED_SLICE', inputs: [0, 1, 2, 3], outputs: [4], options: { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false, ...masks } },
      ]);
    expect(run(ss([-1, 3], [0, 0], [-1, -2], { endMask: 1 }, [3, 2]), x)).toEqual([11, 9, 7, 5, 3, 1]);
    expect(run(ss([1, 0], [2, 4], [1, 1], { shrinkAxisMask: 1 }, [4]), x)).toEqual([4, 5, 6, 7]);
  });

  it('SPLIT, SPLIT_V, UNPACK and PACK move raw blocks along an axis', () => {
    // [2,6] = 0..11. SPLIT in 3 along axis 1 (axis given as −1): [0,1,6,7], [2,3,8,9], [4,5,10,11].
    const x = i8(...Array.from({ length: 12 }, (_, i) => i));
    const outs = (g: Graph) => createInterpreter(g).invoke([x]).map((o) => Array.from(new Int8Array(o.buffer)));
    const split: Graph = { tensors: [i32([-1], [], 'axis'), act([2, 6], 0.1, 0), act([2, 2], 0.1, 0), act([2, 2], 0.1, 0), act([2, 2], 0.1, 0)], operators: [{ op: 'SPLIT', inputs: [0, 1], outputs: [2, 3, 4], options: { numSplits: 3 } }], inputs: [1], outputs: [2, 3, 4] };
    expect(outs(split)).toEqual([[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]]);
    // SPLIT_V sizes [1, −1] along axis 0: [0..5], [6..11]; UNPACK along axis 1: the six columns.
    const splitV: Graph = { tensors: [act([2, 6], 0.1, 0), i32([1, -1], [2], 'sizes'), i32([0], [], 'axis'), act([1, 6], 0.1, 0), act([1, 6], 0.1, 0)], operators: [{ op: 'SPLIT_V', inputs: [0, 1, 2], outputs: [3, 4], options: { numSplits: 2 } }], inputs: [0], outputs: [3, 4] };
    expect(outs(splitV)).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
    const unpack: Graph = { tensors: [act([2, 6], 0.1, 0), ...Array.from({ length: 6 }, () => act([2], 0.1, 0))], operators: [{ op: 'UNPACK', inputs: [0], outputs: [1, 2, 3, 4, 5, 6], options: { valuesCount: 6, axis: 1 } }], inputs: [0], outputs: [1, 2, 3, 4, 5, 6] };
    expect(outs(unpack)).toEqual([[0, 6], [1, 7], [2, 8], [3, 9], [4, 10], [5, 11]]);
    // PACK of x with a constant [2,6] of −1s along axis 1: rows interleave → [2,2,6].
    const pack = graph([act([2, 6], 0.1, 0), constI8(act([2, 6], 0.1, 0, 'c'), Array(12).fill(-1)), act([2, 2, 6], 0.1, 0)], [{ op: 'PACK', inputs: [0, 1], outputs: [2], options: { valuesCount: 2, axis: 1 } }]);
    expect(run(pack, x)).toEqual([0, 1, 2, 3, 4, 5, -1, -1, -1, -1, -1, -1, 6, 7, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1]);
  });

  it('RESIZE_NEAREST_NEIGHBOR: GetNearestNeighbor (floor, or round-half-away with align_corners)', () => {
    // [[1,2],[3,4]] → 4×4: scale 2/4 = 0.5, floor(o·0.5) = 0,0,1,1. align_corners → 3×3: scale (2−1)/(3−1)
    // = 0.5, round(0, 0.5, 1.0) = 0, 1, 1 (0.5 rounds away from zero).
    const rs = (h: number, w: number, alignCorners: boolean) => graph([act([1, 2, 2, 1], 0.1, 0), i32([h, w], [2], 'size'), act([1, h, w, 1], 0.1, 0)], [{ op: 'RESIZE_NEAREST_NEIGHBOR', inputs: [0, 1], outputs: [2], options: { alignCorners, halfPixelCenters: false } }]);
    expect(run(rs(4, 4, false), i8(1, 2, 3, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(run(rs(3, 3, true), i8(1, 2, 3, 4))).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
  });

  it('PRELU: identity and input·alpha multipliers (CalculatePreluParams), alpha broadcast per channel', () => {
    // in 0.5, alpha 0.25 (value 2 = 0.5), out 0.5: identity 1 = 0.5·2^1; alpha 0.125/0.5 = 0.5·2^−1.
    // 6 → 6; −6: −12·0.25 = −3; −5: −10·0.25 = −2.5 → −3 (round half away from zero).
    const g = graph([act([1, 3], 0.5, 0), constI8(act([1], 0.25, 0, 'alpha'), [2]), act([1, 3], 0.5, 0)], [{ op: 'PRELU', inputs: [0, 1], outputs: [2], options: {} }]);
    expect(run(g, i8(6, -6, -5))).toEqual([6, -3, -3]);
  });

  it('TRANSPOSE moves raw values by the permutation', () => {
    // [1,2,3] → perm [0,2,1] → [1,3,2]: out[0][j][i] = in[0][i][j].
    const g = graph([act([1, 2, 3], 0.1, 0), i32([0, 2, 1], [3], 'perm'), act([1, 3, 2], 0.1, 0)], [{ op: 'TRANSPOSE', inputs: [0, 1], outputs: [2], options: {} }]);
    expect(run(g, i8(1, 2, 3, 4, 5, 6))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

const DSP_DIR = join(REPO_ROOT, 'firmware', 'native', 'dsp');
/** The DSP kernels (host-emulated intrinsics), for the 'dsp' target. */
const DSP_C = readdirSync(DSP_DIR).filter((f) => f.endsWith('.c')).map((f) => join(DSP_DIR, f));

/** Compile the native engine, run `inputs`, compare every byte with the interpreter; returns the schedule. */
function nativeMatches(g0: Graph, inputs: Uint8Array[], target: 'portable' | 'dsp' = 'portable') {
  const g = roundTrip(g0);
  const res = emitNativeEngine(model(g), { modelSha256: SHA, target });
  const dir = tempDir('tf-newops-');
  const { outputs } = runEngine(buildRunner(res.files, dir, target === 'dsp' ? { sources: DSP_C } : {}), inputs, dir);
  const interp = createInterpreter(g);
  outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.from(interp.invoke([inputs[k]])[0]).toString('hex')));
  return res.schedule;
}

function weights(shape: number[], scales: number[], axis: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name: 'w', dtype: 'int8', shape, data: bytesOf(Int8Array.from({ length: n }, () => (rnd() % 255) - 127)), quant: { scale: scales.map(Math.fround), zeroPoint: scales.map(() => 0), quantizedDimension: axis } };
}
const conv = { padding: 'VALID' as const, strideH: 1, strideW: 2, dilationH: 1, dilationW: 1, fusedActivation: 'RELU' as const };

describe('native engine vs interpreter on models with the new ops', () => {
  it('PAD → CONV_2D is fused into the convolution\'s padding and stays bit-exact (asymmetric pads)', () => {
    const t: Tensor[] = [
      act([1, 5, 6, 3], 0.05, 9, 'x'),
      i32([0, 0, 2, 1, 1, 2, 0, 0], [4, 2], 'pads'),
      act([1, 8, 9, 3], 0.05, 9, 'padded'),
      weights([4, 3, 3, 3], [0.01, 0.02, 0.015, 0.03], 0),
      i32([100, -200, 300, 0], [4], 'b'),
      act([1, 6, 4, 4], 0.08, -20, 'y'),
    ];
    const g = graph(t, [
      { op: 'PAD', inputs: [0, 1], outputs: [2], options: {} },
      { op: 'CONV_2D', inputs: [2, 3, 4], outputs: [5], options: conv },
    ]);
    const inputs = Array.from({ length: 5 }, () => randI8(90));
    expect(nativeMatches(g, inputs).map((s) => s.kernel)).toEqual(['fused', 'tf_k_conv2d_s8']);
    // The DSP target's convolution takes the fused padding too.
    expect(nativeMatches(g, inputs, 'dsp')[0].kernel).toBe('fused');
  });

  it('PADV2 (constant = zero point) → DEPTHWISE_CONV_2D SAME is fused; a PADV2 with another constant is not', () => {
    const build = (value: number) => {
      const t: Tensor[] = [
        act([1, 4, 4, 2], 0.04, -3, 'x'),
        i32([0, 0, 1, 1, 0, 2, 0, 0], [4, 2], 'pads'),
        constI8(act([1], 0.04, -3, 'v'), [value]),
        act([1, 6, 6, 2], 0.04, -3, 'padded'),
        weights([1, 3, 3, 2], [0.02, 0.03], 3),
        i32([10, -10], [2], 'b'),
        act([1, 6, 6, 2], 0.06, 5, 'y'),
      ];
      return graph(t, [
        { op: 'PADV2', inputs: [0, 1, 2], outputs: [3], options: {} },
        { op: 'DEPTHWISE_CONV_2D', inputs: [3, 4, 5], outputs: [6], options: { ...conv, padding: 'SAME', strideW: 1, depthMultiplier: 1 } },
      ]);
    };
    expect(nativeMatches(build(-3), Array.from({ length: 4 }, () => randI8(32))).map((s) => s.kernel)).toEqual(['fused', 'tf_k_depthwise_conv2d_s8']);
    expect(nativeMatches(build(-3), Array.from({ length: 4 }, () => randI8(32)), 'dsp')[0].kernel).toBe('fused');
    expect(nativeMatches(build(50), Array.from({ length: 4 }, () => randI8(32))).map((s) => s.kernel)).toEqual(['tf_k_pad_s8', 'tf_k_depthwise_conv2d_s8']);
  });

  it('a PAD on the channel axis, or one that is also a graph output, runs as a PAD', () => {
    const t: Tensor[] = [act([1, 2, 3, 4], 0.1, 1, 'x'), i32([0, 0, 1, 0, 0, 0, 1, 2], [4, 2], 'pads'), act([1, 3, 3, 7], 0.1, 1, 'y')];
    expect(nativeMatches(graph(t, [{ op: 'PAD', inputs: [0, 1], outputs: [2], options: {} }]), [randI8(24), randI8(24)]).map((s) => s.kernel)).toEqual(['tf_k_pad_s8']);
  });

  it('SUB with broadcasting and a fused RELU; MAXIMUM and MINIMUM with broadcasting', () => {
    const t: Tensor[] = [
      act([1, 2, 3, 4], 0.05, -3, 'x'),
      constI8(act([1, 1, 1, 4], 0.08, 5, 'c'), [-100, 3, 77, 127]),
      act([1, 2, 3, 4], 0.1, 2, 'diff'),
      constI8(act([1, 1, 3, 1], 0.1, 2, 'm'), [-20, 0, 40]),
      act([1, 2, 3, 4], 0.1, 2, 'max'),
      act([1, 2, 3, 4], 0.1, 2, 'min'),
    ];
    const g = graph(t, [
      { op: 'SUB', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'RELU' } },
      { op: 'MAXIMUM', inputs: [2, 3], outputs: [4], options: {} },
      { op: 'MINIMUM', inputs: [3, 4], outputs: [5], options: {} },
    ]);
    nativeMatches(g, Array.from({ length: 6 }, () => randI8(24)));
    // SUB alone, over every pair of values in one batch: 256 × 256 inputs as a [256, 256] broadcast.
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    const pair = graph([act([256, 1], 0.07, 11, 'x'), constI8(act([1, 256], 0.03, -40, 'c'), Array.from(all)), act([256, 256], 0.09, -6, 'y')], [{ op: 'SUB', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } }]);
    nativeMatches(pair, [bytesOf(all)]);
  });

  it('LEAKY_RELU and HARD_SWISH over all 256 inputs (several scales, negative alpha), LOG_SOFTMAX rows, STRIDED_SLICE, SPLIT / SPLIT_V / UNPACK / PACK, RESIZE_NEAREST_NEIGHBOR, PRELU, TRANSPOSE', () => {
    const all = [bytesOf(Int8Array.from({ length: 256 }, (_, i) => i - 128))];
    for (const [alpha, inS, outS, zi, zo] of [[0.2, 0.05, 0.03, -7, 12], [0.01, 0.1, 0.1, 0, -128], [-0.3, 0.04, 0.05, 20, 0]] as const) {
      nativeMatches(graph([act([256], inS, zi), act([256], outS, zo)], [{ op: 'LEAKY_RELU', inputs: [0], outputs: [1], options: { alpha } }]), all);
    }
    for (const [inS, zi, outS, zo] of [[0.05, -7, 0.03, 12], [1 / 16, 0, 1 / 16, 0], [0.2, 10, 0.1, -100], [0.01, -128, 0.02, -20]] as const) {
      nativeMatches(graph([act([256], inS, zi), act([256], outS, zo)], [{ op: 'HARD_SWISH', inputs: [0], outputs: [1], options: {} }]), all);
    }
    for (const [scale, outer, depth] of [[0.1, 16, 10], [0.02, 2, 300], [1, 64, 3]] as const) {
      const g = graph([act([outer, depth], scale, 0), act([outer, depth], 16 / 256, 127)], [{ op: 'LOG_SOFTMAX', inputs: [0], outputs: [1], options: {} }]);
      nativeMatches(g, [randI8(outer * depth), randI8(outer * depth)]);
    }
    const ssOpts = { beginMask: 0b0010, endMask: 0b1000, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0b0001, offset: false };
    const ss = graph([act([2, 6, 7, 3], 0.1, 0, 'x'), i32([1, 0, -1, 0], [4], 'b'), i32([2, 4, 0, 2], [4], 'e'), i32([1, 2, -2, 1], [4], 's'), act([2, 3, 3], 0.1, 0, 'y')], [{ op: 'STRIDED_SLICE', inputs: [0, 1, 2, 3], outputs: [4], options: ssOpts }]);
    nativeMatches(ss, [randI8(252), randI8(252)]);
    // SPLIT → (pieces) → PACK along a new axis, and UNPACK → PACK back, on 4-D tensors.
    const sp: Graph = {
      tensors: [act([1, 4, 6, 3], 0.1, 0, 'x'), i32([2], [], 'axis'), act([1, 4, 2, 3], 0.1, 0), act([1, 4, 2, 3], 0.1, 0), act([1, 4, 2, 3], 0.1, 0), act([1, 4, 3, 2, 3], 0.1, 0, 'y')],
      operators: [
        { op: 'SPLIT', inputs: [1, 0], outputs: [2, 3, 4], options: { numSplits: 3 } },
        { op: 'PACK', inputs: [4, 2, 3], outputs: [5], options: { valuesCount: 3, axis: 2 } },
      ],
      inputs: [0],
      outputs: [5],
    };
    nativeMatches(sp, [randI8(72), randI8(72)]);
    const up: Graph = {
      tensors: [act([2, 3, 4], 0.1, 0, 'x'), act([2, 4], 0.1, 0), act([2, 4], 0.1, 0), act([2, 4], 0.1, 0), act([2, 4, 3], 0.1, 0, 'y')],
      operators: [
        { op: 'UNPACK', inputs: [0], outputs: [1, 2, 3], options: { valuesCount: 3, axis: 1 } },
        { op: 'PACK', inputs: [3, 1, 2], outputs: [4], options: { valuesCount: 3, axis: -1 } },
      ],
      inputs: [0],
      outputs: [4],
    };
    nativeMatches(up, [randI8(24), randI8(24)]);
    const sv: Graph = {
      tensors: [act([6, 5], 0.1, 0, 'x'), i32([2, -1, 2], [3], 'sizes'), i32([0], [], 'axis'), act([2, 5], 0.1, 0), act([2, 5], 0.1, 0), act([2, 5], 0.1, 0), act([2, 2, 5], 0.1, 0, 'y')],
      operators: [
        { op: 'SPLIT_V', inputs: [0, 1, 2], outputs: [3, 4, 5], options: { numSplits: 3 } },
        { op: 'PACK', inputs: [5, 3], outputs: [6], options: { valuesCount: 2, axis: 0 } },
      ],
      inputs: [0],
      outputs: [6],
    };
    nativeMatches(sv, [randI8(30), randI8(30)]);
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]]) {
      const rz = graph([act([2, 3, 5, 3], 0.1, 0, 'x'), i32([7, 4], [2], 'size'), act([2, 7, 4, 3], 0.1, 0, 'y')], [{ op: 'RESIZE_NEAREST_NEIGHBOR', inputs: [0, 1], outputs: [2], options: { alignCorners, halfPixelCenters } }]);
      nativeMatches(rz, [randI8(90)]);
    }
    const pr = graph([act([1, 4, 5, 3], 0.05, -10, 'x'), constI8(act([1, 1, 3], 0.01, 3, 'alpha'), [20, -50, 90]), act([1, 4, 5, 3], 0.04, 7, 'y')], [{ op: 'PRELU', inputs: [0, 1], outputs: [2], options: {} }]);
    nativeMatches(pr, [randI8(60), randI8(60)]);
    const tr = graph([act([2, 3, 4, 5], 0.1, 0, 'x'), i32([2, 0, 3, 1], [4], 'perm'), act([4, 2, 5, 3], 0.1, 0, 'y')], [{ op: 'TRANSPOSE', inputs: [0, 1], outputs: [2], options: {} }]);
    nativeMatches(tr, [randI8(120), randI8(120)]);
  });
});
