/**
 * The operators: each `prepare*` validates one operator once (shapes, dtypes, quantisation),
 * precomputes what TFLM's Prepare() computes (multipliers, shifts, padding, activation ranges)
 * and returns an allocation-free kernel that does what TFLM's reference Eval() does.
 *
 * int8 kernels follow tensorflow/lite/kernels/internal/reference/integer_ops/* and
 * tensorflow/lite/micro/kernels/* at TFLM 90b983c2b3f1480642e040bbd2ddb37b998f3424.
 * float32 kernels follow reference_ops with float32 rounding after every operation
 * (Math.fround); they are a reference for float models, not part of the bit-exact contract
 * (exp/tanh use the host's double-precision functions rounded to float32).
 */
import type {
  Activation,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  FullyConnectedOptions,
  MeanOptions,
  Pool2DOptions,
  SoftmaxOptions,
  AddOptions,
  Tensor,
} from '../core/graph.js';
import { numElements } from '../core/graph.js';
import {
  type Kernel,
  type PrepareContext,
  activationRangeFloat,
  activationRangeInt8,
  broadcastIndex,
  broadcastsTo,
  byteSize,
  constInt32,
  expectDType,
  expectRank,
  fail,
  input,
  notSupported,
  optionalInput,
  output,
  padFor,
  qparams,
} from './common.js';
import {
  calculateInputRadius,
  castInt32,
  expOnNegativeValues,
  frexp,
  getReciprocal,
  logisticFixed,
  mulByQuantizedMultiplier,
  mulByQuantizedMultiplierGreaterThanOne,
  mulByQuantizedMultiplierSmallerThanOne,
  quantizeMultiplier,
  rdbp,
  roundHalfAway,
  srdhm,
  tanhFixed,
} from './fixedpoint.js';

const fr = Math.fround;

/** int8 activations, or float32 activations: the kind of an op's main data path. */
function dataKind(ctx: PrepareContext, t: Tensor, role: string): 'int8' | 'float32' {
  expectDType(ctx, t, ['int8', 'float32'], role);
  return t.dtype as 'int8' | 'float32';
}

function sameKind(ctx: PrepareContext, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) notSupported(ctx, `input is ${a.dtype} but output is ${b.dtype}`);
}

/** Per-channel (or broadcast per-tensor) multipliers for conv-like ops, as TFLM's PopulateConvolutionQuantizationParams. */
function perChannelMultipliers(ctx: PrepareContext, inScale: number, filter: Tensor, outScale: number, channels: number) {
  const q = filter.quant;
  if (!q || q.scale.length === 0) fail(ctx, `filter tensor "${filter.name}" has no quantization parameters`);
  if (q.scale.length !== 1 && q.scale.length !== channels) {
    fail(ctx, `filter tensor "${filter.name}" has ${q.scale.length} scales for ${channels} output channels`);
  }
  const mult = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const fs = fr(q.scale[q.scale.length === 1 ? 0 : c]);
    const m = quantizeMultiplier((inScale * fs) / outScale);
    mult[c] = m.multiplier;
    shift[c] = m.shift;
  }
  return { mult, shift };
}

function int32Bias(ctx: PrepareContext, bias: Tensor | undefined, channels: number): Int32Array | null {
  if (!bias) return null;
  expectDType(ctx, bias, ['int32'], 'bias');
  const v = constInt32(bias);
  if (!v) notSupported(ctx, `bias tensor "${bias.name}" is not constant`);
  if (v.length !== channels) fail(ctx, `bias has ${v.length} values for ${channels} output channels`);
  return v;
}

function floatConst(ctx: PrepareContext, index: number, role: string): Float32Array {
  const s = ctx.stores[index];
  const t = ctx.graph.tensors[index];
  expectDType(ctx, t, ['float32'], role);
  return s.f32;
}

/** The common prologue of one-input elementwise ops: same dtype kind and element count in and out. */
function unaryIO(ctx: PrepareContext) {
  const x = input(ctx, 0);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  return { x, y, kind, n, X: ctx.stores[x.index], Y: ctx.stores[y.index] };
}

