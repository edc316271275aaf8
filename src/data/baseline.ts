/**
 * Baseline classifiers: simple hand-made window features and a nearest-centroid classifier, used to check
 * that the built-in dataset is learnable but not trivially separable.
 */
import type { WindowSet } from '../core/dataset.js';

/** Per-axis mean of each window: [count][axes]. */
export function meanFeatures(ws: WindowSet): number[][] {
  const nA = ws.axes.length;
  const L = ws.windowLength;
  const out: number[][] = [];
  for (let w = 0; w < ws.y.length; w++) {
    const f = new Array(nA).fill(0);
    for (let t = 0; t < L; t++) for (let a = 0; a < nA; a++) f[a] += ws.x[(w * L + t) * nA + a] / L;
    out.push(f);
  }
  return out;
}

/** Orientation-free motion features: std of |a|, mean |a|, per-axis std summed, and the
 * dominant frequency (Hz) and its relative power in the |a| spectrum (plain DFT). */
export function motionFeatures(ws: WindowSet): number[][] {
  const nA = ws.axes.length;
  const L = ws.windowLength;
  const out: number[][] = [];
  for (let w = 0; w < ws.y.length; w++) {
    const mag = new Float64Array(L);
    const mean = new Array(nA).fill(0);
    for (let t = 0; t < L; t++) {
      let s = 0;
      for (let a = 0; a < nA; a++) {
        const v = ws.x[(w * L + t) * nA + a];
        s += v * v;
        mean[a] += v / L;
      }
      mag[t] = Math.sqrt(s);
    }
    let axStd = 0;
    for (let a = 0; a < nA; a++) {
      let q = 0;
      for (let t = 0; t < L; t++) q += (ws.x[(w * L + t) * nA + a] - mean[a]) ** 2;
      axStd += Math.sqrt(q / L);
    }
    const m = mag.reduce((p, c) => p + c, 0) / L;
    const sd = Math.sqrt(mag.reduce((p, c) => p + (c - m) ** 2, 0) / L);
    let bestK = 0;
    let bestP = 0;
    let totP = 1e-12;
    for (let k = 1; k < L / 2; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < L; t++) {
        re += (mag[t] - m) * Math.cos((2 * Math.PI * k * t) / L);
        im -= (mag[t] - m) * Math.sin((2 * Math.PI * k * t) / L);
      }
      const p = re * re + im * im;
      totP += p;
      if (p > bestP) {
        bestP = p;
        bestK = k;
      }
    }
    out.push([Math.log(sd + 1e-3), m, Math.log(axStd + 1e-3), (bestK * ws.sampleRateHz) / L / 2, bestP / totP]);
  }
  return out;
}

/** Nearest-centroid accuracy: features standardised on train, centroids per class from train. */
export function nearestCentroidAccuracy(train: number[][], yTrain: Int32Array, test: number[][], yTest: Int32Array, classes: number): number {
  const d = train[0].length;
  const mu = new Array(d).fill(0);
  const sd = new Array(d).fill(0);
  for (const f of train) f.forEach((v, i) => (mu[i] += v / train.length));
  for (const f of train) f.forEach((v, i) => (sd[i] += (v - mu[i]) ** 2 / train.length));
  const z = (f: number[]) => f.map((v, i) => (v - mu[i]) / (Math.sqrt(sd[i]) || 1));
  const cent = Array.from({ length: classes }, () => new Array(d).fill(0));
  const cnt = new Array(classes).fill(0);
  train.forEach((f, i) => {
    z(f).forEach((v, j) => (cent[yTrain[i]][j] += v));
    cnt[yTrain[i]]++;
  });
  cent.forEach((c, k) => c.forEach((_, j) => (c[j] /= Math.max(1, cnt[k]))));
  let ok = 0;
  test.forEach((f, i) => {
    const zf = z(f);
    let best = 0;
    let bd = Infinity;
    cent.forEach((c, k) => {
      const dd = c.reduce((p, v, j) => p + (v - zf[j]) ** 2, 0);
      if (dd < bd) {
        bd = dd;
        best = k;
      }
    });
    if (best === yTest[i]) ok++;
  });
  return ok / test.length;
}
