/**
 * The native engine's Cortex-M DSP specialisation (target 'dsp': cores with the DSP extension),
 * registered per op name in DSP_OPS. Optimised code depends on the reference, never the reverse:
 * the op modules (src/ops/) know nothing of this file; the native generator asks DSP_OPS first on
 * DSP targets, and an entry's emit returns null when the op is not one its kernels take (the op's
 * portable emitter then runs, as on every other target).
 *
 * CONV_2D (groups 1), DEPTHWISE_CONV_2D with one input channel, FULLY_CONNECTED, MAX_POOL_2D and
 * MEAN become calls to the always-inlined kernels of firmware/native/dsp/tf_dsp.h, one `noinline`
 * function per layer over a `static const` parameter struct, so the compiler folds that layer's
 * shapes into its own copy of the kernel. Weights are packed and the input offset is folded into
 * the bias here (pack.ts); every other parameter comes from the op's Prepare.
 */
import { cInts } from '../../../core/cemit.js';
import { internalError } from '../../../core/errors.js';
import { convWindowFields, type ConvPrepared } from '../../../ops/conv-common.js';
import type { OpName } from '../../../core/graph.js';
import type { FullyConnectedPrepared } from '../../../ops/fully-connected.js';
import { meanParamsFields, type MeanPrepared } from '../../../ops/mean.js';
import { poolParamsFields, type PoolPrepared } from '../../../ops/pool.js';
import { binaryParamsFields, outDims4, type BinaryPrepared } from '../../../ops/add-mul.js';
import type { QuantizedMultiplier } from '../../../ops/quant.js';
import type { NativeCall, NativeEmitter } from '../../../ops/types.js';
import { foldInputOffset, offsetBinaryStart, packInt8Taps, packOffsetBinaryTaps, packSxtb16, roundUp4, solveRequant } from './pack.js';

/** The kernels' own header (firmware/native/dsp/), included by the generated model file on DSP targets. */
export const DSP_HEADER = 'tf_dsp.h';
/** Every file of firmware/native/dsp/ a DSP build compiles (relative to firmware/native/). */
export const DSP_FILES = ['dsp/tf_acle_asm.h', 'dsp/tf_acle_emul.h', 'dsp/tf_dsp.h', 'dsp/tf_k_depthwise_dsp.c'];

type Target = Pick<NativeEmitter, 'graph' | 'target'>;

/** How a DSP layer stores its weights: pre-widened int16 (fastest) or int8 unpacked in the loop (half the flash). */
export type WeightPacking = 'int8' | 'int16';

/** A weighted DSP layer's two weight sizes (bytes) and its multiply-accumulates, for the generator's flash plan. */
export interface WeightChoice {
  int16: number;
  /** null: this layer can only take int16 (e.g. a per-tensor filter zero point that leaves the int8 range). */
  int8: number | null;
  macs: number;
}

/** A convolution with a MAX_POOL_2D fused into it (src/firmware/native/fuse-pool.ts): its output is the pool's. */
export type PooledConv = ConvPrepared & { maxPool: PoolPrepared };

/** Taps per output (k) and k rounded up to 4 when the DSP conv kernel takes this op, else null. */
export function dspConvTaps(p: ConvPrepared, depthwise: boolean, e: Target): { k: number; k4: number } | null {
  if (e.target !== 'dsp' || p.kind !== 'int8') return null;
  const f = e.graph.tensors[p.filter];
  if (!f?.data || f.dtype !== 'int8') return null;
  const k = depthwise ? (p.inC === 1 ? p.kH * p.kW : 0) : p.filterInC === p.inC ? p.kH * p.kW * p.inC : 0;
  return k > 0 ? { k, k4: roundUp4(k) } : null;
}

/** Arena scratch of the DSP conv kernel (TF_DSP_CONV_SCRATCH_BYTES: two int16 columns + one patch), 0 when not taken. */
export function dspConvScratch(p: ConvPrepared, depthwise: boolean, e: Target): number {
  const t = dspConvTaps(p, depthwise, e);
  return t ? 5 * t.k4 : 0;
}

function words(name: string, v: ArrayLike<number>): string {
  return `static const int32_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 8)}\n};`;
}

