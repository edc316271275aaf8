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
// Static memory only: about 3 × TF_PROTO_MAX_PAYLOAD bytes for link buffers, the window, and the
// input staging buffer (TF_MODEL_INPUT_BYTES).
//
// A board's main is:  tf_board_init(); tf_app_init(); for (;;) tf_app_poll();
#ifndef TINYFORGE_TF_APP_H_
#define TINYFORGE_TF_APP_H_

#ifdef __cplusplus
extern "C" {
#endif

/** Initialise the engine and the app state. Call once after tf_board_init(). */
void tf_app_init(void);

/** Service the link and the IMU once; never blocks except inside tf_board_write. */
void tf_app_poll(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_APP_H_
