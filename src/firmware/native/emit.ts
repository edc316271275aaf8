/**
 * The native engine generator: turns an int8 TfliteModel into `tf_model_native.c`, a
 * straight-line implementation of firmware/core/tf_engine.h over the portable kernels in
 * firmware/native/ (tf_kernels.h). No interpreter, no runtime allocation:
 *
 * - the op schedule is a sequence of kernel calls in graph order;
 * - weights (int8), biases (int32) and per-channel multipliers/shifts are `static const` arrays;
 *   every float-derived parameter (multipliers, shifts, padding, activation clamps, softmax
 *   diff_min, …) is computed here exactly as TFLM's Prepare() does (see quant.ts);
 * - activations live in one `static uint8_t tf_arena[N]` at offsets planned offline from tensor
 *   lifetimes (arena.ts); a RESHAPE output shares its input's region.
 *
 * Pure: model in, files out. Unsupported ops/dtypes throw TinyforgeError('unsupported').
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cFloat, cInts, cSource, type GeneratedFile } from '../../core/cemit.js';
import { badInput, unsupported } from '../../core/errors.js';
import { DTYPE_BYTES, numElements, type Activation, type Graph, type Operator, type Tensor, type TfliteModel } from '../../core/graph.js';
import { planArena, type ArenaRequest } from './arena.js';
import { DSP_HEADER, dspConvTaps, dspScratchBytes, emitDspConv, emitDspFc, emitDspWrapped } from './dsp/emit.js';
import {
  activationRange,
  computeOutSize,
  computePadding,
  frexp,
  inputRadius,
  meanMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  type QuantizedMultiplier,
} from './quant.js';

export interface NativeEngineOptions {
  /** SHA-256 of the .tflite the model came from, 64 hex digits. */
  modelSha256: string;
  /** Target has the Arm DSP extension (Cortex-M4/M7/M33): use the specialised kernels of firmware/native/dsp/. */
  dsp?: boolean;
}

export interface NativeEngineResult {
  files: GeneratedFile[];
  /** Bytes of the statically planned activation arena. */
  arenaBytes: number;
  /** One entry per graph operator, in execution order: the op and the kernel that runs it. */
  schedule: { op: string; kernel: string; scratchBytes: number }[];
}

/** Name of the generated source file (relative to the firmware project's source folder). */
export const NATIVE_MODEL_FILE = 'tf_model_native.c';

const NATIVE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'firmware', 'native');

/**
 * The static (hand-written) files of the native engine to copy next to the generated
 * tf_model_native.c: absolute paths of the kernel headers and sources under firmware/native/.
 * The generated file also includes firmware/core/tf_engine.h.
 */
export function nativeKernelFiles(opts: { dsp?: boolean } = {}): string[] {
  const portable = ['tf_fixedpoint.h', 'tf_kernels.h', 'tf_k_activation.c', 'tf_k_conv.c', 'tf_k_elementwise.c', 'tf_k_fc.c', 'tf_k_pool.c'];
  const dsp = opts.dsp ? ['dsp/tf_acle_emul.h', 'dsp/' + DSP_HEADER, 'dsp/tf_k_depthwise_dsp.c'] : [];
  return [...portable, ...dsp].map((f) => join(NATIVE_DIR, f));
}

const REMEDY_TFLM = 'build the firmware with the TFLM engine (--engine tflm), which supports more ops and types';

interface Ctx {
  g: Graph;
  decls: string[];
  constEmitted: Map<number, string>;
  /** C expression of each non-constant tensor's data pointer (uint8_t* into the arena). */
  arenaExpr: (t: number) => string;
  /** DSP targets: the scratch region of operator i (uint8_t* into the arena). */
  dsp?: { scratchExpr: (i: number) => string };
}

