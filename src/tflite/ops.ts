/**
 * Per-operator facts in one place: TFLite builtin names, the op versions the TFLite converter
 * writes for int8 models, the minimum runtime version each implies, TFLM op-resolver method names,
 * and which BuiltinOptions union slot each op's options use.
 */
import { BUILTIN_CODE, type Graph, type OpName, type Operator } from '../core/graph.js';
import { BuiltinOperator } from './generated/tflite/builtin-operator.js';

/** Name of any TFLite builtin code ("CONV_2D"), or "BUILTIN_<code>" for codes newer than our schema. */
export function builtinName(code: number): string {
  const n = (BuiltinOperator as unknown as Record<number, string | undefined>)[code];
  return typeof n === 'string' ? n : `BUILTIN_${code}`;
}

const OP_BY_CODE = new Map<number, OpName>(Object.entries(BUILTIN_CODE).map(([k, v]) => [v, k as OpName]));

/** The tinyforge OpName for a builtin code, or undefined when tinyforge does not support it. */
export function opForCode(code: number): OpName | undefined {
  return OP_BY_CODE.get(code);
}

/**
 * The op version the TFLite converter assigns, from the operator and its tensors' dtypes.
 * Source: tensorflow/lite/tools/versioning/op_version.cc (GetBuiltinOperatorVersion), the branches
 * reachable for tinyforge's ops; cross-checked against the converter-made models in shared/vectors
 * (int8 CONV_2D 3, DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 4, SOFTMAX 2, MEAN 2, RESHAPE 1, AVERAGE_POOL_2D 2).
 */
export function opVersion(o: Operator, g: Graph): number {
  const t = (i: number | undefined) => (i !== undefined && i >= 0 ? g.tensors[i] : undefined);
  const inT = t(o.inputs[0])?.dtype;
  const outT = t(o.outputs[0])?.dtype;
  const int8 = inT === 'int8';
  switch (o.op) {
    case 'CONV_2D':
      return int8 && t(o.inputs[1])?.dtype === 'int8' && outT === 'int8' ? 3 : 1;
    case 'DEPTHWISE_CONV_2D':
      if (int8 && t(o.inputs[1])?.dtype === 'int8' && outT === 'int8') return 3;
      return o.options.dilationW !== 1 || o.options.dilationH !== 1 ? 2 : 1;
    case 'FULLY_CONNECTED':
      // A bias-less FC written with -1 still has three inputs (version 4); only two inputs mean 6.
      if (o.inputs.length === 2) return 6;
      if (o.options.keepNumDims) return 5;
      return int8 && t(o.inputs[1])?.dtype === 'int8' && outT === 'int8' ? 4 : 1;
    case 'MUL': {
      const s = (i: number | undefined) => t(i)?.quant?.scale[0] ?? 0;
      const [a, b, c] = [s(o.inputs[0]), s(o.inputs[1]), s(o.outputs[0])];
      if (a && b && c && (a * b) / c >= 1) return 3;
      return int8 ? 2 : 1;
    }
    case 'QUANTIZE':
      return outT === 'int16' ? 2 : 1;
    case 'DEQUANTIZE':
      if (!int8) return 1;
      return (t(o.inputs[0])?.quant?.scale.length ?? 0) > 1 ? 5 : 2;
    case 'RESHAPE':
      return 1;
    default:
      // ADD, AVERAGE/MAX_POOL_2D, CONCATENATION, LOGISTIC, MEAN, RELU, RELU6, SOFTMAX, TANH.
      return int8 ? 2 : 1;
  }
}

/**
 * Minimum TFLite runtime version per (op, version), for the `min_runtime_version` metadata.
 * Source: tensorflow/lite/tools/versioning/runtime_version.cc (FindMinimumRuntimeVersionForOp).
 * Unknown pairs contribute nothing. Checked: the converter wrote "1.14.0" into hello_world_int8 and magic_wand.
 */
