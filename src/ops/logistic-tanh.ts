/** LOGISTIC and TANH (TFLM logistic.cc / tanh.cc, the gemmlowp integer path for int8). */
import { dtypeAt, notSupported, qparams, scalesOf, unaryIO } from './common.js';
import { logisticFixed, mulByQuantizedMultiplier, rdbp, tanhFixed } from '../interp/fixedpoint.js';
import { castInt32, checkMultiplier, frexp, inputRadius, roundHalfAway } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;
/** TFLM's kInputIntegerBits for the int8 sigmoid family. */
const INPUT_INTEGER_BITS = 4;

export interface SigmoidPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  size: number;
  // int8 only:
  inputZeroPoint: number;
  inputRangeRadius: number;
  inputMultiplier: number;
  inputLeftShift: number;
}

function prepare(ctx: OpContext): SigmoidPrepared {
  const isTanh = ctx.op.op === 'TANH';
  const { x, y, kind, n } = unaryIO(ctx);
  const base = { kind, input: x.index, output: y.index, size: n };
  if (kind === 'float32') return { ...base, inputZeroPoint: 0, inputRangeRadius: 0, inputMultiplier: 0, inputLeftShift: 0 };
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  if (!isTanh && outQ.zeroPoint !== -128) notSupported(ctx, `int8 LOGISTIC output zero point must be -128 (TFLM requires it), got ${outQ.zeroPoint}`);
  // TFLM prepare: plain frexp of input_scale * 2^27 and round(q * 2^31), without QuantizeMultiplier's
  // fix-ups; the int32 cast wraps as in C++.
  const real = inQ.scale * 2 ** (31 - INPUT_INTEGER_BITS);
  const { fraction, exponent: leftShift } = frexp(real);
  // MultiplyByQuantizedMultiplier's limits (checkMultiplier), and CalculateInputRadius's int cast:
  // below a left shift of 0 the radius exceeds int32 (input scale below 2^-28).
  checkMultiplier({ multiplier: roundHalfAway(fraction * 2 ** 31), shift: leftShift }, real, scalesOf(['input', x.t]) + ' × 2^27');
  if (leftShift < 0) notSupported(ctx, `input scale ${inQ.scale} is below 2^-28: TFLM's input radius for it does not fit int32`);
  return {
    ...base,
    inputZeroPoint: inQ.zeroPoint,
    inputRangeRadius: inputRadius(INPUT_INTEGER_BITS, leftShift, 31),
    inputMultiplier: castInt32(roundHalfAway(fraction * 2 ** 31)),
    inputLeftShift: leftShift,
  };
}

function sigmoidDef(op: 'LOGISTIC' | 'TANH'): OpDef<SigmoidPrepared> {
  const isTanh = op === 'TANH';
  const kernel = isTanh ? 'tf_k_tanh_s8' : 'tf_k_logistic_s8';
  return {
    op,
    builtinCode: isTanh ? 28 : 14,
    optionsSlot: 0,
    version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
    minRuntime: isTanh ? { 1: '1.14.0', 2: '1.14.0' } : { 1: '1.5.0', 2: '1.14.0' },
    // TFLM runs its reference kernels for both (no CMSIS-NN variant).
    tflm: { resolver: isTanh ? 'AddTanh' : 'AddLogistic', cmsisNn: [] },
    fixedOutput: isTanh ? { scale: 1 / 128, zeroPoint: 0 } : { scale: 1 / 256, zeroPoint: -128 },
    prepare,
    host(p, _ctx, stores) {
      const n = p.size;
      const X = stores[p.input];
      const Y = stores[p.output];
      if (p.kind === 'float32') {
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
      const { inputZeroPoint: zp, inputRangeRadius: radius, inputMultiplier: multiplier, inputLeftShift: leftShift } = p;
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
            if (isTanh) r = rdbp(tanhFixed(q4, INPUT_INTEGER_BITS), 24);
            else r = rdbp(logisticFixed(q4, INPUT_INTEGER_BITS), 23) - 128;
            yi[i] = r < -128 ? -128 : r > 127 ? 127 : r;
          }
        }
      };
    },
    native: {
      kernels: [kernel],
      sources: ['tf_k_activation.c'],
      emit(p, e) {
        e.int8('in', 0);
        e.int8('out', 0);
        const mult = p.inputMultiplier;
        const params = e.struct('tf_sigmoid_params_t', {
          size: p.size,
          input_zero_point: p.inputZeroPoint,
          input_range_radius: p.inputRangeRadius,
          input_multiplier: mult === -2147483648 ? '(-2147483647 - 1)' : mult,
          input_left_shift: p.inputLeftShift,
        });
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const LOGISTIC = sigmoidDef('LOGISTIC');
export const TANH = sigmoidDef('TANH');