export function emitNativeEngine(model: TfliteModel, opts: NativeEngineOptions): NativeEngineResult {
  const sha = opts.modelSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) {
    throw badInput(`model SHA-256 "${opts.modelSha256}" is not 64 hex digits`, { remedy: 'pass the hex SHA-256 of the .tflite file' });
  }
  const g = model.graph;
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw unsupported(`the native engine needs exactly one graph input and one output (this model has ${g.inputs.length} and ${g.outputs.length})`, {
      remedy: 'export a single-input, single-output model',
    });
  }
  for (const t of [...g.inputs, ...g.outputs]) {
    if (g.tensors[t]?.data) throw badInput(`graph input/output tensor ${t} is a constant`, { remedy: 'check the model file' });
  }

  // Lifetimes and RESHAPE aliasing (union of a reshape's output with its non-constant input).
  const nOps = g.operators.length;
  const group = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (group.has(r) && group.get(r) !== r) r = group.get(r)!;
    return r;
  };
  const isConst = (t: number) => t >= 0 && g.tensors[t].data !== undefined;
  const life = new Map<number, { first: number; last: number }>();
  const touch = (t: number, step: number) => {
    if (t < 0 || isConst(t)) return;
    const l = life.get(t);
    if (!l) life.set(t, { first: step, last: step });
    else {
      l.first = Math.min(l.first, step);
      l.last = Math.max(l.last, step);
    }
  };
  for (const t of g.inputs) touch(t, 0);
  g.operators.forEach((op, i) => {
    for (const t of op.inputs) touch(t, i);
    for (const t of op.outputs) touch(t, i);
  });
  for (const t of g.outputs) touch(t, Math.max(nOps, 0));
  for (const op of g.operators) {
    if (op.op === 'RESHAPE' && !isConst(op.inputs[0]) && op.outputs[0] !== undefined) {
      group.set(find(op.outputs[0]), find(op.inputs[0]));
    }
  }
  const groups = new Map<number, ArenaRequest>();
  for (const [t, l] of life) {
    const tensor = g.tensors[t];
    const bytes = tensorBytes(tensor, t);
    const root = find(t);
    const r = groups.get(root);
    if (!r) groups.set(root, { id: root, size: bytes, first: l.first, last: l.last });
    else {
      r.size = Math.max(r.size, bytes);
      r.first = Math.min(r.first, l.first);
      r.last = Math.max(r.last, l.last);
    }
  }
  // Kernel scratch lives in the arena for the one step that needs it (ids below every tensor's).
  const scratch = g.operators.map((op) => (opts.dsp ? dspScratchBytes(g, op) : 0));
  const scratchRequests = scratch.flatMap((size, i) => (size ? [{ id: -1 - i, size, first: i, last: i }] : []));
  const plan = planArena([...groups.values(), ...scratchRequests].sort((a, b) => a.id - b.id), 16);
  const offsetOf = (t: number) => plan.offsets.get(find(t))!;

  const ctx: Ctx = {
    g,
    decls: [],
    constEmitted: new Map(),
    arenaExpr: (t) => `(tf_arena + ${offsetOf(t)})`,
    ...(opts.dsp ? { dsp: { scratchExpr: (i: number) => `(tf_arena + ${plan.offsets.get(-1 - i)})` } } : {}),
  };
  const calls: string[] = [];
  const schedule: { op: string; kernel: string; scratchBytes: number }[] = [];
  g.operators.forEach((op, i) => {
    const { call, kernel } = emitOp(ctx, op, i);
    calls.push(`  /* ${i}: ${op.op} */`);
    if (call) calls.push(`  if (${call} != 0) return -3;`);
    schedule.push({ op: op.op, kernel, scratchBytes: kernel.startsWith('tf_dsp_') ? scratch[i] : 0 });
  });

  const inT = g.inputs[0];
  const outT = g.outputs[0];
  const inBytes = tensorBytes(g.tensors[inT], inT);
  const outBytes = tensorBytes(g.tensors[outT], outT);
  const opNames = [...new Set(g.operators.map((o) => o.op))];
  const shaBytes = Array.from({ length: 32 }, (_, i) => parseInt(sha.slice(2 * i, 2 * i + 2), 16));
  const arenaBytes = Math.max(plan.bytes, 16);

  const body = [
    `// Native engine for this model: ${nOps} operators, arena ${plan.bytes} bytes, planned offline.`,
    `#define TF_NATIVE_ARENA_BYTES ${arenaBytes}u`,
    `#define TF_NATIVE_INPUT_OFFSET ${offsetOf(inT)}u`,
    `#define TF_NATIVE_INPUT_BYTES ${inBytes}u`,
    `#define TF_NATIVE_OUTPUT_OFFSET ${offsetOf(outT)}u`,
    `#define TF_NATIVE_OUTPUT_BYTES ${outBytes}u`,
    '',
    'static uint8_t tf_arena[TF_NATIVE_ARENA_BYTES] __attribute__((aligned(16)));',
    'static int tf_initialised;',
    '',
    ...ctx.decls,
    `static const uint8_t tf_model_sha256[32] = {\n${cInts(shaBytes, 16)}\n};`,
    `static const char* const tf_op_names[${opNames.length || 1}] = {${opNames.length ? opNames.map((n) => `"${n}"`).join(', ') : '""'}};`,
    '',
    'int tf_engine_init(void) {',
    '  memset(tf_arena, 0, sizeof tf_arena);',
    '  tf_initialised = 1;',
    '  return 0;',
    '}',
    '',
    'void tf_engine_info(tf_engine_info_t* info) {',
    '  info->name = "native";',
    `  info->arena_bytes = ${plan.bytes}u;`,
    '  info->arena_capacity = TF_NATIVE_ARENA_BYTES;',
    '  info->input_bytes = TF_NATIVE_INPUT_BYTES;',
    '  info->output_bytes = TF_NATIVE_OUTPUT_BYTES;',
    '  info->model_sha256 = tf_model_sha256;',
    '  info->op_names = tf_op_names;',
    `  info->op_count = ${opNames.length}u;`,
    '}',
    '',
    'int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len) {',
    '  if (!tf_initialised) return -1;',
    '  if (input_len != TF_NATIVE_INPUT_BYTES || output_len != TF_NATIVE_OUTPUT_BYTES) return -2;',
    '  memcpy(tf_arena + TF_NATIVE_INPUT_OFFSET, input, TF_NATIVE_INPUT_BYTES);',
    ...calls,
    '  memcpy(output, tf_arena + TF_NATIVE_OUTPUT_OFFSET, TF_NATIVE_OUTPUT_BYTES);',
    '  return 0;',
    '}',
  ].join('\n');
  const file = cSource(NATIVE_MODEL_FILE, body, {
    provenance: `model sha256 ${sha}`,
    includes: ['<stddef.h>', '<stdint.h>', '<string.h>', 'tf_engine.h', 'tf_kernels.h', ...(opts.dsp ? [DSP_HEADER] : [])],
  });
  return { files: [file], arenaBytes: plan.bytes, schedule };
}

