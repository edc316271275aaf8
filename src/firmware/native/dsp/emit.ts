/**
 * The native engine's Cortex-M DSP specialisation: for targets with the DSP extension, the
 * generator emits CONV_2D (groups 1), DEPTHWISE_CONV_2D with one input channel and
 * FULLY_CONNECTED as calls to the always-inlined kernels of firmware/native/dsp/tf_dsp.h, one
 * `noinline` function per layer over a `static const` parameter struct, so the compiler folds that
 * layer's shapes into its own copy of the kernel. Weights are packed and the input offset is
 * folded into the bias here (pack.ts). Everything else (multipliers, shifts, padding, clamps)
 * comes from the portable emitter's parameters, computed once there.
 *
 * Ops this module does not take (`dspConvTaps` null) stay on the portable kernels.
 */
import { cInts } from '../../../core/cemit.js';
import { internalError } from '../../../core/errors.js';
import type { Graph, Operator } from '../../../core/graph.js';
import { foldInputOffset, packSxtb16, roundUp4 } from './pack.js';

/** The kernels' own header (firmware/native/dsp/), included by the generated model file. */
export const DSP_HEADER = 'tf_dsp.h';

/** Taps per output (k) and k rounded up to 4 for a conv the DSP kernel takes, else null. */
export function dspConvTaps(g: Graph, op: Operator): { k: number; k4: number } | null {
  if (op.op !== 'CONV_2D' && op.op !== 'DEPTHWISE_CONV_2D') return null;
  const input = g.tensors[op.inputs[0]];
  const filter = g.tensors[op.inputs[1]];
  if (!input || !filter || input.shape.length !== 4 || filter.shape.length !== 4 || !filter.data || filter.dtype !== 'int8') return null;
  const inC = input.shape[3];
  const k = op.op === 'DEPTHWISE_CONV_2D' ? (inC === 1 ? filter.shape[1] * filter.shape[2] : 0) : filter.shape[3] === inC ? filter.shape[1] * filter.shape[2] * inC : 0;
  return k > 0 ? { k, k4: roundUp4(k) } : null;
}

/** Arena scratch the DSP kernel of operator `op` needs (bytes; 0 for none). Matches TF_DSP_CONV_SCRATCH_BYTES. */
export function dspScratchBytes(g: Graph, op: Operator): number {
  const t = dspConvTaps(g, op);
  return t ? 5 * t.k4 : 0;
}

export interface DspOpInput {
  /** Operator index (names the generated symbols). */
  index: number;
  /** The portable kernel's parameter fields (tf_conv_params_t / tf_fc_params_t), already derived. */
  fields: Record<string, string | number>;
  /** The multipliers behind fields.multiplier (tf_dsp_mbqm needs them != INT32_MIN). */
  multipliers: readonly number[];
  /** Constant int8 filter, in the model's layout. */
  filter: Int8Array;
  /** Constant int32 bias, or null. */
  bias: Int32Array | null;
  /** C expressions: input and output pointers (int8_t), scratch (uint8_t* into the arena, conv only). */
  input: string;
  output: string;
  scratch?: string;
}

export interface DspEmitted {
  decls: string[];
  /** Expression returning 0 on success. */
  call: string;
  kernel: string;
}

function checkMultipliers(d: DspOpInput): void {
  if (d.multipliers.some((m) => !(m >= 0 && m <= 0x7fffffff))) throw internalError(`operator ${d.index}: a quantized multiplier outside [0, 2^31)`, { remedy: 'report this: quantizeMultiplier must return multipliers in [0, 2^31)' });
}

function num(fields: Record<string, string | number>, key: string): number {
  const v = fields[key];
  if (typeof v !== 'number') throw new TypeError(`DSP emitter: field ${key} is not a number`);
  return v;
}

function words(name: string, v: ArrayLike<number>): string {
  return `static const int32_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 8)}\n};`;
}

function struct(type: string, name: string, fields: Record<string, string | number>): string {
  const body = Object.entries(fields).map(([k, v]) => `    .${k} = ${v},`).join('\n');
  return `static const ${type} ${name} = {\n${body}\n};`;
}