/** Float weights, optional float bias and the fused-activation clamp of a float conv-like op. */
function floatWeights(ctx: PrepareContext, wIndex: number, b: { index: number } | null, act: Activation) {
  const W = floatConst(ctx, wIndex, 'weights');
  const B = b ? floatConst(ctx, b.index, 'bias') : null;
  const [lo, hi] = activationRangeFloat(act);
  return { W, B, lo, hi };
}

/** The operands every weighted op (FC, conv, depthwise) starts from. */
function weightedIO(ctx: PrepareContext) {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const b = optionalInput(ctx, 2);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  return { x, w, b, y, kind };
}

/**
 * int8 conv/depthwise output stage (TFLM ConvPerChannel / DepthwiseConvPerChannel): the input
 * offset, and `finish(acc, oc)` = clamp(MBQM(acc + bias[oc], mult[oc], shift[oc]) + out_zp).
 */
function int8ConvOutput(ctx: PrepareContext, x: Tensor, w: Tensor, b: Tensor | undefined, y: Tensor, outC: number, act: Activation) {
  expectDType(ctx, w, ['int8'], 'filter');
  const inQ = qparams(ctx, x, 'input');
  const outQ = qparams(ctx, y, 'output');
  const { mult, shift } = perChannelMultipliers(ctx, inQ.scale, w, outQ.scale, outC);
  const bias = int32Bias(ctx, b, outC);
  const outOffset = outQ.zeroPoint;
  const [actMin, actMax] = activationRangeInt8(act, outQ.scale, outQ.zeroPoint);
  const finish = (acc: number, oc: number): number => {
    if (bias) acc = (acc + bias[oc]) | 0;
    const v = mulByQuantizedMultiplier(acc, mult[oc], shift[oc]) + outOffset;
    return v < actMin ? actMin : v > actMax ? actMax : v;
  };
  return { inOffset: -inQ.zeroPoint, finish };
}

// ---------------------------------------------------------------- FULLY_CONNECTED