function tensorBytes(t: Tensor, index: number): number {
  const per = DTYPE_BYTES[t.dtype];
  if (!per) throw unsupported(`tensor ${index} "${t.name}" has dtype ${t.dtype}`, { remedy: REMEDY_TFLM });
  return numElements(t.shape) * per;
}

// ---------------------------------------------------------------------------------------------
// Per-op emission

function tensorOf(ctx: Ctx, op: Operator, i: number, which: 'in' | 'out', k: number): Tensor {
  const idx = which === 'in' ? op.inputs[k] : op.outputs[k];
  const t = idx === undefined || idx < 0 ? undefined : ctx.g.tensors[idx];
  if (!t) throw badInput(`operator ${i} (${op.op}) has no ${which}put ${k}`, { remedy: 'check the model file' });
  return t;
}

function need(cond: boolean, op: string, i: number, what: string): void {
  if (!cond) throw unsupported(`operator ${i} (${op}): ${what} is not supported by the native engine`, { remedy: REMEDY_TFLM });
}

function qp(t: Tensor, op: string, i: number): { scale: number; zp: number } {
  need(!!t.quant && t.quant.scale.length >= 1, op, i, `tensor "${t.name}" without quantisation`);
  return { scale: Math.fround(t.quant!.scale[0]), zp: t.quant!.zeroPoint[0] ?? 0 };
}

function int8(t: Tensor, op: string, i: number): void {
  need(t.dtype === 'int8', op, i, `dtype ${t.dtype} for tensor "${t.name}"`);
}

function act(a: Activation, op: string, i: number, out: { scale: number; zp: number }): { min: number; max: number } {
  need(a === 'NONE' || a === 'RELU' || a === 'RELU6' || a === 'RELU_N1_TO_1', op, i, `fused activation ${a}`);
  return activationRange(a, out.scale, out.zp);
}

/** Pointer expression for an op's data input: an arena region or a const array. */
function dataPtr(ctx: Ctx, op: Operator, k: number, ctype: 'int8_t' | 'float'): string {
  const t = op.inputs[k];
  if (ctx.g.tensors[t].data) return constArray(ctx, t);
  return `(const ${ctype}*)${ctx.arenaExpr(t)}`;
}

function outPtr(ctx: Ctx, op: Operator, ctype: 'int8_t' | 'float'): string {
  return `(${ctype}*)${ctx.arenaExpr(op.outputs[0])}`;
}

function constArray(ctx: Ctx, t: number): string {
  const have = ctx.constEmitted.get(t);
  if (have) return have;
  const tensor = ctx.g.tensors[t];
  const data = tensor.data!;
  const name = `tf_const_${t}`;
  let decl: string;
  if (tensor.dtype === 'int8') {
    const v = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
    decl = `static const int8_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 24)}\n};`;
  } else if (tensor.dtype === 'int32') {
    const v = readInt32s(data);
    decl = `static const int32_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 12)}\n};`;
  } else {
    throw unsupported(`constant tensor ${t} "${tensor.name}" has dtype ${tensor.dtype}`, { remedy: REMEDY_TFLM });
  }
  ctx.decls.push(`/* tensor ${t}: ${tensor.name.replace(/\*\//g, '* /')} [${tensor.shape.join(',')}] */`, decl);
  ctx.constEmitted.set(t, name);
  return name;
}

function readInt32s(data: Uint8Array): number[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let o = 0; o + 4 <= data.byteLength; o += 4) out.push(dv.getInt32(o, true));
  return out;
}

