// tinyforge native engine: FULLY_CONNECTED int8 (per-tensor and per-channel), portable C99.
// Same arithmetic as TFLM's reference FullyConnected / FullyConnectedPerChannel.
#include "tf_fixedpoint.h"
#include "tf_kernels.h"

TF_KERNEL_WEAK int tf_k_fully_connected_s8(const tf_fc_params_t* p, const int8_t* input, const int8_t* filter,
                                           const int32_t* bias, int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* in = input + b * p->accum_depth;
    for (int32_t o = 0; o < p->output_depth; ++o) {
      const int8_t* f = filter + o * p->accum_depth;
      int32_t acc = 0;
      for (int32_t d = 0; d < p->accum_depth; ++d) {
        acc += ((int32_t)f[d] + p->filter_offset) * ((int32_t)in[d] + p->input_offset);
      }
      if (bias) acc = tf_fp_add_wrap(acc, bias[o]);
      const int32_t ch = p->per_channel ? o : 0;
      acc = tf_fp_mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->output_offset;
      if (acc < p->act_min) acc = p->act_min;
      if (acc > p->act_max) acc = p->act_max;
      output[b * p->output_depth + o] = (int8_t)acc;
    }
  }
  return 0;
}
