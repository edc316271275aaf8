// tinyforge: the device application. See tf_app.h.
// The host mirrors this file's float32 maths (resampling, normalisation, quantisation) operation by
// operation; a fused multiply-add (GCC's default in GNU C mode, e.g. the Arduino core on the
// Cortex-M4 FPU) would round differently. ISO C builds (-std=c99) already keep contraction off.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "tf_app.h"

#include <math.h>
#include <string.h>

#include "tf_board.h"
#include "tf_engine.h"
#include "tf_features.h"
#include "tf_link.h"
#include "tf_model_settings.h"
#include "tf_protocol.h"

#define WINDOW_VALUES (TF_MODEL_WINDOW_LENGTH * TF_MODEL_NUM_AXES)
// A feature block (tf_features_config.h) sits between the raw window and the model: INFER then
// takes the raw window (int16 counts, TF_FEATURES_RAW_BYTES) and the board runs DSP + model.
#define FEATURES (TF_FEATURES_BLOCK != 0)
#define INFER_BYTES (FEATURES ? TF_FEATURES_RAW_BYTES : TF_MODEL_INPUT_BYTES)
#define STAGE_BYTES (TF_FEATURES_RAW_BYTES > TF_MODEL_INPUT_BYTES ? TF_FEATURES_RAW_BYTES : TF_MODEL_INPUT_BYTES)
// Windowing needs an int8 input laid out [window][axis] (or the feature block's features); other models still serve INFER.
#define WINDOWING (FEATURES ? TF_MODEL_INPUT_BYTES == TF_FEATURES_COUNT : TF_MODEL_INPUT_BYTES == WINDOW_VALUES)
// Live detection on the board's IMU also needs the model's axes to be the accelerometer's, in
// order (checked once at init: live_axes); the IMU gives aX,aY,aZ only.
#define IMU_AXES 3
// IMU samples per IMU_SAMPLES frame, and the longest a partial batch waits.
#define IMU_BATCH 25
#define IMU_BATCH_MAX_US 100000u

static tf_link_decoder_t rx;
static uint8_t tx_payload[TF_PROTO_MAX_PAYLOAD];
static uint8_t tx_wire[TF_LINK_MAX_WIRE];
static tf_engine_info_t engine;
static int engine_status;
static uint16_t event_seq;

// Input staged by INPUT_CHUNK for inputs larger than one frame (see tf_app.h): bytes
// [0, staged_len) of staged_input are valid. Cleared by every INFER and by RESET.
static uint8_t staged_input[STAGE_BYTES];
static uint32_t staged_len;

static float ring[WINDOW_VALUES];
static uint32_t ring_head;     // sample slot the next sample goes to
static uint32_t sample_count;  // samples seen since init/RESET
static uint32_t window_count;
static int8_t window_q[FEATURES ? TF_FEATURES_COUNT : WINDOW_VALUES];
#if TF_FEATURES_BLOCK != 0
static int16_t feat_window[WINDOW_VALUES];
static int32_t feat_values[TF_FEATURES_COUNT];
static int8_t feat_input[TF_FEATURES_COUNT];
// Raw window bytes (int16 LE [sample][axis]) → the model's int8 input through the feature block:
// the one hook between the device's input path and tf_features_compute.
static const uint8_t* features_from_raw(const uint8_t* raw) {
  uint32_t i;
  for (i = 0; i < WINDOW_VALUES; i++) feat_window[i] = (int16_t)(uint16_t)((uint32_t)raw[2 * i] | ((uint32_t)raw[2 * i + 1] << 8));
  tf_features_compute(feat_window, feat_values, feat_input);
  return (const uint8_t*)feat_input;
}
#endif
static uint8_t window_out[TF_MODEL_OUTPUT_BYTES];

static int streaming;
static int live_axes;          // 1 when tf_model_axes is exactly aX,aY,aZ (see tf_app_init)
static uint32_t stream_index;  // accepted IMU samples since STREAM_START
static uint32_t decimate, decim_phase;

