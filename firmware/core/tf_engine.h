// tinyforge: the inference-engine interface. Hand-written (not generated).
//
// Two engines implement it: the native engine (C generated from the model + portable int8 kernels,
// firmware/native/) and the TFLM engine (firmware/tflm/, C++ over TensorFlow Lite Micro). The
// device app (firmware/core/tf_app.c) only ever calls these functions, so it never knows which
// engine it runs on. One model, one input tensor, one output tensor, raw tensor bytes in and out.
#ifndef TINYFORGE_TF_ENGINE_H_
#define TINYFORGE_TF_ENGINE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Static facts the engine reports in INFO. */
typedef struct {
  const char* name;           /**< "native" or "tflm" (with kernel flavour, e.g. "tflm+cmsis-nn"). */
  uint32_t arena_bytes;       /**< Arena actually used (bytes), after init. */
  uint32_t arena_capacity;    /**< Arena reserved (bytes). */
  uint32_t input_bytes;       /**< Size of the input tensor in bytes. */
  uint32_t output_bytes;      /**< Size of the output tensor in bytes. */
  const uint8_t* model_sha256;/**< 32 bytes: SHA-256 of the .tflite the engine was built from. */
  const char* const* op_names;/**< Builtin op names the engine registered / uses, e.g. "CONV_2D". */
  uint32_t op_count;
} tf_engine_info_t;

/** Prepare the engine (allocate tensors in the static arena). Returns 0, or a negative error code. */
int tf_engine_init(void);

/** Fill `info`. Valid after tf_engine_init() returned 0. */
void tf_engine_info(tf_engine_info_t* info);

/**
 * Run one inference. `input` holds exactly input_bytes raw bytes of the input tensor (int8 for an
 * int8 model), `output` receives output_bytes raw bytes. Returns 0, or a negative error code:
 * -1 not initialised, -2 wrong size, -3 engine failure.
 */
int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_ENGINE_H_
