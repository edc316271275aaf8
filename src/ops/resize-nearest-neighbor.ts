/**
 * RESIZE_NEAREST_NEIGHBOR (TFLM resize_nearest_neighbor.cc + reference GetNearestNeighbor): each
 * output pixel copies the input pixel at floor((o + offset)·scale) (round with align_corners),
 * clamped, where scale and the product are float32 exactly as TFLM computes them. The source row
 * and column of every output row and column are computed once here (generation time), so the C
 * kernel only indexes: no floating point on the device.
 */
import type { ResizeNearestNeighborOptions } from '../core/graph.js';
import { constInt32, dataKind, dtypeAt, expectRank, fail, input, notSupported, output, sameKind } from './common.js';
import { roundHalfAway } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface ResizeNNPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  batches: number;
  inH: number;
  inW: number;
  channels: number;
  /** Source row of each output row, source column of each output column. */
  rows: Int32Array;
  cols: Int32Array;
}

/** TFLM GetNearestNeighbor. */
function nearest(o: number, inSize: number, outSize: number, align: boolean, halfPixel: boolean): number {
  const scale = align && outSize > 1 ? fr((inSize - 1) / fr(outSize - 1)) : fr(inSize / fr(outSize));
  const pos = fr(fr(o + (halfPixel ? 0.5 : 0)) * scale);
  let v = Math.min(align ? roundHalfAway(pos) : Math.floor(pos), inSize - 1);
  if (halfPixel) v = Math.max(0, v);
  return v;
}

function prepare(ctx: OpContext): ResizeNNPrepared {
  const o = ctx.op.options as ResizeNearestNeighborOptions;
  const x = input(ctx, 0);
  const size = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  expectRank(ctx, x.t, 4, 'input');
  expectRank(ctx, y.t, 4, 'output');
  const s = constInt32(size.t);
  if (!s || size.t.dtype !== 'int32' || s.length !== 2) notSupported(ctx, `size tensor "${size.t.name}" must be a constant int32 [2] (TFLM requires it)`);
  const [batches, inH, inW, channels] = x.t.shape;
  const [outH, outW] = s;
  if (y.t.shape[0] !== batches || y.t.shape[1] !== outH || y.t.shape[2] !== outW || y.t.shape[3] !== channels) fail(ctx, `output shape [${y.t.shape}] should be [${batches},${outH},${outW},${channels}]`);
  const rows = Int32Array.from({ length: outH }, (_, r) => nearest(r, inH, outH, o.alignCorners, o.halfPixelCenters));
  const cols = Int32Array.from({ length: outW }, (_, c) => nearest(c, inW, outW, o.alignCorners, o.halfPixelCenters));
  return { kind, input: x.index, output: y.index, batches, inH, inW, channels, rows, cols };
}

export const RESIZE_NEAREST_NEIGHBOR: OpDef<ResizeNNPrepared> = {
  op: 'RESIZE_NEAREST_NEIGHBOR',
  builtinCode: 97,
  optionsSlot: 74,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.13.1', 2: '1.14.0' },
  tflm: { resolver: 'AddResizeNearestNeighbor', cmsisNn: [] },
  options: {
    // ResizeNearestNeighborOptions { align_corners: bool; half_pixel_centers: bool } (schema.fbs).
    table: 'ResizeNearestNeighborOptions',
    fields: [['align_corners', 'bool', false], ['half_pixel_centers', 'bool', false]],
    read: (f) => ({ alignCorners: f.bool('align_corners'), halfPixelCenters: f.bool('half_pixel_centers') }),
    write(b, o) {
      const x = o as ResizeNearestNeighborOptions;
      b.startObject(2);
      b.addFieldInt8(0, x.alignCorners ? 1 : 0, 0);
      b.addFieldInt8(1, x.halfPixelCenters ? 1 : 0, 0);
      return b.endObject();
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { batches, inH, inW, channels: C, rows, cols } = p;
    const X = stores[p.input];
    const Y = stores[p.output];
    const [xv, yv] = p.kind === 'float32' ? [X.f32, Y.f32] : [X.i8, Y.i8];
    return () => {
      let k = 0;
      for (let b = 0; b < batches; b++)
        for (const r of rows)
          for (const c of cols) {
            const base = ((b * inH + r) * inW + c) * C;
            for (let ch = 0; ch < C; ch++) yv[k++] = xv[base + ch];
          }
    };
  },
  native: {
    kernels: ['tf_k_resize_nearest_s8'],
    sources: ['tf_k_shape.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const rows = `tf_op${e.opIndex}_rows`;
      const cols = `tf_op${e.opIndex}_cols`;
      e.decl(`static const int32_t ${rows}[${p.rows.length || 1}] = {${Array.from(p.rows.length ? p.rows : [0]).join(', ')}};`);
      e.decl(`static const int32_t ${cols}[${p.cols.length || 1}] = {${Array.from(p.cols.length ? p.cols : [0]).join(', ')}};`);
      const params = e.struct('tf_resize_nearest_params_t', { batches: p.batches, in_h: p.inH, in_w: p.inW, channels: p.channels, out_h: p.rows.length, out_w: p.cols.length, rows, cols });
      return { kernel: 'tf_k_resize_nearest_s8', call: `tf_k_resize_nearest_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