export function prepareFullyConnected(ctx: PrepareContext): Kernel {
  const opt = ctx.op.options as FullyConnectedOptions;
  const { x, w, b, y, kind } = weightedIO(ctx);
  if (w.t.shape.length < 2) fail(ctx, `weights shape [${w.t.shape}] must have rank >= 2`);
  const accum = w.t.shape[w.t.shape.length - 1];
  const outDepth = y.t.shape[y.t.shape.length - 1];
  if (outDepth > w.t.shape[w.t.shape.length - 2]) fail(ctx, `output depth ${outDepth} exceeds the weights' ${w.t.shape[w.t.shape.length - 2]} rows`);
  const batches = numElements(y.t.shape) / outDepth;
  if (batches * accum !== numElements(x.t.shape)) {
    fail(ctx, `input shape [${x.t.shape}] does not match weights [${w.t.shape}] and output [${y.t.shape}]`);
  }
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];

  if (kind === 'float32') {
    const { W, B, lo, hi } = floatWeights(ctx, w.index, b, opt.fusedActivation);
    const xf = X.f32;
    const yf = Y.f32;
    return () => {
      for (let n = 0; n < batches; n++) {
        for (let c = 0; c < outDepth; c++) {
          let total = 0;
          const xo = n * accum;
          const wo = c * accum;
          for (let d = 0; d < accum; d++) total = fr(total + fr(xf[xo + d] * W[wo + d]));
          const v = fr(total + (B ? B[c] : 0));
          yf[c + outDepth * n] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    };
  }

  expectDType(ctx, w.t, ['int8'], 'weights');
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  const wq = w.t.quant;
  if (!wq || wq.scale.length === 0) fail(ctx, `weights tensor "${w.t.name}" has no quantization parameters`);
  const bias = int32Bias(ctx, b?.t, outDepth);
  const perChannel = wq.scale.length > 1;
  let mult: Int32Array;
  let shift: Int32Array;
  if (perChannel) {
    if (wq.scale.length !== w.t.shape[wq.quantizedDimension]) fail(ctx, `weights have ${wq.scale.length} scales but dimension ${wq.quantizedDimension} is ${w.t.shape[wq.quantizedDimension]}`);
    ({ mult, shift } = perChannelMultipliers(ctx, inQ.scale, w.t, outQ.scale, outDepth));
  } else {
    // TFLM GetQuantizedConvolutionMultipler: the product of the two scales is taken in float32.
    const productScale = fr(inQ.scale * fr(wq.scale[0]));
    if (b) {
      const biasScale = b.t.quant?.scale.length ? fr(b.t.quant.scale[0]) : 0;
      if (Math.abs(productScale - biasScale) / outQ.scale > 0.02) {
        fail(ctx, `bias scale ${biasScale} is not input_scale*weight_scale (${productScale}); TFLM refuses such a model`);
      }
    }
    const m = quantizeMultiplier(productScale / outQ.scale);
    mult = new Int32Array(outDepth).fill(m.multiplier);
    shift = new Int32Array(outDepth).fill(m.shift);
  }
  const filterOffset = perChannel ? 0 : -(wq.zeroPoint[0] ?? 0);
  const inOffset = -inQ.zeroPoint;
  const outOffset = outQ.zeroPoint;
  const [actMin, actMax] = activationRangeInt8(opt.fusedActivation, outQ.scale, outQ.zeroPoint);
  const W = ctx.stores[w.index].i8;
  const xi = X.i8;
  const yi = Y.i8;
  return () => {
    for (let n = 0; n < batches; n++) {
      const xo = n * accum;
      for (let c = 0; c < outDepth; c++) {
        let acc = 0;
        const wo = c * accum;
        for (let d = 0; d < accum; d++) acc = (acc + (W[wo + d] + filterOffset) * (xi[xo + d] + inOffset)) | 0;
        if (bias) acc = (acc + bias[c]) | 0;
        let v = mulByQuantizedMultiplier(acc, mult[c], shift[c]) + outOffset;
        v = v < actMin ? actMin : v > actMax ? actMax : v;
        yi[c + outDepth * n] = v;
      }
    }
  };
}

// ---------------------------------------------------------------- CONV_2D / DEPTHWISE_CONV_2D

interface ConvGeometry {
  batches: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padH: number;
  padW: number;
}

function convGeometry(ctx: PrepareContext, x: Tensor, w: Tensor, y: Tensor, opt: Conv2DOptions, outC: number): ConvGeometry {
  expectRank(ctx, x, 4, 'input');
  expectRank(ctx, w, 4, 'filter');
  expectRank(ctx, y, 4, 'output');
  const [batches, inH, inW, inC] = x.shape;
  const [, kH, kW] = w.shape;
  const strideH = opt.strideH || 1;
  const strideW = opt.strideW || 1;
  const dilH = opt.dilationH || 1;
  const dilW = opt.dilationW || 1;
  const ph = padFor(opt.padding, inH, kH, strideH, dilH);
  const pw = padFor(opt.padding, inW, kW, strideW, dilW);
  if (y.shape[0] !== batches || y.shape[1] !== ph.out || y.shape[2] !== pw.out || y.shape[3] !== outC) {
    fail(ctx, `output shape [${y.shape}] should be [${batches},${ph.out},${pw.out},${outC}] for input [${x.shape}], filter [${w.shape}], ${opt.padding} padding, stride ${strideH}x${strideW}`);
  }
  return { batches, inH, inW, inC, outH: ph.out, outW: pw.out, outC, kH, kW, strideH, strideW, dilH, dilW, padH: ph.pad, padW: pw.pad };
}

export function prepareConv2D(ctx: PrepareContext): Kernel {
  const opt = ctx.op.options as Conv2DOptions;
  const { x, w, b, y, kind } = weightedIO(ctx);
  expectRank(ctx, w.t, 4, 'filter');
  const outC = w.t.shape[0];
  const g = convGeometry(ctx, x.t, w.t, y.t, opt, outC);
  const filterInC = w.t.shape[3];
  if (filterInC <= 0 || g.inC % filterInC !== 0) fail(ctx, `input depth ${g.inC} is not a multiple of the filter depth ${filterInC}`);
  const groups = g.inC / filterInC;
  if (outC % groups !== 0) fail(ctx, `${outC} output channels cannot be split into ${groups} groups`);
  const perGroup = outC / groups;
  const { batches, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padH, padW } = g;
  const K = kH * kW * filterInC;
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];
  const isFloat = kind === 'float32';

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
    const { W, B, lo, hi } = floatWeights(ctx, w.index, b, opt.fusedActivation);
    Wf = W;
    finish = (acc, oc) => {
      const v = fr(acc + (B ? B[oc] : 0));
      return v < lo ? lo : v > hi ? hi : v;
    };
  } else {
    ({ inOffset, finish } = int8ConvOutput(ctx, x.t, w.t, b?.t, y.t, outC, opt.fusedActivation));
    Wi = ctx.stores[w.index].i8;
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
}

