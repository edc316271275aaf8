/**
 * Shared plumbing of the reference interpreter: tensor storage, validation helpers and the
 * TFLM prepare-time computations used by several ops (padding, fused activation ranges).
 */
import type { Activation, DType, Graph, Operator, Padding, Tensor } from '../core/graph.js';
import { DTYPE_BYTES, numElements } from '../core/graph.js';
import { badInput, unsupported } from '../core/errors.js';
import { roundHalfAway } from './fixedpoint.js';

/** One tensor's memory with the typed views kernels use (host little-endian, checked at load). */
export interface TensorStore {
  bytes: Uint8Array;
  i8: Int8Array;
  /** Present when the byte length is a multiple of 4. */
  i32: Int32Array;
  f32: Float32Array;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw unsupported('the reference interpreter needs a little-endian host', {
    remedy: 'Run tinyforge on x86-64 or ARM (little-endian) hardware.',
  });
}

export function allocStore(byteLength: number): TensorStore {
  const ab = new ArrayBuffer(byteLength);
  const words = byteLength >> 2;
  return {
    bytes: new Uint8Array(ab),
    i8: new Int8Array(ab),
    i32: new Int32Array(ab, 0, words),
    f32: new Float32Array(ab, 0, words),
  };
}

/** A compiled operator: runs on the interpreter's stores, allocation-free. */
export type Kernel = () => void;

/** What an op's prepare step sees. */
export interface PrepareContext {
  graph: Graph;
  op: Operator;
  opIndex: number;
  stores: TensorStore[];
}

export function opLabel(ctx: PrepareContext): string {
  return `operator ${ctx.opIndex} (${ctx.op.op})`;
}

export function fail(ctx: PrepareContext, problem: string, remedy?: string): never {
  throw badInput(`${opLabel(ctx)}: ${problem}`, {
    remedy: remedy ?? 'The model is inconsistent; re-export it with the TFLite converter or tinyforge quantize.',
    details: { operator: ctx.opIndex, op: ctx.op.op },
  });
}

export function notSupported(ctx: PrepareContext, problem: string): never {
  throw unsupported(`${opLabel(ctx)}: ${problem}`, {
    remedy: 'Use int8 (or float32) tensors and the ops listed in `tinyforge infer --help`.',
    details: { operator: ctx.opIndex, op: ctx.op.op },
  });
}

/** The tensor at operator input `i` (required). */
export function input(ctx: PrepareContext, i: number): { index: number; t: Tensor } {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) fail(ctx, `input ${i} is missing`);
  return { index, t: ctx.graph.tensors[index] };
}

/** The tensor at operator input `i`, or null when absent / -1. */
export function optionalInput(ctx: PrepareContext, i: number): { index: number; t: Tensor } | null {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) return null;
  return { index, t: ctx.graph.tensors[index] };
}

export function output(ctx: PrepareContext, i = 0): { index: number; t: Tensor } {
  const index = ctx.op.outputs[i];
  if (index === undefined || index < 0) fail(ctx, `output ${i} is missing`);
  return { index, t: ctx.graph.tensors[index] };
}

export function expectDType(ctx: PrepareContext, t: Tensor, allowed: DType[], role: string): void {
  if (!allowed.includes(t.dtype)) {
    notSupported(ctx, `${role} tensor "${t.name}" is ${t.dtype}; supported: ${allowed.join(', ')}`);
  }
}

export function expectRank(ctx: PrepareContext, t: Tensor, rank: number, role: string): void {
  if (t.shape.length !== rank) fail(ctx, `${role} tensor "${t.name}" has shape [${t.shape}], expected rank ${rank}`);
}

/** Per-tensor quantisation (scale as stored float32, zero point). */
export function qparams(ctx: PrepareContext, t: Tensor, role: string): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (!q || q.scale.length === 0) fail(ctx, `${role} tensor "${t.name}" (${t.dtype}) has no quantization parameters`);
  return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint.length ? q.zeroPoint[0] : 0 };
}

/** Constant int32 values of a tensor (bias, axis, shape), decoded little-endian. */
export function constInt32(t: Tensor): Int32Array | null {
  if (!t.data) return null;
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Int32Array(t.data.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

export function byteSize(t: Tensor): number {
  return numElements(t.shape) * DTYPE_BYTES[t.dtype];
}

/** TFLM ComputeOutSize + ComputePaddingWithOffset for one spatial axis. */
export function padFor(padding: Padding, inSize: number, filter: number, stride: number, dilation: number): { out: number; pad: number } {
  const effective = (filter - 1) * dilation + 1;
  const out = padding === 'SAME' ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize + stride - effective) / stride);
  const total = Math.max(0, (out - 1) * stride + effective - inSize);
  return { out, pad: Math.floor(total / 2) };
}

/**
 * TFLM CalculateActivationRangeQuantized for int8 outputs: the fused activation as a clamp range
 * in the output's quantized domain (values computed as float32 `round(f / scale)` like TFLM).
 */
export function activationRangeInt8(act: Activation, scale: number, zeroPoint: number): [number, number] {
  const q = (f: number) => zeroPoint + roundHalfAway(Math.fround(f / scale));
  switch (act) {
    case 'RELU':
      return [Math.max(-128, q(0)), 127];
    case 'RELU6':
      return [Math.max(-128, q(0)), Math.min(127, q(6))];
    case 'RELU_N1_TO_1':
      return [Math.max(-128, q(-1)), Math.min(127, q(1))];
    default:
      // NONE; TFLM also treats TANH / SIGN_BIT as no clamp for quantized outputs.
      return [-128, 127];
  }
}

/** TFLM CalculateActivationRange for float outputs. */
export function activationRangeFloat(act: Activation): [number, number] {
  switch (act) {
    case 'RELU':
      return [0, Infinity];
    case 'RELU6':
      return [0, 6];
    case 'RELU_N1_TO_1':
      return [-1, 1];
    default:
      return [-Infinity, Infinity];
  }
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
