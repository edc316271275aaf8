/**
 * TFLM's op set, as facts: the MicroMutableOpResolver registration method of every builtin op
 * TensorFlow Lite Micro registers by builtin code (tensorflow/lite/micro/micro_mutable_op_resolver.h,
 * read for its method names; TFLM itself is not part of this repository). The TFLM engine
 * registers a model's ops through these, so it accepts every op TFLM has, whether or not
 * tinyforge's own engine or interpreter implements it. For ops in tinyforge's registry the
 * registry's `tflm.resolver` is the same name (tests/firmware/tflm-resolver.test.ts checks it).
 * Custom ops (CIRCULAR_BUFFER, TFLite_Detection_PostProcess, Ethos-U) are not builtin codes and
 * are not listed.
 */
import { unsupported } from '../core/errors.js';
import { findOp } from '../ops/registry.js';

/** TFLite builtin op name → MicroMutableOpResolver method. */
export const TFLM_RESOLVER: Readonly<Record<string, string>> = {
  ABS: 'AddAbs',
  ADD: 'AddAdd',
  ADD_N: 'AddAddN',
  ARG_MAX: 'AddArgMax',
  ARG_MIN: 'AddArgMin',
  ASSIGN_VARIABLE: 'AddAssignVariable',
  AVERAGE_POOL_2D: 'AddAveragePool2D',
  BATCH_MATMUL: 'AddBatchMatMul',
  BATCH_TO_SPACE_ND: 'AddBatchToSpaceNd',
  BROADCAST_ARGS: 'AddBroadcastArgs',
  BROADCAST_TO: 'AddBroadcastTo',
  CALL_ONCE: 'AddCallOnce',
  CAST: 'AddCast',
  CEIL: 'AddCeil',
  CONCATENATION: 'AddConcatenation',
  CONV_2D: 'AddConv2D',
  COS: 'AddCos',
  CUMSUM: 'AddCumSum',
  DEPTH_TO_SPACE: 'AddDepthToSpace',
  DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D',
  DEQUANTIZE: 'AddDequantize',
  DIV: 'AddDiv',
  DYNAMIC_UPDATE_SLICE: 'AddDynamicUpdateSlice',
  ELU: 'AddElu',
  EMBEDDING_LOOKUP: 'AddEmbeddingLookup',
  EQUAL: 'AddEqual',
  EXP: 'AddExp',
  EXPAND_DIMS: 'AddExpandDims',
  FILL: 'AddFill',
  FLOOR: 'AddFloor',
  FLOOR_DIV: 'AddFloorDiv',
  FLOOR_MOD: 'AddFloorMod',
  FULLY_CONNECTED: 'AddFullyConnected',
  GATHER: 'AddGather',
  GATHER_ND: 'AddGatherNd',
  GREATER: 'AddGreater',
  GREATER_EQUAL: 'AddGreaterEqual',
  HARD_SWISH: 'AddHardSwish',
  IF: 'AddIf',
  L2_NORMALIZATION: 'AddL2Normalization',
  L2_POOL_2D: 'AddL2Pool2D',
  LEAKY_RELU: 'AddLeakyRelu',
  LESS: 'AddLess',
  LESS_EQUAL: 'AddLessEqual',
  LOG: 'AddLog',
  LOG_SOFTMAX: 'AddLogSoftmax',
  LOGICAL_AND: 'AddLogicalAnd',
  LOGICAL_NOT: 'AddLogicalNot',
  LOGICAL_OR: 'AddLogicalOr',
  LOGISTIC: 'AddLogistic',
  MAX_POOL_2D: 'AddMaxPool2D',
  MAXIMUM: 'AddMaximum',
  MEAN: 'AddMean',
  MINIMUM: 'AddMinimum',
  MIRROR_PAD: 'AddMirrorPad',
  MUL: 'AddMul',
  NEG: 'AddNeg',
  NOT_EQUAL: 'AddNotEqual',
  PACK: 'AddPack',
  PAD: 'AddPad',
  PADV2: 'AddPadV2',
  PRELU: 'AddPrelu',
  QUANTIZE: 'AddQuantize',
  READ_VARIABLE: 'AddReadVariable',
  REDUCE_ALL: 'AddReduceAll',
  REDUCE_MAX: 'AddReduceMax',
  REDUCE_MIN: 'AddReduceMin',
  RELU: 'AddRelu',
  RELU6: 'AddRelu6',
  RESHAPE: 'AddReshape',
  RESIZE_BILINEAR: 'AddResizeBilinear',
  RESIZE_NEAREST_NEIGHBOR: 'AddResizeNearestNeighbor',
  REVERSE_V2: 'AddReverseV2',
  ROUND: 'AddRound',
  RSQRT: 'AddRsqrt',
  SELECT_V2: 'AddSelectV2',
  SHAPE: 'AddShape',
  SIN: 'AddSin',
  SLICE: 'AddSlice',
  SOFTMAX: 'AddSoftmax',
  SPACE_TO_BATCH_ND: 'AddSpaceToBatchNd',
  SPACE_TO_DEPTH: 'AddSpaceToDepth',
  SPLIT: 'AddSplit',
  SPLIT_V: 'AddSplitV',
  SQRT: 'AddSqrt',
  SQUARE: 'AddSquare',
  SQUARED_DIFFERENCE: 'AddSquaredDifference',
  SQUEEZE: 'AddSqueeze',
  STRIDED_SLICE: 'AddStridedSlice',
  SUB: 'AddSub',
  SUM: 'AddSum',
  SVDF: 'AddSvdf',
  TANH: 'AddTanh',
  TRANSPOSE: 'AddTranspose',
  TRANSPOSE_CONV: 'AddTransposeConv',
  UNIDIRECTIONAL_SEQUENCE_LSTM: 'AddUnidirectionalSequenceLSTM',
  UNPACK: 'AddUnpack',
  VAR_HANDLE: 'AddVarHandle',
  WHILE: 'AddWhile',
  ZEROS_LIKE: 'AddZerosLike',
};

/** The resolver method registering builtin op `name`: the registry's, else TFLM's table; unsupported when TFLM has no such op. */
export function tflmResolverMethod(name: string): string {
  const m = findOp(name)?.tflm.resolver ?? (Object.prototype.hasOwnProperty.call(TFLM_RESOLVER, name) ? TFLM_RESOLVER[name] : undefined);
  if (!m) {
    throw unsupported(`op ${name} is not one TFLM's op resolver registers by builtin code`, {
      remedy: 'convert the model with ops TensorFlow Lite Micro supports (see its micro_mutable_op_resolver.h)',
      details: { op: name },
    });
  }
  return m;
}
