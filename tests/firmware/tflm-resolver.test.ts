// The TFLM engine accepts every op TFLM has, even when tinyforge's native engine and interpreter do
// not (issue 17): a model with such an op is read for the TFLM engine with the op kept by name, its
// resolver line comes from TFLM's op table, and the native engine refuses it naming --engine tflm.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { TFLM_RESOLVER, tflmResolverMethod } from '../../src/firmware/tflm-resolver.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { OP_NAMES, OPS } from '../../src/ops/registry.js';
import { readTflite } from '../../src/tflite/reader.js';
import { BUILTIN_CODE } from '../../src/tflite/ops.js';
import { builtinName } from '../../src/tflite/ops.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readModelForFirmware } from '../../src/service/firmware.js';

const q = (scale: number, zp: number) => ({ scale: [scale], zeroPoint: [zp], quantizedDimension: 0 });

/**
 * A one-op int8 model whose op is L2_NORMALIZATION (builtin 11), which TFLM has and tinyforge does
 * not: written as a RELU (no options either) with the writer's builtin code for RELU swapped for 11.
 */
function l2NormModel(): Uint8Array {
  const g: Graph = {
    tensors: [
      { name: 'in', dtype: 'int8', shape: [1, 8], quant: q(0.05, 0) },
      { name: 'out', dtype: 'int8', shape: [1, 8], quant: q(1 / 128, 0) },
    ],
    operators: [{ op: 'RELU', inputs: [0], outputs: [1], options: {} }],
    inputs: [0],
    outputs: [1],
  };
  const codes = BUILTIN_CODE as Record<string, number>;
  const relu = codes.RELU;
  codes.RELU = 11;
  try {
    return writeTflite(g);
  } finally {
    codes.RELU = relu;
  }
}

describe('TFLM engine: every op TFLM has', () => {
  it('the fixture really holds L2_NORMALIZATION, which tinyforge does not implement', () => {
    expect(builtinName(11)).toBe('L2_NORMALIZATION');
    expect(OP_NAMES as readonly string[]).not.toContain('L2_NORMALIZATION');
    expect(() => readTflite(l2NormModel())).toThrow(/L2_NORMALIZATION \(BUILTIN code 11\), which tinyforge does not support/);
  });

  it('--engine tflm: read with the op kept by name, registered through TFLM\'s resolver', () => {
    const bytes = l2NormModel();
    const model = readModelForFirmware(bytes, 'l2norm.tflite', 'tflm');
    expect(model.graph.operators.map((o) => o.op)).toEqual(['L2_NORMALIZATION']);
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'tflm', model, modelBytes: bytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources() });
    const cfg = project.files.find((f) => f.path === 'src/tf_engine_tflm_config.h')!.contents;
    expect(cfg).toContain('ok = ok && r.AddL2Normalization() == kTfLiteOk;');
    expect(cfg).toContain('{"L2_NORMALIZATION"}');
    // No CMSIS-NN kernel for this op: nothing referenced.
    expect(cfg).toContain('tf_tflm_cmsis_nn_linked() { return false; }');
  });

  it('--engine native: refused when generating, naming the op and the TFLM engine', () => {
    const bytes = l2NormModel();
    const model = readModelForFirmware(bytes, 'l2norm.tflite', 'tflm');
    let err: unknown;
    try {
      emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes: bytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as TinyforgeError).kind).toBe('unsupported');
    expect((err as TinyforgeError).message).toMatch(/L2_NORMALIZATION is not supported by the native engine/);
    expect((err as TinyforgeError).remedy).toMatch(/--engine tflm/);
    // Without the TFLM engine the reader refuses it as before.
    expect(() => readModelForFirmware(bytes, 'l2norm.tflite', 'native')).toThrow(/does not support/);
  });

  it('the table agrees with the registry for every registry op, and names only real builtin ops', () => {
    for (const n of OP_NAMES) expect(TFLM_RESOLVER[n], n).toBe(OPS[n].tflm.resolver);
    const builtin = new Set(Array.from({ length: 256 }, (_, c) => builtinName(c)));
    expect(Object.keys(TFLM_RESOLVER).filter((n) => !builtin.has(n))).toEqual([]);
    expect(() => tflmResolverMethod('LSH_PROJECTION')).toThrow(/not one TFLM's op resolver registers/);
  });
});

/**
 * Facts: every builtin op TFLM 90b983c2's tensorflow/lite/micro/micro_mutable_op_resolver.h
 * registers, with the method that registers it (read on 2026-12-07 from a checkout of that commit:
 * each `TfLiteStatus AddX(…)` and the BuiltinOperator_Y its AddBuiltin call names; 100 ops, the
 * CUSTOM registration excluded). Before this list was made, the table lacked DYNAMIC_UPDATE_SLICE,
 * REDUCE_ALL and REVERSE_V2.
 */
