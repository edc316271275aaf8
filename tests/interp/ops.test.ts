/**
 * Single-operator graphs built by hand. Expected values are worked out by hand from the TFLM
 * formulas (comments show the arithmetic) or, for the nonlinear ops, compared with the real
 * function quantised by hand with a stated tolerance. The shared TFLM vectors (vectors.test.ts)
 * cover FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MEAN, RESHAPE and SOFTMAX
 * on real models; this file covers the remaining ops, the float path and the error contract.
 */
import { describe, expect, it } from 'vitest';
import type { Activation, Graph, Operator, Tensor } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { createInterpreter, dequantizeOutput, interpret, quantizeInput } from '../../src/interp/index.js';

const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });
const i8 = (name: string, shape: number[], scale: number, zp: number, data?: number[]): Tensor => ({
  name,
  dtype: 'int8',
  shape,
  quant: q(scale, zp),
  ...(data ? { data: new Uint8Array(Int8Array.from(data).buffer) } : {}),
});
const i32 = (name: string, data: number[]): Tensor => ({ name, dtype: 'int32', shape: [data.length], data: new Uint8Array(Int32Array.from(data).buffer) });
const f32 = (name: string, shape: number[], data?: number[]): Tensor => ({
  name,
  dtype: 'float32',
  shape,
  ...(data ? { data: new Uint8Array(Float32Array.from(data).buffer) } : {}),
});
const bytes = (v: number[]) => new Uint8Array(Int8Array.from(v).buffer);
const ints = (b: Uint8Array) => Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength));
const floats = (b: Uint8Array) => Array.from(new Float32Array(b.slice().buffer));
const graph = (tensors: Tensor[], operators: Operator[], inputs: number[], outputs: number[]): Graph => ({ tensors, operators, inputs, outputs });
function errorOf(fn: () => unknown): TinyforgeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TinyforgeError) return e;
    throw e;
  }
  throw new Error('expected a TinyforgeError');
}

describe('FULLY_CONNECTED int8 (hand-computed)', () => {
  // in scale 0.5 zp -1, weights scale 0.25 zp 0, out scale 1 zp 2: multiplier 0.125 = 2^-3.
  // x = [1, 3] -> (x - zp) = [2, 4]; W = [[4, 8], [-4, 0]]; bias = [8, -16] (scale 0.125).
  // acc0 = 4*2 + 8*4 + 8 = 48 -> 48/8 = 6 -> +2 = 8; acc1 = -8 + 0 - 16 = -24 -> -3 -> -1.
  const make = (act: Activation) =>
    graph(
      [i8('x', [1, 2], 0.5, -1), i8('w', [2, 2], 0.25, 0, [4, 8, -4, 0]), { ...i32('b', [8, -16]), quant: q(0.125, 0) }, i8('y', [1, 2], 1, 2)],
      [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: act, keepNumDims: false } }],
      [0],
      [3],
    );
  it('computes acc * multiplier + zero point', () => {
    expect(ints(interpret(make('NONE'), [bytes([1, 3])])[0])).toEqual([8, -1]);
  });
  it('RELU clamps at the output zero point', () => {
    expect(ints(interpret(make('RELU'), [bytes([1, 3])])[0])).toEqual([8, 2]);
  });
  it('RELU6 clamps to [zp, zp + 6/scale] = [2, 8]', () => {
    // x = [3, 3]: acc0 = 4*4 + 8*4 + 8 = 56 -> 7 -> 9, clamped to 8; acc1 = -16 - 16 = -32 -> -4 -> -2, clamped to 2.
    expect(ints(interpret(make('RELU6'), [bytes([3, 3])])[0])).toEqual([8, 2]);
  });
  it('rejects a bias whose scale is not input*weight scale, as TFLM does', () => {
    const g = make('NONE');
    g.tensors[2] = { ...g.tensors[2], quant: q(1, 0) };
    expect(errorOf(() => createInterpreter(g)).kind).toBe('bad-input');
  });
});

