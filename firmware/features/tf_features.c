// tinyforge: feature blocks on the device. See tf_features.h and docs/features.md; the TypeScript
// twin is src/features/ (fixed.ts, spectral.ts, flatten.ts, quant.ts) and the two agree bit for bit.
// Every signed shift goes through tf_asr (no implementation-defined right shift of a negative
// value, no left shift of one); every intermediate is bounded in docs/features.md (int64 where
// it can pass 2^31).
#define TF_FEATURES_TABLES 1  // this file alone instantiates the generated constant tables
#include "tf_features.h"

#include <math.h>

#if TF_FEATURES_BLOCK != 0

// floor(v / 2^s), 0 ≤ s ≤ 62.
// (~v is non-negative for negative v, and floor(v / 2^s) = ~(~v >> s): only non-negative values are shifted.)
static int64_t tf_asr(int64_t v, int s) { return v >= 0 ? v >> s : ~((~v) >> s); }
static inline int32_t tf_asr32(int32_t v, int s) { return v >= 0 ? v >> s : ~((~v) >> s); }
static inline int32_t tf_round_shift32(int32_t v, int s) { return tf_asr32(v + (1 << (s - 1)), s); }
// floor(a / b) and its half-up rounding in 32 bits (hardware division), b > 0, |a| + b/2 < 2^31.
static int32_t tf_round_div32(int32_t a, int32_t b) {
  int32_t n = a + b / 2, q = n / b;
  if (n % b != 0 && n < 0) q--;
  return q;
}
// v / 2^s rounded half up (s = 0: v).
static int64_t tf_round_shift(int64_t v, int s) { return s == 0 ? v : tf_asr(v + ((int64_t)1 << (s - 1)), s); }
// floor(a / b), b > 0.
static int64_t tf_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) q--;
  return q;
}
// a / b rounded half up, b > 0.
static int64_t tf_round_div(int64_t a, int64_t b) { return tf_floor_div(a + b / 2, b); }

static int tf_bit_length(uint64_t v) {
  int n = 0;
  while (v) {
    n++;
    v >>= 1;
  }
  return n;
}

