// tinyforge: the model as a library. See tf_model.h.
// The host mirrors this file's float32 maths (normalisation, quantisation) operation by operation;
// a fused multiply-add (GCC's default in GNU C mode, e.g. the Arduino core on the Cortex-M4 FPU)
// would round differently. ISO C builds (-std=c99) already keep contraction off.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "tf_model.h"

#include <math.h>
#include <string.h>

#include "tf_board.h"
#include "tf_features.h"
#include "tf_model_settings.h"

#define WINDOW_VALUES (TF_MODEL_WINDOW_LENGTH * TF_MODEL_NUM_AXES)
// A feature block (tf_features_config.h) between the raw window and the engine: windows hold int16
// counts and tf_model_infer takes the raw window (see tf_model_input_bytes).
#define FEATURES (TF_FEATURES_BLOCK != 0)
// Windowing needs an int8 input laid out [window][axis] (or the feature block's features); other models still serve tf_model_infer.
#define WINDOWING (FEATURES ? TF_MODEL_INPUT_BYTES == TF_FEATURES_COUNT : TF_MODEL_INPUT_BYTES == WINDOW_VALUES)
// Every sample is stored twice (slots i and i + L) so the newest L are contiguous: see tf_model.h.
#define RING_VALUES (WINDOWING && !FEATURES ? 2 * WINDOW_VALUES : 1)
#define RING16_VALUES (WINDOWING && FEATURES ? 2 * WINDOW_VALUES : 1)
#define SMOOTH_CLASSES (TF_MODEL_TASK_CLASSIFICATION ? TF_MODEL_NUM_CLASSES : 1)

#ifndef TF_MODEL_SMOOTH_AVERAGE
#define TF_MODEL_SMOOTH_AVERAGE 1
#endif
#ifndef TF_MODEL_SMOOTH_MIN_SCORE
#define TF_MODEL_SMOOTH_MIN_SCORE (-128)
#endif
#ifndef TF_MODEL_SMOOTH_MIN_WINDOWS
#define TF_MODEL_SMOOTH_MIN_WINDOWS 1
#endif

static int initialised;
// Zero-initialised (.bss): both are meaningful only once `initialised` is set.
static int init_status;    // tf_engine_init's result
static int engine_status;  // the engine's last result (init or invoke)
static tf_engine_info_t engine;

#if TF_FEATURES_BLOCK != 0
static int16_t ring16[RING16_VALUES];  // feature block: counts, same layout as `ring`
#else
static int8_t ring[RING_VALUES];
#endif
#if TF_FEATURES_BLOCK != 0
static int16_t feat_window[WINDOW_VALUES];
static int32_t feat_values[TF_FEATURES_COUNT];
static int8_t feat_input[TF_FEATURES_COUNT];
#endif
static uint32_t ring_head;     // slot the next sample goes to; the oldest sample once the ring is full
static uint32_t sample_count;  // samples pushed since init/reset
static uint32_t window_count;  // windows run since init/reset
static uint8_t outputs[TF_MODEL_OUTPUT_BYTES];
static tf_result_t result;
static int have_result;
static tf_result_callback_t callback;
static void* callback_user;

static tf_anomaly_t infer_anomaly;  // the last tf_model_infer's input score
static int have_infer_anomaly;

static tf_smoothing_t smooth;
static int8_t history[TF_SMOOTH_MAX_AVERAGE * SMOOTH_CLASSES];
static uint32_t history_n, history_next;
static int candidate, candidate_run, reported;