function checkMultipliers(e: NativeEmitter, ms: readonly QuantizedMultiplier[]): void {
  if (ms.some((m) => !(m.multiplier >= 0 && m.multiplier <= 0x7fffffff))) {
    throw internalError(`operator ${e.opIndex}: a quantized multiplier outside [0, 2^31)`, { remedy: 'report this: quantizeMultiplier must return multipliers in [0, 2^31)' });
  }
}

/**
 * 1 when a multiplier of the layer has a positive shift (the kernels then keep the left-shift
 * path); with requant 'uniform' always 1, whatever the trained values.
 */
function anyLeft(ms: readonly QuantizedMultiplier[], e: Pick<NativeEmitter, 'requant'>): number {
  return e.requant === 'uniform' || ms.some((m) => m.shift > 0) ? 1 : 0;
}

/**
 * The fields of each DSP parameter struct that hold quantisation values (trained weights, biases,
 * multipliers, shifts, zero points, activation ranges — a fused activation's range is in output
 * units): with requant 'uniform' the wrapper hides them from the compiler. Shapes, strides and
 * packing flags stay folded.
 */
const QUANT_FIELDS: Record<string, readonly string[]> = {
  tf_dsp_conv_params_t: ['pad_value', 'output_offset', 'act_min', 'act_max', 'weights', 'bias', 'multiplier', 'shift'],
  tf_dsp_fc_params_t: ['output_offset', 'act_min', 'act_max', 'weights', 'bias', 'multiplier', 'shift'],
  tf_dsp_dw_params_t: ['input_offset', 'output_offset', 'act_min', 'act_max', 'weights', 'bias', 'multiplier', 'shift'],
  tf_mean_params_t: ['input_zero_point', 'output_zero_point', 'multiplier', 'shift'],
  tf_pool_params_t: ['act_min', 'act_max'],
};

/**
 * The layer's `noinline` function over its `static const` parameter struct (`type`, at `params`):
 * the compiler folds the struct into its own copy of the kernel. With requant 'uniform' the struct
 * is copied and its QUANT_FIELDS read through a pointer an empty asm hides, so their values never
 * reach the code (the copy's other fields fold as before) and the code's size does not depend on them.
 */
function wrapper(e: NativeEmitter, kernel: string, type: string, params: string, withScratch: boolean): NativeCall {
  return wrapperOf(e, kernel, [[type, params]], withScratch);
}

/** wrapper with several parameter structs (`structs`: type and expression), passed to the kernel in order. */
function wrapperOf(e: NativeEmitter, kernel: string, structs: readonly (readonly [type: string, params: string])[], withScratch: boolean): NativeCall {
  const fn = `tf_op${e.opIndex}_run`;
  const sig = withScratch ? 'const int8_t* input, int8_t* output, int32_t* scratch' : 'const int8_t* input, int8_t* output';
  const tail = `input, output${withScratch ? ', scratch' : ''}`;
  const lines: string[] = [];
  const args = structs.map(([type, params], k) => {
    const fields = QUANT_FIELDS[type];
    if (!fields) throw internalError(`no quantisation fields listed for ${type}`, { remedy: 'report this: QUANT_FIELDS must list every DSP parameter struct' });
    if (e.requant !== 'uniform' || !fields.length) return params;
    // Through a pointer the compiler cannot see through, the fields are loads from the struct (an
    // opaque copy of the values would still be materialised as immediates of value-dependent size).
    const [q, p] = k ? [`q${k}`, `p${k}`] : ['q', 'p'];
    lines.push(`  const ${type}* ${q} = ${params};`, `  __asm__("" : "+r"(${q}));`, `  ${type} ${p} = *${params};`, ...fields.map((f) => `  ${p}.${f} = ${q}->${f};`));
    return `&${p}`;
  });
  const body = [...lines, `  return ${kernel}(${args.join(', ')}, ${tail});`].join('\n');
  e.decl(`static __attribute__((noinline)) int ${fn}(${sig}) {\n${body}\n}`);
  return { kernel, call: `${fn}(${e.input(0, 'int8_t')}, ${e.output('int8_t')}${withScratch ? `, (int32_t*)${e.scratch}` : ''})` };
}

function convWeights(p: ConvPrepared, depthwise: boolean, e: Target): WeightChoice | null {
  const t = dspConvTaps(p, depthwise, e);
  return t ? { int16: 2 * p.outC * t.k4, int8: p.outC * t.k4, macs: p.batches * p.outH * p.outW * p.outC * t.k } : null;
}

