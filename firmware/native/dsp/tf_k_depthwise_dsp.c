// tinyforge native engine: DEPTHWISE_CONV_2D int8 for cores with the DSP extension, the strong
// definition that replaces the portable weak tf_k_depthwise_conv2d_s8 (firmware/native/tf_k_conv.c)
// by name when this file is linked (see tf_kernels.h). Same arithmetic as the portable kernel, so
// outputs are identical; the depth_multiplier == 1 case runs four channels per step: one word of
// input and filter bytes per tap, the input offset added to all four lanes with SXTAB16, and the
// two halfword products of each lane pair accumulated with SMLABB / SMLATT equivalents.
#include "tf_dsp.h"
#include "tf_kernels.h"

#ifdef TF_DSP_TRACE
unsigned tf_dsp_trace_depthwise;  // test builds only: counts calls of this definition
#endif

static inline int32_t lo16(int32_t x) { return (int16_t)((uint32_t)x & 0xffffu); }
static inline int32_t hi16(int32_t x) { return (int16_t)((uint32_t)x >> 16); }

int tf_k_depthwise_conv2d_s8(const tf_conv_params_t* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                             int8_t* output) {
#ifdef TF_DSP_TRACE
  ++tf_dsp_trace_depthwise;
#endif
  const int32_t off2 = (int32_t)(((uint32_t)p->input_offset & 0xffffu) | ((uint32_t)p->input_offset << 16));
  const int32_t c4 = p->depth_multiplier == 1 ? p->in_c & ~3 : 0;
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int8_t* out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        for (int32_t c = 0; c < c4; c += 4) {
          int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          for (int32_t fy = 0; fy < p->filter_h; ++fy) {
            const int32_t in_y = in_y0 + p->dilation_h * fy;
            if (in_y < 0 || in_y >= p->in_h) continue;
            for (int32_t fx = 0; fx < p->filter_w; ++fx) {
              const int32_t in_x = in_x0 + p->dilation_w * fx;
              if (in_x < 0 || in_x >= p->in_w) continue;
              const int32_t x = tf_dsp_load4(input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + c);
              const int32_t w = tf_dsp_load4(filter + (fy * p->filter_w + fx) * p->out_c + c);
              const int32_t xe = __sxtab16(off2, x), xo = __sxtab16(off2, tf_dsp_ror8(x));
              const int32_t we = __sxtb16(w), wo = __sxtb16(tf_dsp_ror8(w));
              a0 += lo16(xe) * lo16(we);
              a2 += hi16(xe) * hi16(we);
              a1 += lo16(xo) * lo16(wo);
              a3 += hi16(xo) * hi16(wo);
            }
          }
          const int32_t acc[4] = {a0, a1, a2, a3};
          for (int32_t j = 0; j < 4; ++j) {
            const int32_t oc = c + j;
            out[oc] = tf_dsp_requant(acc[j] + (bias ? bias[oc] : 0), p->multiplier[oc], p->shift[oc], p->output_offset,
                                     p->act_min, p->act_max);
          }
        }
        // Remaining channels (and every channel when depth_multiplier > 1): the portable loop.
        for (int32_t ic = c4; ic < p->in_c; ++ic) {
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
                acc += filter[(fy * p->filter_w + fx) * p->out_c + oc] * (iv + p->input_offset);
              }
            }
            out[oc] = tf_dsp_requant(acc + (bias ? bias[oc] : 0), p->multiplier[oc], p->shift[oc], p->output_offset,
                                     p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return 0;
}
