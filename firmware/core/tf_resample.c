// tinyforge: the IMU → model-rate resampler. See tf_resample.h.
// The host mirrors this float32 maths operation by operation; a fused multiply-add would round
// differently (GCC's default in GNU C mode, e.g. the Arduino core), so contraction is off.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "tf_resample.h"

void tf_resample_init(tf_resampler_t* r, float in_hz, float out_hz) {
  r->in_mhz = (uint32_t)(in_hz * 1000.0f + 0.5f);
  r->out_mhz = (uint32_t)(out_hz * 1000.0f + 0.5f);
  if (r->out_mhz == 0) r->out_mhz = r->in_mhz;
  r->acc = 0;
  r->have_prev = 0;
  r->total = 0;
}

uint32_t tf_resample_push(tf_resampler_t* r, const float x[TF_RESAMPLE_AXES],
                          void (*emit)(const float* values, uint32_t index, void* user), void* user) {
  float out[TF_RESAMPLE_AXES], f;
  uint32_t a, n = 0;
  if (r->in_mhz == 0) return 0;
  if (!r->have_prev) {
    for (a = 0; a < TF_RESAMPLE_AXES; a++) r->prev[a] = x[a];
    r->have_prev = 1;
    return 0;
  }
  while (r->acc < r->out_mhz) {
    f = (float)r->acc / (float)r->out_mhz;
    for (a = 0; a < TF_RESAMPLE_AXES; a++) {
      float w0 = (1.0f - f) * r->prev[a];
      float w1 = f * x[a];
      out[a] = w0 + w1;
    }
    emit(out, r->total, user);
    r->total++;
    n++;
    r->acc += r->in_mhz;
  }
  r->acc -= r->out_mhz;
  for (a = 0; a < TF_RESAMPLE_AXES; a++) r->prev[a] = x[a];
  return n;
}