/** CONV_2D / one-channel DEPTHWISE_CONV_2D → tf_dsp_conv_s8, or null (portable kernel). */
export function emitDspConv(p: ConvPrepared, e: NativeEmitter, depthwise: boolean, packing: WeightPacking = 'int16'): NativeCall | null {
  const taps = dspConvTaps(p, depthwise, e);
  if (!taps) return null;
  e.int8('in', 0);
  e.int8('in', 1);
  e.int8('out', 0);
  if (!e.scratch) throw internalError(`operator ${e.opIndex}: the DSP conv kernel got no scratch`, { remedy: 'report this: scratchBytes and emit disagree' });
  checkMultipliers(e, p.multipliers);
  const data = e.graph.tensors[p.filter].data!;
  const filter = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
  // CONV_2D filters are [out_c][kh][kw][in_c]; a one-channel depthwise filter is [1][kh][kw][out_c].
  const rows = depthwise ? dwRows(p, filter) : Array.from({ length: p.outC }, (_, c) => Int32Array.from(filter.subarray(c * taps.k, (c + 1) * taps.k)));
  const i = e.opIndex;
  const w8 = packing === 'int8';
  const folded = foldInputOffset(p.biasValues, rows, p.inputOffset);
  // Whether the requantisation can be solved depends on the trained values: not with requant 'uniform'.
  const rq = e.requant === 'uniform' ? null : solveRequant(p, rows);
  const pool = (p as Partial<PooledConv>).maxPool;
  e.decl(`/* operator ${i}: ${e.op.op} on the DSP kernel, k = ${taps.k} taps, ${packing} weights, scratch ${5 * taps.k4} B, ${rq ? 'requantisation solved per channel' : 'general requantisation'}${pool ? ', MAX_POOL_2D fused' : ''} */`);
  e.decl(words(`tf_op${i}_wpack`, w8 ? packInt8Taps(rows, taps.k) : packSxtb16(rows, taps.k)));
  e.decl(words(`tf_op${i}_bias_folded`, folded));
  if (rq) e.decl(words(`tf_op${i}_rq`, rq));
  // With the solved table the kernel never reads the multiplier and shift arrays: not emitted (flash).
  const { mult, shift } = rq ? { mult: 'NULL', shift: 'NULL' } : e.multipliers(p.multipliers);
  const params = e.struct('tf_dsp_conv_params_t', {
    batches: p.batches,
    in_h: p.inH,
    in_w: p.inW,
    in_c: p.inC,
    out_h: p.outH,
    out_w: p.outW,
    out_c: p.outC,
    ...convWindowFields(p),
    k: taps.k,
    k4: taps.k4,
    pad_value: -p.inputOffset,
    output_offset: p.outputOffset,
    act_min: p.actMin,
    act_max: p.actMax,
    any_left_shift: anyLeft(p.multipliers, e),
    w8: w8 ? 1 : 0,
    weights: `tf_op${i}_wpack`,
    bias: `tf_op${i}_bias_folded`,
    multiplier: mult,
    shift,
    rq: rq ? `tf_op${i}_rq` : 'NULL',
  });
  if (pool) {
    // The fused pool's parameters (e.struct names one struct per operator).
    const fields = Object.entries(poolParamsFields(pool)).map(([k, v]) => `    .${k} = ${v},`);
    e.decl(`static const tf_pool_params_t tf_op${i}_pool = {\n${fields.join('\n')}\n};`);
    return wrapperOf(e, 'tf_dsp_conv_max_pool_s8', [['tf_dsp_conv_params_t', params], ['tf_pool_params_t', `&tf_op${i}_pool`]], true);
  }
  return wrapper(e, 'tf_dsp_conv_s8', 'tf_dsp_conv_params_t', params, true);
}

/** The FC layers the DSP kernel takes; anything the portable emitter refuses (non-constant or non-2-D filter) goes there for its error. */
function fcTaken(p: FullyConnectedPrepared, e: Target): boolean {
  if (e.target !== 'dsp' || p.kind !== 'int8') return false;
  const w = e.graph.tensors[p.weights];
  return !!w.data && w.shape.length === 2 && w.shape[0] === p.outputDepth;
}

