// tinyforge: board layer of the virtual board (QEMU mps2-an386). Hand-written.
//
// Serial link: CMSDK APB UART0 at 0x40004000, polled. Counter: SysTick on the 25 MHz system
// clock, extended to 64 bits by its wrap interrupt. Run under `qemu-system-arm -icount shift=0`
// every instruction advances virtual time by 1 ns, so one SysTick tick is exactly 40
// instructions and tf_board_counter() reports instructions (kind 2) at 40-instruction
// granularity. There is no IMU and no LED: samples come from the host.
#include <stdint.h>

#include "tf_board.h"

// CMSDK APB UART registers (ARM DDI0479C): DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV.
#define TF_UART0_BASE 0x40004000u
#define TF_UART_DATA (*(volatile uint32_t*)(TF_UART0_BASE + 0x000u))
#define TF_UART_STATE (*(volatile uint32_t*)(TF_UART0_BASE + 0x004u))
#define TF_UART_CTRL (*(volatile uint32_t*)(TF_UART0_BASE + 0x008u))
#define TF_UART_INTCLEAR (*(volatile uint32_t*)(TF_UART0_BASE + 0x00Cu))
#define TF_UART_BAUDDIV (*(volatile uint32_t*)(TF_UART0_BASE + 0x010u))
#define TF_UART_STATE_TXFULL 0x1u
#define TF_UART_STATE_RXFULL 0x2u
#define TF_UART_CTRL_TXEN 0x1u
#define TF_UART_CTRL_RXEN 0x2u

// SysTick (ARMv7-M ARM B3.3).
#define TF_SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define TF_SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define TF_SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define TF_SYST_CSR_ENABLE 0x1u
#define TF_SYST_CSR_TICKINT 0x2u
#define TF_SYST_CSR_CLKSOURCE 0x4u
#define TF_SYST_CSR_COUNTFLAG 0x10000u
#define TF_SYST_RELOAD 0x00FFFFFFu

#define TF_SYSCLK_HZ 25000000u
#define TF_INSTRUCTIONS_PER_TICK 40u  // 1 ns per instruction (-icount shift=0) / 40 ns per tick
#define TF_BAUD 115200u


static volatile uint32_t tf_systick_wraps;

void tf_cm4_systick_isr(void) { tf_systick_wraps++; }

// Ticks since boot. Re-reading the wrap count around CVR avoids tearing when SysTick wraps
// between the two reads.
static uint64_t tf_ticks(void) {
  uint32_t w1, w2, cvr;
  do {
    w1 = tf_systick_wraps;
    cvr = TF_SYST_CVR;
    w2 = tf_systick_wraps;
  } while (w1 != w2);
  // A wrap whose interrupt is still pending shows as COUNTFLAG with CVR near the reload value.
  return (uint64_t)w1 * (TF_SYST_RELOAD + 1u) + (TF_SYST_RELOAD - cvr);
}

void tf_board_init(void) {
  TF_UART_CTRL = 0;
  TF_UART_BAUDDIV = TF_SYSCLK_HZ / TF_BAUD;
  TF_UART_INTCLEAR = 0xFu;
  TF_UART_CTRL = TF_UART_CTRL_TXEN | TF_UART_CTRL_RXEN;

  tf_systick_wraps = 0;
  TF_SYST_RVR = TF_SYST_RELOAD;
  TF_SYST_CVR = 0;
  TF_SYST_CSR = TF_SYST_CSR_ENABLE | TF_SYST_CSR_TICKINT | TF_SYST_CSR_CLKSOURCE;
}

const char* tf_board_name(void) { return "qemu-mps2-an386"; }

size_t tf_board_read(uint8_t* buf, size_t max) {
  size_t n = 0;
  while (n < max && (TF_UART_STATE & TF_UART_STATE_RXFULL)) buf[n++] = (uint8_t)TF_UART_DATA;
  return n;
}

void tf_board_write(const uint8_t* buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (TF_UART_STATE & TF_UART_STATE_TXFULL) {
    }
    TF_UART_DATA = buf[i];
  }
}

uint32_t tf_board_micros(void) { return (uint32_t)(tf_ticks() / (TF_SYSCLK_HZ / 1000000u)); }

uint32_t tf_board_counter(void) { return (uint32_t)(tf_ticks() * TF_INSTRUCTIONS_PER_TICK); }

int tf_board_counter_kind(void) { return 2; }

int tf_board_imu_read(float xyz[3]) {
  (void)xyz;
  return -1;
}

float tf_board_imu_rate_hz(void) { return 0.0f; }

void tf_board_led(int class_index) { (void)class_index; }

// Called by the fault handlers: say so on the link (the host's frame decoder skips it as noise),
// then stop.
void tf_cm4_fault(const char* what) {
  static const char prefix[] = "\r\n!tinyforge fault: ";
  tf_board_write((const uint8_t*)prefix, sizeof prefix - 1);
  size_t n = 0;
  while (what[n]) n++;
  tf_board_write((const uint8_t*)what, n);
  tf_board_write((const uint8_t*)"\r\n", 2);
  for (;;) {
  }
}
