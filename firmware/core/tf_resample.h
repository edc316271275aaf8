// tinyforge: the IMU → model-rate resampler (C99, no allocation, a few words of state). Hand-written.
//
// The window is fed at the model's rate (TF_MODEL_SAMPLE_RATE_HZ) whatever the sensor's rate
// (e.g. 119 Hz on the Nano 33 BLE Sense Rev1's LSM9DS1): every raw sample x_0, x_1, … goes through
// linear interpolation. With I and O the input and output rates in mHz (rounded to integers),
// output sample k is the value at input position p_k = k·I/O, i.e. n = floor(k·I/O),
// f = (float)((k·I) mod O) / (float)O,
//   y_k = (1 - f)·x_n + f·x_{n+1}        (float32, per axis; two products then one sum, no FMA)
// computed incrementally with an integer phase accumulator (acc = (k·I mod O) relative to the
// previous input; += I per output, -= O per input), so the phase never drifts however long the
// stream runs. y_k is emitted when x_{n+1} arrives (one input sample of latency). Exactness: the
// (1-f)·a + f·b form returns a exactly at f = 0, so equal rates are an exact pass-through
// (y_k = x_k) and an integer ratio I/O = D is exactly plain decimation (y_k = x_{kD}); the other
// common form a + f·(b - a) is NOT exact there in float32 (a + (b - a) can differ from b by an
// ulp), which is why it is not used. Over R raw samples the model gets ceil((R-1)·O/I) samples.
// The host mirrors this step for step (src/device/resample.ts).
#ifndef TINYFORGE_TF_RESAMPLE_H_
#define TINYFORGE_TF_RESAMPLE_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Values per sample the resampler carries (the accelerometer's aX, aY, aZ). */
#define TF_RESAMPLE_AXES 3

typedef struct {
  uint32_t in_mhz, out_mhz, acc;
  int have_prev;
  float prev[TF_RESAMPLE_AXES];
  uint32_t total; /**< output samples produced since tf_resample_init */
} tf_resampler_t;

/** Start a stream from `in_hz` to `out_hz` (out_hz <= 0: same as the input, a pass-through). */
void tf_resample_init(tf_resampler_t* r, float in_hz, float out_hz);

/**
 * One raw sample in; calls `emit(values, index, user)` for each output sample it completes (zero or
 * more), `index` counting outputs from 0. Returns the number emitted.
 */
uint32_t tf_resample_push(tf_resampler_t* r, const float x[TF_RESAMPLE_AXES],
                          void (*emit)(const float* values, uint32_t index, void* user), void* user);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_RESAMPLE_H_
