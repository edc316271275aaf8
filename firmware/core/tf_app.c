// tinyforge: "tinyforge link", the device app. See tf_app.h. One client of the model library
// (tf_model.h): it owns the protocol (dispatch, INPUT_CHUNK staging, IMU capture batches) and feeds
// the library's window from SAMPLES_IN or the IMU (through the resampler, tf_resample.h).

#include "tf_app.h"

#include <math.h>
#include <string.h>

#include "tf_board.h"
#include "tf_features_config.h"
#include "tf_link.h"
#include "tf_model.h"
#include "tf_model_settings.h"
#include "tf_protocol.h"
#include "tf_resample.h"

#define WINDOWING (tf_model_windowing())
#if defined(TF_MODEL_ANOMALY_CLUSTERS) && TF_MODEL_ANOMALY_CLUSTERS > 0
#define TF_MODEL_ANOMALY_THRESHOLD_OR_0 TF_MODEL_ANOMALY_THRESHOLD
#else
#define TF_MODEL_ANOMALY_THRESHOLD_OR_0 0
#endif
// Live detection on the board's IMU also needs the model's axes to be the accelerometer's, in
// order (checked once at init: live_axes); the IMU gives aX,aY,aZ only.
#define IMU_AXES 3
// IMU samples per IMU_SAMPLES frame, and the longest a partial batch waits.
#define IMU_BATCH 25
#define IMU_BATCH_MAX_US 100000u

static tf_link_decoder_t rx;
static uint8_t tx_payload[TF_PROTO_MAX_PAYLOAD];
static uint8_t tx_wire[TF_LINK_MAX_WIRE];
static tf_engine_info_t engine;  // zeros when the engine failed to initialise
static int engine_status;         // tf_engine_init's result (INFO.engineStatus)
static uint16_t event_seq;

// Input staged by INPUT_CHUNK for inputs larger than one frame (see tf_app.h): bytes
// [0, staged_len) of staged_input are valid. Cleared by every INFER and by RESET.
// With a feature block INFER takes the raw window (int16 counts), which may be the larger (tf_model_input_bytes).
#define STAGE_BYTES (TF_FEATURES_RAW_BYTES > TF_MODEL_INPUT_BYTES ? TF_FEATURES_RAW_BYTES : TF_MODEL_INPUT_BYTES)
static uint8_t staged_input[STAGE_BYTES];
static uint32_t staged_len;

// The last INFER's output, held for OUTPUT_READ when it does not fit one RESULT frame (a byte
// otherwise: RESULT then carries it whole, built in place). Cleared by every INFER and by RESET.
#define RESULT_MAX_OUTPUT (TF_PROTO_MAX_PAYLOAD - TF_RESULT_FIXED_BYTES)
#define HELD_OUTPUT_BYTES (TF_MODEL_OUTPUT_BYTES > RESULT_MAX_OUTPUT ? TF_MODEL_OUTPUT_BYTES : 1)
static uint8_t held_output[HELD_OUTPUT_BYTES];
static uint32_t held_len;  // 0: nothing held

static int streaming;
static int live_axes;          // 1 when tf_model_axes is exactly aX,aY,aZ (see tf_app_init)
static uint32_t stream_index;  // accepted IMU samples since STREAM_START
static uint32_t decimate, decim_phase;

static tf_resampler_t resampler;  // IMU → model rate, reset at STREAM_START
static void (*sample_hook)(const float* values, uint32_t index);
static int16_t imu_batch[IMU_BATCH * 3];
static uint32_t imu_batch_n, imu_batch_first, imu_batch_t0;