export function prepareDepthwiseConv2D(ctx: PrepareContext): Kernel {
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
  const { batches, inH, inW, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padH, padW } = g;
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];

  if (kind === 'float32') {
    const { W, B, lo, hi } = floatWeights(ctx, w.index, b, opt.fusedActivation);
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

  const { inOffset, finish } = int8ConvOutput(ctx, x.t, w.t, b?.t, y.t, outC, opt.fusedActivation);
  const W = ctx.stores[w.index].i8;
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
}

// ---------------------------------------------------------------- AVERAGE_POOL_2D / MAX_POOL_2D

export function preparePool(ctx: PrepareContext, isMax: boolean): Kernel {
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
  const padH = ph.pad;
  const padW = pw.pad;
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];
  let lo: number;
  let hi: number;
  let xs: Int8Array | Float32Array;
  let ys: Int8Array | Float32Array;
  if (kind === 'float32') {
    [lo, hi] = activationRangeFloat(opt.fusedActivation);
    xs = X.f32;
    ys = Y.f32;
  } else {
    const inQ = qparams(ctx, x.t, 'input');
    const outQ = qparams(ctx, y.t, 'output');
    if (Math.abs(inQ.scale - outQ.scale) > 1e-6 || inQ.zeroPoint !== outQ.zeroPoint) {
      fail(ctx, `input and output quantization differ (${inQ.scale}/${inQ.zeroPoint} vs ${outQ.scale}/${outQ.zeroPoint}); TFLM requires them equal`);
    }
    [lo, hi] = activationRangeInt8(opt.fusedActivation, outQ.scale, outQ.zeroPoint);
    xs = X.i8;
    ys = Y.i8;
  }
  const isFloat = kind === 'float32';
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
}

// ---------------------------------------------------------------- MEAN

export function prepareMean(ctx: PrepareContext): Kernel {
  const opt = ctx.op.options as MeanOptions;
  const x = input(ctx, 0);
  const axisT = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const axes = constInt32(axisT.t);
  if (!axes || axisT.t.dtype !== 'int32') notSupported(ctx, 'the axis tensor must be a constant int32 tensor');
  const rank = x.t.shape.length;
  const resolved: number[] = [];
  for (const a of axes) {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) fail(ctx, `axis ${a} is out of range for rank ${rank}`);
    if (!resolved.includes(r)) resolved.push(r);
  }
  const inShape = x.t.shape;
  const outCount = inShape.reduce((p, d, i) => (resolved.includes(i) ? p : p * d), 1);
  if (numElements(y.t.shape) !== outCount) fail(ctx, `output shape [${y.t.shape}] does not match reducing [${inShape}] over axes [${resolved}]`);
  void opt;
  const inCount = numElements(inShape);
  const reduced = inCount / Math.max(outCount, 1);
  // For every input element, the output element it accumulates into (TFLM ReducedOutputOffset).
  const outIndex = new Int32Array(inCount);
  {
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < inCount; i++) {
      let off = 0;
      for (let d = 0; d < rank; d++) if (!resolved.includes(d)) off = off * inShape[d] + idx[d];
      outIndex[i] = off;
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < inShape[d]) break;
        idx[d] = 0;
      }
    }
  }
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];

  if (kind === 'float32') {
    const sum = new Float32Array(outCount);
    const xf = X.f32;
    const yf = Y.f32;
    return () => {
      sum.fill(0);
      for (let i = 0; i < inCount; i++) sum[outIndex[i]] = sum[outIndex[i]] + xf[i];
      for (let o = 0; o < outCount; o++) yf[o] = reduced > 0 ? fr(sum[o] / reduced) : 0;
    };
  }

  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  let { multiplier, shift } = quantizeMultiplier(inQ.scale / outQ.scale);
  if (reduced > 0) {
    // TFLM folds 1/num_elements into the multiplier: shift = floor(log2(n)) capped at 32 and at 31 + shift.
    let s = reduced.toString(2).length - 1; // 63 - CountLeadingZeros(uint64 n) = floor(log2 n)
    s = Math.min(s, 32, 31 + shift);
    // int64 arithmetic (prepare-time only): (multiplier << s) / n, truncated, cast to int32.
    multiplier = Number(BigInt.asIntN(32, (BigInt(multiplier) << BigInt(s)) / BigInt(reduced)));
    shift -= s;
  }
  const inZp = inQ.zeroPoint;
  const outZp = outQ.zeroPoint;
  const sum = new Int32Array(outCount);
  const xi = X.i8;
  const yi = Y.i8;
  return () => {
    sum.fill(0);
    for (let i = 0; i < inCount; i++) sum[outIndex[i]] += xi[i];
    for (let o = 0; o < outCount; o++) {
      const shifted = (sum[o] - inZp * reduced) | 0;
      let v = mulByQuantizedMultiplier(shifted, multiplier, shift) + outZp;
      v = v < -128 ? -128 : v > 127 ? 127 : v;
      yi[o] = v;
    }
  };
}