describe('CONV_2D int8 with SAME padding and stride 2 (hand-computed)', () => {
  // 1x3x3x1 input, all scales 1, zp 0; 2x2 kernel of ones; SAME, stride 2 -> out 2x2.
  // out = ceil(3/2) = 2, total pad = (2-1)*2 + 2 - 3 = 1 -> pad top/left 0.
  // windows: (0,0): 1+2+4+5 = 12; (0,1): 3+6 = 9; (1,0): 7+8 = 15; (1,1): 9.
  it('sums the in-image window only', () => {
    const g = graph(
      [i8('x', [1, 3, 3, 1], 1, 0), i8('w', [1, 2, 2, 1], 1, 0, [1, 1, 1, 1]), i32('b', [0]), i8('y', [1, 2, 2, 1], 1, 0)],
      [{ op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { padding: 'SAME', strideW: 2, strideH: 2, dilationW: 1, dilationH: 1, fusedActivation: 'NONE' } }],
      [0],
      [3],
    );
    expect(ints(interpret(g, [bytes([1, 2, 3, 4, 5, 6, 7, 8, 9])])[0])).toEqual([12, 9, 15, 9]);
  });
  it('rejects an output shape that does not follow from the padding', () => {
    const g = graph(
      [i8('x', [1, 3, 3, 1], 1, 0), i8('w', [1, 2, 2, 1], 1, 0, [1, 1, 1, 1]), i8('y', [1, 3, 3, 1], 1, 0)],
      [{ op: 'CONV_2D', inputs: [0, 1, -1], outputs: [2], options: { padding: 'VALID', strideW: 1, strideH: 1, dilationW: 1, dilationH: 1, fusedActivation: 'NONE' } }],
      [0],
      [2],
    );
    const e = errorOf(() => createInterpreter(g));
    expect(e.kind).toBe('bad-input');
    expect(e.message).toMatch(/operator 0 \(CONV_2D\).*should be \[1,2,2,1\]/);
  });
});

describe('DEPTHWISE_CONV_2D depth_multiplier 2 (hand-computed)', () => {
  // 1x1x2x1 input [3, 5], 1x1x2x2 filter, multiplier 2: out channel c = m + ic*2.
  // VALID 1x2 kernel over width 2 -> 1x1 output; ch0 = 1*3 + 2*5 = 13; ch1 = -1*3 + 0*5 = -3.
  it('maps output channel m + ic * depth_multiplier', () => {
    const g = graph(
      [i8('x', [1, 1, 2, 1], 1, 0), i8('w', [1, 1, 2, 2], 1, 0, [1, -1, 2, 0]), i8('y', [1, 1, 1, 2], 1, 0)],
      [{ op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, -1], outputs: [2], options: { padding: 'VALID', strideW: 1, strideH: 1, dilationW: 1, dilationH: 1, fusedActivation: 'NONE', depthMultiplier: 2 } }],
      [0],
      [2],
    );
    expect(ints(interpret(g, [bytes([3, 5])])[0])).toEqual([13, -3]);
  });
});