const TFLM_90B983C2 =
  'ABS:AddAbs ADD:AddAdd ADD_N:AddAddN ARG_MAX:AddArgMax ARG_MIN:AddArgMin ' +
  'ASSIGN_VARIABLE:AddAssignVariable AVERAGE_POOL_2D:AddAveragePool2D BATCH_MATMUL:AddBatchMatMul ' +
  'BATCH_TO_SPACE_ND:AddBatchToSpaceNd BROADCAST_ARGS:AddBroadcastArgs BROADCAST_TO:AddBroadcastTo ' +
  'CALL_ONCE:AddCallOnce CAST:AddCast CEIL:AddCeil CONCATENATION:AddConcatenation CONV_2D:AddConv2D ' +
  'COS:AddCos CUMSUM:AddCumSum DEPTHWISE_CONV_2D:AddDepthwiseConv2D DEPTH_TO_SPACE:AddDepthToSpace ' +
  'DEQUANTIZE:AddDequantize DIV:AddDiv DYNAMIC_UPDATE_SLICE:AddDynamicUpdateSlice ELU:AddElu ' +
  'EMBEDDING_LOOKUP:AddEmbeddingLookup EQUAL:AddEqual EXP:AddExp EXPAND_DIMS:AddExpandDims ' +
  'FILL:AddFill FLOOR:AddFloor FLOOR_DIV:AddFloorDiv FLOOR_MOD:AddFloorMod ' +
  'FULLY_CONNECTED:AddFullyConnected GATHER:AddGather GATHER_ND:AddGatherNd GREATER:AddGreater ' +
  'GREATER_EQUAL:AddGreaterEqual HARD_SWISH:AddHardSwish IF:AddIf L2_NORMALIZATION:AddL2Normalization ' +
  'L2_POOL_2D:AddL2Pool2D LEAKY_RELU:AddLeakyRelu LESS:AddLess LESS_EQUAL:AddLessEqual LOG:AddLog ' +
  'LOGICAL_AND:AddLogicalAnd LOGICAL_NOT:AddLogicalNot LOGICAL_OR:AddLogicalOr LOGISTIC:AddLogistic ' +
  'LOG_SOFTMAX:AddLogSoftmax MAXIMUM:AddMaximum MAX_POOL_2D:AddMaxPool2D MEAN:AddMean ' +
  'MINIMUM:AddMinimum MIRROR_PAD:AddMirrorPad MUL:AddMul NEG:AddNeg NOT_EQUAL:AddNotEqual PACK:AddPack ' +
  'PAD:AddPad PADV2:AddPadV2 PRELU:AddPrelu QUANTIZE:AddQuantize READ_VARIABLE:AddReadVariable ' +
  'REDUCE_ALL:AddReduceAll REDUCE_MAX:AddReduceMax REDUCE_MIN:AddReduceMin RELU:AddRelu RELU6:AddRelu6 ' +
  'RESHAPE:AddReshape RESIZE_BILINEAR:AddResizeBilinear ' +
  'RESIZE_NEAREST_NEIGHBOR:AddResizeNearestNeighbor REVERSE_V2:AddReverseV2 ROUND:AddRound ' +
  'RSQRT:AddRsqrt SELECT_V2:AddSelectV2 SHAPE:AddShape SIN:AddSin SLICE:AddSlice SOFTMAX:AddSoftmax ' +
  'SPACE_TO_BATCH_ND:AddSpaceToBatchNd SPACE_TO_DEPTH:AddSpaceToDepth SPLIT:AddSplit SPLIT_V:AddSplitV ' +
  'SQRT:AddSqrt SQUARE:AddSquare SQUARED_DIFFERENCE:AddSquaredDifference SQUEEZE:AddSqueeze ' +
  'STRIDED_SLICE:AddStridedSlice SUB:AddSub SUM:AddSum SVDF:AddSvdf TANH:AddTanh ' +
  'TRANSPOSE:AddTranspose TRANSPOSE_CONV:AddTransposeConv ' +
  'UNIDIRECTIONAL_SEQUENCE_LSTM:AddUnidirectionalSequenceLSTM UNPACK:AddUnpack VAR_HANDLE:AddVarHandle ' +
  'WHILE:AddWhile ZEROS_LIKE:AddZerosLike';

/** `BUILTIN_NAME → AddMethod` pairs from a micro_mutable_op_resolver.h, CUSTOM excluded. */
function resolverMethodsOf(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  let method: string | null = null;
  for (const line of header.split('\n')) {
    const m = /TfLiteStatus (Add\w+)\(/.exec(line);
    if (m) method = m[1];
    const b = /BuiltinOperator_(\w+)/.exec(line);
    if (b && method) {
      if (b[1] !== 'CUSTOM') out[b[1]] = method;
      method = null;
    }
  }
  return out;
}

const tflmHeader = process.env.TFLM_DIR ? join(process.env.TFLM_DIR, 'tensorflow/lite/micro/micro_mutable_op_resolver.h') : '';
if (!existsSync(tflmHeader) && process.env.TINYFORGE_REQUIRE_TFLM === '1') {
  throw new Error('TFLM_DIR (a tflite-micro checkout) is required (TINYFORGE_REQUIRE_TFLM=1) but not set or without tensorflow/lite/micro/micro_mutable_op_resolver.h');
}

describe('TFLM engine: no drift from TFLM\'s op resolver', () => {
  it('registers every op TFLM 90b983c2 registers, by the same method, and nothing else', () => {
    const facts = Object.fromEntries(TFLM_90B983C2.trim().split(/\s+/).map((p) => p.split(':')));
    expect(Object.keys(facts)).toHaveLength(100);
    expect(Object.fromEntries(Object.entries(TFLM_RESOLVER).sort())).toEqual(Object.fromEntries(Object.entries(facts).sort()));
  });

  it.skipIf(!existsSync(tflmHeader))('registers every op the micro_mutable_op_resolver.h under TFLM_DIR registers (a newer TFLM: add its ops)', () => {
    const live = resolverMethodsOf(readFileSync(tflmHeader, 'utf8'));
    expect(Object.keys(live).length).toBeGreaterThan(50);
    expect(Object.entries(live).filter(([b, m]) => TFLM_RESOLVER[b] !== m)).toEqual([]);
  });
});
