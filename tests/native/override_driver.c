// Test-only driver (tests/native/dsp.test.ts): calls tf_k_depthwise_conv2d_s8 once on a fixed
// 1×3×3×4 case and prints the output bytes and how many times the strong DSP definition ran
// (its TF_DSP_TRACE counter; "absent" when only the weak portable kernel is linked).
#include <stdio.h>

#include "tf_kernels.h"

extern unsigned tf_dsp_trace_depthwise __attribute__((weak));

int main(void) {
  int8_t in[36], f[36], out[16];
  int32_t bias[4] = {100, -50, 7, 0}, mult[4] = {1518500250, 1073741824, 1900000000, 1200000000}, shift[4] = {-6, -5, -7, -6};
  for (int i = 0; i < 36; ++i) {
    in[i] = (int8_t)(i * 37 - 90);
    f[i] = (int8_t)(i * 53 % 255 - 127);
  }
  const tf_conv_params_t p = {.batches = 1, .in_h = 3, .in_w = 3, .in_c = 4, .out_h = 2, .out_w = 2, .out_c = 4,
                              .filter_h = 3, .filter_w = 3, .filter_in_c = 1, .depth_multiplier = 1, .stride_h = 2,
                              .stride_w = 2, .dilation_h = 1, .dilation_w = 1, .pad_h = 1, .pad_w = 1,
                              .input_offset = 3, .output_offset = -4, .act_min = -128, .act_max = 127,
                              .multiplier = mult, .shift = shift};
  if (tf_k_depthwise_conv2d_s8(&p, in, f, bias, out) != 0) return 1;
  for (int i = 0; i < 16; ++i) printf("%d ", out[i]);
  if (&tf_dsp_trace_depthwise) printf("trace=%u\n", tf_dsp_trace_depthwise);
  else printf("trace=absent\n");
  return 0;
}