// IMU → model-rate resampler (see tf_app.h). Rates in mHz; `rs_acc` is the offset of the next
// output after the previous input sample, in units of 1/rs_out_mhz input samples (exact integers:
// no drift however long the stream runs).
static uint32_t rs_in_mhz, rs_out_mhz, rs_acc;
static int rs_have_prev;
static float rs_prev[IMU_AXES];
static uint32_t rs_total;  // model-rate samples produced since STREAM_START
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
  put32(tx_payload + TF_INFO_INPUT_BYTES_OFFSET, FEATURES ? (uint32_t)INFER_BYTES : engine.input_bytes);
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
  uint32_t want = FEATURES ? (uint32_t)INFER_BYTES : engine.input_bytes;
  if (offset > want || n > want - offset || offset + n > sizeof staged_input) {
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
  uint32_t t0, c0, t1, c1;
  uint32_t staged = staged_len;
  int rc;
  staged_len = 0;  // every INFER consumes the staging, whatever its outcome
  if (engine_status != 0) {
    send_error(seq, TF_ERR_ENGINE, "engine not initialised");
    return;
  }
  uint32_t want = FEATURES ? (uint32_t)INFER_BYTES : engine.input_bytes;
  if (len == 0) {
    if (staged != want) {
      send_error(seq, TF_ERR_NOT_STAGED, "empty INFER but the input was not fully staged with INPUT_CHUNK since the last INFER");
      return;
    }
    input = staged_input;
    len = staged;
  }
  if (len != want) {
    send_error(seq, TF_ERR_BAD_SIZE, FEATURES ? "input length differs from the raw window (int16 samples x axes)" : "input length differs from the model's input tensor");
    return;
  }
  if (engine.output_bytes > sizeof tx_payload - TF_RESULT_FIXED_BYTES) {
    send_error(seq, TF_ERR_OUTPUT_TOO_LARGE, "output tensor larger than a RESULT frame");
    return;
  }
  t0 = tf_board_micros();
  c0 = tf_board_counter();
#if TF_FEATURES_BLOCK != 0
  input = features_from_raw(input);
  len = TF_FEATURES_COUNT;
#endif
  rc = tf_engine_invoke(input, len, tx_payload + TF_RESULT_FIXED_BYTES, engine.output_bytes);
  c1 = tf_board_counter();
  t1 = tf_board_micros();
  if (rc != 0) {
    send_error(seq, TF_ERR_ENGINE, rc == -2 ? "engine: wrong size" : "engine: invoke failed");
    return;
  }
  put32(tx_payload + TF_RESULT_COUNTER_DELTA_OFFSET, c1 - c0);
  put32(tx_payload + TF_RESULT_MICROS_OFFSET, t1 - t0);
  send(TF_MSG_RESULT, seq, tx_payload, TF_RESULT_FIXED_BYTES + engine.output_bytes);
}

// FEATURES → FEATURE_VECTOR: the board's features and int8 model input of one raw window.
static void handle_features(uint16_t seq, const uint8_t* p, size_t len) {
#if TF_FEATURES_BLOCK != 0
  uint32_t staged = staged_len, t0, c0, c1, t1, i;
  size_t o = TF_FEATURE_VECTOR_FIXED_BYTES;
  staged_len = 0;
  if (len == 0) {
    if (staged != INFER_BYTES) {
      send_error(seq, TF_ERR_NOT_STAGED, "empty FEATURES but the raw window was not fully staged with INPUT_CHUNK");
      return;
    }
    p = staged_input;
    len = staged;
  }
  if (len != INFER_BYTES) {
    send_error(seq, TF_ERR_BAD_SIZE, "FEATURES payload differs from the raw window (int16 samples x axes)");
    return;
  }
  if (TF_FEATURE_VECTOR_FIXED_BYTES + 5u * TF_FEATURES_COUNT > sizeof tx_payload) {
    send_error(seq, TF_ERR_OUTPUT_TOO_LARGE, "feature vector larger than one frame");
    return;
  }
  t0 = tf_board_micros();
  c0 = tf_board_counter();
  features_from_raw(p);
  c1 = tf_board_counter();
  t1 = tf_board_micros();
  put32(tx_payload + TF_FEATURE_VECTOR_COUNTER_DELTA_OFFSET, c1 - c0);
  put32(tx_payload + TF_FEATURE_VECTOR_MICROS_OFFSET, t1 - t0);
  put16(tx_payload + TF_FEATURE_VECTOR_FEATURE_COUNT_OFFSET, TF_FEATURES_COUNT);
  for (i = 0; i < TF_FEATURES_COUNT; i++, o += 4) put32(tx_payload + o, (uint32_t)feat_values[i]);
  for (i = 0; i < TF_FEATURES_COUNT; i++) tx_payload[o++] = (uint8_t)feat_input[i];
  send(TF_MSG_FEATURE_VECTOR, seq, tx_payload, o);
#else
  (void)p;
  (void)len;
  staged_len = 0;
  send_error(seq, TF_ERR_NO_FEATURES, "this model takes raw windows: no feature block");
#endif
}

