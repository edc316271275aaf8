/**
 * The `spectral` block (docs/features.md): per axis — and optionally the magnitude |a| of the
 * first three — mean removal, an optional Butterworth low/high-pass (fixed-point biquads), RMS,
 * skewness and kurtosis of the filtered signal, a fixed-point radix-2 FFT over overlapping frames
 * (Hann or no window), a mean (Welch) or max-hold power spectrum, log2 power of the bins inside the
 * pass band, and the spectrum's skewness and kurtosis. Parameter names follow Edge Impulse's
 * spectral-analysis block (filter type / cutoff / order, FFT length, take log, overlap frames).
 */
import { badInput } from '../core/errors.js';
import { cInts } from '../core/cemit.js';
import { clamp, ilog2q, isqrt, LOG2_FRAC_BITS, moments, momentsFloat, roundDiv, roundShift } from './fixed.js';
import { inputScales } from './input.js';
import type { ResolvedBlock, WindowContext } from './types.js';

export interface SpectralParams {
  /** 'low' | 'high' | 'none' (default 'low'). */
  filterType: 'low' | 'high' | 'none';
  /** Cut-off frequency in Hz, below Nyquist (default 8). */
  filterCutoff: number;
  /** Butterworth order 1…8 (default 6). */
  filterOrder: number;
  /** FFT length: a power of two 16…256 (default 64). */
  fftLength: number;
  /** Log2 of the power per bin (default true); false gives the amplitude √power. */
  doLog: boolean;
  /** Frames overlap by half (default true). */
  doFftOverlap: boolean;
  /**
   * How frames combine: 'mean' (Welch, default), 'max' (max-hold), or 'frames': no combination —
   * every frame's bins (a log-spectrogram), the vector repeated once per frame (frame-major rows,
   * docs/features.md), spectral moments from the mean spectrum.
   */
  spectrum: 'mean' | 'max' | 'frames';
  /** 'hann' (default) or 'none'. */
  window: 'hann' | 'none';
  /** Add the magnitude √(x²+y²+z²) of the first three axes as one more channel (default false). */
  magnitude: boolean;
  /** Add each channel's mean (orientation, in counts) as a feature (default false). */
  includeMean: boolean;
  /** Counts per unit per axis (powers of two; default 4096 per g, 16 per deg/s). */
  inputScale?: number[];
}

export const SPECTRAL_DEFAULTS: SpectralParams = {
  filterType: 'low',
  filterCutoff: 8,
  filterOrder: 6,
  fftLength: 64,
  doLog: true,
  doFftOverlap: true,
  spectrum: 'mean',
  window: 'hann',
  magnitude: false,
  includeMean: true,
};

export const SPECTRAL_HELP: Record<keyof SpectralParams, string> = {
  filterType: "'low', 'high' or 'none': Butterworth filter before the statistics and the FFT",
  filterCutoff: 'filter cut-off in Hz (below half the sample rate); a low-pass also ends the spectrum there, a high-pass starts it there',
  filterOrder: 'Butterworth order, 1–8',
  fftLength: 'FFT frame length: a power of two from 16 to 256, at most the window length',
  doLog: 'log2 of the power per bin (else the amplitude)',
  doFftOverlap: 'frames overlap by half',
  spectrum: "'mean' (Welch) or 'max' (max-hold) over the frames, or 'frames' (every frame's bins: a log-spectrogram, one row per frame, for --preset frame-conv)",
  window: "'hann' or 'none' per frame",
  magnitude: 'add |a| of the first three axes as a channel',
  includeMean: "add each channel's mean (orientation) as a feature (default true; false when the model must not depend on how the sensor is worn)",
  inputScale: 'counts per unit per axis (powers of two)',
};