static void put16(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void putf32(uint8_t* p, float f) {
  uint32_t v;
  memcpy(&v, &f, 4);
  put32(p, v);
}
static uint32_t get32(const uint8_t* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static float getf32(const uint8_t* p) {
  uint32_t v = get32(p);
  float f;
  memcpy(&f, &v, 4);
  return f;
}

static void send(uint8_t type, uint16_t seq, const uint8_t* payload, size_t len) {
  size_t n = tf_link_encode(type, seq, payload, len, tx_wire, sizeof tx_wire);
  if (n) tf_board_write(tx_wire, n);
}

static void send_error(uint16_t seq, uint16_t code, const char* text) {
  size_t n = strlen(text);
  if (n > 255) n = 255;
  put16(tx_payload, code);
  tx_payload[2] = (uint8_t)n;
  memcpy(tx_payload + 3, text, n);
  send(TF_MSG_ERROR, seq, tx_payload, 3 + n);
}

// LOG frames have their own buffers: a log line may be sent while tx_payload holds a reply.
#define LOG_MAX_TEXT 255u
#define LOG_RAW (TF_PROTO_HEADER_BYTES + 1u + LOG_MAX_TEXT + TF_PROTO_CRC_BYTES)
static uint8_t log_payload[1u + LOG_MAX_TEXT];
static uint8_t log_wire[LOG_RAW + (LOG_RAW + 253u) / 254u + 1u + 2u];

void tf_app_log(const char* text) {
  size_t n = text ? strlen(text) : 0;
  size_t w;
  if (n > LOG_MAX_TEXT) {
    n = LOG_MAX_TEXT;
    while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u) n--;  // never split a UTF-8 sequence
  }
  log_payload[0] = (uint8_t)n;
  if (n) memcpy(log_payload + 1, text, n);
  w = tf_link_encode(TF_MSG_LOG, event_seq++, log_payload, 1 + n, log_wire, sizeof log_wire);
  if (w) tf_board_write(log_wire, w);
}

// Small text builder for error texts (no printf: it would pull several KB into the image).
static size_t text_str(char* buf, size_t o, size_t cap, const char* s) {
  while (*s && o + 1 < cap) buf[o++] = *s++;
  buf[o] = 0;
  return o;
}
static size_t text_int(char* buf, size_t o, size_t cap, long v) {
  char d[12];
  int n = 0;
  unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
  if (v < 0) o = text_str(buf, o, cap, "-");
  do d[n++] = (char)('0' + u % 10u); while ((u /= 10u) && n < 11);
  while (n > 0 && o + 1 < cap) buf[o++] = d[--n];
  buf[o] = 0;
  return o;
}
// "<what> (<NAME>, <code>)"
static void status_text(char* buf, size_t cap, const char* what, const char* name, int code) {
  size_t o = text_str(buf, 0, cap, what);
  o = text_str(buf, o, cap, " (");
  o = text_str(buf, o, cap, name);
  o = text_str(buf, o, cap, ", ");
  o = text_int(buf, o, cap, code);
  text_str(buf, o, cap, ")");
}

static void send_ack(uint16_t seq, uint8_t type) {
  uint8_t p[1];
  p[0] = type;
  send(TF_MSG_ACK, seq, p, 1);
}

// Appends a length-prefixed string if it fits; returns the new offset (unchanged when it does not).
static size_t put_str(size_t o, const char* s, int* ok) {
  size_t n = s ? strlen(s) : 0;
  if (n > 255) n = 255;
  if (o + 1 + n > sizeof tx_payload - 1) {  // keeps one byte for INFO's trailing liveDetection
    *ok = 0;
    return o;
  }
  tx_payload[o] = (uint8_t)n;
  if (n) memcpy(tx_payload + o + 1, s, n);
  return o + 1 + n;
}

static size_t put_strlist(size_t o, const char* const* list, uint32_t count) {
  size_t count_at = o++;
  uint32_t i, written = 0;
  int ok = 1;
  if (count > 255) count = 255;
  for (i = 0; i < count && ok; i++) {
    o = put_str(o, list[i], &ok);
    if (ok) written++;
  }
  tx_payload[count_at] = (uint8_t)written;
  return o;
}

static void handle_hello(uint16_t seq) {
  size_t o;
  int ok = 1;
  memset(tx_payload, 0, TF_INFO_FIXED_BYTES);
  tx_payload[TF_INFO_PROTOCOL_VERSION_OFFSET] = TF_PROTO_VERSION;
  tx_payload[TF_INFO_COUNTER_KIND_OFFSET] = (uint8_t)tf_board_counter_kind();
  tx_payload[TF_INFO_NUM_AXES_OFFSET] = TF_MODEL_NUM_AXES;
  tx_payload[TF_INFO_NUM_CLASSES_OFFSET] = TF_MODEL_NUM_CLASSES;
  put32(tx_payload + TF_INFO_ARENA_USED_OFFSET, engine.arena_bytes);
  put32(tx_payload + TF_INFO_ARENA_CAPACITY_OFFSET, engine.arena_capacity);
  put32(tx_payload + TF_INFO_FLASH_USED_OFFSET, tf_board_flash_used());
  put32(tx_payload + TF_INFO_RAM_USED_OFFSET, tf_board_ram_used());
  put32(tx_payload + TF_INFO_INPUT_BYTES_OFFSET, tf_model_input_bytes());
  put32(tx_payload + TF_INFO_OUTPUT_BYTES_OFFSET, engine.output_bytes);
  put16(tx_payload + TF_INFO_WINDOW_LENGTH_OFFSET, TF_MODEL_WINDOW_LENGTH);
  put16(tx_payload + TF_INFO_WINDOW_STRIDE_OFFSET, TF_MODEL_WINDOW_STRIDE);
  putf32(tx_payload + TF_INFO_IMU_RATE_HZ_OFFSET, tf_board_imu_rate_hz());
  putf32(tx_payload + TF_INFO_OUTPUT_SCALE_OFFSET, TF_MODEL_OUTPUT_SCALE);
  tx_payload[TF_INFO_OUTPUT_ZERO_POINT_OFFSET] = (uint8_t)(int8_t)TF_MODEL_OUTPUT_ZERO_POINT;
  tx_payload[TF_INFO_ENGINE_STATUS_OFFSET] = (uint8_t)(int8_t)(engine_status < -128 ? -128 : engine_status);
  if (engine.model_sha256) memcpy(tx_payload + TF_INFO_MODEL_SHA256_OFFSET, engine.model_sha256, 32);
  o = TF_INFO_FIXED_BYTES;
  o = put_str(o, tf_board_name(), &ok);
  o = put_str(o, engine.name, &ok);
  o = put_strlist(o, engine.op_names, engine.op_names ? engine.op_count : 0);
  o = put_strlist(o, tf_model_labels, TF_MODEL_NUM_CLASSES);
  tx_payload[o++] = (uint8_t)(WINDOWING && live_axes && tf_board_imu_rate_hz() > 0.0f);  // liveDetection (v3)
  send(TF_MSG_INFO, seq, tx_payload, o);
}

static void handle_input_chunk(uint16_t seq, const uint8_t* p, size_t len) {
  uint32_t offset, n;
  if (len <= TF_INPUT_CHUNK_FIXED_BYTES) {
    send_error(seq, TF_ERR_BAD_FRAME, "INPUT_CHUNK needs an offset and at least one byte");
    return;
  }
  offset = get32(p + TF_INPUT_CHUNK_OFFSET_OFFSET);
  n = (uint32_t)(len - TF_INPUT_CHUNK_FIXED_BYTES);
  if (offset > tf_model_input_bytes() || n > tf_model_input_bytes() - offset || offset + n > sizeof staged_input) {
    send_error(seq, TF_ERR_BAD_OFFSET, "INPUT_CHUNK past the end of the input tensor");
    return;
  }
  if (offset > staged_len) {
    send_error(seq, TF_ERR_BAD_OFFSET, "INPUT_CHUNK leaves a gap: offset past the staged bytes");
    return;
  }
  memcpy(staged_input + offset, p + TF_INPUT_CHUNK_FIXED_BYTES, n);
  // Offset 0 starts a new input; later chunks extend the staged prefix (a re-sent chunk changes nothing).
  if (offset == 0) staged_len = n;
  else if (offset + n > staged_len) staged_len = offset + n;
  send_ack(seq, TF_MSG_INPUT_CHUNK);
}

static void handle_infer(uint16_t seq, const uint8_t* input, size_t len) {
  uint32_t staged = staged_len;
  tf_timing_t t;
  char text[96];
  int rc, big;
  staged_len = 0;  // every INFER consumes the staging, whatever its outcome
  held_len = 0;
  if (engine_status != TF_ENGINE_OK) {
    status_text(text, sizeof text, "engine not initialised", tf_engine_status_name(engine_status), engine_status);
    send_error(seq, TF_ERR_ENGINE, text);
    return;
  }
  if (len == 0) {
    if (staged != tf_model_input_bytes()) {
      send_error(seq, TF_ERR_NOT_STAGED, "empty INFER but the input was not fully staged with INPUT_CHUNK since the last INFER");
      return;
    }
    input = staged_input;
    len = staged;
  }
  if (len != tf_model_input_bytes()) {
    send_error(seq, TF_ERR_BAD_SIZE, TF_FEATURES_BLOCK ? "input length differs from the raw window (int16 samples x axes)" : "input length differs from the model's input tensor");
    return;
  }
  big = engine.output_bytes > RESULT_MAX_OUTPUT;
  if (big && engine.output_bytes > sizeof held_output) {
    send_error(seq, TF_ERR_OUTPUT_TOO_LARGE, "the engine's output tensor is larger than the firmware's output buffer (TF_MODEL_OUTPUT_BYTES)");
    return;
  }
  rc = tf_model_infer(input, len, big ? held_output : tx_payload + TF_RESULT_FIXED_BYTES, engine.output_bytes, &t);
  if (rc != TF_MODEL_OK) {
    status_text(text, sizeof text, "engine: invoke failed", tf_engine_status_name(tf_model_engine_status()), tf_model_engine_status());
    send_error(seq, TF_ERR_ENGINE, text);
    return;
  }
  put32(tx_payload + TF_RESULT_COUNTER_DELTA_OFFSET, t.counter);
  put32(tx_payload + TF_RESULT_MICROS_OFFSET, t.micros);
  if (big) {
    // RESULT carries the first part; the host reads the rest with OUTPUT_READ.
    memcpy(tx_payload + TF_RESULT_FIXED_BYTES, held_output, RESULT_MAX_OUTPUT);
    held_len = engine.output_bytes;
    send(TF_MSG_RESULT, seq, tx_payload, TF_PROTO_MAX_PAYLOAD);
    return;
  }
  send(TF_MSG_RESULT, seq, tx_payload, TF_RESULT_FIXED_BYTES + engine.output_bytes);
}

static void handle_output_read(uint16_t seq, const uint8_t* p, size_t len) {
  uint32_t offset, n;
  if (len != TF_OUTPUT_READ_FIXED_BYTES) {
    send_error(seq, TF_ERR_BAD_FRAME, "OUTPUT_READ payload size");
    return;
  }
  if (held_len == 0) {
    send_error(seq, TF_ERR_NO_OUTPUT, "no output held: OUTPUT_READ needs a successful INFER of a model whose output exceeds one RESULT frame");
    return;
  }
  offset = get32(p + TF_OUTPUT_READ_OFFSET_OFFSET);
  n = (uint32_t)p[TF_OUTPUT_READ_LENGTH_OFFSET] | ((uint32_t)p[TF_OUTPUT_READ_LENGTH_OFFSET + 1] << 8);
  if (n == 0 || n > TF_PROTO_MAX_PAYLOAD - TF_OUTPUT_DATA_FIXED_BYTES || offset > held_len || n > held_len - offset) {
    send_error(seq, TF_ERR_BAD_OFFSET, "OUTPUT_READ past the end of the output tensor (or length 0 or over one frame)");
    return;
  }
  put32(tx_payload + TF_OUTPUT_DATA_OFFSET_OFFSET, offset);
  memcpy(tx_payload + TF_OUTPUT_DATA_FIXED_BYTES, held_output + offset, n);
  send(TF_MSG_OUTPUT_DATA, seq, tx_payload, TF_OUTPUT_DATA_FIXED_BYTES + n);
}

// FEATURES → FEATURE_VECTOR: the feature block's int32 features and int8 model input of one raw
// window, and the block's own counter (verify compares them with the host's).
static void handle_features(uint16_t seq, const uint8_t* p, size_t len) {
#if TF_FEATURES_BLOCK != 0
  static int32_t features[TF_FEATURES_COUNT];
  static int8_t model_input[TF_FEATURES_COUNT];
  uint32_t staged = staged_len, i;
  size_t o = TF_FEATURE_VECTOR_FIXED_BYTES;
  tf_timing_t t;
  staged_len = 0;
  if (len == 0) {
    if (staged != tf_model_input_bytes()) {
      send_error(seq, TF_ERR_NOT_STAGED, "empty FEATURES but the raw window was not fully staged with INPUT_CHUNK");
      return;
    }
    p = staged_input;
    len = staged;
  }
  if (TF_FEATURE_VECTOR_FIXED_BYTES + 5u * TF_FEATURES_COUNT > sizeof tx_payload) {
    send_error(seq, TF_ERR_OUTPUT_TOO_LARGE, "feature vector larger than one frame");
    return;
  }
  if (tf_model_features(p, len, features, model_input, &t) != TF_MODEL_OK) {
    send_error(seq, TF_ERR_BAD_SIZE, "FEATURES payload differs from the raw window (int16 samples x axes)");
    return;
  }
  put32(tx_payload + TF_FEATURE_VECTOR_COUNTER_DELTA_OFFSET, t.counter);
  put32(tx_payload + TF_FEATURE_VECTOR_MICROS_OFFSET, t.micros);
  put16(tx_payload + TF_FEATURE_VECTOR_FEATURE_COUNT_OFFSET, TF_FEATURES_COUNT);
  for (i = 0; i < TF_FEATURES_COUNT; i++, o += 4) put32(tx_payload + o, (uint32_t)features[i]);
  for (i = 0; i < TF_FEATURES_COUNT; i++) tx_payload[o++] = (uint8_t)model_input[i];
  send(TF_MSG_FEATURE_VECTOR, seq, tx_payload, o);
#else
  (void)p;
  (void)len;
  staged_len = 0;
  send_error(seq, TF_ERR_NO_FEATURES, "this model takes raw windows: no feature block");
#endif
}

// ANOMALY_SCORE, as a reply (window 0xFFFFFFFF) or an event after a PREDICTION.
static void send_anomaly(uint16_t seq, uint32_t window, const tf_anomaly_t* a) {
  put32(tx_payload + TF_ANOMALY_SCORE_WINDOW_OFFSET, window);
  put32(tx_payload + TF_ANOMALY_SCORE_DISTANCE_OFFSET, (uint32_t)a->distance);
  put32(tx_payload + TF_ANOMALY_SCORE_THRESHOLD_OFFSET, (uint32_t)TF_MODEL_ANOMALY_THRESHOLD_OR_0);
  put16(tx_payload + TF_ANOMALY_SCORE_CLUSTER_OFFSET, (uint32_t)a->cluster);
  tx_payload[TF_ANOMALY_SCORE_FLAGGED_OFFSET] = (uint8_t)(a->anomalous != 0);
  send(TF_MSG_ANOMALY_SCORE, seq, tx_payload, TF_ANOMALY_SCORE_FIXED_BYTES);
}

static void handle_anomaly_read(uint16_t seq) {
  tf_anomaly_t a;
  int rc = tf_model_infer_anomaly(&a);
  if (rc == TF_MODEL_ERR_NO_ANOMALY) send_error(seq, TF_ERR_NO_ANOMALY, "this model has no anomaly block (tinyforge train --anomaly K adds one)");
  else if (rc != TF_MODEL_OK) send_error(seq, TF_ERR_NO_ANOMALY, "no INFER succeeded since the last RESET: nothing to score");
  else send_anomaly(seq, 0xFFFFFFFFu, &a);
}

// A window ran: PREDICTION event (when it fits one frame) and the LED.
static void send_prediction(const tf_result_t* r) {
  size_t o = TF_PREDICTION_FIXED_BYTES;
  uint32_t i;
  int cls = 0;  // arg-max of the outputs whatever the task (a regression's single output: 0)
  if (o + r->num_outputs > sizeof tx_payload) return;  // constant per model: never for a model whose output fits
  for (i = 1; i < r->num_outputs; i++)
    if (r->outputs[i] > r->outputs[cls]) cls = (int)i;
  put32(tx_payload + TF_PREDICTION_WINDOW_OFFSET, r->window);
  put32(tx_payload + TF_PREDICTION_LAST_SAMPLE_OFFSET, r->last_sample);
  put32(tx_payload + TF_PREDICTION_MICROS_OFFSET, r->timing.micros);
  tx_payload[TF_PREDICTION_CLASS_INDEX_OFFSET] = (uint8_t)cls;
  memcpy(tx_payload + o, r->outputs, r->num_outputs);
  send(TF_MSG_PREDICTION, event_seq++, tx_payload, o + r->num_outputs);
  if (r->kmeans.distance >= 0) send_anomaly(event_seq++, r->window, &r->kmeans);
  tf_board_led(cls);
}

// The live path reports what goes wrong (as a LOG event) instead of dropping it silently.
static void report_push_error(int rc) {
  char text[128], what[48];
  size_t o = text_str(what, 0, sizeof what, "live path, sample ");
  text_int(what, o, sizeof what, (long)tf_model_samples());
  if (rc == TF_MODEL_ERR_ENGINE) status_text(text, sizeof text, what, tf_engine_status_name(tf_model_engine_status()), tf_model_engine_status());
  else status_text(text, sizeof text, what, tf_status_name(rc), rc);
  tf_app_log(text);
}

// One model-rate sample into the library's window; its result (if any) goes out as a PREDICTION.
static void add_sample(const float* values) {
  int rc = tf_model_push(values, TF_MODEL_NUM_AXES);
  if (rc == TF_MODEL_RESULT_READY) send_prediction(tf_model_result());
  else if (rc != TF_MODEL_OK) report_push_error(rc);
}

static void handle_samples_in(uint16_t seq, const uint8_t* p, size_t len) {
  size_t i, n;
  float values[TF_MODEL_NUM_AXES];
  uint32_t a;
  if (!WINDOWING) {
    send_error(seq, TF_ERR_NO_WINDOWING, "model input is not an int8 [window][axis] tensor");
    return;
  }
  if (len % (4u * TF_MODEL_NUM_AXES) != 0) {
    send_error(seq, TF_ERR_AXES_MISMATCH, "SAMPLES_IN length is not a whole number of samples of the model's axes (INFO.numAxes float32 values each)");
    return;
  }
  n = len / (4u * TF_MODEL_NUM_AXES);
  // The whole frame is checked before any sample enters the window: a bad one refuses them all.
  for (i = 0; i < n * TF_MODEL_NUM_AXES; i++) {
    float v = getf32(p + i * 4u);
    if (!(fabsf(v) <= TF_MODEL_MAX_ABS_VALUE)) {
      send_error(seq, TF_ERR_BAD_SAMPLE, "SAMPLES_IN holds a NaN, infinite or out-of-range value (|x| > 1e6): frame refused, the window is unchanged");
      return;
    }
  }
  for (i = 0; i < n; i++) {
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) values[a] = getf32(p + (i * TF_MODEL_NUM_AXES + a) * 4u);
    // add_sample may send a PREDICTION, which reuses tx_payload but never the rx buffer `p` points into.
    add_sample(values);
  }
  send_ack(seq, TF_MSG_SAMPLES_IN);
}

