// tinyforge: board layer of the virtual boards (QEMU mps2-an385/an386/an500/an505). Hand-written.
//
// Serial link: CMSDK APB UART0, polled. Counter: SysTick on the core clock, extended to 64 bits
// by its wrap interrupt. Run under `qemu-system-arm -icount shift=0` every instruction advances
// virtual time by 1 ns, so one SysTick tick is exactly 10^9 / TF_MPS2_SYSCLK_HZ instructions
// (40 at 25 MHz, 50 at 20 MHz) and tf_board_counter() reports instructions (kind 2) at that
// granularity. No LED.
//
// Memory map: the AN385/AN386/AN500 images (the defaults below: UART0 0x40004000, UART1
// 0x40005000, 25 MHz) or, through -D flags from the generated Makefile (BoardSpec.cDefines), the
// AN505 (Cortex-M33, booting in secure state: UART0/1 at their secure aliases 0x50200000/0x50201000,
// 20 MHz; QEMU hw/arm/mps2-tz.c).
//
// IMU: a sensor on UART1, the bus of schemas/sensor-bus.json. tinyforge's virtual
// board adapter attaches a simulated accelerometer there when asked to; without one nothing ever
// answers the boot-time PROBE and the board reports no IMU (rate 0), as before. The driver is
// non-blocking: every poll moves the bytes UART1 holds through a record parser into a sample FIFO
// that, like a real sensor's, drops its oldest sample when full; TAKEN records tell the sensor
// side how far the board has read, so it never queues stale samples on the bus.
#include <stdint.h>

#include "tf_board.h"
#include "tf_sensor_bus.h"

// CMSDK APB UART registers (ARM DDI0479C): DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV.
#ifndef TF_MPS2_UART0_BASE
#define TF_MPS2_UART0_BASE 0x40004000u
#endif
#ifndef TF_MPS2_UART1_BASE
#define TF_MPS2_UART1_BASE 0x40005000u
#endif
#ifndef TF_MPS2_SYSCLK_HZ
#define TF_MPS2_SYSCLK_HZ 25000000u
#endif
#define TF_UART0_BASE TF_MPS2_UART0_BASE
#define TF_UART_DATA (*(volatile uint32_t*)(TF_UART0_BASE + 0x000u))
#define TF_UART_STATE (*(volatile uint32_t*)(TF_UART0_BASE + 0x004u))
#define TF_UART_CTRL (*(volatile uint32_t*)(TF_UART0_BASE + 0x008u))
#define TF_UART_INTCLEAR (*(volatile uint32_t*)(TF_UART0_BASE + 0x00Cu))
#define TF_UART_BAUDDIV (*(volatile uint32_t*)(TF_UART0_BASE + 0x010u))
#define TF_UART_STATE_TXFULL 0x1u
#define TF_UART_STATE_RXFULL 0x2u
#define TF_UART_CTRL_TXEN 0x1u
#define TF_UART_CTRL_RXEN 0x2u
#define TF_UART1_BASE TF_MPS2_UART1_BASE
#define TF_UART1_DATA (*(volatile uint32_t*)(TF_UART1_BASE + 0x000u))
#define TF_UART1_STATE (*(volatile uint32_t*)(TF_UART1_BASE + 0x004u))
#define TF_UART1_CTRL (*(volatile uint32_t*)(TF_UART1_BASE + 0x008u))
#define TF_UART1_INTCLEAR (*(volatile uint32_t*)(TF_UART1_BASE + 0x00Cu))
#define TF_UART1_BAUDDIV (*(volatile uint32_t*)(TF_UART1_BASE + 0x010u))

// SysTick (ARMv7-M ARM B3.3).
#define TF_SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define TF_SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define TF_SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define TF_SYST_CSR_ENABLE 0x1u
#define TF_SYST_CSR_TICKINT 0x2u
#define TF_SYST_CSR_CLKSOURCE 0x4u
#define TF_SYST_CSR_COUNTFLAG 0x10000u
#define TF_SYST_RELOAD 0x00FFFFFFu

#define TF_SYSCLK_HZ TF_MPS2_SYSCLK_HZ
// 1 ns per instruction (-icount shift=0): a tick of the core clock is this many instructions.
#define TF_INSTRUCTIONS_PER_TICK (1000000000u / TF_SYSCLK_HZ)
#define TF_BAUD 115200u


static volatile uint32_t tf_systick_wraps;

// --- the IMU on UART1 -------------------------------------------------------------------------
// A power of two; 128 samples ≈ 2.5 s at 50 Hz, far more than one inference or one frame takes.
#define TF_IMU_FIFO 128u

static uint8_t bus_rec[TF_SENSOR_MAX_RECORD_BYTES];
static uint32_t bus_len;     // bytes of bus_rec filled (0: waiting for SYNC)
static uint32_t bus_need;    // bytes of the record being read
static uint32_t imu_rate_mhz;  // 0 until CONFIG: no IMU
static float imu_g_per_lsb;
static int16_t imu_fifo[TF_IMU_FIFO][3];
static uint32_t imu_head, imu_tail;  // free-running; count = head - tail
static uint32_t bus_taken;  // SAMPLE records read off the bus since CONFIG (flow control)

