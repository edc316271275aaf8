// tinyforge native engine: int8 kernels for Cortex-M cores with the DSP extension (M4, M7, M33),
// specialised by the generator.
//
// Every kernel here is `static inline` and always inlined: the generated tf_model_native.c calls
// it once per layer with a pointer to a `static const` parameter struct, so the compiler folds
// every shape, stride and loop bound of that layer into a copy of the kernel made for it. The
// arithmetic is bit-identical to the portable kernels (firmware/native/, TFLM reference
// semantics); int32 accumulation wraps modulo 2^32 in both, so reordering the sum is exact.
//
// Generation-time work (src/firmware/native/dsp/): weights are widened to int16 and packed in
// "SXTB16 order", the input offset is folded into the bias, and the per-kernel scratch is planned
// in the arena.
//
// SXTB16 order: a vector v[0..k4) (k4 = taps rounded up to a multiple of 4, zero-padded) is stored
// as int32 words holding int16 pairs, low halfword first: for each group g of 4 taps,
//   word 2g = (v[4g], v[4g+2]),  word 2g+1 = (v[4g+1], v[4g+3]),
// which is what SXTB16(x) and SXTB16(ROR(x, 8)) make of 4 consecutive int8 bytes x, so inputs are
// loaded a word at a time and multiplied two taps per SMLAD. Weights of two output channels
// (c, c+1) are interleaved per group: [c: 2 words][c+1: 2 words]; an odd last channel is stored
// alone (2 words per group). Weight block of channel c starts at word c * k4 / 2.
//
// int8 weights (`w8` = 1, chosen by the generator per layer when the board's flash is short):
// the same order with each channel's group of 4 taps kept as one word of 4 int8 bytes in tap order
// (unpacked in the loop by SXTB16 / SXTB16 ROR 8 into the two words above): channel pairs
// interleaved one word each per group, an odd last channel alone; half the flash of int16.
//
// On hosts without the DSP extension tf_acle_emul.h emulates the intrinsics in portable C.
#ifndef TINYFORGE_TF_DSP_H_
#define TINYFORGE_TF_DSP_H_

// Size builds (the Arduino cores compile everything at -Os): the kernels below and the per-layer
// functions of the translation unit including this header (the generated model file) are compiled
// for speed anyway. The kernels are a small share of the image; -Os costs them ~50 % instructions.
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__) && !defined(TF_DSP_KEEP_OS)
#pragma GCC optimize("O2")
#endif

#include <stdint.h>
#include <string.h>

#include "tf_fixedpoint.h"
#include "tf_kernels.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 10 && !defined(TF_DSP_ACLE_ASM))
#include <arm_acle.h>
#else
#include "tf_acle_asm.h"  // older GCC: arm_acle.h without the DSP intrinsics
#endif
#if defined(__thumb2__) && !defined(TF_DSP_NO_ASM)
// The two innermost multiply-accumulate steps as Thumb-2 assembly: GCC splits the LDRDs into
// LDRs and adds the rotate as its own instruction; the C below is the same arithmetic (and what
// hosts run), the virtual board checks the assembly bit for bit.
#define TF_DSP_ASM 1
#endif
#else
#include "tf_acle_emul.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define TF_DSP_INLINE static inline __attribute__((always_inline))
/** Unroll a loop whose trip count is a layer constant (GCC 8+; older compilers just loop). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8 && !defined(TF_DSP_NO_UNROLL)
#define TF_DSP_UNROLL _Pragma("GCC unroll 16")
#define TF_DSP_HAVE_UNROLL 1
#else
#define TF_DSP_UNROLL
#if defined(__GNUC__) && !defined(__clang__)
// No unroll pragma (GCC 7, the Arduino mbed core's): let GCC peel the layer-constant loops whole.
#pragma GCC optimize("peel-loops")
#endif
#endif

/** CONV_2D (groups = 1), and DEPTHWISE_CONV_2D with one input channel (a conv with in_c = 1). */
typedef struct {
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
  int32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t k;             /**< Taps per output: filter_h * filter_w * in_c. */
  int32_t k4;            /**< k rounded up to a multiple of 4. */
  int32_t pad_value;     /**< The input zero point: a padded tap then adds bias-folded 0. */
  int32_t output_offset; /**< Output zero point. */
  int32_t act_min, act_max;
  int32_t any_left_shift;    /**< 0: every shift <= 0 (the requantisation's left-shift path is compiled out). */
  int32_t w8;                /**< 1: weights are int8, 4 taps per word (out_c * k4 / 4 words); 0: int16. */
  const int32_t* weights;    /**< [out_c * k4 / 2] words, SXTB16 order, channel pairs interleaved (int16). */
  const int32_t* bias;       /**< [out_c]: bias + input_offset * sum(filter), folded by the generator. */
  const int32_t* multiplier; /**< [out_c] (NULL with rq) */
  const int32_t* shift;      /**< [out_c] (NULL with rq) */
  /**
   * NULL, or the layer's requantisation solved by the generator (every channel exact for every
   * input): [out_c][3] = {m, K, e} of tf_dsp_rq_solved, applied to the doubled accumulator
   * (10 instructions per output instead of ~22 for tf_dsp_requant_l).
   */
  const int32_t* rq;
} tf_dsp_conv_params_t;

/** Scratch of tf_dsp_conv_s8 in bytes (two int16 columns + one int8 patch), 4-byte aligned. */
#define TF_DSP_CONV_SCRATCH_BYTES(k4) (5 * (k4))

/**
 * FULLY_CONNECTED. Weights in blocks of 4 rows (TF_DSP_FC_ROWS; the last block holds output_depth % 4
 * rows when that is not 0): per group g of 4 taps, one entry per row of the block in row order, an
 * entry being 1 word of 4 int8 taps (w8 1 or 2) or the 2 SXTB16-order int16x2 words (w8 0). So one LDM
 * loads a group's weights of the 4 rows (int8; two LDMs for int16).
 *
 * w8 = 2, the offset-binary int8 layout (TF_DSP_FC_U8; 3 instructions per 4 MACs instead of 4): a
 * group's taps (w0, w1, w2, w3) are stored as the bytes [w0 + 128, -w1, w2 + 128, -w3], so the word W's
 * halfwords are (w0 + 128 - 256·w1, w2 + 128 - 256·w3) and UXTB16(W) = (w0 + 128, w2 + 128). The input
 * group (a0..a3, raw int8: the input offset is folded into the bias) is prepared once per batch as
 * X = (-(a1 + 128), -(a3 + 128)) and Y = (256·a0 + a1 + 128, 256·a2 + a3 + 128) (both fit int16). Then
 *   SMLAD(W, X) + SMLAD(UXTB16(W), Y) = 256·(w0·a0 + w1·a1 + w2·a2 + w3·a3) + 32768·(a0 + a2 + w1 + w3)
 * exactly in integers (expand: the (w0+128)(a1+128) terms cancel), so over a row, modulo 2^32,
 *   T = bias[o] - 32768·E + Σ_groups (...) = 256·S,  bias[o] = 256·folded_bias - 32768·O_row,
 * with E = Σ a at even positions (per batch, from the preparation), O_row = Σ w at odd positions
 * (generation time) and S = folded_bias + Σ w·a the accumulator of the other layouts; S = T >> 8
 * (arithmetic) is exact when |S| < 2^23, which the generator checks per row (|folded_bias| +
 * 128·Σ|w| < 2^23), together with -w1, -w3 fitting int8 (odd taps != -128); otherwise it keeps w8 = 1.
 * Taps past accum_depth are w = 0, a = 0: they add 0.
 */
#define TF_DSP_FC_ROWS 4
/** tf_dsp_fc_params_t.w8 of the offset-binary int8 layout. */
#define TF_DSP_FC_U8 2
typedef struct {
  int32_t batches, accum_depth, accum4, output_depth;
  int32_t output_offset, act_min, act_max;
  int32_t per_channel;       /**< 1: multiplier/shift per output; 0: one entry. */
  int32_t any_left_shift;    /**< 0: every shift <= 0. */
  int32_t w8;                /**< 1: int8 weights (filter_offset 0), 4 per word; 2: the same in the offset-binary layout (above); 0: int16. */
  const int32_t* weights;    /**< (filter + filter_offset) in 4-row blocks, above: output_depth * accum4 / (w8 ? 4 : 2) words. */
  const int32_t* bias;       /**< [output_depth]: bias + input_offset * sum(filter + filter_offset) (w8 2: its start value T, above). */
  const int32_t* multiplier; /**< (NULL with rq) */
  const int32_t* shift;      /**< (NULL with rq) */
  /**
   * NULL, or the solved requantisation (solveRequant, tf_dsp_rq_solved, as tf_dsp_conv_params_t.rq): [output_depth][3]
   * when rq_per_row, else one triple every row shares (per-tensor layers: the values fold into the code).
   */
  const int32_t* rq;
  int32_t rq_per_row;
  /**
   * Groups of 4 taps widened at a time: accum4 / 4 (one chunk, the input widened once per batch), or
   * fewer (chunks of that many groups, the last one the rest; the accumulators of every row are kept in
   * the scratch between chunks). The generator's choice bounds the scratch on long inputs.
   */
  int32_t chunk_groups;
} tf_dsp_fc_params_t;

/**
 * Scratch of tf_dsp_fc_s8 in bytes: one chunk's input widened to int16 (2 words per group of 4 taps; X, Y with w8 2),
 * then TF_DSP_FC_SENTINEL (ends the int8 assembly loop: a counter would be its 14th register, which
 * GCC 12 cannot always find) and a pad word; when chunked (chunk_groups < accum4 / 4), then one int32
 * accumulator per output row.
 */
#define TF_DSP_FC_SCRATCH_BYTES(chunk_groups, chunked, output_depth) (8 * (chunk_groups) + 8 + ((chunked) ? 4 * (output_depth) : 0))
/** Two int16 lanes of 0x4000: no widened int8 pair (each lane in [-128, 127]) nor X word (lanes in [-255, 0]) equals it. */
#define TF_DSP_FC_SENTINEL 0x40004000

typedef uint32_t tf_dsp_u32_unaligned __attribute__((aligned(1), may_alias));

TF_DSP_INLINE int32_t tf_dsp_load4(const int8_t* p) { return (int32_t) * (const tf_dsp_u32_unaligned*)p; }

TF_DSP_INLINE int32_t tf_dsp_ror8(int32_t x) { return (int32_t)(((uint32_t)x >> 8) | ((uint32_t)x << 24)); }

/** SXTB16(ROR(x, 8)): bytes 1 and 3 sign-extended (one instruction on Armv7E-M). */
TF_DSP_INLINE int32_t tf_dsp_sxtb16_ror8(int32_t x) {
#ifdef TF_DSP_ASM
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
#else
  return __sxtb16(tf_dsp_ror8(x));
#endif
}

