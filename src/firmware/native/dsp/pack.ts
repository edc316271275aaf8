/**
 * Generation-time weight work for the Cortex-M DSP kernels (firmware/native/dsp/tf_dsp.h):
 * widening to int16, packing in SXTB16 order with output channels interleaved in pairs, and
 * folding the input offset into the bias. Pure functions over plain arrays.
 */
import { mulByQuantizedMultiplier } from '../../../interp/fixedpoint.js';

/** n rounded up to a multiple of 4 (the DSP kernels consume taps in groups of 4). */
export function roundUp4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** One int32 word of two int16 halves, low halfword first. */
function word(lo: number, hi: number): number {
  return ((lo & 0xffff) | (hi << 16)) | 0;
}

/**
 * Rows (one per output channel, `k` int16-range values each) → int32 words in the layout
 * tf_dsp.h documents: per group g of 4 taps, (v[4g], v[4g+2]) then (v[4g+1], v[4g+3]); rows in
 * blocks of `block` (2 for conv: channel pairs; 4 for FC) interleaved per group, the last block
 * holding the rest; taps past k are zero.
 */
export function packSxtb16(rows: readonly ArrayLike<number>[], k: number, block = 2): Int32Array {
  return packBlocks(rows, k, block, 2, (r, t) => {
    const v = tapAt(r, t, k, 32767);
    return [word(v(0), v(2)), word(v(1), v(3))];
  });
}

/**
 * The int8 twin of packSxtb16 (tf_dsp.h, `w8`): per group of 4 taps one word of the 4 int8 taps in
 * tap order (byte 0 = tap 4g), rows interleaved one word each per group in blocks of `block`, the
 * last block holding the rest, taps past k zero: half the bytes; SXTB16 / SXTB16 ROR 8 of a word
 * give packSxtb16's pair.
 */
export function packInt8Taps(rows: readonly ArrayLike<number>[], k: number, block = 2): Int32Array {
  return packBlocks(rows, k, block, 1, (r, t) => {
    const v = tapAt(r, t, k, 127);
    return [(v(0) & 0xff) | ((v(1) & 0xff) << 8) | ((v(2) & 0xff) << 16) | (v(3) << 24)];
  });
}

/** Tap t + j of row r (0 past k), checked against [-max - 1, max]. */
function tapAt(r: ArrayLike<number>, t: number, k: number, max: number): (j: number) => number {
  return (j) => {
    if (t + j >= k) return 0;
    const v = r[t + j];
    if (!(v >= -max - 1 && v <= max)) throw new RangeError(`weight ${v} does not fit int${max === 127 ? 8 : 16}`);
    return v;
  };
}

/** Rows in blocks of `block`, per group of 4 taps each row's `per` words (group(row, first tap)) in row order. */
function packBlocks(rows: readonly ArrayLike<number>[], k: number, block: number, per: number, group: (r: ArrayLike<number>, t: number) => number[]): Int32Array {
  const groups = roundUp4(k) / 4;
  const out = new Int32Array(rows.length * groups * per);
  let o = 0;
  for (let c = 0; c < rows.length; c += block) {
    const m = Math.min(block, rows.length - c);
    for (let g = 0; g < groups; g++) {
      for (let j = 0; j < m; j++) for (const v of group(rows[c + j], 4 * g)) out[o++] = v;
    }
  }
  return out;
}

/**
 * bias[c] + inputOffset × Σ rows[c], wrapped to int32 as the kernels' int32 accumulation wraps
 * (so Σ w·(x + off) = folded + Σ w·x holds exactly modulo 2^32).
 */
export function foldInputOffset(bias: ArrayLike<number> | null, rows: readonly ArrayLike<number>[], inputOffset: number): Int32Array {
  return Int32Array.from(rows, (r, c) => {
    let s = 0;
    for (let t = 0; t < r.length; t++) s += r[t];
    return ((bias ? bias[c] : 0) + Math.imul(inputOffset, s)) | 0;
  });
}

