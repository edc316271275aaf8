// tinyforge: the board interface (hardware abstraction). Hand-written (not generated).
//
// Each board target implements it in firmware/boards/<board>/: the virtual board (QEMU
// mps2-an386: CMSDK UART0, SysTick), a generic Cortex-M4, the Arduino Nano 33 BLE family (Serial
// over USB, LSM9DS1 or BMI270 IMU, RGB LED) and a host build (Linux, for tests). The device app
// sees only these functions: nothing above this line knows whether the board is real or virtual.
#ifndef TINYFORGE_TF_BOARD_H_
#define TINYFORGE_TF_BOARD_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bring up clocks, serial link, timer, IMU (if any). */
void tf_board_init(void);

/** Board name reported in INFO, e.g. "qemu-mps2-an386", "nano33ble-sense-rev2". */
const char* tf_board_name(void);

/** Non-blocking read from the serial link: copies up to `max` bytes, returns the count (0 if none). */
size_t tf_board_read(uint8_t* buf, size_t max);

/** Blocking write of `n` bytes to the serial link. */
void tf_board_write(const uint8_t* buf, size_t n);

/** Free-running microsecond clock (wraps at 2^32). */
uint32_t tf_board_micros(void);

/**
 * Free-running cycle or instruction counter (wraps at 2^32), and what it counts:
 * returns the kind via `tf_board_counter_kind()`: 0 none, 1 CPU cycles (DWT CYCCNT),
 * 2 instructions (QEMU -icount SysTick).
 */
uint32_t tf_board_counter(void);
int tf_board_counter_kind(void);

/**
 * Read one accelerometer sample in g (x, y, z) if a new one is ready: returns 1 and fills `xyz`,
 * 0 if none is ready yet, -1 if the board has no IMU (samples then come from the host; the
 * virtual board has one only when started with a simulated sensor on its UART1).
 */
int tf_board_imu_read(float xyz[3]);

/** Nominal IMU sample rate in Hz (0 when there is no IMU). */
float tf_board_imu_rate_hz(void);

/** Show a class on the LED(s); -1 turns them off. No-op where there is no LED. */
void tf_board_led(int class_index);

/** Flash and RAM the firmware image occupies, in bytes (from linker symbols), 0 if unknown. */
uint32_t tf_board_flash_used(void);
uint32_t tf_board_ram_used(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_BOARD_H_