/**
 * One channel's weights for a group of 4 taps as the two SXTB16-order int16x2 words: read (int16
 * packing) or unpacked from one word of 4 int8 taps (w8). Returns the words consumed.
 */
TF_DSP_INLINE int32_t tf_dsp_wgroup(int32_t w8, const int32_t* w, int32_t* lo, int32_t* hi) {
  if (w8 == TF_DSP_FC_U8) {  // (W, UXTB16(W)) against the prepared (X, Y): see tf_dsp_fc_params_t
    *lo = w[0];
    *hi = (int32_t)((uint32_t)w[0] & 0x00ff00ffu);
    return 1;
  }
  if (w8) {
    *lo = __sxtb16(w[0]);
    *hi = tf_dsp_sxtb16_ror8(w[0]);
    return 1;
  }
  *lo = w[0];
  *hi = w[1];
  return 2;
}

/**
 * tf_fp_rdbpot (gemmlowp RoundingDivideByPOT), always inlined: in size builds the `static inline`
 * helper of tf_fixedpoint.h is compiled at -Os before this header's O2 and stays an out-of-line call.
 */
TF_DSP_INLINE int32_t tf_dsp_rdbpot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * tf_fp_mbqm (TFLM MultiplyByQuantizedMultiplier), bit for bit, for multiplier != INT32_MIN (the
 * generator's multipliers lie in [0, 2^31)). The high multiply needs no division: for every
 * product p, truncating (p + nudge) / 2^31 toward zero with gemmlowp's sign-dependent nudge equals
 * floor((p + 2^30) / 2^31), one SMULL and a 64-bit add and shift.
 */
TF_DSP_INLINE int32_t tf_dsp_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  if (shift > 0) x = (int32_t)((uint32_t)x << shift);  // tf_fp_shl_wrap
  const int32_t high = (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  return shift < 0 ? tf_dsp_rdbpot(high, -shift) : high;
}

/**
 * tf_dsp_mbqm where `left` (a layer constant) says whether any shift of the layer is positive: when
 * none is, the left-shift path and the shift-sign branch are compiled out (rdbpot by 0 is exact).
 */
TF_DSP_INLINE int32_t tf_dsp_mbqm_l(int32_t x, int32_t multiplier, int32_t shift, int32_t left) {
  if (left) return tf_dsp_mbqm(x, multiplier, shift);
  const int32_t high = (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  return tf_dsp_rdbpot(high, -shift);
}

/** The activation clamp of an int8 value v; lo/hi are layer constants: the comparisons vanish for the full int8 range. */
TF_DSP_INLINE int8_t tf_dsp_clamp8(int32_t v, int32_t lo, int32_t hi) {
  if (lo > -128) v = v < lo ? lo : v;
  if (hi < 127) v = v > hi ? hi : v;
  return (int8_t)v;
}

TF_DSP_INLINE int8_t tf_dsp_requant_l(int32_t acc, int32_t multiplier, int32_t shift, int32_t left, int32_t out_offset,
                                      int32_t lo, int32_t hi) {
  return tf_dsp_clamp8(__ssat(tf_dsp_mbqm_l(acc, multiplier, shift, left) + out_offset, 8), lo, hi);
}

TF_DSP_INLINE int8_t tf_dsp_requant(int32_t acc, int32_t multiplier, int32_t shift, int32_t out_offset, int32_t lo,
                                    int32_t hi) {
  return tf_dsp_clamp8(__ssat(tf_dsp_mbqm(acc, multiplier, shift) + out_offset, 8), lo, hi);
}

/** SMMULR: (a·b + 2^31) >> 32, the rounded high word of the product (one instruction on Armv7E-M). */
TF_DSP_INLINE int32_t tf_dsp_smmulr(int32_t a, int32_t b) {
#ifdef TF_DSP_ASM
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
#endif
}

/**
 * The requantisation solved by the generator (solveRequant in src/firmware/native/dsp/pack.ts), shared
 * by the conv and depthwise kernels: one channel's doubled accumulator acc2 = 2·acc and q = {m, K, e},
 * before the activation clamp. floor((2·acc·m + 2^31) / 2^32) = floor((acc·m + 2^30) / 2^31) is the
 * reference's doubling high multiply (tf_dsp_mbqm's identity); (t - [t < 0] + 2^(e-1)) >> e its
 * round-half-away-from-zero divide by 2^e, with output_offset·2^e in K = 2^(e-1) + output_offset·2^e
 * adding the zero point before the shift. The generator stores a channel only where no step
 * overflows (1 <= e <= 31, |acc| < 2^30, |acc| + 1 + |K| < 2^31), or a constant channel (output v
 * for every input) as {0, 2v, 1}. Checked against tf_fp_mbqm by tests/native/dsp_requant_driver.c.
 */
TF_DSP_INLINE int32_t tf_dsp_rq_solved(int32_t acc2, const int32_t* q) {
  const int32_t t = tf_dsp_smmulr(acc2, q[0]);
  return __ssat((t + q[1] - (int32_t)((uint32_t)t >> 31)) >> q[2], 8);
}

/** Output channel c of a conv accumulator: the solved requantisation where the generator found it (a layer constant). */
TF_DSP_INLINE int8_t tf_dsp_conv_out(const tf_dsp_conv_params_t* p, int32_t c, int32_t acc) {
  // A constant channel (m = 0) may have any accumulator: the doubling wraps harmlessly.
  if (p->rq) return tf_dsp_clamp8(tf_dsp_rq_solved((int32_t)((uint32_t)acc << 1), p->rq + 3 * c), p->act_min, p->act_max);
  return tf_dsp_requant_l(acc, p->multiplier[c], p->shift[c], p->any_left_shift, p->output_offset, p->act_min, p->act_max);
}

/** Widen `groups` groups of 4 int8 bytes from src into SXTB16-order pairs at dst[4g], dst[4g + 1]. */
TF_DSP_INLINE void tf_dsp_widen(const int8_t* src, int32_t groups, int32_t* dst) {
  TF_DSP_UNROLL
  for (int32_t g = 0; g < groups; ++g) {
    const int32_t x = tf_dsp_load4(src + 4 * g);
    dst[4 * g] = __sxtb16(x);
    dst[4 * g + 1] = tf_dsp_sxtb16_ror8(x);
  }
}

TF_DSP_INLINE void tf_dsp_copy(int8_t* dst, const int8_t* src, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) *(tf_dsp_u32_unaligned*)(dst + i) = *(const tf_dsp_u32_unaligned*)(src + i);
  for (; i < n; ++i) dst[i] = src[i];
}

TF_DSP_INLINE void tf_dsp_fill(int8_t* dst, int8_t v, int32_t n) {
  for (int32_t i = 0; i < n; ++i) dst[i] = v;
}

/** One filter row (filter_w taps × in_c) of output (oy, ox) at input row in_row, padded where outside. */
TF_DSP_INLINE void tf_dsp_gather_row(const tf_dsp_conv_params_t* p, const int8_t* in_row, int32_t in_x0, int8_t* dst) {
  const int32_t row_bytes = p->filter_w * p->in_c;
  if (p->dilation_w == 1 && in_x0 >= 0 && in_x0 + p->filter_w <= p->in_w) {
    tf_dsp_copy(dst, in_row + in_x0 * p->in_c, row_bytes);
    return;
  }
  if (p->dilation_w == 1) {  // pad | contiguous inside taps | pad
    const int32_t fx0 = in_x0 < 0 ? (-in_x0 < p->filter_w ? -in_x0 : p->filter_w) : 0;
    const int32_t inside = p->in_w - in_x0 < p->filter_w ? p->in_w - in_x0 : p->filter_w;
    const int32_t fx1 = inside > fx0 ? inside : fx0;
    tf_dsp_fill(dst, (int8_t)p->pad_value, fx0 * p->in_c);
    tf_dsp_copy(dst + fx0 * p->in_c, in_row + (in_x0 + fx0) * p->in_c, (fx1 - fx0) * p->in_c);
    tf_dsp_fill(dst + fx1 * p->in_c, (int8_t)p->pad_value, (p->filter_w - fx1) * p->in_c);
    return;
  }
  for (int32_t fx = 0; fx < p->filter_w; ++fx) {
    const int32_t in_x = in_x0 + fx * p->dilation_w;
    if (in_x < 0 || in_x >= p->in_w) tf_dsp_fill(dst + fx * p->in_c, (int8_t)p->pad_value, p->in_c);
    else tf_dsp_copy(dst + fx * p->in_c, in_row + in_x * p->in_c, p->in_c);
  }
}

/**
 * The im2col column of output position (oy, ox): k taps widened to int16 in SXTB16 order, group g
 * at col[4g], col[4g + 1] (the two columns of a pair interleave: the second starts at col + 2).
 * Rows that are whole groups of 4 and lie inside the input are widened in place; otherwise the
 * patch is gathered (with padding) into `patch` first.
 */
TF_DSP_INLINE void tf_dsp_im2col(const tf_dsp_conv_params_t* p, const int8_t* in_b, int32_t oy, int32_t ox, int32_t* col,
                                 int8_t* patch) {
  const int32_t row_bytes = p->filter_w * p->in_c;
  const int32_t in_y0 = oy * p->stride_h - p->pad_h;
  const int32_t in_x0 = ox * p->stride_w - p->pad_w;
  const int x_inside = p->dilation_w == 1 && in_x0 >= 0 && in_x0 + p->filter_w <= p->in_w;
  if (row_bytes % 4 == 0) {
    TF_DSP_UNROLL
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
      const int32_t in_y = in_y0 + fy * p->dilation_h;
      int32_t* dst = col + fy * row_bytes;  // 4 words per group of 4 taps
      if (in_y < 0 || in_y >= p->in_h) {
        tf_dsp_fill(patch, (int8_t)p->pad_value, row_bytes);
        tf_dsp_widen(patch, row_bytes / 4, dst);
      } else if (x_inside) {
        tf_dsp_widen(in_b + (in_y * p->in_w + in_x0) * p->in_c, row_bytes / 4, dst);
      } else {
        tf_dsp_gather_row(p, in_b + in_y * p->in_w * p->in_c, in_x0, patch);
        tf_dsp_widen(patch, row_bytes / 4, dst);
      }
    }
    return;
  }
  for (int32_t fy = 0; fy < p->filter_h; ++fy) {
    const int32_t in_y = in_y0 + fy * p->dilation_h;
    if (in_y < 0 || in_y >= p->in_h) tf_dsp_fill(patch + fy * row_bytes, (int8_t)p->pad_value, row_bytes);
    else tf_dsp_gather_row(p, in_b + in_y * p->in_w * p->in_c, in_x0, patch + fy * row_bytes);
  }
  tf_dsp_widen(patch, p->k4 / 4, col);  // taps k..k4 meet zero weights
}