function emitMultipliers(ctx: Ctx, i: number, ms: QuantizedMultiplier[]): { mult: string; shift: string } {
  const mult = `tf_op${i}_multiplier`;
  const shift = `tf_op${i}_shift`;
  ctx.decls.push(
    `static const int32_t ${mult}[${ms.length}] = {\n${cInts(ms.map((m) => m.multiplier), 8)}\n};`,
    `static const int32_t ${shift}[${ms.length}] = {\n${cInts(ms.map((m) => m.shift), 16)}\n};`,
  );
  return { mult, shift };
}

function structDecl(ctx: Ctx, type: string, name: string, fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `    .${k} = ${v},`)
    .join('\n');
  ctx.decls.push(`static const ${type} ${name} = {\n${body}\n};`);
  return `&${name}`;
}

function c4(v: number[]): string {
  return `{${v.join(', ')}}`;
}

function biasPtr(ctx: Ctx, op: Operator, i: number, channels: number): string {
  const b = checkBias(ctx, op, i, channels);
  return b === null ? 'NULL' : constArray(ctx, b);
}

/** The bias tensor index (null for none) after checking dtype, constness and length. */
function checkBias(ctx: Ctx, op: Operator, i: number, channels: number): number | null {
  const b = op.inputs[2];
  if (b === undefined || b < 0) return null;
  const t = ctx.g.tensors[b];
  need(t.dtype === 'int32' && !!t.data, op.op, i, `bias "${t.name}" of dtype ${t.dtype}${t.data ? '' : ' (not constant)'}`);
  if (numElements(t.shape) !== channels) throw badInput(`operator ${i} (${op.op}): bias has ${numElements(t.shape)} values for ${channels} channels`, { remedy: 'check the model file' });
  return b;
}

function emitOp(ctx: Ctx, op: Operator, i: number): { call: string | null; kernel: string } {
  switch (op.op) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D':
      return emitConv(ctx, op, i);
    case 'FULLY_CONNECTED':
      return emitFc(ctx, op, i);
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D':
      return emitPool(ctx, op, i);
    case 'MEAN':
      return emitMean(ctx, op, i);
    case 'SOFTMAX':
      return emitSoftmax(ctx, op, i);
    case 'LOGISTIC':
    case 'TANH':
      return emitSigmoid(ctx, op, i);
    case 'ADD':
    case 'MUL':
      return emitBinary(ctx, op, i);
    case 'QUANTIZE':
      return emitQuantize(ctx, op, i);
    case 'DEQUANTIZE':
      return emitDequantize(ctx, op, i);
    case 'RELU':
    case 'RELU6':
      return emitRelu(ctx, op, i);
    case 'RESHAPE':
      return emitReshape(ctx, op, i);
    default:
      throw unsupported(`operator ${i}: ${(op as Operator).op} is not supported by the native engine`, { remedy: REMEDY_TFLM });
  }
}

