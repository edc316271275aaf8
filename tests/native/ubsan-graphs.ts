// Single-op models at the edges of the multiplier range TFLM's kernels accept (shift 30, shift −31,
// multipliers near 2^31) and with extreme biases: the UBSan test compiles each (ubsan.test.ts).
// Scales are powers of two times small factors, so each multiplier is known by hand: the comment
// next to a scale gives the real multiplier it makes.
import type { Graph, Operator, Tensor } from '../../src/core/graph.js';

const f = Math.fround;
const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
let seed = 5;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0), (seed >>> 8) & 0xffffff);
const randI8 = (n: number) => Int8Array.from({ length: n }, () => (rnd() % 255) - 127);

export function act(shape: number[], scale: number, zp: number, name = 'act'): Tensor {
  return { name, dtype: 'int8', shape, quant: { scale: [f(scale)], zeroPoint: [zp], quantizedDimension: 0 } };
}
export function weights(shape: number[], scales: number[], axis: number, data?: Int8Array): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name: 'w', dtype: 'int8', shape, data: bytesOf(data ?? randI8(n)), quant: { scale: scales.map(f), zeroPoint: scales.map(() => 0), quantizedDimension: axis } };
}
export function bias(values: number[], scale?: number): Tensor {
  const quant = scale === undefined ? undefined : { scale: [f(scale)], zeroPoint: [0], quantizedDimension: 0 };
  return { name: 'b', dtype: 'int32', shape: [values.length], data: bytesOf(Int32Array.from(values)), ...(quant && { quant }) };
}
export function constI32(values: number[], name = 'c'): Tensor {
  return { name, dtype: 'int32', shape: [values.length], data: bytesOf(Int32Array.from(values)) };
}
/** One operator from tensors[0] (the graph input) to the last tensor (the output). */
export function single(op: Operator['op'], tensors: Tensor[], inputs: number[], options: object = {}): Graph {
  const out = tensors.length - 1;
  return { tensors, operators: [{ op, inputs, outputs: [out], options } as Operator], inputs: [0], outputs: [out] };
}

const SHIFT30 = 1.25 * 2 ** -30; // an output scale that makes real = 1 / SHIFT30 = 0.8·2^30 (shift 30)
const EXTREME_BIAS = [2147483647, -2147483648, 2147483000, -2147483000];
const conv = (a: 'NONE' | 'RELU' = 'NONE') => ({ padding: 'SAME', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: a });

