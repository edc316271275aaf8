// tinyforge example: a stand-alone activity detector. The board's IMU feeds the model; each result
// is printed as a line of text on the serial console and shown on the LED. No host, no link
// protocol. Change on_result() to make it your product (a BLE notification, a logger, a buzzer).
//
// Written in the common subset of C and C++: the Arduino IDE compiles it as a sketch (C++), the
// Makefile of a tinyforge library for a Makefile board (e.g. the virtual board) as C.
//
// The API is tf_model.h (included by tinyforge.h): tf_model_init, tf_model_push, the result
// callback and the smoothing; tf_resample.h brings the IMU's rate to the model's.
#include <string.h>
#include <tinyforge.h>

static tf_resampler_t resampler;
static int imu_started;

static void print(const char* text) { tf_board_write((const uint8_t*)text, strlen(text)); }

static void print_uint(uint32_t v) {
  char digits[11];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v && n < 10);
  while (n > 0) {
    char c[2];
    c[0] = digits[--n];
    c[1] = 0;
    print(c);
  }
}

// Called by the library with every result (once per stride, e.g. every 0.5 s).
static void on_result(const tf_result_t* r, void* user) {
  (void)user;
  print("window ");
  print_uint(r->window);
  if (r->reported_class >= 0 && r->reported_class < TF_MODEL_NUM_CLASSES) {
    // The class's score as a real number: (q - zero point) * scale (a softmax gives 0.00 … 1.00).
    float score = (float)((int32_t)r->outputs[r->reported_class] - TF_MODEL_OUTPUT_ZERO_POINT) * TF_MODEL_OUTPUT_SCALE;
    uint32_t hundredths = (uint32_t)((score < 0.0f ? -score : score) * 100.0f + 0.5f);
    print(": ");
    print(tf_model_labels[r->reported_class]);
    print(score < 0.0f ? " -" : " ");
    print_uint(hundredths / 100u);
    print(hundredths % 100u < 10u ? ".0" : ".");
    print_uint(hundredths % 100u);
    tf_board_led(r->reported_class);
  } else {
    print(": (no class yet)");
  }
  if (r->timing.counter_kind == 2) {
    print(", ");
    print_uint(r->timing.counter);
    print(" instructions");
  } else {
    print(", ");
    print_uint(r->timing.micros);
    print(" us");
  }
  // With an anomaly block (tinyforge train --anomaly K): a motion unlike every trained class.
  if (r->kmeans.distance >= 0 && r->kmeans.anomalous) print(", unknown motion");
  print(r->changed ? " *\r\n" : "\r\n");
}

// Every model-rate sample from the resampler goes to the library's window.
static void on_sample(const float* values, uint32_t index, void* user) {
  int rc = tf_model_push(values, TF_MODEL_NUM_AXES);
  (void)index;
  (void)user;
  if (rc < 0) {
    print("tinyforge: ");
    print(tf_status_name(rc));
    print("\r\n");
  }
}

void setup(void) {
  int rc;
  tf_board_init();
  rc = tf_model_init(NULL);  // NULL: the smoothing in the model's settings
  if (rc != TF_MODEL_OK) {
    print("tinyforge: init failed: ");
    print(tf_status_name(rc));
    print(" / ");
    print(tf_engine_status_name(tf_model_engine_status()));
    print("\r\n");
    return;
  }
  tf_model_set_callback(on_result, NULL);
  print("tinyforge activity detector: waiting for the IMU\r\n");
}

void loop(void) {
  float xyz[3];
  int n = 0;
  if (!imu_started) {
    // Some IMUs (and the virtual board's simulated one) report their rate only once they run.
    float hz = tf_board_imu_rate_hz();
    if (hz <= 0.0f) return;
    tf_resample_init(&resampler, hz, TF_MODEL_SAMPLE_RATE_HZ);
    imu_started = 1;
    print("IMU at ");
    print_uint((uint32_t)(hz + 0.5f));
    print(" Hz, model at ");
    print_uint((uint32_t)(TF_MODEL_SAMPLE_RATE_HZ + 0.5f));
    print(" Hz: detecting\r\n");
  }
  // The model needs exactly aX, aY, aZ here (TF_MODEL_NUM_AXES == 3); other models push their own axes.
  while (n++ < 16 && tf_board_imu_read(xyz) == 1) {
    if (TF_MODEL_NUM_AXES == TF_RESAMPLE_AXES) tf_resample_push(&resampler, xyz, on_sample, NULL);
  }
}
