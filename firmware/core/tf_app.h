// tinyforge: the device application. Hand-written.
//
// Speaks the device protocol (tf_protocol.h, framing in tf_link.h) over the board's serial link:
//   HELLO → INFO; INFER → RESULT (engine timed with tf_board_micros / tf_board_counter);
//   STREAM_START/STOP → IMU_SAMPLES batches; SAMPLES_IN → window buffer (→ ACK); RESET → ACK.
// Accelerometer samples (from the IMU while streaming, or from SAMPLES_IN) fill a ring buffer of
// TF_MODEL_WINDOW_LENGTH samples; every TF_MODEL_WINDOW_STRIDE samples the window is normalised and
// quantised with the generated tf_model_settings.h, the engine runs, and a PREDICTION event goes out
// (and tf_board_led shows the class).
// Quantisation, in float32 per value: q = clamp(roundf(((x - mean[a]) / std[a]) / TF_MODEL_INPUT_SCALE)
//   + TF_MODEL_INPUT_ZERO_POINT, -128, 127), roundf rounding half away from zero as TFLite does.
// Static memory only: about 3 × TF_PROTO_MAX_PAYLOAD bytes for link buffers plus the window.
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