export const UBSAN_GRAPHS: Record<string, Graph> = {
  // real = 1·1 / (1.25·2^−30) = 0.8·2^30: shift 30; biases at the int32 limits.
  'FULLY_CONNECTED shift 30, int32-limit biases': single('FULLY_CONNECTED', [act([1, 8], 1, 0, 'x'), weights([4, 8], [1], 0), bias(EXTREME_BIAS, 1), act([1, 4], SHIFT30, 0, 'y')], [0, 1, 2], { fusedActivation: 'NONE', keepNumDims: false }),
  // Per channel, input scale 0.75·2^−16: filter 2^−15 → 0.75·2^−31 (shift −31), 2^46 → 0.75·2^30 (shift 30), 1, (1−2^−24)/(0.75·2^−16)·… near-2^31 multiplier.
  'CONV_2D shifts −31 and 30, multiplier near 2^31': single('CONV_2D', [act([1, 3, 3, 2], 0.75 * 2 ** -16, 3, 'x'), weights([4, 3, 3, 2], [2 ** -15, 2 ** 46, 1, (1 - 2 ** -24) / (0.75 * 2 ** -16)], 0), bias(EXTREME_BIAS), act([1, 3, 3, 4], 1 - 2 ** -24, -5, 'y')], [0, 1, 2], conv()),
  'DEPTHWISE_CONV_2D shifts −31 and 30, int32-limit biases': single('DEPTHWISE_CONV_2D', [act([1, 3, 3, 4], 0.75 * 2 ** -16, -128, 'x'), weights([1, 3, 3, 4], [2 ** -15, 2 ** 46, 1, 0.5], 3), bias(EXTREME_BIAS), act([1, 3, 3, 4], 1, 127, 'y')], [0, 1, 2], { ...conv('RELU'), depthMultiplier: 1 }),
  'MUL shift 30': single('MUL', [act([16], 1, -128, 'x'), { ...act([16], 1, 127, 'c'), data: bytesOf(randI8(16)) }, act([16], SHIFT30, 0, 'y')], [0, 1], { fusedActivation: 'NONE' }),
  // ADD: input 2's multiplier 2^−40 / 2 flushes to zero (shift < −31); the output multiplier 2 / (2^20·2^−10) … shift ≤ 0.
  'ADD with a flushed input multiplier': single('ADD', [act([16], 1, -128, 'x'), { ...act([16], 2 ** -40, 127, 'c'), data: bytesOf(randI8(16)) }, act([16], 2 ** -10, 0, 'y')], [0, 1], { fusedActivation: 'NONE' }),
  'RELU shift 30': single('RELU', [act([64], 1, -128, 'x'), act([64], SHIFT30, -128, 'y')], [0]),
  'QUANTIZE (requantise) shift 30': single('QUANTIZE', [act([64], 1, 100, 'x'), act([64], SHIFT30, -100, 'y')], [0]),
  'QUANTIZE (requantise) shift −31': single('QUANTIZE', [act([64], 0.75 * 2 ** -31, 100, 'x'), act([64], 1, -100, 'y')], [0]),
  'MEAN shift 30 before the 1/n fold': single('MEAN', [act([1, 2, 2, 4], 1, 7, 'x'), constI32([1, 2], 'axes'), act([1, 4], SHIFT30, 0, 'y')], [0, 1], { keepDims: false }),
  // beta·scale·2^26 = 15.9·2^26 ≈ 0.99·2^30: left shift 30 (16·2^26 = 2^30 would need 31, refused).
  'SOFTMAX left shift 30': single('SOFTMAX', [act([4, 8], 15.9, 0, 'x'), act([4, 8], 1 / 256, -128, 'y')], [0], { beta: 1 }),
  // scale·2^27: 7.99·2^27 → left shift 30; 2^−28·2^27 = 0.5 → left shift 0 (the smallest TFLM's radius allows).
  'LOGISTIC left shift 30': single('LOGISTIC', [act([256], 7.99, 0, 'x'), act([256], 1 / 256, -128, 'y')], [0]),
  'LOGISTIC left shift 0': single('LOGISTIC', [act([256], 2 ** -28, 0, 'x'), act([256], 1 / 256, -128, 'y')], [0]),
  'TANH left shift 30': single('TANH', [act([256], 7.99, 5, 'x'), act([256], 1 / 128, 0, 'y')], [0]),
  // SUB: input scales 1 and 2^−40 (its multiplier flushes to 0), output 2^−10; and the reverse.
  'SUB with a flushed input multiplier': single('SUB', [act([16], 1, -128, 'x'), { ...act([16], 2 ** -40, 127, 'c'), data: bytesOf(randI8(16)) }, act([16], 2 ** -10, 0, 'y')], [0, 1], { fusedActivation: 'NONE' }),
  'MAXIMUM with broadcasting': single('MAXIMUM', [act([4, 4], 1, 0, 'x'), { ...act([1, 4], 1, 0, 'c'), data: bytesOf(Int8Array.from([-128, 127, 0, -1])) }, act([4, 4], 1, 0, 'y')], [0, 1]),
  // LEAKY_RELU identity multiplier 1/(1.25·2^−30) (shift 30), alpha −1 × that (shift 30, negated).
  'LEAKY_RELU shift 30, negative alpha': single('LEAKY_RELU', [act([256], 1, -128, 'x'), act([256], SHIFT30, 0, 'y')], [0], { alpha: -1 }),
  'HARD_SWISH': single('HARD_SWISH', [act([256], 0.05, -7, 'x'), act([256], 0.03, 12, 'y')], [0]),
  // Input scale 15.9: input left shift 30 (the largest TFLM allows), wide rows.
  'LOG_SOFTMAX left shift 30': single('LOG_SOFTMAX', [act([4, 64], 15.9, 0, 'x'), act([4, 64], 16 / 256, 127, 'y')], [0]),
  'LOG_SOFTMAX': single('LOG_SOFTMAX', [act([8, 40], 0.05, 0, 'x'), act([8, 40], 16 / 256, 127, 'y')], [0]),
  'STRIDED_SLICE negative strides and masks': single('STRIDED_SLICE', [act([2, 6, 7, 3], 1, 0, 'x'), constI32([1, 0, -1, 0], 'b'), constI32([2, 4, 0, 2], 'e'), constI32([1, 2, -2, 1], 's'), act([2, 3, 3], 1, 0, 'y')], [0, 1, 2, 3], { beginMask: 2, endMask: 8, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 1, offset: false }),
  'SPLIT then PACK': {
    tensors: [act([1, 4, 6, 3], 1, 0, 'x'), { ...constI32([2], 'axis'), shape: [] }, act([1, 4, 2, 3], 1, 0), act([1, 4, 2, 3], 1, 0), act([1, 4, 2, 3], 1, 0), act([1, 4, 3, 2, 3], 1, 0, 'y')],
    operators: [
      { op: 'SPLIT', inputs: [1, 0], outputs: [2, 3, 4], options: { numSplits: 3 } },
      { op: 'PACK', inputs: [4, 2, 3], outputs: [5], options: { valuesCount: 3, axis: 2 } },
    ],
    inputs: [0],
    outputs: [5],
  },
  'RESIZE_NEAREST_NEIGHBOR half-pixel': single('RESIZE_NEAREST_NEIGHBOR', [act([1, 3, 5, 2], 1, 0, 'x'), constI32([7, 2], 'size'), act([1, 7, 2, 2], 1, 0, 'y')], [0, 1], { alignCorners: false, halfPixelCenters: true }),
  // PRELU with an identity multiplier at shift 30 and extreme alpha products.
  'PRELU shift 30': single('PRELU', [act([4, 8], 1, -128, 'x'), { ...act([8], 1, 127, 'alpha'), data: bytesOf(randI8(8)) }, act([4, 8], SHIFT30, 0, 'y')], [0, 1]),
  'TRANSPOSE 4-D': single('TRANSPOSE', [act([2, 3, 4, 5], 1, 0, 'x'), constI32([3, 1, 2, 0], 'perm'), act([5, 3, 4, 2], 1, 0, 'y')], [0, 1]),
  // PAD fused into a CONV_2D with a shift-30 output multiplier; PADV2 with another value runs as a PAD.
  'PAD fused into CONV_2D, PADV2 not fused': {
    tensors: [
      act([1, 3, 3, 2], 1, -128, 'x'),
      { ...constI32([0, 0, 1, 2, 2, 1, 0, 0], 'pads'), shape: [4, 2] },
      act([1, 6, 6, 2], 1, -128, 'padded'),
      weights([2, 3, 3, 2], [1, 2 ** -20], 0),
      bias([2147483647, -2147483648]),
      act([1, 4, 4, 2], SHIFT30, 0, 'conv'),
      { ...constI32([0, 0, 0, 0, 0, 0, 1, 1], 'pads2'), shape: [4, 2] },
      { ...act([1], SHIFT30, 0, 'v'), data: bytesOf(Int8Array.from([99])) },
      act([1, 4, 4, 4], SHIFT30, 0, 'y'),
    ],
    operators: [
      { op: 'PAD', inputs: [0, 1], outputs: [2], options: {} },
      { op: 'CONV_2D', inputs: [2, 3, 4], outputs: [5], options: { ...conv(), padding: 'VALID' } },
      { op: 'PADV2', inputs: [5, 6, 7], outputs: [8], options: {} },
    ],
    inputs: [0],
    outputs: [8],
  },
  'AVERAGE_POOL_2D and MAX_POOL_2D': {
    tensors: [act([1, 4, 4, 3], 0.1, -128, 'x'), act([1, 2, 2, 3], 0.1, -128, 'avg'), act([1, 1, 1, 3], 0.1, -128, 'max')],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: [0], outputs: [1], options: { padding: 'VALID', strideH: 2, strideW: 2, filterH: 2, filterW: 2, fusedActivation: 'NONE' } },
      { op: 'MAX_POOL_2D', inputs: [1], outputs: [2], options: { padding: 'SAME', strideH: 2, strideW: 2, filterH: 2, filterW: 2, fusedActivation: 'RELU' } },
    ],
    inputs: [0],
    outputs: [2],
  },
};