/**
 * `groups` (>= 1) groups of 4 taps for 2 positions × 2 channels, 16 MACs each; the columns at c
 * (interleaved, 4 words per group), the channel pair's weights at *wp (advanced past them).
 */
TF_DSP_INLINE void tf_dsp_mac_2x2(int32_t groups, const int32_t* c, const int32_t** wp, int32_t* a00, int32_t* a01,
                                  int32_t* a10, int32_t* a11) {
#ifdef TF_DSP_ASM
  // Four groups per loop pass (one SUBS/BNE per 64 MACs); groups % 4 run first (one, then two).
#define TF_DSP_MAC_GROUP                              \
  "ldrd %[x0], %[x1], [%[c]], #8\n\t"                 \
  "ldrd %[y0], %[y1], [%[c]], #8\n\t"                 \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"                 \
  "smlad %[a00], %[w0], %[x0], %[a00]\n\t"            \
  "smlad %[a00], %[w1], %[x1], %[a00]\n\t"            \
  "smlad %[a01], %[w0], %[y0], %[a01]\n\t"            \
  "smlad %[a01], %[w1], %[y1], %[a01]\n\t"            \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"                 \
  "smlad %[a10], %[w0], %[x0], %[a10]\n\t"            \
  "smlad %[a10], %[w1], %[x1], %[a10]\n\t"            \
  "smlad %[a11], %[w0], %[y0], %[a11]\n\t"            \
  "smlad %[a11], %[w1], %[y1], %[a11]\n\t"
  int32_t x0, x1, y0, y1, w0, w1;
  __asm__ volatile(
      "tst %[n], #1\n\t"
      "beq 1f\n\t"
      TF_DSP_MAC_GROUP
      "1:\n\t"
      "tst %[n], #2\n\t"
      "beq 2f\n\t"
      TF_DSP_MAC_GROUP
      TF_DSP_MAC_GROUP
      "2:\n\t"
      "bics %[n], %[n], #3\n\t"
      "beq 4f\n\t"
      "3:\n\t"
      TF_DSP_MAC_GROUP
      TF_DSP_MAC_GROUP
      TF_DSP_MAC_GROUP
      TF_DSP_MAC_GROUP
      "subs %[n], %[n], #4\n\t"
      "bne 3b\n\t"
      "4:"
      : [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0), [y1] "=&r"(y1), [w0] "=&r"(w0), [w1] "=&r"(w1),
        [c] "+r"(c), [w] "+r"(*wp), [n] "+r"(groups), [a00] "+r"(*a00), [a01] "+r"(*a01), [a10] "+r"(*a10),
        [a11] "+r"(*a11)
      :
      : "memory", "cc");
#undef TF_DSP_MAC_GROUP
#else
  const int32_t* w = *wp;
  for (int32_t g = 0; g < groups; ++g, c += 4, w += 4) {
    *a00 = __smlad(w[1], c[1], __smlad(w[0], c[0], *a00));
    *a01 = __smlad(w[1], c[3], __smlad(w[0], c[2], *a01));
    *a10 = __smlad(w[3], c[1], __smlad(w[2], c[0], *a10));
    *a11 = __smlad(w[3], c[3], __smlad(w[2], c[2], *a11));
  }
  *wp = w;
#endif
}

/** tf_dsp_mac_2x2 over int8 weights: per group one word of 4 taps per channel, unpacked in the loop. */
TF_DSP_INLINE void tf_dsp_mac_2x2_w8(int32_t groups, const int32_t* c, const int32_t** wp, int32_t* a00, int32_t* a01,
                                     int32_t* a10, int32_t* a11) {
#ifdef TF_DSP_ASM
  // Unrolled like tf_dsp_mac_2x2: groups % 4 first (one, then two), then four per loop pass.
#define TF_DSP_MAC_GROUP_W8                           \
  "ldrd %[x0], %[x1], [%[c]], #8\n\t"                 \
  "ldrd %[y0], %[y1], [%[c]], #8\n\t"                 \
  "ldr %[wa], [%[w]], #4\n\t"                         \
  "sxtb16 %[w0], %[wa]\n\t"                           \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                   \
  "smlad %[a00], %[w0], %[x0], %[a00]\n\t"            \
  "smlad %[a00], %[wa], %[x1], %[a00]\n\t"            \
  "smlad %[a01], %[w0], %[y0], %[a01]\n\t"            \
  "smlad %[a01], %[wa], %[y1], %[a01]\n\t"            \
  "ldr %[wa], [%[w]], #4\n\t"                         \
  "sxtb16 %[w0], %[wa]\n\t"                           \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                   \
  "smlad %[a10], %[w0], %[x0], %[a10]\n\t"            \
  "smlad %[a10], %[wa], %[x1], %[a10]\n\t"            \
  "smlad %[a11], %[w0], %[y0], %[a11]\n\t"            \
  "smlad %[a11], %[wa], %[y1], %[a11]\n\t"
  int32_t x0, x1, y0, y1, wa, w0;
  __asm__ volatile(
      "tst %[n], #1\n\t"
      "beq 1f\n\t"
      TF_DSP_MAC_GROUP_W8
      "1:\n\t"
      "tst %[n], #2\n\t"
      "beq 2f\n\t"
      TF_DSP_MAC_GROUP_W8
      TF_DSP_MAC_GROUP_W8
      "2:\n\t"
      "bics %[n], %[n], #3\n\t"
      "beq 4f\n\t"
      "3:\n\t"
      TF_DSP_MAC_GROUP_W8
      TF_DSP_MAC_GROUP_W8
      TF_DSP_MAC_GROUP_W8
      TF_DSP_MAC_GROUP_W8
      "subs %[n], %[n], #4\n\t"
      "bne 3b\n\t"
      "4:"
      : [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0), [y1] "=&r"(y1), [wa] "=&r"(wa), [w0] "=&r"(w0),
        [c] "+r"(c), [w] "+r"(*wp), [n] "+r"(groups), [a00] "+r"(*a00), [a01] "+r"(*a01), [a10] "+r"(*a10),
        [a11] "+r"(*a11)
      :
      : "memory", "cc");
#undef TF_DSP_MAC_GROUP_W8
#else
  const int32_t* w = *wp;
  for (int32_t g = 0; g < groups; ++g, c += 4, w += 2) {
    const int32_t e0 = __sxtb16(w[0]), o0 = tf_dsp_sxtb16_ror8(w[0]);
    const int32_t e1 = __sxtb16(w[1]), o1 = tf_dsp_sxtb16_ror8(w[1]);
    *a00 = __smlad(o0, c[1], __smlad(e0, c[0], *a00));
    *a01 = __smlad(o0, c[3], __smlad(e0, c[2], *a01));
    *a10 = __smlad(o1, c[1], __smlad(e1, c[0], *a10));
    *a11 = __smlad(o1, c[3], __smlad(e1, c[2], *a11));
  }
  *wp = w;
#endif
}

/**
 * How the conv kernel stores (a constant at every call, so each use compiles to its own code):
 * TF_DSP_STORE each position's outputs at its own pointer; with a max pool fused
 * (tf_dsp_conv_max_pool_s8) TF_DSP_POOL_FIRST stores the max over the positions at o0, and
 * TF_DSP_POOL_NEXT the max of that and what o0 holds (later positions of the same pool window).
 */
enum { TF_DSP_STORE = 0, TF_DSP_POOL_FIRST = 1, TF_DSP_POOL_NEXT = 2 };

/**
 * Channel c of two positions' accumulators a0, a1 (see TF_DSP_STORE). The max of the two outputs is
 * the output of the larger accumulator when the requantisation is solved: tf_dsp_rq_solved is
 * monotone non-decreasing in the accumulator (m >= 0; SMMULR, t - [t < 0], the shift, SSAT and the
 * clamp all are, and the generator's bound keeps 2·acc and the sum from wrapping), so one
 * requantisation serves both. The general requantisation may shift left with wrap-around: both are
 * requantised and the outputs compared.
 */
TF_DSP_INLINE void tf_dsp_conv_store2(const tf_dsp_conv_params_t* p, int32_t mode, int32_t c, int32_t a0, int32_t a1,
                                      int8_t* o0, int8_t* o1) {
  if (mode == TF_DSP_STORE) {
    o0[c] = tf_dsp_conv_out(p, c, a0);
    o1[c] = tf_dsp_conv_out(p, c, a1);
    return;
  }
  int32_t v;
  if (p->rq) {
    v = tf_dsp_conv_out(p, c, a0 > a1 ? a0 : a1);
  } else {
    const int32_t x = tf_dsp_conv_out(p, c, a0), y = tf_dsp_conv_out(p, c, a1);
    v = x > y ? x : y;
  }
  if (mode == TF_DSP_POOL_NEXT && o0[c] > v) v = o0[c];
  o0[c] = (int8_t)v;
}

/** Channel c of one position's accumulator (see TF_DSP_STORE). */
TF_DSP_INLINE void tf_dsp_conv_store1(const tf_dsp_conv_params_t* p, int32_t mode, int32_t c, int32_t a0, int8_t* o0) {
  int32_t v = tf_dsp_conv_out(p, c, a0);
  if (mode == TF_DSP_POOL_NEXT && o0[c] > v) v = o0[c];
  o0[c] = (int8_t)v;
}

/** All output channels of two columns: 2 positions × 2 channels per inner loop (4 accumulators). */
TF_DSP_INLINE void tf_dsp_conv_cols2(const tf_dsp_conv_params_t* p, int32_t mode, const int32_t* cols, int8_t* o0,
                                     int8_t* o1) {
  const int32_t groups = p->k4 / 4;
  const int32_t* w = p->weights;
  int32_t c = 0;
  for (; c + 1 < p->out_c; c += 2) {
    int32_t a00 = p->bias[c], a01 = a00, a10 = p->bias[c + 1], a11 = a10;
    if (p->w8) tf_dsp_mac_2x2_w8(groups, cols, &w, &a00, &a01, &a10, &a11);
    else tf_dsp_mac_2x2(groups, cols, &w, &a00, &a01, &a10, &a11);
    tf_dsp_conv_store2(p, mode, c, a00, a01, o0, o1);
    tf_dsp_conv_store2(p, mode, c + 1, a10, a11, o0, o1);
  }
  if (c < p->out_c) {
    int32_t a0 = p->bias[c], a1 = a0;
    for (int32_t g = 0; g < groups; ++g) {
      const int32_t* cg = cols + 4 * g;
      int32_t lo, hi;
      w += tf_dsp_wgroup(p->w8, w, &lo, &hi);
      a0 = __smlad(hi, cg[1], __smlad(lo, cg[0], a0));
      a1 = __smlad(hi, cg[3], __smlad(lo, cg[2], a1));
    }
    tf_dsp_conv_store2(p, mode, c, a0, a1, o0, o1);
  }
}