const char* tf_status_name(int status) {
  switch (status) {
    case TF_MODEL_OK: return "TF_MODEL_OK";
    case TF_MODEL_RESULT_READY: return "TF_MODEL_RESULT_READY";
    case TF_MODEL_ERR_NOT_INITIALISED: return "TF_MODEL_ERR_NOT_INITIALISED";
    case TF_MODEL_ERR_ENGINE: return "TF_MODEL_ERR_ENGINE";
    case TF_MODEL_ERR_AXES: return "TF_MODEL_ERR_AXES";
    case TF_MODEL_ERR_VALUE: return "TF_MODEL_ERR_VALUE";
    case TF_MODEL_ERR_ARGUMENT: return "TF_MODEL_ERR_ARGUMENT";
    case TF_MODEL_ERR_NO_WINDOWING: return "TF_MODEL_ERR_NO_WINDOWING";
    case TF_MODEL_ERR_NO_RESULT: return "TF_MODEL_ERR_NO_RESULT";
    case TF_MODEL_ERR_SIZE: return "TF_MODEL_ERR_SIZE";
    case TF_MODEL_ERR_NO_FEATURES: return "TF_MODEL_ERR_NO_FEATURES";
    case TF_MODEL_ERR_NO_ANOMALY: return "TF_MODEL_ERR_NO_ANOMALY";
    default: return "TF_MODEL_ERR_UNKNOWN";
  }
}

static void smoothing_clear(void) {
  history_n = 0;
  history_next = 0;
  candidate = -1;
  candidate_run = 0;
  reported = -1;
}

static int apply_smoothing(const tf_smoothing_t* s) {
  if (!s || s->average < 1 || s->average > TF_SMOOTH_MAX_AVERAGE || s->min_windows < 1) return TF_MODEL_ERR_ARGUMENT;
  smooth = *s;
  smoothing_clear();
  return TF_MODEL_OK;
}

int tf_model_set_smoothing(const tf_smoothing_t* s) {
  if (!s || s->average < 1 || s->average > TF_SMOOTH_MAX_AVERAGE || s->min_windows < 1) return TF_MODEL_ERR_ARGUMENT;
  // Before init it would be overwritten by init's own smoothing: refused, as every other call is.
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  return apply_smoothing(s);
}

int tf_model_reset(void) {
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  ring_head = 0;
  sample_count = 0;
  window_count = 0;
  have_result = 0;
  have_infer_anomaly = 0;
  smoothing_clear();
  return TF_MODEL_OK;
}

int tf_model_init(const tf_smoothing_t* s) {
  static const tf_smoothing_t defaults = {TF_MODEL_SMOOTH_AVERAGE, TF_MODEL_SMOOTH_MIN_SCORE, TF_MODEL_SMOOTH_MIN_WINDOWS};
  int rc = apply_smoothing(s ? s : &defaults);
  if (rc != TF_MODEL_OK) return rc;
  memset(&engine, 0, sizeof engine);
  init_status = engine_status = tf_engine_init();
  if (init_status == TF_ENGINE_OK) tf_engine_info(&engine);
  initialised = 1;
  tf_model_reset();
  return init_status == TF_ENGINE_OK ? TF_MODEL_OK : TF_MODEL_ERR_ENGINE;
}

const tf_engine_info_t* tf_model_engine(void) { return initialised && init_status == TF_ENGINE_OK ? &engine : NULL; }
int tf_model_engine_status(void) { return initialised ? engine_status : TF_ENGINE_NOT_INITIALISED; }
int tf_model_windowing(void) { return WINDOWING; }
uint32_t tf_model_samples(void) { return sample_count; }

int tf_model_set_callback(tf_result_callback_t cb, void* user) {
  callback = cb;
  callback_user = user;
  return TF_MODEL_OK;
}

const tf_result_t* tf_model_result(void) { return initialised && have_result ? &result : NULL; }

static int timed_invoke(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, tf_timing_t* t) {
  uint32_t t0, c0, c1, t1;
  int rc;
  t0 = tf_board_micros();
  c0 = tf_board_counter();
  rc = engine_status = tf_engine_invoke(in, in_len, out, out_len);
  c1 = tf_board_counter();
  t1 = tf_board_micros();
  if (t) {
    t->micros = t1 - t0;
    t->counter = c1 - c0;
    t->counter_kind = tf_board_counter_kind();
  }
  return rc;
}