static void flush_imu_batch(void) {
  size_t o = TF_IMU_SAMPLES_FIXED_BYTES, i;
  float rate = tf_board_imu_rate_hz() / (float)decimate;
  if (imu_batch_n == 0) return;
  put32(tx_payload + TF_IMU_SAMPLES_FIRST_SAMPLE_OFFSET, imu_batch_first);
  put32(tx_payload + TF_IMU_SAMPLES_RATE_MILLI_HZ_OFFSET, (uint32_t)(rate * 1000.0f + 0.5f));
  for (i = 0; i < imu_batch_n * 3; i++, o += 2) put16(tx_payload + o, (uint16_t)imu_batch[i]);
  send(TF_MSG_IMU_SAMPLES, event_seq++, tx_payload, o);
  imu_batch_n = 0;
}

static int16_t to_mg(float g) {
  float mg = roundf(g * 1000.0f);
  return (int16_t)(mg > 32767.0f ? 32767 : mg < -32768.0f ? -32768 : (int)mg);
}

void tf_app_set_sample_hook(void (*hook)(const float* values, uint32_t index)) { sample_hook = hook; }

// The resampler's output: one model-rate sample (IMU_AXES values, which are the model's axes: live_axes).
static void model_rate_sample(const float* values, uint32_t index, void* user) {
  (void)user;
  if (sample_hook) sample_hook(values, index);
  add_sample(values);
}

