/** AVERAGE_POOL_2D and MAX_POOL_2D (TFLM pooling.cc + reference/integer_ops/pooling.h): one Prepare, one kernel each. */
import type { OpName, Pool2DOptions } from '../core/graph.js';
import { dataKind, dtypeAt, expectRank, fail, input, output, qparams, sameKind } from './common.js';
import { activationRange, activationRangeFloat, padFor } from './quant.js';
import { Pool2DOptions as Pool2DTable } from '../tflite/generated/tflite/pool2-doptions.js';
import { ACT_CODE, PADDING_CODE } from '../tflite/options.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface PoolPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  batches: number;
  inH: number;
  inW: number;
  depth: number;
  outH: number;
  outW: number;
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  actMin: number;
  actMax: number;
}

/** The fields of the C tf_pool_params_t (firmware/native/tf_kernels.h), shared with the DSP pool kernels. */
export function poolParamsFields(p: PoolPrepared): Record<string, number> {
  return {
    batches: p.batches,
    in_h: p.inH,
    in_w: p.inW,
    channels: p.depth,
    out_h: p.outH,
    out_w: p.outW,
    filter_h: p.filterH,
    filter_w: p.filterW,
    stride_h: p.strideH,
    stride_w: p.strideW,
    pad_h: p.padH,
    pad_w: p.padW,
    act_min: p.actMin,
    act_max: p.actMax,
  };
}

function prepare(ctx: OpContext): PoolPrepared {
  const opt = ctx.op.options as Pool2DOptions;
  const x = input(ctx, 0);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  expectRank(ctx, x.t, 4, 'input');
  expectRank(ctx, y.t, 4, 'output');
  const [batches, inH, inW, depth] = x.t.shape;
  const fH = opt.filterH;
  const fW = opt.filterW;
  const sH = opt.strideH || 1;
  const sW = opt.strideW || 1;
  if (!(fH > 0 && fW > 0)) fail(ctx, `filter size ${fH}x${fW} is invalid`);
  const ph = padFor(opt.padding, inH, fH, sH, 1);
  const pw = padFor(opt.padding, inW, fW, sW, 1);
  const [yb, outH, outW, yd] = y.t.shape;
  if (yb !== batches || outH !== ph.out || outW !== pw.out || yd !== depth) {
    fail(ctx, `output shape [${y.t.shape}] should be [${batches},${ph.out},${pw.out},${depth}]`);
  }
  let r: { min: number; max: number };
  if (kind === 'float32') r = activationRangeFloat(opt.fusedActivation);
  else {
    const inQ = qparams(ctx, x.t, 'input');
    const outQ = qparams(ctx, y.t, 'output');
    if (Math.abs(inQ.scale - outQ.scale) > 1e-6 || inQ.zeroPoint !== outQ.zeroPoint) {
      fail(ctx, `input and output quantization differ (${inQ.scale}/${inQ.zeroPoint} vs ${outQ.scale}/${outQ.zeroPoint}); TFLM requires them equal`);
    }
    r = activationRange(opt.fusedActivation, outQ.scale, outQ.zeroPoint);
  }
  return { kind, input: x.index, output: y.index, batches, inH, inW, depth, outH, outW, filterH: fH, filterW: fW, strideH: sH, strideW: sW, padH: ph.pad, padW: pw.pad, actMin: r.min, actMax: r.max };
}

function poolDef(op: OpName & ('AVERAGE_POOL_2D' | 'MAX_POOL_2D')): OpDef<PoolPrepared> {
  const isMax = op === 'MAX_POOL_2D';
  const kernel = isMax ? 'tf_k_max_pool_s8' : 'tf_k_avg_pool_s8';
  return {
    op,
    builtinCode: isMax ? 17 : 1,
    optionsSlot: 5,
    version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
    minRuntime: { 1: '1.5.0', 2: '1.14.0' },
    tflm: isMax ? { resolver: 'AddMaxPool2D', cmsisNn: ['arm_max_pool_s8'] } : { resolver: 'AddAveragePool2D', cmsisNn: ['arm_avgpool_s8'] },
    options: {
      table: 'Pool2DOptions',
      fields: [['padding', 'i8', 0], ['stride_w', 'i32', 0], ['stride_h', 'i32', 0], ['filter_width', 'i32', 0], ['filter_height', 'i32', 0], ['fused_activation_function', 'i8', 0]],
      read(f) {
        const filterW = f.num('filter_width');
        const filterH = f.num('filter_height');
        if (filterW < 1 || filterH < 1) f.bad(`has filter ${filterW}x${filterH}`);
        return { padding: f.padding(), ...f.strides(), filterW, filterH, fusedActivation: f.activation() };
      },
      write(b, o) {
        const x = o as Pool2DOptions;
        Pool2DTable.startPool2DOptions(b);
        Pool2DTable.addPadding(b, PADDING_CODE[x.padding]);
        Pool2DTable.addStrideW(b, x.strideW);
        Pool2DTable.addStrideH(b, x.strideH);
        Pool2DTable.addFilterWidth(b, x.filterW);
        Pool2DTable.addFilterHeight(b, x.filterH);
        Pool2DTable.addFusedActivationFunction(b, ACT_CODE[x.fusedActivation]);
        return Pool2DTable.endPool2DOptions(b);
      },
    },
    prepare,
    host(p, _ctx, stores) {
      const { batches, inH, inW, depth, outH, outW, filterH: fH, filterW: fW, strideH: sH, strideW: sW, padH, padW, actMin: lo, actMax: hi } = p;
      const isFloat = p.kind === 'float32';
      const xs = isFloat ? stores[p.input].f32 : stores[p.input].i8;
      const ys = isFloat ? stores[p.output].f32 : stores[p.output].i8;
      return () => {
        for (let n = 0; n < batches; n++)
          for (let oy = 0; oy < outH; oy++)
            for (let ox = 0; ox < outW; ox++) {
              const ix0 = ox * sW - padW;
              const iy0 = oy * sH - padH;
              const fx0 = Math.max(0, -ix0);
              const fx1 = Math.min(fW, inW - ix0);
              const fy0 = Math.max(0, -iy0);
              const fy1 = Math.min(fH, inH - iy0);
              for (let c = 0; c < depth; c++) {
                let acc = isMax ? -Infinity : 0;
                let count = 0;
                for (let fy = fy0; fy < fy1; fy++)
                  for (let fx = fx0; fx < fx1; fx++) {
                    const v = xs[((n * inH + iy0 + fy) * inW + ix0 + fx) * depth + c];
                    if (isMax) {
                      if (v > acc) acc = v;
                    } else acc = isFloat ? fr(acc + v) : acc + v;
                    count++;
                  }
                let r: number;
                if (isMax) r = count === 0 ? (isFloat ? -3.4028234663852886e38 : -128) : acc;
                else if (count === 0) r = 0;
                else if (isFloat) r = fr(acc / count);
                // C integer division truncates toward zero.
                else r = acc > 0 ? Math.trunc((acc + (count >> 1)) / count) : Math.trunc((acc - (count >> 1)) / count);
                ys[((n * outH + oy) * outW + ox) * depth + c] = r < lo ? lo : r > hi ? hi : r;
              }
            }
      };
    },
    native: {
      kernels: [kernel],
      sources: ['tf_k_pool.c'],
      emit(p, e) {
        e.int8('in', 0);
        e.int8('out', 0);
        const params = e.struct('tf_pool_params_t', poolParamsFields(p));
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const AVERAGE_POOL_2D = poolDef('AVERAGE_POOL_2D');
export const MAX_POOL_2D = poolDef('MAX_POOL_2D');
