// tinyforge native engine: fixed-point helpers shared by the portable int8 kernels.
//
// Every function reproduces the integer arithmetic of TFLM's reference kernels (TFLM commit
// 90b983c2b3f1480642e040bbd2ddb37b998f3424, default "double rounding" build) and of the gemmlowp
// fixed-point library they use, bit for bit. Raw values are int32 Q-formats: a value with
// `integer_bits` integer bits has 31 - integer_bits fractional bits.
//
// C99, no floating point, no dynamic allocation. Right shifts of negative values are assumed to
// be arithmetic (true for gcc and arm-none-eabi-gcc).
#ifndef TINYFORGE_TF_FIXEDPOINT_H_
#define TINYFORGE_TF_FIXEDPOINT_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Round-to-nearest high 32 bits of 2*a*b; the single overflow case (MIN*MIN) saturates to MAX. */
static inline int32_t tf_fp_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  // Division (not shift) on purpose: it truncates toward zero, as gemmlowp does.
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/** x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31. */
static inline int32_t tf_fp_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** x * 2^exponent saturated to int32 (gemmlowp SaturatingRoundingMultiplyByPOT, exponent > 0). */
static inline int32_t tf_fp_sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/** (a + b) / 2 rounded away from zero, computed without overflow. */
static inline int32_t tf_fp_rounding_half_sum(int32_t a, int32_t b) {
  int64_t sum = (int64_t)a + (int64_t)b;
  int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/** x * 2^left_shift wrapped to int32 (the reference's `x * (1 << shift)`, without C overflow UB). */
static inline int32_t tf_fp_shl_wrap(int32_t x, int left_shift) {
  return (int32_t)(uint32_t)((uint32_t)x << left_shift);
}

/** a + b wrapped to int32 (the reference's int32 accumulator + bias, without C overflow UB). */
static inline int32_t tf_fp_add_wrap(int32_t a, int32_t b) {
  return (int32_t)(uint32_t)((uint32_t)a + (uint32_t)b);
}

/**
 * TFLM MultiplyByQuantizedMultiplier(int32 x, multiplier, shift): x * multiplier * 2^(shift-31),
 * with a left shift applied before and a rounding right shift after the high multiply.
 */
static inline int32_t tf_fp_mbqm(int32_t x, int32_t multiplier, int shift) {
  // shift is within -31..30: the generator refuses any other (src/ops/quant.ts checkMultiplier).
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return tf_fp_rdbpot(tf_fp_srdhm(tf_fp_shl_wrap(x, left_shift), multiplier), right_shift);
}

/** TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
static inline int32_t tf_fp_mbqm_smaller(int32_t x, int32_t multiplier, int shift) {
  return tf_fp_rdbpot(tf_fp_srdhm(x, multiplier), -shift);
}

/** TFLM MultiplyByQuantizedMultiplierGreaterThanOne (shift >= 0). */
static inline int32_t tf_fp_mbqm_greater(int32_t x, int32_t multiplier, int shift) {
  return tf_fp_srdhm(tf_fp_shl_wrap(x, shift), multiplier);
}

/** Leading zeros of a 32-bit value (32 for 0). */
static inline int tf_fp_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in and out. */
static inline int32_t tf_fp_exp_quarter(int32_t a) {
  const int32_t constant_term = 1895147668;  // exp(-1/8) in Q0.31
  const int32_t constant_1_over_3 = 715827883;
  const int32_t x = a + (1 << 28);  // a + 1/8
  const int32_t x2 = tf_fp_srdhm(x, x);
  const int32_t x3 = tf_fp_srdhm(x2, x);
  const int32_t x4 = tf_fp_srdhm(x2, x2);
  const int32_t x4_over_4 = tf_fp_rdbpot(x4, 2);
  const int32_t poly = tf_fp_rdbpot(tf_fp_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + tf_fp_srdhm(constant_term, x + poly);
}

/** gemmlowp exp_on_negative_values: exp(a) for a <= 0 given with `integer_bits`; result Q0.31. */
static inline int32_t tf_fp_exp_on_negative_values(int32_t a, int integer_bits) {
  static const int32_t kBarrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t rescaled = integer_bits > 0 ? tf_fp_sat_shl(a_mod_quarter_minus_one_quarter, integer_bits)
                                      : a_mod_quarter_minus_one_quarter;
  int32_t result = tf_fp_exp_quarter(rescaled);
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  for (int e = -2; e <= 4; ++e) {
    if (integer_bits > e) {
      const int shift_amount = fractional_bits + e;
      if (remainder & (int32_t)((uint32_t)1 << shift_amount)) result = tf_fp_srdhm(result, kBarrel[e + 2]);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

/** Newton-Raphson core shared by the two gemmlowp "x in [0,1)" reciprocals; returns Q2.29. */
static inline int32_t tf_fp_nr_reciprocal_q2(int32_t half_denominator) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = constant_48_over_17 + tf_fp_srdhm(half_denominator, constant_neg_32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tf_fp_srdhm(half_denominator, x);
    const int32_t one_minus = one_q2 - half_denominator_times_x;
    x = x + tf_fp_sat_shl(tf_fp_srdhm(x, one_minus), 2);
  }
  return x;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: 1/(1+a), Q0.31 in and out. */
static inline int32_t tf_fp_one_over_one_plus_x(int32_t a) {
  const int32_t x = tf_fp_nr_reciprocal_q2(tf_fp_rounding_half_sum(a, INT32_MAX));
  return tf_fp_sat_shl(x, 1);  // Rescale<0>(ExactMulByPot<-1>(x))
}

/** gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1-a)/(1+a), Q0.31 in and out. */
static inline int32_t tf_fp_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t x = tf_fp_nr_reciprocal_q2(tf_fp_rounding_half_sum(a, INT32_MAX));
  return tf_fp_sat_shl(x - ((int32_t)1 << 29), 2);
}

/** gemmlowp logistic: input with `integer_bits`, result Q0.31. */
static inline int32_t tf_fp_logistic(int32_t a, int integer_bits) {
  if (a == 0) return (int32_t)1 << 30;
  const int32_t abs_a = a > 0 ? a : -a;
  const int32_t pos = tf_fp_one_over_one_plus_x(tf_fp_exp_on_negative_values(-abs_a, integer_bits));
  return a > 0 ? pos : INT32_MAX - pos;
}

/** gemmlowp tanh: input with `integer_bits`, result Q0.31. */
static inline int32_t tf_fp_tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t n = a < 0 ? a : -a;
  // ExactMulByPot<1>: the same raw value read with one more integer bit is 2n.
  const int32_t t = tf_fp_one_minus_x_over_one_plus_x(tf_fp_exp_on_negative_values(n, integer_bits + 1));
  return a < 0 ? -t : t;
}

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_FIXEDPOINT_H_
