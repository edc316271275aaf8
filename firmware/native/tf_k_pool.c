// tinyforge native engine: AVERAGE_POOL_2D, MAX_POOL_2D and MEAN int8, portable C99.
// Same arithmetic as TFLM's reference integer AveragePool / MaxPool and QuantizedMeanOrSum.
#include "tf_fixedpoint.h"
#include "tf_kernels.h"

// The filter window clipped to the image, as the reference computes it per output position.
typedef struct {
  int32_t in_x0, in_y0, fx0, fx1, fy0, fy1;
} pool_window_t;

static inline void pool_window(const tf_pool_params_t* p, int32_t oy, int32_t ox, pool_window_t* w) {
  w->in_x0 = ox * p->stride_w - p->pad_w;
  w->in_y0 = oy * p->stride_h - p->pad_h;
  w->fx0 = w->in_x0 < 0 ? -w->in_x0 : 0;
  w->fx1 = p->filter_w < p->in_w - w->in_x0 ? p->filter_w : p->in_w - w->in_x0;
  w->fy0 = w->in_y0 < 0 ? -w->in_y0 : 0;
  w->fy1 = p->filter_h < p->in_h - w->in_y0 ? p->filter_h : p->in_h - w->in_y0;
}

TF_KERNEL_WEAK int tf_k_avg_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        pool_window_t w;
        pool_window(p, oy, ox, &w);
        for (int32_t c = 0; c < p->channels; ++c) {
          int32_t acc = 0;
          int32_t count = 0;
          for (int32_t fy = w.fy0; fy < w.fy1; ++fy) {
            for (int32_t fx = w.fx0; fx < w.fx1; ++fx) {
              acc += input[((b * p->in_h + w.in_y0 + fy) * p->in_w + w.in_x0 + fx) * p->channels + c];
              ++count;
            }
          }
          if (count == 0) return -1;
          // C division truncates toward zero, so this rounds half away from zero like TFLM.
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          if (acc < p->act_min) acc = p->act_min;
          if (acc > p->act_max) acc = p->act_max;
          output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] = (int8_t)acc;
        }
      }
    }
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_max_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        pool_window_t w;
        pool_window(p, oy, ox, &w);
        for (int32_t c = 0; c < p->channels; ++c) {
          int32_t m = -128;
          for (int32_t fy = w.fy0; fy < w.fy1; ++fy) {
            for (int32_t fx = w.fx0; fx < w.fx1; ++fx) {
              const int32_t v = input[((b * p->in_h + w.in_y0 + fy) * p->in_w + w.in_x0 + fx) * p->channels + c];
              if (v > m) m = v;
            }
          }
          if (m < p->act_min) m = p->act_min;
          if (m > p->act_max) m = p->act_max;
          output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] = (int8_t)m;
        }
      }
    }
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_mean_s8(const tf_mean_params_t* p, const int8_t* input, int8_t* output) {
  int32_t odim[4], rdim[4], stride[4];
  stride[3] = 1;
  for (int k = 2; k >= 0; --k) stride[k] = stride[k + 1] * p->dims[k + 1];
  for (int k = 0; k < 4; ++k) {
    odim[k] = p->reduce[k] ? 1 : p->dims[k];
    rdim[k] = p->reduce[k] ? p->dims[k] : 1;
  }
  int32_t o = 0;
  for (int32_t a0 = 0; a0 < odim[0]; ++a0)
    for (int32_t a1 = 0; a1 < odim[1]; ++a1)
      for (int32_t a2 = 0; a2 < odim[2]; ++a2)
        for (int32_t a3 = 0; a3 < odim[3]; ++a3) {
          int32_t sum = 0;
          for (int32_t r0 = 0; r0 < rdim[0]; ++r0)
            for (int32_t r1 = 0; r1 < rdim[1]; ++r1)
              for (int32_t r2 = 0; r2 < rdim[2]; ++r2)
                for (int32_t r3 = 0; r3 < rdim[3]; ++r3) {
                  sum += input[(a0 + r0) * stride[0] + (a1 + r1) * stride[1] + (a2 + r2) * stride[2] +
                               (a3 + r3) * stride[3]];
                }
          const int32_t shifted = sum - p->input_zero_point * p->num_elements_in_axis;
          int32_t v = tf_fp_mbqm(shifted, p->multiplier, p->shift) + p->output_zero_point;
          if (v < -128) v = -128;
          if (v > 127) v = 127;
          output[o++] = (int8_t)v;
        }
  return 0;
}
