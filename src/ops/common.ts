/**
 * Validation helpers every op's Prepare uses: operand lookup, dtype/rank/quantisation checks with
 * typed errors naming the operator, constant decoding and broadcasting.
 */
import type { DType, Graph, Tensor } from '../core/graph.js';
import { numElements } from '../core/graph.js';
import { badInput, unsupported } from '../core/errors.js';
import type { AnyOpDef, OpContext } from './types.js';
import { quantizeMultiplier, type QuantizedMultiplier } from './quant.js';
import type { TensorStore } from '../interp/common.js';

export function opLabel(ctx: OpContext): string {
  return `operator ${ctx.opIndex} (${ctx.op.op})`;
}

export function fail(ctx: OpContext, problem: string, remedy?: string): never {
  throw badInput(`${opLabel(ctx)}: ${problem}`, {
    remedy: remedy ?? 'The model is inconsistent; re-export it with the TFLite converter or tinyforge quantize.',
    details: { operator: ctx.opIndex, op: ctx.op.op },
  });
}

export function notSupported(ctx: OpContext, problem: string): never {
  throw unsupported(`${opLabel(ctx)}: ${problem}`, {
    remedy: 'Use int8 (or float32) tensors and the ops listed in `tinyforge infer --help`.',
    details: { operator: ctx.opIndex, op: ctx.op.op },
  });
}

/** The tensor at operator input `i` (required). */
export function input(ctx: OpContext, i: number): { index: number; t: Tensor } {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) fail(ctx, `input ${i} is missing`);
  return { index, t: ctx.graph.tensors[index] };
}

/** The tensor at operator input `i`, or null when absent / -1. */
export function optionalInput(ctx: OpContext, i: number): { index: number; t: Tensor } | null {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) return null;
  return { index, t: ctx.graph.tensors[index] };
}

export function output(ctx: OpContext, i = 0): { index: number; t: Tensor } {
  const index = ctx.op.outputs[i];
  if (index === undefined || index < 0) fail(ctx, `output ${i} is missing`);
  return { index, t: ctx.graph.tensors[index] };
}

export function expectDType(ctx: OpContext, t: Tensor, allowed: DType[], role: string): void {
  if (!allowed.includes(t.dtype)) {
    notSupported(ctx, `${role} tensor "${t.name}" is ${t.dtype}; supported: ${allowed.join(', ')}`);
  }
}

export function expectRank(ctx: OpContext, t: Tensor, rank: number, role: string): void {
  if (t.shape.length !== rank) fail(ctx, `${role} tensor "${t.name}" has shape [${t.shape}], expected rank ${rank}`);
}

/** Per-tensor quantisation (scale as stored float32, zero point). */
export function qparams(ctx: OpContext, t: Tensor, role: string): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (!q || q.scale.length === 0) fail(ctx, `${role} tensor "${t.name}" (${t.dtype}) has no quantization parameters`);
  return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint.length ? q.zeroPoint[0] : 0 };
}

/** The scales a multiplier derives from, for its error message: 'input "x" scale 0.5, output "y" scale 1e-12'. */
export function scalesOf(...parts: [role: string, t: Tensor][]): string {
  return parts.map(([role, t]) => `${role} "${t.name}" scale ${t.quant?.scale.length === 1 ? t.quant.scale[0] : `[${t.quant?.scale.length ?? 0} per channel]`}`).join(', ');
}

