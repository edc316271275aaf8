/**
 * The `flatten` block (docs/features.md): per axis, over the raw counts of the window — mean, min,
 * max, RMS, standard deviation, skewness and kurtosis (the statistics of Edge Impulse's flatten
 * block), all integer.
 */
import { badInput } from '../core/errors.js';
import { isqrt, moments, momentsFloat, roundDiv } from './fixed.js';
import { inputScales } from './input.js';
import type { ResolvedBlock, WindowContext } from './types.js';

export interface FlattenParams {
  /** Counts per unit per axis (powers of two; default 4096 per g, 16 per deg/s). */
  inputScale?: number[];
}

export const FLATTEN_DEFAULTS: FlattenParams = {};
export const FLATTEN_HELP: Record<keyof FlattenParams, string> = { inputScale: 'counts per unit per axis (powers of two)' };
export const FLATTEN_STATS = ['mean', 'min', 'max', 'rms', 'std', 'skew', 'kurt'] as const;
export const FLATTEN_MAX_WINDOW = 2048;

export function resolveFlatten(user: Partial<FlattenParams>, ctx: WindowContext): ResolvedBlock {
  for (const k of Object.keys(user)) {
    if (k !== 'inputScale') throw badInput(`unknown flatten parameter "${k}"`, { remedy: 'flatten takes only inputScale' });
  }
  const N = ctx.windowLength;
  if (N > FLATTEN_MAX_WINDOW) throw badInput(`the window is ${N} samples; the flatten block takes at most ${FLATTEN_MAX_WINDOW}`, { remedy: 'use shorter windows (data.windowLength)' });
  const scales = inputScales(ctx.axes, ctx.units, user.inputScale);
  const nA = ctx.axes.length;
  const names = ctx.axes.flatMap((a) => FLATTEN_STATS.map((s) => `${a}.${s}`));
  const compute = (counts: ArrayLike<number>): Int32Array => {
    const out = new Int32Array(names.length);
    for (let a = 0; a < nA; a++) {
      let sum = 0, sq = 0, mn = 32767, mx = -32768;
      for (let t = 0; t < N; t++) {
        const v = counts[t * nA + a];
        sum += v;
        sq += v * v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const mean = roundDiv(sum, N);
      let dq = 0;
      for (let t = 0; t < N; t++) {
        const d = counts[t * nA + a] - mean;
        dq += d * d;
      }
      const m = moments(counts, N, a, nA);
      out.set([mean, mn, mx, isqrt(roundDiv(sq * 256, N)), isqrt(roundDiv(dq * 256, N)), m.skew, m.kurt], a * 7);
    }
    return out;
  };
  const reference = (counts: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(names.length);
    for (let a = 0; a < nA; a++) {
      let sum = 0, sq = 0, mn = Infinity, mx = -Infinity;
      for (let t = 0; t < N; t++) {
        const v = counts[t * nA + a];
        sum += v;
        sq += v * v;
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      const mean = sum / N;
      let dq = 0;
      for (let t = 0; t < N; t++) dq += (counts[t * nA + a] - mean) ** 2;
      const m = momentsFloat(counts, N, a, nA);
      out.set([mean, mn, mx, Math.sqrt(sq / N) * 16, Math.sqrt(dq / N) * 16, m.skew * 65536, m.kurt * 65536], a * 7);
    }
    return out;
  };
  return {
    block: 'flatten',
    params: { inputScale: scales },
    count: names.length,
    shape: [names.length],
    names,
    inputScale: scales,
    compute,
    reference,
    cConfig: () => ['#define TF_FEATURES_FLATTEN 1'],
    scratchBytes: 4 * N, // one axis as int32 (tf_features.c)
  };
}
