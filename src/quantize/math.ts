/**
 * Quantisation arithmetic of TFLite full-integer post-training quantisation, as pure functions
 * over plain arrays. Conventions (TFLite quantisation spec / MLIR quantiser facts):
 *
 * - real = scale * (q - zeroPoint); scales are stored in the model as float32, so every scale this
 *   module returns is already rounded to float32 (`Math.fround`) and later arithmetic uses that.
 * - Rounding of real → int is round-half-away-from-zero (C `std::round`).
 * - Activations: int8 asymmetric per tensor over [-128, 127]; the range is first widened to
 *   contain 0, and a range narrower than 1e-6 is widened to ±5e-7 so the scale is never 0.
 * - Weights: int8 symmetric (zero point 0) over the narrow range [-127, 127], per tensor or per
 *   channel along one axis.
 * - Bias: int32, zero point 0, scale = input scale × weight scale (per channel).
 */

import { OPS } from '../ops/registry.js';

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** Ranges narrower than this are widened so that a scale is never 0 (MLIR quantiser constant). */
export const NEAR_ZERO_TOLERANCE = 1e-6;
const SMALLEST_HALF_RANGE = NEAR_ZERO_TOLERANCE / 2;

export const INT8_MIN = -128;
export const INT8_MAX = 127;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Round half away from zero (C `round`), unlike Math.round which rounds half up. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function widenTinyRange(min: number, max: number): [number, number] {
  if (max - min > NEAR_ZERO_TOLERANCE) return [min, max];
  return [Math.min(min, -SMALLEST_HALF_RANGE), Math.max(max, SMALLEST_HALF_RANGE)];
}

/**
 * Scale and zero point for an int range [qmin, qmax] covering the real range [min, max] (widened
 * to contain 0): the zero point is solved from whichever end gives the smaller rounding error,
 * then rounded and clamped into [qmin, qmax] ("nudging").
 */
export function nudgedParams(min: number, max: number, qmin: number, qmax: number): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`invalid range [${min}, ${max}]`);
  }
  let rmin = Math.min(min, 0);
  let rmax = Math.max(max, 0);
  [rmin, rmax] = widenTinyRange(rmin, rmax);
  const scale = (rmax - rmin) / (qmax - qmin);
  const zpFromMin = qmin - rmin / scale;
  const zpFromMinErr = Math.abs(qmin) + Math.abs(rmin / scale);
  const zpFromMax = qmax - rmax / scale;
  const zpFromMaxErr = Math.abs(qmax) + Math.abs(rmax / scale);
  const zp = zpFromMinErr < zpFromMaxErr ? zpFromMin : zpFromMax;
  // `+ 0` turns -0 into 0.
  const zeroPoint = (zp < qmin ? qmin : zp > qmax ? qmax : roundHalfAway(zp)) + 0;
  return { scale: Math.fround(scale), zeroPoint };
}

/** int8 activation parameters for a calibrated range (asymmetric, [-128, 127]). */
export function chooseActivationParams(min: number, max: number): QuantParams {
  return nudgedParams(min, max, INT8_MIN, INT8_MAX);
}

/** Symmetric narrow-range int8 scale for values whose largest magnitude is `absMax`. */
export function symmetricScale(absMax: number): number {
  const [lo, hi] = widenTinyRange(-absMax, absMax);
  return Math.fround((hi - lo) / (2 * 127));
}

export interface QuantizedWeights {
  /** int8 values, same layout as the input. */
  q: Int8Array;
  /** One scale per tensor (length 1) or per slice of `axis`. Zero points are all 0. */
  scales: number[];
  /** Axis of per-channel quantisation, or undefined for per-tensor. */
  axis?: number;
}

/**
 * Quantise weights symmetrically to int8 in [-127, 127] with zero point 0. With `axis`, one scale
 * per index along that axis of the row-major `shape` (per-channel); else one for the tensor.
 * `minScales` (one, or one per channel) raises a scale where it is smaller (see minWeightScales).
 */
export function quantizeWeightsSymmetric(w: Float32Array, shape: readonly number[], axis?: number, minScales?: readonly number[]): QuantizedWeights {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== w.length) throw new RangeError(`shape [${shape}] has ${n} elements but data has ${w.length}`);
  let channels = 1;
  let inner = n; // elements after the axis (stride of the axis)
  if (axis !== undefined) {
    if (axis < 0 || axis >= shape.length) throw new RangeError(`axis ${axis} out of range for shape [${shape}]`);
    channels = shape[axis];
    inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  }
  const chOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < n; i++) {
    const a = Math.abs(w[i]);
    if (!Number.isFinite(a)) throw new RangeError(`weight ${i} is not finite (${w[i]})`);
    const c = chOf(i);
    if (a > absMax[c]) absMax[c] = a;
  }
  const scales = Array.from(absMax, (m, c) => {
    const s = symmetricScale(m);
    const floor = minScales ? minScales[minScales.length === 1 ? 0 : c] : 0;
    return floor > s ? Math.fround(floor) : s;
  });
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = roundHalfAway(w[i] / scales[chOf(i)]);
    q[i] = v < -127 ? -127 : v > 127 ? 127 : v;
  }
  return { q, scales, ...(axis === undefined ? {} : { axis }) };
}

/**
 * Quantise a bias to int32 with zero point 0 and scale inputScale × weightScale[c] (one weight
 * scale: per tensor; b.length scales: per channel). Returns the ints and the scales used.
 */
export function quantizeBias(b: Float32Array, inputScale: number, weightScales: readonly number[]): { q: Int32Array; scales: number[] } {
  if (weightScales.length !== 1 && weightScales.length !== b.length) {
    throw new RangeError(`bias has ${b.length} channels but ${weightScales.length} weight scales`);
  }
  const scales = Array.from(b, (_, c) => Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]));
  const q = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const v = roundHalfAway(b[c] / scales[c]);
    q[c] = v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
  }
  return { q, scales: weightScales.length === 1 ? [scales[0]] : scales };
}

/** real → int8 with given parameters (round half away from zero, saturating). */
export function quantizeValue(x: number, p: QuantParams): number {
  const v = roundHalfAway(x / p.scale) + p.zeroPoint;
  return v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
}

/** Fixed output parameters TFLite requires for these ops' int8 outputs. */
export const FIXED_OUTPUT_PARAMS: Record<'SOFTMAX' | 'LOGISTIC' | 'TANH', QuantParams> = {
  SOFTMAX: OPS.SOFTMAX.fixedOutput!,
  LOGISTIC: OPS.LOGISTIC.fixedOutput!,
  TANH: OPS.TANH.fixedOutput!,
};

/** Min and max of a float array (NaN rejected). */
export function minMax(x: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) throw new RangeError(`value ${i} is NaN`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Smallest weight scale per output channel for which the bias still fits int32:
 * |b| / (inputScale × s_w) ≤ 2^31 − 1. Only matters for channels with (near-)zero weights and a
 * non-zero bias, whose max|w|/127 scale would otherwise saturate the bias.
 */
export function minWeightScales(b: Float32Array, inputScale: number): number[] {
  return Array.from(b, (v) => Math.abs(v) / (inputScale * INT32_MAX) * (1 + 1e-6));
}
