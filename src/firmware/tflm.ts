/**
 * What the TFLM engine (firmware/tflm/tf_engine_tflm.cpp) needs generated for one model: the op
 * resolver holding exactly the model's ops, the arena size, and the facts INFO reports.
 *
 * Arena estimate (bytes): TFLM's arena holds (a) the activation tensors, placed by its greedy
 * memory planner, and (b) per-tensor and per-operator bookkeeping (TfLiteTensor / TfLiteEvalTensor
 * structs, node user data such as per-channel multipliers and shifts). For (a) we take the peak of
 * simultaneously live activation bytes in execution order, times 1.25 for planner fragmentation,
 * capped by the sum of all activations (never needed beyond it); for (b) 96 bytes per tensor,
 * 256 per operator plus 8 per output channel of weighted ops (OpDef.weights: convolutions and
 * fully-connected layers), and
 * 1 KiB fixed. Every size is rounded to 16. Checked against TFLM 90b983c2 (docs/tflm-engine.md):
 * for the shared vectors models and a tinyforge model it is 1.3-2x TFLM's arena_used_bytes() on
 * x86-64 (reference kernels) and on Cortex-M4 (CMSIS-NN kernels, scratch buffers included), and above
 * the smallest arena that runs on x86-64, which is larger than on 32-bit targets.
 */
import { DTYPE_BYTES, numElements, type Graph, type TfliteModel } from '../core/graph.js';
import { cBytes, cHeader, cString, type GeneratedFile } from '../core/cemit.js';
import { unsupported } from '../core/errors.js';
import { findOp } from '../ops/registry.js';
import { tflmResolverMethod } from './tflm-resolver.js';
import { MAX_OUTPUT_TENSORS } from './model-settings.js';

/**
 * The distinct ops of a graph, sorted by name (the resolver's registration order): registry ops
 * and, in a graph read with `tflmOnlyOps`, builtin ops only TFLM implements (by TFLite name).
 */
export function modelOps(graph: Graph): string[] {
  return [...new Set(graph.operators.map((o) => o.op as string))].sort();
}

/**
 * The CMSIS-NN entry points the TFLM kernels of exactly these ops call (from the op registry),
 * sorted, without repeats. The engine references only these, so a model links no other CMSIS-NN
 * kernel (a weak reference to a defined function keeps it alive through --gc-sections).
 */
export function cmsisNnEntryPoints(ops: readonly string[]): string[] {
  // Ops outside the registry name no CMSIS-NN entry points: the engine then reports plain "tflm" unless another op links CMSIS-NN.
  return [...new Set(ops.flatMap((op) => findOp(op)?.tflm.cmsisNn ?? []))].sort();
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

function tensorBytes(graph: Graph, i: number): number {
  const t = graph.tensors[i];
  return align16(numElements(t.shape) * (DTYPE_BYTES[t.dtype] || 1));
}

/** Estimated TFLM arena bytes for a graph (see the file comment for the formula). */
export function estimateArenaBytes(graph: Graph): number {
  const isActivation = (i: number) => i >= 0 && !graph.tensors[i].data;
  // Liveness: an activation is live from the op that produces it (graph inputs: from the start)
  // to the last op that reads it (graph outputs: to the end).
  const n = graph.operators.length;
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (const i of graph.inputs) if (isActivation(i)) first.set(i, 0);
  graph.operators.forEach((op, k) => {
    for (const i of op.outputs) if (isActivation(i) && !first.has(i)) first.set(i, k);
    for (const i of [...op.inputs, ...op.outputs]) if (isActivation(i)) last.set(i, k);
  });
  for (const i of graph.outputs) if (isActivation(i)) last.set(i, n);
  let peak = 0;
  for (let k = 0; k <= n; k++) {
    let live = 0;
    for (const [i, f] of first) if (f <= k && (last.get(i) ?? f) >= k) live += tensorBytes(graph, i);
    peak = Math.max(peak, live);
  }
  let total = 0;
  for (const i of first.keys()) total += tensorBytes(graph, i);
  const planned = Math.min(total, align16(Math.ceil(peak * 1.25)));
  let bookkeeping = 1024 + 96 * graph.tensors.length;
  for (const op of graph.operators) {
    bookkeeping += 256;
    // Per-channel multipliers and shifts: the registry's weighted ops.
    if (findOp(op.op)?.weights) {
      const out = graph.tensors[op.outputs[0]];
      bookkeeping += 8 * (out.shape[out.shape.length - 1] ?? 1);
    }
  }
  return align16(planned + bookkeeping);
}

export interface TflmConfigInput {
  model: TfliteModel;
  modelSha256: string;
  /** Override the estimated arena size (bytes). */
  arenaBytes?: number;
}

/** `tf_engine_tflm_config.h`: resolver registration, the model's CMSIS-NN references, arena size, op names and model hash. */
export function tflmConfigHeader({ model, modelSha256, arenaBytes }: TflmConfigInput): GeneratedFile {
  const g = model.graph;
  if (g.inputs.length !== 1 || g.outputs.length < 1 || g.outputs.length > MAX_OUTPUT_TENSORS) {
    throw unsupported(`the TFLM engine serves models with one input and 1–${MAX_OUTPUT_TENSORS} outputs (this one has ${g.inputs.length} and ${g.outputs.length})`, {
      remedy: 'export the model with a single input tensor',
    });
  }
  const ops = modelOps(g);
  const resolver = ops.map(tflmResolverMethod);
  const cmsis = cmsisNnEntryPoints(ops);
  const arena = align16(arenaBytes ?? estimateArenaBytes(g));
  const sha = Uint8Array.from(modelSha256.match(/../g)!.map((h) => parseInt(h, 16)));
  const body = [
    '// Included once, by tf_engine_tflm.cpp (C++).',
    `#define TF_TFLM_OP_COUNT ${ops.length}`,
    `#define TF_TFLM_ARENA_BYTES ${arena}`,
    '',
    '// Registers exactly the model\'s builtin ops; kTfLiteOk from every call means success.',
    'template <typename Resolver>',
    'static bool tf_tflm_register_ops(Resolver& r) {',
    '  bool ok = true;',
    ...resolver.map((m) => `  ok = ok && r.${m}() == kTfLiteOk;`),
    '  return ok;',
    '}',
    '',
    "// The CMSIS-NN entry points of this model's kernels, referenced weakly: non-null exactly when the",
    '// linked TFLM kernels are the CMSIS-NN ones. Only these: a reference keeps a kernel in the image.',
    ...(cmsis.length ? ['extern "C" {', ...cmsis.map((f) => `void ${f}(void) __attribute__((weak));`), '}'] : []),
    `static inline bool tf_tflm_cmsis_nn_linked() { return ${cmsis.length ? cmsis.map((f) => `${f} != nullptr`).join(' || ') : 'false'}; }`,
    '',
    `static const char* const tf_tflm_op_names[TF_TFLM_OP_COUNT] = {${ops.map(cString).join(', ')}};`,
    '',
    'static const uint8_t tf_tflm_model_sha256[32] = {',
    cBytes(sha, 16),
    '};',
  ].join('\n');
  return cHeader('tf_engine_tflm_config.h', body, { provenance: `model sha256 ${modelSha256}`, includes: ['<stdint.h>'] });
}
