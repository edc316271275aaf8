// Test-only driver (tests/native/dsp.test.ts): tf_dsp_mbqm (DSP requantisation without the int64
// division) against the portable tf_fp_mbqm on edge values and 4 million SplitMix64-random
// (x, multiplier in [0, 2^31), shift in [-31, 8]) triples. Prints "cases N mismatches M".
// Then the solved requantisation of the conv and depthwise kernels (tf_dsp_rq_solved: SMMULR of the doubled
// accumulator, K = 2^(e-1) + offset·2^e, one arithmetic shift) against SSAT8(tf_fp_mbqm(acc, m,
// -e) + offset) wherever the generator's bound admits it (|acc| < 2^30, |acc| + 1 + |K| < 2^31):
// edge accumulators (the bound itself, ties at ±2^(e-1)·odd around 0) and 4 million random
// cases. Prints "dw cases N mismatches M".
// Then the ADD / SUB rescales (tf_dsp_add_rescale_in / _out, one 64-bit multiply-add and shift)
// against the portable composition tf_fp_mbqm_smaller(tf_fp_shl_wrap(x + off, ls), m, shift): every
// int8 x for edge and 20,000 random (offset, multiplier, left shift 0..22, shift -31..0) tuples, and
// 2 M random sums; prints "add cases N mismatches M".
#include <stdio.h>

#include "tf_dsp.h"

static uint64_t state = 0x5EED1234ABCDull;
static uint64_t next(void) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int main(void) {
  static const int32_t xs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), 12345, -12345};
  static const int32_t ms[] = {0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 1518500250, 1073741823};
  long cases = 0, bad = 0;
  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; ++i)
    for (unsigned j = 0; j < sizeof ms / sizeof ms[0]; ++j)
      for (int s = -31; s <= 8; ++s) {
        ++cases;
        if (tf_dsp_mbqm(xs[i], ms[j], s) != tf_fp_mbqm(xs[i], ms[j], s)) ++bad;
      }
  for (long k = 0; k < 4000000; ++k) {
    const uint64_t r = next();
    const int32_t x = (k & 1) ? (int32_t)(uint32_t)r : (int32_t)(r & 0xfffff) - 0x80000;  // full range and accumulator-like
    const int32_t m = (int32_t)((r >> 32) & 0x7fffffffu);
    const int s = (int)((r >> 24) % 40) - 31;
    ++cases;
    if (tf_dsp_mbqm(x, m, s) != tf_fp_mbqm(x, m, s)) ++bad;
  }
  printf("cases %ld mismatches %ld\n", cases, bad);
  long dw_cases = 0, dw_bad = 0;
  for (long k = 0; k < 4200000; ++k) {
    const uint64_t r = next(), r2 = next();
    const int32_t e = 1 + (int32_t)(r % 31);
    const int32_t off = (int32_t)((r >> 8) % 256) - 128;
    const int32_t m = (int32_t)((r >> 32) & 0x7fffffffu) | ((k & 2) ? 0x40000000 : 0);  // quantizeMultiplier's [2^30, 2^31) half the time
    const int64_t kk = ((int64_t)1 << (e - 1)) + (int64_t)off * ((int64_t)1 << e);
    const int64_t lim = ((int64_t)1 << 31) - 2 - (kk < 0 ? -kk : kk);
    const int64_t bound = lim < ((int64_t)1 << 30) - 1 ? lim : ((int64_t)1 << 30) - 1;  // the largest |acc| the generator admits
    if (bound < 0) continue;
    int64_t acc;
    switch (k % 6) {
      case 0: acc = bound; break;
      case 1: acc = -bound; break;
      case 2: acc = (int64_t)(r2 % (2 * (uint64_t)bound + 1)) - bound; break;
      case 3: acc = (int64_t)(r2 % 600001) - 300000; break;  // depthwise-sized accumulators
      default: {  // accumulators whose high product lands on a rounding tie of the divide by 2^e
        const int64_t target = ((int64_t)((r2 % 2001)) - 1000) * ((int64_t)1 << e) + ((int64_t)1 << (e - 1));
        acc = m ? (target << 31) / m : 0;
        if (acc > bound) acc = bound;
        if (acc < -bound) acc = -bound;
        acc += (int64_t)(r2 >> 60) - 8;
        if (acc > bound || acc < -bound) continue;
      }
    }
    const int32_t q[3] = {m, (int32_t)kk, e};
    const int32_t want = __ssat(tf_fp_mbqm((int32_t)acc, m, -e) + off, 8);
    ++dw_cases;
    if (tf_dsp_rq_solved((int32_t)(2 * acc), q) != want) ++dw_bad;
  }
  printf("dw cases %ld mismatches %ld\n", dw_cases, dw_bad);
  long add_cases = 0, add_bad = 0;
  for (long k = 0; k < 20000 + 4 * 8; ++k) {
    const uint64_t r = next();
    // The first 32 tuples: edge multipliers × shifts 0, -1, -31 and left shift 20 / 0 / 22.
    const int32_t m = k < 32 ? ms[k % 8] : (int32_t)(r & 0x7fffffffu);
    const int32_t shift = k < 32 ? (int32_t[]){0, -1, -31, -12}[k / 8] : -(int32_t)((r >> 32) % 32);
    const int32_t ls = k < 32 ? (int32_t[]){20, 0, 22, 20}[k / 8] : (int32_t)((r >> 40) % 23);
    const int32_t off = k < 32 ? (k & 1 ? 128 : -127) : (int32_t)((r >> 48) % 256) - 127;
    for (int32_t x = -128; x <= 127; ++x) {
      ++add_cases;
      if (tf_dsp_add_rescale_in(x, off, m, ls, -shift) != tf_fp_mbqm_smaller(tf_fp_shl_wrap(x + off, ls), m, shift)) ++add_bad;
    }
  }
  for (long k = 0; k < 2000000; ++k) {
    const uint64_t r = next();
    // Sums of two rescaled inputs: |sum| < 2^30 (each below 2^29 for ls <= 22).
    const int32_t sum = (k & 1) ? (int32_t)((r & 0x7fffffffu) - 0x40000000) : (int32_t)(r & 0xfff) - 0x800;
    const int32_t m = k < 64 ? ms[k % 8] : (int32_t)((r >> 32) & 0x7fffffffu);
    const int32_t shift = -(int32_t)((r >> 24) % 32);
    ++add_cases;
    if (tf_dsp_add_rescale_out(sum, m, -shift) != tf_fp_mbqm_smaller(sum, m, shift)) ++add_bad;
  }
  printf("add cases %ld mismatches %ld\n", add_cases, add_bad);
  return 0;
}
