/**
 * LOG_SOFTMAX (TFLM log_softmax.cc CalculateOpData + reference/log_softmax.h LogSoftmaxQuantized,
 * int8 in, int8 out at scale 16/256 and zero point 127). Prepare: PreprocessLogSoftmaxScalingExp
 * (the softmax input multiplier for Q5.26 differences, and its reverse as a smaller-than-one
 * multiplier), diff_min from CalculateInputRadius. Eval: the sum of exp(diff) in Q12.19 (gemmlowp
 * exp_on_negative_values), its log in Q5.26 by TFLM's log_x_for_x_greater_than_or_equal_to_1
 * (gemmlowp fixed point: SRDHM products, saturating power-of-two shifts, a rational approximation
 * with one_over_one_plus_x), then (diff·multiplier − log) rescaled to Q4 + 127.
 */
import { numElements } from '../core/graph.js';
import { expOnNegativeValues, INT32_MAX, INT32_MIN, mulByQuantizedMultiplier, oneOverOnePlusX, rdbp, srdhm } from '../interp/fixedpoint.js';
import { dtypeAt, emptyOptions, fail, notSupported, qparams, scalesOf, unaryIO } from './common.js';
import { inputRadius, quantizeMultiplier } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;
const SCALED_DIFF_INTEGER_BITS = 5;
const OUTPUT = { scale: 16 / 256, zeroPoint: 127 } as const;

export interface LogSoftmaxPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  outer: number;
  depth: number;
  inputMultiplier: number;
  inputLeftShift: number;
  reverseScalingDivisor: number;
  /** The reverse multiplier's exponent (≤ 0), as MultiplyByQuantizedMultiplier takes it. */
  reverseScalingShift: number;
  diffMin: number;
}