const MIN_RUNTIME: Record<string, string> = {
  'ADD/1': '1.5.0', 'ADD/2': '1.14.0',
  'AVERAGE_POOL_2D/1': '1.5.0', 'AVERAGE_POOL_2D/2': '1.14.0',
  'CONCATENATION/1': '1.5.0', 'CONCATENATION/2': '1.14.0',
  'CONV_2D/1': '1.5.0', 'CONV_2D/2': '1.14.0', 'CONV_2D/3': '1.14.0',
  'DEPTHWISE_CONV_2D/1': '1.5.0', 'DEPTHWISE_CONV_2D/2': '1.12.0', 'DEPTHWISE_CONV_2D/3': '1.14.0',
  'DEQUANTIZE/1': '1.13.1', 'DEQUANTIZE/2': '1.14.0',
  'FULLY_CONNECTED/1': '1.5.0', 'FULLY_CONNECTED/2': '1.10.0', 'FULLY_CONNECTED/3': '1.14.0', 'FULLY_CONNECTED/4': '1.14.0',
  'LOGISTIC/1': '1.5.0', 'LOGISTIC/2': '1.14.0',
  'MAX_POOL_2D/1': '1.5.0', 'MAX_POOL_2D/2': '1.14.0',
  'MEAN/1': '1.6.0', 'MEAN/2': '1.14.0',
  'MUL/1': '1.5.0', 'MUL/2': '1.14.0',
  'QUANTIZE/1': '1.14.0', 'QUANTIZE/2': '1.15.0',
  'RELU/1': '1.5.0', 'RELU/2': '2.1.0',
  'RELU6/1': '1.5.0', 'RELU6/2': '1.14.0',
  'RESHAPE/1': '1.5.0',
  'SOFTMAX/1': '1.5.0', 'SOFTMAX/2': '1.14.0',
  'TANH/1': '1.14.0', 'TANH/2': '1.14.0',
};

/** The `min_runtime_version` string for (op, version) pairs: the highest table entry, "" when none is known (as the converter). */
export function minRuntimeVersion(ops: { op: OpName; version: number }[]): string {
  let best = '';
  for (const { op, version } of ops) {
    const v = MIN_RUNTIME[`${op}/${version}`];
    if (v && compareVersions(v, best) > 0) best = v;
  }
  return best;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** TFLM `MicroMutableOpResolver` registration method per op (tensorflow/lite/micro/micro_mutable_op_resolver.h). */
export const TFLM_RESOLVER_METHOD: Record<OpName, string> = {
  ADD: 'AddAdd',
  AVERAGE_POOL_2D: 'AddAveragePool2D',
  CONCATENATION: 'AddConcatenation',
  CONV_2D: 'AddConv2D',
  DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D',
  DEQUANTIZE: 'AddDequantize',
  FULLY_CONNECTED: 'AddFullyConnected',
  LOGISTIC: 'AddLogistic',
  MAX_POOL_2D: 'AddMaxPool2D',
  MEAN: 'AddMean',
  MUL: 'AddMul',
  QUANTIZE: 'AddQuantize',
  RELU: 'AddRelu',
  RELU6: 'AddRelu6',
  RESHAPE: 'AddReshape',
  SOFTMAX: 'AddSoftmax',
  TANH: 'AddTanh',
};

/** BuiltinOptions union slot (1-based, official order) for each op's options; 0 = the op has none. */
export const OPTIONS_SLOT: Record<OpName, number> = {
  CONV_2D: 1,
  DEPTHWISE_CONV_2D: 2,
  AVERAGE_POOL_2D: 5,
  MAX_POOL_2D: 5,
  FULLY_CONNECTED: 8,
  SOFTMAX: 9,
  CONCATENATION: 10,
  ADD: 11,
  RESHAPE: 17,
  MUL: 21,
  MEAN: 27,
  DEQUANTIZE: 38,
  QUANTIZE: 89,
  LOGISTIC: 0,
  TANH: 0,
  RELU: 0,
  RELU6: 0,
};