/** The requantisation the kernels compute for one accumulator (TFLM MultiplyByQuantizedMultiplier, zero point, saturate, clamp). */
function requantOne(acc: number, m: { multiplier: number; shift: number }, outputOffset: number, lo: number, hi: number): number {
  const v = Math.min(127, Math.max(-128, mulByQuantizedMultiplier(acc, m.multiplier, m.shift) + outputOffset));
  return Math.min(hi, Math.max(lo, v));
}

/** What solveRequant needs of a conv, depthwise or fully connected layer (fields of ConvPrepared / FullyConnectedPrepared). */
export interface RequantLayer {
  /** Per output channel, or one for the whole layer. */
  multipliers: readonly { multiplier: number; shift: number }[];
  biasValues: ArrayLike<number> | null;
  inputOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

/**
 * The layer's requantisation solved at generation time: the `rq` table of the DSP conv, depthwise and
 * fully connected kernels (tf_dsp_rq_solved in tf_dsp.h), per output channel {m, K, e}, or null when some channel
 * fits neither form below. `rows[c]`: channel c's filter taps. The accumulator of channel c is
 * bias + Σ w·(x + inputOffset) over int8 inputs x (a padded tap reads the zero point: it adds 0), so
 * it lies in [lo, hi] with lo, hi summed tap by tap (the kernels may reorder the int32 sum: it wraps
 * modulo 2^32, so their sum equals this one whenever it fits).
 * - {multiplier, K = 2^(e-1) + outputOffset·2^e, e = -shift} when e is in [1, 31] (a right shift;
 *   with none, (t + (t >> 31)) would be off by one), |lo|, |hi| < 2^30 (the kernel doubles the
 *   accumulator) and |acc| + 1 + |K| < 2^31 (the rounding add cannot overflow: |SMMULR(2·acc, m)| <= |acc|
 *   for m < 2^31). The kernel's SSAT8((SMMULR(2·acc, m) + (t >> 31) + K) >> e) then equals the
 *   reference's SSAT8(MultiplyByQuantizedMultiplier(acc, m, -e) + outputOffset) (tests/native/dsp_requant_driver.c).
 * - {0, 2v, 1} for a channel whose output is one value v for every input: requantisation and clamp
 *   are monotone in the accumulator, so equal at both ends of [lo, hi] (which must not wrap) means
 *   constant (e.g. dead channels with bias 2^30 and a tiny scale); the kernel then gives (0 + 0 + 2v) >> 1 = v.
 */
export function solveRequant(layer: RequantLayer, rows: readonly ArrayLike<number>[]): Int32Array | null {
  const { multipliers: ms, biasValues, inputOffset, outputOffset, actMin, actMax } = layer;
  const out = new Int32Array(3 * rows.length);
  for (let c = 0; c < rows.length; c++) {
    const m = ms.length === 1 ? ms[0] : ms[c];
    let lo = biasValues ? biasValues[c] : 0;
    let hi = lo;
    for (let t = 0; t < rows[c].length; t++) {
      const a = rows[c][t] * (inputOffset - 128);
      const b = rows[c][t] * (inputOffset + 127);
      lo += Math.min(a, b);
      hi += Math.max(a, b);
    }
    const e = -m.shift;
    const big = Math.max(-lo, hi);
    const k = 2 ** (e - 1) + outputOffset * 2 ** e;
    if (e >= 1 && e <= 31 && big < 2 ** 30 && big + 1 + Math.abs(k) < 2 ** 31) {
      out.set([m.multiplier, k, e], 3 * c);
      continue;
    }
    if (lo < -(2 ** 31) || hi >= 2 ** 31) return null; // the reference's int32 accumulator could wrap
    const v = requantOne(lo, m, outputOffset, actMin, actMax);
    if (requantOne(hi, m, outputOffset, actMin, actMax) !== v) return null;
    out.set([0, 2 * v, 1], 3 * c);
  }
  return out;
}