/** Q format of the biquad coefficients. */
export const SOS_FRAC_BITS = 20;
/** Extra fractional bits of the signal inside the filter. */
export const FILTER_EXTRA_BITS = 4;
/** Filter state saturates at ±(2^21 − 1) (Q4 counts). */
export const FILTER_STATE_MAX = 2 ** 21 - 1;
/** FFT input: counts · 2^7 (Q7 over counts). */
export const FFT_INPUT_SHIFT = 7;
export const MAX_WINDOW = 2048;
export const MAX_FRAMES = 256;
/** spectrum 'frames': at most this many features per window (rows × row width). */
export const MAX_FRAME_FEATURES = 4096;

/** Butterworth second-order sections [b0, b1, b2, a1, a2] (a0 = 1) in float, bilinear with pre-warping. */
export function butterworthSos(type: 'low' | 'high', order: number, cutoffHz: number, rateHz: number): number[][] {
  const wc = Math.tan((Math.PI * cutoffHz) / rateHz);
  const out: number[][] = [];
  for (let k = 0; k < Math.floor(order / 2); k++) {
    const a = 2 * Math.sin((Math.PI * (2 * k + 1)) / (2 * order));
    const d0 = 1 + a * wc + wc * wc;
    const a1 = (2 * wc * wc - 2) / d0;
    const a2 = (1 - a * wc + wc * wc) / d0;
    out.push(type === 'low' ? [(wc * wc) / d0, (2 * wc * wc) / d0, (wc * wc) / d0, a1, a2] : [1 / d0, -2 / d0, 1 / d0, a1, a2]);
  }
  if (order % 2 === 1) {
    const d0 = 1 + wc;
    const a1 = (wc - 1) / d0;
    out.push(type === 'low' ? [wc / d0, wc / d0, 0, a1, 0] : [1 / d0, -1 / d0, 0, a1, 0]);
  }
  return out;
}

/** Q15 quarter-wave cosine table for an FFT of length L: cos(2πk/L)·32768 rounded, k = 0…L/4. */
export function quarterCos(L: number): number[] {
  return Array.from({ length: L / 4 + 1 }, (_, k) => Math.round(Math.cos((2 * Math.PI * k) / L) * 32768));
}