static void service_imu(void) {
  float xyz[3];
  int k;
  if (!streaming) return;
  // Bounded so a fast IMU cannot starve the link.
  for (k = 0; k < 8 && tf_board_imu_read(xyz) == 1; k++) {
    // The model sees every raw sample, resampled to its rate; IMU_SAMPLES (capture) see raw ones.
    if (WINDOWING && live_axes) tf_resample_push(&resampler, xyz, model_rate_sample, NULL);
    if (decim_phase++ % decimate != 0) continue;
    if (imu_batch_n == 0) {
      imu_batch_first = stream_index;
      imu_batch_t0 = tf_board_micros();
    }
    imu_batch[imu_batch_n * 3 + 0] = to_mg(xyz[0]);
    imu_batch[imu_batch_n * 3 + 1] = to_mg(xyz[1]);
    imu_batch[imu_batch_n * 3 + 2] = to_mg(xyz[2]);
    imu_batch_n++;
    stream_index++;
    if (imu_batch_n == IMU_BATCH) flush_imu_batch();
  }
  if (imu_batch_n && tf_board_micros() - imu_batch_t0 >= IMU_BATCH_MAX_US) flush_imu_batch();
}

static void handle_stream_start(uint16_t seq, const uint8_t* p, size_t len) {
  float nominal = tf_board_imu_rate_hz(), rate;
  float xyz[3];
  int k;
  if (len != TF_STREAM_START_FIXED_BYTES) {
    send_error(seq, TF_ERR_BAD_FRAME, "STREAM_START payload size");
    return;
  }
  if (nominal <= 0.0f) {
    send_error(seq, TF_ERR_NO_IMU, "this board has no IMU: send samples with SAMPLES_IN");
    return;
  }
  if (WINDOWING && !live_axes) {
    send_error(seq, TF_ERR_AXES_MISMATCH,
               "the model's axes are not aX,aY,aZ: no live detection on this board's IMU (INFER and SAMPLES_IN still work)");
    return;
  }
  // Drop what the IMU buffered before the request: the stream starts now (bounded: FIFOs are small).
  for (k = 0; k < 256 && tf_board_imu_read(xyz) == 1; k++) {
  }
  rate = getf32(p + TF_STREAM_START_RATE_HZ_OFFSET);
  decimate = (rate > 0.0f && rate < nominal) ? (uint32_t)(nominal / rate + 0.5f) : 1u;
  decim_phase = 0;
  tf_resample_init(&resampler, nominal, TF_MODEL_SAMPLE_RATE_HZ);
  stream_index = 0;
  imu_batch_n = 0;
  streaming = 1;
  send_ack(seq, TF_MSG_STREAM_START);
}

