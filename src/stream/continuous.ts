/**
 * The board's continuous path in TypeScript, operation for operation, so a whole recording can be
 * replayed on the host and give the board's every window bit for bit (firmware/core/tf_model.c,
 * tf_resample.c and the virtual board's IMU driver):
 *   raw int16 counts → g as float32 (count · (1/lsbPerG)) → resampler to the model's rate
 *   (integer-mHz phase accumulator, y = (1 − f)·prev + f·cur in float32) → per value
 *   q = clamp(roundf(((x − mean) / std) / scale) + zeroPoint) → ring of windowLength samples → a
 *   window every windowStride samples → the int8 engine → arg-max → integer smoothing.
 * Pure: the engine is a function passed in (the host interpreter).
 */
import type { ModelSettings } from '../core/dataset.js';
import { anomalyDistance, anomalyInt8 } from '../train/anomaly.js';

const f32 = Math.fround;

/** tf_model.h's smoothing: average over K results, a minimum averaged int8 score, a minimum run of windows. */
export interface Smoothing {
  average: number;
  minScore: number;
  minWindows: number;
}

export const NO_SMOOTHING: Smoothing = { average: 1, minScore: -128, minWindows: 1 };
/** TF_SMOOTH_MAX_AVERAGE. */
export const MAX_SMOOTH_AVERAGE = 16;

/** roundf: half away from zero. */
function roundf(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** tf_model.c quantise(): one value of axis `a`. */
export function quantiseValue(x: number, mean: number, std: number, scale: number, zeroPoint: number): number {
  const t = f32(f32(f32(x) - f32(mean)) / f32(std));
  const q = f32(roundf(f32(t / f32(scale))) + zeroPoint);
  return q < -128 ? -128 : q > 127 ? 127 : Math.trunc(q);
}

/** tf_resample.c, for any number of axes (the board uses 3). */
export class Resampler {
  private readonly inMhz: number;
  private readonly outMhz: number;
  private acc = 0;
  private prev: number[] | null = null;
  produced = 0;

  constructor(inputHz: number, outputHz: number) {
    this.inMhz = Math.trunc(f32(f32(f32(inputHz) * 1000) + 0.5));
    const out = Math.trunc(f32(f32(f32(outputHz) * 1000) + 0.5));
    this.outMhz = out || this.inMhz;
  }

  /** Back to the start of a stream (tf_resample_init). */
  reset(): void {
    this.acc = 0;
    this.prev = null;
    this.produced = 0;
  }

  /** One raw sample in; the model-rate samples it completes out. */
  push(x: readonly number[]): number[][] {
    const cur = x.map(f32);
    const out: number[][] = [];
    if (this.inMhz === 0) return out;
    if (!this.prev) {
      this.prev = cur;
      return out;
    }
    while (this.acc < this.outMhz) {
      const f = f32(this.acc / this.outMhz);
      const g = f32(1 - f);
      const prev = this.prev;
      out.push(cur.map((c, a) => f32(f32(g * prev[a]) + f32(f * c))));
      this.produced++;
      this.acc += this.inMhz;
    }
    this.acc -= this.outMhz;
    this.prev = cur;
    return out;
  }
}

/** One window's result as the board computes it (PREDICTION carries the same). */
export interface StreamWindow {
  window: number;
  /** Index of the window's newest model-rate sample. */
  lastSample: number;
  scores: Int8Array;
  classIndex: number;
  /** The anomaly block's score of the window (settings.anomaly, raw windows), as the board's ANOMALY_SCORE. */
  anomaly?: { distance: number; cluster: number; flagged: boolean };
}

/** First index of the largest value. */
export function argmax(v: Int8Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/**
 * The library's window over model-rate samples (values in settings.axes order, sensor units):
 * every window it completes runs `engine` (int8 input bytes → int8 output bytes).
 */
export function replayWindows(settings: ModelSettings, samples: Float32Array, engine: (input: Uint8Array) => Uint8Array): StreamWindow[] {
  const A = settings.axes.length, L = settings.windowLength, S = settings.windowStride;
  const { mean, std } = settings.normalisation;
  const iq = settings.inputQuant;
  if (!iq) throw new Error('replayWindows needs the settings of a quantised model (inputQuant)');
  const n = Math.floor(samples.length / A);
  const q = new Int8Array(n * A);
  for (let i = 0; i < n * A; i++) q[i] = quantiseValue(samples[i], mean[i % A], std[i % A], iq.scale, iq.zeroPoint);
  const out: StreamWindow[] = [];
  const kmeans = settings.anomaly && !settings.features ? anomalyInt8(settings.anomaly, iq) : null;
  for (let last = L - 1; last < n; last += S) {
    const input = new Uint8Array(q.buffer, (last + 1 - L) * A, L * A).slice();
    const scores = new Int8Array(engine(input).slice().buffer);
    out.push({ window: out.length, lastSample: last, scores, classIndex: argmax(scores), ...(kmeans ? { anomaly: anomalyDistance(new Int8Array(input.buffer), kmeans) } : {}) });
  }
  return out;
}

/** tf_model.c smooth_result() over a stream of scores: the reported class after each result (-1: none yet). */
export function smoothStream(scores: readonly Int8Array[], s: Smoothing): number[] {
  let candidate = -1, run = 0, reported = -1;
  const hist: Int8Array[] = [];
  return scores.map((sc) => {
    hist.push(sc);
    if (hist.length > s.average) hist.shift();
    let best = -1, bestSum = 0;
    for (let c = 0; c < sc.length; c++) {
      let sum = 0;
      for (const h of hist) sum += h[c];
      if (best < 0 || sum > bestSum) (best = c), (bestSum = sum);
    }
    if (bestSum < s.minScore * hist.length) best = -1;
    if (best === candidate) run = Math.min(run + 1, 0x7fff);
    else (candidate = best), (run = 1);
    if (candidate >= 0 && run >= s.minWindows) reported = candidate;
    return reported;
  });
}

/**
 * What the virtual board's IMU driver hands the app for a recording played back over the sensor
 * bus: counts = round(g · lsbPerG) saturated at the int16 rails, then count · (1/lsbPerG) in float32.
 */
export function boardImuSamples(xyzG: Float32Array, lsbPerG: number): Float32Array {
  const gPerLsb = f32(1 / lsbPerG);
  return Float32Array.from(xyzG, (g) => f32(Math.max(-32768, Math.min(32767, Math.round(g * lsbPerG))) * gPerLsb));
}

/** Raw IMU samples (x, y, z interleaved, at `imuHz`) → the model-rate samples the board's resampler makes. */
export function resampleStream(xyz: Float32Array, imuHz: number, modelHz: number): Float32Array {
  const r = new Resampler(imuHz, modelHz);
  const out: number[] = [];
  for (let i = 0; i + 3 <= xyz.length; i += 3) for (const s of r.push([xyz[i], xyz[i + 1], xyz[i + 2]])) out.push(...s);
  return Float32Array.from(out);
}

/**
 * tf_model.c reconstruction_error(): an autoencoder's anomaly score, the mean squared difference of
 * the dequantised output and input, summed in index order in float32 (no FMA).
 */
export function reconstructionError(input: Int8Array, output: Int8Array, inQ: { scale: number; zeroPoint: number }, outQ: { scale: number; zeroPoint: number }): number {
  const n = Math.min(input.length, output.length);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const o = f32((output[i] - outQ.zeroPoint) * f32(outQ.scale));
    const x = f32((input[i] - inQ.zeroPoint) * f32(inQ.scale));
    const d = f32(o - x);
    acc = f32(acc + f32(d * d));
  }
  return f32(acc / n);
}