function fcWeights(p: FullyConnectedPrepared, e: Target): WeightChoice | null {
  if (!fcTaken(p, e)) return null;
  const a4 = roundUp4(p.accumDepth);
  return { int16: 2 * p.outputDepth * a4, int8: p.filterOffset === 0 ? p.outputDepth * a4 : null, macs: p.batches * p.accumDepth * p.outputDepth };
}

/** Widened inputs up to this many bytes (1,024 inputs) are widened whole; longer ones in chunks of FC_CHUNK_GROUPS groups. */
const FC_WHOLE_BYTES = 2048;
const FC_CHUNK_GROUPS = 256;

/** tf_dsp_fc_params_t.chunk_groups: every group of 4 taps when the widened input is small, else FC_CHUNK_GROUPS (bounds the arena). */
function fcChunkGroups(p: FullyConnectedPrepared): number {
  const groups = roundUp4(p.accumDepth) / 4;
  return 8 * groups <= FC_WHOLE_BYTES ? groups : FC_CHUNK_GROUPS;
}

/**
 * Arena scratch of the DSP FC kernel (TF_DSP_FC_SCRATCH_BYTES: one chunk's input widened to int16, a
 * sentinel and a pad word; when chunked, an int32 accumulator per output row), 0 when not taken.
 */
function fcScratch(p: FullyConnectedPrepared, e: Target): number {
  if (!fcTaken(p, e)) return 0;
  const cg = fcChunkGroups(p);
  return 8 * cg + 8 + (cg < roundUp4(p.accumDepth) / 4 ? 4 * p.outputDepth : 0);
}

/** Output rows per pass of tf_dsp_fc_s8 (TF_DSP_FC_ROWS): the weight packing's row block. */
const FC_ROWS = 4;
/** tf_dsp_fc_params_t.w8 of the offset-binary int8 layout (TF_DSP_FC_U8). */
const FC_U8 = 2;

/** The offset-binary layout's weight words and accumulator starts, or null where its bounds fail (pack.ts). */
function offsetBinary(rows: readonly Int32Array[], k: number, folded: Int32Array): { words: Int32Array; start: Int32Array } | null {
  const start = offsetBinaryStart(folded, rows);
  const packed = start && packOffsetBinaryTaps(rows, k, FC_ROWS);
  return start && packed ? { words: packed, start } : null;
}

/**
 * FULLY_CONNECTED → tf_dsp_fc_s8 (rows + filter offset packed in 4-row blocks, input offset folded,
 * requantisation solved where exact), or null.
 */