static void dispatch(void) {
  const uint8_t* p = rx.payload;
  size_t n = rx.payload_len;
  if (rx.version != TF_PROTO_VERSION) {
    send_error(rx.seq, TF_ERR_BAD_VERSION, "protocol version mismatch");
    return;
  }
  switch (rx.type) {
    case TF_MSG_HELLO:
      handle_hello(rx.seq);
      break;
    case TF_MSG_INFER:
      handle_infer(rx.seq, p, n);
      break;
    case TF_MSG_INPUT_CHUNK:
      handle_input_chunk(rx.seq, p, n);
      break;
    case TF_MSG_OUTPUT_READ:
      handle_output_read(rx.seq, p, n);
      break;
    case TF_MSG_STREAM_START:
      handle_stream_start(rx.seq, p, n);
      break;
    case TF_MSG_STREAM_STOP:
      flush_imu_batch();
      streaming = 0;
      send_ack(rx.seq, TF_MSG_STREAM_STOP);
      break;
    case TF_MSG_FEATURES:
      handle_features(rx.seq, p, n);
      break;
    case TF_MSG_ANOMALY_READ:
      if (n != 0) send_error(rx.seq, TF_ERR_BAD_FRAME, "ANOMALY_READ takes no payload");
      else handle_anomaly_read(rx.seq);
      break;
    case TF_MSG_SAMPLES_IN:
      handle_samples_in(rx.seq, p, n);
      break;
    case TF_MSG_RESET:
      streaming = 0;
      imu_batch_n = 0;
      staged_len = 0;
      held_len = 0;
      tf_model_reset();
      send_ack(rx.seq, TF_MSG_RESET);
      break;
    default:
      send_error(rx.seq, TF_ERR_UNKNOWN_TYPE, "unknown message type");
  }
}

