/* Driver for tf_model_output_tensor (firmware/core/tf_model.h) on a model with several output
 * tensors, built with gcc + ASan/UBSan by tests/device/multi-output.int.test.ts against the native
 * engine of that model. Runs tf_model_infer on the input bytes i·13 mod 256 and prints, per output
 * tensor, "T <index> <bytes> <zero_point> <name> <values…>"; then checks that an index past the last
 * tensor and NULL pointers are refused. */
#include <stdio.h>
#include <stdlib.h>

#include "tf_model.h"
#include "tf_model_settings.h"

uint32_t tf_board_micros(void) { return 0; }
uint32_t tf_board_counter(void) { return 0; }
int tf_board_counter_kind(void) { return 0; }

int main(void) {
  static uint8_t in[TF_MODEL_INPUT_BYTES], out[TF_MODEL_OUTPUT_BYTES];
  tf_output_tensor_t t;
  uint32_t i, k;
  if (tf_model_init(NULL) != TF_MODEL_OK) return 2;
  for (i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 13u);
  if (tf_model_infer(in, sizeof in, out, sizeof out, NULL) != TF_MODEL_OK) return 3;
  for (k = 0; k < TF_MODEL_NUM_OUTPUT_TENSORS; k++) {
    if (tf_model_output_tensor((const int8_t*)out, k, &t) != TF_MODEL_OK) return 4;
    printf("T %u %u %d %s", (unsigned)k, (unsigned)t.bytes, (int)t.zero_point, t.name);
    for (i = 0; i < t.bytes; i++) printf(" %d", t.data[i]);
    printf("\n");
  }
  if (tf_model_output_tensor((const int8_t*)out, TF_MODEL_NUM_OUTPUT_TENSORS, &t) != TF_MODEL_ERR_ARGUMENT) return 5;
  if (tf_model_output_tensor(NULL, 0, &t) != TF_MODEL_ERR_ARGUMENT || tf_model_output_tensor((const int8_t*)out, 0, NULL) != TF_MODEL_ERR_ARGUMENT) return 6;
  printf("OK\n");
  return 0;
}
