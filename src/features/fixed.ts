/**
 * The integer primitives of the feature blocks (docs/features.md, "Rounding"). Every value passed
 * here is an integer of magnitude < 2^53, so JavaScript numbers hold it exactly; the C twins in
 * firmware/features/tf_features.c compute the same functions in int64/uint64 and give the same
 * results bit for bit. No function here rounds through floating point.
 */

/** floor(a / b) for integers a and b > 0 (exact: the float quotient is corrected by its remainder). */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q--;
  else if (r >= b) q++;
  return q;
}

/** a / b rounded to nearest, ties towards +∞: floor((a + floor(b/2)) / b), b > 0. */
export function roundDiv(a: number, b: number): number {
  return floorDiv(a + Math.floor(b / 2), b);
}

/** v / 2^s rounded to nearest, ties towards +∞ (s ≥ 1); v for s = 0. An arithmetic shift with rounding. */
export function roundShift(v: number, s: number): number {
  if (s === 0) return v;
  const p = 2 ** s;
  return Math.floor((v + p / 2) / p);
}

/** floor(v / 2^s) (an arithmetic right shift), s ≥ 0. */
export function floorShift(v: number, s: number): number {
  return Math.floor(v / 2 ** s);
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Number of bits of a non-negative integer: 0 for 0, floor(log2 v) + 1 otherwise. */
export function bitLength(v: number): number {
  let n = 0;
  while (v >= 2 ** 32) {
    v = Math.floor(v / 2 ** 32);
    n += 32;
  }
  return n + (v === 0 ? 0 : 32 - Math.clz32(v));
}

/** floor(sqrt(v)) for an integer 0 ≤ v < 2^53. */
export function isqrt(v: number): number {
  if (v <= 0) return 0;
  let r = Math.floor(Math.sqrt(v));
  while (r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return r;
}

/** Fractional bits of ilog2q. */
export const LOG2_FRAC_BITS = 10;

/**
 * log2(v) in Q10 (1024 = one octave) for an integer 1 ≤ v < 2^53; 0 for v ≤ 1. Bit-based: the
 * integer part is the bit length − 1; the mantissa is cut (floor) to 24 bits in [2^23, 2^24) and
 * squared ten times, each square floored to 24 bits, each overflow past 2^24 giving the next
 * fraction bit (then floor-halved). The result is ≤ log2(v)·1024 and within 2 LSB of it.
 */
export function ilog2q(v: number): number {
  if (v <= 1) return 0;
  const e = bitLength(v) - 1;
  let m = e >= 23 ? floorShift(v, e - 23) : v * 2 ** (23 - e);
  let r = e * 2 ** LOG2_FRAC_BITS;
  for (let bit = LOG2_FRAC_BITS - 1; bit >= 0; bit--) {
    m = floorShift(m * m, 23);
    if (m >= 2 ** 24) {
      m = floorShift(m, 1);
      r += 2 ** bit;
    }
  }
  return r;
}

/** Fixed-point formats of the moments: skewness and kurtosis are Q16 (65536 = 1). */
export const MOMENT_FRAC_BITS = 16;

/**
 * Skewness and excess kurtosis (population moments, Q16) of n integers v[0..n) with |v| < 2^31, n ≤ 2048.
 * Steps (all integer; see docs/features.md):
 *   μ = roundDiv(Σv, n); d = v − μ; M = max|d| (M = 0 → both 0);
 *   scale d so that M has 15 bits: b = bitLength(M); d = roundShift(d, b − 15) if b > 15, else d·2^(15−b);
 *   σ in Q4: sd = isqrt(roundDiv(Σd²·256, n)) (sd = 0 → both 0);
 *   z = roundDiv(d·4096, sd) (Q8); w = roundShift(z², 8) (Q8);
 *   skew = roundDiv(Σ z·w, n); kurt = roundDiv(Σ w², n) − 3·65536.
 */
export function moments(v: ArrayLike<number>, n: number, offset = 0, stride = 1): { skew: number; kurt: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[offset + i * stride];
  const mu = roundDiv(sum, n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(v[offset + i * stride] - mu);
    if (d > maxAbs) maxAbs = d;
  }
  if (maxAbs === 0) return { skew: 0, kurt: 0 };
  const b = bitLength(maxAbs);
  const d = new Array<number>(n);
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const raw = v[offset + i * stride] - mu;
    const x = b > 15 ? roundShift(raw, b - 15) : raw * 2 ** (15 - b);
    d[i] = x;
    s2 += x * x;
  }
  const sd = isqrt(roundDiv(s2 * 256, n));
  if (sd === 0) return { skew: 0, kurt: 0 };
  let s3 = 0;
  let s4 = 0;
  for (let i = 0; i < n; i++) {
    const z = roundDiv(d[i] * 4096, sd);
    const w = roundShift(z * z, 8);
    s3 += z * w;
    s4 += w * w;
  }
  return { skew: roundDiv(s3, n), kurt: roundDiv(s4, n) - 3 * 65536 };
}

/** Float reference of `moments` (population skewness and excess kurtosis, as plain numbers). */
export function momentsFloat(v: ArrayLike<number>, n: number, offset = 0, stride = 1): { skew: number; kurt: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[offset + i * stride];
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = v[offset + i * stride] - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (!(m2 > 1e-12 * Math.max(1, mean * mean))) return { skew: 0, kurt: 0 };
  return { skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) - 3 };
}
