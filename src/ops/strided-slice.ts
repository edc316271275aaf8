/**
 * STRIDED_SLICE (TFLM strided_slice_common.cc + kernels/internal/strided_slice_logic.h
 * StartForAxis / StopForAxis, reference StridedSlice): constant begin / end / strides, begin_mask,
 * end_mask and shrink_axis_mask; raw values copied. TFLM builds its parameters with ellipsis_mask
 * and new_axis_mask forced to 0 (and has no `offset`), so a model using them would not mean on the
 * board what it says: tinyforge refuses them. Up to 4 dimensions here (TFLM: 5).
 */
import type { StridedSliceOptions } from '../core/graph.js';
import { constInt32, dtypeAt, fail, input, moveKind, moveView, notSupported, output, sameKind } from './common.js';
import type { OpContext, OpDef } from './types.js';

export interface StridedSlicePrepared {
  kind: 'int8' | 'float32' | 'int32';
  input: number;
  output: number;
  /** Per axis, padded with leading axes to 4: elements taken and the step between them (input elements). */
  counts: number[];
  steps: number[];
  /** Input element of the first output element (the start indices folded in). */
  base: number;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const clamp = (v: number, lo: number, hi: number) => (hi < v ? hi : v < lo ? lo : v);

function prepare(ctx: OpContext): StridedSlicePrepared {
  const o = ctx.op.options as StridedSliceOptions;
  const x = input(ctx, 0);
  const [b, e, s] = [1, 2, 3].map((k) => input(ctx, k));
  const y = output(ctx);
  const kind = moveKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const rank = x.t.shape.length;
  if (rank > 4) notSupported(ctx, `input of rank ${rank} (STRIDED_SLICE here takes at most 4 dimensions; TFLM takes 5)`);
  if (o.ellipsisMask || o.newAxisMask || o.offset) notSupported(ctx, 'ellipsis_mask, new_axis_mask and offset (TFLM ignores them, so the model would compute something else on the board)');
  const [begin, end, strides] = [b, e, s].map((t) => {
    const v = constInt32(t.t);
    if (!v || t.t.dtype !== 'int32') notSupported(ctx, `"${t.t.name}" must be a constant int32 tensor (TFLM requires it)`);
    if (v.length !== rank) fail(ctx, `"${t.t.name}" has ${v.length} values for a rank-${rank} input`);
    return v;
  });
  const counts: number[] = [];
  const starts: number[] = [];
  const steps: number[] = [];
  const outShape: number[] = [];
  let inStride = 1;
  const strideOf = new Array<number>(rank);
  for (let d = rank - 1; d >= 0; d--) {
    strideOf[d] = inStride;
    inStride *= x.t.shape[d];
  }
  for (let d = 0; d < rank; d++) {
    const size = x.t.shape[d];
    const stride = strides[d];
    if (stride === 0) fail(ctx, `stride of axis ${d} is 0`);
    const shrink = (o.shrinkAxisMask & (1 << d)) !== 0;
    // StartForAxis / StopForAxis.
    let start = 0;
    let stop = 0;
    if (size !== 0) {
      start = o.beginMask & (1 << d) ? (stride > 0 ? INT_MIN : INT_MAX) : begin[d];
      if (start < 0) start += size;
      start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
      if (shrink) stop = start + 1;
      else {
        stop = o.endMask & (1 << d) ? (stride > 0 ? INT_MAX : INT_MIN) : end[d];
        if (stop < 0) stop += size;
        stop = stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1);
      }
    }
    if (shrink && size !== 0 && (start < 0 || start >= size)) fail(ctx, `shrunk axis ${d} starts at ${start}, outside its ${size} elements`);
    const count = Math.max(0, Math.ceil((stop - start) / stride));
    counts.push(count);
    starts.push(start);
    steps.push(stride * strideOf[d]);
    if (!shrink) outShape.push(count);
  }
  if (y.t.shape.length !== outShape.length || y.t.shape.some((d, i) => d !== outShape[i])) fail(ctx, `output shape [${y.t.shape}] should be [${outShape}]`);
  const lead = 4 - rank;
  let base = 0;
  starts.forEach((st, d) => (base += st * strideOf[d]));
  return { kind, input: x.index, output: y.index, counts: [...Array(lead).fill(1), ...counts], steps: [...Array(lead).fill(0), ...steps], base };
}

export const STRIDED_SLICE: OpDef<StridedSlicePrepared> = {
  op: 'STRIDED_SLICE',
  builtinCode: 45,
  optionsSlot: 32,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.6.0', 2: '1.14.0' },
  tflm: { resolver: 'AddStridedSlice', cmsisNn: [] },
  options: {
    // StridedSliceOptions (schema.fbs): begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset.
    table: 'StridedSliceOptions',
    fields: [['begin_mask', 'i32', 0], ['end_mask', 'i32', 0], ['ellipsis_mask', 'i32', 0], ['new_axis_mask', 'i32', 0], ['shrink_axis_mask', 'i32', 0], ['offset', 'bool', false]],
    read: (f) => ({ beginMask: f.num('begin_mask'), endMask: f.num('end_mask'), ellipsisMask: f.num('ellipsis_mask'), newAxisMask: f.num('new_axis_mask'), shrinkAxisMask: f.num('shrink_axis_mask'), offset: f.bool('offset') }),
    write(b, o) {
      const x = o as StridedSliceOptions;
      b.startObject(6);
      b.addFieldInt32(0, x.beginMask, 0);
      b.addFieldInt32(1, x.endMask, 0);
      b.addFieldInt32(2, x.ellipsisMask, 0);
      b.addFieldInt32(3, x.newAxisMask, 0);
      b.addFieldInt32(4, x.shrinkAxisMask, 0);
      b.addFieldInt8(5, x.offset ? 1 : 0, 0);
      return b.endObject();
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const [c0, c1, c2, c3] = p.counts;
    const [s0, s1, s2, s3] = p.steps;
    const { base } = p;
    const X = stores[p.input];
    const Y = stores[p.output];
    const [xv, yv] = [moveView(p.kind, X), moveView(p.kind, Y)];
    return () => {
      let k = 0;
      for (let a = 0; a < c0; a++)
        for (let b = 0; b < c1; b++)
          for (let c = 0; c < c2; c++)
            for (let d = 0; d < c3; d++) yv[k++] = xv[base + a * s0 + b * s1 + c * s2 + d * s3];
    };
  },
  native: {
    kernels: ['tf_k_strided_slice_s8'],
    sources: ['tf_k_shape.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const c4 = (v: number[]) => `{${v.join(', ')}}`;
      const params = e.struct('tf_strided_slice_params_t', { counts: c4(p.counts), steps: c4(p.steps), base: p.base });
      return { kernel: 'tf_k_strided_slice_s8', call: `tf_k_strided_slice_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
