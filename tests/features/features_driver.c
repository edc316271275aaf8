// Test driver: the feature block of the generated tf_features_config.h on windows from stdin.
// stdin: uint32 LE window count, then each window as int16 LE counts [sample][axis];
// stdout: each window's TF_FEATURES_COUNT features as int32 LE.
#include <stdint.h>
#include <stdio.h>

#include "tf_features.h"

static int16_t window[TF_FEATURES_WINDOW_LENGTH * TF_FEATURES_NUM_AXES];
static int32_t features[TF_FEATURES_COUNT > 0 ? TF_FEATURES_COUNT : 1];

int main(void) {
  uint8_t hdr[4];
  uint32_t n, w;
  if (fread(hdr, 1, 4, stdin) != 4) return 2;
  n = (uint32_t)hdr[0] | ((uint32_t)hdr[1] << 8) | ((uint32_t)hdr[2] << 16) | ((uint32_t)hdr[3] << 24);
  for (w = 0; w < n; w++) {
    if (fread(window, sizeof window, 1, stdin) != 1) return 3;
    tf_features_extract(window, features);
    if (fwrite(features, sizeof features, 1, stdout) != 1) return 4;
  }
  return 0;
}