// ---------------------------------------------------------------- SOFTMAX

export function prepareSoftmax(ctx: PrepareContext): Kernel {
  const opt = ctx.op.options as SoftmaxOptions;
  const x = input(ctx, 0);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  if (x.t.shape.length < 1) fail(ctx, 'input must have rank >= 1');
  if (numElements(x.t.shape) !== numElements(y.t.shape)) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  const depth = x.t.shape[x.t.shape.length - 1];
  const outer = depth === 0 ? 0 : numElements(x.t.shape) / depth;
  const beta = fr(opt.beta ?? 1);
  const X = ctx.stores[x.index];
  const Y = ctx.stores[y.index];

  if (kind === 'float32') {
    const xf = X.f32;
    const yf = Y.f32;
    return () => {
      for (let i = 0; i < outer; i++) {
        const o = i * depth;
        let max = -Infinity;
        for (let c = 0; c < depth; c++) if (xf[o + c] > max) max = xf[o + c];
        let sum = 0;
        for (let c = 0; c < depth; c++) {
          const e = fr(Math.exp(fr(fr(xf[o + c] - max) * beta)));
          yf[o + c] = e;
          sum = fr(sum + e);
        }
        for (let c = 0; c < depth; c++) yf[o + c] = fr(yf[o + c] / sum);
      }
    };
  }

  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  if (outQ.zeroPoint !== -128 || outQ.scale !== 1 / 256) {
    notSupported(ctx, `int8 output must have scale 1/256 and zero point -128 (TFLM requires it), got ${outQ.scale} / ${outQ.zeroPoint}`);
  }
  // TFLM PreprocessSoftmaxScaling with kScaledDiffIntegerBits = 5 (double-rounding build).
  const kScaledDiffIntegerBits = 5;
  const real = Math.min(beta * inQ.scale * 2 ** (31 - kScaledDiffIntegerBits), 2 ** 31 - 1);
  if (!(real > 1)) notSupported(ctx, `beta*input_scale (${beta * inQ.scale}) is too small for TFLM's int8 softmax`);
  const { multiplier: inputMultiplier, shift: inputLeftShift } = quantizeMultiplier(real);
  const diffMin = -calculateInputRadius(kScaledDiffIntegerBits, inputLeftShift);
  const xi = X.i8;
  const yi = Y.i8;
  return () => {
    for (let i = 0; i < outer; i++) {
      const o = i * depth;
      let max = -128;
      for (let c = 0; c < depth; c++) if (xi[o + c] > max) max = xi[o + c];
      let sumOfExps = 0;
      for (let c = 0; c < depth; c++) {
        const diff = xi[o + c] - max;
        if (diff >= diffMin) {
          const rescaled = mulByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
          sumOfExps = (sumOfExps + rdbp(expOnNegativeValues(rescaled, kScaledDiffIntegerBits), 12)) | 0;
        }
      }
      const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, 12);
      const exponent = numBitsOverUnit + 31 - 8;
      for (let c = 0; c < depth; c++) {
        const diff = xi[o + c] - max;
        if (diff >= diffMin) {
          const rescaled = mulByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
          const e = expOnNegativeValues(rescaled, kScaledDiffIntegerBits);
          const v = rdbp(srdhm(reciprocal, e), exponent) - 128;
          yi[o + c] = v < -128 ? -128 : v > 127 ? 127 : v;
        } else yi[o + c] = -128;
      }
    }
  };
}

