// tinyforge native engine: portable C emulation of exactly the ACLE DSP intrinsics the DSP
// kernels use, so the same kernels compile and run on a host without the Arm DSP extension (unit
// tests compare them with the portable kernels there). Selected by tf_dsp.h when
// __ARM_FEATURE_DSP is absent; never used on a Cortex-M4/M7/M33 build.
//
// Semantics (Arm ARM, SXTB16 / SXTAB16 / SMLAD / SSAT): halfword lanes wrap modulo 2^16, the SMLAD
// accumulation wraps modulo 2^32 (the hardware only sets the Q flag, which no kernel reads).
#ifndef TINYFORGE_TF_ACLE_EMUL_H_
#define TINYFORGE_TF_ACLE_EMUL_H_

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#error "tf_acle_emul.h is the host emulation: include arm_acle.h on DSP targets"
#endif

typedef int32_t int16x2_t;
typedef int32_t int8x4_t;

static inline int16x2_t tf_emul_pack16(uint32_t lo, uint32_t hi) {
  return (int16x2_t)((lo & 0xffffu) | (hi << 16));
}

/** SXTB16: bytes 0 and 2 sign-extended into the low and high halfwords. */
static inline int16x2_t __sxtb16(int8x4_t x) {
  const uint32_t u = (uint32_t)x;
  return tf_emul_pack16((uint32_t)(int32_t)(int8_t)(u & 0xffu), (uint32_t)(int32_t)(int8_t)((u >> 16) & 0xffu));
}

/** SXTAB16: a's halfwords plus bytes 0 and 2 of x, sign-extended, each lane modulo 2^16. */
static inline int16x2_t __sxtab16(int16x2_t a, int8x4_t x) {
  const uint32_t ua = (uint32_t)a;
  const uint32_t e = (uint32_t)__sxtb16(x);
  return tf_emul_pack16((ua & 0xffffu) + (e & 0xffffu), (ua >> 16) + (e >> 16));
}

/** SMLAD: acc + lo(x)*lo(y) + hi(x)*hi(y), signed halfwords, wrapping modulo 2^32. */
static inline int32_t __smlad(int16x2_t x, int16x2_t y, int32_t acc) {
  const int32_t xl = (int16_t)((uint32_t)x & 0xffffu), xh = (int16_t)((uint32_t)x >> 16);
  const int32_t yl = (int16_t)((uint32_t)y & 0xffffu), yh = (int16_t)((uint32_t)y >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)(xl * yl) + (uint32_t)(xh * yh));
}

/** The APSR.GE bits the last SSUB8 set (one per byte lane), read by SEL. */
static int tf_emul_ge;

/** SSUB8: bytewise a - b (signed, wrapping); GE[i] = (a_i - b_i >= 0). */
static inline int8x4_t __ssub8(int8x4_t a, int8x4_t b) {
  uint32_t r = 0;
  tf_emul_ge = 0;
  for (int i = 0; i < 4; ++i) {
    const int32_t d = (int8_t)(((uint32_t)a >> (8 * i)) & 0xffu) - (int8_t)(((uint32_t)b >> (8 * i)) & 0xffu);
    if (d >= 0) tf_emul_ge |= 1 << i;
    r |= ((uint32_t)d & 0xffu) << (8 * i);
  }
  return (int8x4_t)r;
}

/** SEL: byte i from a where GE[i] is set, else from b. */
static inline uint32_t __sel(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= (((tf_emul_ge >> i) & 1) ? a : b) & (0xffu << (8 * i));
  return r;
}

/** SSAT: x saturated to a signed `bits`-bit range (1 <= bits <= 32). */
static inline int32_t tf_emul_ssat(int32_t x, int bits) {
  const int32_t hi = (int32_t)(((int64_t)1 << (bits - 1)) - 1);
  const int32_t lo = -hi - 1;
  return x < lo ? lo : (x > hi ? hi : x);
}
#define __ssat(x, bits) tf_emul_ssat((x), (bits))

#endif  // TINYFORGE_TF_ACLE_EMUL_H_
