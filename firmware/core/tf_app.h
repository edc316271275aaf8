// tinyforge: "tinyforge link", the device application. Hand-written.
//
// Speaks the device protocol (tf_protocol.h, framing in tf_link.h) over the board's serial link:
//   HELLO → INFO; INFER → RESULT (engine timed with tf_board_micros / tf_board_counter);
//   INPUT_CHUNK → ACK (stages an input larger than one frame; an empty INFER then runs on it);
//   STREAM_START/STOP → IMU_SAMPLES batches; SAMPLES_IN → window buffer (→ ACK); RESET → ACK.
// Accelerometer samples (from the IMU while streaming, or from SAMPLES_IN) go to the model
// library's window (tf_model.h: ring buffer of TF_MODEL_WINDOW_LENGTH samples, a window every
// TF_MODEL_WINDOW_STRIDE samples, quantised with the generated tf_model_settings.h); each result
// goes out as a PREDICTION event (raw scores, arg-max class) and tf_board_led shows the class.
// Inputs larger than one frame (protocol v2): INPUT_CHUNK{offset, bytes} copies into a static
// staging buffer of TF_MODEL_INPUT_BYTES and the app tracks one number, the staged prefix S (bytes
// [0, S) are valid). offset 0 starts a new input (S = len); 0 < offset <= S overwrites/extends
// (S = max(S, offset + len)), so a re-sent chunk is idempotent; offset > S (gap) or a chunk past the
// input tensor is ERROR BAD_OFFSET. INFER with an empty payload runs on the staged bytes if S equals
// the engine's input_bytes, else ERROR NOT_STAGED. Every INFER (either form, any outcome) and RESET
// set S = 0. Outputs larger than one RESULT frame: RESULT carries the first
// TF_PROTO_MAX_PAYLOAD - 8 bytes and the app holds the whole output (a static buffer of
// TF_MODEL_OUTPUT_BYTES, compiled in only for such models) until the next INFER or RESET; the host
// reads the rest with OUTPUT_READ{offset, length} → OUTPUT_DATA (idempotent, any order).
// IMU → model rate (live detection): every raw IMU sample since STREAM_START goes through the
// linear-interpolation resampler of tf_resample.h to TF_MODEL_SAMPLE_RATE_HZ, whatever the board's
// IMU rate (tf_board_imu_rate_hz(), e.g. 119 Hz on the Nano 33 BLE Sense Rev1's LSM9DS1).
// Windowing, normalisation, quantisation and the stride are the model library's (tf_model.h): this
// app is one client of it (SAMPLES_IN and the resampled IMU call tf_model_push; INFER calls
// tf_model_infer). A window whose inference fails, or a live sample the library refuses, is reported
// as a LOG event naming the status (tf_status_name / tf_engine_status_name), never dropped silently.
// SAMPLES_IN is checked whole before any sample enters the window: a NaN, infinite or out-of-range
// value refuses the frame with ERROR BAD_SAMPLE.
// Live detection needs the model's axes to be exactly aX,aY,aZ (tf_model_axes): otherwise
// STREAM_START answers ERROR AXES_MISMATCH for a windowing model, INFO.liveDetection is 0, and
// INFER / SAMPLES_IN still work. (A model that does not window, e.g. an image model, streams
// IMU_SAMPLES without predictions, as before.)
// Capture (IMU_SAMPLES) carries the RAW sensor samples at the sensor's rate (optionally decimated
// by the integer step round(nominal / STREAM_START.rateHz)), never the resampled ones, and reports
// the true resulting rate in rateMilliHz: a capture records what the sensor measured, at the rate
// it measured it (119 Hz on Rev1); the data stage resamples to the training rate.
// Static memory only: about 3 × TF_PROTO_MAX_PAYLOAD bytes for link buffers, the input staging
// buffer (TF_MODEL_INPUT_BYTES), plus the library's window (tf_model.h).
//
// A board's main is:  tf_board_init(); tf_app_init(); for (;;) tf_app_poll();
#ifndef TINYFORGE_TF_APP_H_
#define TINYFORGE_TF_APP_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Initialise the engine and the app state. Call once after tf_board_init(). */
void tf_app_init(void);

/** Service the link and the IMU once; never blocks except inside tf_board_write. */
void tf_app_poll(void);

/**
 * Test hook (host board --trace-samples): when set, called with each model-rate sample the IMU
 * resampler produces (TF_MODEL_NUM_AXES values, g) and its index since STREAM_START. NULL = off.
 */
void tf_app_set_sample_hook(void (*hook)(const float* values, uint32_t index));

/**
 * Sends `text` (NUL-terminated UTF-8; cut at 255 bytes) to the host as a LOG frame, the only way
 * firmware text may reach the link: raw text on the protocol port would corrupt frames. Uses its
 * own frame buffer, so it is safe from inside the engine (e.g. TFLM's DebugLog during
 * tf_engine_init or tf_engine_invoke) while a reply is being built. Not reentrant (no interrupts).
 */
void tf_app_log(const char* text);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_APP_H_
