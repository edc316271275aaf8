// tinyforge: the model as a library — continuous inference on a sample stream (C99, static memory,
// no allocation). Hand-written. This is the API a sketch or firmware uses; the link app
// (tf_app.c, "tinyforge link") is one client of it, a stand-alone detector another.
//
//   tf_model_init(NULL);                       // once, after tf_board_init(); engine + window ready
//   for each sensor sample (model rate, model axis order, sensor units, e.g. g):
//     if (tf_model_push(values, TF_MODEL_NUM_AXES) == TF_MODEL_RESULT_READY) {
//       const tf_result_t* r = tf_model_result();   // or register a callback instead of polling
//       ... r->class_index, r->outputs[], r->reported_class ...
//     }
//
// Window and stride. Samples go into a ring buffer of TF_MODEL_WINDOW_LENGTH samples (the
// settings' window). Once it is full, a window runs every TF_MODEL_WINDOW_STRIDE samples: after
// sample n (0-based) when n + 1 >= L and (n + 1 - L) % S == 0. No copy of the window is made: each
// sample is normalised and quantised once, when pushed, into an int8 ring of 2·L samples that holds
// every sample twice (slot i and i + L), so the newest L samples are always contiguous and the
// engine reads them in place. Memory: 2 · L · TF_MODEL_NUM_AXES bytes for the ring, the output
// tensor, K · TF_MODEL_NUM_CLASSES bytes of smoothing history.
// With a feature block (TF_FEATURES_BLOCK != 0) the ring holds int16 counts instead
// (tf_features_to_count) and each window goes through tf_features_compute before the engine.
// Quantisation (float32 per value, the same as the host's windowing, bit for bit):
//   q = clamp(roundf(((x - mean[a]) / std[a]) / TF_MODEL_INPUT_SCALE) + TF_MODEL_INPUT_ZERO_POINT, -128, 127)
// roundf rounds half away from zero, as TFLite does.
//
// Tasks (TF_MODEL_TASK): a classifier's result has class_index and the smoothing; regression
// results are the raw outputs; an autoencoder's (TF_TASK_ANOMALY) carries its anomaly score.
//
// Smoothing (classification only; integer maths, so a host replay matches it exactly): the
// reported class is the arg-max (lowest index on a tie) of the sums of the last K results' raw
// int8 scores (K = average, 1 = none); it counts only if that sum is >= min_score · n (n results
// summed so far, at most K; min_score an int8 output level, -128 = no threshold); and it becomes
// the reported class only after it has been the candidate for min_windows consecutive results
// (1 = at once). Until a class qualifies, reported_class is -1. Duration in seconds =
// min_windows · TF_MODEL_WINDOW_STRIDE / TF_MODEL_SAMPLE_RATE_HZ.
//
// Anomaly block (TF_MODEL_ANOMALY_CLUSTERS > 0, `tinyforge train --anomaly K`): K-means centroids
// in the int8 domain of the model's input (tf_model_anomaly_centroids, generated). A window's score
// is the squared distance of its int8 model input x (the quantised window, or the feature block's
// int8 features) to the nearest centroid, in exact integers:
//   distance = min over k of sum_i (x[i] - c[k][i])^2   (int32: D·255² < 2^31; lowest k on a tie)
//   anomalous = distance > TF_MODEL_ANOMALY_THRESHOLD  (chosen on validation windows of known classes)
// The host (src/train/anomaly.ts anomalyDistance) computes the same numbers.
//
// Errors: every function returns a tf_status_t. Misuse (a call before tf_model_init, a sample with
// the wrong number of values, a NaN, infinite or out-of-range value, a NULL pointer, a bad scale)
// is rejected before anything is stored: the window is never corrupted, the sample is not counted.
// Not reentrant; call from one context (not from interrupts).
#ifndef TINYFORGE_TF_MODEL_H_
#define TINYFORGE_TF_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "tf_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest |value| a pushed sample may hold (sensor units); larger is TF_MODEL_ERR_VALUE. */
#ifndef TF_MODEL_MAX_ABS_VALUE
#define TF_MODEL_MAX_ABS_VALUE 1.0e6f
#endif

/** Most results the moving average can span. */
#define TF_SMOOTH_MAX_AVERAGE 16

