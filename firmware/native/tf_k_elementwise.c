// tinyforge native engine: ADD, SUB, MUL, MAXIMUM, MINIMUM, PRELU, QUANTIZE, DEQUANTIZE, RESHAPE, portable
// C99. Same arithmetic as TFLM's reference integer AddFunc / SubFunc / MulElementwise,
// MaximumMinimumBroadcastSlow, AffineQuantize, Requantize and Dequantize.
#include <string.h>

#include "tf_fixedpoint.h"
#include "tf_kernels.h"

static inline int32_t add_one(const tf_binary_params_t* p, int8_t x, int8_t y) {
  const int32_t a = tf_fp_shl_wrap(p->input1_offset + x, p->left_shift);
  const int32_t b = tf_fp_shl_wrap(p->input2_offset + y, p->left_shift);
  const int32_t sa = tf_fp_mbqm_smaller(a, p->input1_multiplier, p->input1_shift);
  const int32_t sb = tf_fp_mbqm_smaller(b, p->input2_multiplier, p->input2_shift);
  return tf_fp_mbqm_smaller(sa + sb, p->output_multiplier, p->output_shift) + p->output_offset;
}

static inline int32_t sub_one(const tf_binary_params_t* p, int8_t x, int8_t y) {
  const int32_t a = tf_fp_shl_wrap(p->input1_offset + x, p->left_shift);
  const int32_t b = tf_fp_shl_wrap(p->input2_offset + y, p->left_shift);
  const int32_t sa = tf_fp_mbqm_smaller(a, p->input1_multiplier, p->input1_shift);
  const int32_t sb = tf_fp_mbqm_smaller(b, p->input2_multiplier, p->input2_shift);
  return tf_fp_mbqm_smaller(sa - sb, p->output_multiplier, p->output_shift) + p->output_offset;
}

static inline int32_t mul_one(const tf_binary_params_t* p, int8_t x, int8_t y) {
  const int32_t a = p->input1_offset + x;
  const int32_t b = p->input2_offset + y;
  return p->output_offset + tf_fp_mbqm(a * b, p->output_multiplier, p->output_shift);
}

enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_MAX, BIN_MIN, BIN_PRELU };

// PRELU (TFLM reference BroadcastPrelu4DSlow): x >= 0 by the identity multiplier, else x·alpha by the alpha one.
static inline int32_t prelu_one(const tf_binary_params_t* p, int8_t x, int8_t a) {
  const int32_t v = p->input1_offset + x;
  if (v >= 0) return tf_fp_mbqm(v, p->input1_multiplier, p->input1_shift) + p->output_offset;
  return tf_fp_mbqm(v * (p->input2_offset + a), p->input2_multiplier, p->input2_shift) + p->output_offset;
}

static int binary_broadcast(const tf_binary_params_t* p, const int8_t* in1, const int8_t* in2, int8_t* out,
                            int op) {
  const int32_t* d = p->out_dims;
  int32_t o = 0;
  for (int32_t i0 = 0; i0 < d[0]; ++i0)
    for (int32_t i1 = 0; i1 < d[1]; ++i1)
      for (int32_t i2 = 0; i2 < d[2]; ++i2)
        for (int32_t i3 = 0; i3 < d[3]; ++i3) {
          const int8_t x = in1[i0 * p->in1_strides[0] + i1 * p->in1_strides[1] + i2 * p->in1_strides[2] +
                               i3 * p->in1_strides[3]];
          const int8_t y = in2[i0 * p->in2_strides[0] + i1 * p->in2_strides[1] + i2 * p->in2_strides[2] +
                               i3 * p->in2_strides[3]];
          int32_t v;
          switch (op) {
            case BIN_MAX: out[o++] = x > y ? x : y; continue;
            case BIN_MIN: out[o++] = x < y ? x : y; continue;
            case BIN_MUL: v = mul_one(p, x, y); break;
            case BIN_SUB: v = sub_one(p, x, y); break;
            case BIN_PRELU: v = prelu_one(p, x, y); break;
            default: v = add_one(p, x, y); break;
          }
          if (v < p->act_min) v = p->act_min;
          if (v > p->act_max) v = p->act_max;
          out[o++] = (int8_t)v;
        }
  return 0;
}

TF_KERNEL_WEAK int tf_k_add_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2,
                               int8_t* output) {
  return binary_broadcast(p, input1, input2, output, BIN_ADD);
}

TF_KERNEL_WEAK int tf_k_mul_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2,
                               int8_t* output) {
  return binary_broadcast(p, input1, input2, output, BIN_MUL);
}

TF_KERNEL_WEAK int tf_k_sub_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2,
                               int8_t* output) {
  return binary_broadcast(p, input1, input2, output, BIN_SUB);
}

TF_KERNEL_WEAK int tf_k_maximum_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2,
                                   int8_t* output) {
  return binary_broadcast(p, input1, input2, output, BIN_MAX);
}

TF_KERNEL_WEAK int tf_k_minimum_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2,
                                   int8_t* output) {
  return binary_broadcast(p, input1, input2, output, BIN_MIN);
}

TF_KERNEL_WEAK int tf_k_prelu_s8(const tf_binary_params_t* p, const int8_t* input, const int8_t* alpha,
                                 int8_t* output) {
  return binary_broadcast(p, input, alpha, output, BIN_PRELU);
}

// C roundf (half away from zero) of x, saturated to int32, without libm. Exact: below 2^23 the
// fraction x - trunc(x) is representable; from 2^23 on every float is already an integer.
static int64_t round_to_int(float x) {
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  if (!(x == x)) return 0;
  int64_t i = (int64_t)x;
  const float frac = x - (float)i;
  if (frac >= 0.5f) ++i;
  if (frac <= -0.5f) --i;
  return i;
}

TF_KERNEL_WEAK int tf_k_quantize_f32_s8(const tf_quantize_params_t* p, const float* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    int64_t v = round_to_int(input[i] / p->scale) + p->zero_point;
    if (v < -128) v = -128;
    if (v > 127) v = 127;
    output[i] = (int8_t)v;
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_requantize_s8(const tf_requantize_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    int32_t v = tf_fp_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
    if (v < -128) v = -128;
    if (v > 127) v = 127;
    output[i] = (int8_t)v;
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_dequantize_s8_f32(const tf_dequantize_params_t* p, const int8_t* input, float* output) {
  for (int32_t i = 0; i < p->size; ++i) {
    output[i] = (float)(p->scale * (double)((int32_t)input[i] - p->zero_point));
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_reshape(const void* input, void* output, size_t bytes) {
  if (input != output) memmove(output, input, bytes);
  return 0;
}
