/**
 * Windowing and normalisation. Windows are cut per recording, so no window ever spans two
 * recordings; a recording shorter than one window yields none (counted by `countWindows`).
 */
import type { Normalisation, Recording, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';

export interface WindowOptions {
  /** Samples per window (≥ 1). */
  length: number;
  /** Samples between the starts of successive windows (≥ 1). */
  stride: number;
  /** Keep only these axes, in this order (default: the recordings' axes, which must then agree). */
  axes?: string[];
  /** Class order: y indexes this list (default: the sorted distinct labels). Pass the full list
   * when windowing splits separately so every split shares one index mapping. */
  labels?: string[];
}

/** Windows a recording of `frames` frames gives: starts 0, stride, … while start + length ≤ frames. */
export function countWindows(frames: number, length: number, stride: number): number {
  return frames < length ? 0 : Math.floor((frames - length) / stride) + 1;
}

/** Relative tolerance for "same sample rate" (measured rates differ in the last digits). */
const RATE_TOLERANCE = 0.01;

export function windowRecordings(recs: readonly Recording[], opts: WindowOptions): WindowSet {
  const { length, stride } = opts;
  if (!Number.isInteger(length) || length < 1) throw badInput(`window length must be a positive integer, got ${length}`, { remedy: 'pass e.g. --window 100' });
  if (!Number.isInteger(stride) || stride < 1) throw badInput(`window stride must be a positive integer, got ${stride}`, { remedy: 'pass e.g. --stride 50' });
  if (recs.length === 0) throw badInput('no recordings to window', { remedy: 'import at least one recording' });
  const axes = opts.axes ?? recs[0].axes;
  const labels = opts.labels ?? [...new Set(recs.map((r) => r.label))].sort();
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const rate = recs[0].sampleRateHz;
  const picks: number[][] = [];
  let total = 0;
  for (const r of recs) {
    if (Math.abs(r.sampleRateHz - rate) > RATE_TOLERANCE * rate) {
      throw badInput(`mixed sample rates: ${describe(recs[0])} is ${rate} Hz but ${describe(r)} is ${r.sampleRateHz} Hz`, {
        remedy: 'window recordings of one rate together (resample or re-capture the others at the same rate)',
      });
    }
    if (!labelIndex.has(r.label)) {
      throw badInput(`label "${r.label}" of ${describe(r)} is not among the classes [${labels.join(', ')}]`, {
        remedy: 'pass the full label list, or drop recordings of unknown classes',
      });
    }
    const pick = axes.map((a) => r.axes.indexOf(a));
    const missing = axes.filter((_, i) => pick[i] < 0);
    if (missing.length > 0 || (!opts.axes && r.axes.length !== axes.length)) {
      throw badInput(`${describe(r)} has axes [${r.axes.join(', ')}], expected [${axes.join(', ')}]`, {
        remedy: 'select common axes explicitly (e.g. --axes aX,aY,aZ) or import recordings with the same columns',
      });
    }
    picks.push(pick);
    total += countWindows(r.samples.length / r.axes.length, length, stride);
  }
  const nA = axes.length;
  const x = new Float32Array(total * length * nA);
  const y = new Int32Array(total);
  const groups: string[] = [];
  let w = 0;
  recs.forEach((r, ri) => {
    const pick = picks[ri];
    const stride0 = r.axes.length;
    const frames = r.samples.length / stride0;
    const n = countWindows(frames, length, stride);
    const cls = labelIndex.get(r.label)!;
    for (let k = 0; k < n; k++, w++) {
      const start = k * stride;
      let o = w * length * nA;
      for (let t = 0; t < length; t++) {
        const base = (start + t) * stride0;
        for (let a = 0; a < nA; a++) x[o++] = r.samples[base + pick[a]];
      }
      y[w] = cls;
      groups.push(r.group);
    }
  });
  return { axes: axes.slice(), labels: labels.slice(), windowLength: length, sampleRateHz: rate, x, y, groups };
}

function describe(r: Recording): string {
  return r.source ?? `recording "${r.label}" of group "${r.group}"`;
}

/** Per-axis mean and (population) standard deviation over every sample of every window. Fit it on
 * the TRAIN split only. A constant axis gets std 1 so normalising never divides by zero. */
export function fitNormalisation(ws: WindowSet): Normalisation {
  const nA = ws.axes.length;
  const count = ws.x.length / nA;
  if (count === 0) throw badInput('cannot fit normalisation on an empty window set', { remedy: 'check that the train split has windows' });
  const sum = new Float64Array(nA);
  for (let i = 0; i < ws.x.length; i++) sum[i % nA] += ws.x[i];
  const mean = Array.from(sum, (s) => s / count);
  const sq = new Float64Array(nA);
  for (let i = 0; i < ws.x.length; i++) {
    const d = ws.x[i] - mean[i % nA];
    sq[i % nA] += d * d;
  }
  const std = Array.from(sq, (s) => {
    const sd = Math.sqrt(s / count);
    return sd > 1e-8 ? sd : 1;
  });
  return { mean, std };
}

/** A copy of `ws` with x' = (x − mean) / std per axis. */
export function applyNormalisation(ws: WindowSet, norm: Normalisation): WindowSet {
  const nA = ws.axes.length;
  if (norm.mean.length !== nA || norm.std.length !== nA) {
    throw badInput(`normalisation has ${norm.mean.length} axes but the windows have ${nA}`, { remedy: 'fit the normalisation on windows with the same axes' });
  }
  const x = new Float32Array(ws.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (ws.x[i] - norm.mean[i % nA]) / norm.std[i % nA];
  return { ...ws, x };
}

/** The windows at `indices`, in that order. */
export function subsetWindows(ws: WindowSet, indices: readonly number[]): WindowSet {
  const per = ws.windowLength * ws.axes.length;
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  indices.forEach((idx, k) => {
    x.set(ws.x.subarray(idx * per, (idx + 1) * per), k * per);
    y[k] = ws.y[idx];
  });
  return { ...ws, x, y, groups: indices.map((i) => ws.groups[i]) };
}