describe('pooling int8 (hand-computed)', () => {
  const pool = (op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D') =>
    graph(
      [i8('x', [1, 2, 2, 1], 1, 0), i8('y', [1, 1, 1, 1], 1, 0)],
      [{ op, inputs: [0], outputs: [1], options: { padding: 'VALID', strideW: 2, strideH: 2, filterW: 2, filterH: 2, fusedActivation: 'NONE' } }],
      [0],
      [1],
    );
  it('average rounds half away from zero: (1+2+2+2)/4 = 1.75 -> 2, -7/4 -> -2, 6/4 = 1.5 -> 2, -6/4 -> -2', () => {
    const it = createInterpreter(pool('AVERAGE_POOL_2D'));
    expect(ints(it.invoke([bytes([1, 2, 2, 2])])[0])).toEqual([2]);
    expect(ints(it.invoke([bytes([-1, -2, -2, -2])])[0])).toEqual([-2]);
    expect(ints(it.invoke([bytes([1, 1, 2, 2])])[0])).toEqual([2]);
    expect(ints(it.invoke([bytes([-1, -1, -2, -2])])[0])).toEqual([-2]);
  });
  it('max picks the largest', () => {
    expect(ints(interpret(pool('MAX_POOL_2D'), [bytes([-5, 7, 3, -128])])[0])).toEqual([7]);
  });
});

describe('MEAN int8 with different input/output scales (hand-computed TFLM arithmetic)', () => {
  const mean = (n: number) =>
    graph(
      [i8('x', [1, 1, n, 1], 1, 0), i32('axes', [1, 2]), i8('y', [1, 1, 1, 1], 0.5, 0)],
      [{ op: 'MEAN', inputs: [0, 1], outputs: [2], options: { keepDims: true } }],
      [0],
      [2],
    );
  it('n = 4: multiplier 2.0 = (2^30, 2) folds 1/4 into (2^30, 0); sum 11 -> SRDHM(11, 2^30) = 6 (real 5.5)', () => {
    expect(ints(interpret(mean(4), [bytes([1, 2, 3, 5])])[0])).toEqual([6]);
  });
  it('n = 3: (2^31 / 3 truncated = 715827882, shift 1); sum 7 -> SRDHM(14, 715827882) = 5 (real 4.67)', () => {
    expect(ints(interpret(mean(3), [bytes([1, 2, 4])])[0])).toEqual([5]);
  });
});

describe('ADD / MUL int8', () => {
  const bin = (op: 'ADD' | 'MUL', sa: number, sb: number, so: number, zo: number, bShape = [1, 4]) =>
    graph(
      [i8('a', [1, 4], sa, 0), i8('b', bShape, sb, 0), i8('y', [1, 4], so, zo)],
      [{ op, inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } }],
      [0, 1],
      [2],
    );
  it('ADD of exactly representable values (scales 0.5, 0.5 -> 1): 1.5 + 2.5 = 4', () => {
    // input multipliers 0.5 = (2^30, 0), output 2^-20 = (2^30, -19): all steps exact.
    expect(ints(interpret(bin('ADD', 0.5, 0.5, 1, 0), [bytes([3, -4, 10, 0]), bytes([5, 2, -10, 0])])[0])).toEqual([4, -1, 0, 0]);
  });
  it('ADD agrees with the real sum within one step on mixed scales and broadcasts a [1,1] operand', () => {
    const g = bin('ADD', 0.1, 0.037, 0.13, -7, [1, 1]);
    const it = createInterpreter(g);
    for (let a = -128; a < 128; a += 5) {
      const out = ints(it.invoke([bytes([a, a + 1, -a - 1, 0].map((v) => Math.max(-128, Math.min(127, v)))), bytes([33])])[0]);
      const ins = [a, a + 1, -a - 1, 0].map((v) => Math.max(-128, Math.min(127, v)));
      ins.forEach((x, k) => {
        const real = 0.1 * x + 0.037 * 33;
        const want = Math.max(-128, Math.min(127, Math.round(real / 0.13) - 7));
        expect(Math.abs(out[k] - want)).toBeLessThanOrEqual(1);
      });
    }
  });
  it('MUL (0.5 * 0.25 / 0.125 = 1 exactly): 1.5 * 1.0 = 1.5 -> 12', () => {
    expect(ints(interpret(bin('MUL', 0.5, 0.25, 0.125, 0), [bytes([3, -3, 100, 0]), bytes([4, 4, 100, 9])])[0])).toEqual([12, -12, 127, 0]);
  });
});

describe('LOGISTIC / TANH int8', () => {
  const act = (op: 'LOGISTIC' | 'TANH', inScale: number, inZp: number) =>
    graph(
      [i8('x', [1, 256], inScale, inZp), op === 'LOGISTIC' ? i8('y', [1, 256], 1 / 256, -128) : i8('y', [1, 256], 1 / 128, 0)],
      [{ op, inputs: [0], outputs: [1], options: {} }],
      [0],
      [1],
    );
  const all = bytes(Array.from({ length: 256 }, (_, k) => k - 128));
  it('LOGISTIC: 0 -> 0.5 exactly (raw 0), and every input within one step of round(256*sigmoid) - 128', () => {
    const out = ints(interpret(act('LOGISTIC', 0.0625, 3), [all])[0]);
    expect(out[128 + 3]).toBe(0); // x = zp: logistic = 2^30 -> 2^30 / 2^23 = 128 -> 0
    for (let k = 0; k < 256; k++) {
      const x = 0.0625 * (k - 128 - 3);
      const want = Math.min(127, Math.round(256 / (1 + Math.exp(-x))) - 128);
      expect(Math.abs(out[k] - want), `x=${x}`).toBeLessThanOrEqual(1);
    }
  });
  it('TANH: 0 -> 0, odd, and within one step of round(128*tanh)', () => {
    const out = ints(interpret(act('TANH', 0.03, 0), [all])[0]);
    expect(out[128]).toBe(0);
    for (let k = 1; k < 256; k++) {
      const x = 0.03 * (k - 128);
      const want = Math.max(-128, Math.min(127, Math.round(128 * Math.tanh(x))));
      expect(Math.abs(out[k] - want), `x=${x}`).toBeLessThanOrEqual(1);
      if (k > 1 && Math.abs(out[k]) < 127) expect(out[256 - k] + out[k]).toBe(0);
    }
  });
});