typedef enum {
  TF_MODEL_OK = 0,
  TF_MODEL_RESULT_READY = 1,          /**< tf_model_push*: this sample completed a window; tf_model_result() has it */
  TF_MODEL_ERR_NOT_INITIALISED = -1,  /**< called before tf_model_init() */
  TF_MODEL_ERR_ENGINE = -2,           /**< the engine failed (init or invoke): tf_model_engine_status() names it */
  TF_MODEL_ERR_AXES = -3,             /**< a sample with a number of values other than TF_MODEL_NUM_AXES */
  TF_MODEL_ERR_VALUE = -4,            /**< a NaN, infinite or |x| > TF_MODEL_MAX_ABS_VALUE value (or raw·scale beyond it) */
  TF_MODEL_ERR_ARGUMENT = -5,         /**< a NULL pointer, a scale that is not finite and > 0, or bad smoothing options */
  TF_MODEL_ERR_NO_WINDOWING = -6,     /**< the model's input is not an int8 [window][axis] tensor: use tf_model_infer */
  TF_MODEL_ERR_NO_RESULT = -7,        /**< no window has run since init/reset */
  TF_MODEL_ERR_SIZE = -8,             /**< tf_model_infer: input or output length differs from the model's tensors */
  TF_MODEL_ERR_NO_FEATURES = -9,      /**< tf_model_features on a model without a feature block */
  TF_MODEL_ERR_NO_ANOMALY = -10       /**< tf_model_anomaly on a model without an anomaly block (train --anomaly) */
} tf_status_t;

/** A stable name for a tf_status_t value ("TF_MODEL_ERR_AXES"). */
const char* tf_status_name(int status);

typedef struct {
  uint8_t average;     /**< K: results in the moving average, 1..TF_SMOOTH_MAX_AVERAGE (1 = off) */
  int8_t min_score;    /**< averaged int8 score the top class needs (-128 = no threshold) */
  uint16_t min_windows;/**< consecutive results a new class must lead before it is reported (>= 1) */
} tf_smoothing_t;

/** A window's anomaly score (see the file comment). distance -1: the model has no anomaly block. */
typedef struct {
  int32_t distance;    /**< squared int8 distance to the nearest centroid */
  int cluster;         /**< that centroid's index */
  int anomalous;       /**< 1 when distance > TF_MODEL_ANOMALY_THRESHOLD */
} tf_anomaly_t;

/** Time one inference took on this board. */
typedef struct {
  uint32_t micros;     /**< tf_board_micros() around the engine call */
  uint32_t counter;    /**< tf_board_counter() delta: cycles or instructions, see counter_kind */
  int counter_kind;    /**< tf_board_counter_kind(): 0 none, 1 cycles, 2 instructions */
} tf_timing_t;

/** One window's result. Valid until the next tf_model_push*, tf_model_reset or tf_model_init. */
typedef struct {
  uint32_t window;          /**< windows run since init/reset, this one included, minus 1 (0-based) */
  uint32_t last_sample;     /**< index of the window's newest sample since init/reset */
  const int8_t* outputs;    /**< the model's raw int8 outputs (num_outputs values); real = (q - zero_point) · scale */
  uint32_t num_outputs;     /**< TF_MODEL_OUTPUT_BYTES */
  int class_index;          /**< classification: arg-max of outputs (lowest index on a tie); -1 for other tasks */
  int reported_class;       /**< after smoothing (see the file comment); -1 while none qualifies */
  int changed;              /**< 1 when reported_class differs from the previous result's */
  tf_anomaly_t kmeans;      /**< the anomaly block's score of this window (distance -1 without one) */
  float anomaly;            /**< anomaly score, NAN when the model has none. With an anomaly block: (float)kmeans.distance.
                                 TF_TASK_ANOMALY (an autoencoder):
                                 the mean squared reconstruction error over the N = TF_MODEL_NUM_OUTPUTS values,
                                 d_i = (float)(o_i - OUT_ZP)·OUT_SCALE - (float)(x_i - IN_ZP)·IN_SCALE,
                                 acc += d_i·d_i in index order (float32, no FMA), score = acc / (float)N
                                 (the host computes the same, bit for bit) */
  tf_timing_t timing;       /**< the engine call */
} tf_result_t;

typedef void (*tf_result_callback_t)(const tf_result_t* result, void* user);

/**
 * Initialise the engine and the window (and the smoothing: NULL = the settings' defaults,
 * TF_MODEL_SMOOTH_* when the settings header has them, else none). Returns TF_MODEL_OK, TF_MODEL_ERR_ENGINE
 * (tf_model_engine_status() has the engine's code; tf_model_infer / pushes then fail the same way),
 * or TF_MODEL_ERR_ARGUMENT for bad smoothing. May be called again to start over.
 */