export function emitDspFc(p: FullyConnectedPrepared, e: NativeEmitter, packing: WeightPacking = 'int16'): NativeCall | null {
  if (!fcTaken(p, e)) return null;
  const w = e.graph.tensors[p.weights];
  const data = w.data!;
  e.int8('in', 0);
  e.int8('in', 1);
  e.int8('out', 0);
  if (!e.scratch) throw internalError(`operator ${e.opIndex}: the DSP FC kernel got no scratch`, { remedy: 'report this: scratchBytes and emit disagree' });
  checkMultipliers(e, p.multipliers);
  const filter = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
  const rows: Int32Array[] = [];
  for (let o = 0; o < p.outputDepth; o++) rows.push(Int32Array.from(filter.subarray(o * p.accumDepth, (o + 1) * p.accumDepth), (w) => w + p.filterOffset));
  const i = e.opIndex;
  // int8 rows hold filter + filter_offset: only when that offset is 0 (int8 weights are symmetric in practice).
  const w8 = packing === 'int8' && p.filterOffset === 0;
  const folded = foldInputOffset(p.biasValues, rows, p.inputOffset);
  // int8 weights in the offset-binary layout (3 instructions per 4 MACs, not 4) where its bounds hold
  // (they depend on the trained values, so not with requant 'uniform') and it pays: the assembly saves
  // 1 instruction per group and row of the full 4-row blocks, the input preparation costs about 4 more
  // per group and the start and final shift 2 per row.
  const groups = roundUp4(p.accumDepth) / 4;
  const pays = (p.outputDepth - (p.outputDepth % FC_ROWS)) * groups >= 2 * p.outputDepth + 4 * groups;
  const u8 = w8 && pays && e.requant !== 'uniform' ? offsetBinary(rows, p.accumDepth, folded) : null;
  // Whether the requantisation can be solved depends on the trained values: not with requant 'uniform'.
  const table = e.requant === 'uniform' ? null : solveRequant(p, rows);
  // One triple when every row has the same (per-tensor layers, usually): it folds into the code.
  const shared = table && table.every((v, k) => v === table[k % 3]);
  const rq = shared ? table.subarray(0, 3) : table;
  e.decl(`/* operator ${i}: FULLY_CONNECTED on the DSP kernel, ${p.accumDepth} inputs, ${u8 ? 'int8 (offset-binary)' : w8 ? 'int8' : 'int16'} weights, scratch ${fcScratch(p, e)} B${fcChunkGroups(p) < groups ? ` (input widened ${fcChunkGroups(p)} groups at a time)` : ''}, ${rq ? `requantisation solved${shared ? ' (one for all rows)' : ' per row'}` : 'general requantisation'} */`);
  e.decl(words(`tf_op${i}_wpack`, u8 ? u8.words : w8 ? packInt8Taps(rows, p.accumDepth, FC_ROWS) : packSxtb16(rows, p.accumDepth, FC_ROWS)));
  e.decl(words(`tf_op${i}_bias_folded`, u8 ? u8.start : folded));
  if (rq) e.decl(words(`tf_op${i}_rq`, rq));
  const { mult, shift } = rq ? { mult: 'NULL', shift: 'NULL' } : e.multipliers(p.multipliers);
  const params = e.struct('tf_dsp_fc_params_t', {
    batches: p.batches,
    accum_depth: p.accumDepth,
    accum4: roundUp4(p.accumDepth),
    output_depth: p.outputDepth,
    output_offset: p.outputOffset,
    act_min: p.actMin,
    act_max: p.actMax,
    per_channel: p.perChannel ? 1 : 0,
    any_left_shift: anyLeft(p.multipliers, e),
    w8: u8 ? FC_U8 : w8 ? 1 : 0,
    weights: `tf_op${i}_wpack`,
    bias: `tf_op${i}_bias_folded`,
    multiplier: mult,
    shift,
    rq: rq ? `tf_op${i}_rq` : 'NULL',
    rq_per_row: rq && !shared ? 1 : 0,
    chunk_groups: fcChunkGroups(p),
  });
  return wrapper(e, 'tf_dsp_fc_s8', 'tf_dsp_fc_params_t', params, true);
}

/** MAX_POOL_2D on DSP targets: the portable parameter struct handed to the DSP kernel's body in a per-layer wrapper. */
function emitDspMaxPool(p: PoolPrepared, e: NativeEmitter): NativeCall | null {
  if (e.target !== 'dsp') return null;
  e.int8('in', 0);
  e.int8('out', 0);
  return wrapper(e, 'tf_dsp_max_pool_s8', 'tf_pool_params_t', e.struct('tf_pool_params_t', poolParamsFields(p)), false);
}

/** AVERAGE_POOL_2D on DSP targets, likewise (channels % 4 != 0 falls back to tf_k_avg_pool_s8 inside the kernel). */
function emitDspAvgPool(p: PoolPrepared, e: NativeEmitter): NativeCall | null {
  if (e.target !== 'dsp' || p.kind !== 'int8') return null;
  e.int8('in', 0);
  e.int8('out', 0);
  return wrapper(e, 'tf_dsp_avg_pool_s8', 'tf_pool_params_t', e.struct('tf_pool_params_t', poolParamsFields(p)), false);
}

/** tf_dsp_binary_s8's op selector per registry op. */
const BINARY_OP = { ADD: 'TF_DSP_BIN_ADD', SUB: 'TF_DSP_BIN_SUB', MUL: 'TF_DSP_BIN_MUL' } as const;

/**
 * ADD / SUB / MUL int8 → tf_dsp_binary_s8 (the rescale folded per layer), or null. The portable
 * parameter struct is reused; ADD / SUB need the shapes tf_dsp_add_rescale_in is exact for
 * (left shift <= 22, every shift <= 0: always so for TFLM's int8 ADD, checked anyway).
 */