function prepare(ctx: OpContext): LogSoftmaxPrepared {
  const { x, y, kind, n } = unaryIO(ctx);
  if (x.t.shape.length < 1) fail(ctx, 'input must have rank >= 1');
  if (x.t.shape.length !== y.t.shape.length || x.t.shape.some((d, i) => d !== y.t.shape[i])) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  const depth = x.t.shape[x.t.shape.length - 1];
  const base = { kind, input: x.index, output: y.index, outer: depth === 0 ? 0 : n / depth, depth };
  if (kind === 'float32') return { ...base, inputMultiplier: 0, inputLeftShift: 0, reverseScalingDivisor: 0, reverseScalingShift: 0, diffMin: 0 };
  const qx = qparams(ctx, x.t, 'input');
  const qy = qparams(ctx, y.t, 'output');
  if (qy.scale !== OUTPUT.scale || qy.zeroPoint !== OUTPUT.zeroPoint) {
    notSupported(ctx, `int8 output must have scale 16/256 and zero point 127 (TFLM requires it), got ${qy.scale} / ${qy.zeroPoint}`);
  }
  // PreprocessSoftmaxScaling (double-rounding build) with beta 1, in double.
  const real = Math.min(qx.scale * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  if (!(real > 1)) notSupported(ctx, `input scale ${qx.scale} is too small for TFLM's int8 log-softmax`);
  const m = quantizeMultiplier(real, scalesOf(['input', x.t]));
  // The reverse scaling: 2^(31 − left shift) / multiplier, a multiplier below one.
  const reverse = 2 ** (31 - m.shift) / m.multiplier;
  const r = quantizeMultiplier(reverse, scalesOf(['input', x.t]));
  if (!(reverse > 0 && reverse < 1) || r.shift > 0) notSupported(ctx, `input scale ${qx.scale} gives a reverse scaling ${reverse} that TFLM cannot represent`);
  return { ...base, inputMultiplier: m.multiplier, inputLeftShift: m.shift, reverseScalingDivisor: r.multiplier, reverseScalingShift: r.shift, diffMin: -inputRadius(SCALED_DIFF_INTEGER_BITS, m.shift) };
}

const sat = (v: number) => (v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
/** TFLM SaturatingRoundingMultiplyByPOTParam for exponent >= 0 (saturating left shift). */
function satShl(x: number, e: number): number {
  if (e === 0) return x;
  const threshold = 2 ** (31 - e) - 1;
  return x > threshold ? INT32_MAX : x < -threshold ? INT32_MIN : x * 2 ** e;
}
/** gemmlowp RoundingHalfSum on int32. */
function roundingHalfSum(a: number, b: number): number {
  const s = a + b;
  return Math.trunc((s + (s >= 0 ? 1 : -1)) / 2);
}

/** TFLM log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>: raw Q12.19 in, raw Q5.26 out. */
export function logQ12toQ5(zA: number): number {
  const INPUT_BITS = 12;
  const ACCUM_BITS = 6;
  const log2 = 1488522236;
  const sqrtSqrtHalf = 1805811301;
  const sqrtHalf = 1518500250;
  const alphaN = 117049297;
  const alphaD = 127690142;
  const alphaI = 1057819769;
  const alphaF = 638450708;
  const shiftedQuarter = rdbp(536870912, ACCUM_BITS);
  const hp1 = Math.clz32(zA);
  const rA = satShl(srdhm(satShl(zA, hp1 - 1), sqrtHalf), 1);
  const zAPow2Adj = sat(satShl(INPUT_BITS - hp1, 31 - ACCUM_BITS) + shiftedQuarter);
  const zB = srdhm(zA, sqrtHalf);
  const zBHeadroom = Math.clz32(zB) - 1;
  const rB = satShl(zA, zBHeadroom);
  const zBPow2Adj = sat(satShl(INPUT_BITS - zBHeadroom, 31 - ACCUM_BITS) - shiftedQuarter);
  const r = Math.min(rA, rB);
  const zPow2Adj = Math.max(zAPow2Adj, zBPow2Adj);
  const p = roundingHalfSum(r, sqrtSqrtHalf);
  let q = (r - sqrtSqrtHalf) | 0;
  q = (q + q) | 0;
  const commonSq = srdhm(q, q);
  const num = (srdhm(q, r) + srdhm(srdhm(q, commonSq), alphaN)) | 0;
  const denomMinusOne = (srdhm(p, (((alphaI + q) | 0) + srdhm(alphaD, commonSq)) | 0) + srdhm(alphaF, q)) | 0;
  const recipDenom = oneOverOnePlusX(denomMinusOne);
  const numScaled = rdbp(num, ACCUM_BITS);
  // Rescale<5> of a Q6 value: a saturating left shift by 1.
  return satShl((srdhm(zPow2Adj, log2) + srdhm(numScaled, recipDenom)) | 0, 1);
}

export const LOG_SOFTMAX: OpDef<LogSoftmaxPrepared> = {
  op: 'LOG_SOFTMAX',
  builtinCode: 50,
  optionsSlot: 36,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.14.0', 2: '1.14.0' },
  tflm: { resolver: 'AddLogSoftmax', cmsisNn: [] },
  fixedOutput: OUTPUT,
  options: emptyOptions('LogSoftmaxOptions'),
  prepare,
  host(p, _ctx, stores) {
    const { outer, depth } = p;
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
      const xf = X.f32;
      const yf = Y.f32;
      return () => {
        for (let i = 0; i < outer; i++) {
          let max = -Infinity;
          for (let c = 0; c < depth; c++) max = Math.max(max, xf[i * depth + c]);
          let sum = 0;
          for (let c = 0; c < depth; c++) sum = fr(sum + fr(Math.exp(fr(xf[i * depth + c] - max))));
          const log = fr(Math.log(sum));
          for (let c = 0; c < depth; c++) yf[i * depth + c] = fr(fr(xf[i * depth + c] - max) - log);
        }
      };
    }
    const { inputMultiplier: mult, inputLeftShift: shift, reverseScalingDivisor: rdiv, reverseScalingShift: rshift, diffMin } = p;
    const xi = X.i8;
    const yi = Y.i8;
    return () => {
      for (let i = 0; i < outer; i++) {
        const o = i * depth;
        let max = -128;
        for (let c = 0; c < depth; c++) if (xi[o + c] > max) max = xi[o + c];
        let sum = 0;
        for (let c = 0; c < depth; c++) {
          const diff = xi[o + c] - max;
          if (diff >= diffMin) sum = (sum + rdbp(expOnNegativeValues(mulByQuantizedMultiplier(diff, mult, shift), SCALED_DIFF_INTEGER_BITS), 12)) | 0;
        }
        const logSum = logQ12toQ5(sum);
        const adjustedDiffMin = Math.max(diffMin - 1, mulByQuantizedMultiplier((logSum + INT32_MIN) | 0, rdiv, rshift));
        for (let c = 0; c < depth; c++) {
          const diff = xi[o + c] - max;
          if (diff > adjustedDiffMin) {
            const v = rdbp((mulByQuantizedMultiplier(diff, mult, shift) - logSum) | 0, 31 - SCALED_DIFF_INTEGER_BITS - 4) + 127;
            yi[o + c] = v > 127 ? 127 : v < -128 ? -128 : v;
          } else yi[o + c] = -128;
        }
      }
    };
  },
  native: {
    kernels: ['tf_k_log_softmax_s8'],
    sources: ['tf_k_activation.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const params = e.struct('tf_log_softmax_params_t', {
        outer: p.outer,
        depth: p.depth,
        input_multiplier: p.inputMultiplier,
        input_left_shift: p.inputLeftShift,
        reverse_scaling_divisor: p.reverseScalingDivisor,
        reverse_scaling_shift: p.reverseScalingShift,
        diff_min: p.diffMin,
      });
      return { kernel: 'tf_k_log_softmax_s8', call: `tf_k_log_softmax_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