int tf_model_init(const tf_smoothing_t* smoothing);

/** Forget the window, the counters and the smoothing history (the engine stays initialised). */
int tf_model_reset(void);

/**
 * Change the smoothing (also resets its history). TF_MODEL_ERR_ARGUMENT when out of range,
 * TF_MODEL_ERR_NOT_INITIALISED before tf_model_init() (pass the smoothing to tf_model_init instead).
 */
int tf_model_set_smoothing(const tf_smoothing_t* smoothing);

/**
 * Push one sample: `num_values` floats (must be TF_MODEL_NUM_AXES) in the settings' axis order and
 * the sensor's units. Returns TF_MODEL_OK, TF_MODEL_RESULT_READY (a window ran; the callback, if any, was called
 * first), TF_MODEL_ERR_ENGINE (the window's inference failed: the sample is kept, no result), or an error
 * for misuse (nothing stored).
 */
int tf_model_push(const float* values, uint32_t num_values);

/** Push one sample of raw int16 readings: value = raw · scale (sensor units per LSB, finite, > 0). */
int tf_model_push_i16(const int16_t* raw, uint32_t num_values, float scale);

/** The latest result, or NULL when none (TF_MODEL_ERR_NO_RESULT / not initialised). */
const tf_result_t* tf_model_result(void);

/** Called from tf_model_push* with each new result (NULL removes it). */
int tf_model_set_callback(tf_result_callback_t callback, void* user);

/**
 * One inference on a whole raw input tensor (any model, windowing or not): `input` holds exactly
 * the engine's input_bytes, `output` receives output_bytes. `timing` (may be NULL) gets the time.
 */
int tf_model_infer(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len, tf_timing_t* timing);

/**
 * Bytes tf_model_infer takes: with a feature block (tf_features_config.h, docs/features.md) the raw
 * window — int16 little-endian sensor counts [sample][axis] — which the library turns into features
 * (tf_features_compute) before the engine runs; otherwise the engine's input tensor.
 */
uint32_t tf_model_input_bytes(void);

/**
 * Feature block only: the int32 features and the int8 model input of one raw window (`raw`: exactly
 * tf_model_input_bytes() bytes, int16 LE counts); `timing` (may be NULL) times the block alone.
 * TF_MODEL_ERR_NO_FEATURES for a raw-window model.
 */
int tf_model_features(const uint8_t* raw, size_t raw_len, int32_t* features, int8_t* model_input, tf_timing_t* timing);

/**
 * The anomaly block's score of one int8 model input (`len` must be the engine's input bytes).
 * TF_MODEL_ERR_NO_ANOMALY without an anomaly block. Pure: no state changes.
 */
int tf_model_anomaly(const int8_t* model_input, uint32_t len, tf_anomaly_t* out);

/** The score of the model input of the last successful tf_model_infer (TF_MODEL_ERR_NO_RESULT when none since init/reset). */
int tf_model_infer_anomaly(tf_anomaly_t* out);

/** One output tensor of a model's output (see tf_model_output_tensor). */
typedef struct {
  const int8_t* data;   /**< its int8 values inside the output given */
  uint32_t bytes;       /**< how many */
  float scale;          /**< real = (q - zero_point) · scale */
  int32_t zero_point;
  const char* name;     /**< the tensor's name in the .tflite ("output" for a single-output model) */
} tf_output_tensor_t;

/**
 * Multi-output models: the engine's output (result->outputs, or tf_model_infer's buffer) is every
 * output tensor concatenated in graph order; this finds tensor `index` (0 … TF_MODEL_NUM_OUTPUT_TENSORS-1)
 * in `outputs`. TF_MODEL_ERR_ARGUMENT for NULL pointers or an index out of range.
 */
int tf_model_output_tensor(const int8_t* outputs, uint32_t index, tf_output_tensor_t* tensor);

/** The engine's facts (NULL before a successful init) and its last return value (init or invoke: tf_engine_status_t). */
const tf_engine_info_t* tf_model_engine(void);
int tf_model_engine_status(void);

/** 1 when the model's input is an int8 [window][axis] tensor the library windows (tf_model_push works). */
int tf_model_windowing(void);

/** Samples pushed since init/reset. */
uint32_t tf_model_samples(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_MODEL_H_
