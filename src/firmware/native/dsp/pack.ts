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

/**
 * The DSP conv kernel's fast requantisation table (tf_dsp_requant_fast in tf_dsp.h): per channel
 * (multiplier, k = -shift, 2^(k-1) + outputOffset · 2^k), or null when some channel fits neither form:
 * - 1 <= k <= 22 and |accumulator| < 2^29 for every int8 input, bounded by |folded bias| + 128 · Σ|w|
 *   (the kernel's inputs are raw int8: the input offset is in the bias);
 * - or a channel whose output is one value v for every input (requantisation is monotone in the
 *   accumulator, so equal at both ends of its range means constant; e.g. dead channels with a huge
 *   bias and a tiny scale): (0, 1, 2v), which the fast formula turns into v whatever the accumulator.
 */
export function fastRequantTable(ms: readonly { multiplier: number; shift: number }[], foldedBias: ArrayLike<number>, rows: readonly ArrayLike<number>[], outputOffset: number, actMin: number, actMax: number): Int32Array | null {
  const out = new Int32Array(3 * rows.length);
  for (let c = 0; c < rows.length; c++) {
    const m = ms.length === 1 ? ms[0] : ms[c];
    const k = -m.shift;
    let reach = 0;
    for (let t = 0; t < rows[c].length; t++) reach += 128 * Math.abs(rows[c][t]);
    const bound = Math.abs(foldedBias[c]) + reach;
    if (k >= 1 && k <= 22 && bound < 2 ** 29) {
      out.set([m.multiplier, k, 2 ** (k - 1) + outputOffset * 2 ** k], 3 * c);
      continue;
    }
    const lo = foldedBias[c] - reach;
    const hi = foldedBias[c] + reach;
    if (lo < -(2 ** 31) || hi >= 2 ** 31) return null; // the accumulator could wrap
    const v = requantOne(lo, m, outputOffset, actMin, actMax);
    if (requantOne(hi, m, outputOffset, actMin, actMax) !== v) return null;
    out.set([0, 1, 2 * v], 3 * c);
  }
  return out;
}