function emitConv(ctx: Ctx, op: Extract<Operator, { op: 'CONV_2D' | 'DEPTHWISE_CONV_2D' }>, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const filter = tensorOf(ctx, op, i, 'in', 1);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(filter, op.op, i);
  int8(output, op.op, i);
  need(input.shape.length === 4 && filter.shape.length === 4 && output.shape.length === 4, op.op, i, 'a non-4-D tensor');
  need(!!filter.data, op.op, i, 'a non-constant filter');
  const o = op.options;
  const [n, inH, inW, inC] = input.shape;
  const [, outH, outW, outC] = output.shape;
  const fH = filter.shape[1];
  const fW = filter.shape[2];
  const dw = op.op === 'DEPTHWISE_CONV_2D';
  const expH = computeOutSize(o.padding, inH, fH, o.strideH, o.dilationH);
  const expW = computeOutSize(o.padding, inW, fW, o.strideW, o.dilationW);
  if (expH !== outH || expW !== outW || output.shape[0] !== n) {
    throw badInput(`operator ${i} (${op.op}): output shape [${output.shape}] does not match the ${o.padding} convolution of [${input.shape}] (expected [${n},${expH},${expW},${outC}])`, { remedy: 'check the model file' });
  }
  const filterInC = dw ? 1 : filter.shape[3];
  if (dw) {
    const dm = (op.options as { depthMultiplier: number }).depthMultiplier;
    if (filter.shape[3] !== outC || outC % inC !== 0 || (dm > 0 && inC * dm !== outC)) {
      throw badInput(`operator ${i} (DEPTHWISE_CONV_2D): channels in ${inC}, out ${outC}, filter [${filter.shape}] are inconsistent`, { remedy: 'check the model file' });
    }
  } else if (filter.shape[0] !== outC || inC % filterInC !== 0 || outC % (inC / filterInC) !== 0) {
    throw badInput(`operator ${i} (CONV_2D): channels in ${inC}, out ${outC}, filter [${filter.shape}] are inconsistent`, { remedy: 'check the model file' });
  }
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  const fScales = filter.quant?.scale ?? [];
  need(fScales.length === 1 || fScales.length === outC, op.op, i, `${fScales.length} filter scales for ${outC} channels`);
  // PopulateConvolutionQuantizationParams: double(input) * double(filter) / double(output).
  const ms = Array.from({ length: outC }, (_, c) => quantizeMultiplier((iq.scale * Math.fround(fScales[fScales.length === 1 ? 0 : c])) / oq.scale));
  const { mult, shift } = emitMultipliers(ctx, i, ms);
  const a = act(o.fusedActivation, op.op, i, oq);
  const fields = {
    batches: n,
    in_h: inH,
    in_w: inW,
    in_c: inC,
    out_h: outH,
    out_w: outW,
    out_c: outC,
    filter_h: fH,
    filter_w: fW,
    filter_in_c: filterInC,
    depth_multiplier: dw ? outC / inC : 1,
    stride_h: o.strideH,
    stride_w: o.strideW,
    dilation_h: o.dilationH,
    dilation_w: o.dilationW,
    pad_h: computePadding(o.strideH, o.dilationH, inH, fH, outH),
    pad_w: computePadding(o.strideW, o.dilationW, inW, fW, outW),
    input_offset: -iq.zp,
    output_offset: oq.zp,
    act_min: a.min,
    act_max: a.max,
    multiplier: mult,
    shift,
  };
  if (ctx.dsp && dspConvTaps(ctx.g, op)) {
    const d = emitDspConv(ctx.g, op, { index: i, fields, multipliers: ms.map((m) => m.multiplier), ...dspData(ctx, op, i, outC), input: dataPtr(ctx, op, 0, 'int8_t'), output: outPtr(ctx, op, 'int8_t'), scratch: ctx.dsp.scratchExpr(i) });
    ctx.decls.push(...d.decls);
    return d;
  }
  const params = structDecl(ctx, 'tf_conv_params_t', `tf_op${i}_params`, fields);
  const kernel = dw ? 'tf_k_depthwise_conv2d_s8' : 'tf_k_conv2d_s8';
  const call = `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${constArray(ctx, op.inputs[1])}, ${biasPtr(ctx, op, i, outC)}, ${outPtr(ctx, op, 'int8_t')})`;
  return { call, kernel };
}

