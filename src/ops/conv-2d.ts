/** CONV_2D (TFLM conv.cc + reference/integer_ops/conv.h ConvPerChannel), grouped convolutions included. */
import type { Conv2DOptions, Operator } from '../core/graph.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { Conv2DOptions as Conv2DTable } from '../tflite/generated/tflite/conv2-doptions.js';
import { ACT_CODE, PADDING_CODE } from '../tflite/options.js';
import { dtypeAt, expectRank, fail, weightedIO } from './common.js';
import { convGeometry, convOutputStage, emitConvLike, int8Finisher, type ConvPrepared } from './conv-common.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

function prepare(ctx: OpContext): ConvPrepared {
  const opt = ctx.op.options as Conv2DOptions;
  const { x, w, b, y, kind } = weightedIO(ctx);
  expectRank(ctx, w.t, 4, 'filter');
  const outC = w.t.shape[0];
  const g = convGeometry(ctx, x.t, w.t, y.t, opt, outC);
  const filterInC = w.t.shape[3];
  if (filterInC <= 0 || g.inC % filterInC !== 0) fail(ctx, `input depth ${g.inC} is not a multiple of the filter depth ${filterInC}`);
  const groups = g.inC / filterInC;
  if (outC % groups !== 0) fail(ctx, `${outC} output channels cannot be split into ${groups} groups`);
  const stage = convOutputStage(ctx, kind, x.t, w.t, b?.t, y.t, outC, opt);
  return { kind, input: x.index, filter: w.index, bias: b ? b.index : null, output: y.index, ...g, ...stage, filterInC, depthMultiplier: 1 };
}

export const CONV_2D: OpDef<ConvPrepared> = {
  op: 'CONV_2D',
  builtinCode: 3,
  optionsSlot: 1,
  version: (o: Operator, g) => (dtypeAt(g, o.inputs[0]) === 'int8' && dtypeAt(g, o.inputs[1]) === 'int8' && dtypeAt(g, o.outputs[0]) === 'int8' ? 3 : 1),
  weights: { filter: 1, bias: 2, quantization: 'per-channel' },
  minRuntime: { 1: '1.5.0', 2: '1.14.0', 3: '1.14.0' },
  tflm: { resolver: 'AddConv2D', cmsisNn: ['arm_convolve_wrapper_s8'] },
  options: {
    table: 'Conv2DOptions',
    fields: [['padding', 'i8', 0], ['stride_w', 'i32', 0], ['stride_h', 'i32', 0], ['fused_activation_function', 'i8', 0], ['dilation_w_factor', 'i32', 1], ['dilation_h_factor', 'i32', 1]],
    read: (f) => f.conv(),
    write(b, o) {
      const x = o as Conv2DOptions;
      Conv2DTable.startConv2DOptions(b);
      Conv2DTable.addPadding(b, PADDING_CODE[x.padding]);
      Conv2DTable.addStrideW(b, x.strideW);
      Conv2DTable.addStrideH(b, x.strideH);
      Conv2DTable.addFusedActivationFunction(b, ACT_CODE[x.fusedActivation]);
      Conv2DTable.addDilationWFactor(b, x.dilationW);
      Conv2DTable.addDilationHFactor(b, x.dilationH);
      return Conv2DTable.endConv2DOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { batches, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padH, padW, filterInC } = p;
    const groups = inC / filterInC;
    const perGroup = outC / groups;
    const K = kH * kW * filterInC;
    const X = stores[p.input];
    const Y = stores[p.output];
    const isFloat = p.kind === 'float32';

    // Per output pixel and group, the receptive field is gathered once into `col` in the filter's
    // [ky][kx][ic] order; out-of-image taps become 0, which adds nothing, exactly like TFLM skipping
    // them. Every output channel is then one contiguous dot product in TFLM's summation order.
    const col = isFloat ? new Float32Array(K) : new Int32Array(K);
    const xs = isFloat ? X.f32 : X.i8;
    let inOffset = 0;
    let finish: (acc: number, oc: number) => number;
    let Wf: Float32Array | null = null;
    let Wi: Int8Array | null = null;
    if (isFloat) {
      const W = stores[p.filter].f32;
      const B = p.bias !== null ? stores[p.bias].f32 : null;
      const { actMin: lo, actMax: hi } = p;
      Wf = W;
      finish = (acc, oc) => {
        const v = fr(acc + (B ? B[oc] : 0));
        return v < lo ? lo : v > hi ? hi : v;
      };
    } else {
      inOffset = p.inputOffset;
      finish = int8Finisher(p, mulByQuantizedMultiplier);
      Wi = stores[p.filter].i8;
    }
    const ys = isFloat ? Y.f32 : Y.i8;
    const gather = (n: number, oy: number, ox: number, grp: number) => {
      let k = 0;
      for (let ky = 0; ky < kH; ky++) {
        const iy = oy * strideH - padH + dilH * ky;
        for (let kx = 0; kx < kW; kx++) {
          const ix = ox * strideW - padW + dilW * kx;
          if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
            col.fill(0, k, k + filterInC);
            k += filterInC;
            continue;
          }
          const xo = ((n * inH + iy) * inW + ix) * inC + grp * filterInC;
          for (let ic = 0; ic < filterInC; ic++) col[k++] = xs[xo + ic] + inOffset;
        }
      }
    };
    // Separate int8 / float loops keep each dot product monomorphic for the JIT.
    const dot: (wo: number) => number = Wi
      ? ((W: Int8Array, c: Int32Array) => (wo: number) => {
          let acc = 0;
          for (let j = 0; j < K; j++) acc = (acc + W[wo + j] * c[j]) | 0;
          return acc;
        })(Wi, col as Int32Array)
      : ((W: Float32Array, c: Float32Array) => (wo: number) => {
          let acc = 0;
          for (let j = 0; j < K; j++) acc = fr(acc + fr(c[j] * W[wo + j]));
          return acc;
        })(Wf as Float32Array, col as Float32Array);
    return () => {
      for (let n = 0; n < batches; n++)
        for (let oy = 0; oy < outH; oy++)
          for (let ox = 0; ox < outW; ox++) {
            const yo = ((n * outH + oy) * outW + ox) * outC;
            for (let grp = 0; grp < groups; grp++) {
              gather(n, oy, ox, grp);
              for (let oc = grp * perGroup, end = oc + perGroup; oc < end; oc++) ys[yo + oc] = finish(dot(oc * K), oc);
            }
          }
    };
  },
  native: {
    kernels: ['tf_k_conv2d_s8'],
    sources: ['tf_k_conv.c'],
    emit: (p, e) => emitConvLike(p, e, 'tf_k_conv2d_s8'),
  },
};
