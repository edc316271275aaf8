// tinyforge: the device application. Hand-written.
//
// Speaks the device protocol (tf_protocol.h, framing in tf_link.h) over the board's serial link:
//   HELLO → INFO; INFER → RESULT (engine timed with tf_board_micros / tf_board_counter);
//   INPUT_CHUNK → ACK (stages an input larger than one frame; an empty INFER then runs on it);
//   STREAM_START/STOP → IMU_SAMPLES batches; SAMPLES_IN → window buffer (→ ACK); RESET → ACK.
// Accelerometer samples (from the IMU while streaming, or from SAMPLES_IN) fill a ring buffer of
// TF_MODEL_WINDOW_LENGTH samples; every TF_MODEL_WINDOW_STRIDE samples the window is normalised and
// quantised with the generated tf_model_settings.h, the engine runs, and a PREDICTION event goes out
// (and tf_board_led shows the class).
// Quantisation, in float32 per value: q = clamp(roundf(((x - mean[a]) / std[a]) / TF_MODEL_INPUT_SCALE)
//   + TF_MODEL_INPUT_ZERO_POINT, -128, 127), roundf rounding half away from zero as TFLite does.
// Inputs larger than one frame (protocol v2): INPUT_CHUNK{offset, bytes} copies into a static
// staging buffer of TF_MODEL_INPUT_BYTES and the app tracks one number, the staged prefix S (bytes
// [0, S) are valid). offset 0 starts a new input (S = len); 0 < offset <= S overwrites/extends
// (S = max(S, offset + len)), so a re-sent chunk is idempotent; offset > S (gap) or a chunk past the
// input tensor is ERROR BAD_OFFSET. INFER with an empty payload runs on the staged bytes if S equals
// the engine's input_bytes, else ERROR NOT_STAGED. Every INFER (either form, any outcome) and RESET
// set S = 0. Outputs are not chunked: an output tensor larger than one RESULT frame is ERROR
// OUTPUT_TOO_LARGE (the host refuses earlier, from INFO.outputBytes).
// IMU → model rate (live detection). The window is fed at TF_MODEL_SAMPLE_RATE_HZ whatever the
// board's IMU rate (tf_board_imu_rate_hz(), e.g. 119 Hz on the Nano 33 BLE Sense Rev1's LSM9DS1):
// every raw IMU sample x_0, x_1, … (since STREAM_START) goes through a linear-interpolation
// resampler. With I and O the IMU and model rates in mHz (rounded to integers), model sample k is
// the value at input position p_k = k·I/O, i.e. n = floor(k·I/O), f = (float)((k·I) mod O) / (float)O,
//   y_k = (1 - f)·x_n + f·x_{n+1}        (float32, per axis; two products then one sum, no FMA)
// computed incrementally with an integer phase accumulator (acc = (k·I mod O) relative to the
// previous input; += I per output, -= O per input), so the phase never drifts however long the
// stream runs, and no allocation (a few words of state). y_k is emitted when x_{n+1} arrives (one
// IMU sample of latency). Exactness: the (1-f)·a + f·b form returns a exactly at f = 0, so equal
// rates are an exact pass-through (y_k = x_k) and an integer ratio I/O = D is exactly plain
// decimation (y_k = x_{kD}); the other common form a + f·(b - a) is NOT exact there in float32
// (a + (b - a) can differ from b by an ulp), which is why it is not used. Over R raw samples the
// model gets ceil((R-1)·O/I) samples: the cadence equals the model rate to within one sample.
// Live detection needs the model's axes to be exactly aX,aY,aZ (tf_model_axes): otherwise
// STREAM_START answers ERROR AXES_MISMATCH for a windowing model, INFO.liveDetection is 0, and
// INFER / SAMPLES_IN still work. (A model that does not window, e.g. an image model, streams
// IMU_SAMPLES without predictions, as before.)
// Capture (IMU_SAMPLES) carries the RAW sensor samples at the sensor's rate (optionally decimated
// by the integer step round(nominal / STREAM_START.rateHz)), never the resampled ones, and reports
// the true resulting rate in rateMilliHz: a capture records what the sensor measured, at the rate
// it measured it (119 Hz on Rev1); the data stage resamples to the training rate.
// Static memory only: about 3 × TF_PROTO_MAX_PAYLOAD bytes for link buffers, the window, and the
// input staging buffer (TF_MODEL_INPUT_BYTES).
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
