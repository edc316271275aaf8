/**
 * FULLY_CONNECTED (TFLM fully_connected.cc + reference/integer_ops/fully_connected.h).
 * int8: per-tensor (one multiplier, the scale product taken in float32 as
 * GetQuantizedConvolutionMultipler does, the bias scale checked) or per-channel weights.
 */
import { numElements, type FullyConnectedOptions } from '../core/graph.js';
import { unsupported } from '../core/errors.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { FullyConnectedOptions as FcTable } from '../tflite/generated/tflite/fully-connected-options.js';
import { ACT_CODE } from '../tflite/options.js';
import { dtypeAt, expectDType, fail, int32Bias, multiplierArrays, perChannelMultipliers, qparams, scalesOf, weightedIO } from './common.js';
import { activationRange, activationRangeFloat, quantizeMultiplier, type QuantizedMultiplier } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface FullyConnectedPrepared {
  kind: 'int8' | 'float32';
  input: number;
  weights: number;
  bias: number | null;
  output: number;
  batches: number;
  accumDepth: number;
  outputDepth: number;
  actMin: number;
  actMax: number;
  // int8 only (0 / empty for float32):
  perChannel: boolean;
  /** One entry (per-tensor) or one per output unit (per-channel). */
  multipliers: QuantizedMultiplier[];
  inputOffset: number;
  filterOffset: number;
  outputOffset: number;
  biasValues: Int32Array | null;
}

function prepare(ctx: OpContext): FullyConnectedPrepared {
  const opt = ctx.op.options as FullyConnectedOptions;
  const { x, w, b, y, kind } = weightedIO(ctx);
  if (w.t.shape.length < 2) fail(ctx, `weights shape [${w.t.shape}] must have rank >= 2`);
  const accumDepth = w.t.shape[w.t.shape.length - 1];
  const outputDepth = y.t.shape[y.t.shape.length - 1];
  if (outputDepth > w.t.shape[w.t.shape.length - 2]) fail(ctx, `output depth ${outputDepth} exceeds the weights' ${w.t.shape[w.t.shape.length - 2]} rows`);
  const batches = numElements(y.t.shape) / outputDepth;
  if (batches * accumDepth !== numElements(x.t.shape)) {
    fail(ctx, `input shape [${x.t.shape}] does not match weights [${w.t.shape}] and output [${y.t.shape}]`);
  }
  const base = { kind, input: x.index, weights: w.index, bias: b ? b.index : null, output: y.index, batches, accumDepth, outputDepth };
  if (kind === 'float32') {
    const r = activationRangeFloat(opt.fusedActivation);
    return { ...base, actMin: r.min, actMax: r.max, perChannel: false, multipliers: [], inputOffset: 0, filterOffset: 0, outputOffset: 0, biasValues: null };
  }
  expectDType(ctx, w.t, ['int8'], 'weights');
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  const wq = w.t.quant;
  if (!wq || wq.scale.length === 0) fail(ctx, `weights tensor "${w.t.name}" has no quantization parameters`);
  const biasValues = int32Bias(ctx, b?.t, outputDepth);
  const perChannel = wq.scale.length > 1;
  let multipliers: QuantizedMultiplier[];
  if (perChannel) {
    if (wq.scale.length !== w.t.shape[wq.quantizedDimension]) fail(ctx, `weights have ${wq.scale.length} scales but dimension ${wq.quantizedDimension} is ${w.t.shape[wq.quantizedDimension]}`);
    multipliers = perChannelMultipliers(ctx, inQ.scale, w.t, outQ.scale, outputDepth, scalesOf(['input', x.t], ['weights', w.t], ['output', y.t]));
  } else {
    // TFLM GetQuantizedConvolutionMultipler: the product of the two scales is taken in float32.
    const productScale = fr(inQ.scale * fr(wq.scale[0]));
    if (b) {
      const biasScale = b.t.quant?.scale.length ? fr(b.t.quant.scale[0]) : 0;
      if (Math.abs(productScale - biasScale) / outQ.scale > 0.02) {
        fail(ctx, `bias scale ${biasScale} is not input_scale*weight_scale (${productScale}); TFLM refuses such a model`);
      }
    }
    multipliers = [quantizeMultiplier(productScale / outQ.scale, scalesOf(['input', x.t], ['weights', w.t], ['output', y.t]))];
  }
  const r = activationRange(opt.fusedActivation, outQ.scale, outQ.zeroPoint);
  return {
    ...base,
    actMin: r.min,
    actMax: r.max,
    perChannel,
    multipliers,
    inputOffset: -inQ.zeroPoint,
    filterOffset: perChannel ? 0 : -(wq.zeroPoint[0] ?? 0),
    outputOffset: outQ.zeroPoint,
    biasValues,
  };
}

