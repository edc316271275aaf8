/* Driver for the model library's API (firmware/core/tf_model.h) with the test engine
 * (tests/device/test_engine.c), built with ASan/UBSan by tests/device/model-api.int.test.ts.
 * Misuse checks abort() with a message on the first wrong status; the stream's results are printed
 * one line each for the TS test to compare with its own computation:
 *   "R <window> <last_sample> <class_index> <reported_class> <changed> <outputs…>"
 * and "K <distance> <cluster> <anomalous>" (the anomaly block's score of the window; -1 -1 0 without one),
 * and at the end "I <distance> <cluster> <anomalous>" for a tf_model_infer input of bytes i·7 mod 256.
 * The stream: sample i has value v(i, a) = (float)(((i * 37 + a * 11) % 101)) / 50.0f - 1.0f on
 * axis a; misuse calls are interleaved between valid pushes and must change nothing.
 * argv[1] = "nowindow" (a build whose input is not a window): pushes must say TF_MODEL_ERR_NO_WINDOWING,
 * then "NW <outputs…>" for tf_model_infer on bytes i·7 mod 256.
 * argv[1] = "raw" pushes the same values as int16 · (1/1024) where they are exact multiples
 * (the driver checks that the two paths agree); argv[2..4] = smoothing K, min_score, min_windows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_board.h"
#include "tf_features.h"
#include "tf_model.h"
#include "tf_model_settings.h"

static uint32_t fake_us;
uint32_t tf_board_micros(void) { return fake_us += 3; }
uint32_t tf_board_counter(void) { return fake_us * 10u; }
int tf_board_counter_kind(void) { return 2; }

static void expect(int got, int want, const char* what) {
  if (got != want) {
    fprintf(stderr, "FAIL %s: got %s (%d), want %s (%d)\n", what, tf_status_name(got), got, tf_status_name(want), want);
    abort();
  }
}

static int callbacks;
static void on_result(const tf_result_t* r, void* user) {
  if (user != (void*)&callbacks || r == NULL) abort();
  callbacks++;
}

static float value(uint32_t i, uint32_t a) { return (float)((i * 37u + a * 11u) % 101u) / 50.0f - 1.0f; }

int main(int argc, char** argv) {
  float v[TF_MODEL_NUM_AXES + 1], bad[TF_MODEL_NUM_AXES];
  int16_t raw[TF_MODEL_NUM_AXES];
  uint8_t in[TF_MODEL_INPUT_BYTES], out[TF_MODEL_OUTPUT_BYTES];
  tf_smoothing_t sm = {1, -128, 1};
  uint32_t i, a, n = 95;
  int results = 0, use_raw = argc > 1 && strcmp(argv[1], "raw") == 0;
  if (argc > 4) {
    sm.average = (uint8_t)atoi(argv[2]);
    sm.min_score = (int8_t)atoi(argv[3]);
    sm.min_windows = (uint16_t)atoi(argv[4]);
  }
  memset(in, 0, sizeof in);
  for (a = 0; a < TF_MODEL_NUM_AXES; a++) v[a] = 0.0f;

  /* Before init: every call says so, nothing crashes. */
  expect(tf_model_push(v, TF_MODEL_NUM_AXES), TF_MODEL_ERR_NOT_INITIALISED, "push before init");
  expect(tf_model_push_i16(raw, TF_MODEL_NUM_AXES, 1.0f), TF_MODEL_ERR_NOT_INITIALISED, "push_i16 before init");
  expect(tf_model_reset(), TF_MODEL_ERR_NOT_INITIALISED, "reset before init");
  expect(tf_model_infer(in, sizeof in, out, sizeof out, NULL), TF_MODEL_ERR_NOT_INITIALISED, "infer before init");
  if (tf_model_result() != NULL || tf_model_engine() != NULL) abort();
  expect(tf_model_engine_status(), TF_ENGINE_NOT_INITIALISED, "engine status before init");
  {
    tf_anomaly_t an0;
    int32_t fv[1];
    int8_t fi[1];
    expect(tf_model_infer_anomaly(&an0), TF_MODEL_ERR_NOT_INITIALISED, "infer_anomaly before init");
    expect(tf_model_features(in, sizeof in, fv, fi, NULL), TF_FEATURES_BLOCK != 0 ? TF_MODEL_ERR_NOT_INITIALISED : TF_MODEL_ERR_NO_FEATURES, "features before init");
  }

  /* Bad smoothing is refused, and init with it does not initialise. */
  {
    tf_smoothing_t z = {0, -128, 1}, big = {TF_SMOOTH_MAX_AVERAGE + 1, -128, 1}, zw = {1, -128, 0};
    expect(tf_model_init(&z), TF_MODEL_ERR_ARGUMENT, "init with average 0");
    expect(tf_model_push(v, TF_MODEL_NUM_AXES), TF_MODEL_ERR_NOT_INITIALISED, "push after a refused init");
    expect(tf_model_set_smoothing(&big), TF_MODEL_ERR_ARGUMENT, "average > max");
    expect(tf_model_set_smoothing(&zw), TF_MODEL_ERR_ARGUMENT, "min_windows 0");
    expect(tf_model_set_smoothing(NULL), TF_MODEL_ERR_ARGUMENT, "NULL smoothing");
    expect(tf_model_set_smoothing(&sm), TF_MODEL_ERR_NOT_INITIALISED, "valid smoothing before init");
  }
  expect(tf_model_init(&sm), TF_MODEL_OK, "init");
  if (argc > 1 && strcmp(argv[1], "nowindow") == 0) {
    /* A model whose input is not the [window][axis] tensor (e.g. a regression): pushes are refused
     * with their own code and store nothing; tf_model_infer still serves the model. */
    expect(tf_model_windowing(), 0, "no windowing");
    for (i = 0; i < 3 * TF_MODEL_WINDOW_LENGTH; i++) {
      expect(tf_model_push(v, TF_MODEL_NUM_AXES), TF_MODEL_ERR_NO_WINDOWING, "push without windowing");
      expect(tf_model_push_i16(raw, TF_MODEL_NUM_AXES, 1.0f), TF_MODEL_ERR_NO_WINDOWING, "push_i16 without windowing");
    }
    if (tf_model_samples() != 0 || tf_model_result() != NULL) abort();
    for (i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7u);
    expect(tf_model_infer(in, sizeof in, out, sizeof out, NULL), TF_MODEL_OK, "infer without windowing");
    printf("NW");
    for (i = 0; i < sizeof out; i++) printf(" %d", (int8_t)out[i]);
    printf("\n");
    return 0;
  }
  expect(tf_model_windowing(), 1, "windowing");
  expect(tf_model_set_callback(on_result, &callbacks), TF_MODEL_OK, "callback");
  expect(tf_model_result() == NULL ? TF_MODEL_ERR_NO_RESULT : TF_MODEL_OK, TF_MODEL_ERR_NO_RESULT, "no result yet");
  expect(tf_model_infer(in, sizeof in - 1, out, sizeof out, NULL), TF_MODEL_ERR_SIZE, "infer, short input");
  expect(tf_model_infer(NULL, sizeof in, out, sizeof out, NULL), TF_MODEL_ERR_ARGUMENT, "infer, NULL input");

  for (i = 0; i < n; i++) {
    int rc;
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) v[a] = value(i, a);
    /* Misuse between valid pushes: none may touch the window or the sample count. */
    memcpy(bad, v, sizeof bad);
    bad[i % TF_MODEL_NUM_AXES] = (i % 3 == 0) ? NAN : (i % 3 == 1) ? INFINITY : -2.0e6f;
    expect(tf_model_push(bad, TF_MODEL_NUM_AXES), TF_MODEL_ERR_VALUE, "NaN / infinite / out-of-range value");
    expect(tf_model_push(v, TF_MODEL_NUM_AXES - 1), TF_MODEL_ERR_AXES, "too few axes");
    expect(tf_model_push(v, TF_MODEL_NUM_AXES + 1), TF_MODEL_ERR_AXES, "too many axes");
    expect(tf_model_push(NULL, TF_MODEL_NUM_AXES), TF_MODEL_ERR_ARGUMENT, "NULL sample");
    expect(tf_model_push_i16(NULL, TF_MODEL_NUM_AXES, 1.0f), TF_MODEL_ERR_ARGUMENT, "NULL raw sample");
    expect(tf_model_push_i16(raw, TF_MODEL_NUM_AXES - 1, 1.0f), TF_MODEL_ERR_AXES, "raw, too few axes");
    expect(tf_model_push_i16(raw, TF_MODEL_NUM_AXES, 0.0f), TF_MODEL_ERR_ARGUMENT, "scale 0");
    expect(tf_model_push_i16(raw, TF_MODEL_NUM_AXES, NAN), TF_MODEL_ERR_ARGUMENT, "scale NaN");
    {
      int16_t big[TF_MODEL_NUM_AXES];
      for (a = 0; a < TF_MODEL_NUM_AXES; a++) big[a] = 32767;
      expect(tf_model_push_i16(big, TF_MODEL_NUM_AXES, 1.0e3f), TF_MODEL_ERR_VALUE, "raw · scale out of range");
    }
    if (tf_model_samples() != i) abort();
    if (use_raw) {
      /* value(i, a) · 50 is an integer k - 50: as raw int16 at scale 1/50 … not exact in float;
       * use k · (1/1024) · (1024/50) instead: raw = (k - 50) · 1024 / 50 is exact only for some k,
       * so push raw = round(v · 1024) at scale 1/1024 and send the same rounded value as float. */
      for (a = 0; a < TF_MODEL_NUM_AXES; a++) {
        raw[a] = (int16_t)lrintf(v[a] * 1024.0f);
        v[a] = (float)raw[a] / 1024.0f;
      }
      rc = tf_model_push_i16(raw, TF_MODEL_NUM_AXES, 1.0f / 1024.0f);
    } else {
      rc = tf_model_push(v, TF_MODEL_NUM_AXES);
    }
    if (rc == TF_MODEL_RESULT_READY) {
      const tf_result_t* r = tf_model_result();
      if (!r || r->num_outputs != TF_MODEL_OUTPUT_BYTES || r->timing.counter_kind != 2) abort();
      results++;
      {
        uint32_t bits;
        memcpy(&bits, &r->anomaly, 4);
        printf("A %08x\n", (unsigned)bits);
      }
      printf("K %d %d %d\n", (int)r->kmeans.distance, r->kmeans.cluster, r->kmeans.anomalous);
      printf("R %u %u %d %d %d", (unsigned)r->window, (unsigned)r->last_sample, r->class_index, r->reported_class, r->changed);
      for (a = 0; a < r->num_outputs; a++) printf(" %d", r->outputs[a]);
      printf("\n");
    } else {
      expect(rc, TF_MODEL_OK, "valid push");
    }
  }
  if (callbacks != results) abort();
  /* Reset forgets the window: the next window needs a full window of new samples. */
  expect(tf_model_reset(), TF_MODEL_OK, "reset");
  if (tf_model_result() != NULL || tf_model_samples() != 0) abort();
  for (i = 0; i + 1 < TF_MODEL_WINDOW_LENGTH; i++) expect(tf_model_push(v, TF_MODEL_NUM_AXES), TF_MODEL_OK, "push after reset");
  expect(tf_model_push(v, TF_MODEL_NUM_AXES), TF_MODEL_RESULT_READY, "first window after reset");
  {
    /* The INFER path's anomaly score: none before an infer, the input's after it; without a block, NO_ANOMALY. */
    tf_anomaly_t an, direct;
    int want = TF_MODEL_ANOMALY_CLUSTERS > 0 ? TF_MODEL_ERR_NO_RESULT : TF_MODEL_ERR_NO_ANOMALY;
    expect(tf_model_infer_anomaly(&an), want, "anomaly before any infer");
    expect(tf_model_infer_anomaly(NULL), TF_MODEL_ERR_ARGUMENT, "anomaly into NULL");
    for (i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7u);
    expect(tf_model_infer(in, sizeof in, out, sizeof out, NULL), TF_MODEL_OK, "infer");
    if (TF_MODEL_ANOMALY_CLUSTERS > 0) {
      expect(tf_model_infer_anomaly(&an), TF_MODEL_OK, "anomaly after infer");
      expect(tf_model_anomaly((const int8_t*)in, sizeof in - 1, &direct), TF_MODEL_ERR_SIZE, "anomaly, short input");
      expect(tf_model_anomaly((const int8_t*)in, sizeof in, &direct), TF_MODEL_OK, "anomaly, direct");
      if (direct.distance != an.distance || direct.cluster != an.cluster) abort();
      printf("I %d %d %d\n", (int)an.distance, an.cluster, an.anomalous);
    } else {
      expect(tf_model_infer_anomaly(&an), TF_MODEL_ERR_NO_ANOMALY, "no anomaly block");
      expect(tf_model_anomaly((const int8_t*)in, sizeof in, &direct), TF_MODEL_ERR_NO_ANOMALY, "no anomaly block, direct");
    }
  }
  printf("OK %d\n", results);
  return 0;
}