static void reset_window(void) {
  ring_head = 0;
  sample_count = 0;
  window_count = 0;
}

static void run_window(void) {
  uint32_t s, a, slot = ring_head;  // ring_head is the oldest sample once the ring is full
  uint32_t t0, t1, i, best = 0;
  size_t o;
#if TF_FEATURES_BLOCK != 0
  for (s = 0; s < TF_MODEL_WINDOW_LENGTH; s++) {
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) feat_window[s * TF_MODEL_NUM_AXES + a] = tf_features_to_count(ring[slot * TF_MODEL_NUM_AXES + a], a);
    slot = (slot + 1) % TF_MODEL_WINDOW_LENGTH;
  }
  tf_features_compute(feat_window, feat_values, window_q);
#else
  for (s = 0; s < TF_MODEL_WINDOW_LENGTH; s++) {
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) {
      float t = (ring[slot * TF_MODEL_NUM_AXES + a] - tf_model_norm_mean[a]) / tf_model_norm_std[a];
      float q = roundf(t / TF_MODEL_INPUT_SCALE) + (float)TF_MODEL_INPUT_ZERO_POINT;
      window_q[s * TF_MODEL_NUM_AXES + a] = (int8_t)(q < -128.0f ? -128 : q > 127.0f ? 127 : (int)q);
    }
    slot = (slot + 1) % TF_MODEL_WINDOW_LENGTH;
  }
#endif
  if (engine_status != 0 || engine.output_bytes != TF_MODEL_OUTPUT_BYTES) return;
  // A PREDICTION must fit one frame (constant: compiled out for every model whose output fits).
  if (TF_PREDICTION_FIXED_BYTES + TF_MODEL_OUTPUT_BYTES > sizeof tx_payload) return;
  t0 = tf_board_micros();
  if (tf_engine_invoke((const uint8_t*)window_q, sizeof window_q, window_out, sizeof window_out) != 0) return;
  t1 = tf_board_micros();
  for (i = 1; i < TF_MODEL_OUTPUT_BYTES; i++)
    if ((int8_t)window_out[i] > (int8_t)window_out[best]) best = i;
  put32(tx_payload + TF_PREDICTION_WINDOW_OFFSET, window_count);
  put32(tx_payload + TF_PREDICTION_LAST_SAMPLE_OFFSET, sample_count - 1);
  put32(tx_payload + TF_PREDICTION_MICROS_OFFSET, t1 - t0);
  tx_payload[TF_PREDICTION_CLASS_INDEX_OFFSET] = (uint8_t)best;
  o = TF_PREDICTION_FIXED_BYTES;
  memcpy(tx_payload + o, window_out, TF_MODEL_OUTPUT_BYTES);
  send(TF_MSG_PREDICTION, event_seq++, tx_payload, o + TF_MODEL_OUTPUT_BYTES);
  window_count++;
  tf_board_led((int)best);
}

static void add_sample(const float* xyz) {
  uint32_t a;
  if (!WINDOWING) return;
  for (a = 0; a < TF_MODEL_NUM_AXES; a++) ring[ring_head * TF_MODEL_NUM_AXES + a] = xyz[a];
  ring_head = (ring_head + 1) % TF_MODEL_WINDOW_LENGTH;
  sample_count++;
  if (sample_count >= TF_MODEL_WINDOW_LENGTH && (sample_count - TF_MODEL_WINDOW_LENGTH) % TF_MODEL_WINDOW_STRIDE == 0) run_window();
}

