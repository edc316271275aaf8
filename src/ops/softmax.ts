/** SOFTMAX (TFLM softmax.cc + reference/softmax.h, int8 in, int8 out at scale 1/256, zero point -128). */
import { numElements, type SoftmaxOptions } from '../core/graph.js';
import { expOnNegativeValues, getReciprocal, mulByQuantizedMultiplierGreaterThanOne, rdbp, srdhm } from '../interp/fixedpoint.js';
import { dataKind, dtypeAt, fail, input, notSupported, output, qparams, scalesOf, sameKind } from './common.js';
import { inputRadius, quantizeMultiplier } from './quant.js';
import { SoftmaxOptions as SoftmaxTable } from '../tflite/generated/tflite/softmax-options.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;
/** TFLM's kScaledDiffIntegerBits for int8 softmax. */
const SCALED_DIFF_INTEGER_BITS = 5;
/** The int8 output quantisation TFLM requires. */
const OUTPUT = { scale: 1 / 256, zeroPoint: -128 } as const;

export interface SoftmaxPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  outer: number;
  depth: number;
  /** float32 beta (the float path). */
  beta: number;
  // int8 only:
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
}

function prepare(ctx: OpContext): SoftmaxPrepared {
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
  const base = { kind, input: x.index, output: y.index, outer, depth, beta };
  if (kind === 'float32') return { ...base, inputMultiplier: 0, inputLeftShift: 0, diffMin: 0 };
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  if (outQ.zeroPoint !== OUTPUT.zeroPoint || outQ.scale !== OUTPUT.scale) {
    notSupported(ctx, `int8 output must have scale 1/256 and zero point -128 (TFLM requires it), got ${outQ.scale} / ${outQ.zeroPoint}`);
  }
  // TFLM PreprocessSoftmaxScaling (double-rounding build), in double.
  const real = Math.min(beta * inQ.scale * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  if (!(real > 1)) notSupported(ctx, `beta*input_scale (${beta * inQ.scale}) is too small for TFLM's int8 softmax`);
  const m = quantizeMultiplier(real, `beta ${beta}, ${scalesOf(['input', x.t])}`);
  return { ...base, inputMultiplier: m.multiplier, inputLeftShift: m.shift, diffMin: -inputRadius(SCALED_DIFF_INTEGER_BITS, m.shift) };
}

export const SOFTMAX: OpDef<SoftmaxPrepared> = {
  op: 'SOFTMAX',
  builtinCode: 25,
  optionsSlot: 9,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.5.0', 2: '1.14.0' },
  tflm: { resolver: 'AddSoftmax', cmsisNn: ['arm_softmax_s8'] },
  fixedOutput: OUTPUT,
  options: {
    table: 'SoftmaxOptions',
    fields: [['beta', 'f32', 0]],
    read: (f) => ({ beta: f.num('beta') }),
    write(b, o) {
      SoftmaxTable.startSoftmaxOptions(b);
      SoftmaxTable.addBeta(b, (o as SoftmaxOptions).beta);
      return SoftmaxTable.endSoftmaxOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { outer, depth, beta } = p;
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
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
    const { inputMultiplier, inputLeftShift, diffMin } = p;
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
            sumOfExps = (sumOfExps + rdbp(expOnNegativeValues(rescaled, SCALED_DIFF_INTEGER_BITS), 12)) | 0;
          }
        }
        const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, 12);
        const exponent = numBitsOverUnit + 31 - 8;
        for (let c = 0; c < depth; c++) {
          const diff = xi[o + c] - max;
          if (diff >= diffMin) {
            const rescaled = mulByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
            const e = expOnNegativeValues(rescaled, SCALED_DIFF_INTEGER_BITS);
            const v = rdbp(srdhm(reciprocal, e), exponent) - 128;
            yi[o + c] = v < -128 ? -128 : v > 127 ? 127 : v;
          } else yi[o + c] = -128;
        }
      }
    };
  },
  native: {
    kernels: ['tf_k_softmax_s8'],
    sources: ['tf_k_activation.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const params = e.struct('tf_softmax_params_t', {
        outer: p.outer,
        depth: p.depth,
        input_multiplier: p.inputMultiplier,
        input_left_shift: p.inputLeftShift,
        diff_min: p.diffMin,
      });
      const kernel = 'tf_k_softmax_s8';
      return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