uint32_t tf_model_input_bytes(void) { return FEATURES ? (uint32_t)TF_FEATURES_RAW_BYTES : engine.input_bytes; }

#if TF_FEATURES_BLOCK != 0
// Raw window bytes (int16 LE [sample][axis]) → feat_values / feat_input: the one hook between the
// library's input path and the feature block.
static void features_from_raw(const uint8_t* raw) {
  uint32_t i;
  for (i = 0; i < WINDOW_VALUES; i++) feat_window[i] = (int16_t)(uint16_t)((uint32_t)raw[2 * i] | ((uint32_t)raw[2 * i + 1] << 8));
  tf_features_compute(feat_window, feat_values, feat_input);
}
#endif

int tf_model_features(const uint8_t* raw, size_t raw_len, int32_t* features, int8_t* model_input, tf_timing_t* timing) {
#if TF_FEATURES_BLOCK != 0
  uint32_t t0, c0, c1, t1;
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  if (!raw || !features || !model_input) return TF_MODEL_ERR_ARGUMENT;
  if (raw_len != TF_FEATURES_RAW_BYTES) return TF_MODEL_ERR_SIZE;
  t0 = tf_board_micros();
  c0 = tf_board_counter();
  features_from_raw(raw);
  c1 = tf_board_counter();
  t1 = tf_board_micros();
  memcpy(features, feat_values, sizeof feat_values);
  memcpy(model_input, feat_input, sizeof feat_input);
  if (timing) {
    timing->micros = t1 - t0;
    timing->counter = c1 - c0;
    timing->counter_kind = tf_board_counter_kind();
  }
  return TF_MODEL_OK;
#else
  (void)raw;
  (void)raw_len;
  (void)features;
  (void)model_input;
  (void)timing;
  return TF_MODEL_ERR_NO_FEATURES;
#endif
}

#ifndef TF_MODEL_ANOMALY_CLUSTERS
#define TF_MODEL_ANOMALY_CLUSTERS 0
#endif

// K-means distance of an int8 model input (tf_model.h). Each term is at most 255², the sum at
// most TF_MODEL_INPUT_BYTES · 255² < 2^31 (the generator checks): no overflow.
static void kmeans_score(const int8_t* x, tf_anomaly_t* out) {
#if TF_MODEL_ANOMALY_CLUSTERS > 0
  uint32_t k, i;
  out->distance = -1;
  out->cluster = 0;
  for (k = 0; k < TF_MODEL_ANOMALY_CLUSTERS; k++) {
    const int8_t* c = tf_model_anomaly_centroids + k * TF_MODEL_INPUT_BYTES;
    int32_t d = 0;
    for (i = 0; i < TF_MODEL_INPUT_BYTES; i++) {
      int32_t e = (int32_t)x[i] - (int32_t)c[i];
      d += e * e;
    }
    if (out->distance < 0 || d < out->distance) {
      out->distance = d;
      out->cluster = (int)k;
    }
  }
  out->anomalous = out->distance > (int32_t)TF_MODEL_ANOMALY_THRESHOLD;
#else
  (void)x;
  out->distance = -1;
  out->cluster = -1;
  out->anomalous = 0;
#endif
}

int tf_model_anomaly(const int8_t* model_input, uint32_t len, tf_anomaly_t* out) {
  if (!model_input || !out) return TF_MODEL_ERR_ARGUMENT;
  if (TF_MODEL_ANOMALY_CLUSTERS == 0) return TF_MODEL_ERR_NO_ANOMALY;
  if (len != TF_MODEL_INPUT_BYTES) return TF_MODEL_ERR_SIZE;
  kmeans_score(model_input, out);
  return TF_MODEL_OK;
}

