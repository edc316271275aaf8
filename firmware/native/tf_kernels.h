// tinyforge native engine: portable int8 kernels (C99, no allocation, no runtime library).
//
// Each kernel is bit-identical to the matching TFLM reference kernel at commit
// 90b983c2b3f1480642e040bbd2ddb37b998f3424. Everything TFLM computes in Prepare() with floating
// point (quantized multipliers and shifts, padding, activation ranges, softmax diff_min, …) is
// computed on the host by the generator (src/firmware/native/) and arrives here as constants in
// the parameter structs, so the int8 path does no float maths. Only QUANTIZE (float → int8) and
// DEQUANTIZE use floating point, exactly where TFLM's reference does.
//
// Layouts: activations NHWC, row-major. CONV_2D filters [out_c][kh][kw][in_c/groups];
// DEPTHWISE_CONV_2D filters [1][kh][kw][out_c]; FULLY_CONNECTED filters [out][in]. Biases int32,
// one per output channel, or NULL. Multipliers are Q0.31 int32 and shifts are TFLM exponents
// (positive = left shift), one per output channel (per-tensor: arrays of length 1 for FC).
//
// Return value: 0 on success, negative on failure (only AVERAGE_POOL_2D can fail: an empty window).
//
// Replacing a kernel (optimised variants, e.g. Cortex-M DSP SIMD): every kernel below is defined
// in firmware/native/*.c with TF_KERNEL_WEAK, which is `__attribute__((weak))` on GCC/Clang. To
// replace one, compile and link a C file that defines a function with the same name and
// signature WITHOUT the weak attribute; the linker then takes the strong definition. Linking
// object files (not a static archive) guarantees the override is seen. Alternatively define
// TF_KERNEL_WEAK as empty and simply leave the portable .c file out of the build.
#ifndef TINYFORGE_TF_KERNELS_H_
#define TINYFORGE_TF_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TF_KERNEL_WEAK
#if defined(__GNUC__) || defined(__clang__)
#define TF_KERNEL_WEAK __attribute__((weak))
#else
#define TF_KERNEL_WEAK
#endif
#endif

/** CONV_2D and DEPTHWISE_CONV_2D. Sizes in elements; padding from TFLM's ComputePadding. */
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w;
  int32_t filter_in_c;      /**< CONV_2D: filter's input depth (in_c / groups). Unused by depthwise. */
  int32_t depth_multiplier; /**< DEPTHWISE_CONV_2D only (out_c = in_c * depth_multiplier). */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;     /**< Top/left padding (the smaller half for odd totals). */
  int32_t input_offset;     /**< -input zero point. */
  int32_t output_offset;    /**< output zero point. */
  int32_t act_min, act_max; /**< Fused activation clamp in output int8 units. */
  const int32_t* multiplier;/**< [out_c] */
  const int32_t* shift;     /**< [out_c] */
} tf_conv_params_t;

/** FULLY_CONNECTED: output[b][o] from input[b][0..accum_depth). */
typedef struct {
  int32_t batches, accum_depth, output_depth;
  int32_t input_offset, filter_offset, output_offset; /**< -zp_in, -zp_filter, zp_out. */
  int32_t act_min, act_max;
  int32_t per_channel;       /**< 1: multiplier/shift have output_depth entries; 0: one entry. */
  const int32_t* multiplier;
  const int32_t* shift;
} tf_fc_params_t;

/** AVERAGE_POOL_2D and MAX_POOL_2D (input and output share scale and zero point). */
typedef struct {
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_h, pad_w;
  int32_t act_min, act_max;
} tf_pool_params_t;

/** MEAN over any subset of up to 4 axes (shape padded with leading 1s to 4-D). */
typedef struct {
  int32_t dims[4];
  int32_t reduce[4];        /**< 1 where the axis is reduced. */
  int32_t num_elements_in_axis;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier;       /**< Already divided by num_elements_in_axis, as TFLM does at Eval. */
  int32_t shift;
} tf_mean_params_t;

/** SOFTMAX over the last axis (int8 in, int8 out with scale 1/256 and zero point -128). */
typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift, diff_min;
} tf_softmax_params_t;

/** LOGISTIC and TANH (int8). */
typedef struct {
  int32_t size;
  int32_t input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} tf_sigmoid_params_t;

/** ADD and MUL with 4-D broadcasting: element strides of each input (0 along broadcast axes). */
typedef struct {
  int32_t out_dims[4];
  int32_t in1_strides[4], in2_strides[4];
  int32_t input1_offset, input2_offset, output_offset; /**< -zp1, -zp2, zp_out. */
  int32_t left_shift;                                  /**< ADD only (20 for int8). */
  int32_t input1_multiplier, input1_shift;             /**< ADD only. */
  int32_t input2_multiplier, input2_shift;             /**< ADD only. */
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tf_binary_params_t;

/** QUANTIZE float32 → int8. */
typedef struct {
  int32_t size;
  float scale;
  int32_t zero_point;
} tf_quantize_params_t;

/** QUANTIZE int8 → int8 (requantize). */
typedef struct {
  int32_t size, input_zero_point, output_zero_point, multiplier, shift;
} tf_requantize_params_t;

/** DEQUANTIZE int8 → float32 (TFLM multiplies in double). */
typedef struct {
  int32_t size;
  double scale;
  int32_t zero_point;
} tf_dequantize_params_t;

/** RELU (requantising, as TFLM's ReluQuantized). */
typedef struct {
  int32_t size, input_zero_point, output_zero_point, multiplier, shift, act_min, act_max;
} tf_relu_params_t;

/** RELU6 (clamp only, input and output share quantisation). */
typedef struct {
  int32_t size;
  int8_t lower, upper;
} tf_relu6_params_t;

/** LEAKY_RELU: x >= 0 scaled by identity, x < 0 by |alpha| (negated when alpha_negative). */
typedef struct {
  int32_t size, input_zero_point, output_zero_point;
  int32_t identity_multiplier, identity_shift;
  int32_t alpha_multiplier, alpha_shift, alpha_negative;
} tf_leaky_relu_params_t;

/** LOG_SOFTMAX over the last axis (int8 in, int8 out with scale 16/256 and zero point 127). */
typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift;
  int32_t reverse_scaling_divisor, reverse_scaling_shift; /**< shift <= 0 (MultiplyByQuantizedMultiplier exponent). */
  int32_t diff_min;
} tf_log_softmax_params_t;