/** All output channels of one column (the odd last position; column words at cols[4g], cols[4g + 1]). */
TF_DSP_INLINE void tf_dsp_conv_cols1(const tf_dsp_conv_params_t* p, int32_t mode, const int32_t* cols, int8_t* o0) {
  const int32_t groups = p->k4 / 4;
  const int32_t* w = p->weights;
  int32_t c = 0;
  for (; c + 1 < p->out_c; c += 2) {
    int32_t a0 = p->bias[c], a1 = p->bias[c + 1];
    for (int32_t g = 0; g < groups; ++g) {
      const int32_t* cg = cols + 4 * g;
      int32_t l0, h0, l1, h1;
      w += tf_dsp_wgroup(p->w8, w, &l0, &h0);
      w += tf_dsp_wgroup(p->w8, w, &l1, &h1);
      a0 = __smlad(h0, cg[1], __smlad(l0, cg[0], a0));
      a1 = __smlad(h1, cg[1], __smlad(l1, cg[0], a1));
    }
    tf_dsp_conv_store1(p, mode, c, a0, o0);
    tf_dsp_conv_store1(p, mode, c + 1, a1, o0);
  }
  if (c < p->out_c) {
    int32_t a0 = p->bias[c];
    for (int32_t g = 0; g < groups; ++g) {
      int32_t lo, hi;
      w += tf_dsp_wgroup(p->w8, w, &lo, &hi);
      a0 = __smlad(hi, cols[4 * g + 1], __smlad(lo, cols[4 * g], a0));
    }
    tf_dsp_conv_store1(p, mode, c, a0, o0);
  }
}

/**
 * CONV_2D via im2col, two output positions at a time. `scratch`: TF_DSP_CONV_SCRATCH_BYTES(k4)
 * bytes, 4-byte aligned, not overlapping input or output.
 */
TF_DSP_INLINE int tf_dsp_conv_s8(const tf_dsp_conv_params_t* p, const int8_t* input, int8_t* output, int32_t* scratch) {
  int32_t* cols = scratch;  // two interleaved columns, k4 words
  int8_t* patch = (int8_t*)(scratch + p->k4);
  tf_dsp_fill(patch, 0, p->k4);
  const int32_t npos = p->out_h * p->out_w;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* in_b = input + b * p->in_h * p->in_w * p->in_c;
    int8_t* out_b = output + b * npos * p->out_c;
    int32_t pos = 0;
    for (; pos + 1 < npos; pos += 2) {
      tf_dsp_im2col(p, in_b, pos / p->out_w, pos % p->out_w, cols, patch);
      tf_dsp_im2col(p, in_b, (pos + 1) / p->out_w, (pos + 1) % p->out_w, cols + 2, patch);
      tf_dsp_conv_cols2(p, TF_DSP_STORE, cols, out_b + pos * p->out_c, out_b + (pos + 1) * p->out_c);
    }
    if (pos < npos) {
      tf_dsp_im2col(p, in_b, pos / p->out_w, pos % p->out_w, cols, patch);
      tf_dsp_conv_cols1(p, TF_DSP_STORE, cols, out_b + pos * p->out_c);
    }
  }
  return 0;
}

/** A pooling window starting at input coordinate `start` clipped to [0, in): filter taps [*f0, *f1), as tf_k_pool.c's pool_window. */
TF_DSP_INLINE void tf_dsp_pool_clip(int32_t start, int32_t filter, int32_t in, int32_t* f0, int32_t* f1) {
  *f0 = start < 0 ? -start : 0;
  *f1 = filter < in - start ? filter : in - start;
}

/** The window of pool output (oy, ox): its input origin (y0, x0) and taps [fy0, fy1) × [fx0, fx1) inside the input. */
typedef struct {
  int32_t y0, x0, fy0, fy1, fx0, fx1;
} tf_dsp_pool_win_t;

TF_DSP_INLINE tf_dsp_pool_win_t tf_dsp_pool_window(const tf_pool_params_t* q, int32_t oy, int32_t ox) {
  tf_dsp_pool_win_t w;
  w.y0 = oy * q->stride_h - q->pad_h;
  w.x0 = ox * q->stride_w - q->pad_w;
  tf_dsp_pool_clip(w.y0, q->filter_h, q->in_h, &w.fy0, &w.fy1);
  tf_dsp_pool_clip(w.x0, q->filter_w, q->in_w, &w.fx0, &w.fx1);
  return w;
}

/**
 * CONV_2D (p) followed by MAX_POOL_2D (q, over this convolution's output; windows that do not
 * overlap, so each convolution output is computed once): each pool window's convolution outputs
 * are computed two at a time (tf_dsp_conv_cols2) and reduced straight into the pool output, the
 * convolution's output is never stored. The pool's clipping, its -128 start for an empty window
 * and its clamp are tf_k_max_pool_s8's, so the result is the unfused pair's byte for byte (the
 * generator fuses: src/firmware/native/fuse-pool.ts). Scratch as tf_dsp_conv_s8.
 */
TF_DSP_INLINE int tf_dsp_conv_max_pool_s8(const tf_dsp_conv_params_t* p, const tf_pool_params_t* q, const int8_t* input,
                                          int8_t* output, int32_t* scratch) {
  int32_t* cols = scratch;
  int8_t* patch = (int8_t*)(scratch + p->k4);
  // Windows of at most two positions (a layer constant) never reach TF_DSP_POOL_NEXT: that code is not compiled.
  const int two = q->filter_h * q->filter_w == 2;
  tf_dsp_fill(patch, 0, p->k4);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* in_b = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t py = 0; py < q->out_h; ++py) {
      for (int32_t px = 0; px < q->out_w; ++px) {
        const tf_dsp_pool_win_t w = tf_dsp_pool_window(q, py, px);
        int8_t* out = output + ((b * q->out_h + py) * q->out_w + px) * p->out_c;
        // The window's n positions in pairs, row by row; an odd last one is paired with itself (max(v, v) = v).
        const int32_t wx = w.fx1 - w.fx0, n = wx > 0 && w.fy1 > w.fy0 ? (w.fy1 - w.fy0) * wx : 0;
        for (int32_t k = 0; k < n; k += 2) {
          const int32_t k1 = k + 1 < n ? k + 1 : k;
          tf_dsp_im2col(p, in_b, w.y0 + w.fy0 + k / wx, w.x0 + w.fx0 + k % wx, cols, patch);
          tf_dsp_im2col(p, in_b, w.y0 + w.fy0 + k1 / wx, w.x0 + w.fx0 + k1 % wx, cols + 2, patch);
          if (k == 0 || two) tf_dsp_conv_cols2(p, TF_DSP_POOL_FIRST, cols, out, out);
          else tf_dsp_conv_cols2(p, TF_DSP_POOL_NEXT, cols, out, out);
        }
        if (n == 0) tf_dsp_fill(out, -128, p->out_c);  // an empty window
        if (q->act_min > -128 || q->act_max < 127)
          for (int32_t c = 0; c < p->out_c; ++c) out[c] = tf_dsp_clamp8(out[c], q->act_min, q->act_max);
      }
    }
  }
  return 0;
}

