/**
 * The Prepare-time maths of TFLM's kernels (TFLM 90b983c2b3f1480642e040bbd2ddb37b998f3424, default
 * double-rounding build), once, for every consumer: the op modules in src/ops/ compute every
 * derived integer parameter with these, and both the host interpreter and the native C generator
 * use the result. Runtime fixed-point arithmetic (SRDHM, RoundingDivideByPOT, exp/logistic/tanh)
 * lives in src/interp/fixedpoint.ts.
 *
 * Float32 facts: tensor scales are float32 in the model. Where TFLM multiplies or divides two
 * floats in float arithmetic we round with Math.fround; where it widens to double first we use
 * plain JS doubles. Each caller says which.
 */
import type { Activation, Padding } from '../core/graph.js';
import { badInput } from '../core/errors.js';

const TWO_31 = 2147483648;
const INT32_MIN = -2147483648;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** C `frexp`: x = fraction * 2^exponent with |fraction| in [0.5, 1) (0, ±inf, NaN pass through with exponent 0). Exact. */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  f64[0] = x;
  let e = (u32[HI] >>> 20) & 0x7ff;
  let bias = 0;
  if (e === 0) {
    // Subnormal: scale into the normal range first.
    f64[0] = x * 2 ** 64;
    e = (u32[HI] >>> 20) & 0x7ff;
    bias = 64;
  }
  const exponent = e - 1022 - bias;
  // Set the biased exponent to 1022 so the magnitude lands in [0.5, 1).
  u32[HI] = (u32[HI] & 0x800fffff) | (1022 << 20);
  return { fraction: f64[0], exponent };
}

/** TfLiteRound / C `round`: half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export interface QuantizedMultiplier {
  /** Q0.31 significand in [2^30, 2^31) (or 0). */
  multiplier: number;
  /** Power-of-two exponent: real ≈ multiplier * 2^(shift - 31). */
  shift: number;
}

/**
 * The fixed-point multipliers TFLM's reference kernels can apply: MultiplyByQuantizedMultiplier
 * (kernels/internal/common.cc, TFLM 90b983c2) DCHECKs `quantized_multiplier >= 0` and
 * `shift >= -31 && shift <= 30`; its double-rounding body computes `x * (1 << left_shift)`, undefined
 * in C from a left shift of 31 on, and gemmlowp's RoundingDivideByPOT takes exponents 0…31. A real
 * multiplier of 2^30 or more (shift 31+) therefore has no representation, and tinyforge refuses it
 * instead of emitting C with a shift the compiler may do anything with. QuantizeMultiplier itself
 * flushes shifts below -31 to a zero multiplier (tiny multipliers are representable as 0).
 */
export const MULTIPLIER_SHIFT_MIN = -31;
export const MULTIPLIER_SHIFT_MAX = 30;

/** Where a multiplier comes from, for the error message (e.g. 'input "x" scale 0.5 / output "y" scale 1e-12'). */
export type MultiplierSource = string;

/**
 * The one check of a derived multiplier against TFLM's limits (every op's Prepare passes through it
 * via quantizeMultiplier, or calls it directly for multipliers TFLM derives otherwise, e.g. LOGISTIC's
 * plain frexp). Throws bad-input naming the source; the interpreter and the native generator add the
 * operator.
 */
export function checkMultiplier(m: QuantizedMultiplier, real: number, from?: MultiplierSource): QuantizedMultiplier {
  if (m.shift >= MULTIPLIER_SHIFT_MIN && m.shift <= MULTIPLIER_SHIFT_MAX && Math.abs(m.multiplier) < TWO_31) return m;
  const what = from ? ` (${from})` : '';
  throw badInput(
    `the fixed-point multiplier ${real}${what} needs a shift of ${m.shift} bits; TFLM's MultiplyByQuantizedMultiplier takes shifts ${MULTIPLIER_SHIFT_MIN}…${MULTIPLIER_SHIFT_MAX}, i.e. a real multiplier below 2^30`,
    {
      remedy: 'These quantisation scales are outside what int8 kernels (TFLM or native) can compute with. Quantise the model again (tinyforge quantize or the TFLite converter) instead of editing its scales.',
      details: { multiplier: String(real), shift: m.shift, ...(from && { source: from }) },
    },
  );
}

/**
 * TFLM QuantizeMultiplier(double): frexp, round(q * 2^31), the q_fixed == 2^31 fix-up, and the
 * flush to zero of shifts below -31; then checkMultiplier (TFLM's MultiplyByQuantizedMultiplier
 * limits). A non-finite multiplier (scales whose product overflows) is bad-input too: TFLM's own
 * arithmetic is undefined there. `from` names the scales in the error.
 */