describe('QUANTIZE / DEQUANTIZE / RELU / RELU6 / RESHAPE / CONCATENATION', () => {
  it('QUANTIZE float -> int8 rounds half away from zero and clamps', () => {
    // scale 0.5, zp 1: 0.25/0.5 = 0.5 -> 1 -> 2; -0.25 -> -0.5 -> -1 -> 0; 1000 -> clamp 127.
    const g = graph([f32('x', [4]), i8('y', [4], 0.5, 1)], [{ op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }], [0], [1]);
    expect(ints(interpret(g, [new Uint8Array(Float32Array.from([0.25, -0.25, 1000, -3]).buffer)])[0])).toEqual([2, 0, 127, -5]);
  });
  it('QUANTIZE int8 -> int8 requantises (scale 1 -> 2: 5 - 1 = 4 -> 2 -> +3 = 5; 3 -> 2/2 = 1 -> 4)', () => {
    const g = graph([i8('x', [2], 1, 1), i8('y', [2], 2, 3)], [{ op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }], [0], [1]);
    expect(ints(interpret(g, [bytes([5, 3])])[0])).toEqual([5, 4]);
  });
  it('DEQUANTIZE gives scale * (q - zp)', () => {
    const g = graph([i8('x', [3], 0.25, -2), f32('y', [3])], [{ op: 'DEQUANTIZE', inputs: [0], outputs: [1], options: {} }], [0], [1]);
    expect(floats(interpret(g, [bytes([-2, 2, -128])])[0])).toEqual([0, 1, -31.5]);
  });
  it('RELU and RELU6 clamp in the quantised domain (scale 0.5, zp -10: 0 -> -10, 6 -> 2)', () => {
    const mk = (op: 'RELU' | 'RELU6') => graph([i8('x', [4], 0.5, -10), i8('y', [4], 0.5, -10)], [{ op, inputs: [0], outputs: [1], options: {} }], [0], [1]);
    expect(ints(interpret(mk('RELU'), [bytes([-50, -10, 0, 100])])[0])).toEqual([-10, -10, 0, 100]);
    expect(ints(interpret(mk('RELU6'), [bytes([-50, -10, 0, 100])])[0])).toEqual([-10, -10, 0, 2]);
  });
  it('RESHAPE copies and CONCATENATION interleaves along the axis', () => {
    const g = graph(
      [i8('a', [2, 2], 1, 0), i8('r', [4], 1, 0), i8('b', [2, 1], 1, 0), i8('c', [2, 3], 1, 0), i8('a2', [2, 2], 1, 0)],
      [
        { op: 'RESHAPE', inputs: [0], outputs: [1], options: { newShape: [4] } },
        { op: 'RESHAPE', inputs: [1], outputs: [4], options: { newShape: [2, 2] } },
        { op: 'CONCATENATION', inputs: [4, 2], outputs: [3], options: { axis: 1, fusedActivation: 'NONE' } },
      ],
      [0, 2],
      [1, 3],
    );
    const [r, c] = interpret(g, [bytes([1, 2, 3, 4]), bytes([9, 8])]);
    expect(ints(r)).toEqual([1, 2, 3, 4]);
    expect(ints(c)).toEqual([1, 2, 9, 3, 4, 8]);
  });
});

