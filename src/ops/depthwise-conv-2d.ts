/** DEPTHWISE_CONV_2D (TFLM depthwise_conv.cc + reference/integer_ops/depthwise_conv.h DepthwiseConvPerChannel). */
import type { DepthwiseConv2DOptions } from '../core/graph.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { DepthwiseConv2DOptions as DepthwiseTable } from '../tflite/generated/tflite/depthwise-conv2-doptions.js';
import { ACT_CODE, PADDING_CODE } from '../tflite/options.js';
import { dtypeAt, expectRank, fail, weightedIO } from './common.js';
import { convGeometry, convOutputStage, emitConvLike, int8Finisher, type ConvPrepared } from './conv-common.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

function prepare(ctx: OpContext): ConvPrepared {
  const opt = ctx.op.options as DepthwiseConv2DOptions;
  const { x, w, b, y, kind } = weightedIO(ctx);
  expectRank(ctx, w.t, 4, 'filter');
  expectRank(ctx, x.t, 4, 'input');
  const outC = w.t.shape[3];
  const inC = x.t.shape[3];
  // An absent option (0) means "derive it"; a present one must agree with the shapes.
  const dm = opt.depthMultiplier || outC / inC;
  if (!Number.isInteger(dm) || inC * dm !== outC) {
    fail(ctx, `depth_multiplier ${opt.depthMultiplier} does not turn ${inC} input channels into the filter's ${outC}`);
  }
  const g = convGeometry(ctx, x.t, w.t, y.t, opt, outC);
  const stage = convOutputStage(ctx, kind, x.t, w.t, b?.t, y.t, outC, opt);
  return { kind, input: x.index, filter: w.index, bias: b ? b.index : null, output: y.index, ...g, ...stage, filterInC: 1, depthMultiplier: dm };
}

export const DEPTHWISE_CONV_2D: OpDef<ConvPrepared> = {
  op: 'DEPTHWISE_CONV_2D',
  builtinCode: 4,
  optionsSlot: 2,
  version(o, g) {
    if (dtypeAt(g, o.inputs[0]) === 'int8' && dtypeAt(g, o.inputs[1]) === 'int8' && dtypeAt(g, o.outputs[0]) === 'int8') return 3;
    const opt = o.options as DepthwiseConv2DOptions;
    return opt.dilationW !== 1 || opt.dilationH !== 1 ? 2 : 1;
  },
  weights: { filter: 1, bias: 2, quantization: 'per-channel' },
  minRuntime: { 1: '1.5.0', 2: '1.12.0', 3: '1.14.0' },
  tflm: { resolver: 'AddDepthwiseConv2D', cmsisNn: ['arm_depthwise_conv_wrapper_s8'] },
  options: {
    table: 'DepthwiseConv2DOptions',
    fields: [['padding', 'i8', 0], ['stride_w', 'i32', 0], ['stride_h', 'i32', 0], ['depth_multiplier', 'i32', 0], ['fused_activation_function', 'i8', 0], ['dilation_w_factor', 'i32', 1], ['dilation_h_factor', 'i32', 1]],
    read: (f) => ({ ...f.conv(), depthMultiplier: f.num('depth_multiplier') }),
    write(b, o) {
      const x = o as DepthwiseConv2DOptions;
      DepthwiseTable.startDepthwiseConv2DOptions(b);
      DepthwiseTable.addPadding(b, PADDING_CODE[x.padding]);
      DepthwiseTable.addStrideW(b, x.strideW);
      DepthwiseTable.addStrideH(b, x.strideH);
      DepthwiseTable.addDepthMultiplier(b, x.depthMultiplier);
      DepthwiseTable.addFusedActivationFunction(b, ACT_CODE[x.fusedActivation]);
      DepthwiseTable.addDilationWFactor(b, x.dilationW);
      DepthwiseTable.addDilationHFactor(b, x.dilationH);
      return DepthwiseTable.endDepthwiseConv2DOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { batches, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padH, padW, depthMultiplier: dm } = p;
    const X = stores[p.input];
    const Y = stores[p.output];

    if (p.kind === 'float32') {
      const W = stores[p.filter].f32;
      const B = p.bias !== null ? stores[p.bias].f32 : null;
      const { actMin: lo, actMax: hi } = p;
      const xf = X.f32;
      const yf = Y.f32;
      return () => {
        for (let n = 0; n < batches; n++)
          for (let oy = 0; oy < outH; oy++)
            for (let ox = 0; ox < outW; ox++)
              for (let ic = 0; ic < inC; ic++)
                for (let m = 0; m < dm; m++) {
                  const oc = m + ic * dm;
                  const iy0 = oy * strideH - padH;
                  const ix0 = ox * strideW - padW;
                  let total = 0;
                  for (let ky = 0; ky < kH; ky++) {
                    const iy = iy0 + dilH * ky;
                    if (iy < 0 || iy >= inH) continue;
                    for (let kx = 0; kx < kW; kx++) {
                      const ix = ix0 + dilW * kx;
                      if (ix < 0 || ix >= inW) continue;
                      total = fr(total + fr(xf[((n * inH + iy) * inW + ix) * inC + ic] * W[(ky * kW + kx) * outC + oc]));
                    }
                  }
                  const v = fr(total + (B ? B[oc] : 0));
                  yf[((n * outH + oy) * outW + ox) * outC + oc] = v < lo ? lo : v > hi ? hi : v;
                }
      };
    }

    const inOffset = p.inputOffset;
    const finish = int8Finisher(p, mulByQuantizedMultiplier);
    const W = stores[p.filter].i8;
    const xi = X.i8;
    const yi = Y.i8;
    const acc = new Int32Array(outC);
    return () => {
      for (let n = 0; n < batches; n++)
        for (let oy = 0; oy < outH; oy++) {
          const iy0 = oy * strideH - padH;
          for (let ox = 0; ox < outW; ox++) {
            const ix0 = ox * strideW - padW;
            acc.fill(0);
            // Same sums as TFLM's loop order (integer sums are order-independent); walking the
            // window outermost keeps the inner loop contiguous over channels.
            for (let ky = 0; ky < kH; ky++) {
              const iy = iy0 + dilH * ky;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < kW; kx++) {
                const ix = ix0 + dilW * kx;
                if (ix < 0 || ix >= inW) continue;
                const xo = ((n * inH + iy) * inW + ix) * inC;
                const wo = (ky * kW + kx) * outC;
                if (dm === 1) {
                  for (let c = 0; c < outC; c++) acc[c] += W[wo + c] * (xi[xo + c] + inOffset);
                } else {
                  for (let ic = 0; ic < inC; ic++) {
                    const xv = xi[xo + ic] + inOffset;
                    const base = ic * dm;
                    for (let m = 0; m < dm; m++) acc[base + m] += W[wo + base + m] * xv;
                  }
                }
              }
            }
            const yo = ((n * outH + oy) * outW + ox) * outC;
            for (let oc = 0; oc < outC; oc++) yi[yo + oc] = finish(acc[oc], oc);
          }
        }
    };
  },
  native: {
    kernels: ['tf_k_depthwise_conv2d_s8'],
    sources: ['tf_k_conv.c'],
    // DSP builds may replace this call (src/firmware/native/dsp/) or link a strong tf_k_depthwise_conv2d_s8 (firmware/native/dsp/).
    emit: (p, e) => emitConvLike(p, e, 'tf_k_depthwise_conv2d_s8'),
  },
};
