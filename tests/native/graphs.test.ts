// The native engine on hand-built graphs: tinyforge's own model shapes (Conv1D lowered to
// RESHAPE + 1×k CONV_2D, MAX_POOL, MEAN / AVERAGE_POOL, FC on a 3-D input, SOFTMAX) and every
// other op the generator supports. Expected bytes: a hand computation for a tiny case, and
// otherwise tinyforge's reference interpreter (src/interp), which is itself checked bit for bit
// against TFLM's reference kernels on the shared vectors (tests/interp). Unary ops are checked
// exhaustively over all 256 int8 inputs.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Activation, Graph, Operator, Tensor, TfliteModel } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { interpret } from '../../src/interp/index.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { armCompile, buildRunner, hasTool, runEngine, tempDir } from './helpers.js';

const SHA = 'ab'.repeat(32);
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0), (seed >>> 8) & 0xffffff);
const randI8 = (n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + (rnd() % (hi - lo + 1)));
const bytesOf = (a: Int8Array | Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function act(shape: number[], scale: number, zp: number, name = 'act'): Tensor {
  return { name, dtype: 'int8', shape, quant: { scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 } };
}
function weights(shape: number[], scales: number[], axis = 0, data?: Int8Array): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name: 'w', dtype: 'int8', shape, data: bytesOf(data ?? randI8(n, -127, 127)), quant: { scale: scales.map(Math.fround), zeroPoint: scales.map(() => 0), quantizedDimension: axis } };
}
/** An int32 bias; `scale` (input scale × weight scale) is stored when given, as the converter does. */
function bias(n: number, data?: Int32Array, scale?: number): Tensor {
  const quant = scale === undefined ? undefined : { scale: [Math.fround(scale)], zeroPoint: [0], quantizedDimension: 0 };
  return { name: 'b', dtype: 'int32', shape: [n], data: bytesOf(data ?? Int32Array.from({ length: n }, () => (rnd() % 2001) - 1000)), ...(quant && { quant }) };
}
const model = (graph: Graph): TfliteModel => ({ graph, version: 3, description: 'test', metadata: [] });
const conv = (padding: 'SAME' | 'VALID', sh: number, sw: number, a: Activation, dh = 1, dw = 1) => ({ padding, strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, fusedActivation: a });

/** Compile, run the inputs, and compare with the interpreter (or `expected` when given). */
function check(graph: Graph, inputs: Uint8Array[], expected?: Uint8Array[]) {
  const res = emitNativeEngine(model(graph), { modelSha256: SHA });
  const dir = tempDir('tf-native-g-');
  const { outputs } = runEngine(buildRunner(res.files, dir), inputs, dir);
  const want = expected ?? inputs.map((x) => interpret(graph, [x])[0]);
  outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.from(want[k]).toString('hex')));
  return res;
}