/** CONV_2D / one-channel DEPTHWISE_CONV_2D → tf_dsp_conv_s8 (caller checked dspConvTaps). */
export function emitDspConv(g: Graph, op: Operator, d: DspOpInput): DspEmitted {
  const taps = dspConvTaps(g, op)!;
  checkMultipliers(d);
  const f = d.fields;
  const outC = num(f, 'out_c');
  const rows: Int32Array[] = [];
  for (let c = 0; c < outC; c++) {
    // CONV_2D filters are [out_c][kh][kw][in_c]; a one-channel depthwise filter is [1][kh][kw][out_c].
    rows.push(op.op === 'DEPTHWISE_CONV_2D' ? Int32Array.from({ length: taps.k }, (_, t) => d.filter[t * outC + c]) : Int32Array.from(d.filter.subarray(c * taps.k, (c + 1) * taps.k)));
  }
  const inputOffset = num(f, 'input_offset');
  const p = `tf_op${d.index}`;
  const decls = [
    `/* operator ${d.index}: ${op.op} on the DSP kernel, k = ${taps.k} taps, scratch ${5 * taps.k4} B */`,
    words(`${p}_wpack`, packSxtb16(rows, taps.k)),
    words(`${p}_bias_folded`, foldInputOffset(d.bias, rows, inputOffset)),
    struct('tf_dsp_conv_params_t', `${p}_dsp`, {
      batches: f.batches,
      in_h: f.in_h,
      in_w: f.in_w,
      in_c: f.in_c,
      out_h: f.out_h,
      out_w: f.out_w,
      out_c: outC,
      filter_h: f.filter_h,
      filter_w: f.filter_w,
      stride_h: f.stride_h,
      stride_w: f.stride_w,
      dilation_h: f.dilation_h,
      dilation_w: f.dilation_w,
      pad_h: f.pad_h,
      pad_w: f.pad_w,
      k: taps.k,
      k4: taps.k4,
      pad_value: -inputOffset,
      output_offset: f.output_offset,
      act_min: f.act_min,
      act_max: f.act_max,
      weights: `${p}_wpack`,
      bias: `${p}_bias_folded`,
      multiplier: f.multiplier,
      shift: f.shift,
    }),
    `static __attribute__((noinline)) int ${p}_run(const int8_t* input, int8_t* output, int32_t* scratch) {\n  return tf_dsp_conv_s8(&${p}_dsp, input, output, scratch);\n}`,
  ];
  return { decls, call: `${p}_run(${d.input}, ${d.output}, (int32_t*)${d.scratch})`, kernel: 'tf_dsp_conv_s8' };
}

/** FULLY_CONNECTED → tf_dsp_fc_s8: rows (filter + filter_offset) packed, input offset folded. */
export function emitDspFc(d: DspOpInput): DspEmitted {
  checkMultipliers(d);
  const f = d.fields;
  const units = num(f, 'output_depth');
  const accum = num(f, 'accum_depth');
  const filterOffset = num(f, 'filter_offset');
  const rows: Int32Array[] = [];
  for (let o = 0; o < units; o++) rows.push(Int32Array.from(d.filter.subarray(o * accum, (o + 1) * accum), (w) => w + filterOffset));
  const p = `tf_op${d.index}`;
  const decls = [
    `/* operator ${d.index}: FULLY_CONNECTED on the DSP kernel, ${accum} inputs */`,
    words(`${p}_wpack`, packSxtb16(rows, accum)),
    words(`${p}_bias_folded`, foldInputOffset(d.bias, rows, num(f, 'input_offset'))),
    struct('tf_dsp_fc_params_t', `${p}_dsp`, {
      batches: f.batches,
      accum_depth: accum,
      accum4: roundUp4(accum),
      output_depth: units,
      output_offset: f.output_offset,
      act_min: f.act_min,
      act_max: f.act_max,
      per_channel: f.per_channel,
      weights: `${p}_wpack`,
      bias: `${p}_bias_folded`,
      multiplier: f.multiplier,
      shift: f.shift,
    }),
    `static __attribute__((noinline)) int ${p}_run(const int8_t* input, int8_t* output) {\n  return tf_dsp_fc_s8(&${p}_dsp, input, output);\n}`,
  ];
  return { decls, call: `${p}_run(${d.input}, ${d.output})`, kernel: 'tf_dsp_fc_s8' };
}

/**
 * MAX_POOL_2D and MEAN: the portable parameter struct (`params`, "&name") handed to the DSP
 * kernel's always-inlined body in a per-layer wrapper, so its shapes fold into that copy.
 */
export function emitDspWrapped(index: number, op: 'MAX_POOL_2D' | 'MEAN', params: string, input: string, output: string): DspEmitted {
  const kernel = op === 'MAX_POOL_2D' ? 'tf_dsp_max_pool_s8' : 'tf_dsp_mean_s8';
  const p = `tf_op${index}`;
  const decls = [`static __attribute__((noinline)) int ${p}_run(const int8_t* input, int8_t* output) {\n  return ${kernel}(${params}, input, output);\n}`];
  return { decls, call: `${p}_run(${input}, ${output})`, kernel };
}