int tf_model_infer_anomaly(tf_anomaly_t* out) {
  if (!out) return TF_MODEL_ERR_ARGUMENT;
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  if (TF_MODEL_ANOMALY_CLUSTERS == 0) return TF_MODEL_ERR_NO_ANOMALY;
  if (!have_infer_anomaly) return TF_MODEL_ERR_NO_RESULT;
  *out = infer_anomaly;
  return TF_MODEL_OK;
}

#ifndef TF_MODEL_NUM_OUTPUT_TENSORS
#define TF_MODEL_NUM_OUTPUT_TENSORS 1
#endif

int tf_model_output_tensor(const int8_t* outputs, uint32_t index, tf_output_tensor_t* tensor) {
  if (!outputs || !tensor || index >= TF_MODEL_NUM_OUTPUT_TENSORS) return TF_MODEL_ERR_ARGUMENT;
#if TF_MODEL_NUM_OUTPUT_TENSORS > 1
  tensor->data = outputs + tf_model_output_tensor_offsets[index];
  tensor->bytes = tf_model_output_tensor_bytes[index];
  tensor->scale = tf_model_output_tensor_scales[index];
  tensor->zero_point = tf_model_output_tensor_zero_points[index];
  tensor->name = tf_model_output_tensor_names[index];
#else
  tensor->data = outputs;
  tensor->bytes = TF_MODEL_OUTPUT_BYTES;
  tensor->scale = TF_MODEL_OUTPUT_SCALE;
  tensor->zero_point = TF_MODEL_OUTPUT_ZERO_POINT;
  tensor->name = "output";
#endif
  return TF_MODEL_OK;
}

int tf_model_infer(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len, tf_timing_t* timing) {
  int rc;
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  if (init_status != TF_ENGINE_OK) return TF_MODEL_ERR_ENGINE;
  if (!input || !output) return TF_MODEL_ERR_ARGUMENT;
  if (input_len != tf_model_input_bytes() || output_len != engine.output_bytes) return TF_MODEL_ERR_SIZE;
  have_infer_anomaly = 0;
#if TF_FEATURES_BLOCK != 0
  {
    // The timing covers the feature block and the engine: one inference from the raw window.
    uint32_t t0 = tf_board_micros(), c0 = tf_board_counter();
    features_from_raw(input);
    rc = timed_invoke((const uint8_t*)feat_input, TF_FEATURES_COUNT, output, output_len, timing);
    if (timing) {
      timing->counter = tf_board_counter() - c0;
      timing->micros = tf_board_micros() - t0;
    }
  }
  if (rc == TF_ENGINE_OK && TF_MODEL_ANOMALY_CLUSTERS > 0 && engine.input_bytes == TF_MODEL_INPUT_BYTES) {
    kmeans_score(feat_input, &infer_anomaly);
    have_infer_anomaly = 1;
  }
#else
  rc = timed_invoke(input, input_len, output, output_len, timing);
  if (rc == TF_ENGINE_OK && TF_MODEL_ANOMALY_CLUSTERS > 0 && input_len == TF_MODEL_INPUT_BYTES) {
    kmeans_score((const int8_t*)input, &infer_anomaly);
    have_infer_anomaly = 1;
  }
#endif
  if (rc != TF_ENGINE_OK) return rc == TF_ENGINE_BAD_SIZE ? TF_MODEL_ERR_SIZE : TF_MODEL_ERR_ENGINE;
  return TF_MODEL_OK;
}

