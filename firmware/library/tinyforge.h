// tinyforge: the library's one include. Hand-written.
//
//   #include <tinyforge.h>
//
// brings the model library (tf_model.h: tf_model_init, tf_model_push, tf_model_result, the result
// callback, the smoothing, the status codes), the model's settings (tf_model_settings.h: labels,
// axes, window, rates, quantisation), the board layer (tf_board.h: serial, clock, IMU, LED), the
// IMU resampler (tf_resample.h) and the link app (tf_app.h: tf_app_init / tf_app_poll, for a sketch
// that should also answer tinyforge verify / monitor). See the README section "The model as a
// library" and the examples.
#ifndef TINYFORGE_H_
#define TINYFORGE_H_

#include "tf_app.h"
#include "tf_board.h"
#include "tf_model.h"
#include "tf_model_settings.h"
#include "tf_resample.h"

#endif  // TINYFORGE_H_
