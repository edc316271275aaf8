// Op-version and runtime-version rules, with expected values read off op_version.cc and
// runtime_version.cc (tensorflow/lite/tools/versioning) for each branch exercised.
import { describe, expect, it } from 'vitest';
import type { Graph, Operator, Tensor } from '../../src/core/graph.js';
import { minRuntimeVersion, opVersion, TFLM_RESOLVER_METHOD, builtinName } from '../../src/tflite/ops.js';

const q = (s: number): Tensor['quant'] => ({ scale: [s], zeroPoint: [0], quantizedDimension: 0 });
const t = (dtype: Tensor['dtype'], scale?: number): Tensor => ({ name: 't', dtype, shape: [1, 4], ...(scale ? { quant: q(scale) } : {}) });
const g = (tensors: Tensor[], op: Operator): [Operator, Graph] => [op, { tensors, operators: [op], inputs: [0], outputs: [tensors.length - 1] }];

describe('opVersion', () => {
  it('FULLY_CONNECTED: int8 4, keep_num_dims 5, two inputs 6, float 1', () => {
    const fc = (inputs: number[], keepNumDims = false): Operator => ({ op: 'FULLY_CONNECTED', inputs, outputs: [3], options: { fusedActivation: 'NONE', keepNumDims } });
    const i8 = [t('int8', 1), t('int8', 1), t('int32', 1), t('int8', 1)];
    expect(opVersion(...g(i8, fc([0, 1, 2])))).toBe(4);
    expect(opVersion(...g(i8, fc([0, 1, -1])))).toBe(4);
    expect(opVersion(...g(i8, fc([0, 1, 2], true)))).toBe(5);
    expect(opVersion(...g(i8, fc([0, 1])))).toBe(6);
    expect(opVersion(...g([t('float32'), t('float32'), t('float32'), t('float32')], fc([0, 1, 2])))).toBe(1);
  });
  it('MUL: int8 2, but 3 when in1*in2/out >= 1', () => {
    const mul: Operator = { op: 'MUL', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } };
    expect(opVersion(...g([t('int8', 0.5), t('int8', 0.5), t('int8', 0.5)], mul))).toBe(2); // 0.5
    expect(opVersion(...g([t('int8', 2), t('int8', 1), t('int8', 0.5)], mul))).toBe(3); // 4
  });
  it('QUANTIZE float→int8 is 1; DEQUANTIZE int8 2, per-channel 5', () => {
    const qo: Operator = { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} };
    expect(opVersion(...g([t('float32'), t('int8', 1)], qo))).toBe(1);
    const dq: Operator = { op: 'DEQUANTIZE', inputs: [0], outputs: [1], options: {} };
    expect(opVersion(...g([t('int8', 1), t('float32')], dq))).toBe(2);
    const pc: Tensor = { name: 'w', dtype: 'int8', shape: [2, 2], quant: { scale: [1, 2], zeroPoint: [0, 0], quantizedDimension: 0 } };
    expect(opVersion(...g([pc, t('float32')], dq))).toBe(5);
  });
  it('int8 SOFTMAX/MEAN/pools/ADD/RELU6 are 2, RESHAPE 1', () => {
    expect(opVersion(...g([t('int8', 1), t('int8', 1)], { op: 'SOFTMAX', inputs: [0], outputs: [1], options: { beta: 1 } }))).toBe(2);
    expect(opVersion(...g([t('int8', 1), t('int8', 1)], { op: 'RELU6', inputs: [0], outputs: [1], options: {} }))).toBe(2);
    expect(opVersion(...g([t('int8', 1), t('int32'), t('int8', 1)], { op: 'RESHAPE', inputs: [0, 1], outputs: [2], options: {} }))).toBe(1);
  });
});

describe('minRuntimeVersion (runtime_version.cc)', () => {
  it('takes the highest version any (op, version) pair needs', () => {
    expect(minRuntimeVersion([{ op: 'RESHAPE', version: 1 }])).toBe('1.5.0');
    expect(minRuntimeVersion([{ op: 'RESHAPE', version: 1 }, { op: 'FULLY_CONNECTED', version: 4 }])).toBe('1.14.0');
    expect(minRuntimeVersion([{ op: 'QUANTIZE', version: 2 }, { op: 'SOFTMAX', version: 2 }])).toBe('1.15.0');
    expect(minRuntimeVersion([{ op: 'RELU', version: 2 }, { op: 'QUANTIZE', version: 2 }])).toBe('2.1.0');
    expect(minRuntimeVersion([])).toBe('');
  });
});

describe('names', () => {
  it('TFLM resolver methods and builtin names', () => {
    expect(TFLM_RESOLVER_METHOD.DEPTHWISE_CONV_2D).toBe('AddDepthwiseConv2D');
    expect(TFLM_RESOLVER_METHOD.AVERAGE_POOL_2D).toBe('AddAveragePool2D');
    expect(builtinName(40)).toBe('MEAN');
    expect(builtinName(114)).toBe('QUANTIZE');
    expect(builtinName(9999)).toBe('BUILTIN_9999');
  });
});