function emitFc(ctx: Ctx, op: Extract<Operator, { op: 'FULLY_CONNECTED' }>, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const filter = tensorOf(ctx, op, i, 'in', 1);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(filter, op.op, i);
  int8(output, op.op, i);
  need(!!filter.data && filter.shape.length === 2, op.op, i, 'a non-constant or non-2-D filter');
  const [units, accum] = filter.shape;
  const outDepth = output.shape[output.shape.length - 1];
  const batches = numElements(output.shape) / outDepth;
  if (outDepth !== units || numElements(input.shape) !== batches * accum) {
    throw badInput(`operator ${i} (FULLY_CONNECTED): input [${input.shape}], filter [${filter.shape}] and output [${output.shape}] are inconsistent`, { remedy: 'check the model file' });
  }
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  const fq = qp(filter, op.op, i);
  const fScales = filter.quant!.scale;
  const perChannel = fScales.length > 1;
  let ms: QuantizedMultiplier[];
  if (perChannel) {
    need(fScales.length === units, op.op, i, `${fScales.length} filter scales for ${units} units`);
    ms = fScales.map((s) => quantizeMultiplier((iq.scale * Math.fround(s)) / oq.scale));
  } else {
    // GetQuantizedConvolutionMultipler multiplies the two scales in float32 first.
    ms = [quantizeMultiplier(Math.fround(iq.scale * fq.scale) / oq.scale)];
  }
  const { mult, shift } = emitMultipliers(ctx, i, ms);
  const a = act(op.options.fusedActivation, op.op, i, oq);
  const fields = {
    batches,
    accum_depth: accum,
    output_depth: outDepth,
    input_offset: -iq.zp,
    filter_offset: -fq.zp,
    output_offset: oq.zp,
    act_min: a.min,
    act_max: a.max,
    per_channel: perChannel ? 1 : 0,
    multiplier: mult,
    shift,
  };
  if (ctx.dsp) {
    const d = emitDspFc({ index: i, fields, multipliers: ms.map((m) => m.multiplier), ...dspData(ctx, op, i, units), input: dataPtr(ctx, op, 0, 'int8_t'), output: outPtr(ctx, op, 'int8_t') });
    ctx.decls.push(...d.decls);
    return d;
  }
  const params = structDecl(ctx, 'tf_fc_params_t', `tf_op${i}_params`, fields);
  const kernel = 'tf_k_fully_connected_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${constArray(ctx, op.inputs[1])}, ${biasPtr(ctx, op, i, units)}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

/** Filter and bias values of a conv/FC for the DSP emitter (which packs its own copies). */
function dspData(ctx: Ctx, op: Operator, i: number, channels: number): { filter: Int8Array; bias: Int32Array | null } {
  const f = ctx.g.tensors[op.inputs[1]].data!;
  const b = checkBias(ctx, op, i, channels);
  return { filter: new Int8Array(f.buffer, f.byteOffset, f.byteLength), bias: b === null ? null : Int32Array.from(readInt32s(ctx.g.tensors[b].data!)) };
}

function dspWrapped(ctx: Ctx, i: number, op: Operator, name: 'MAX_POOL_2D' | 'MEAN', params: string) {
  const d = emitDspWrapped(i, name, params, dataPtr(ctx, op, 0, 'int8_t'), outPtr(ctx, op, 'int8_t'));
  ctx.decls.push(...d.decls);
  return d;
}

function emitPool(ctx: Ctx, op: Extract<Operator, { op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D' }>, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(output, op.op, i);
  need(input.shape.length === 4 && output.shape.length === 4, op.op, i, 'a non-4-D tensor');
  const o = op.options;
  const [n, inH, inW, ch] = input.shape;
  const [, outH, outW] = output.shape;
  const expH = computeOutSize(o.padding, inH, o.filterH, o.strideH);
  const expW = computeOutSize(o.padding, inW, o.filterW, o.strideW);
  if (expH !== outH || expW !== outW || output.shape[3] !== ch || output.shape[0] !== n) {
    throw badInput(`operator ${i} (${op.op}): output shape [${output.shape}] does not match pooling [${input.shape}]`, { remedy: 'check the model file' });
  }
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  need(Math.abs(iq.scale - oq.scale) <= 1e-6 && iq.zp === oq.zp, op.op, i, 'different input and output quantisation');
  const a = act(o.fusedActivation, op.op, i, oq);
  const params = structDecl(ctx, 'tf_pool_params_t', `tf_op${i}_params`, {
    batches: n,
    in_h: inH,
    in_w: inW,
    channels: ch,
    out_h: outH,
    out_w: outW,
    filter_h: o.filterH,
    filter_w: o.filterW,
    stride_h: o.strideH,
    stride_w: o.strideW,
    pad_h: computePadding(o.strideH, 1, inH, o.filterH, outH),
    pad_w: computePadding(o.strideW, 1, inW, o.filterW, outW),
    act_min: a.min,
    act_max: a.max,
  });
  if (ctx.dsp && op.op === 'MAX_POOL_2D') return dspWrapped(ctx, i, op, 'MAX_POOL_2D', params);
  const kernel = op.op === 'AVERAGE_POOL_2D' ? 'tf_k_avg_pool_s8' : 'tf_k_max_pool_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitMean(ctx: Ctx, op: Extract<Operator, { op: 'MEAN' }>, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const axisT = tensorOf(ctx, op, i, 'in', 1);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(output, op.op, i);
  need(input.shape.length <= 4, op.op, i, `a ${input.shape.length}-D input`);
  need(axisT.dtype === 'int32' && !!axisT.data, op.op, i, 'a non-constant axis tensor');
  const rank = input.shape.length;
  const pad = 4 - rank;
  const dims = [...Array(pad).fill(1), ...input.shape];
  const reduce = [0, 0, 0, 0];
  for (const a of readInt32s(axisT.data!)) {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) throw badInput(`operator ${i} (MEAN): axis ${a} out of range for [${input.shape}]`, { remedy: 'check the model file' });
    reduce[r + pad] = 1;
  }
  const n = dims.reduce((acc, d, k) => (reduce[k] ? acc * d : acc), 1);
  const outCount = dims.reduce((acc, d, k) => (reduce[k] ? acc : acc * d), 1);
  if (outCount !== numElements(output.shape)) throw badInput(`operator ${i} (MEAN): output [${output.shape}] does not match the reduction of [${input.shape}]`, { remedy: 'check the model file' });
  need(n > 0, op.op, i, 'an empty reduction');
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  const m = meanMultiplier(quantizeMultiplier(iq.scale / oq.scale), n);
  const params = structDecl(ctx, 'tf_mean_params_t', `tf_op${i}_params`, {
    dims: c4(dims),
    reduce: c4(reduce),
    num_elements_in_axis: n,
    input_zero_point: iq.zp,
    output_zero_point: oq.zp,
    multiplier: m.multiplier,
    shift: m.shift,
  });
  if (ctx.dsp) return dspWrapped(ctx, i, op, 'MEAN', params);
  const kernel = 'tf_k_mean_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitSoftmax(ctx: Ctx, op: Extract<Operator, { op: 'SOFTMAX' }>, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(output, op.op, i);
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  need(oq.zp === -128 && oq.scale === 1 / 256, op.op, i, `output quantisation (scale ${oq.scale}, zero point ${oq.zp}; TFLM requires 1/256 and -128)`);
  const depth = input.shape[input.shape.length - 1] ?? 1;
  const beta = Math.fround(op.options.beta);
  // PreprocessSoftmaxScaling with kScaledDiffIntegerBits = 5, in double.
  const real = Math.min(beta * iq.scale * Math.pow(2, 31 - 5), 2147483647);
  need(real > 1, op.op, i, `input scale × beta = ${beta * iq.scale} (too small for TFLM's int8 softmax)`);
  const m = quantizeMultiplier(real);
  const params = structDecl(ctx, 'tf_softmax_params_t', `tf_op${i}_params`, {
    outer: numElements(input.shape) / depth,
    depth,
    input_multiplier: m.multiplier,
    input_left_shift: m.shift,
    diff_min: -inputRadius(5, m.shift),
  });
  const kernel = 'tf_k_softmax_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitSigmoid(ctx: Ctx, op: Operator, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(output, op.op, i);
  const iq = qp(input, op.op, i);
  const oq = qp(output, op.op, i);
  if (op.op === 'LOGISTIC') need(oq.zp === -128, op.op, i, `output zero point ${oq.zp} (TFLM requires -128)`);
  // TFLM: frexp(scale * 2^27), round(q * 2^31) without the 2^31 fix-up; int32 wrap-around as in C++.
  const { q, exp } = frexp(iq.scale * Math.pow(2, 31 - 4));
  need(exp >= 0 && exp < 31, op.op, i, `input scale ${iq.scale}`);
  const mult = roundHalfAway(q * 2147483648) | 0;
  const params = structDecl(ctx, 'tf_sigmoid_params_t', `tf_op${i}_params`, {
    size: numElements(input.shape),
    input_zero_point: iq.zp,
    input_range_radius: inputRadius(4, exp),
    input_multiplier: mult === -2147483648 ? '(-2147483647 - 1)' : mult,
    input_left_shift: exp,
  });
  const kernel = op.op === 'LOGISTIC' ? 'tf_k_logistic_s8' : 'tf_k_tanh_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function broadcastStrides(shape: number[], out: number[], op: string, i: number): number[] {
  need(shape.length <= 4 && out.length <= 4, op, i, 'tensors of rank > 4');
  const s = [...Array(4 - shape.length).fill(1), ...shape];
  const o = [...Array(4 - out.length).fill(1), ...out];
  const strides = [0, 0, 0, 0];
  let acc = 1;
  for (let k = 3; k >= 0; k--) {
    if (s[k] !== o[k] && s[k] !== 1) throw badInput(`operator ${i} (${op}): shape [${shape}] does not broadcast to [${out}]`, { remedy: 'check the model file' });
    strides[k] = s[k] === 1 ? 0 : acc;
    acc *= s[k];
  }
  return strides;
}

function emitBinary(ctx: Ctx, op: Extract<Operator, { op: 'ADD' | 'MUL' }>, i: number) {
  const in1 = tensorOf(ctx, op, i, 'in', 0);
  const in2 = tensorOf(ctx, op, i, 'in', 1);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(in1, op.op, i);
  int8(in2, op.op, i);
  int8(output, op.op, i);
  const q1 = qp(in1, op.op, i);
  const q2 = qp(in2, op.op, i);
  const oq = qp(output, op.op, i);
  const a = act(op.options.fusedActivation, op.op, i, oq);
  const outDims = [...Array(4 - Math.min(4, output.shape.length)).fill(1), ...output.shape];
  const fields: Record<string, string | number> = {
    out_dims: c4(outDims),
    in1_strides: c4(broadcastStrides(in1.shape, output.shape, op.op, i)),
    in2_strides: c4(broadcastStrides(in2.shape, output.shape, op.op, i)),
    input1_offset: -q1.zp,
    input2_offset: -q2.zp,
    output_offset: oq.zp,
  };
  if (op.op === 'ADD') {
    const leftShift = 20;
    const twiceMax = 2 * Math.max(q1.scale, q2.scale);
    const m1 = quantizeMultiplier(q1.scale / twiceMax);
    const m2 = quantizeMultiplier(q2.scale / twiceMax);
    const mo = quantizeMultiplier(twiceMax / ((1 << leftShift) * oq.scale));
    need(m1.shift <= 0 && m2.shift <= 0 && mo.shift <= 0, op.op, i, 'input/output scales whose ratio exceeds TFLM ADD limits');
    Object.assign(fields, {
      left_shift: leftShift,
      input1_multiplier: m1.multiplier,
      input1_shift: m1.shift,
      input2_multiplier: m2.multiplier,
      input2_shift: m2.shift,
      output_multiplier: mo.multiplier,
      output_shift: mo.shift,
    });
  } else {
    const mo = quantizeMultiplier((q1.scale * q2.scale) / oq.scale);
    Object.assign(fields, { left_shift: 0, input1_multiplier: 0, input1_shift: 0, input2_multiplier: 0, input2_shift: 0, output_multiplier: mo.multiplier, output_shift: mo.shift });
  }
  Object.assign(fields, { act_min: a.min, act_max: a.max });
  const params = structDecl(ctx, 'tf_binary_params_t', `tf_op${i}_params`, fields);
  const kernel = op.op === 'ADD' ? 'tf_k_add_s8' : 'tf_k_mul_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${dataPtr(ctx, op, 1, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitQuantize(ctx: Ctx, op: Operator, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(output, op.op, i);
  const oq = qp(output, op.op, i);
  const size = numElements(input.shape);
  if (input.dtype === 'float32') {
    const params = structDecl(ctx, 'tf_quantize_params_t', `tf_op${i}_params`, { size, scale: cFloat(oq.scale), zero_point: oq.zp });
    const kernel = 'tf_k_quantize_f32_s8';
    return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'float')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
  }
  need(input.dtype === 'int8', op.op, i, `input dtype ${input.dtype}`);
  const iq = qp(input, op.op, i);
  const m = quantizeMultiplier(iq.scale / oq.scale);
  const params = structDecl(ctx, 'tf_requantize_params_t', `tf_op${i}_params`, {
    size,
    input_zero_point: iq.zp,
    output_zero_point: oq.zp,
    multiplier: m.multiplier,
    shift: m.shift,
  });
  const kernel = 'tf_k_requantize_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitDequantize(ctx: Ctx, op: Operator, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  need(output.dtype === 'float32', op.op, i, `output dtype ${output.dtype}`);
  const iq = qp(input, op.op, i);
  const params = structDecl(ctx, 'tf_dequantize_params_t', `tf_op${i}_params`, {
    size: numElements(input.shape),
    scale: cDouble(iq.scale),
    zero_point: iq.zp,
  });
  const kernel = 'tf_k_dequantize_s8_f32';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'float')})`, kernel };
}

function emitRelu(ctx: Ctx, op: Operator, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  int8(input, op.op, i);
  int8(output, op.op, i);
  const iq = qp(input, op.op, i);
  const size = numElements(input.shape);
  if (op.op === 'RELU6') {
    // Relu6Prepare: zero = input zero point, six = round(6 / scale) + zp clamped to int8.
    const six = Math.min(127, Math.max(-128, roundHalfAway(Math.fround(6 / iq.scale)) + iq.zp));
    const params = structDecl(ctx, 'tf_relu6_params_t', `tf_op${i}_params`, { size, lower: iq.zp, upper: six });
    const kernel = 'tf_k_relu6_s8';
    return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
  }
  const oq = qp(output, op.op, i);
  // CalculateReluOpData: the scale ratio is taken in float32, then widened.
  const m = quantizeMultiplier(Math.fround(iq.scale / oq.scale));
  const params = structDecl(ctx, 'tf_relu_params_t', `tf_op${i}_params`, {
    size,
    input_zero_point: iq.zp,
    output_zero_point: oq.zp,
    multiplier: m.multiplier,
    shift: m.shift,
    act_min: Math.max(-128, oq.zp),
    act_max: 127,
  });
  const kernel = 'tf_k_relu_s8';
  return { call: `${kernel}(${params}, ${dataPtr(ctx, op, 0, 'int8_t')}, ${outPtr(ctx, op, 'int8_t')})`, kernel };
}

function emitReshape(ctx: Ctx, op: Operator, i: number) {
  const input = tensorOf(ctx, op, i, 'in', 0);
  const output = tensorOf(ctx, op, i, 'out', 0);
  const bytes = tensorBytes(output, op.outputs[0]);
  if (tensorBytes(input, op.inputs[0]) !== bytes || input.dtype !== output.dtype) {
    throw badInput(`operator ${i} (RESHAPE): [${input.shape}] ${input.dtype} and [${output.shape}] ${output.dtype} differ in size`, { remedy: 'check the model file' });
  }
  if (!input.data) return { call: null, kernel: 'alias' };
  const kernel = 'tf_k_reshape';
  return { call: `${kernel}(${constArray(ctx, op.inputs[0])}, ${ctx.arenaExpr(op.outputs[0])}, ${bytes}u)`, kernel };
}

function cDouble(x: number): string {
  return x.toPrecision(17);
}