void tf_app_init(void) {
  const tf_engine_info_t* e;
  tf_link_decoder_init(&rx);
  event_seq = 0;
  // Smoothing is the library's (for a stand-alone client); PREDICTION reports every raw window.
  tf_model_init(NULL);
  engine_status = tf_model_engine_status();
  e = tf_model_engine();
  if (e) engine = *e;
  else memset(&engine, 0, sizeof engine);
  streaming = 0;
  decimate = 1;
  live_axes = TF_MODEL_NUM_AXES == IMU_AXES;
  {
    static const char* const imu_axes[IMU_AXES] = {"aX", "aY", "aZ"};
    uint32_t a;
    for (a = 0; a < TF_MODEL_NUM_AXES && a < IMU_AXES; a++)
      if (strcmp(tf_model_axes[a], imu_axes[a]) != 0) live_axes = 0;
  }
  tf_resample_init(&resampler, tf_board_imu_rate_hz(), TF_MODEL_SAMPLE_RATE_HZ);
  staged_len = 0;
  held_len = 0;
  tf_board_led(-1);
}

void tf_app_poll(void) {
  uint8_t buf[64];
  size_t n = tf_board_read(buf, sizeof buf), i;
  for (i = 0; i < n; i++)
    if (tf_link_push(&rx, buf[i]) == TF_LINK_FRAME) dispatch();
  service_imu();
}
