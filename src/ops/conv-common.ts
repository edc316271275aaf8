/**
 * What CONV_2D and DEPTHWISE_CONV_2D share: the output geometry and padding (TFLM
 * ComputePaddingHeightWidth), the int8 output stage (per-channel multipliers, bias, clamp) and the
 * native tf_conv_params_t struct both kernels take.
 */
import type { Conv2DOptions, Tensor } from '../core/graph.js';
import { expectDType, expectRank, fail, int32Bias, perChannelMultipliers, qparams, scalesOf } from './common.js';
import { activationRange, activationRangeFloat, padFor, type QuantizedMultiplier } from './quant.js';
import type { NativeCall, NativeEmitter, OpContext } from './types.js';

export interface ConvGeometry {
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

export function convGeometry(ctx: OpContext, x: Tensor, w: Tensor, y: Tensor, opt: Conv2DOptions, outC: number): ConvGeometry {
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

/** The int8 output stage of TFLM ConvPerChannel / DepthwiseConvPerChannel, or the float clamp. */
export interface ConvOutputStage {
  actMin: number;
  actMax: number;
  /** int8: one per output channel; empty for float32. */
  multipliers: QuantizedMultiplier[];
  inputOffset: number;
  outputOffset: number;
  biasValues: Int32Array | null;
}

export function convOutputStage(ctx: OpContext, kind: 'int8' | 'float32', x: Tensor, w: Tensor, b: Tensor | undefined, y: Tensor, outC: number, opt: Conv2DOptions): ConvOutputStage {
  if (kind === 'float32') {
    const r = activationRangeFloat(opt.fusedActivation);
    return { actMin: r.min, actMax: r.max, multipliers: [], inputOffset: 0, outputOffset: 0, biasValues: null };
  }
  expectDType(ctx, w, ['int8'], 'filter');
  const inQ = qparams(ctx, x, 'input');
  const outQ = qparams(ctx, y, 'output');
  const multipliers = perChannelMultipliers(ctx, inQ.scale, w, outQ.scale, outC, scalesOf(['input', x], ['filter', w], ['output', y]));
  const biasValues = int32Bias(ctx, b, outC);
  const r = activationRange(opt.fusedActivation, outQ.scale, outQ.zeroPoint);
  return { actMin: r.min, actMax: r.max, multipliers, inputOffset: -inQ.zeroPoint, outputOffset: outQ.zeroPoint, biasValues };
}

/** Everything a conv-like op's Prepare yields. */
export interface ConvPrepared extends ConvGeometry, ConvOutputStage {
  kind: 'int8' | 'float32';
  input: number;
  filter: number;
  bias: number | null;
  output: number;
  /** Filter depth per group (CONV_2D), 1 for DEPTHWISE_CONV_2D. */
  filterInC: number;
  /** DEPTHWISE_CONV_2D's channel multiplier, 1 for CONV_2D. */
  depthMultiplier: number;
}

/** `finish(acc, oc)` = clamp(MBQM(acc + bias[oc], mult[oc], shift[oc]) + out_zp): the host's int8 output stage. */
export function int8Finisher(p: ConvPrepared, mbqm: (x: number, m: number, s: number) => number): (acc: number, oc: number) => number {
  const mult = Int32Array.from(p.multipliers, (m) => m.multiplier);
  const shift = Int32Array.from(p.multipliers, (m) => m.shift);
  const { biasValues: bias, outputOffset, actMin, actMax } = p;
  return (acc: number, oc: number): number => {
    if (bias) acc = (acc + bias[oc]) | 0;
    const v = mbqm(acc, mult[oc], shift[oc]) + outputOffset;
    return v < actMin ? actMin : v > actMax ? actMax : v;
  };
}

/** The filter window of a conv-like op as the C parameter structs name it (tf_conv_params_t and the DSP structs). */
export function convWindowFields(p: ConvPrepared): Record<string, number> {
  return { filter_h: p.kH, filter_w: p.kW, stride_h: p.strideH, stride_w: p.strideW, dilation_h: p.dilH, dilation_w: p.dilW, pad_h: p.padH, pad_w: p.padW };
}

/** The native emission shared by tf_k_conv2d_s8 and tf_k_depthwise_conv2d_s8. */
export function emitConvLike(p: ConvPrepared, e: NativeEmitter, kernel: string): NativeCall {
  e.int8('in', 0);
  e.int8('in', 1);
  e.int8('out', 0);
  e.need(!!e.graph.tensors[p.filter].data, 'a non-constant filter');
  const { mult, shift } = e.multipliers(p.multipliers);
  const params = e.struct('tf_conv_params_t', {
    batches: p.batches,
    in_h: p.inH,
    in_w: p.inW,
    in_c: p.inC,
    out_h: p.outH,
    out_w: p.outW,
    out_c: p.outC,
    ...convWindowFields(p),
    filter_in_c: p.filterInC,
    depth_multiplier: p.depthMultiplier,
    input_offset: p.inputOffset,
    output_offset: p.outputOffset,
    act_min: p.actMin,
    act_max: p.actMax,
    multiplier: mult,
    shift,
  });
  return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.constArray(p.filter)}, ${e.bias(p.outC)}, ${e.output('int8_t')})` };
}
