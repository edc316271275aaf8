// tinyforge: the inference-engine interface. Hand-written (not generated).
//
// Two engines implement it: the native engine (C generated from the model + portable int8 kernels,
// firmware/native/) and the TFLM engine (firmware/tflm/, C++ over TensorFlow Lite Micro). The
// library core (firmware/core/tf_model.c) only ever calls these functions, so it never knows which
// engine it runs on. One model, one input tensor, one or more output tensors, raw tensor bytes in
// and out: the engine's output is every output tensor's bytes concatenated in graph order (the
// generated TF_MODEL_OUTPUT_TENSOR_OFFSETS / _BYTES say where each one starts).
#ifndef TINYFORGE_TF_ENGINE_H_
#define TINYFORGE_TF_ENGINE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What tf_engine_init() and tf_engine_invoke() return (as int, so generated engines need no
 * include order). 0 is success; every failure is negative and has a name here. The device app
 * reports the value in INFO.engineStatus (init) and in its error texts (invoke).
 */
typedef enum {
  TF_ENGINE_OK = 0,
  TF_ENGINE_NOT_INITIALISED = -1, /**< invoke before a successful tf_engine_init() */
  TF_ENGINE_BAD_SIZE = -2,        /**< input_len / output_len differ from the model's tensors */
  TF_ENGINE_INVOKE_FAILED = -3,   /**< the interpreter reported an error while running */
  TF_ENGINE_BAD_MODEL = -10,      /**< TFLM: the model data is not a .tflite of the schema version */
  TF_ENGINE_MISSING_OPS = -11,    /**< TFLM: an operator could not be registered */
  TF_ENGINE_ALLOCATE_FAILED = -12,/**< TFLM: AllocateTensors failed (arena too small, or an op/shape it rejects) */
  TF_ENGINE_BAD_IO = -13          /**< TFLM: not exactly one input, or no / more than TF_TFLM_MAX_OUTPUTS output tensors with data */
} tf_engine_status_t;

/** A stable name for a tf_engine_status_t value ("TF_ENGINE_BAD_SIZE"); "TF_ENGINE_UNKNOWN" otherwise. */
static inline const char* tf_engine_status_name(int status) {
  switch (status) {
    case TF_ENGINE_OK: return "TF_ENGINE_OK";
    case TF_ENGINE_NOT_INITIALISED: return "TF_ENGINE_NOT_INITIALISED";
    case TF_ENGINE_BAD_SIZE: return "TF_ENGINE_BAD_SIZE";
    case TF_ENGINE_INVOKE_FAILED: return "TF_ENGINE_INVOKE_FAILED";
    case TF_ENGINE_BAD_MODEL: return "TF_ENGINE_BAD_MODEL";
    case TF_ENGINE_MISSING_OPS: return "TF_ENGINE_MISSING_OPS";
    case TF_ENGINE_ALLOCATE_FAILED: return "TF_ENGINE_ALLOCATE_FAILED";
    case TF_ENGINE_BAD_IO: return "TF_ENGINE_BAD_IO";
    default: return "TF_ENGINE_UNKNOWN";
  }
}

/** Static facts the engine reports in INFO. */
typedef struct {
  const char* name;           /**< "native" or "tflm" (with kernel flavour, e.g. "tflm+cmsis-nn"). */
  uint32_t arena_bytes;       /**< Arena actually used (bytes), after init. */
  uint32_t arena_capacity;    /**< Arena reserved (bytes). */
  uint32_t input_bytes;       /**< Size of the input tensor in bytes. */
  uint32_t output_bytes;      /**< Bytes of all output tensors together (concatenated in graph order). */
  const uint8_t* model_sha256;/**< 32 bytes: SHA-256 of the .tflite the engine was built from. */
  const char* const* op_names;/**< Builtin op names the engine registered / uses, e.g. "CONV_2D". */
  uint32_t op_count;
} tf_engine_info_t;

/** Prepare the engine (allocate tensors in the static arena). Returns TF_ENGINE_OK or a negative tf_engine_status_t. */
int tf_engine_init(void);

/** Fill `info`. Valid after tf_engine_init() returned 0. */
void tf_engine_info(tf_engine_info_t* info);

/**
 * Run one inference. `input` holds exactly input_bytes raw bytes of the input tensor (int8 for an
 * int8 model), `output` receives output_bytes raw bytes. Returns TF_ENGINE_OK, or
 * TF_ENGINE_NOT_INITIALISED, TF_ENGINE_BAD_SIZE, TF_ENGINE_INVOKE_FAILED.
 */
int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_ENGINE_H_