describe('native engine on hand-built graphs', () => {
  it('FC with exact unit multiplier matches a hand computation', () => {
    // (The bias carries its scale 1 = 1 × 1: the shared FULLY_CONNECTED Prepare refuses a bias scale
    // that is not input_scale × weight_scale, in the native engine as in the interpreter.)
    // in [1,2] zp 3, weights [[2,-1],[1,1]], bias [5,-7], all scales 1 → multiplier exactly 1.
    // x = [10, -4]: o0 = 2*(10-3) - (-4-3) + 5 = 26, o1 = (10-3) + (-4-3) - 7 = -7; out zp -1.
    const graph: Graph = {
      tensors: [act([1, 2], 1, 3), weights([2, 2], [1], 0, Int8Array.from([2, -1, 1, 1])), bias(2, Int32Array.from([5, -7]), 1), act([1, 2], 1, -1)],
      operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }],
      inputs: [0],
      outputs: [3],
    };
    check(graph, [bytesOf(Int8Array.from([10, -4]))], [bytesOf(Int8Array.from([25, -8]))]);
  });

  it("tinyforge's Conv1D classifier: RESHAPE → 1×k CONV_2D → MAX_POOL → MEAN → FC → SOFTMAX", () => {
    const L = 20, C = 3, F = 8, K = 5;
    const t: Tensor[] = [
      act([1, L, C], 0.02, -5, 'input'), // 0
      { name: 'shape', dtype: 'int32', shape: [4], data: bytesOf(Int32Array.from([1, 1, L, C])) }, // 1
      act([1, 1, L, C], 0.02, -5, 'reshaped'), // 2
      weights([F, 1, K, C], Array.from({ length: F }, (_, c) => 0.003 + c * 0.0007)), // 3
      bias(F), // 4
      act([1, 1, L, F], 0.05, -128, 'conv'), // 5
      act([1, 1, L / 2, F], 0.05, -128, 'pool'), // 6
      { name: 'axes', dtype: 'int32', shape: [2], data: bytesOf(Int32Array.from([1, 2])) }, // 7
      act([1, F], 0.03, -100, 'mean'), // 8
      weights([5, F], [0.01]), // 9 per-tensor
      bias(5), // 10
      act([1, 5], 0.08, 4, 'logits'), // 11
      act([1, 5], 1 / 256, -128, 'probs'), // 12
    ];
    const ops: Operator[] = [
      { op: 'RESHAPE', inputs: [0, 1], outputs: [2], options: { newShape: [1, 1, L, C] } },
      { op: 'CONV_2D', inputs: [2, 3, 4], outputs: [5], options: conv('SAME', 1, 1, 'RELU') },
      { op: 'MAX_POOL_2D', inputs: [5], outputs: [6], options: { padding: 'VALID', strideH: 1, strideW: 2, filterH: 1, filterW: 2, fusedActivation: 'NONE' } },
      { op: 'MEAN', inputs: [6, 7], outputs: [8], options: { keepDims: false } },
      { op: 'FULLY_CONNECTED', inputs: [8, 9, 10], outputs: [11], options: { fusedActivation: 'NONE', keepNumDims: false } },
      { op: 'SOFTMAX', inputs: [11], outputs: [12], options: { beta: 1 } },
    ];
    const graph: Graph = { tensors: t, operators: ops, inputs: [0], outputs: [12] };
    const res = check(graph, Array.from({ length: 6 }, () => bytesOf(randI8(L * C))));
    expect(res.schedule.map((s) => s.kernel)).toEqual(['alias', 'tf_k_conv2d_s8', 'tf_k_max_pool_s8', 'tf_k_mean_s8', 'tf_k_fully_connected_s8', 'tf_k_softmax_s8']);
    // The logits variant (output before SOFTMAX) is sensitive to every bit of the FC.
    check({ ...graph, outputs: [11] }, Array.from({ length: 6 }, () => bytesOf(randI8(L * C))));
    // Arena: the reshape aliases its input, so input and reshaped share one region.
    expect(res.files[0].contents).toMatch(/TF_NATIVE_INPUT_OFFSET/);
  });

  it('AVERAGE_POOL + FC on a 3-D input (flattened), dilated strided depthwise conv, per-channel FC', () => {
    const t: Tensor[] = [
      act([1, 1, 16, 4], 0.04, 10, 'input'), // 0
      weights([1, 1, 3, 8], Array.from({ length: 8 }, (_, c) => 0.01 + 0.002 * c), 3), // 1 dm=2
      bias(8), // 2
      act([1, 1, 8, 8], 0.06, -20, 'dw'), // 3  SAME, stride 2, dilation 2
      act([1, 1, 4, 8], 0.06, -20, 'avg'), // 4
      { name: 'shape', dtype: 'int32', shape: [3], data: bytesOf(Int32Array.from([1, 4, 8])) }, // 5
      act([1, 4, 8], 0.06, -20, 'r3'), // 6
      weights([6, 32], Array.from({ length: 6 }, (_, c) => 0.004 + 0.001 * c)), // 7 per-channel FC
      bias(6), // 8
      act([1, 6], 0.1, 0, 'out'), // 9
    ];
    const ops: Operator[] = [
      { op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { ...conv('SAME', 1, 2, 'RELU6', 1, 2), depthMultiplier: 2 } },
      { op: 'AVERAGE_POOL_2D', inputs: [3], outputs: [4], options: { padding: 'SAME', strideH: 1, strideW: 2, filterH: 1, filterW: 3, fusedActivation: 'NONE' } },
      { op: 'RESHAPE', inputs: [4, 5], outputs: [6], options: {} },
      { op: 'FULLY_CONNECTED', inputs: [6, 7, 8], outputs: [9], options: { fusedActivation: 'RELU', keepNumDims: false } },
    ];
    check({ tensors: t, operators: ops, inputs: [0], outputs: [9] }, Array.from({ length: 6 }, () => bytesOf(randI8(64))));
  });

  it('grouped-free 2-D conv with VALID padding and stride 2 on [1,7,6,2]', () => {
    const t: Tensor[] = [act([1, 7, 6, 2], 0.03, 0), weights([3, 3, 2, 2], [0.02, 0.015, 0.03]), bias(3), act([1, 3, 3, 3], 0.04, 7)];
    const ops: Operator[] = [{ op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv('VALID', 2, 2, 'NONE') }];
    check({ tensors: t, operators: ops, inputs: [0], outputs: [3] }, Array.from({ length: 4 }, () => bytesOf(randI8(84))));
  });

  const all256 = [bytesOf(Int8Array.from({ length: 256 }, (_, i) => i - 128))];
  const unary = (op: Operator['op'], inT: Tensor, outT: Tensor) =>
    ({ tensors: [inT, outT], operators: [{ op, inputs: [0], outputs: [1], options: {} } as Operator], inputs: [0], outputs: [1] }) satisfies Graph;

  it('LOGISTIC, TANH, RELU, RELU6, requantize and DEQUANTIZE over all 256 int8 inputs', () => {
    check(unary('LOGISTIC', act([256], 0.07, 3), act([256], 1 / 256, -128)), all256);
    check(unary('TANH', act([256], 0.03, -9), act([256], 1 / 128, 0)), all256);
    check(unary('RELU', act([256], 0.05, -7), act([256], 0.04, -128)), all256);
    check(unary('RELU6', act([256], 0.05, -7), act([256], 0.05, -7)), all256);
    check(unary('QUANTIZE', act([256], 0.05, -7), act([256], 0.07, 12)), all256);
    check(unary('DEQUANTIZE', act([256], 0.05, -7), { name: 'f', dtype: 'float32', shape: [256] }), all256);
  });

  it('QUANTIZE float32 → int8 including ties, and saturation beyond int32', () => {
    // In range: the interpreter. Ties: 0.025/0.05 = 0.5 → 1 (+zp 1 = 2), -0.5 → -1 (0).
    const xs = Float32Array.from([0, 0.025, -0.025, 0.075, 6.35, -6.4, 0.0125, 3.3]);
    check(unary('QUANTIZE', { name: 'f', dtype: 'float32', shape: [8] }, act([8], 0.05, 1)), [bytesOf(xs)]);
    // ±1e9 / 0.05 = ±2e10 overflows int32: TFLM's float→int cast is undefined there (x86 gives
    // INT32_MIN, Cortex-M saturates); the native kernel saturates, so 127 and -128 (hand-derived).
    const big = Float32Array.from([1e9, -1e9]);
    check(unary('QUANTIZE', { name: 'f', dtype: 'float32', shape: [2] }, act([2], 0.05, 1)), [bytesOf(big)], [bytesOf(Int8Array.from([127, -128]))]);
  });

  it('ADD and MUL with broadcasting and a constant operand', () => {
    const t: Tensor[] = [
      act([1, 2, 3, 4], 0.05, -3, 'x'), // 0
      { ...act([1, 1, 1, 4], 0.08, 5, 'c'), data: bytesOf(randI8(4)) }, // 1 constant
      act([1, 2, 3, 4], 0.1, 2, 'sum'), // 2
      act([1, 2, 3, 4], 0.02, -1, 'prod'), // 3
    ];
    const ops: Operator[] = [
      { op: 'ADD', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'RELU' } },
      { op: 'MUL', inputs: [2, 0], outputs: [3], options: { fusedActivation: 'NONE' } },
    ];
    check({ tensors: t, operators: ops, inputs: [0], outputs: [3] }, Array.from({ length: 4 }, () => bytesOf(randI8(24))));
  });

  it('is deterministic and its output compiles for Cortex-M4 without warnings', () => {
    const g = unary('TANH', act([16], 0.03, -9), act([16], 1 / 128, 0));
    const a = emitNativeEngine(model(g), { modelSha256: SHA });
    const b = emitNativeEngine(model(g), { modelSha256: SHA });
    expect(a.files).toEqual(b.files);
    expect(a.files[0].contents.split('\n')[0]).toMatch(/^\/\/ Generated by tinyforge .* model sha256 abab/);
    if (hasTool('arm-none-eabi-gcc')) expect(armCompile(a.files, join(tempDir('tf-native-arm-'), 'x'))).toBe('');
  });

  it('rejects unsupported ops and dtypes with a TinyforgeError suggesting the TFLM engine', () => {
    const g: Graph = {
      tensors: [act([1, 2], 1, 0), { ...act([1, 2], 1, 0), data: new Uint8Array(2) }, act([1, 4], 1, 0)],
      operators: [{ op: 'CONCATENATION', inputs: [0, 1], outputs: [2], options: { axis: 1, fusedActivation: 'NONE' } }],
      inputs: [0],
      outputs: [2],
    };
    const err = (() => {
      try {
        emitNativeEngine(model(g), { modelSha256: SHA });
      } catch (e) {
        return e;
      }
    })() as TinyforgeError;
    expect(err).toBeInstanceOf(TinyforgeError);
    expect(err.kind).toBe('unsupported');
    expect(err.message).toMatch(/CONCATENATION/);
    expect(err.remedy).toMatch(/tflm/i);
    const f32 = unary('RELU', { name: 'f', dtype: 'float32', shape: [4] }, { name: 'g', dtype: 'float32', shape: [4] });
    expect(() => emitNativeEngine(model(f32), { modelSha256: SHA })).toThrow(/float32/);
    expect(() => emitNativeEngine(model(f32), { modelSha256: 'xyz' })).toThrow(/SHA-256/);
  });
});