// Integer smoothing of one new result (see tf_model.h); updates result.reported_class / changed.
static void smooth_result(void) {
  int32_t best_sum = 0;
  int best = -1, prev = reported;
  uint32_t c, k;
  if (!TF_MODEL_TASK_CLASSIFICATION) {
    result.reported_class = -1;
    result.changed = 0;
    return;
  }
  memcpy(history + history_next * SMOOTH_CLASSES, outputs, SMOOTH_CLASSES);
  history_next = (history_next + 1) % smooth.average;
  if (history_n < smooth.average) history_n++;
  for (c = 0; c < SMOOTH_CLASSES; c++) {
    int32_t sum = 0;
    for (k = 0; k < history_n; k++) sum += history[k * SMOOTH_CLASSES + c];
    if (best < 0 || sum > best_sum) {
      best = (int)c;
      best_sum = sum;
    }
  }
  if (best_sum < (int32_t)smooth.min_score * (int32_t)history_n) best = -1;
  if (best == candidate) {
    if (candidate_run < 0x7fff) candidate_run++;
  } else {
    candidate = best;
    candidate_run = 1;
  }
  if (candidate >= 0 && candidate_run >= (int)smooth.min_windows) reported = candidate;
  result.reported_class = reported;
  result.changed = reported != prev;
}

#if defined(TF_TASK_ANOMALY) && TF_MODEL_TASK == TF_TASK_ANOMALY
// Mean squared reconstruction error of an autoencoder window (see tf_result_t.anomaly).
static float reconstruction_error(const int8_t* in, const int8_t* out, uint32_t n) {
  float acc = 0.0f;
  uint32_t i;
  for (i = 0; i < n; i++) {
    float o = (float)((int32_t)out[i] - TF_MODEL_OUTPUT_ZERO_POINT) * TF_MODEL_OUTPUT_SCALE;
    float x = (float)((int32_t)in[i] - TF_MODEL_INPUT_ZERO_POINT) * TF_MODEL_INPUT_SCALE;
    float d = o - x;
    float dd = d * d;
    acc = acc + dd;
  }
  return acc / (float)n;
}
#endif

static int run_window(void) {
  uint32_t i;
  int best = 0, rc;
  const int8_t* model_in;  // the engine's input: the quantised window, or the block's features
  // ring_head is the oldest sample; its copy at ring_head + L makes the window contiguous.
  if (init_status != TF_ENGINE_OK) return TF_MODEL_ERR_ENGINE;
#if TF_FEATURES_BLOCK != 0
  {
    uint32_t t0 = tf_board_micros(), c0 = tf_board_counter();
    if (engine.input_bytes != TF_FEATURES_COUNT || engine.output_bytes != TF_MODEL_OUTPUT_BYTES) return TF_MODEL_ERR_SIZE;
    tf_features_compute(ring16 + ring_head * TF_MODEL_NUM_AXES, feat_values, feat_input);
    model_in = feat_input;
    rc = timed_invoke((const uint8_t*)feat_input, TF_FEATURES_COUNT, outputs, sizeof outputs, &result.timing);
    result.timing.counter = tf_board_counter() - c0;
    result.timing.micros = tf_board_micros() - t0;
  }
#else
  {
    const int8_t* window = ring + ring_head * TF_MODEL_NUM_AXES;
    model_in = window;
    if (engine.input_bytes != WINDOW_VALUES || engine.output_bytes != TF_MODEL_OUTPUT_BYTES) return TF_MODEL_ERR_SIZE;
    rc = timed_invoke((const uint8_t*)window, WINDOW_VALUES, outputs, sizeof outputs, &result.timing);
  }
#endif
  if (rc != TF_ENGINE_OK) return TF_MODEL_ERR_ENGINE;
  for (i = 1; i < TF_MODEL_OUTPUT_BYTES; i++)
    if ((int8_t)outputs[i] > (int8_t)outputs[best]) best = (int)i;
  result.window = window_count++;
  result.last_sample = sample_count - 1;
  result.outputs = (const int8_t*)outputs;
  result.num_outputs = TF_MODEL_OUTPUT_BYTES;
  result.class_index = TF_MODEL_TASK_CLASSIFICATION ? best : -1;
  kmeans_score(model_in, &result.kmeans);
#if defined(TF_TASK_ANOMALY) && TF_MODEL_TASK == TF_TASK_ANOMALY
  result.anomaly = reconstruction_error(model_in, (const int8_t*)outputs, TF_MODEL_OUTPUT_BYTES < TF_MODEL_INPUT_BYTES ? TF_MODEL_OUTPUT_BYTES : TF_MODEL_INPUT_BYTES);
#else
  result.anomaly = TF_MODEL_ANOMALY_CLUSTERS > 0 ? (float)result.kmeans.distance : NAN;
#endif
  smooth_result();
  have_result = 1;
  if (callback) callback(&result, callback_user);
  return TF_MODEL_RESULT_READY;
}