describe('float32 graphs', () => {
  it('FULLY_CONNECTED + RELU + SOFTMAX give the float results', () => {
    // y = relu(W x + b) = relu([1*1 + 2*2 + 0.5, -1*1 + 0 - 1]) = [5.5, 0]; softmax -> [e^5.5, 1]/(e^5.5+1).
    const g = graph(
      [f32('x', [1, 2]), f32('w', [2, 2], [1, 2, -1, 0]), f32('b', [2], [0.5, -1]), f32('h', [1, 2]), f32('y', [1, 2])],
      [
        { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'RELU', keepNumDims: false } },
        { op: 'SOFTMAX', inputs: [3], outputs: [4], options: { beta: 1 } },
      ],
      [0],
      [4],
    );
    const y = floats(interpret(g, [new Uint8Array(Float32Array.from([1, 2]).buffer)])[0]);
    const e = Math.exp(5.5);
    expect(y[0]).toBeCloseTo(e / (e + 1), 6);
    expect(y[1]).toBeCloseTo(1 / (e + 1), 6);
  });
  it('CONV_2D, MEAN and LOGISTIC in float', () => {
    // 1x2x2x1 input [1,2,3,4], 1x1 conv weight 2 bias 1 -> [3,5,7,9]; mean over H,W = 6; logistic(6).
    const g = graph(
      [f32('x', [1, 2, 2, 1]), f32('w', [1, 1, 1, 1], [2]), f32('b', [1], [1]), f32('c', [1, 2, 2, 1]), i32('axes', [1, 2]), f32('m', [1, 1, 1, 1]), f32('y', [1, 1, 1, 1])],
      [
        { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { padding: 'VALID', strideW: 1, strideH: 1, dilationW: 1, dilationH: 1, fusedActivation: 'NONE' } },
        { op: 'MEAN', inputs: [3, 4], outputs: [5], options: { keepDims: true } },
        { op: 'LOGISTIC', inputs: [5], outputs: [6], options: {} },
      ],
      [0],
      [6, 5],
    );
    const [y, m] = interpret(g, [new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer)]);
    expect(floats(m)).toEqual([6]);
    expect(floats(y)[0]).toBeCloseTo(1 / (1 + Math.exp(-6)), 6);
  });
});

describe('helpers and error contract', () => {
  const g = graph([i8('x', [1, 3], 0.5, 1), i8('y', [1, 3], 0.5, 1)], [{ op: 'RELU', inputs: [0], outputs: [1], options: {} }], [0], [1]);
  it('quantizeInput / dequantizeOutput use round-half-away and scale*(q-zp)', () => {
    // 0.25/0.5 = 0.5 -> 1 (+1 = 2); -0.75/0.5 = -1.5 -> -2 (+1 = -1); 500 -> clamp 127.
    expect(ints(quantizeInput(g, Float32Array.from([0.25, -0.75, 500])))).toEqual([2, -1, 127]);
    expect(Array.from(dequantizeOutput(g, bytes([1, 3, -128])))).toEqual([0, 1, -64.5]);
  });
  it('wrong input size is a bad-input error stating the expected byte count', () => {
    const e = errorOf(() => interpret(g, [bytes([1, 2])]));
    expect(e.kind).toBe('bad-input');
    expect(e.message).toMatch(/must be 3 bytes/);
  });
  it('an unsupported op is named with its operator index', () => {
    const bad = { ...g, operators: [{ op: 'GATHER', inputs: [0], outputs: [1], options: {} } as unknown as Operator] };
    const e = errorOf(() => createInterpreter(bad));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/operator 0 \(GATHER\)/);
  });
  it('an unsupported dtype is reported, not mis-computed', () => {
    const u8: Graph = { ...g, tensors: g.tensors.map((t) => ({ ...t, dtype: 'uint8' as const })) };
    expect(errorOf(() => createInterpreter(u8)).kind).toBe('unsupported');
  });
  it('reading a tensor before it is written is rejected', () => {
    const bad = graph([i8('x', [1], 1, 0), i8('t', [1], 1, 0), i8('y', [1], 1, 0)], [{ op: 'RELU', inputs: [1], outputs: [2], options: {} }], [0], [2]);
    expect(errorOf(() => createInterpreter(bad)).message).toMatch(/before anything writes it/);
  });
  it('readTensor exposes intermediate activations after invoke', () => {
    const two = graph(
      [i8('x', [2], 1, 0), i8('h', [2], 1, 0), i8('y', [2], 1, 0)],
      [
        { op: 'RELU', inputs: [0], outputs: [1], options: {} },
        { op: 'RELU6', inputs: [1], outputs: [2], options: {} },
      ],
      [0],
      [2],
    );
    const it = createInterpreter(two);
    expect(ints(it.invoke([bytes([-3, 9])])[0])).toEqual([0, 6]);
    expect(ints(it.readTensor(1))).toEqual([0, 9]);
  });
});
