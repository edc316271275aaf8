// tinyforge: the TFLM engine (implements tf_engine.h over TensorFlow Lite Micro). Hand-written.
//
// The model-specific parts come from generated files: model_data.h (the .tflite as the C++
// array tf_model_data), tf_engine_tflm_config.h (exactly the model's ops, the arena size, op names, model hash).
// Built against the Arduino_TensorFlowLite library on Arduino boards (CMSIS-NN kernels on
// Cortex-M), or a TFLM checkout + libtensorflow-microlite.a with the Makefile boards.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <new>

#ifdef ARDUINO
#include <TensorFlowLite.h>
#endif
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

#include "tf_engine.h"
#include "tf_engine_tflm_config.h"
#include "model_data.h"

#if defined(CMSIS_NN) || defined(ARDUINO_ARCH_MBED)
#define TF_TFLM_ENGINE_NAME "tflm+cmsis-nn"
#else
#define TF_TFLM_ENGINE_NAME "tflm"
#endif

namespace {

typedef tflite::MicroMutableOpResolver<TF_TFLM_OP_COUNT> Resolver;

// TFLM requires a 16-byte aligned arena; the tensors it plans live here.
alignas(16) uint8_t arena[TF_TFLM_ARENA_BYTES];

// The resolver and interpreter are constructed in place at init time (not as static objects),
// so nothing depends on C++ static-initialisation order on bare metal.
alignas(Resolver) uint8_t resolver_storage[sizeof(Resolver)];
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];

tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
TfLiteTensor* output = nullptr;
uint32_t arena_used = 0;

}  // namespace

extern "C" int tf_engine_init(void) {
  if (interpreter != nullptr) return 0;
  tflite::InitializeTarget();
  const tflite::Model* model = tflite::GetModel(tf_model_data);
  if (model->version() != TFLITE_SCHEMA_VERSION) return -10;
  Resolver* resolver = new (resolver_storage) Resolver();
  if (!tf_tflm_register_ops(*resolver)) return -11;
  tflite::MicroInterpreter* interp =
      new (interpreter_storage) tflite::MicroInterpreter(model, *resolver, arena, TF_TFLM_ARENA_BYTES);
  if (interp->AllocateTensors() != kTfLiteOk) return -12;
  if (interp->inputs_size() != 1 || interp->outputs_size() != 1) return -13;
  input = interp->input(0);
  output = interp->output(0);
  arena_used = (uint32_t)interp->arena_used_bytes();
  interpreter = interp;
  return 0;
}

extern "C" void tf_engine_info(tf_engine_info_t* info) {
  info->name = TF_TFLM_ENGINE_NAME;
  info->arena_bytes = arena_used;
  info->arena_capacity = TF_TFLM_ARENA_BYTES;
  info->input_bytes = input ? (uint32_t)input->bytes : 0u;
  info->output_bytes = output ? (uint32_t)output->bytes : 0u;
  info->model_sha256 = tf_tflm_model_sha256;
  info->op_names = tf_tflm_op_names;
  info->op_count = TF_TFLM_OP_COUNT;
}

extern "C" int tf_engine_invoke(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  if (interpreter == nullptr) return -1;
  if (in_len != input->bytes || out_len != output->bytes) return -2;
  memcpy(input->data.raw, in, in_len);
  if (interpreter->Invoke() != kTfLiteOk) return -3;
  memcpy(out, output->data.raw, out_len);
  return 0;
}