static uint64_t tf_isqrt(uint64_t v) {
  uint64_t r = 0, bit = (uint64_t)1 << 62;
  while (bit > v) bit >>= 2;
  while (bit) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

// Skewness and excess kurtosis in Q16 (fixed.ts `moments`): n ≤ 2048, |v| < 2^31.
static void tf_moments(const int32_t* v, uint32_t n, uint32_t stride, int32_t* skew, int32_t* kurt) {
  int64_t sum = 0, mu, max_abs = 0, s2 = 0, s3 = 0, s4 = 0, sd;
  uint32_t i;
  int b;
  for (i = 0; i < n; i++) sum += v[i * stride];
  mu = tf_round_div(sum, n);
  for (i = 0; i < n; i++) {
    int64_t d = (int64_t)v[i * stride] - mu;
    if (d < 0) d = -d;
    if (d > max_abs) max_abs = d;
  }
  *skew = 0;
  *kurt = 0;
  if (max_abs == 0) return;
  b = tf_bit_length((uint64_t)max_abs);
#define TF_MOM_D(i) (b > 15 ? tf_round_shift((int64_t)v[(i) * stride] - mu, b - 15) : ((int64_t)v[(i) * stride] - mu) * ((int64_t)1 << (15 - b)))
  for (i = 0; i < n; i++) {
    int64_t d = TF_MOM_D(i);
    s2 += d * d;
  }
  sd = (int64_t)tf_isqrt((uint64_t)tf_round_div(s2 * 256, n));
  if (sd == 0) return;
  for (i = 0; i < n; i++) {
    // |d|·4096 < 2^28 and sd < 2^24: 32-bit division gives the same quotient.
    int64_t z = tf_round_div32((int32_t)(TF_MOM_D(i) * 4096), (int32_t)sd);
    int64_t w = tf_round_shift(z * z, 8);
    s3 += z * w;
    s4 += w * w;
  }
#undef TF_MOM_D
  *skew = (int32_t)tf_round_div(s3, n);
  *kurt = (int32_t)(tf_round_div(s4, n) - 3 * 65536);
}

#endif  // TF_FEATURES_BLOCK != 0

#if TF_FEATURES_BLOCK == TF_FEATURES_BLOCK_SPECTRAL

#define N TF_FEATURES_WINDOW_LENGTH
#define A TF_FEATURES_NUM_AXES
#define L TF_FEATURES_FFT_LENGTH
#define B TF_FEATURES_BIN_COUNT

static int64_t tf_clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static int32_t sig[N];
static int32_t fre[L], fim[L];
static int64_t acc[B];
static int32_t amp[B];
static const uint32_t mag_axes[3] = {TF_FEATURES_MAG_AXES};

#if TF_FEATURES_DO_LOG
// log2(v) in Q10 (fixed.ts `ilog2q`).
static int32_t tf_ilog2q(uint64_t v) {
  int e, bit;
  uint64_t m;
  int32_t r;
  if (v <= 1) return 0;
  e = tf_bit_length(v) - 1;
  m = e >= 23 ? v >> (e - 23) : v << (23 - e);
  r = e * 1024;
  for (bit = 9; bit >= 0; bit--) {
    m = (m * m) >> 23;
    if (m >= ((uint64_t)1 << 24)) {
      m >>= 1;
      r += 1 << bit;
    }
  }
  return r;
}
#endif


// Radix-2 decimation in time, in place on fre/fim (input already bit-reversed); every stage
// halves (rounded), so the result is DFT / L.
static void fft(void) {
  uint32_t half, g, j;
  for (half = 1; half < L; half *= 2) {
    uint32_t step = L / (2 * half);
    for (g = 0; g < L; g += 2 * half) {
      for (j = 0; j < half; j++) {
        // Twiddle cos(2πk/L), −sin(2πk/L): tables derived on the host from the quarter-wave table.
        int32_t wr = tf_features_tw_cos[j * step], wi = -tf_features_tw_sin[j * step];
        uint32_t a = g + j, b = a + half;
        // |data| < 2^23 and |w| ≤ 2^15: 32×32→64 products; the rounded t and a ± t fit 32 bits.
        // j = 0 is the twiddle 1 (32768, 0): the rounded products are b itself, exactly.
        int32_t tr = j == 0 ? fre[b] : (int32_t)tf_round_shift((int64_t)fre[b] * wr - (int64_t)fim[b] * wi, 15);
        int32_t ti = j == 0 ? fim[b] : (int32_t)tf_round_shift((int64_t)fre[b] * wi + (int64_t)fim[b] * wr, 15);
        int32_t ar = fre[a], ai = fim[a];
        fre[a] = tf_round_shift32(ar + tr, 1);
        fim[a] = tf_round_shift32(ai + ti, 1);
        fre[b] = tf_round_shift32(ar - tr, 1);
        fim[b] = tf_round_shift32(ai - ti, 1);
      }
    }
  }
}

void tf_features_extract(const int16_t* window, int32_t* out) {
  uint32_t c, t, f, n, k;
  int64_t sum, mean, sq;
  uint32_t o = 0;
  for (c = 0; c < TF_FEATURES_CHANNELS; c++) {
#if TF_FEATURES_SPECTRUM_FRAMES
    const uint32_t c0 = o;  // the channel's first feature in a row
#endif
    sum = 0;
    for (t = 0; t < N; t++) {
      if (c < A) {
        sig[t] = window[t * A + c];
      } else {
        int64_t x = window[t * A + mag_axes[0]], y = window[t * A + mag_axes[1]], z = window[t * A + mag_axes[2]];
        sig[t] = (int32_t)tf_isqrt((uint64_t)(x * x + y * y + z * z));
      }
      sum += sig[t];
    }
    mean = tf_round_div(sum, N);
#if TF_FEATURES_INCLUDE_MEAN
    out[o++] = (int32_t)mean;
#endif
    for (t = 0; t < N; t++) sig[t] = (int32_t)((sig[t] - mean) * 16);
#if TF_FEATURES_NUM_SECTIONS > 0
    uint32_t s;
    for (s = 0; s < TF_FEATURES_NUM_SECTIONS; s++) {
      const int32_t* q = tf_features_sos + s * 5;
      const int32_t b0 = q[0], b1 = q[1], b2 = q[2], a1 = q[3], a2 = q[4];
      int32_t x1 = 0, x2 = 0, y1 = 0, y2 = 0;
      for (t = 0; t < N; t++) {
        // 32×32→64 multiply-accumulates (|coefficient| < 2^22, |state| < 2^21).
        int32_t x0 = sig[t];
        int64_t a = (int64_t)b0 * x0 + (int64_t)b1 * x1 + (int64_t)b2 * x2 - (int64_t)a1 * y1 - (int64_t)a2 * y2;
        int32_t y0 = (int32_t)tf_clamp(tf_round_shift(a, 20), -TF_FEATURES_FILTER_MAX, TF_FEATURES_FILTER_MAX);
        x2 = x1;
        x1 = x0;
        y2 = y1;
        y1 = y0;
        sig[t] = y0;
      }
    }
#endif
    sq = 0;
    for (t = 0; t < N; t++) {
      sig[t] = (int32_t)tf_clamp(tf_round_shift32(sig[t], 4), -32768, 32767);
      sq += (int64_t)sig[t] * sig[t];
    }
    out[o++] = (int32_t)tf_isqrt((uint64_t)tf_round_div(sq * 256, N));
    tf_moments(sig, N, 1, &out[o], &out[o + 1]);
    o += 2;
    for (k = 0; k < B; k++) acc[k] = 0;
    for (f = 0; f < TF_FEATURES_FRAMES; f++) {
      const int32_t* src = sig + f * TF_FEATURES_HOP;
      for (n = 0; n < L; n++) {
        uint32_t r = tf_features_bitrev[n];
#if TF_FEATURES_WINDOW_HANN
        fre[r] = tf_round_shift32(src[n] * tf_features_hann[n], 8);  // |s·h| ≤ 2^30
#else
        fre[r] = src[n] * 128;
#endif
        fim[r] = 0;
      }
      fft();
      for (k = 0; k < B; k++) {
        uint32_t q = TF_FEATURES_BIN_START + k;
        int64_t pw = (int64_t)fre[q] * fre[q] + (int64_t)fim[q] * fim[q];
#if TF_FEATURES_SPECTRUM_MAX
        if (pw > acc[k]) acc[k] = pw;
#else
        acc[k] += pw;
#endif
#if TF_FEATURES_SPECTRUM_FRAMES
        // Row f holds frame f's bins at the channel's place in the row.
#if TF_FEATURES_DO_LOG
        out[f * TF_FEATURES_ROW + o + k] = tf_ilog2q((uint64_t)pw);
#else
        out[f * TF_FEATURES_ROW + o + k] = (int32_t)tf_isqrt((uint64_t)pw);
#endif
#endif
      }
    }
    for (k = 0; k < B; k++) {
#if TF_FEATURES_SPECTRUM_MAX
      int64_t pw = acc[k];
#else
      int64_t pw = tf_round_div(acc[k], TF_FEATURES_FRAMES);
#endif
      amp[k] = (int32_t)tf_isqrt((uint64_t)pw);
#if !TF_FEATURES_SPECTRUM_FRAMES
#if TF_FEATURES_DO_LOG
      out[o + k] = tf_ilog2q((uint64_t)pw);
#else
      out[o + k] = amp[k];
#endif
#endif
    }
    o += B;
    tf_moments(amp, B, 1, &out[o], &out[o + 1]);
    o += 2;
#if TF_FEATURES_SPECTRUM_FRAMES
    // Rows 1… repeat this channel's statistics (before and after its bins) from row 0.
    for (f = 1; f < TF_FEATURES_FRAMES; f++) {
      for (k = c0; k < o; k++) {
        if (k < o - 2 - B || k >= o - 2) out[f * TF_FEATURES_ROW + k] = out[k];
      }
    }
#endif
  }
}

#undef N
#undef A
#undef L
#undef B

#elif TF_FEATURES_BLOCK == TF_FEATURES_BLOCK_FLATTEN

void tf_features_extract(const int16_t* window, int32_t* out) {
  const uint32_t n = TF_FEATURES_WINDOW_LENGTH, na = TF_FEATURES_NUM_AXES;
  static int32_t col[TF_FEATURES_WINDOW_LENGTH];
  uint32_t a, t;
  for (a = 0; a < na; a++) {
    int64_t sum = 0, sq = 0, dq = 0, mean;
    int32_t mn = 32767, mx = -32768;
    for (t = 0; t < n; t++) {
      int32_t v = window[t * na + a];
      col[t] = v;
      sum += v;
      sq += (int64_t)v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    mean = tf_round_div(sum, n);
    for (t = 0; t < n; t++) dq += (col[t] - mean) * (col[t] - mean);
    out[a * 7 + 0] = (int32_t)mean;
    out[a * 7 + 1] = mn;
    out[a * 7 + 2] = mx;
    out[a * 7 + 3] = (int32_t)tf_isqrt((uint64_t)tf_round_div(sq * 256, n));
    out[a * 7 + 4] = (int32_t)tf_isqrt((uint64_t)tf_round_div(dq * 256, n));
    tf_moments(col, n, 1, &out[a * 7 + 5], &out[a * 7 + 6]);
  }
}

#else

void tf_features_extract(const int16_t* window, int32_t* out) {
  (void)window;
  (void)out;
}

#endif

#if TF_FEATURES_HAVE_QUANT
void tf_features_quantise(const int32_t* f, int8_t* q) {
  uint32_t j;
  for (j = 0; j < TF_FEATURES_COUNT; j++) {
    int64_t v = (int64_t)f[j] * tf_features_q_mult[j] - tf_features_q_offset[j];
    int64_t r = TF_FEATURES_Q_ZERO_POINT + tf_round_shift(v, tf_features_q_shift[j]);
    q[j] = (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
  }
}

void tf_features_compute(const int16_t* window, int32_t* features, int8_t* model_input) {
  tf_features_extract(window, features);
  tf_features_quantise(features, model_input);
}
#endif

#if TF_FEATURES_BLOCK != 0
int16_t tf_features_to_count(float x, uint32_t axis) {
  float v;
  if (!(x == x)) return 0;
  v = roundf(x * tf_features_input_scale[axis < TF_FEATURES_NUM_AXES ? axis : 0]);
  if (v < -32768.0f) return -32768;
  if (v > 32767.0f) return 32767;
  return (int16_t)v;
}
#endif
