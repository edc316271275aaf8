// tinyforge native engine: CONV_2D and DEPTHWISE_CONV_2D int8 (per-channel), portable C99.
// Same loop order and arithmetic as TFLM's reference ConvPerChannel / DepthwiseConvPerChannel.
#include "tf_fixedpoint.h"
#include "tf_kernels.h"

static inline int32_t clamp_act(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

TF_KERNEL_WEAK int tf_k_conv2d_s8(const tf_conv_params_t* p, const int8_t* input, const int8_t* filter,
                                  const int32_t* bias, int8_t* output) {
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t filters_per_group = p->out_c / groups;
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int8_t* out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const int32_t group = oc / filters_per_group;
          int32_t acc = 0;
          for (int32_t fy = 0; fy < p->filter_h; ++fy) {
            const int32_t in_y = in_y0 + p->dilation_h * fy;
            if (in_y < 0 || in_y >= p->in_h) continue;
            for (int32_t fx = 0; fx < p->filter_w; ++fx) {
              const int32_t in_x = in_x0 + p->dilation_w * fx;
              if (in_x < 0 || in_x >= p->in_w) continue;
              const int8_t* in = input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + group * p->filter_in_c;
              const int8_t* f = filter + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->filter_in_c;
              for (int32_t ic = 0; ic < p->filter_in_c; ++ic) acc += (int32_t)f[ic] * ((int32_t)in[ic] + p->input_offset);
            }
          }
          if (bias) acc = tf_fp_add_wrap(acc, bias[oc]);
          acc = tf_fp_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
          out[oc] = (int8_t)clamp_act(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return 0;
}

TF_KERNEL_WEAK int tf_k_depthwise_conv2d_s8(const tf_conv_params_t* p, const int8_t* input, const int8_t* filter,
                                            const int32_t* bias, int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int8_t* out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        for (int32_t ic = 0; ic < p->in_c; ++ic) {
          for (int32_t m = 0; m < p->depth_multiplier; ++m) {
            const int32_t oc = m + ic * p->depth_multiplier;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < p->filter_h; ++fy) {
              const int32_t in_y = in_y0 + p->dilation_h * fy;
              if (in_y < 0 || in_y >= p->in_h) continue;
              for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                const int32_t in_x = in_x0 + p->dilation_w * fx;
                if (in_x < 0 || in_x >= p->in_w) continue;
                const int32_t iv = input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
                const int32_t fv = filter[(fy * p->filter_w + fx) * p->out_c + oc];
                acc += fv * (iv + p->input_offset);
              }
            }
            if (bias) acc = tf_fp_add_wrap(acc, bias[oc]);
            acc = tf_fp_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
            out[oc] = (int8_t)clamp_act(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return 0;
}
