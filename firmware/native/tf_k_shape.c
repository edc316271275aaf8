// tinyforge native engine: data-movement ops PAD / PADV2, TRANSPOSE, STRIDED_SLICE,
// RESIZE_NEAREST_NEIGHBOR and the block copies of SPLIT / SPLIT_V / PACK / UNPACK, int8, portable C99. Raw values are moved, never
// requantised (TFLM's reference PadImpl, Transpose, StridedSlice, Split, Pack, Unpack).
#include <string.h>

#include "tf_kernels.h"

TF_KERNEL_WEAK int tf_k_pad_s8(const tf_pad_params_t* p, const int8_t* input, const int8_t* pad_value,
                               int8_t* output) {
  const int8_t value = pad_value ? *pad_value : (int8_t)p->pad_value;
  const int32_t* o = p->out_dims;
  const int32_t* in = p->in_dims;
  int32_t k = 0;
  for (int32_t a = 0; a < o[0]; ++a) {
    const int32_t x0 = a - p->before[0];
    for (int32_t b = 0; b < o[1]; ++b) {
      const int32_t x1 = b - p->before[1];
      for (int32_t c = 0; c < o[2]; ++c) {
        const int32_t x2 = c - p->before[2];
        const int row_inside = x0 >= 0 && x0 < in[0] && x1 >= 0 && x1 < in[1] && x2 >= 0 && x2 < in[2];
        const int8_t* row = row_inside ? input + ((x0 * in[1] + x1) * in[2] + x2) * in[3] : input;
        for (int32_t d = 0; d < o[3]; ++d) {
          const int32_t x3 = d - p->before[3];
          output[k++] = row_inside && x3 >= 0 && x3 < in[3] ? row[x3] : value;
        }
      }
    }
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_transpose_s8(const tf_transpose_params_t* p, const int8_t* input, int8_t* output) {
  const int32_t* d = p->out_dims;
  const int32_t* s = p->strides;
  int32_t k = 0;
  for (int32_t a = 0; a < d[0]; ++a)
    for (int32_t b = 0; b < d[1]; ++b)
      for (int32_t c = 0; c < d[2]; ++c)
        for (int32_t e = 0; e < d[3]; ++e) output[k++] = input[a * s[0] + b * s[1] + c * s[2] + e * s[3]];
  return 0;
}

TF_KERNEL_WEAK int tf_k_strided_slice_s8(const tf_strided_slice_params_t* p, const int8_t* input, int8_t* output) {
  const int32_t* c = p->counts;
  const int32_t* s = p->steps;
  int32_t k = 0;
  for (int32_t a = 0; a < c[0]; ++a)
    for (int32_t b = 0; b < c[1]; ++b)
      for (int32_t d = 0; d < c[2]; ++d)
        for (int32_t e = 0; e < c[3]; ++e) output[k++] = input[p->base + a * s[0] + b * s[1] + d * s[2] + e * s[3]];
  return 0;
}

TF_KERNEL_WEAK int tf_k_copy_blocks_s8(const tf_copy_blocks_params_t* p, const int8_t* src, int8_t* dst) {
  for (int32_t b = 0; b < p->blocks; ++b) {
    memcpy(dst + p->dst_offset + b * p->dst_stride, src + p->src_offset + b * p->src_stride, (size_t)p->length);
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_resize_nearest_s8(const tf_resize_nearest_params_t* p, const int8_t* input, int8_t* output) {
  int8_t* out = output;
  for (int32_t b = 0; b < p->batches; ++b)
    for (int32_t y = 0; y < p->out_h; ++y)
      for (int32_t x = 0; x < p->out_w; ++x) {
        memcpy(out, input + ((b * p->in_h + p->rows[y]) * p->in_w + p->cols[x]) * p->channels, (size_t)p->channels);
        out += p->channels;
      }
  return 0;
}
