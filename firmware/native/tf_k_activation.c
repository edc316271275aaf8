// tinyforge native engine: SOFTMAX, LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOG_SOFTMAX int8,
// portable C99.
// Same fixed-point arithmetic as TFLM's reference kernels (gemmlowp exp / reciprocal / logistic /
// tanh); see tf_fixedpoint.h.
// Size builds (the Arduino cores compile everything at -Os): SOFTMAX runs on every inference, and at -Os
// its fixed-point exponentials made the dense vector's whole model +6.8 % instructions against the
// make build (-0.4 % compiled for speed, ~700 B more flash; BENCHMARKS.md native-dsp), so this file is
// compiled for speed as tf_dsp.h's kernels are. Same C, same results.
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__) && !defined(TF_DSP_KEEP_OS)
#pragma GCC optimize("O2")
#endif

#include "tf_fixedpoint.h"
#include "tf_kernels.h"

TF_KERNEL_WEAK int tf_k_softmax_s8(const tf_softmax_params_t* p, const int8_t* input, int8_t* output) {
  enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
  for (int32_t i = 0; i < p->outer; ++i) {
    const int8_t* in = input + i * p->depth;
    int8_t* out = output + i * p->depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < p->depth; ++c) if (in[c] > max_in_row) max_in_row = in[c];

    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = tf_fp_mbqm_greater(diff, p->input_multiplier, p->input_left_shift);
        sum_of_exps += tf_fp_rdbpot(tf_fp_exp_on_negative_values(scaled, kScaledDiffIntegerBits),
                                    kAccumulationIntegerBits);
      }
    }

    // GetReciprocal: normalise the sum into [1, 2) and take 1/(1+x) of the fraction.
    const int headroom_plus_one = tf_fp_clz32((uint32_t)sum_of_exps);
    const int num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31));
    const int32_t shifted_scale = tf_fp_one_over_one_plus_x(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - 8;
    if (exponent < 0 || exponent > 31) return -1;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = tf_fp_mbqm_greater(diff, p->input_multiplier, p->input_left_shift);
        const int32_t exp_in_0 = tf_fp_exp_on_negative_values(scaled, kScaledDiffIntegerBits);
        int32_t v = tf_fp_rdbpot(tf_fp_srdhm(shifted_scale, exp_in_0), exponent) - 128;
        if (v < -128) v = -128;
        if (v > 127) v = 127;
        out[c] = (int8_t)v;
      } else {
        out[c] = -128;
      }
    }
  }
  return 0;
}

// LOGISTIC and TANH share everything but the gemmlowp function and the output format:
// logistic is Q0.8 with zero point -128 (shift 23), tanh Q0.7 with zero point 0 (shift 24).
static int sigmoid_like(const tf_sigmoid_params_t* p, const int8_t* input, int8_t* output, int is_tanh) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = -128;
    } else if (x >= p->input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t in_q4 = tf_fp_mbqm(x, p->input_multiplier, p->input_left_shift);
      int32_t v = is_tanh ? tf_fp_rdbpot(tf_fp_tanh(in_q4, 4), 31 - 7)
                          : tf_fp_rdbpot(tf_fp_logistic(in_q4, 4), 31 - 8) - 128;
      if (v < -128) v = -128;
      if (v > 127) v = 127;
      output[i] = (int8_t)v;
    }
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_logistic_s8(const tf_sigmoid_params_t* p, const int8_t* input, int8_t* output) {
  return sigmoid_like(p, input, output, 0);
}

TF_KERNEL_WEAK int tf_k_tanh_s8(const tf_sigmoid_params_t* p, const int8_t* input, int8_t* output) {
  return sigmoid_like(p, input, output, 1);
}

TF_KERNEL_WEAK int tf_k_relu_s8(const tf_relu_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    int32_t v = p->output_zero_point + tf_fp_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
    if (v < p->act_min) v = p->act_min;
    if (v > p->act_max) v = p->act_max;
    output[i] = (int8_t)v;
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_relu6_s8(const tf_relu6_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int8_t v = input[i];
    output[i] = v > p->upper ? p->upper : (v < p->lower ? p->lower : v);
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_leaky_relu_s8(const tf_leaky_relu_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t v = (int32_t)input[i] - p->input_zero_point;
    int32_t out = p->output_zero_point;
    if (v >= 0) {
      out += tf_fp_mbqm(v, p->identity_multiplier, p->identity_shift);
    } else {
      const int32_t s = tf_fp_mbqm(v, p->alpha_multiplier, p->alpha_shift);
      out += p->alpha_negative ? -s : s;
    }
    if (out < -128) out = -128;
    if (out > 127) out = 127;
    output[i] = (int8_t)out;
  }
  return 0;
}

// HARD_SWISH's int16 arithmetic (TFLM reference/hard_swish.h), on int32 holding int16 values.
static int32_t hs_srdhm16(int32_t a, int32_t b) {  // gemmlowp SaturatingRoundingDoublingHighMul<int16>
  if (a == -32768 && b == -32768) return 32767;
  const int32_t ab = a * b;
  return (ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15);
}
static int32_t hs_sdhm16(int32_t a, int32_t b) {  // TFLM SaturatingDoublingHighMul (truncating)
  if (a == -32768 && b == -32768) return 32767;
  return (a * b) / (1 << 15);
}
static int32_t hs_sat_shl16(int32_t v, int amount) {  // TFLM SaturatingLeftShift
  const int64_t r = (int64_t)v * ((int64_t)1 << amount);
  return r > 32767 ? 32767 : (r < -32768 ? -32768 : (int32_t)r);
}

TF_KERNEL_WEAK int tf_k_hard_swish_s8(const tf_hard_swish_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t hires = ((int32_t)input[i] - p->input_zero_point) * 128;
    const int32_t preshift_out = hs_srdhm16(hires, p->output_multiplier);
    int32_t reluish = hires;
    if (p->reluish_exponent > 0) reluish = hs_sat_shl16(reluish, p->reluish_exponent - 1);
    reluish = hs_srdhm16(reluish, p->reluish_multiplier);
    if (p->reluish_exponent > 0) reluish = hs_sat_shl16(reluish, 1);
    if (p->reluish_exponent < 0) reluish = tf_fp_rdbpot(reluish, -p->reluish_exponent);
    reluish = (reluish + (1 << 15)) >> 1;
    int32_t out = tf_fp_rdbpot(hs_sdhm16(reluish, preshift_out), -p->output_exponent) + p->output_zero_point;
    if (out < -128) out = -128;
    if (out > 127) out = 127;
    output[i] = (int8_t)out;
  }
  return 0;
}