// ---------------------------------------------------------------- LOGISTIC / TANH

export function prepareLogisticOrTanh(ctx: PrepareContext, isTanh: boolean): Kernel {
  const { x, y, kind, n, X, Y } = unaryIO(ctx);
  if (kind === 'float32') {
    const xf = X.f32;
    const yf = Y.f32;
    if (isTanh) return () => { for (let i = 0; i < n; i++) yf[i] = fr(Math.tanh(xf[i])); };
    return () => {
      for (let i = 0; i < n; i++) {
        const v = xf[i];
        yf[i] = v > 16.619047164916992 ? 1 : v < -9 ? fr(Math.exp(v)) : fr(1 / fr(1 + fr(Math.exp(-v))));
      }
    };
  }
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  if (!isTanh && outQ.zeroPoint !== -128) notSupported(ctx, `int8 LOGISTIC output zero point must be -128 (TFLM requires it), got ${outQ.zeroPoint}`);
  // TFLM prepare: plain frexp of input_scale * 2^27, without QuantizeMultiplier's fix-ups.
  const kInputIntegerBits = 4;
  const { fraction, exponent: leftShift } = frexp(inQ.scale * 2 ** (31 - kInputIntegerBits));
  const multiplier = castInt32(roundHalfAway(fraction * 2 ** 31));
  const radius = calculateInputRadius(kInputIntegerBits, leftShift, 31);
  const zp = inQ.zeroPoint;
  const xi = X.i8;
  const yi = Y.i8;
  return () => {
    for (let i = 0; i < n; i++) {
      const v = xi[i] - zp;
      if (v <= -radius) yi[i] = -128;
      else if (v >= radius) yi[i] = 127;
      else {
        const q4 = mulByQuantizedMultiplier(v, multiplier, leftShift);
        let r: number;
        if (isTanh) r = rdbp(tanhFixed(q4, kInputIntegerBits), 24);
        else r = rdbp(logisticFixed(q4, kInputIntegerBits), 23) - 128;
        yi[i] = r < -128 ? -128 : r > 127 ? 127 : r;
      }
    }
  };
}

// ---------------------------------------------------------------- ADD / MUL