export const FULLY_CONNECTED: OpDef<FullyConnectedPrepared> = {
  op: 'FULLY_CONNECTED',
  builtinCode: 9,
  optionsSlot: 8,
  version(o, g) {
    // A bias-less FC written with -1 still has three inputs (version 4); only two inputs mean 6.
    if (o.inputs.length === 2) return 6;
    if ((o.options as FullyConnectedOptions).keepNumDims) return 5;
    return dtypeAt(g, o.inputs[0]) === 'int8' && dtypeAt(g, o.inputs[1]) === 'int8' && dtypeAt(g, o.outputs[0]) === 'int8' ? 4 : 1;
  },
  weights: { filter: 1, bias: 2, quantization: 'per-tensor' },
  minRuntime: { 1: '1.5.0', 2: '1.10.0', 3: '1.14.0', 4: '1.14.0' },
  tflm: { resolver: 'AddFullyConnected', cmsisNn: ['arm_fully_connected_s8'] },
  options: {
    table: 'FullyConnectedOptions',
    fields: [['fused_activation_function', 'i8', 0], ['weights_format', 'i8', 0], ['keep_num_dims', 'bool', false], ['asymmetric_quantize_inputs', 'bool', false]],
    read(f) {
      if (f.num('weights_format') !== 0) throw unsupported(`${f.where} uses shuffled weights (weights_format ${f.num('weights_format')})`, { remedy: 'Convert with the default weights format.' });
      return { fusedActivation: f.activation(), keepNumDims: f.bool('keep_num_dims') };
    },
    write(b, o) {
      const x = o as FullyConnectedOptions;
      FcTable.startFullyConnectedOptions(b);
      FcTable.addFusedActivationFunction(b, ACT_CODE[x.fusedActivation]);
      FcTable.addKeepNumDims(b, x.keepNumDims);
      return FcTable.endFullyConnectedOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { batches, accumDepth: accum, outputDepth: outDepth, actMin: lo, actMax: hi } = p;
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
      const W = stores[p.weights].f32;
      const B = p.bias !== null ? stores[p.bias].f32 : null;
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
    const ms = p.perChannel ? p.multipliers : Array.from({ length: outDepth }, () => p.multipliers[0]);
    const { mult, shift } = multiplierArrays(ms);
    const { filterOffset, inputOffset: inOffset, outputOffset: outOffset, biasValues: bias } = p;
    const W = stores[p.weights].i8;
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
          v = v < lo ? lo : v > hi ? hi : v;
          yi[c + outDepth * n] = v;
        }
      }
    };
  },
  native: {
    kernels: ['tf_k_fully_connected_s8'],
    sources: ['tf_k_fc.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('in', 1);
      e.int8('out', 0);
      const filter = e.graph.tensors[p.weights];
      e.need(!!filter.data && filter.shape.length === 2, 'a non-constant or non-2-D filter');
      e.need(filter.shape[0] === p.outputDepth, `a filter of ${filter.shape[0]} rows for ${p.outputDepth} outputs`);
      const { mult, shift } = e.multipliers(p.multipliers);
      const params = e.struct('tf_fc_params_t', {
        batches: p.batches,
        accum_depth: p.accumDepth,
        output_depth: p.outputDepth,
        input_offset: p.inputOffset,
        filter_offset: p.filterOffset,
        output_offset: p.outputOffset,
        act_min: p.actMin,
        act_max: p.actMax,
        per_channel: p.perChannel ? 1 : 0,
        multiplier: mult,
        shift,
      });
      const kernel = 'tf_k_fully_connected_s8';
      return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.constArray(p.weights)}, ${e.bias(p.outputDepth)}, ${e.output('int8_t')})` };
    },
  },
};