/** HARD_SWISH (TFLM's int16 fixed point): Q15 multipliers and exponents from HardSwishPrepare. */
typedef struct {
  int32_t size, input_zero_point, output_zero_point;
  int32_t output_multiplier, output_exponent;   /**< Q15; exponent -15..0. */
  int32_t reluish_multiplier, reluish_exponent; /**< Q15; exponent -15..15. */
} tf_hard_swish_params_t;

/** PAD / PADV2 (shapes padded with leading 1s to 4-D): `before[d]` elements ahead of dimension d. */
typedef struct {
  int32_t in_dims[4], out_dims[4], before[4];
  int32_t pad_value; /**< int8 pad value unless the kernel gets a pad-value pointer. */
} tf_pad_params_t;

/** STRIDED_SLICE: output walked over counts[4]; input element = base + sum of index[d] * steps[d]. */
typedef struct {
  int32_t counts[4], steps[4], base;
} tf_strided_slice_params_t;

/** SPLIT, SPLIT_V, UNPACK, PACK: `blocks` copies of `length` elements, src + src_offset + b·src_stride → dst + dst_offset + b·dst_stride. */
typedef struct {
  int32_t blocks, length, src_stride, src_offset, dst_stride, dst_offset;
} tf_copy_blocks_params_t;

/** RESIZE_NEAREST_NEIGHBOR: the source row / column of every output row / column, computed by the generator. */
typedef struct {
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  const int32_t* rows; /**< [out_h] */
  const int32_t* cols; /**< [out_w] */
} tf_resize_nearest_params_t;

/** TRANSPOSE: output walked in order over out_dims, input element = sum of index[d] * strides[d]. */
typedef struct {
  int32_t out_dims[4], strides[4];
} tf_transpose_params_t;

int tf_k_conv2d_s8(const tf_conv_params_t* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                   int8_t* output);
int tf_k_depthwise_conv2d_s8(const tf_conv_params_t* p, const int8_t* input, const int8_t* filter,
                             const int32_t* bias, int8_t* output);
int tf_k_fully_connected_s8(const tf_fc_params_t* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                            int8_t* output);
int tf_k_avg_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output);
int tf_k_max_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output);
int tf_k_mean_s8(const tf_mean_params_t* p, const int8_t* input, int8_t* output);
int tf_k_softmax_s8(const tf_softmax_params_t* p, const int8_t* input, int8_t* output);
int tf_k_logistic_s8(const tf_sigmoid_params_t* p, const int8_t* input, int8_t* output);
int tf_k_tanh_s8(const tf_sigmoid_params_t* p, const int8_t* input, int8_t* output);
int tf_k_add_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2, int8_t* output);
int tf_k_mul_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2, int8_t* output);
int tf_k_sub_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2, int8_t* output);
/** MAXIMUM / MINIMUM: raw values compared; only out_dims and the strides of tf_binary_params_t are used. */
int tf_k_maximum_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2, int8_t* output);
int tf_k_minimum_s8(const tf_binary_params_t* p, const int8_t* input1, const int8_t* input2, int8_t* output);
int tf_k_log_softmax_s8(const tf_log_softmax_params_t* p, const int8_t* input, int8_t* output);
int tf_k_hard_swish_s8(const tf_hard_swish_params_t* p, const int8_t* input, int8_t* output);
/** PRELU: input 1 = x (identity multiplier), input 2 = alpha (alpha multiplier); act_min/max = int8 range. */
int tf_k_prelu_s8(const tf_binary_params_t* p, const int8_t* input, const int8_t* alpha, int8_t* output);
int tf_k_leaky_relu_s8(const tf_leaky_relu_params_t* p, const int8_t* input, int8_t* output);
/** PAD / PADV2: `pad_value` NULL = p->pad_value, else the run-time int8 value it points to. */
int tf_k_pad_s8(const tf_pad_params_t* p, const int8_t* input, const int8_t* pad_value, int8_t* output);
int tf_k_strided_slice_s8(const tf_strided_slice_params_t* p, const int8_t* input, int8_t* output);
int tf_k_copy_blocks_s8(const tf_copy_blocks_params_t* p, const int8_t* src, int8_t* dst);
int tf_k_resize_nearest_s8(const tf_resize_nearest_params_t* p, const int8_t* input, int8_t* output);
int tf_k_transpose_s8(const tf_transpose_params_t* p, const int8_t* input, int8_t* output);
int tf_k_quantize_f32_s8(const tf_quantize_params_t* p, const float* input, int8_t* output);
int tf_k_requantize_s8(const tf_requantize_params_t* p, const int8_t* input, int8_t* output);
int tf_k_dequantize_s8_f32(const tf_dequantize_params_t* p, const int8_t* input, float* output);
int tf_k_relu_s8(const tf_relu_params_t* p, const int8_t* input, int8_t* output);
int tf_k_relu6_s8(const tf_relu6_params_t* p, const int8_t* input, int8_t* output);
/** RESHAPE: a byte copy (no-op when input and output alias). */
int tf_k_reshape(const void* input, void* output, size_t bytes);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_KERNELS_H_
