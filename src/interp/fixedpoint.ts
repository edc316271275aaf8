/**
 * Fixed-point arithmetic of TFLite / TFLM integer kernels, bit for bit.
 *
 * Sources of the semantics (facts, re-implemented here): gemmlowp `fixedpoint/fixedpoint.h`
 * (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, exp_on_negative_values,
 * one_over_one_plus_x_for_x_in_0_1, logistic, tanh) and TFLM
 * `tensorflow/lite/kernels/internal/{common.h,common.cc,quantization_util.cc}` at commit
 * 90b983c2b3f1480642e040bbd2ddb37b998f3424, built without TFLITE_SINGLE_ROUNDING (TFLM's default),
 * i.e. the *double-rounding* MultiplyByQuantizedMultiplier.
 *
 * All values are JS numbers holding int32 values. A gemmlowp `FixedPoint<int32_t, N>` is passed
 * as its raw int32; N is stated per function. Integer addition/subtraction in gemmlowp wraps (it is
 * plain int32 arithmetic), which `| 0` reproduces.
 */

const TWO_31 = 2147483648;
const TWO_52 = 4503599627370496;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * gemmlowp SaturatingRoundingDoublingHighMul(a, b): the high 32 bits of 2*a*b, rounded to nearest
 * with ties away from zero, saturating the single overflow case a == b == INT32_MIN.
 * Exact: the 62-bit product is never rounded through a double.
 */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const p = a * b;
  // gemmlowp: nudge = ab >= 0 ? 2^30 : 1 - 2^30, then C division (truncation toward zero) by 2^31.
  if (p <= TWO_52 && p >= -TWO_52) {
    // |p| <= 2^52: the double product is exact, and so are the sum and the division by 2^31.
    return (p >= 0 ? Math.floor((p + 1073741824) / TWO_31) : Math.ceil((p - 1073741823) / TWO_31)) | 0;
  }
  // Split b into 16-bit halves: a*b = p1 * 2^16 + p0 with |p1| < 2^46, |p0| < 2^47, both exact.
  const bh = b >> 16;
  const bl = b & 0xffff;
  const p1 = a * bh;
  const p0 = a * bl;
  // p1 * 2^16 = q1 * 2^31 + r1 * 2^16 with 0 <= r1 < 2^15.
  const q1 = Math.floor(p1 / 32768);
  const r1 = p1 - q1 * 32768;
  if (p >= 0) {
    const t = r1 * 65536 + p0 + 1073741824;
    return (q1 + Math.floor(t / TWO_31)) | 0;
  }
  const t = r1 * 65536 + p0 - 1073741823;
  return (q1 + Math.ceil(t / TWO_31)) | 0;
}

/**
 * gemmlowp RoundingDivideByPOT(x, exponent): x / 2^exponent rounded to nearest, ties away from
 * zero. exponent in [0, 31].
 */
export function rdbp(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = 2 ** exponent - 1;
  const remainder = x & mask;
  const threshold = (mask >>> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLM MultiplyByQuantizedMultiplier(int32 x, multiplier, shift), double-rounding variant:
 * RoundingDivideByPOT(SRDHM(x * 2^max(shift,0), multiplier), max(-shift,0)). The left shift wraps
 * like the C code does on every real target.
 */
export function mulByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbp(srdhm(left === 0 ? x : Math.imul(x, 1 << left), multiplier), right);
}

/** TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
export function mulByQuantizedMultiplierSmallerThanOne(x: number, multiplier: number, shift: number): number {
  return rdbp(srdhm(x, multiplier), -shift);
}

/** TFLM MultiplyByQuantizedMultiplierGreaterThanOne (leftShift >= 0). */
export function mulByQuantizedMultiplierGreaterThanOne(x: number, multiplier: number, leftShift: number): number {
  return srdhm(Math.imul(x, 1 << leftShift), multiplier);
}

// Prepare-time maths (QuantizeMultiplier, frexp, rounding, input radius) is shared with the native
// generator and lives in src/ops/quant.ts; re-exported here for the kernels and their tests.
export { castInt32, frexp, quantizeMultiplier, roundHalfAway, inputRadius as calculateInputRadius } from '../ops/quant.js';

/** gemmlowp SaturatingRoundingMultiplyByPOT<exponent> on a raw int32 (exponent > 0: saturating left shift). */
export function satRoundingMulByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return rdbp(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << exponent;
}

/** exp(x) for a raw Q0.31 x in [-1/4, 0); result raw Q0.31. */
function expOnIntervalNegQuarterTo0(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8) in Q0.31
  const constant1Over3 = 715827883; // 1/3 in Q0.31
  const x = (a + (1 << 28)) | 0;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = rdbp(x4, 2);
  const poly = rdbp((srdhm((x4Over4 + x3) | 0, constant1Over3) + x2) | 0, 1);
  return (constantTerm + srdhm(constantTerm, (x + poly) | 0)) | 0;
}

