/* The test engine (test_engine.c) that also logs from inside tf_engine_invoke, as TFLM's DebugLog
 * does on the Nano: a short line, a bare line end, and a 256-byte line whose byte 255 falls inside a
 * UTF-8 sequence (254 'a', then U+00F6 'ö' = C3 B6), so the device must cut it at 254 bytes. */
#define tf_engine_invoke test_engine_invoke
#include "test_engine.c"
#undef tf_engine_invoke
#include "tf_app.h"

int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len);

int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len) {
  char long_line[257];
  memset(long_line, 'a', 254);
  long_line[254] = (char)0xC3;
  long_line[255] = (char)0xB6;
  long_line[256] = '\0';
  tf_app_log("log_engine: invoke");
  tf_app_log("\r\n");
  tf_app_log(long_line);
  return test_engine_invoke(input, input_len, output, output_len);
}
