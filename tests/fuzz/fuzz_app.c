/* libFuzzer harness for the device app (firmware/core/tf_app.c) with the test engine
 * (tests/device/test_engine.c) on a fuzz board: the fuzzer's bytes are what arrives on the serial
 * link. Built by tests/fuzz/libfuzzer.int.test.ts with clang -fsanitize=fuzzer,address,undefined.
 * Properties (abort() on violation): no memory or UB error for any input; everything the app
 * writes is well-formed frames (each decodes with a valid CRC, payload within the limit); the app
 * keeps answering: a HELLO sent after the input gets an INFO with that HELLO's seq. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tf_app.h"
#include "tf_board.h"
#include "tf_link.h"

static const uint8_t* in_data;
static size_t in_len, in_pos;
static uint32_t clock_us;
static uint32_t imu_n;
static tf_link_decoder_t out_dec;
static int saw_info_seq = -1;
static uint16_t hello_seq;

void tf_board_init(void) {}
const char* tf_board_name(void) { return "fuzz"; }
size_t tf_board_read(uint8_t* buf, size_t max) {
  size_t n = in_len - in_pos;
  if (n > max) n = max;
  if (n > 7) n = 7; /* short reads, as a UART gives them */
  memcpy(buf, in_data + in_pos, n);
  in_pos += n;
  return n;
}
void tf_board_write(const uint8_t* buf, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    tf_link_status_t s = tf_link_push(&out_dec, buf[i]);
    if (s < 0) abort(); /* the device must never send a corrupt frame */
    if (s == TF_LINK_FRAME) {
      if (out_dec.payload_len > TF_PROTO_MAX_PAYLOAD) abort();
      if (out_dec.type == TF_MSG_INFO && out_dec.seq == hello_seq) saw_info_seq = out_dec.seq;
    }
  }
}
uint32_t tf_board_micros(void) { return clock_us += 37; }
uint32_t tf_board_counter(void) { return clock_us * 3u; }
int tf_board_counter_kind(void) { return 1; }
int tf_board_imu_read(float xyz[3]) {
  imu_n++;
  xyz[0] = 0.5f * sinf((float)imu_n * 0.1f);
  xyz[1] = 0.5f * cosf((float)imu_n * 0.1f);
  xyz[2] = 1.0f;
  return 1;
}
float tf_board_imu_rate_hz(void) { return 200.0f; }
void tf_board_led(int class_index) { (void)class_index; }
uint32_t tf_board_flash_used(void) { return 0; }
uint32_t tf_board_ram_used(void) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uint8_t hello[TF_LINK_MAX_WIRE];
  size_t polls = 0, w;
  in_data = data;
  in_len = size;
  in_pos = 0;
  tf_link_decoder_init(&out_dec);
  tf_app_init();
  while (in_pos < in_len && polls < 1000000) {
    tf_app_poll();
    polls++;
  }
  /* Then a clean HELLO (after a delimiter, which resynchronises the device's decoder). */
  hello_seq = (uint16_t)(0x4000u + (size & 0xfffu));
  saw_info_seq = -1;
  w = tf_link_encode(TF_MSG_HELLO, hello_seq, NULL, 0, hello, sizeof hello);
  in_data = hello;
  in_len = w;
  in_pos = 0;
  for (polls = 0; polls < 10000 && saw_info_seq < 0; polls++) tf_app_poll();
  if (saw_info_seq != hello_seq) abort();
  return 0;
}
