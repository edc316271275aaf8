/**
 * The reader's and writer's view of the per-operator facts, derived from the op registry
 * (src/ops/): builtin codes and names, the op versions the TFLite converter writes, the minimum
 * runtime version each implies, TFLM op-resolver method names, and each op's BuiltinOptions slot.
 */
import type { Graph, OpName, Operator } from '../core/graph.js';
import { OP_NAMES, OPS } from '../ops/registry.js';
import { BuiltinOperator } from './generated/tflite/builtin-operator.js';

/** TFLite BuiltinOperator code per op (from the op registry). */
export const BUILTIN_CODE: Record<OpName, number> = Object.fromEntries(OP_NAMES.map((n) => [n, OPS[n].builtinCode])) as Record<OpName, number>;

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
 * The op version the TFLite converter assigns, from the operator and its tensors' dtypes: each op
 * module's `version` (tensorflow/lite/tools/versioning/op_version.cc, the branches reachable for
 * tinyforge's ops; cross-checked against the converter-made models in shared/vectors: int8 CONV_2D 3,
 * DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 4, SOFTMAX 2, MEAN 2, RESHAPE 1, AVERAGE_POOL_2D 2).
 */
export function opVersion(o: Operator, g: Graph): number {
  return OPS[o.op].version(o, g);
}

/**
 * Minimum TFLite runtime version per (op, version), for the `min_runtime_version` metadata.
 * Source: tensorflow/lite/tools/versioning/runtime_version.cc (FindMinimumRuntimeVersionForOp).
 * Unknown pairs contribute nothing. Checked: the converter wrote "1.14.0" into hello_world_int8 and magic_wand.
 */
const MIN_RUNTIME: Record<string, string> = Object.fromEntries(
  OP_NAMES.flatMap((n) => Object.entries(OPS[n].minRuntime).map(([v, r]) => [`${n}/${v}`, r])),
);

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
export const TFLM_RESOLVER_METHOD: Record<OpName, string> = Object.fromEntries(OP_NAMES.map((n) => [n, OPS[n].tflm.resolver])) as Record<OpName, string>;

/** BuiltinOptions union slot (1-based, official order) for each op's options; 0 = the op has none. */
export const OPTIONS_SLOT: Record<OpName, number> = Object.fromEntries(OP_NAMES.map((n) => [n, OPS[n].optionsSlot])) as Record<OpName, number>;