/** One group of 4 inputs x (byte i = input 4g + i) into xs[0], xs[1] (below); returns e plus its even-position inputs with w8 2. */
TF_DSP_INLINE uint32_t tf_dsp_fc_widen1(int32_t w8, uint32_t x, int32_t* xs, uint32_t e) {
  if (w8 == TF_DSP_FC_U8) {
#ifdef TF_DSP_ASM
    // 6 instructions and one SMLAD for E (the C below compiles to about 18). SSUB16 sets the GE flags
    // (volatile: kept in order with the other GE users, __ssub8 / __sel, as tf_acle_asm.h does).
    int32_t xw, yw, t, s;
    __asm__ volatile("eor %[t], %[x], #0x80808080\n\t"
                     "uxtb16 %[t], %[t], ror #8\n\t"
                     "ssub16 %[X], %[z], %[t]\n\t"
                     "rev16 %[Y], %[x]\n\t"
                     "eor %[Y], %[Y], #0x00800080\n\t"
                     "sxtb16 %[s], %[x]"
                     : [X] "=&r"(xw), [Y] "=&r"(yw), [t] "=&r"(t), [s] "=&r"(s)
                     : [x] "r"(x), [z] "r"(0));
    xs[0] = xw;
    xs[1] = yw;
    return (uint32_t)__smlad(s, 0x00010001, (int32_t)e);
#else
    // X = -(odd bytes + 128) per halfword; Y = REV16(x) ^ 0x00800080 = (256·a0 + a1 + 128, 256·a2 + a3 + 128).
    const uint32_t u = ((x ^ 0x80808080u) >> 8) & 0x00ff00ffu;
    xs[0] = (int32_t)(((0u - (u & 0xffffu)) & 0xffffu) | ((0u - (u >> 16)) << 16));
    xs[1] = (int32_t)((((x & 0x00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ffu)) ^ 0x00800080u);
    return e + (uint32_t)((int32_t)(int8_t)(x & 0xffu) + (int32_t)(int8_t)((x >> 16) & 0xffu));
#endif
  }
  xs[0] = __sxtb16((int32_t)x);
  xs[1] = tf_dsp_sxtb16_ror8((int32_t)x);
  return e;
}
/**
 * Groups g0 .. g0 + n - 1 of one batch's input `in` widened into xs: group g0 + i at xs[2i] = (x[4g],
 * x[4g+2]), xs[2i+1] = (x[4g+1], x[4g+3]), or with w8 2 the words X, Y of tf_dsp_fc_params_t; the taps
 * of the layer's last group past accum_depth are 0; TF_DSP_FC_SENTINEL after group n - 1. Returns
 * 32768·E (w8 2: E the sum of these groups' even-position inputs, the accumulators take - 32768·E
 * modulo 2^32 per chunk), else 0.
 */
TF_DSP_INLINE uint32_t tf_dsp_fc_widen(const tf_dsp_fc_params_t* p, const int8_t* in, int32_t g0, int32_t n, int32_t* xs) {
  // Groups of 4 real taps in this chunk: all n but in the chunk holding the layer's tail group.
  const int32_t all = p->accum_depth / 4, full = g0 + n <= all ? n : all - g0, rest = p->accum_depth % 4;
  uint32_t e = 0;
  in += 4 * g0;
  int32_t g = 0;
#ifndef TF_DSP_HAVE_UNROLL
  // No unroll pragma (the Arduino core's GCC 7): 4 groups per pass by hand, the loop test being 3 of about 8 instructions per group.
  for (const int32_t full4 = full - full % 4; g < full4; g += 4) {
    e = tf_dsp_fc_widen1(p->w8, (uint32_t)tf_dsp_load4(in + 4 * g), xs + 2 * g, e);
    e = tf_dsp_fc_widen1(p->w8, (uint32_t)tf_dsp_load4(in + 4 * g + 4), xs + 2 * g + 2, e);
    e = tf_dsp_fc_widen1(p->w8, (uint32_t)tf_dsp_load4(in + 4 * g + 8), xs + 2 * g + 4, e);
    e = tf_dsp_fc_widen1(p->w8, (uint32_t)tf_dsp_load4(in + 4 * g + 12), xs + 2 * g + 6, e);
  }
#endif
  TF_DSP_UNROLL
  for (; g < full; ++g) e = tf_dsp_fc_widen1(p->w8, (uint32_t)tf_dsp_load4(in + 4 * g), xs + 2 * g, e);
  if (full < n) {
    uint32_t x = 0;
    for (int32_t i = 0; i < rest; ++i) x |= (uint32_t)(uint8_t)in[4 * full + i] << (8 * i);
    e = tf_dsp_fc_widen1(p->w8, x, xs + 2 * full, e);
  }
  xs[2 * n] = TF_DSP_FC_SENTINEL;
  return e << 15;
}

/** Accumulates `groups` groups of a block of m rows (m a layer constant) into acc[0..m); returns the weights after the block. */
TF_DSP_INLINE const int32_t* tf_dsp_fc_block_c(int32_t m, int32_t w8, int32_t groups, const int32_t* xs, const int32_t* w,
                                               int32_t* acc) {
  for (int32_t g = 0; g < groups; ++g, xs += 2) {
    for (int32_t j = 0; j < m; ++j) {
      int32_t lo, hi;
      w += tf_dsp_wgroup(w8, w, &lo, &hi);
      acc[j] = __smlad(hi, xs[1], __smlad(lo, xs[0], acc[j]));
    }
  }
  return w;
}

#if defined(TF_DSP_ASM) && defined(__OPTIMIZE__)
// A full 4-row block in Thumb-2 assembly: per group one LDRD of the widened input and one LDM of
// the 4 rows' weight words (two for int16). An LDM register list must ascend, so the weights go to
// fixed registers named in the text and clobbered (r8 r10 r11 r12: not r7, a frame pointer, nor r9,
// a platform register on some targets), not to operands: with pinned operand registers, or with
// r4-r6 clobbered, GCC 12's allocator gives up in some layers ("impossible constraints"). 9 operands
// + 4 clobbers; only optimised builds (-O0 keeps the C). The group count is a layer constant: the
// remainders (1, 2, and for int8 4 groups) are separate statements the compiler keeps or drops,
// then 4 (int16) or 8 (int8: its loop test costs 3 instructions; 8 groups save 2.2 instructions per
// byte of code on MLPerf Tiny AD) groups per loop pass.
#define TF_DSP_FC_W8_ROW(a, w, t)             \
  "sxtb16 " t ", " w "\n\t"                   \
  "smlad " a ", " t ", %[x0], " a "\n\t"      \
  "sxtb16 " w ", " w ", ror #8\n\t"           \
  "smlad " a ", " w ", %[x1], " a "\n\t"
#define TF_DSP_FC_W8_GROUP                                                              \
  "ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                                 \
  "ldm %[wp]!, {r8, r10, r11, r12}\n\t"                                                   \
  TF_DSP_FC_W8_ROW("%[a0]", "r8", "%[t]") TF_DSP_FC_W8_ROW("%[a1]", "r10", "r8")        \
  TF_DSP_FC_W8_ROW("%[a2]", "r11", "r10") TF_DSP_FC_W8_ROW("%[a3]", "r12", "r11")
// The offset-binary layout (w8 2): W against X, UXTB16(W) against Y, 14 instructions per 16 MACs.
#define TF_DSP_FC_U8_ROW(a, w)            \
  "smlad " a ", " w ", %[x0], " a "\n\t" \
  "uxtb16 " w ", " w "\n\t"               \
  "smlad " a ", " w ", %[x1], " a "\n\t"
#define TF_DSP_FC_U8_GROUP                                                  \
  "ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                     \
  "ldm %[wp]!, {r8, r10, r11, r12}\n\t"                                     \
  TF_DSP_FC_U8_ROW("%[a0]", "r8") TF_DSP_FC_U8_ROW("%[a1]", "r10")         \
  TF_DSP_FC_U8_ROW("%[a2]", "r11") TF_DSP_FC_U8_ROW("%[a3]", "r12")
#define TF_DSP_FC_W16_GROUP                     \
  "ldrd %[x0], %[x1], [%[xp]], #8\n\t"         \
  "ldm %[wp]!, {r8, r10, r11, r12}\n\t"           \
  "smlad %[a0], r8, %[x0], %[a0]\n\t"          \
  "smlad %[a0], r10, %[x1], %[a0]\n\t"         \
  "smlad %[a1], r11, %[x0], %[a1]\n\t"         \
  "smlad %[a1], r12, %[x1], %[a1]\n\t"         \
  "ldm %[wp]!, {r8, r10, r11, r12}\n\t"           \
  "smlad %[a2], r8, %[x0], %[a2]\n\t"          \
  "smlad %[a2], r10, %[x1], %[a2]\n\t"         \
  "smlad %[a3], r11, %[x0], %[a3]\n\t"         \
  "smlad %[a3], r12, %[x1], %[a3]\n\t"
/** The operands; EXTRA: the W8 group's temporary [t], or the W16 loop's counter [n]. */
#define TF_DSP_FC_OPERANDS(EXTRA)                                                                        \
  : [x0] "=&r"(x0), [x1] "=&r"(x1), [xp] "+r"(xp), [wp] "+r"(w), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), \
    [a3] "+r"(a3), EXTRA                                                                                 \
  :                                                                                                      \
  : "r8", "r10", "r11", "r12", "memory", "cc"
TF_DSP_INLINE const int32_t* tf_dsp_fc_block4(int32_t w8, int32_t groups, const int32_t* xp, const int32_t* w, int32_t* acc) {
  int32_t x0, x1, t, n = groups >> 2;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#define TF_DSP_FC_RUN(GROUP, EXTRA)                                                \
  do {                                                                             \
    if (groups & 1) __asm__ volatile(GROUP TF_DSP_FC_OPERANDS(EXTRA));             \
    if (groups & 2) __asm__ volatile(GROUP GROUP TF_DSP_FC_OPERANDS(EXTRA));       \
  } while (0)
  // int8 (either layout): the loop ends at the sentinel tf_dsp_fc_widen put after the input (one register fewer than a counter).
#define TF_DSP_FC_RUN8(GROUP)                                                                                       \
  do {                                                                                                              \
    TF_DSP_FC_RUN(GROUP, [t] "=&r"(t));                                                                             \
    if (groups & 4) __asm__ volatile(GROUP GROUP GROUP GROUP TF_DSP_FC_OPERANDS([t] "=&r"(t)));                    \
    if (groups >> 3)                                                                                                \
      __asm__ volatile("1:\n\t" GROUP GROUP GROUP GROUP GROUP GROUP GROUP GROUP                                      \
                       "ldr %[t], [%[xp]]\n\t"                                                                      \
                       "cmp %[t], #0x40004000\n\t"                                                                  \
                       "bne 1b\n\t" TF_DSP_FC_OPERANDS([t] "=&r"(t)));                                             \
  } while (0)
  if (w8 == TF_DSP_FC_U8) {
    TF_DSP_FC_RUN8(TF_DSP_FC_U8_GROUP);
  } else if (w8) {
    TF_DSP_FC_RUN8(TF_DSP_FC_W8_GROUP);
  } else {
    TF_DSP_FC_RUN(TF_DSP_FC_W16_GROUP, [n] "+r"(n));
    if (n)
      __asm__ volatile("1:\n\t" TF_DSP_FC_W16_GROUP TF_DSP_FC_W16_GROUP TF_DSP_FC_W16_GROUP TF_DSP_FC_W16_GROUP
                       "subs %[n], %[n], #1\n\t"
                       "bne 1b\n\t" TF_DSP_FC_OPERANDS([n] "+r"(n)));
  }
#undef TF_DSP_FC_RUN8
#undef TF_DSP_FC_RUN
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
  return w;
}
#undef TF_DSP_FC_W8_ROW
#undef TF_DSP_FC_W8_GROUP
#undef TF_DSP_FC_U8_ROW
#undef TF_DSP_FC_U8_GROUP
#undef TF_DSP_FC_W16_GROUP
#undef TF_DSP_FC_OPERANDS
#else
TF_DSP_INLINE const int32_t* tf_dsp_fc_block4(int32_t w8, int32_t groups, const int32_t* xp, const int32_t* w, int32_t* acc) {
  return tf_dsp_fc_block_c(TF_DSP_FC_ROWS, w8, groups, xp, w, acc);
}
#endif

/** Row o's accumulator start; e: tf_dsp_fc_widen's 32768·E. */
TF_DSP_INLINE int32_t tf_dsp_fc_start(const tf_dsp_fc_params_t* p, int32_t o, uint32_t e) {
  return p->w8 == TF_DSP_FC_U8 ? (int32_t)((uint32_t)p->bias[o] - e) : p->bias[o];
}
/** A chunk's accumulator start: the row's start (first chunk) or its stored accumulator, less this chunk's 32768·E (0 but with w8 2). */
TF_DSP_INLINE int32_t tf_dsp_fc_resume(const tf_dsp_fc_params_t* p, int32_t g0, const int32_t* stored, int32_t o, uint32_t e) {
  return g0 ? (int32_t)((uint32_t)stored[o] - e) : tf_dsp_fc_start(p, o, e);
}

/** Output o of an FC accumulator (w8 2: T = 256·S, an arithmetic shift gives S): the fast requantisation where the generator allowed it (a layer constant). */
TF_DSP_INLINE int8_t tf_dsp_fc_out(const tf_dsp_fc_params_t* p, int32_t o, int32_t acc) {
  if (p->w8 == TF_DSP_FC_U8) acc >>= 8;
  // A constant row (m = 0) may have any accumulator: the doubling wraps harmlessly.
  if (p->rq) return tf_dsp_clamp8(tf_dsp_rq_solved((int32_t)((uint32_t)acc << 1), p->rq + (p->rq_per_row ? 3 * o : 0)), p->act_min, p->act_max);
  const int32_t c = p->per_channel ? o : 0;
  return tf_dsp_requant_l(acc, p->multiplier[c], p->shift[c], p->any_left_shift, p->output_offset, p->act_min, p->act_max);
}

/**
 * tf_dsp_fc_s8 with chunk_groups < accum4 / 4: per batch, per chunk of groups, that chunk widened, then
 * every row block accumulates it from its stored accumulators (from its start in the first chunk) with
 * the weights at the block's base + g0 groups; the last chunk requantises. Chunks cost a widen call and
 * per row a store and a load: a few instructions per 256 groups.
 */