export function prepareAddMul(ctx: PrepareContext, isMul: boolean): Kernel {
  const opt = ctx.op.options as AddOptions;
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, a.t, 'input 1');
  sameKind(ctx, a.t, y.t);
  sameKind(ctx, b.t, y.t);
  if (!broadcastsTo(a.t.shape, y.t.shape) || !broadcastsTo(b.t.shape, y.t.shape)) {
    fail(ctx, `input shapes [${a.t.shape}] and [${b.t.shape}] do not broadcast to the output [${y.t.shape}]`);
  }
  const n = numElements(y.t.shape);
  const ia = broadcastIndex(a.t.shape, y.t.shape);
  const ib = broadcastIndex(b.t.shape, y.t.shape);
  const A = ctx.stores[a.index];
  const B = ctx.stores[b.index];
  const Y = ctx.stores[y.index];

  if (kind === 'float32') {
    const [lo, hi] = activationRangeFloat(opt.fusedActivation);
    const af = A.f32;
    const bf = B.f32;
    const yf = Y.f32;
    return () => {
      for (let i = 0; i < n; i++) {
        const u = af[ia ? ia[i] : i];
        const w = bf[ib ? ib[i] : i];
        const v = isMul ? fr(u * w) : fr(u + w);
        yf[i] = v < lo ? lo : v > hi ? hi : v;
      }
    };
  }

  const qa = qparams(ctx, a.t, 'input 1');
  const qb = qparams(ctx, b.t, 'input 2');
  const qy = qparams(ctx, y.t, 'output');
  const [actMin, actMax] = activationRangeInt8(opt.fusedActivation, qy.scale, qy.zeroPoint);
  const ai = A.i8;
  const bi = B.i8;
  const yi = Y.i8;
  const offA = -qa.zeroPoint;
  const offB = -qb.zeroPoint;
  const offY = qy.zeroPoint;

  if (isMul) {
    const { multiplier, shift } = quantizeMultiplier((qa.scale * qb.scale) / qy.scale);
    return () => {
      for (let i = 0; i < n; i++) {
        const u = ai[ia ? ia[i] : i] + offA;
        const w = bi[ib ? ib[i] : i] + offB;
        let v = offY + mulByQuantizedMultiplier(u * w, multiplier, shift);
        v = v < actMin ? actMin : v > actMax ? actMax : v;
        yi[i] = v;
      }
    };
  }

  // TFLM CalculateOpDataAdd: both inputs rescaled to twice the larger scale, left_shift 20 for int8.
  const leftShift = 20;
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const m1 = quantizeMultiplier(qa.scale / twiceMax);
  const m2 = quantizeMultiplier(qb.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / ((1 << leftShift) * qy.scale));
  for (const m of [m1, m2, mo]) if (m.shift > 0) notSupported(ctx, 'ADD rescaling multiplier is not below one (output scale too small for TFLM)');
  return () => {
    for (let i = 0; i < n; i++) {
      const u = (ai[ia ? ia[i] : i] + offA) * (1 << leftShift);
      const w = (bi[ib ? ib[i] : i] + offB) * (1 << leftShift);
      const su = mulByQuantizedMultiplierSmallerThanOne(u, m1.multiplier, m1.shift);
      const sw = mulByQuantizedMultiplierSmallerThanOne(w, m2.multiplier, m2.shift);
      let v = mulByQuantizedMultiplierSmallerThanOne((su + sw) | 0, mo.multiplier, mo.shift) + offY;
      v = v < actMin ? actMin : v > actMax ? actMax : v;
      yi[i] = v;
    }
  };
}

// ---------------------------------------------------------------- QUANTIZE / DEQUANTIZE

export function prepareQuantize(ctx: PrepareContext): Kernel {
  const x = input(ctx, 0);
  const y = output(ctx);
  expectDType(ctx, x.t, ['float32', 'int8'], 'input');
  expectDType(ctx, y.t, ['int8'], 'output');
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  if (y.t.quant && y.t.quant.scale.length > 1) notSupported(ctx, 'per-channel QUANTIZE output is not supported by TFLM');
  const qy = qparams(ctx, y.t, 'output');
  const yi = ctx.stores[y.index].i8;
  if (x.t.dtype === 'float32') {
    const xf = ctx.stores[x.index].f32;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = (castInt32(roundHalfAway(fr(xf[i] / qy.scale))) + qy.zeroPoint) | 0;
        yi[i] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
    };
  }
  const qx = qparams(ctx, x.t, 'input');
  const { multiplier, shift } = quantizeMultiplier(qx.scale / qy.scale);
  const xi = ctx.stores[x.index].i8;
  return () => {
    for (let i = 0; i < n; i++) {
      const v = mulByQuantizedMultiplier(xi[i] - qx.zeroPoint, multiplier, shift) + qy.zeroPoint;
      yi[i] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
  };
}

export function prepareDequantize(ctx: PrepareContext): Kernel {
  const x = input(ctx, 0);
  const y = output(ctx);
  expectDType(ctx, x.t, ['int8'], 'input');
  expectDType(ctx, y.t, ['float32'], 'output');
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  const qx = qparams(ctx, x.t, 'input');
  const xi = ctx.stores[x.index].i8;
  const yf = ctx.stores[y.index].f32;
  return () => {
    for (let i = 0; i < n; i++) yf[i] = qx.scale * (xi[i] - qx.zeroPoint);
  };
}

// ---------------------------------------------------------------- RELU / RELU6

