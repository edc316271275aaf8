/**
 * The anomaly block (`tinyforge train --anomaly K`): K-means on the model's input, the score of a
 * window is its squared distance to the nearest centroid — the approach of Edge Impulse's K-means
 * anomaly block. Why K-means and not an autoencoder's reconstruction error: it needs no second
 * network (no training run, no second engine on the board, K·D bytes of flash and K·D
 * multiply-adds per window), it is fitted in a second from the windows the classifier trained
 * on, and its arithmetic is exact integers, so host and board agree bit for bit by construction.
 *
 * Fitting (float64, here): k-means++ seeding (Mulberry32 from the seed) and Lloyd iterations on
 * the model's float input — normalised windows, or the standardised features of a feature block —
 * of the TRAINING windows. The threshold is the `quantile` of the VALIDATION windows' squared
 * distances (windows of known classes), so about 1 − quantile of known windows are flagged.
 * Both go into the settings (`anomaly`) in float input units.
 *
 * On the board and in every host check (one definition, anomalyInt8 + anomalyDistance):
 *   c_q[k][i] = clamp(roundHalfAway(c[k][i] / s) + z, −128, 127)      s, z: the model's input quantisation
 *   T_q       = min(2^31 − 1, roundHalfAway(threshold / s²))
 *   distance  = min over k of Σ_i (x_q[i] − c_q[k][i])²   int32 (D·255² < 2^31 is checked), lowest k on a tie
 *   anomalous = distance > T_q
 * where x_q is the int8 model input the engine receives (the quantised window, or the feature
 * block's int8 features).
 */
import type { ModelSettings } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { mulberry32 } from '../data/prng.js';

export type AnomalySettings = NonNullable<ModelSettings['anomaly']>;

export const ANOMALY_DEFAULTS = { quantile: 0.99, iterations: 50 } as const;
/** Largest model input the int32 distance holds: D · 255² < 2^31. */
export const ANOMALY_MAX_DIMS = Math.floor((2 ** 31 - 1) / (255 * 255));

export interface FitAnomalyInput {
  /** Training windows' model input, row-major [n][dims]. */
  train: Float32Array | Float64Array;
  /** Validation windows' model input (known classes), for the threshold; empty → the training windows. */
  val: Float32Array | Float64Array;
  dims: number;
  k: number;
  quantile?: number;
  seed?: number;
  iterations?: number;
}

function sq(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) {
    const e = a[ao + i] - b[bo + i];
    s += e * e;
  }
  return s;
}

/** Squared float distance of row `r` of `x` to the nearest of `centroids`. */
function nearest(x: ArrayLike<number>, r: number, centroids: Float64Array, k: number, d: number): { index: number; distance: number } {
  let index = 0, distance = Infinity;
  for (let c = 0; c < k; c++) {
    const s = sq(x, r * d, centroids, c * d, d);
    if (s < distance) (distance = s), (index = c);
  }
  return { index, distance };
}

/** The value at quantile q of xs (linear interpolation between order statistics). */
export function quantileOf(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos), hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const REMEDY_K = 'e.g. tinyforge train --anomaly 16 (Edge Impulse uses 32 clusters by default)';

/** Bad-input unless 1 ≤ k ≤ n (whole): the cluster count `train --anomaly K` may fit on n training windows. */
export function checkClusters(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1) throw badInput(`--anomaly needs a whole number of clusters ≥ 1, got ${k}`, { remedy: REMEDY_K });
  if (k > n) throw badInput(`--anomaly ${k}: more clusters than the ${n} training windows`, { remedy: `use at most ${n} clusters (fewer than a tenth of the windows is usual), e.g. --anomaly ${Math.max(1, Math.min(32, Math.floor(n / 10)))}` });
}