TF_DSP_INLINE int tf_dsp_fc_chunked(const tf_dsp_fc_params_t* p, const int8_t* input, int8_t* output, int32_t* scratch) {
  const int32_t groups = p->accum4 / 4, cg = p->chunk_groups;
  const int32_t wpr = p->w8 ? 1 : 2;  // weight words per row and group
  const int32_t full = p->output_depth - p->output_depth % TF_DSP_FC_ROWS, m = p->output_depth - full;
  int32_t* stored = scratch + 2 * cg + 2;  // after the widened chunk, its sentinel and the pad word
  for (int32_t b = 0; b < p->batches; ++b) {
    int8_t* out = output + b * p->output_depth;
    for (int32_t g0 = 0; g0 < groups; g0 += cg) {
      const int32_t n = groups - g0 < cg ? groups - g0 : cg;
      const int last = g0 + n == groups;
      const uint32_t e = tf_dsp_fc_widen(p, input + b * p->accum_depth, g0, n, scratch);
      for (int32_t o = 0; o < full; o += TF_DSP_FC_ROWS) {
        int32_t acc[TF_DSP_FC_ROWS];
        for (int32_t j = 0; j < TF_DSP_FC_ROWS; ++j) acc[j] = tf_dsp_fc_resume(p, g0, stored, o + j, e);
        tf_dsp_fc_block4(p->w8, n, scratch, p->weights + (o * groups + g0 * TF_DSP_FC_ROWS) * wpr, acc);
        for (int32_t j = 0; j < TF_DSP_FC_ROWS; ++j) {
          if (last) out[o + j] = tf_dsp_fc_out(p, o + j, acc[j]);
          else stored[o + j] = acc[j];
        }
      }
      if (m) {
        int32_t acc[TF_DSP_FC_ROWS - 1];
        for (int32_t j = 0; j < m; ++j) acc[j] = tf_dsp_fc_resume(p, g0, stored, full + j, e);
        tf_dsp_fc_block_c(m, p->w8, n, scratch, p->weights + (full * groups + g0 * m) * wpr, acc);
        for (int32_t j = 0; j < m; ++j) {
          if (last) out[full + j] = tf_dsp_fc_out(p, full + j, acc[j]);
          else stored[full + j] = acc[j];
        }
      }
    }
  }
  return 0;
}

/**
 * FULLY_CONNECTED: each batch's input widened once into `scratch` (TF_DSP_FC_SCRATCH_BYTES bytes,
 * 4-byte aligned, not overlapping input or output), then 4 output rows per pass over it (the last block
 * output_depth % 4 rows); in chunks of chunk_groups groups when that is fewer than all (tf_dsp_fc_chunked).
 */
TF_DSP_INLINE int tf_dsp_fc_s8(const tf_dsp_fc_params_t* p, const int8_t* input, int8_t* output, int32_t* scratch) {
  const int32_t groups = p->accum4 / 4;
  if (p->chunk_groups < groups) return tf_dsp_fc_chunked(p, input, output, scratch);
  const int32_t full = p->output_depth - p->output_depth % TF_DSP_FC_ROWS;
  for (int32_t b = 0; b < p->batches; ++b) {
    int8_t* out = output + b * p->output_depth;
    const uint32_t e = tf_dsp_fc_widen(p, input + b * p->accum_depth, 0, groups, scratch);
    const int32_t* w = p->weights;
    int32_t o = 0;
    for (; o < full; o += TF_DSP_FC_ROWS) {
      int32_t acc[TF_DSP_FC_ROWS] = {tf_dsp_fc_start(p, o, e), tf_dsp_fc_start(p, o + 1, e), tf_dsp_fc_start(p, o + 2, e),
                                     tf_dsp_fc_start(p, o + 3, e)};
      w = tf_dsp_fc_block4(p->w8, groups, scratch, w, acc);
      // Spelled out: a loop over acc[] keeps the accumulators in memory.
      out[o] = tf_dsp_fc_out(p, o, acc[0]);
      out[o + 1] = tf_dsp_fc_out(p, o + 1, acc[1]);
      out[o + 2] = tf_dsp_fc_out(p, o + 2, acc[2]);
      out[o + 3] = tf_dsp_fc_out(p, o + 3, acc[3]);
    }
    if (o < p->output_depth) {
      const int32_t m = p->output_depth - o;
      int32_t acc[TF_DSP_FC_ROWS - 1];
      for (int32_t j = 0; j < m; ++j) acc[j] = tf_dsp_fc_start(p, o + j, e);
      w = tf_dsp_fc_block_c(m, p->w8, groups, scratch, w, acc);
      for (int32_t j = 0; j < m; ++j) out[o + j] = tf_dsp_fc_out(p, o + j, acc[j]);
    }
  }
  return 0;
}

/** DEPTHWISE_CONV_2D with depth_multiplier 1 and channels % 4 == 0 (in_c = out_c = channels). */
typedef struct {
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t input_offset, output_offset, act_min, act_max;
  int32_t any_left_shift;    /**< 0: every shift <= 0. */
  const int32_t* weights;    /**< [channels / 4][filter_h * filter_w][2] words: per group of 4 channels, each tap's 4 weights in SXTB16 order (doubled with rq). */
  const int32_t* bias;       /**< [channels] (not folded: taps outside the image are skipped, as the reference does; doubled with rq). */
  const int32_t* multiplier; /**< [channels] */
  const int32_t* shift;      /**< [channels] */
  /**
   * NULL (general requantisation), or the layer's requantisation solved at generation time, per
   * group of 4 channels 16 words: the 4 accumulator start values, then {multiplier, K, e} per
   * channel. Accumulators are doubled (weights ×2) and start at 2·(bias + input_offset·Σw), so
   * inputs are used raw and taps outside the image read `pad` (the input zero point: they add 0).
   * Each triple is tf_dsp_rq_solved's (the generator sets the table only where every channel is exact).
   */
  const int32_t* rq;
  const int8_t* pad; /**< With rq: [channels] bytes of the input zero point (what a padded tap reads); else NULL (padded taps skipped). */
} tf_dsp_dw_params_t;

/** Most taps (filter_h · filter_w) a layer may have (the per-pixel tap table; the generator keeps larger windows on the portable kernel). */
#define TF_DSP_DW_MAX_TAPS 64

TF_DSP_INLINE int32_t tf_dsp_lo16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x & 0xffffu); }
TF_DSP_INLINE int32_t tf_dsp_hi16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x >> 16); }
/** acc + lo16(a)·lo16(b), wrapping modulo 2^32 as the reference's int32 sums do (SMLABB). */
TF_DSP_INLINE int32_t tf_dsp_mla16(int32_t acc, int32_t a, int32_t b) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tf_dsp_lo16(a) * tf_dsp_lo16(b)));
}

TF_DSP_INLINE int8_t tf_dsp_dw_out(const tf_dsp_dw_params_t* p, int32_t c, int32_t acc) {
  return tf_dsp_requant_l(acc, p->multiplier[c], p->shift[c], p->any_left_shift, p->output_offset, p->act_min, p->act_max);
}

/** First filter index whose tap v0 + f·d lies at or after 0, and the end of those before n (clipped window, f1 >= f0). */
TF_DSP_INLINE void tf_dsp_clip(int32_t v0, int32_t d, int32_t n, int32_t taps, int32_t* f0, int32_t* f1) {
  const int32_t lo = v0 < 0 ? (-v0 + d - 1) / d : 0;
  const int32_t room = n - v0;
  int32_t hi = room <= 0 ? 0 : (room + d - 1) / d;
  if (hi > taps) hi = taps;
  *f0 = lo < taps ? lo : taps;
  *f1 = hi > *f0 ? hi : *f0;
}

/** Requantise a group's 4 doubled accumulators with the solved requantisation (q: the group's {m, K, e} triples) and store them. */
TF_DSP_INLINE void tf_dsp_dw_rq4(const tf_dsp_dw_params_t* p, const int32_t* q, int32_t a0, int32_t a1, int32_t a2,
                                 int32_t a3, int8_t* out) {
  out[0] = tf_dsp_clamp8(tf_dsp_rq_solved(a0, q), p->act_min, p->act_max);
  out[1] = tf_dsp_clamp8(tf_dsp_rq_solved(a1, q + 3), p->act_min, p->act_max);
  out[2] = tf_dsp_clamp8(tf_dsp_rq_solved(a2, q + 6), p->act_min, p->act_max);
  out[3] = tf_dsp_clamp8(tf_dsp_rq_solved(a3, q + 9), p->act_min, p->act_max);
}

/**
 * One pixel, solved requantisation, in C (hosts, and windows the assembly does not take): tap t of
 * channel c reads tap[t] + c (the image, or `pad` outside it); weights and the rq table are walked
 * group by group as the assembly walks them.
 */
TF_DSP_INLINE void tf_dsp_dwq_pixel_c(const tf_dsp_dw_params_t* p, const int8_t* const* tap, int32_t taps, int8_t* out) {
  const int32_t* w = p->weights;
  const int32_t* q = p->rq;
  for (int32_t c = 0; c < p->channels; c += 4, q += 16) {
    int32_t a0 = q[0], a1 = q[1], a2 = q[2], a3 = q[3];
    for (int32_t t = 0; t < taps; ++t, w += 2) {
      const int32_t x = tf_dsp_load4(tap[t] + c);
      const int32_t xe = __sxtb16(x), xo = __sxtb16(tf_dsp_ror8(x));
      a0 = tf_dsp_mla16(a0, xe, w[0]);
      a2 = tf_dsp_mla16(a2, tf_dsp_hi16(xe), tf_dsp_hi16(w[0]));
      a1 = tf_dsp_mla16(a1, xo, w[1]);
      a3 = tf_dsp_mla16(a3, tf_dsp_hi16(xo), tf_dsp_hi16(w[1]));
    }
    tf_dsp_dw_rq4(p, q + 4, a0, a1, a2, a3, out + c);
  }
}

#if defined(TF_DSP_ASM) && defined(__OPTIMIZE__)
// One tap of a group: the input word in x, two weight words, four 16×16 multiply-accumulates.
#define TF_DSP_DWQ_MAC                        \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"         \
  "sxtb16 %[xe], %[x]\n\t"                    \
  "sxtb16 %[x], %[x], ror #8\n\t"             \
  "smlabb %[a0], %[xe], %[w0], %[a0]\n\t"     \
  "smlatt %[a2], %[xe], %[w0], %[a2]\n\t"     \
  "smlabb %[a1], %[x], %[w1], %[a1]\n\t"      \
  "smlatt %[a3], %[x], %[w1], %[a3]\n\t"