static void handle_samples_in(uint16_t seq, const uint8_t* p, size_t len) {
  size_t i, n;
  float xyz[TF_MODEL_NUM_AXES];
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
  for (i = 0; i < n; i++) {
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) xyz[a] = getf32(p + (i * TF_MODEL_NUM_AXES + a) * 4u);
    // add_sample may send a PREDICTION, which reuses tx_payload but never the rx buffer `p` points into.
    add_sample(xyz);
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

static void resample_reset(void) {
  float in = tf_board_imu_rate_hz();
  rs_in_mhz = (uint32_t)(in * 1000.0f + 0.5f);
  rs_out_mhz = (uint32_t)(TF_MODEL_SAMPLE_RATE_HZ * 1000.0f + 0.5f);
  if (rs_out_mhz == 0) rs_out_mhz = rs_in_mhz;
  rs_acc = 0;
  rs_have_prev = 0;
  rs_total = 0;
}

void tf_app_set_sample_hook(void (*hook)(const float* values, uint32_t index)) { sample_hook = hook; }

// One raw IMU sample in; zero or more model-rate samples out to the window (see tf_app.h).
static void resample_push(const float* xyz) {
  float out[IMU_AXES], f;
  uint32_t a;
  if (TF_MODEL_NUM_AXES != IMU_AXES) return;  // constant: never live (live_axes is 0)
  if (!rs_have_prev) {
    for (a = 0; a < IMU_AXES; a++) rs_prev[a] = xyz[a];
    rs_have_prev = 1;
    return;
  }
  while (rs_acc < rs_out_mhz) {
    f = (float)rs_acc / (float)rs_out_mhz;
    for (a = 0; a < IMU_AXES; a++) {
      float w0 = (1.0f - f) * rs_prev[a];
      float w1 = f * xyz[a];
      out[a] = w0 + w1;
    }
    if (sample_hook) sample_hook(out, rs_total);
    rs_total++;
    add_sample(out);
    rs_acc += rs_in_mhz;
  }
  rs_acc -= rs_out_mhz;
  for (a = 0; a < IMU_AXES; a++) rs_prev[a] = xyz[a];
}

static void service_imu(void) {
  float xyz[3];
  int k;
  if (!streaming) return;
  // Bounded so a fast IMU cannot starve the link.
  for (k = 0; k < 8 && tf_board_imu_read(xyz) == 1; k++) {
    // The model sees every raw sample, resampled to its rate; IMU_SAMPLES (capture) see raw ones.
    if (WINDOWING && live_axes && rs_in_mhz > 0) resample_push(xyz);
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
  resample_reset();
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
    case TF_MSG_SAMPLES_IN:
      handle_samples_in(rx.seq, p, n);
      break;
    case TF_MSG_RESET:
      streaming = 0;
      imu_batch_n = 0;
      staged_len = 0;
      reset_window();
      send_ack(rx.seq, TF_MSG_RESET);
      break;
    default:
      send_error(rx.seq, TF_ERR_UNKNOWN_TYPE, "unknown message type");
  }
}

void tf_app_init(void) {
  tf_link_decoder_init(&rx);
  memset(&engine, 0, sizeof engine);
  engine_status = tf_engine_init();
  if (engine_status == 0) tf_engine_info(&engine);
  event_seq = 0;
  streaming = 0;
  decimate = 1;
  live_axes = TF_MODEL_NUM_AXES == IMU_AXES;
  {
    static const char* const imu_axes[IMU_AXES] = {"aX", "aY", "aZ"};
    uint32_t a;
    for (a = 0; a < TF_MODEL_NUM_AXES && a < IMU_AXES; a++)
      if (strcmp(tf_model_axes[a], imu_axes[a]) != 0) live_axes = 0;
  }
  resample_reset();
  staged_len = 0;
  reset_window();
  tf_board_led(-1);
}

void tf_app_poll(void) {
  uint8_t buf[64];
  size_t n = tf_board_read(buf, sizeof buf), i;
  for (i = 0; i < n; i++)
    if (tf_link_push(&rx, buf[i]) == TF_LINK_FRAME) dispatch();
  service_imu();
}