#if TF_FEATURES_BLOCK == 0
static int8_t quantise(float x, uint32_t a) {
  float t = (x - tf_model_norm_mean[a]) / tf_model_norm_std[a];
  float q = roundf(t / TF_MODEL_INPUT_SCALE) + (float)TF_MODEL_INPUT_ZERO_POINT;
  return (int8_t)(q < -128.0f ? -128 : q > 127.0f ? 127 : (int)q);
}
#endif

// `values` are already checked finite and in range.
static int store_sample(const float* values) {
  uint32_t a;
  // The ring of the other kind is one element long: only the one in use is ever indexed.
#if TF_FEATURES_BLOCK != 0
  int16_t* slot16;
  if (!WINDOWING) return TF_MODEL_ERR_NO_WINDOWING;
  slot16 = ring16 + ring_head * TF_MODEL_NUM_AXES;
#else
  int8_t* slot;
  if (!WINDOWING) return TF_MODEL_ERR_NO_WINDOWING;
  slot = ring + ring_head * TF_MODEL_NUM_AXES;
#endif
  for (a = 0; a < TF_MODEL_NUM_AXES; a++) {
#if TF_FEATURES_BLOCK != 0
    int16_t c = tf_features_to_count(values[a], a);
    slot16[a] = c;
    slot16[WINDOW_VALUES + a] = c;
#else
    int8_t q = quantise(values[a], a);
    slot[a] = q;
    slot[WINDOW_VALUES + a] = q;
#endif
  }
  ring_head = (ring_head + 1) % TF_MODEL_WINDOW_LENGTH;
  sample_count++;
  if (sample_count >= TF_MODEL_WINDOW_LENGTH && (sample_count - TF_MODEL_WINDOW_LENGTH) % TF_MODEL_WINDOW_STRIDE == 0) return run_window();
  return TF_MODEL_OK;
}

static int check_push(const void* values, uint32_t num_values) {
  if (!initialised) return TF_MODEL_ERR_NOT_INITIALISED;
  if (!WINDOWING) return TF_MODEL_ERR_NO_WINDOWING;
  if (!values) return TF_MODEL_ERR_ARGUMENT;
  if (num_values != TF_MODEL_NUM_AXES) return TF_MODEL_ERR_AXES;
  return TF_MODEL_OK;
}

int tf_model_push(const float* values, uint32_t num_values) {
  uint32_t a;
  int rc = check_push(values, num_values);
  if (rc != TF_MODEL_OK) return rc;
  for (a = 0; a < TF_MODEL_NUM_AXES; a++)
    if (!(fabsf(values[a]) <= TF_MODEL_MAX_ABS_VALUE)) return TF_MODEL_ERR_VALUE;  // NaN fails too
  return store_sample(values);
}

int tf_model_push_i16(const int16_t* raw, uint32_t num_values, float scale) {
  float v[TF_MODEL_NUM_AXES];
  uint32_t a;
  int rc = check_push(raw, num_values);
  if (rc != TF_MODEL_OK) return rc;
  if (!(scale > 0.0f && scale <= 3.0e38f)) return TF_MODEL_ERR_ARGUMENT;
  for (a = 0; a < TF_MODEL_NUM_AXES; a++) {
    v[a] = (float)raw[a] * scale;
    if (!(fabsf(v[a]) <= TF_MODEL_MAX_ABS_VALUE)) return TF_MODEL_ERR_VALUE;
  }
  return store_sample(v);
}