// The solved requantisation of one accumulator and its store (8 instructions).
#define TF_DSP_DWQ_OUT(a)                               \
  "ldrd %[w0], %[w1], [%[q]], #12\n\t"                  \
  "ldr %[x], [%[q], #-4]\n\t"                           \
  "smmulr %[" a "], %[" a "], %[w0]\n\t"                \
  "add %[" a "], %[" a "], %[" a "], asr #31\n\t"       \
  "add %[" a "], %[" a "], %[w1]\n\t"                   \
  "asr %[" a "], %[" a "], %[x]\n\t"                    \
  "ssat %[" a "], #8, %[" a "]\n\t"                     \
  "strb %[" a "], [%[out]], #1\n\t"
#define TF_DSP_DWQ_START "ldrd %[a0], %[a1], [%[q]], #8\n\tldrd %[a2], %[a3], [%[q]], #8\n\t"
#define TF_DSP_DWQ_END TF_DSP_DWQ_OUT("a0") TF_DSP_DWQ_OUT("a1") TF_DSP_DWQ_OUT("a2") TF_DSP_DWQ_OUT("a3")
#define TF_DSP_DWQ_REGS                                                                                      \
  [x] "=&r"(x), [xe] "=&r"(xe), [w0] "=&r"(w0), [w1] "=&r"(w1), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), \
      [a3] "=&r"(a3), [w] "+r"(w), [q] "+r"(q), [out] "+r"(out)

/**
 * Every group of an interior pixel of a 3×3 window: tap (fy, fx) at row + o<3fy+fx> (layer
 * constants, immediates of the loads), 9 instructions per tap, 8 per output, 2 to start.
 */
#define TF_DSP_DWQ_TAP_I(t) "ldr %[x], [%[row], %[o" #t "]]\n\t" TF_DSP_DWQ_MAC
#define TF_DSP_DWQ_INTERIOR(sx, sy)                                                                              \
  do {                                                                                                         \
    const int32_t* w = p->weights;                                                                             \
    const int32_t* q = p->rq;                                                                                  \
    int8_t* out = out_px;                                                                                      \
    for (const int8_t* row = in_px; row < in_px + p->channels; row += 4) {                                     \
      int32_t x, xe, w0, w1, a0, a1, a2, a3;                                                                   \
      __asm__ volatile(TF_DSP_DWQ_START TF_DSP_DWQ_TAP_I(0) TF_DSP_DWQ_TAP_I(1) TF_DSP_DWQ_TAP_I(2)              \
                           TF_DSP_DWQ_TAP_I(3) TF_DSP_DWQ_TAP_I(4) TF_DSP_DWQ_TAP_I(5) TF_DSP_DWQ_TAP_I(6)      \
                               TF_DSP_DWQ_TAP_I(7) TF_DSP_DWQ_TAP_I(8) TF_DSP_DWQ_END                          \
                       : TF_DSP_DWQ_REGS                                                                       \
                       : [row] "r"(row), [o0] "n"(0), [o1] "n"(sx), [o2] "n"(2 * (sx)), [o3] "n"(sy),          \
                         [o4] "n"((sy) + (sx)), [o5] "n"((sy) + 2 * (sx)), [o6] "n"(2 * (sy)),                 \
                         [o7] "n"(2 * (sy) + (sx)), [o8] "n"(2 * (sy) + 2 * (sx))                              \
                       : "memory");                                                                            \
    }                                                                                                          \
  } while (0)

/** Every group of a border pixel of a 3×3 window: tap t at tab[t] + c (the image, or `pad`), 10 instructions per tap. */
#define TF_DSP_DWQ_TAP_T(t) "ldr %[xe], [%[tab], #" #t "*4]\n\tldr %[x], [%[xe], %[c]]\n\t" TF_DSP_DWQ_MAC
TF_DSP_INLINE void tf_dsp_dwq_pixel_tab3x3(const tf_dsp_dw_params_t* p, const int8_t* const* tab, int8_t* out) {
  const int32_t* w = p->weights;
  const int32_t* q = p->rq;
  for (int32_t c = 0; c < p->channels; c += 4) {
    int32_t x, xe, w0, w1, a0, a1, a2, a3;
    __asm__ volatile(TF_DSP_DWQ_START TF_DSP_DWQ_TAP_T(0) TF_DSP_DWQ_TAP_T(1) TF_DSP_DWQ_TAP_T(2) TF_DSP_DWQ_TAP_T(3)
                         TF_DSP_DWQ_TAP_T(4) TF_DSP_DWQ_TAP_T(5) TF_DSP_DWQ_TAP_T(6) TF_DSP_DWQ_TAP_T(7)
                             TF_DSP_DWQ_TAP_T(8) TF_DSP_DWQ_END
                     : TF_DSP_DWQ_REGS
                     : [tab] "r"(tab), [c] "r"(c)
                     : "memory");
  }
}
#endif

/**
 * One pixel, general requantisation (layers the generator could not solve): tap t of channel c
 * reads tab[t] + c, taps outside the image (NULL) are skipped as the reference skips them; the
 * input offset is added in both halfword lanes by SXTAB16.
 */
TF_DSP_INLINE void tf_dsp_dw_pixel_general(const tf_dsp_dw_params_t* p, const int8_t* const* tab, int32_t taps, int8_t* out) {
  const int32_t off2 = (int32_t)(((uint32_t)p->input_offset & 0xffffu) | ((uint32_t)p->input_offset << 16));
  const int32_t* w = p->weights;
  for (int32_t c = 0; c < p->channels; c += 4) {
    int32_t a0 = p->bias[c], a1 = p->bias[c + 1], a2 = p->bias[c + 2], a3 = p->bias[c + 3];
    for (int32_t t = 0; t < taps; ++t, w += 2) {
      if (!tab[t]) continue;
      const int32_t x = tf_dsp_load4(tab[t] + c);
      const int32_t xe = __sxtab16(off2, x), xo = __sxtab16(off2, tf_dsp_ror8(x));
      a0 = tf_dsp_mla16(a0, xe, w[0]);
      a2 = tf_dsp_mla16(a2, tf_dsp_hi16(xe), tf_dsp_hi16(w[0]));
      a1 = tf_dsp_mla16(a1, xo, w[1]);
      a3 = tf_dsp_mla16(a3, tf_dsp_hi16(xo), tf_dsp_hi16(w[1]));
    }
    out[c] = tf_dsp_dw_out(p, c, a0);
    out[c + 1] = tf_dsp_dw_out(p, c + 1, a1);
    out[c + 2] = tf_dsp_dw_out(p, c + 2, a2);
    out[c + 3] = tf_dsp_dw_out(p, c + 3, a3);
  }
}

/**
 * Four channels per step, the window clipped once per pixel into a table of tap pointers. With the
 * solved requantisation (p->rq) inputs are used raw (the offset is in the start values) and taps
 * outside the image read the zero-point row `pad`, so every pixel runs the whole window: 3×3
 * windows run assembly on Arm, interior pixels with the tap offsets as load immediates (no table),
 * border pixels through the table; the rest runs tf_dsp_dwq_pixel_c. Without it,
 * tf_dsp_dw_pixel_general skips the outside taps.
 */
TF_DSP_INLINE int tf_dsp_depthwise_s8(const tf_dsp_dw_params_t* p, const int8_t* input, int8_t* output) {
  const int32_t C = p->channels;
  const int32_t taps = p->filter_h * p->filter_w;
  const int8_t* tab[TF_DSP_DW_MAX_TAPS];
#if defined(TF_DSP_ASM) && defined(__OPTIMIZE__)
  const int32_t sx = p->dilation_w * C, sy = p->dilation_h * p->in_w * C;
  const int asm3x3 = p->rq && p->filter_h == 3 && p->filter_w == 3 && p->act_min == -128 && p->act_max == 127;
  const int imm = __builtin_constant_p(sx) && __builtin_constant_p(sy) && 2 * sy + 2 * sx <= 4095;
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* in_b = input + b * p->in_h * p->in_w * C;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      int32_t fy0, fy1;
      tf_dsp_clip(y0, p->dilation_h, p->in_h, p->filter_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_w;
        int32_t fx0, fx1;
        tf_dsp_clip(x0, p->dilation_w, p->in_w, p->filter_w, &fx0, &fx1);
        int8_t* out_px = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
#if defined(TF_DSP_ASM) && defined(__OPTIMIZE__)
        if (asm3x3 && imm && fy0 == 0 && fy1 == 3 && fx0 == 0 && fx1 == 3) {
          const int8_t* in_px = in_b + (y0 * p->in_w + x0) * C;
          if (__builtin_constant_p(sx) && __builtin_constant_p(sy)) TF_DSP_DWQ_INTERIOR(sx, sy);
          continue;
        }
#endif
        // A pointer is formed only for taps inside the image.
        for (int32_t fy = 0; fy < p->filter_h; ++fy) {
          const int32_t iy = y0 + fy * p->dilation_h;
          for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = x0 + fx * p->dilation_w;
            const int in = fy >= fy0 && fy < fy1 && fx >= fx0 && fx < fx1;
            tab[fy * p->filter_w + fx] = in ? in_b + (iy * p->in_w + ix) * C : p->pad;
          }
        }
#if defined(TF_DSP_ASM) && defined(__OPTIMIZE__)
        if (asm3x3) {
          tf_dsp_dwq_pixel_tab3x3(p, tab, out_px);
          continue;
        }
#endif
        if (p->rq) tf_dsp_dwq_pixel_c(p, tab, taps, out_px);
        else tf_dsp_dw_pixel_general(p, tab, taps, out_px);
      }
    }
  }
  return 0;
}

/** Bytewise signed max of 4 int8 lanes (SSUB8 sets the GE flags, SEL picks by them). */
TF_DSP_INLINE int32_t tf_dsp_max4(int32_t a, int32_t b) {
  (void)__ssub8(a, b);
  return (int32_t)__sel(a, b);
}

/** Bytewise signed min of 4 int8 lanes. */
TF_DSP_INLINE int32_t tf_dsp_min4(int32_t a, int32_t b) {
  (void)__ssub8(a, b);
  return (int32_t)__sel(b, a);
}

TF_DSP_INLINE int32_t tf_dsp_splat4(int32_t v) { return (int32_t)(0x01010101u * (uint8_t)(int8_t)v); }

/**
 * MAX_POOL_2D, four channels per step when channels % 4 == 0 (else the portable kernel). Same
 * window clipping, initial -128 and clamp as tf_k_max_pool_s8.
 */