static void bus_send(uint8_t id) {
  const uint8_t rec[2] = {TF_SENSOR_SYNC, id};
  uint32_t i, spin;
  // Never block on the sensor: with no chardev attached QEMU drains TX at once anyway.
  for (i = 0; i < 2; i++) {
    for (spin = 0; spin < 100000u && (TF_UART1_STATE & TF_UART_STATE_TXFULL); spin++) {
    }
    TF_UART1_DATA = rec[i];
  }
}

static int16_t le16(const uint8_t* p) { return (int16_t)(uint16_t)(p[0] | (p[1] << 8)); }

static void bus_record(void) {
  if (bus_rec[1] == TF_SENSOR_CONFIG) {
    const uint8_t* p = bus_rec + TF_SENSOR_CONFIG_RATE_MILLI_HZ_OFFSET;
    uint32_t lsb = (uint16_t)le16(bus_rec + TF_SENSOR_CONFIG_LSB_PER_G_OFFSET);
    imu_rate_mhz = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    imu_g_per_lsb = lsb ? 1.0f / (float)lsb : 0.0f;
    if (!lsb) imu_rate_mhz = 0;
    imu_head = imu_tail = 0;
    bus_taken = 0;
    bus_send(TF_SENSOR_READY);
  } else if (bus_rec[1] == TF_SENSOR_SAMPLE && imu_rate_mhz) {
    int16_t* d = imu_fifo[imu_head % TF_IMU_FIFO];
    d[0] = le16(bus_rec + TF_SENSOR_SAMPLE_X_OFFSET);
    d[1] = le16(bus_rec + TF_SENSOR_SAMPLE_Y_OFFSET);
    d[2] = le16(bus_rec + TF_SENSOR_SAMPLE_Z_OFFSET);
    imu_head++;
    if (imu_head - imu_tail > TF_IMU_FIFO) imu_tail = imu_head - TF_IMU_FIFO;
    if (++bus_taken % TF_SENSOR_TAKEN_EVERY == 0) bus_send(TF_SENSOR_TAKEN);
  }
}

static void bus_poll(void) {
  while (TF_UART1_STATE & TF_UART_STATE_RXFULL) {
    uint8_t b = (uint8_t)TF_UART1_DATA;
    if (bus_len == 0) {
      if (b == TF_SENSOR_SYNC) bus_rec[bus_len++] = b;
      continue;
    }
    if (bus_len == 1) {
      bus_need = b == TF_SENSOR_CONFIG ? TF_SENSOR_CONFIG_BYTES : b == TF_SENSOR_SAMPLE ? TF_SENSOR_SAMPLE_BYTES : 0;
      if (bus_need == 0) {
        bus_len = b == TF_SENSOR_SYNC ? 1 : 0;
        continue;
      }
    }
    bus_rec[bus_len++] = b;
    if (bus_len == bus_need) {
      bus_record();
      bus_len = 0;
    }
  }
}

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

  TF_UART1_CTRL = 0;
  TF_UART1_BAUDDIV = TF_SYSCLK_HZ / TF_BAUD;
  TF_UART1_INTCLEAR = 0xFu;
  TF_UART1_CTRL = TF_UART_CTRL_TXEN | TF_UART_CTRL_RXEN;
  bus_len = 0;
  imu_rate_mhz = 0;
  imu_head = imu_tail = 0;
  bus_send(TF_SENSOR_PROBE);

  tf_systick_wraps = 0;
  TF_SYST_RVR = TF_SYST_RELOAD;
  TF_SYST_CVR = 0;
  TF_SYST_CSR = TF_SYST_CSR_ENABLE | TF_SYST_CSR_TICKINT | TF_SYST_CSR_CLKSOURCE;
}

// One HAL serves the MPS2 images (AN385 Cortex-M3, AN386 Cortex-M4, AN500 Cortex-M7, AN505
// Cortex-M33): the generated Makefile says which one this build is for.
#ifndef TF_BOARD_ID
#define TF_BOARD_ID "qemu-mps2-an386"
#endif
const char* tf_board_name(void) { return TF_BOARD_ID; }

size_t tf_board_read(uint8_t* buf, size_t max) {
  size_t n = 0;
  bus_poll();  // the app polls the link constantly: keep the sensor's bytes moving too
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
  const int16_t* d;
  bus_poll();
  if (!imu_rate_mhz) return -1;
  if (imu_head == imu_tail) return 0;
  d = imu_fifo[imu_tail % TF_IMU_FIFO];
  xyz[0] = (float)d[0] * imu_g_per_lsb;
  xyz[1] = (float)d[1] * imu_g_per_lsb;
  xyz[2] = (float)d[2] * imu_g_per_lsb;
  imu_tail++;
  return 1;
}

float tf_board_imu_rate_hz(void) {
  bus_poll();
  return (float)imu_rate_mhz / 1000.0f;
}

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