export function prepareRelu(ctx: PrepareContext, six: boolean): Kernel {
  const { x, y, kind, n, X, Y } = unaryIO(ctx);
  if (kind === 'float32') {
    const xf = X.f32;
    const yf = Y.f32;
    const hi = six ? 6 : Infinity;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = xf[i];
        yf[i] = v > hi ? hi : v < 0 ? 0 : v;
      }
    };
  }
  const qx = qparams(ctx, x.t, 'input');
  const xi = X.i8;
  const yi = Y.i8;
  if (six) {
    // TFLM Relu6: a clamp in the input's domain (output quantization assumed equal).
    const lo = qx.zeroPoint;
    let hi = roundHalfAway(fr(6 / qx.scale)) + qx.zeroPoint;
    hi = Math.min(127, Math.max(-128, hi));
    return () => {
      for (let i = 0; i < n; i++) {
        const v = xi[i];
        yi[i] = v > hi ? hi : v < lo ? lo : v;
      }
    };
  }
  const qy = qparams(ctx, y.t, 'output');
  const { multiplier, shift } = quantizeMultiplier(fr(qx.scale / qy.scale));
  const actMin = Math.max(-128, qy.zeroPoint);
  return () => {
    for (let i = 0; i < n; i++) {
      let v = qy.zeroPoint + mulByQuantizedMultiplier(xi[i] - qx.zeroPoint, multiplier, shift);
      v = v < actMin ? actMin : v > 127 ? 127 : v;
      yi[i] = v;
    }
  };
}

// ---------------------------------------------------------------- RESHAPE / CONCATENATION

export function prepareReshape(ctx: PrepareContext): Kernel {
  const x = input(ctx, 0);
  const y = output(ctx);
  if (x.t.dtype !== y.t.dtype) notSupported(ctx, `input is ${x.t.dtype} but output is ${y.t.dtype}`);
  if (numElements(x.t.shape) !== numElements(y.t.shape)) fail(ctx, `cannot reshape [${x.t.shape}] into [${y.t.shape}]`);
  const X = ctx.stores[x.index].bytes;
  const Y = ctx.stores[y.index].bytes;
  if (X.length !== byteSize(x.t)) fail(ctx, 'input size mismatch');
  return () => Y.set(X);
}

export function prepareConcatenation(ctx: PrepareContext): Kernel {
  const opt = ctx.op.options as ConcatenationOptions;
  const y = output(ctx);
  const rank = y.t.shape.length;
  const axis = opt.axis < 0 ? opt.axis + rank : opt.axis;
  if (axis < 0 || axis >= rank) fail(ctx, `axis ${opt.axis} is out of range for rank ${rank}`);
  if (opt.fusedActivation && opt.fusedActivation !== 'NONE') notSupported(ctx, 'a fused activation on CONCATENATION is not supported');
  const kind = dataKind(ctx, y.t, 'output');
  const qy = kind === 'int8' ? qparams(ctx, y.t, 'output') : null;
  const elem = kind === 'int8' ? 1 : 4;
  const outer = y.t.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = y.t.shape.slice(axis + 1).reduce((p, d) => p * d, 1) * elem;
  const parts: { bytes: Uint8Array; chunk: number }[] = [];
  let total = 0;
  for (let i = 0; i < ctx.op.inputs.length; i++) {
    const x = input(ctx, i);
    sameKind(ctx, x.t, y.t);
    if (x.t.shape.length !== rank || x.t.shape.some((d, k) => k !== axis && d !== y.t.shape[k])) {
      fail(ctx, `input ${i} shape [${x.t.shape}] does not fit output [${y.t.shape}] along axis ${axis}`);
    }
    if (qy) {
      const qx = qparams(ctx, x.t, `input ${i}`);
      if (qx.scale !== qy.scale || qx.zeroPoint !== qy.zeroPoint) fail(ctx, `input ${i} quantization differs from the output's; TFLM requires them equal`);
    }
    total += x.t.shape[axis];
    parts.push({ bytes: ctx.stores[x.index].bytes, chunk: x.t.shape[axis] * inner });
  }
  if (total !== y.t.shape[axis]) fail(ctx, `inputs add up to ${total} along axis ${axis}, output has ${y.t.shape[axis]}`);
  const Y = ctx.stores[y.index].bytes;
  return () => {
    let o = 0;
    for (let k = 0; k < outer; k++)
      for (const p of parts) {
        Y.set(p.bytes.subarray(k * p.chunk, (k + 1) * p.chunk), o);
        o += p.chunk;
      }
  };
}