/** Constant int32 values of a tensor (bias, axis, shape), decoded little-endian. */
export function constInt32(t: Tensor): Int32Array | null {
  if (!t.data) return null;
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Int32Array(t.data.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

/** numpy-style broadcast of `shape` to `outShape`: for every output flat index, the input flat index. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  const n = numElements(outShape);
  if (shape.length === outShape.length && shape.every((d, i) => d === outShape[i])) return null;
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let k = shape.length - 1, j = rank - 1; k >= 0; k--, j--) {
    strides[j] = shape[k] === 1 ? 0 : stride;
    stride *= shape[k];
  }
  const map = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d] * strides[d];
    map[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return map;
}

/** Checks that `shape` broadcasts to `outShape` (numpy rules). */
export function broadcastsTo(shape: readonly number[], outShape: readonly number[]): boolean {
  if (shape.length > outShape.length) return false;
  for (let k = shape.length - 1, j = outShape.length - 1; k >= 0; k--, j--) {
    if (shape[k] !== 1 && shape[k] !== outShape[j]) return false;
  }
  return true;
}

/** int8 activations, or float32 activations: the kind of an op's main data path. */
export function dataKind(ctx: OpContext, t: Tensor, role: string): 'int8' | 'float32' {
  expectDType(ctx, t, ['int8', 'float32'], role);
  return t.dtype as 'int8' | 'float32';
}

/**
 * Ops that only move raw values (STRIDED_SLICE, PACK): int8 and float32 as every op, and int32 —
 * the shape arithmetic of converter models (SHAPE → STRIDED_SLICE → PACK → RESHAPE), which
 * src/interp/fold.ts evaluates at generation time with these same kernels.
 */
export function moveKind(ctx: OpContext, t: Tensor, role: string): 'int8' | 'float32' | 'int32' {
  expectDType(ctx, t, ['int8', 'float32', 'int32'], role);
  return t.dtype as 'int8' | 'float32' | 'int32';
}

/** The typed view a raw-move kernel of `kind` copies elements through (int32 not through float32: NaN payloads). */
export function moveView(kind: 'int8' | 'float32' | 'int32', s: TensorStore): Int8Array | Float32Array | Int32Array {
  return kind === 'float32' ? s.f32 : kind === 'int32' ? s.i32 : s.i8;
}

export function sameKind(ctx: OpContext, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) notSupported(ctx, `input is ${a.dtype} but output is ${b.dtype}`);
}

/**
 * Per-channel (or broadcast per-tensor) multipliers for conv-like ops, as TFLM's
 * PopulateConvolutionQuantizationParams: double(input) * double(filter) / double(output).
 */
export function perChannelMultipliers(ctx: OpContext, inScale: number, filter: Tensor, outScale: number, channels: number, from?: string): QuantizedMultiplier[] {
  const q = filter.quant;
  if (!q || q.scale.length === 0) fail(ctx, `filter tensor "${filter.name}" has no quantization parameters`);
  if (q.scale.length !== 1 && q.scale.length !== channels) {
    fail(ctx, `filter tensor "${filter.name}" has ${q.scale.length} scales for ${channels} output channels`);
  }
  return Array.from({ length: channels }, (_, c) => quantizeMultiplier((inScale * Math.fround(q.scale[q.scale.length === 1 ? 0 : c])) / outScale, from && (q.scale.length > 1 ? `${from}, channel ${c}` : from)));
}

/** A constant int32 bias with one value per output channel, or null when the op has none. */
export function int32Bias(ctx: OpContext, bias: Tensor | undefined, channels: number): Int32Array | null {
  if (!bias) return null;
  expectDType(ctx, bias, ['int32'], 'bias');
  const v = constInt32(bias);
  if (!v) notSupported(ctx, `bias tensor "${bias.name}" is not constant`);
  if (v.length !== channels) fail(ctx, `bias has ${v.length} values for ${channels} output channels`);
  return v;
}

/** The common prologue of one-input elementwise ops: same dtype kind and element count in and out. */
export function unaryIO(ctx: OpContext) {
  const x = input(ctx, 0);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  return { x, y, kind, n };
}

/** The prologue of two-input elementwise ops (ADD, SUB, MUL, MAXIMUM, MINIMUM): same dtype kind, numpy broadcasting to the output. */
export function binaryIO(ctx: OpContext) {
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, a.t, 'input 1');
  sameKind(ctx, a.t, y.t);
  sameKind(ctx, b.t, y.t);
  if (!broadcastsTo(a.t.shape, y.t.shape) || !broadcastsTo(b.t.shape, y.t.shape)) {
    fail(ctx, `input shapes [${a.t.shape}] and [${b.t.shape}] do not broadcast to the output [${y.t.shape}]`);
  }
  return { a, b, y, kind };
}

/** The operands every weighted op (FC, conv, depthwise) starts from. */
export function weightedIO(ctx: OpContext) {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const b = optionalInput(ctx, 2);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  return { x, w, b, y, kind };
}

/** Multipliers as the two int32 arrays the host kernels index. */
export function multiplierArrays(ms: readonly QuantizedMultiplier[]): { mult: Int32Array; shift: Int32Array } {
  return { mult: Int32Array.from(ms, (m) => m.multiplier), shift: Int32Array.from(ms, (m) => m.shift) };
}

/** The input-0 dtype of an operator (for op versions). */
export function dtypeAt(g: Graph, i: number | undefined): DType | undefined {
  return i !== undefined && i >= 0 ? g.tensors[i]?.dtype : undefined;
}

/** The options codec of an op whose BuiltinOptions table has no fields (written empty, as the converter does). */
export function emptyOptions(table: string): NonNullable<AnyOpDef['options']> {
  return {
    table,
    fields: [],
    read: () => ({}),
    write(b) {
      b.startObject(0);
      return b.endObject();
    },
  };
}

