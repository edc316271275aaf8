// tinyforge: feature blocks on the device — the integer DSP between a raw window and the model.
//
// Contract (docs/features.md has the arithmetic and every rounding decision):
//   input   one raw window, int16 sensor counts laid out [sample][axis]
//           (TF_FEATURES_WINDOW_LENGTH × TF_FEATURES_NUM_AXES), counts = round(x · scale[axis]);
//   output  TF_FEATURES_COUNT int32 features, bit-identical to the host's src/features/ for every
//           window, then the model's int8 input through one integer multiplier/shift/offset per
//           feature (standardisation and input quantisation folded together; no float).
// The block and its constants come from the generated tf_features_config.h (settings → header).
// Scratch memory is static (TF_FEATURES_SCRATCH_BYTES), reported as the firmware's static RAM.
#ifndef TF_FEATURES_H
#define TF_FEATURES_H

#include <stdint.h>

#include "tf_features_config.h"

#ifdef __cplusplus
extern "C" {
#endif

// Integer features of one raw window (TF_FEATURES_BLOCK != 0).
void tf_features_extract(const int16_t* window, int32_t* features);

#if TF_FEATURES_HAVE_QUANT
// Features → the model's int8 input: clamp(zp + round((f·mult − offset) / 2^shift), −128, 127).
void tf_features_quantise(const int32_t* features, int8_t* model_input);
// The device's one call in its input path: features of `window` into `features`, then `model_input`.
void tf_features_compute(const int16_t* window, int32_t* features, int8_t* model_input);
#endif

#if TF_FEATURES_BLOCK != 0
// A sensor value (float, in the axis' unit) → int16 counts: round half away from zero of
// x · scale[axis] (a power of two: exact), saturated; NaN → 0.
int16_t tf_features_to_count(float x, uint32_t axis);
#endif

#ifdef __cplusplus
}
#endif

#endif
