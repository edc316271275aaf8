// tinyforge: board layer of the generic Cortex-M4F target. Hand-written.
//
// Portable parts only: the DWT cycle counter (CPU cycles, kind 1) and the linker-symbol
// footprint. The serial link is yours: define these functions anywhere in your project (they
// are weak here, so yours win; the defaults do nothing, so nothing is ever received):
//   void tf_user_init(void);                        clocks, pins and the UART (e.g. 115200 8N1)
//   size_t tf_user_uart_read(uint8_t* buf, size_t max);   non-blocking: bytes copied, 0 if none
//   void tf_user_uart_write(const uint8_t* buf, size_t n); blocking
//   uint32_t tf_user_cpu_hz(void);                  core clock in Hz, for tf_board_micros()
// There is no IMU or LED here; add them by defining tf_user_imu_read / tf_user_led if you have one.
#include <stdint.h>

#include "tf_board.h"

// ARMv7-M debug registers for the cycle counter (ARMv7-M ARM C1.8).
#define TF_DEMCR (*(volatile uint32_t*)0xE000EDFCu)
#define TF_DWT_CTRL (*(volatile uint32_t*)0xE0001000u)
#define TF_DWT_CYCCNT (*(volatile uint32_t*)0xE0001004u)

void tf_user_init(void);
size_t tf_user_uart_read(uint8_t* buf, size_t max);
void tf_user_uart_write(const uint8_t* buf, size_t n);
uint32_t tf_user_cpu_hz(void);
int tf_user_imu_read(float xyz[3]);
void tf_user_led(int class_index);

__attribute__((weak)) void tf_user_init(void) {}
__attribute__((weak)) size_t tf_user_uart_read(uint8_t* buf, size_t max) {
  (void)buf;
  (void)max;
  return 0;
}
__attribute__((weak)) void tf_user_uart_write(const uint8_t* buf, size_t n) {
  (void)buf;
  (void)n;
}
__attribute__((weak)) uint32_t tf_user_cpu_hz(void) { return 16000000u; }
__attribute__((weak)) int tf_user_imu_read(float xyz[3]) {
  (void)xyz;
  return -1;
}
__attribute__((weak)) void tf_user_led(int class_index) { (void)class_index; }


// CYCCNT is 32 bits: micros is extended across its wraps by remembering the last reading, which
// stays exact as long as it is called at least once per wrap (~27 s at 160 MHz).
static uint32_t last_cycles;
static uint64_t total_cycles;

void tf_board_init(void) {
  tf_user_init();
  TF_DEMCR |= 1u << 24;  // TRCENA: enable the DWT
  TF_DWT_CYCCNT = 0;
  TF_DWT_CTRL |= 1u;  // CYCCNTENA
  last_cycles = 0;
  total_cycles = 0;
}

const char* tf_board_name(void) { return "cortex-m4"; }

size_t tf_board_read(uint8_t* buf, size_t max) { return tf_user_uart_read(buf, max); }

void tf_board_write(const uint8_t* buf, size_t n) { tf_user_uart_write(buf, n); }

uint32_t tf_board_micros(void) {
  uint32_t now = TF_DWT_CYCCNT;
  total_cycles += (uint32_t)(now - last_cycles);
  last_cycles = now;
  return (uint32_t)(total_cycles / (tf_user_cpu_hz() / 1000000u));
}

uint32_t tf_board_counter(void) { return TF_DWT_CYCCNT; }

int tf_board_counter_kind(void) { return 1; }

int tf_board_imu_read(float xyz[3]) { return tf_user_imu_read(xyz); }

float tf_board_imu_rate_hz(void) { return 0.0f; }

void tf_board_led(int class_index) { tf_user_led(class_index); }
