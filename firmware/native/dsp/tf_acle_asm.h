// tinyforge native engine: the ACLE DSP intrinsics the DSP kernels use, as Thumb-2 inline
// assembly, for Arm compilers whose arm_acle.h predates them (GCC before 10, e.g. the
// arm-none-eabi-gcc 7 of the Arduino mbed core). Same names and semantics as arm_acle.h;
// selected by tf_dsp.h. GE flags: __ssub8 sets them and __sel reads them; both are volatile so
// the compiler keeps their order (it never emits GE-setting instructions itself).
#ifndef TINYFORGE_TF_ACLE_ASM_H_
#define TINYFORGE_TF_ACLE_ASM_H_

#include <stdint.h>

typedef int32_t int16x2_t;
typedef int32_t int8x4_t;
typedef uint32_t uint8x4_t;

static inline __attribute__((always_inline)) int16x2_t __sxtb16(int8x4_t x) {
  int16x2_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}

static inline __attribute__((always_inline)) int16x2_t __sxtab16(int16x2_t a, int8x4_t x) {
  int16x2_t r;
  __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
  return r;
}

static inline __attribute__((always_inline)) int32_t __smlad(int16x2_t x, int16x2_t y, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
  return r;
}

static inline __attribute__((always_inline)) int8x4_t __ssub8(int8x4_t a, int8x4_t b) {
  int8x4_t r;
  __asm__ volatile("ssub8 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

static inline __attribute__((always_inline)) uint8x4_t __sel(uint8x4_t a, uint8x4_t b) {
  uint8x4_t r;
  __asm__ volatile("sel %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

static inline __attribute__((always_inline)) int32_t tf_acle_asm_ssat8(int32_t x) {
  int32_t r;
  __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
  return r;
}
/** Only the width the kernels use (8) is provided. */
#define __ssat(x, bits) tf_acle_asm_ssat##bits(x)

#endif  // TINYFORGE_TF_ACLE_ASM_H_
