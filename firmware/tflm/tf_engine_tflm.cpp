// tinyforge: the TFLM engine (implements tf_engine.h over TensorFlow Lite Micro). Hand-written.
//
// The model-specific parts come from generated files: model_data.h (the .tflite as the C++
// array tf_model_data), tf_engine_tflm_config.h (exactly the model's ops, the arena size, op names,
// model hash). Built against the Arduino_TensorFlowLite library on Arduino boards (CMSIS-NN kernels
// on Cortex-M), or a TFLM checkout + libtensorflow-microlite.a with the Makefile boards.
//
// Checked against TFLM 90b983c2 (reference kernels on x86-64, CMSIS-NN on Cortex-M4): see
// docs/tflm-engine.md. The API used here (MicroInterpreter(model, resolver, arena, size),
// MicroMutableOpResolver<N>::Add*(), AllocateTensors, input/output, arena_used_bytes) is the same in
// the Arduino_TensorFlowLite library.
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

#include "tf_app.h"
#include "tf_engine.h"
#include "tf_engine_tflm_config.h"
#include "model_data.h"

// Which kernels run: the TFLM library decides, not this file (the Makefile boards compile this file
// without the library's -DCMSIS_NN). The generated config references weakly the CMSIS-NN entry
// points of exactly this model's kernels (tf_tflm_cmsis_nn_linked), so no other kernel is linked.

#ifdef ARDUINO
// The TFLM Arduino library's DebugLog (behind MicroPrintf and every kernel's error report) prints to
// Serial, which carries tinyforge's frames. Arduino TFLM sketches are linked with
// -Wl,--wrap=DebugLog (src/firmware/build.ts), so the library's calls land here and reach the host
// as LOG frames instead of raw text in the frame stream.
extern "C" void __wrap_DebugLog(const char* s) { tf_app_log(s); }
#endif

namespace {

typedef tflite::MicroMutableOpResolver<TF_TFLM_OP_COUNT> Resolver;

// TFLM wants a 16-byte aligned arena (else it loses up to 15 bytes to alignment).
alignas(16) uint8_t arena[TF_TFLM_ARENA_BYTES];

// The resolver and interpreter are constructed in place at init time (not as static objects),
// so nothing depends on C++ static-initialisation order on bare metal.
alignas(Resolver) uint8_t resolver_storage[sizeof(Resolver)];
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];

tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
// Every output tensor, in graph order; the engine's output is their bytes concatenated (tf_engine.h).
#ifndef TF_TFLM_MAX_OUTPUTS
#define TF_TFLM_MAX_OUTPUTS 16
#endif
TfLiteTensor* outputs[TF_TFLM_MAX_OUTPUTS];
size_t num_outputs = 0;
size_t output_total = 0;
uint32_t arena_used = 0;
int init_status = 1;  // 1: not tried yet; else tf_engine_init's result (sticky)

bool uses_cmsis_nn() {
#if defined(CMSIS_NN)
  return true;
#else
  return tf_tflm_cmsis_nn_linked();
#endif
}

int init_once() {
#ifndef ARDUINO
  // On Arduino the library's InitializeTarget() re-opens Serial at 9600 baud and waits up to 4 s for
  // a host; the board layer owns the serial link there, so it is not called. Elsewhere it is TFLM's
  // per-target hook (a no-op on the generic targets).
  tflite::InitializeTarget();
#endif
  const tflite::Model* model = tflite::GetModel(tf_model_data);
  if (model == nullptr || model->version() != TFLITE_SCHEMA_VERSION) return TF_ENGINE_BAD_MODEL;
  Resolver* resolver = new (resolver_storage) Resolver();
  if (!tf_tflm_register_ops(*resolver)) return TF_ENGINE_MISSING_OPS;
  tflite::MicroInterpreter* interp =
      new (interpreter_storage) tflite::MicroInterpreter(model, *resolver, arena, TF_TFLM_ARENA_BYTES);
  if (interp->initialization_status() != kTfLiteOk) return TF_ENGINE_ALLOCATE_FAILED;
  if (interp->AllocateTensors() != kTfLiteOk) return TF_ENGINE_ALLOCATE_FAILED;  // arena too small, or an op/shape TFLM rejects
  if (interp->inputs_size() != 1 || interp->outputs_size() < 1 || interp->outputs_size() > TF_TFLM_MAX_OUTPUTS) return TF_ENGINE_BAD_IO;
  TfLiteTensor* in = interp->input(0);
  if (in == nullptr || in->data.raw == nullptr) return TF_ENGINE_BAD_IO;
  size_t total = 0;
  for (size_t k = 0; k < interp->outputs_size(); k++) {
    TfLiteTensor* out = interp->output(k);
    if (out == nullptr || out->data.raw == nullptr) return TF_ENGINE_BAD_IO;
    outputs[k] = out;
    total += out->bytes;
  }
  input = in;
  num_outputs = interp->outputs_size();
  output_total = total;
  arena_used = (uint32_t)interp->arena_used_bytes();
  interpreter = interp;
  return 0;
}

}  // namespace

extern "C" int tf_engine_init(void) {
  // Once only: a failed attempt is not retried (the interpreter lives in static storage and is
  // never destroyed, so it must not be constructed twice).
  if (init_status == 1) init_status = init_once();
  return init_status;
}

extern "C" void tf_engine_info(tf_engine_info_t* info) {
  info->name = uses_cmsis_nn() ? "tflm+cmsis-nn" : "tflm";
  info->arena_bytes = arena_used;
  info->arena_capacity = TF_TFLM_ARENA_BYTES;
  info->input_bytes = input ? (uint32_t)input->bytes : 0u;
  info->output_bytes = (uint32_t)output_total;
  info->model_sha256 = tf_tflm_model_sha256;
  info->op_names = tf_tflm_op_names;
  info->op_count = TF_TFLM_OP_COUNT;
}

extern "C" int tf_engine_invoke(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  if (interpreter == nullptr) return TF_ENGINE_NOT_INITIALISED;
  if (in_len != input->bytes || out_len != output_total) return TF_ENGINE_BAD_SIZE;
  memcpy(input->data.raw, in, in_len);
  if (interpreter->Invoke() != kTfLiteOk) return TF_ENGINE_INVOKE_FAILED;
  for (size_t k = 0, at = 0; k < num_outputs; at += outputs[k]->bytes, k++) memcpy(out + at, outputs[k]->data.raw, outputs[k]->bytes);
  return 0;
}
