/**
 * Standardisation and int8 quantisation of features. On the host (float allowed): fit per-feature
 * mean/std on the TRAINING features; the float model sees x = (f − mean) / std. After quantisation
 * fixes the model's input scale s and zero point zp, each feature's map f → int8 is folded into
 * integers (featureQuantisers): q = clamp(zp + roundShift(f·mult − offset, shift), −128, 127) with
 * mult = round(2^shift / (std·s)) in [2^14, 2^15) and offset = round(mean·mult). The device and
 * the host reference both use only this integer form; no float on the device.
 */
import type { Normalisation } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { clamp, roundShift } from './fixed.js';

/** Smallest standard deviation a feature may have (features are integers: finer is noise). */
export const MIN_FEATURE_STD = 0.5;

/** Per-feature mean and population std over `n` feature vectors of length `count` (flat). */
export function fitStandardisation(features: Int32Array | Float32Array, count: number): Normalisation {
  const n = features.length / count;
  if (!(n >= 1)) throw badInput('cannot fit the feature standardisation on no windows', { remedy: 'check that the train split has windows' });
  const mean = new Array<number>(count).fill(0);
  const sq = new Array<number>(count).fill(0);
  for (let i = 0; i < features.length; i++) mean[i % count] += features[i];
  for (let j = 0; j < count; j++) mean[j] /= n;
  for (let i = 0; i < features.length; i++) sq[i % count] += (features[i] - mean[i % count]) ** 2;
  return { mean, std: sq.map((s) => Math.max(MIN_FEATURE_STD, Math.sqrt(s / n))) };
}

/** x = (f − mean) / std, float32, for training and calibration. */
export function standardise(features: Int32Array, std: Normalisation): Float32Array {
  const c = std.mean.length;
  const out = new Float32Array(features.length);
  for (let i = 0; i < out.length; i++) out[i] = (features[i] - std.mean[i % c]) / std.std[i % c];
  return out;
}

export interface FeatureQuantisers {
  mult: number[];
  shift: number[];
  offset: number[];
  zeroPoint: number;
}

/** Folds standardisation + the input quantisation into one integer multiplier/shift/offset per feature. */
export function featureQuantisers(std: Normalisation, inputQuant: { scale: number; zeroPoint: number }): FeatureQuantisers {
  const mult: number[] = [];
  const shift: number[] = [];
  const offset: number[] = [];
  std.std.forEach((sd, j) => {
    const r = 1 / (sd * inputQuant.scale);
    if (!(Number.isFinite(r) && r > 0)) throw badInput(`feature ${j}: std ${sd} with input scale ${inputQuant.scale} gives no finite multiplier`, { remedy: 're-run tinyforge train (the standardisation constants are damaged)' });
    let s = 14 - Math.floor(Math.log2(r));
    let m = Math.round(r * 2 ** s);
    if (m >= 2 ** 15) {
      s -= 1;
      m = Math.round(r * 2 ** s);
    } else if (m < 2 ** 14) {
      s += 1;
      m = Math.round(r * 2 ** s);
    }
    if (s < 0 || s > 52) {
      throw badInput(`feature ${j}: the multiplier 1/(std·scale) = ${r.toExponential(3)} is outside what the integer fold supports`, {
        remedy: 'check the feature standardisation (a feature with a huge or tiny spread) or retrain',
      });
    }
    mult.push(m);
    shift.push(s);
    offset.push(Math.round(std.mean[j] * m));
  });
  return { mult, shift, offset, zeroPoint: inputQuant.zeroPoint };
}

/** The model's int8 input for one feature vector (the integer fold; identical on the device). */
export function quantiseFeatures(f: ArrayLike<number>, q: FeatureQuantisers, out = new Int8Array(f.length)): Int8Array {
  for (let j = 0; j < f.length; j++) out[j] = clamp(q.zeroPoint + roundShift(f[j] * q.mult[j] - q.offset[j], q.shift[j]), -128, 127);
  return out;
}