// TFLM SaturatingRoundingMultiplyByPOTParam for exponent >= 0 (saturating left shift).
static int32_t ls_sat_shl(int32_t x, int e) {
  if (e == 0) return x;
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return tf_fp_shl_wrap(x, e);
}
static int32_t ls_sat_add(int64_t v) { return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v); }

// TFLM log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>: raw Q12.19 in, raw Q5.26 out.
static int32_t ls_log_q12_to_q5(int32_t z_a) {
  enum { kInputBits = 12, kAccumBits = 6 };
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = tf_fp_rdbpot(536870912, kAccumBits);
  const int hp1 = tf_fp_clz32((uint32_t)z_a);
  const int32_t r_a = ls_sat_shl(tf_fp_srdhm(ls_sat_shl(z_a, hp1 - 1), sqrt_half), 1);
  const int32_t z_a_adj = ls_sat_add((int64_t)ls_sat_shl(kInputBits - hp1, 31 - kAccumBits) + shifted_quarter);
  const int32_t z_b = tf_fp_srdhm(z_a, sqrt_half);
  const int z_b_headroom = tf_fp_clz32((uint32_t)z_b) - 1;
  const int32_t r_b = ls_sat_shl(z_a, z_b_headroom);
  const int32_t z_b_adj = ls_sat_add((int64_t)ls_sat_shl(kInputBits - z_b_headroom, 31 - kAccumBits) - shifted_quarter);
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t z_pow_2_adj = z_a_adj > z_b_adj ? z_a_adj : z_b_adj;
  const int32_t p = tf_fp_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = (int32_t)((uint32_t)r - (uint32_t)sqrt_sqrt_half);
  q = tf_fp_add_wrap(q, q);
  const int32_t common_sq = tf_fp_srdhm(q, q);
  const int32_t num = tf_fp_add_wrap(tf_fp_srdhm(q, r), tf_fp_srdhm(tf_fp_srdhm(q, common_sq), alpha_n));
  const int32_t inner = tf_fp_add_wrap(tf_fp_add_wrap(alpha_i, q), tf_fp_srdhm(alpha_d, common_sq));
  const int32_t denom_minus_one = tf_fp_add_wrap(tf_fp_srdhm(p, inner), tf_fp_srdhm(alpha_f, q));
  const int32_t recip_denom = tf_fp_one_over_one_plus_x(denom_minus_one);
  const int32_t num_scaled = tf_fp_rdbpot(num, kAccumBits);
  return ls_sat_shl(tf_fp_add_wrap(tf_fp_srdhm(z_pow_2_adj, log_2), tf_fp_srdhm(num_scaled, recip_denom)), 1);
}

TF_KERNEL_WEAK int tf_k_log_softmax_s8(const tf_log_softmax_params_t* p, const int8_t* input, int8_t* output) {
  enum { kScaledDiffIntegerBits = 5, kOutputIntegerBits = 4 };
  for (int32_t i = 0; i < p->outer; ++i) {
    const int8_t* in = input + i * p->depth;
    int8_t* out = output + i * p->depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < p->depth; ++c) if (in[c] > max_in_row) max_in_row = in[c];
    int32_t sum = 0;  // Q12.19
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = tf_fp_mbqm(diff, p->input_multiplier, p->input_left_shift);
        sum = tf_fp_add_wrap(sum, tf_fp_rdbpot(tf_fp_exp_on_negative_values(scaled, kScaledDiffIntegerBits), 12));
      }
    }
    const int32_t log_sum = ls_log_q12_to_q5(sum);
    const int32_t shifted = (int32_t)((uint32_t)log_sum + (uint32_t)INT32_MIN);
    const int32_t rev = tf_fp_mbqm(shifted, p->reverse_scaling_divisor, p->reverse_scaling_shift);
    const int32_t adjusted_diff_min = p->diff_min - 1 > rev ? p->diff_min - 1 : rev;
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff > adjusted_diff_min) {
        const int32_t scaled = tf_fp_mbqm(diff, p->input_multiplier, p->input_left_shift);
        int32_t v = tf_fp_rdbpot((int32_t)((uint32_t)scaled - (uint32_t)log_sum),
                                 31 - kScaledDiffIntegerBits - kOutputIntegerBits) + 127;
        if (v > 127) v = 127;
        if (v < -128) v = -128;
        out[c] = (int8_t)v;
      } else {
        out[c] = -128;
      }
    }
  }
  return 0;
}