/** Periodic Hann window in Q15: round(32768 · 0.5 · (1 − cos(2πn/L))). */
export function hannQ15(L: number): number[] {
  return Array.from({ length: L }, (_, n) => Math.round(16384 * (1 - Math.cos((2 * Math.PI * n) / L))));
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

const TYPES = ['low', 'high', 'none'];

/** Parameters → a runnable block. Every bad parameter is a bad-input error naming it and the fix. */
export function resolveSpectral(user: Partial<SpectralParams>, ctx: WindowContext): ResolvedBlock {
  const known = new Set(Object.keys(SPECTRAL_HELP));
  for (const k of Object.keys(user)) {
    if (!known.has(k)) throw badInput(`unknown spectral parameter "${k}"`, { remedy: `use one of: ${[...known].join(', ')}` });
  }
  const p: SpectralParams = { ...SPECTRAL_DEFAULTS, ...user };
  const fs = ctx.sampleRateHz;
  const N = ctx.windowLength;
  const bad = (param: string, what: string, remedy: string) => badInput(`features.${param} ${what}`, { remedy });
  if (!TYPES.includes(p.filterType)) throw bad('filterType', `is ${JSON.stringify(p.filterType)}`, "use 'low', 'high' or 'none'");
  if (!isPow2(p.fftLength) || p.fftLength < 16 || p.fftLength > 256) {
    throw bad('fftLength', `is ${p.fftLength}; it must be a power of two from 16 to 256`, 'use 16, 32, 64, 128 or 256');
  }
  if (p.filterType !== 'none') {
    if (!(typeof p.filterCutoff === 'number' && p.filterCutoff > 0 && p.filterCutoff < fs / 2)) {
      throw bad('filterCutoff', `is ${p.filterCutoff} Hz; it must be above 0 and below Nyquist (${fs / 2} Hz at ${fs} Hz)`, `use a cut-off below ${fs / 2} Hz, or filterType 'none'`);
    }
    if (!(Number.isInteger(p.filterOrder) && p.filterOrder >= 1 && p.filterOrder <= 8)) {
      throw bad('filterOrder', `is ${p.filterOrder}; it must be an integer from 1 to 8`, 'use e.g. 6');
    }
  }
  if (p.spectrum !== 'mean' && p.spectrum !== 'max' && p.spectrum !== 'frames') throw bad('spectrum', `is ${JSON.stringify(p.spectrum)}`, "use 'mean', 'max' or 'frames'");
  if (p.window !== 'hann' && p.window !== 'none') throw bad('window', `is ${JSON.stringify(p.window)}`, "use 'hann' or 'none'");
  for (const k of ['doLog', 'doFftOverlap', 'magnitude', 'includeMean'] as const) {
    if (typeof p[k] !== 'boolean') throw bad(k, `is ${JSON.stringify(p[k])}`, 'use true or false');
  }
  if (N > MAX_WINDOW) throw badInput(`the window is ${N} samples; the spectral block takes at most ${MAX_WINDOW}`, { remedy: 'use shorter windows (data.windowLength)' });
  if (N < p.fftLength) {
    throw bad('fftLength', `is ${p.fftLength} but the window has only ${N} samples (shorter than one FFT frame)`, `use fftLength ≤ ${N} or longer windows`);
  }
  const L = p.fftLength;
  const hop = p.doFftOverlap ? L / 2 : L;
  const frames = Math.floor((N - L) / hop) + 1;
  if (frames > MAX_FRAMES) throw bad('fftLength', `gives ${frames} frames per window; at most ${MAX_FRAMES}`, 'use a longer FFT or shorter windows');
  let binStart = 1;
  let binEnd = L / 2; // inclusive
  const binOf = (f: number) => (f * L) / fs;
  if (p.filterType === 'low') binEnd = Math.min(L / 2, Math.floor(binOf(p.filterCutoff) + 1e-9));
  if (p.filterType === 'high') binStart = Math.max(1, Math.ceil(binOf(p.filterCutoff) - 1e-9));
  const binCount = binEnd - binStart + 1;
  if (binCount < 1) {
    throw bad('filterCutoff', `of ${p.filterCutoff} Hz leaves no FFT bin (bins are ${(fs / L).toFixed(3)} Hz apart at fftLength ${L})`, 'raise the cut-off or the FFT length');
  }
  let magIndex: number[] | null = null;
  if (p.magnitude) {
    const want = ['aX', 'aY', 'aZ'];
    magIndex = want.map((a) => ctx.axes.indexOf(a));
    const missing = want.filter((_, i) => magIndex![i] < 0);
    if (missing.length) {
      throw badInput(`features.magnitude needs the axes aX, aY, aZ; unknown axis ${missing.join(', ')} in [${ctx.axes.join(', ')}]`, { remedy: 'import the accelerometer axes aX,aY,aZ, or set magnitude false' });
    }
  }
  const scales = inputScales(ctx.axes, ctx.units, p.inputScale);
  const nA = ctx.axes.length;
  const channels = [...ctx.axes, ...(magIndex ? ['mag'] : [])];
  // One row: per channel its statistics and bins. 'frames' repeats the row once per frame (frame-major),
  // row f holding frame f's bins and the same statistics.
  const rowNames: string[] = [];
  for (const c of channels) {
    if (p.includeMean) rowNames.push(`${c}.mean`);
    rowNames.push(`${c}.rms`, `${c}.skew`, `${c}.kurt`);
    for (let k = binStart; k <= binEnd; k++) rowNames.push(`${c}.bin${k}`);
    rowNames.push(`${c}.sskew`, `${c}.skurt`);
  }
  const perFrame = p.spectrum === 'frames';
  const rows = perFrame ? frames : 1;
  const row = rowNames.length;
  const names = perFrame ? Array.from({ length: rows }, (_, f) => rowNames.map((n) => `f${f}:${n}`)).flat() : rowNames;
  if (names.length > MAX_FRAME_FEATURES) {
    throw bad('spectrum', `'frames' gives ${frames} frames × ${row} features = ${names.length} per window; at most ${MAX_FRAME_FEATURES}`, "use a longer fftLength, doFftOverlap false, fewer bins (filterCutoff), or spectrum 'mean'");
  }
  const sosF = p.filterType === 'none' ? [] : butterworthSos(p.filterType, p.filterOrder, p.filterCutoff, fs);
  const sos = sosF.map((s) => s.map((c) => Math.round(c * 2 ** SOS_FRAC_BITS)));
  const cosT = quarterCos(L);
  const hann = hannQ15(L);
  const log2L = Math.log2(L);
  const bitrev = Array.from({ length: L }, (_, i) => {
    let r = 0;
    for (let b = 0; b < log2L; b++) if (i & (1 << b)) r |= 1 << (log2L - 1 - b);
    return r;
  });
  // cos/sin of 2πk/L for k in [0, L/2) from the quarter table (exact symmetries, no rounding).
  const twCos = (k: number) => (k <= L / 4 ? cosT[k] : -cosT[L / 2 - k]);
  const twSin = (k: number) => (k <= L / 4 ? cosT[L / 4 - k] : cosT[k - L / 4]);

  /** Channel c of the window as integers (raw counts, or |a| = isqrt(x²+y²+z²)). */
  const channel = (counts: ArrayLike<number>, c: number, out: number[]) => {
    for (let t = 0; t < N; t++) {
      if (c < nA) out[t] = counts[t * nA + c];
      else {
        const x = counts[t * nA + magIndex![0]];
        const y = counts[t * nA + magIndex![1]];
        const z = counts[t * nA + magIndex![2]];
        out[t] = isqrt(x * x + y * y + z * z);
      }
    }
  };

  const isBin = rowNames.map((n) => /\.bin\d+$/.test(n));
  const compute = (counts: ArrayLike<number>): Int32Array => {
    const out = new Int32Array(names.length);
    const x = new Array<number>(N);
    const sig = new Array<number>(N);
    const re = new Array<number>(L);
    const im = new Array<number>(L);
    const acc = new Array<number>(binCount);
    const amp = new Array<number>(binCount);
    let o = 0;
    for (let c = 0; c < channels.length; c++) {
      channel(counts, c, x);
      let sum = 0;
      for (let t = 0; t < N; t++) sum += x[t];
      const mean = roundDiv(sum, N);
      if (p.includeMean) out[o++] = mean;
      // Mean removal, then the filter in Q4 with saturating state, back to int16 counts.
      for (let t = 0; t < N; t++) sig[t] = (x[t] - mean) * 2 ** FILTER_EXTRA_BITS;
      for (const s of sos) {
        let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (let t = 0; t < N; t++) {
          const x0 = sig[t];
          const a = s[0] * x0 + s[1] * x1 + s[2] * x2 - s[3] * y1 - s[4] * y2;
          const y0 = clamp(roundShift(a, SOS_FRAC_BITS), -FILTER_STATE_MAX, FILTER_STATE_MAX);
          x2 = x1; x1 = x0; y2 = y1; y1 = y0;
          sig[t] = y0;
        }
      }
      let sq = 0;
      for (let t = 0; t < N; t++) {
        sig[t] = clamp(roundShift(sig[t], FILTER_EXTRA_BITS), -32768, 32767);
        sq += sig[t] * sig[t];
      }
      out[o++] = isqrt(roundDiv(sq * 256, N));
      const m = moments(sig, N);
      out[o++] = m.skew;
      out[o++] = m.kurt;
      acc.fill(0);
      for (let f = 0; f < frames; f++) {
        const start = f * hop;
        for (let n = 0; n < L; n++) {
          const v = sig[start + n];
          re[bitrev[n]] = p.window === 'hann' ? roundShift(v * hann[n], 15 - FFT_INPUT_SHIFT) : v * 2 ** FFT_INPUT_SHIFT;
          im[bitrev[n]] = 0;
        }
        for (let half = 1; half < L; half *= 2) {
          const step = L / (2 * half);
          for (let g = 0; g < L; g += 2 * half) {
            for (let j = 0; j < half; j++) {
              const wr = twCos(j * step);
              const wi = -twSin(j * step);
              const a = g + j, b = a + half;
              const tr = roundShift(re[b] * wr - im[b] * wi, 15);
              const ti = roundShift(re[b] * wi + im[b] * wr, 15);
              const ar = re[a], ai = im[a];
              re[a] = roundShift(ar + tr, 1);
              im[a] = roundShift(ai + ti, 1);
              re[b] = roundShift(ar - tr, 1);
              im[b] = roundShift(ai - ti, 1);
            }
          }
        }
        for (let k = 0; k < binCount; k++) {
          const q = binStart + k;
          const pw = re[q] * re[q] + im[q] * im[q];
          if (p.spectrum === 'max') acc[k] = Math.max(acc[k], pw);
          else acc[k] += pw;
          if (perFrame) out[f * row + o + k] = p.doLog ? ilog2q(pw) : isqrt(pw);
        }
      }
      for (let k = 0; k < binCount; k++) {
        const pw = p.spectrum === 'max' ? acc[k] : roundDiv(acc[k], frames);
        amp[k] = isqrt(pw);
        if (!perFrame) out[o + k] = p.doLog ? ilog2q(pw) : amp[k];
      }
      o += binCount;
      const sm = moments(amp, binCount);
      out[o++] = sm.skew;
      out[o++] = sm.kurt;
    }
    // Rows 1… repeat row 0's statistics (their bins are already in place).
    for (let f = 1; f < rows; f++) {
      for (let j = 0; j < row; j++) if (!isBin[j]) out[f * row + j] = out[j];
    }
    return out;
  };

  const logOrAmp = (pw: number) => (p.doLog ? (pw > 1 ? Math.log2(pw) * 2 ** LOG2_FRAC_BITS : 0) : Math.sqrt(pw));
  const reference = (counts: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(names.length);
    const x = new Array<number>(N);
    const sig = new Array<number>(N);
    let o = 0;
    for (let c = 0; c < channels.length; c++) {
      for (let t = 0; t < N; t++) {
        if (c < nA) x[t] = counts[t * nA + c];
        else {
          const [a, b, d] = magIndex!.map((i) => counts[t * nA + i]);
          x[t] = Math.sqrt(a * a + b * b + d * d);
        }
      }
      let mean = 0;
      for (let t = 0; t < N; t++) mean += x[t];
      mean /= N;
      if (p.includeMean) out[o++] = mean;
      for (let t = 0; t < N; t++) sig[t] = x[t] - mean;
      for (const s of sosF) {
        let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (let t = 0; t < N; t++) {
          const x0 = sig[t];
          const y0 = s[0] * x0 + s[1] * x1 + s[2] * x2 - s[3] * y1 - s[4] * y2;
          x2 = x1; x1 = x0; y2 = y1; y1 = y0;
          sig[t] = y0;
        }
      }
      let sq = 0;
      for (let t = 0; t < N; t++) sq += sig[t] * sig[t];
      out[o++] = Math.sqrt(sq / N) * 16;
      const m = momentsFloat(sig, N);
      out[o++] = m.skew * 65536;
      out[o++] = m.kurt * 65536;
      const acc = new Array<number>(binCount).fill(0);
      const bo = o;
      for (let f = 0; f < frames; f++) {
        for (let k = 0; k < binCount; k++) {
          const q = binStart + k;
          let sr = 0, si = 0;
          for (let n = 0; n < L; n++) {
            const w = p.window === 'hann' ? 0.5 * (1 - Math.cos((2 * Math.PI * n) / L)) : 1;
            const v = sig[f * hop + n] * w * 2 ** FFT_INPUT_SHIFT;
            sr += v * Math.cos((2 * Math.PI * q * n) / L);
            si -= v * Math.sin((2 * Math.PI * q * n) / L);
          }
          const pw = (sr * sr + si * si) / (L * L);
          acc[k] = p.spectrum === 'max' ? Math.max(acc[k], pw) : acc[k] + pw / frames;
          if (perFrame) out[f * row + bo + k] = logOrAmp(pw);
        }
      }
      const amp = acc.map(Math.sqrt);
      for (let k = 0; k < binCount; k++) if (!perFrame) out[o + k] = logOrAmp(acc[k]);
      o += binCount;
      const sm = momentsFloat(amp, binCount);
      out[o++] = sm.skew * 65536;
      out[o++] = sm.kurt * 65536;
    }
    for (let f = 1; f < rows; f++) {
      for (let j = 0; j < row; j++) if (!isBin[j]) out[f * row + j] = out[j];
    }
    return out;
  };

  const cConfig = (): string[] => [
    '#define TF_FEATURES_SPECTRAL 1',
    `#define TF_FEATURES_CHANNELS ${channels.length}`,
    `#define TF_FEATURES_MAGNITUDE ${p.magnitude ? 1 : 0}`,
    `#define TF_FEATURES_MAG_AXES ${magIndex ? magIndex.join(', ') : '0, 1, 2'}`,
    `#define TF_FEATURES_INCLUDE_MEAN ${p.includeMean ? 1 : 0}`,
    `#define TF_FEATURES_NUM_SECTIONS ${sos.length}`,
    `#define TF_FEATURES_FFT_LENGTH ${L}`,
    `#define TF_FEATURES_FFT_LOG2 ${log2L}`,
    `#define TF_FEATURES_HOP ${hop}`,
    `#define TF_FEATURES_FRAMES ${frames}`,
    `#define TF_FEATURES_BIN_START ${binStart}`,
    `#define TF_FEATURES_BIN_COUNT ${binCount}`,
    `#define TF_FEATURES_DO_LOG ${p.doLog ? 1 : 0}`,
    `#define TF_FEATURES_SPECTRUM_MAX ${p.spectrum === 'max' ? 1 : 0}`,
    `#define TF_FEATURES_SPECTRUM_FRAMES ${perFrame ? 1 : 0}`,
    `#define TF_FEATURES_ROW ${row}`,
    `#define TF_FEATURES_WINDOW_HANN ${p.window === 'hann' ? 1 : 0}`,
    `/* Butterworth ${p.filterType === 'none' ? '(none)' : `${p.filterType}-pass, order ${p.filterOrder}, ${p.filterCutoff} Hz`}: [b0 b1 b2 a1 a2] per section, Q${SOS_FRAC_BITS}. */`,
    `static const int32_t tf_features_sos[${Math.max(1, sos.length) * 5}] = {\n${cInts(sos.length ? sos.flat() : [0, 0, 0, 0, 0], 5)}\n};`,
    `/* cos and sin of 2πk/L, k < L/2, Q15: the quarter-wave table round(32768·cos(2πk/L)), k ≤ L/4, by its exact symmetries. */`,
    `static const int32_t tf_features_tw_cos[${L / 2}] = {\n${cInts(Array.from({ length: L / 2 }, (_, k) => twCos(k)), 12)}\n};`,
    `static const int32_t tf_features_tw_sin[${L / 2}] = {\n${cInts(Array.from({ length: L / 2 }, (_, k) => twSin(k)), 12)}\n};`,
    `static const uint8_t tf_features_bitrev[${L}] = {\n${cInts(bitrev, 16)}\n};`,
    `static const int32_t tf_features_hann[${L}] = {\n${cInts(hann, 12)}\n};`,
  ];
  // sig[N], fre/fim[L] int32; acc[B] int64, amp[B] int32 (tf_features.c).
  const scratchBytes = 4 * N + 8 * L + 12 * binCount;
  return {
    block: 'spectral',
    params: { ...p, inputScale: scales },
    count: names.length,
    shape: perFrame ? [rows, row] : [names.length],
    names,
    inputScale: scales,
    compute,
    reference,
    cConfig,
    scratchBytes,
  };
}