TF_DSP_INLINE int tf_dsp_max_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output) {
  if (p->channels % 4 != 0) return tf_k_max_pool_s8(p, input, output);
  const int clamp = p->act_min > -128 || p->act_max < 127;
  const int32_t lo = tf_dsp_splat4(p->act_min), hi = tf_dsp_splat4(p->act_max);
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const tf_dsp_pool_win_t w = tf_dsp_pool_window(p, oy, ox);
        int8_t* out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->channels;
        for (int32_t c = 0; c < p->channels; c += 4) {
          int32_t m = (int32_t)0x80808080u;
          for (int32_t fy = w.fy0; fy < w.fy1; ++fy)
            for (int32_t fx = w.fx0; fx < w.fx1; ++fx)
              m = tf_dsp_max4(m, tf_dsp_load4(input + ((b * p->in_h + w.y0 + fy) * p->in_w + w.x0 + fx) * p->channels + c));
          if (clamp) m = tf_dsp_min4(tf_dsp_max4(m, lo), hi);
          *(tf_dsp_u32_unaligned*)(out + c) = (uint32_t)m;
        }
      }
    }
  }
  return 0;
}

/**
 * MEAN over H and W of a [1, H, W, C] tensor with C % 4 == 0 and H·W <= 255 (so int16 lane sums
 * cannot overflow): four channels per element with SXTAB16; anything else runs tf_k_mean_s8.
 */
TF_DSP_INLINE int tf_dsp_mean_s8(const tf_mean_params_t* p, const int8_t* input, int8_t* output) {
  const int32_t n = p->dims[1] * p->dims[2], ch = p->dims[3];
  if (p->dims[0] != 1 || p->reduce[0] || !p->reduce[1] || !p->reduce[2] || p->reduce[3] || ch % 4 != 0 || n > 255)
    return tf_k_mean_s8(p, input, output);
  for (int32_t c = 0; c < ch; c += 4) {
    int32_t even = 0, odd = 0;  // lanes: channels c, c+2 and c+1, c+3
    for (int32_t i = 0; i < n; ++i) {
      const int32_t x = tf_dsp_load4(input + i * ch + c);
      even = __sxtab16(even, x);
      odd = __sxtab16(odd, tf_dsp_ror8(x));
    }
    const int32_t sums[4] = {(int16_t)(uint16_t)even, (int16_t)(uint16_t)odd, (int16_t)((uint32_t)even >> 16),
                             (int16_t)((uint32_t)odd >> 16)};
    for (int32_t j = 0; j < 4; ++j) {
      int32_t v = tf_fp_mbqm(sums[j] - p->input_zero_point * p->num_elements_in_axis, p->multiplier, p->shift) +
                  p->output_zero_point;
      output[c + j] = (int8_t)__ssat(v, 8);
    }
  }
  return 0;
}

/**
 * ADD / SUB input rescale, exactly tf_fp_mbqm_smaller(tf_fp_shl_wrap(x + off, ls), m, -k) for int8 x,
 * m in [0, 2^31), 0 <= ls <= 22, k >= 0 (TFLM's int8 ADD: ls = 20, k = -input shift), in one 64-bit
 * multiply-add and shift and a 32-bit rounding shift. With v = x + off and s = 31 - ls:
 * - SRDHM's nudged truncation of v·2^ls·m / 2^31 is floor((v·2^ls·m + 2^30) / 2^31) (tf_dsp_mbqm's identity),
 *   = floor((v·m + 2^(s-1)) / 2^s) (numerator and denominator divided by 2^ls): h, |h| < 2^28;
 * - RoundingDivideByPOT(h, k) = (h + 2^(k-1) - [h < 0]) >> k for k >= 1 (ties away from zero), no overflow.
 * Every term is a layer constant but x, so the compiler folds them (tests/native/dsp_requant_driver.c
 * checks both against the portable helpers).
 */
TF_DSP_INLINE int32_t tf_dsp_add_rescale_in(int32_t x, int32_t off, int32_t m, int32_t ls, int32_t k) {
  const int32_t s = 31 - ls;
  const int32_t h = (int32_t)(((int64_t)x * m + ((int64_t)off * m + ((int64_t)1 << (s - 1)))) >> s);  // |h| < 2^28
  return k > 0 ? (h + (1 << (k - 1)) - (int32_t)((uint32_t)h >> 31)) >> k : h;
}

/** ADD / SUB output rescale: tf_fp_mbqm_smaller(sum, m, -k) for |sum| < 2^30, m in [0, 2^31), k >= 0 (s = 31 above). */
TF_DSP_INLINE int32_t tf_dsp_add_rescale_out(int32_t sum, int32_t m, int32_t k) {
  const int32_t h = (int32_t)(((int64_t)sum * m + ((int64_t)1 << 30)) >> 31);  // |h| <= |sum| < 2^30
  return k > 0 ? (h + (1 << (k - 1)) - (int32_t)((uint32_t)h >> 31)) >> k : h;
}

/** Which elementwise op tf_dsp_binary_s8 computes (a layer constant). */
enum { TF_DSP_BIN_ADD = 0, TF_DSP_BIN_SUB = 1, TF_DSP_BIN_MUL = 2 };

/** One output of ADD / SUB / MUL from int8 inputs x, y: the arithmetic of tf_k_elementwise.c's add_one / sub_one / mul_one and clamp. */
TF_DSP_INLINE int8_t tf_dsp_binary_one(const tf_binary_params_t* p, int32_t op, int32_t x, int32_t y) {
  int32_t v;
  if (op == TF_DSP_BIN_MUL) {
    v = tf_dsp_mbqm((x + p->input1_offset) * (y + p->input2_offset), p->output_multiplier, p->output_shift);
  } else {
    const int32_t a = tf_dsp_add_rescale_in(x, p->input1_offset, p->input1_multiplier, p->left_shift, -p->input1_shift);
    const int32_t b = tf_dsp_add_rescale_in(y, p->input2_offset, p->input2_multiplier, p->left_shift, -p->input2_shift);
    v = tf_dsp_add_rescale_out(op == TF_DSP_BIN_SUB ? a - b : a + b, p->output_multiplier, -p->output_shift);
  }
  v = __ssat(v + p->output_offset, 8);
  if (p->act_min > -128) v = v < p->act_min ? p->act_min : v;
  if (p->act_max < 127) v = v > p->act_max ? p->act_max : v;
  return (int8_t)v;
}

/**
 * ADD, SUB and MUL int8 with the rescale specialised per layer (every multiplier, shift and offset a
 * constant of the layer's copy). `same_shape` (a layer constant): both inputs have the output's shape,
 * one flat pass four elements per step; otherwise the 4-D broadcast walk of the portable kernel with
 * the same per-element arithmetic. ADD / SUB need left_shift <= 22 and shifts <= 0 (the generator
 * checks; TFLM's int8 ADD has 20 and <= 0).
 */
TF_DSP_INLINE int tf_dsp_binary_s8(const tf_binary_params_t* p, int32_t op, int32_t same_shape, const int8_t* in1,
                                   const int8_t* in2, int8_t* out) {
  const int32_t* d = p->out_dims;
  if (same_shape) {
    const int32_t n = d[0] * d[1] * d[2] * d[3];
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const int32_t x = tf_dsp_load4(in1 + i), y = tf_dsp_load4(in2 + i);
      out[i] = tf_dsp_binary_one(p, op, (int8_t)x, (int8_t)y);
      out[i + 1] = tf_dsp_binary_one(p, op, (int8_t)(x >> 8), (int8_t)(y >> 8));
      out[i + 2] = tf_dsp_binary_one(p, op, (int8_t)(x >> 16), (int8_t)(y >> 16));
      out[i + 3] = tf_dsp_binary_one(p, op, x >> 24, y >> 24);
    }
    for (; i < n; ++i) out[i] = tf_dsp_binary_one(p, op, in1[i], in2[i]);
    return 0;
  }
  int32_t o = 0;
  for (int32_t i0 = 0; i0 < d[0]; ++i0)
    for (int32_t i1 = 0; i1 < d[1]; ++i1)
      for (int32_t i2 = 0; i2 < d[2]; ++i2) {
        const int8_t* a = in1 + i0 * p->in1_strides[0] + i1 * p->in1_strides[1] + i2 * p->in1_strides[2];
        const int8_t* b = in2 + i0 * p->in2_strides[0] + i1 * p->in2_strides[1] + i2 * p->in2_strides[2];
        for (int32_t i3 = 0; i3 < d[3]; ++i3) out[o++] = tf_dsp_binary_one(p, op, a[i3 * p->in1_strides[3]], b[i3 * p->in2_strides[3]]);
      }
  return 0;
}

/**
 * AVERAGE_POOL_2D, four channels per step when channels % 4 == 0 (else tf_k_avg_pool_s8): window
 * sums in int16 lanes by SXTAB16 (flushed to int32 every 255 taps, so the lanes cannot overflow),
 * then tf_k_avg_pool_s8's rounding division by the clipped window's size and clamp.
 */
TF_DSP_INLINE int8_t tf_dsp_avg_div(const tf_pool_params_t* p, int32_t acc, int32_t count) {
  acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  if (acc < p->act_min) acc = p->act_min;
  if (acc > p->act_max) acc = p->act_max;
  return (int8_t)acc;
}

TF_DSP_INLINE int tf_dsp_avg_pool_s8(const tf_pool_params_t* p, const int8_t* input, int8_t* output) {
  if (p->channels % 4 != 0) return tf_k_avg_pool_s8(p, input, output);
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const tf_dsp_pool_win_t w = tf_dsp_pool_window(p, oy, ox);
        const int32_t count = (w.fy1 - w.fy0) * (w.fx1 - w.fx0);
        if (w.fy1 <= w.fy0 || w.fx1 <= w.fx0) return -1;  // an empty window, as tf_k_avg_pool_s8 reports
        int8_t* out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->channels;
        for (int32_t c = 0; c < p->channels; c += 4) {
          int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;  // channels c .. c+3
          int32_t even = 0, odd = 0, taps = 0;      // int16 lanes: (c, c+2) and (c+1, c+3)
          for (int32_t fy = w.fy0; fy < w.fy1; ++fy) {
            const int8_t* row = input + ((b * p->in_h + w.y0 + fy) * p->in_w + w.x0) * p->channels + c;
            for (int32_t fx = w.fx0; fx < w.fx1; ++fx) {
              const int32_t x = tf_dsp_load4(row + fx * p->channels);
              even = __sxtab16(even, x);
              odd = __sxtab16(odd, tf_dsp_ror8(x));
              if (++taps == 255) {
                s0 += tf_dsp_lo16(even), s2 += tf_dsp_hi16(even), s1 += tf_dsp_lo16(odd), s3 += tf_dsp_hi16(odd);
                even = odd = taps = 0;
              }
            }
          }
          s0 += tf_dsp_lo16(even), s2 += tf_dsp_hi16(even), s1 += tf_dsp_lo16(odd), s3 += tf_dsp_hi16(odd);
          out[c] = tf_dsp_avg_div(p, s0, count);
          out[c + 1] = tf_dsp_avg_div(p, s1, count);
          out[c + 2] = tf_dsp_avg_div(p, s2, count);
          out[c + 3] = tf_dsp_avg_div(p, s3, count);
        }
      }
    }
  }
  return 0;
}

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_DSP_H_