function emitDspBinary(p: BinaryPrepared, e: NativeEmitter): NativeCall | null {
  const op = e.op.op as keyof typeof BINARY_OP;
  // Whether this kernel takes the layer depends on its shifts, and it folds the rescale: with
  // requant 'uniform' the portable kernel (its own translation unit, no folding) runs it.
  if (e.target !== 'dsp' || p.kind !== 'int8' || !(op in BINARY_OP) || e.requant === 'uniform') return null;
  const ms = [p.input1Multiplier, p.input2Multiplier, p.outputMultiplier];
  if (op !== 'MUL' && (p.leftShift < 0 || p.leftShift > 22 || ms.some((m) => m.shift > 0))) return null;
  e.int8('in', 0);
  e.int8('in', 1);
  e.int8('out', 0);
  checkMultipliers(e, op === 'MUL' ? [p.outputMultiplier] : ms);
  const outDims = outDims4(e.graph.tensors[p.output].shape);
  const same = (t: number) => outDims4(e.graph.tensors[t].shape).every((d, k) => d === outDims[k]);
  const params = e.struct('tf_binary_params_t', binaryParamsFields(p, e));
  const fn = `tf_op${e.opIndex}_run`;
  const flags = `${BINARY_OP[op]}, ${same(p.inputA) && same(p.inputB) ? 1 : 0}`;
  e.decl(`static __attribute__((noinline)) int ${fn}(const int8_t* in1, const int8_t* in2, int8_t* output) {\n  return tf_dsp_binary_s8(${params}, ${flags}, in1, in2, output);\n}`);
  return { kernel: 'tf_dsp_binary_s8', call: `${fn}(${e.input(0, 'int8_t')}, ${e.input(1, 'int8_t')}, ${e.output('int8_t')})` };
}

/** MEAN on DSP targets, likewise (the kernel falls back to tf_k_mean_s8 for shapes it does not take). */
function emitDspMean(p: MeanPrepared, e: NativeEmitter): NativeCall | null {
  if (e.target !== 'dsp') return null;
  return wrapper(e, 'tf_dsp_mean_s8', 'tf_mean_params_t', e.struct('tf_mean_params_t', meanParamsFields(p, e)), false);
}

/** Channel c's taps of a depthwise filter [1][kh][kw][channels]. */
function dwRows(p: ConvPrepared, filter: Int8Array): Int32Array[] {
  const taps = p.kH * p.kW;
  return Array.from({ length: p.outC }, (_, c) => Int32Array.from({ length: taps }, (_, t) => filter[t * p.outC + c]));
}

/** TF_DSP_DW_MAX_TAPS of tf_dsp.h: larger windows stay on the portable kernel (its strong DSP twin). */
const DW_MAX_TAPS = 64;

/**
 * The rq table of tf_dsp_dw_params_t: per group of 4 channels the 4 accumulator start values
 * 2·(bias + input_offset·Σw) (wrapped to int32 as the kernel's sums wrap), then the group's
 * {multiplier, K, e} triples from solveRequant.
 */
function dwGroupTable(p: ConvPrepared, filter: Int8Array, solved: Int32Array): Int32Array {
  const C = p.outC;
  const start = foldInputOffset(p.biasValues, dwRows(p, filter), p.inputOffset);
  const out = new Int32Array(4 * C);
  for (let g = 0; g < C / 4; g++) {
    for (let j = 0; j < 4; j++) out[16 * g + j] = Math.imul(2, start[4 * g + j]);
    out.set(solved.subarray(12 * g, 12 * g + 12), 16 * g + 4);
  }
  return out;
}

