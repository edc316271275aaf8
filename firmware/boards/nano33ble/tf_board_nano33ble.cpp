// tinyforge: board layer of the Arduino Nano 33 BLE family (nRF52840, Cortex-M4F, mbed core).
// Hand-written; tf_board_config.h (generated) picks the IMU:
//   TF_BOARD_IMU_LSM9DS1  Nano 33 BLE Sense Rev1 (Arduino_LSM9DS1 library, 119 Hz)
//   TF_BOARD_IMU_BMI270   Nano 33 BLE Sense Rev2 (Arduino_BMI270_BMM150 library, 100 Hz)
//   TF_BOARD_IMU_NONE     plain Nano 33 BLE: samples come from the host
// Serial link: Serial (USB CDC). Counter: DWT CYCCNT (CPU cycles at 64 MHz). LED: the RGB LED
// (active low) shows the class as one of seven colours.
#include <Arduino.h>

#include "tf_board.h"
#include "tf_board_config.h"

#if TF_BOARD_IMU_LSM9DS1
#include <Arduino_LSM9DS1.h>
#elif TF_BOARD_IMU_BMI270
#include <Arduino_BMI270_BMM150.h>
#endif

// ARMv7-M debug registers for the cycle counter (ARMv7-M ARM C1.8).
#define TF_DEMCR (*(volatile uint32_t*)0xE000EDFCu)
#define TF_DWT_CTRL (*(volatile uint32_t*)0xE0001000u)
#define TF_DWT_CYCCNT (*(volatile uint32_t*)0xE0001004u)

static int imu_ok;

extern "C" void tf_board_init(void) {
  Serial.begin(115200);
  pinMode(LEDR, OUTPUT);
  pinMode(LEDG, OUTPUT);
  pinMode(LEDB, OUTPUT);
  tf_board_led(-1);
  TF_DEMCR |= 1u << 24;  // TRCENA: enable the DWT
  TF_DWT_CYCCNT = 0;
  TF_DWT_CTRL |= 1u;  // CYCCNTENA
#if TF_BOARD_IMU_LSM9DS1 || TF_BOARD_IMU_BMI270
  imu_ok = IMU.begin() ? 1 : 0;
#else
  imu_ok = 0;
#endif
}

extern "C" const char* tf_board_name(void) { return TF_BOARD_NAME; }

extern "C" size_t tf_board_read(uint8_t* buf, size_t max) {
  size_t n = 0;
  while (n < max && Serial.available() > 0) {
    int c = Serial.read();
    if (c < 0) break;
    buf[n++] = (uint8_t)c;
  }
  return n;
}

extern "C" void tf_board_write(const uint8_t* buf, size_t n) { Serial.write(buf, n); }

extern "C" uint32_t tf_board_micros(void) { return (uint32_t)micros(); }

extern "C" uint32_t tf_board_counter(void) { return TF_DWT_CYCCNT; }

extern "C" int tf_board_counter_kind(void) { return 1; }

extern "C" int tf_board_imu_read(float xyz[3]) {
#if TF_BOARD_IMU_LSM9DS1 || TF_BOARD_IMU_BMI270
  if (!imu_ok) return -1;
  if (!IMU.accelerationAvailable()) return 0;
  float x, y, z;
  if (!IMU.readAcceleration(x, y, z)) return 0;  // the libraries report g
  xyz[0] = x;
  xyz[1] = y;
  xyz[2] = z;
  return 1;
#else
  (void)xyz;
  return -1;
#endif
}

extern "C" float tf_board_imu_rate_hz(void) {
#if TF_BOARD_IMU_LSM9DS1 || TF_BOARD_IMU_BMI270
  return imu_ok ? IMU.accelerationSampleRate() : 0.0f;
#else
  return 0.0f;
#endif
}

extern "C" void tf_board_led(int class_index) {
  // Colours as RGB bit masks: red, green, blue, yellow, magenta, cyan, white.
  static const uint8_t colours[7] = {4, 2, 1, 6, 5, 3, 7};
  uint8_t rgb = class_index < 0 ? 0 : colours[class_index % 7];
  digitalWrite(LEDR, (rgb & 4) ? LOW : HIGH);
  digitalWrite(LEDG, (rgb & 2) ? LOW : HIGH);
  digitalWrite(LEDB, (rgb & 1) ? LOW : HIGH);
}

// The mbed core's memory layout is not exposed portably: the host measures the ELF instead.
extern "C" uint32_t tf_board_flash_used(void) { return 0; }
extern "C" uint32_t tf_board_ram_used(void) { return 0; }