/** K-means on the training windows + a threshold from the validation windows. Throws bad-input for k < 1, more clusters than windows, a quantile outside (0, 1]. */
export function fitAnomaly(o: FitAnomalyInput): AnomalySettings {
  const d = o.dims;
  const n = Math.floor(o.train.length / d);
  const quantile = o.quantile ?? ANOMALY_DEFAULTS.quantile;
  checkClusters(o.k, n);
  if (!(quantile > 0 && quantile <= 1)) throw badInput(`--anomaly-quantile must be in (0, 1], got ${quantile}`, { remedy: 'e.g. --anomaly-quantile 0.99 (1 % of known windows flagged)' });
  if (d > ANOMALY_MAX_DIMS) throw badInput(`the model input has ${d} values; the anomaly block's int32 distance holds at most ${ANOMALY_MAX_DIMS}`, { remedy: 'use a smaller window or a feature block (--features spectral)' });
  const k = o.k;
  const rng = mulberry32(o.seed ?? 1).fork('anomaly-kmeans');
  const cent = new Float64Array(k * d);
  // k-means++: each next centroid is a window drawn with probability ∝ its squared distance to the chosen ones.
  const dist = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) cent[c * d + i] = o.train[pick * d + i];
    let total = 0;
    for (let r = 0; r < n; r++) {
      dist[r] = Math.min(dist[r], sq(o.train, r * d, cent, c * d, d));
      total += dist[r];
    }
    if (c + 1 === k) break;
    let u = rng.next() * total;
    pick = n - 1;
    for (let r = 0; r < n; r++) {
      u -= dist[r];
      if (u < 0) {
        pick = r;
        break;
      }
    }
  }
  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < (o.iterations ?? ANOMALY_DEFAULTS.iterations); it++) {
    let moved = 0;
    for (let r = 0; r < n; r++) {
      const { index } = nearest(o.train, r, cent, k, d);
      if (index !== assign[r]) (assign[r] = index), moved++;
    }
    if (moved === 0) break;
    const sum = new Float64Array(k * d), count = new Int32Array(k);
    for (let r = 0; r < n; r++) {
      count[assign[r]]++;
      for (let i = 0; i < d; i++) sum[assign[r] * d + i] += o.train[r * d + i];
    }
    // An emptied cluster keeps its centroid.
    for (let c = 0; c < k; c++) if (count[c]) for (let i = 0; i < d; i++) cent[c * d + i] = sum[c * d + i] / count[c];
  }
  const val = o.val.length >= d ? o.val : o.train;
  const nv = Math.floor(val.length / d);
  const dv = Array.from({ length: nv }, (_, r) => nearest(val, r, cent, k, d).distance);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    method: 'kmeans',
    centroids: Array.from({ length: k }, (_, c) => Array.from(cent.subarray(c * d, (c + 1) * d), round)),
    threshold: quantileOf(dv, quantile),
    quantile,
    thresholdFrom: val === o.val ? 'validation' : 'train',
  };
}

/** Share of the windows of `x` ([n][dims], float input units) whose float distance exceeds the threshold. */
export function anomalyRate(a: AnomalySettings, x: ArrayLike<number>, dims: number): number {
  const k = a.centroids.length;
  const cent = Float64Array.from(a.centroids.flat());
  const n = Math.floor(x.length / dims);
  let flagged = 0;
  for (let r = 0; r < n; r++) if (nearest(x, r, cent, k, dims).distance > a.threshold) flagged++;
  return n ? flagged / n : 0;
}

const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** The anomaly block in the int8 domain of the model's input (see the file comment): what the board's header holds. */
export interface AnomalyInt8 {
  clusters: number;
  dims: number;
  /** clusters × dims, row-major. */
  centroids: Int8Array;
  threshold: number;
}

export function anomalyInt8(a: AnomalySettings, inputQuant: { scale: number; zeroPoint: number }): AnomalyInt8 {
  const k = a.centroids.length;
  const d = k ? a.centroids[0].length : 0;
  if (!k || a.centroids.some((c) => c.length !== d || c.some((v) => !Number.isFinite(v))) || !(a.threshold >= 0)) {
    throw badInput('settings "anomaly" is malformed: centroids must be k ≥ 1 lists of equal length of finite numbers and the threshold ≥ 0', { remedy: 'retrain with tinyforge train --anomaly K, or remove "anomaly" from the settings' });
  }
  if (d > ANOMALY_MAX_DIMS) throw badInput(`settings "anomaly" has ${d}-value centroids; at most ${ANOMALY_MAX_DIMS} fit the int32 distance`, { remedy: 'retrain with a smaller window or a feature block' });
  const s = inputQuant.scale, z = inputQuant.zeroPoint;
  const centroids = Int8Array.from(a.centroids.flat(), (v) => Math.max(-128, Math.min(127, roundHalfAway(v / s) + z)));
  return { clusters: k, dims: d, centroids, threshold: Math.min(2 ** 31 - 1, roundHalfAway(a.threshold / (s * s))) };
}

/** The board's score of one int8 model input: nearest centroid and its squared distance (exact integers). */
export function anomalyDistance(x: Int8Array, a: AnomalyInt8): { distance: number; cluster: number; flagged: boolean } {
  let best = -1, cluster = 0;
  for (let c = 0; c < a.clusters; c++) {
    let s = 0;
    for (let i = 0; i < a.dims; i++) {
      const e = x[i] - a.centroids[c * a.dims + i];
      s += e * e;
    }
    if (best < 0 || s < best) (best = s), (cluster = c);
  }
  return { distance: best, cluster, flagged: best > a.threshold };
}