/** DEPTHWISE_CONV_2D with depth multiplier 1, channels % 4 == 0 and at most 64 taps → tf_dsp_depthwise_s8, or null. */
export function emitDspDepthwise(p: ConvPrepared, e: NativeEmitter): NativeCall | null {
  if (e.target !== 'dsp' || p.kind !== 'int8' || p.depthMultiplier !== 1 || p.inC % 4 !== 0 || p.inC !== p.outC || p.kH * p.kW > DW_MAX_TAPS) return null;
  const data = e.graph.tensors[p.filter].data;
  if (!data || e.graph.tensors[p.filter].dtype !== 'int8') return null;
  e.int8('in', 0);
  e.int8('out', 0);
  checkMultipliers(e, p.multipliers);
  const filter = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
  const taps = p.kH * p.kW;
  // The solved requantisation exists or not depending on the trained values: not with requant 'uniform'.
  const solved = e.requant === 'uniform' ? null : solveRequant(p, dwRows(p, filter));
  // With the solved requantisation the accumulators are doubled: weights ×2 (|2w| <= 256, int16).
  const scale = solved ? 2 : 1;
  // Filter [1][kh][kw][c]: each tap's channels packed on their own (packSxtb16 of one row), then
  // regrouped per 4 channels so one group's taps are contiguous: [c/4][tap][2 words].
  const perTap = Array.from({ length: taps }, (_, t) => packSxtb16([Int32Array.from(filter.subarray(t * p.outC, (t + 1) * p.outC), (w) => scale * w)], p.outC));
  const packed = Array.from({ length: p.outC / 4 }, (_, g) => perTap.flatMap((w) => [w[2 * g], w[2 * g + 1]])).flat();
  const i = e.opIndex;
  e.decl(`/* operator ${i}: DEPTHWISE_CONV_2D on the DSP kernel, ${taps} taps × ${p.outC} channels, ${solved ? 'requantisation solved per channel (accumulators doubled, input offset in the start values)' : 'general requantisation'} */`);
  e.decl(words(`tf_op${i}_wpack`, packed));
  if (solved) {
    e.decl(words(`tf_op${i}_rq`, dwGroupTable(p, filter, solved)));
    e.decl(`static const int8_t tf_op${i}_pad[${p.outC}] __attribute__((aligned(4))) = {\n${cInts(new Array(p.outC).fill(-p.inputOffset), 16)}\n};`);
  } else {
    e.decl(words(`tf_op${i}_bias`, p.biasValues ?? new Int32Array(p.outC)));
  }
  const { mult, shift } = e.multipliers(p.multipliers);
  const params = e.struct('tf_dsp_dw_params_t', {
    batches: p.batches,
    in_h: p.inH,
    in_w: p.inW,
    channels: p.outC,
    out_h: p.outH,
    out_w: p.outW,
    ...convWindowFields(p),
    input_offset: p.inputOffset,
    output_offset: p.outputOffset,
    act_min: p.actMin,
    act_max: p.actMax,
    any_left_shift: anyLeft(p.multipliers, e),
    weights: `tf_op${i}_wpack`,
    bias: solved ? '0' : `tf_op${i}_bias`,
    multiplier: mult,
    shift,
    rq: solved ? `tf_op${i}_rq` : '0',
    pad: solved ? `tf_op${i}_pad` : '0',
  });
  return wrapper(e, 'tf_dsp_depthwise_s8', 'tf_dsp_dw_params_t', params, false);
}

/**
 * One op's DSP specialisation: its scratch (when taken), its weight sizes under both packings
 * (weighted layers it takes; null otherwise) and its emission, null = the portable emitter.
 */
export interface DspOp<P> {
  scratchBytes?(p: P, e: Target): number;
  weights?(p: P, e: Target): WeightChoice | null;
  emit(p: P, e: NativeEmitter, packing: WeightPacking): NativeCall | null;
}

/**
 * The DSP specialisations, keyed by op name (the native generator's second registry on DSP
 * targets). Ops absent here run their portable kernel; DEPTHWISE_CONV_2D shapes no entry takes
 * still get the strong tf_k_depthwise_conv2d_s8 of dsp/tf_k_depthwise_dsp.c at link time.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DSP_OPS: { readonly [K in OpName]?: DspOp<any> } = {
  CONV_2D: {
    scratchBytes: (p: ConvPrepared, e) => dspConvScratch(p, false, e),
    weights: (p: ConvPrepared, e) => convWeights(p, false, e),
    emit: (p: ConvPrepared, e, packing) => emitDspConv(p, e, false, packing),
  },
  DEPTHWISE_CONV_2D: {
    scratchBytes: (p: ConvPrepared, e) => dspConvScratch(p, true, e),
    weights: (p: ConvPrepared, e) => convWeights(p, true, e),
    emit: (p: ConvPrepared, e, packing) => emitDspConv(p, e, true, packing) ?? emitDspDepthwise(p, e),
  },
  FULLY_CONNECTED: { scratchBytes: fcScratch, weights: fcWeights, emit: emitDspFc },
  MAX_POOL_2D: { emit: emitDspMaxPool },
  AVERAGE_POOL_2D: { emit: emitDspAvgPool },
  ADD: { emit: emitDspBinary },
  SUB: { emit: emitDspBinary },
  MUL: { emit: emitDspBinary },
  MEAN: { emit: emitDspMean },
};