export function quantizeMultiplier(realMultiplier: number, from?: MultiplierSource): QuantizedMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  if (!Number.isFinite(realMultiplier)) {
    throw badInput(`a fixed-point multiplier derived from the quantisation scales${from ? ` (${from})` : ''} is ${realMultiplier}`, {
      remedy: 'The scales are out of any sensible range (their product overflows). Quantise the model again instead of editing its parameters.',
      details: { multiplier: String(realMultiplier), ...(from && { source: from }) },
    });
  }
  const { fraction, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAway(fraction * TWO_31);
  if (qFixed === TWO_31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return checkMultiplier({ multiplier: qFixed, shift }, realMultiplier, from);
}

/** C `(int32_t)` of a double already known to be integral: values outside int32 become INT32_MIN (x86 cvttsd2si). */
export function castInt32(x: number): number {
  return x >= TWO_31 || x < INT32_MIN || Number.isNaN(x) ? INT32_MIN : x;
}

/** TFLM CalculateInputRadius(integerBits, leftShift, totalSignedBits = 31) (floating-point variant). */
export function inputRadius(integerBits: number, leftShift: number, totalSignedBits = 31): number {
  const max = (1 * (2 ** integerBits - 1) * 2 ** (totalSignedBits - integerBits)) / 2 ** leftShift;
  return Math.floor(max);
}

/**
 * TFLM CalculateActivationRangeQuantized for int8 outputs: the fused activation as a clamp in
 * output units; Quantize() divides in float32 and rounds half away from zero. TFLM treats TANH /
 * SIGN_BIT as no clamp for quantized outputs.
 */
export function activationRange(act: Activation | string, scale: number, zeroPoint: number): { min: number; max: number } {
  const s = Math.fround(scale);
  const q = (f: number) => zeroPoint + roundHalfAway(Math.fround(f / s));
  switch (act) {
    case 'RELU':
      return { min: Math.max(-128, q(0)), max: 127 };
    case 'RELU6':
      return { min: Math.max(-128, q(0)), max: Math.min(127, q(6)) };
    case 'RELU_N1_TO_1':
      return { min: Math.max(-128, q(-1)), max: Math.min(127, q(1)) };
    default:
      return { min: -128, max: 127 };
  }
}

/** TFLM CalculateActivationRange for float outputs. */
export function activationRangeFloat(act: Activation): { min: number; max: number } {
  switch (act) {
    case 'RELU':
      return { min: 0, max: Infinity };
    case 'RELU6':
      return { min: 0, max: 6 };
    case 'RELU_N1_TO_1':
      return { min: -1, max: 1 };
    default:
      return { min: -Infinity, max: Infinity };
  }
}

/** TFLM ComputeOutSize (padding.h); 0 for a zero stride. */
export function computeOutSize(padding: Padding, image: number, filter: number, stride: number, dilation = 1): number {
  const eff = (filter - 1) * dilation + 1;
  if (stride === 0) return 0;
  return padding === 'SAME' ? Math.floor((image + stride - 1) / stride) : Math.floor((image + stride - eff) / stride);
}

/** TFLM ComputePadding: the top/left padding (total / 2, the odd pixel goes bottom/right). */
export function computePadding(stride: number, dilation: number, inSize: number, filter: number, outSize: number): number {
  const eff = (filter - 1) * dilation + 1;
  const total = Math.max((outSize - 1) * stride + eff - inSize, 0);
  return Math.floor(total / 2);
}

/** ComputeOutSize + ComputePaddingWithOffset for one spatial axis. */
export function padFor(padding: Padding, inSize: number, filter: number, stride: number, dilation: number): { out: number; pad: number } {
  const out = computeOutSize(padding, inSize, filter, stride, dilation);
  return { out, pad: computePadding(stride, dilation, inSize, filter, out) };
}

/**
 * MEAN's multiplier adjustment (reference QuantizedMeanOrSum): fold 1/n into the multiplier with
 * int64 arithmetic, shift = min(63 - CountLeadingZeros(uint64 n), 32, 31 + shift).
 */
export function meanMultiplier(base: QuantizedMultiplier, n: number): QuantizedMultiplier {
  let shift = BigInt(n).toString(2).length - 1;
  shift = Math.min(shift, 32, 31 + base.shift);
  const m = (BigInt(base.multiplier) << BigInt(shift)) / BigInt(n);
  return { multiplier: Number(BigInt.asIntN(32, m)), shift: base.shift - shift };
}