// exp(-2^k) in Q0.31 for k = -2..4 (gemmlowp's barrel-shifter constants).
const EXP_BARREL: readonly [number, number][] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/**
 * gemmlowp exp_on_negative_values for a raw FixedPoint<int32, integerBits> a <= 0; result raw Q0.31.
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalNegQuarterTo0(satRoundingMulByPOT(aModQuarterMinusOneQuarter, integerBits));
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const shiftAmount = fractionalBits + exponent;
      if (remainder & (2 ** shiftAmount | 0)) result = srdhm(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clamp = -(2 ** (36 - integerBits)) | 0; // -32.0 in this format
    if (a < clamp) result = 0;
  }
  if (a === 0) result = INT32_MAX;
  return result;
}

/** gemmlowp RoundingHalfSum for int32: (a + b) / 2 rounded, ties away from zero. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** Newton-Raphson reciprocal core shared by 1/(1+x) and (1-x)/(1+x); returns raw Q2.29 x ≈ 1/half_denominator. */
function newtonReciprocalQ2(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const c48Over17 = 1515870810;
  const cNeg32Over17 = -1010580540;
  let x = (c48Over17 + srdhm(halfDenominator, cNeg32Over17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = srdhm(halfDenominator, x);
    const oneMinus = ((1 << 29) - halfDenominatorTimesX) | 0;
    x = (x + satRoundingMulByPOT(srdhm(x, oneMinus), 2)) | 0;
  }
  return x;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: raw Q0.31 in, raw Q0.31 out. */
export function oneOverOnePlusX(a: number): number {
  return satRoundingMulByPOT(newtonReciprocalQ2(a), 1);
}

/** gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: raw Q0.31 in, raw Q0.31 out. */
export function oneMinusXOverOnePlusX(a: number): number {
  return satRoundingMulByPOT((newtonReciprocalQ2(a) - (1 << 29)) | 0, 2);
}

/** gemmlowp logistic for raw FixedPoint<int32, integerBits>; raw Q0.31 out. */
export function logisticFixed(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30;
  const abs = a > 0 ? a : -a | 0;
  const positive = oneOverOnePlusX(expOnNegativeValues(-abs | 0, integerBits));
  return a > 0 ? positive : (INT32_MAX - positive) | 0;
}

/** gemmlowp tanh for raw FixedPoint<int32, integerBits>; raw Q0.31 out. */
export function tanhFixed(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const n = a < 0 ? a : -a | 0;
  // ExactMulByPot<1>: same raw value read with one more integer bit.
  const t = oneMinusXOverOnePlusX(expOnNegativeValues(n, integerBits + 1));
  return a < 0 ? -t | 0 : t;
}

/** Count of leading zero bits of x as uint32 (32 for 0). */
export function clz32(x: number): number {
  return Math.clz32(x);
}

/**
 * TFLM GetReciprocal(x, xIntegerDigits): raw Q0.31 ≈ 2^-numBitsOverUnit / x(real), with
 * numBitsOverUnit as TFLM computes it.
 */
export function getReciprocal(x: number, xIntegerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const numBitsOverUnit = xIntegerDigits - headroomPlusOne;
  const shiftedSumMinusOne = ((headroomPlusOne >= 32 ? 0 : x << headroomPlusOne) - TWO_31) | 0;
  return { reciprocal: oneOverOnePlusX(shiftedSumMinusOne), numBitsOverUnit };
}
