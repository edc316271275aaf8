/**
 * Host-side versions of the floating-point parameter maths TFLM does in its kernels' Prepare()
 * (TFLM 90b983c2b3f1480642e040bbd2ddb37b998f3424, default double-rounding build). The native
 * engine's generator calls these so the device receives integer constants only.
 *
 * Float32 facts: tensor scales are float32 in the model. Where TFLM multiplies or divides two
 * floats in float arithmetic, we round with Math.fround; where it widens to double first, we use
 * plain JS doubles. Each function says which.
 */
import { badInput } from '../../core/errors.js';

/** C `round()`: half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** C `frexp`: x = q * 2^exp with 0.5 <= |q| < 1 (q = 0, exp = 0 for x = 0). Exact. */
export function frexp(x: number): { q: number; exp: number } {
  if (x === 0 || !Number.isFinite(x)) return { q: x, exp: 0 };
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a)) + 1;
  let q = a / Math.pow(2, e);
  // log2 can be off by one near powers of two; fix up so q lands in [0.5, 1).
  while (q >= 1) {
    q /= 2;
    e += 1;
  }
  while (q < 0.5) {
    q *= 2;
    e -= 1;
  }
  return { q: x < 0 ? -q : q, exp: e };
}

export interface QuantizedMultiplier {
  /** Q0.31 significand in [2^30, 2^31) (or 0). */
  multiplier: number;
  /** Power-of-two exponent: real ≈ multiplier * 2^(shift - 31). */
  shift: number;
}

/** TFLM QuantizeMultiplier(double): frexp, round(q * 2^31), the 2^31 fix-up, flush below 2^-31. */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const { q, exp } = frexp(real);
  let shift = exp;
  let qFixed = roundHalfAway(q * 2147483648);
  if (!(qFixed <= 2147483648)) throw badInput(`a fixed-point multiplier derived from the quantisation scales is ${real}`, { remedy: 'The scales are out of any sensible range (their float32 product overflows). Quantise the model again instead of editing its parameters.' });
  if (qFixed === 2147483648) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  return { multiplier: qFixed, shift };
}

/** TFLM CalculateInputRadius(input_integer_bits, input_left_shift, total_signed_bits = 31). */
export function inputRadius(integerBits: number, leftShift: number, totalSignedBits = 31): number {
  const max = (((1 << integerBits) - 1) * Math.pow(2, totalSignedBits - integerBits)) / Math.pow(2, leftShift);
  return Math.floor(max);
}

/**
 * TFLM CalculateActivationRangeQuantized for int8 outputs: the fused activation's clamp in output
 * units. Quantize() divides in float32 and rounds half away from zero.
 */
export function activationRange(act: string, scale: number, zeroPoint: number): { min: number; max: number } {
  const s = Math.fround(scale);
  const q = (f: number) => zeroPoint + roundHalfAway(Math.fround(f / s));
  switch (act) {
    case 'NONE':
      return { min: -128, max: 127 };
    case 'RELU':
      return { min: Math.max(-128, q(0)), max: 127 };
    case 'RELU6':
      return { min: Math.max(-128, q(0)), max: Math.min(127, q(6)) };
    case 'RELU_N1_TO_1':
      return { min: Math.max(-128, q(-1)), max: Math.min(127, q(1)) };
    default:
      throw new RangeError(`activation ${act}`);
  }
}

/** TFLM ComputeOutSize (padding.h). */
export function computeOutSize(padding: 'SAME' | 'VALID', image: number, filter: number, stride: number, dilation = 1): number {
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

/**
 * MEAN's Eval-time multiplier adjustment (reference QuantizedMeanOrSum): fold 1/n into the
 * multiplier with integer arithmetic, exactly as TFLM does on the device.
 */
export function meanMultiplier(base: QuantizedMultiplier, n: number): QuantizedMultiplier {
  let shift = 63 - (64 - BigInt(n).toString(2).length); // 63 - CountLeadingZeros(uint64 n)
  shift = Math.min(shift, 32, 31 + base.shift);
  const m = (BigInt(base.multiplier) << BigInt(shift)) / BigInt(n);
  return { multiplier: Number(BigInt.asIntN(32, m)), shift: base.shift - shift };
}
