/* A test engine for the host board: output[j] = int8(low byte of (j + 1) * Σ_i (i + 1) * input[i] + 3j)
 * with input as int8, so every input and output byte matters. src/device/fake-device.ts
 * `testEngineOutput` computes the same function in TS. Sizes come from the generated settings header;
 * TEST_MODEL_SHA (32 comma-separated bytes) from the test's build flags. */
#include <string.h>
#include "tf_engine.h"
#include "tf_model_settings.h"

#ifndef TEST_MODEL_SHA
#define TEST_MODEL_SHA 0
#endif
static const uint8_t sha[32] = {TEST_MODEL_SHA};
static const char* const ops[] = {"FULLY_CONNECTED", "SOFTMAX"};
static int ready;

int tf_engine_init(void) {
  ready = 1;
  return 0;
}

void tf_engine_info(tf_engine_info_t* info) {
  info->name = "test";
  info->arena_bytes = 1234;
  info->arena_capacity = 4096;
  info->input_bytes = TF_MODEL_INPUT_BYTES;
  info->output_bytes = TF_MODEL_OUTPUT_BYTES;
  info->model_sha256 = sha;
  info->op_names = ops;
  info->op_count = 2;
}

int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len) {
  uint32_t acc = 0;
  size_t i, j;
  if (!ready) return -1;
  if (input_len != TF_MODEL_INPUT_BYTES || output_len != TF_MODEL_OUTPUT_BYTES) return -2;
  for (i = 0; i < input_len; i++) acc += (uint32_t)(i + 1) * (uint32_t)(int32_t)(int8_t)input[i];
  for (j = 0; j < output_len; j++) output[j] = (uint8_t)((uint32_t)(j + 1) * acc + 3u * (uint32_t)j);
  return 0;
}
