// The anomaly block (src/train/anomaly.ts): K-means fitting, the validation threshold, the int8
// form the board holds, and the bad inputs of `train --anomaly`. Expected values are worked out by
// hand in the comments (blob means, squared distances, roundings).
import { describe, expect, it } from 'vitest';
import { anomalyDistance, anomalyInt8, fitAnomaly, quantileOf, ANOMALY_MAX_DIMS } from '../../src/train/anomaly.js';
import { thrown } from '../data/helpers.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { cli } from '../helpers/cli.js';
import { SETTINGS } from '../device/targets.js';

/** Two blobs in 2-D around (−5, 0) and (5, 0), points at ±0.1 and ±0.2 around them. */
function blobs(): Float64Array {
  const pts: number[] = [];
  for (const cx of [-5, 5]) for (const dx of [-0.2, -0.1, 0, 0.1, 0.2]) pts.push(cx + dx, dx / 2);
  return Float64Array.from(pts);
}

const errorOf = thrown;

describe('fitAnomaly (K-means + validation threshold)', () => {
  it('finds the two blob centres (their means: (−5, 0) and (5, 0)) and sets the threshold at the validation quantile', () => {
    // Validation points at distance² 0, 1, 4, 9, 16 from (5, 0): quantile 1 → 16, 0.5 → 4, 0.75 → 9.
    const val = Float64Array.from([5, 0, 5, 1, 5, 2, 5, 3, 5, 4]);
    for (const [q, want] of [[1, 16], [0.5, 4], [0.75, 9]]) {
      const a = fitAnomaly({ train: blobs(), val, dims: 2, k: 2, quantile: q, seed: 3 });
      const cs = [...a.centroids].sort((p, r) => p[0] - r[0]);
      expect(cs[0][0]).toBeCloseTo(-5, 9);
      expect(cs[1][0]).toBeCloseTo(5, 9);
      expect(cs[0][1]).toBeCloseTo(0, 9);
      expect(a.threshold).toBeCloseTo(want, 9);
      expect(a.thresholdFrom).toBe('validation');
    }
    expect(quantileOf([0, 10], 0.25)).toBe(2.5);
  });

  it('with k = 1 the centroid is the mean of every window; no validation windows → the training ones', () => {
    const a = fitAnomaly({ train: Float64Array.from([0, 0, 2, 0, 4, 6]), val: new Float64Array(0), dims: 2, k: 1, quantile: 1 });
    expect(a.centroids).toEqual([[2, 2]]);
    // Training distances² to (2, 2): 8, 4, 20 → the largest.
    expect(a.threshold).toBe(20);
    expect(a.thresholdFrom).toBe('train');
  });

  it('bad input: k < 1, k not whole, more clusters than windows, a quantile outside (0, 1], too many values for int32', () => {
    const base = { train: blobs(), val: new Float64Array(0), dims: 2 };
    expect(errorOf(() => fitAnomaly({ ...base, k: 0 })).message).toMatch(/clusters ≥ 1, got 0/);
    expect(errorOf(() => fitAnomaly({ ...base, k: 1.5 })).message).toMatch(/whole number/);
    const many = errorOf(() => fitAnomaly({ ...base, k: 11 }));
    expect(many.message).toMatch(/more clusters than the 10 training windows/);
    expect(many.remedy).toMatch(/--anomaly 1\b/);
    expect(errorOf(() => fitAnomaly({ ...base, k: 2, quantile: 0 })).message).toMatch(/anomaly-quantile/);
    const wide = ANOMALY_MAX_DIMS + 1;
    expect(errorOf(() => fitAnomaly({ train: new Float64Array(wide * 2), val: new Float64Array(0), dims: wide, k: 1 })).message).toMatch(/int32 distance/);
    for (const e of [many]) expect(e.kind).toBe('bad-input');
  });
});

describe('anomalyInt8: the board\'s integer form', () => {
  it('rounds half away from zero, clamps to int8, scales the threshold by 1/scale²', () => {
    // scale 0.25, zero point −3: 0.125/0.25 = 0.5 → 1 → −2; −0.125 → −1 → −4; 100 → 400 → clamp 127; −100 → −128.
    const a = anomalyInt8({ method: 'kmeans', centroids: [[0.125, -0.125, 100, -100]], threshold: 1.03125, quantile: 1, thresholdFrom: 'validation' }, { scale: 0.25, zeroPoint: -3 });
    expect(Array.from(a.centroids)).toEqual([-2, -4, 127, -128]);
    // 1.03125 / 0.0625 = 16.5 → 17.
    expect(a.threshold).toBe(17);
    // x = (0, 0, 127, −128): (0+2)² + (0+4)² = 20 > 17 → flagged.
    expect(anomalyDistance(Int8Array.from([0, 0, 127, -128]), a)).toEqual({ distance: 20, cluster: 0, flagged: true });
  });

  it('the nearest centroid wins, the lowest index on a tie', () => {
    const a = anomalyInt8({ method: 'kmeans', centroids: [[1], [3], [1]], threshold: 0, quantile: 1, thresholdFrom: 'validation' }, { scale: 1, zeroPoint: 0 });
    expect(anomalyDistance(Int8Array.from([2]), a)).toEqual({ distance: 1, cluster: 0, flagged: true });
    expect(anomalyDistance(Int8Array.from([3]), a)).toEqual({ distance: 0, cluster: 1, flagged: false });
  });

  it('the settings header holds the block only for a classifier whose input matches the centroids', () => {
    const anomaly = { method: 'kmeans' as const, centroids: [Array.from({ length: 60 }, () => 0.1)], threshold: 1, quantile: 0.99, thresholdFrom: 'validation' as const };
    const h = settingsHeader({ settings: { ...SETTINGS, anomaly }, inputBytes: 60, outputBytes: 5 }).contents as string;
    // 0.1 / 0.05 = 2 → 2 − 3 = −1 sixty times; threshold 1 / 0.0025 = 400.
    expect(h).toContain('#define TF_MODEL_ANOMALY_CLUSTERS 1');
    expect(h).toContain('#define TF_MODEL_ANOMALY_THRESHOLD 400');
    expect(h).toContain(`tf_model_anomaly_centroids[TF_MODEL_ANOMALY_CLUSTERS * TF_MODEL_INPUT_BYTES] = {${Array(60).fill(-1).join(', ')}}`);
    expect(settingsHeader({ settings: SETTINGS, inputBytes: 60, outputBytes: 5 }).contents).toContain('#define TF_MODEL_ANOMALY_CLUSTERS 0');
    expect(errorOf(() => settingsHeader({ settings: { ...SETTINGS, anomaly }, inputBytes: 61, outputBytes: 5 })).message).toMatch(/60-value centroids but the model input has 61/);
    expect(errorOf(() => settingsHeader({ settings: { ...SETTINGS, task: 'regression', labels: [], anomaly }, inputBytes: 60, outputBytes: 5 })).message).toMatch(/on a regression model/);
  });
});

describe('tinyforge train --anomaly: bad flags', () => {
  it('a task that is not activity classification, k < 1, a quantile without --anomaly, more clusters than windows: exit codes and remedies', async () => {
    const reg = await cli(['train', '--example', 'regression', '--anomaly', '4']);
    expect(reg.status).toBe(2);
    expect(reg.stderr).toMatch(/regression/);
    expect(reg.stderr).toMatch(/tinyforge train --builtin --anomaly 16/);
    const zero = await cli(['train', '--builtin', '--anomaly', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--anomaly must be a whole number ≥ 1, got "0"/);
    const q = await cli(['train', '--builtin', '--anomaly-quantile', '0.9']);
    expect(q.status).toBe(2);
    expect(q.stderr).toMatch(/needs --anomaly K/);
    const many = await cli(['train', '--builtin', '--anomaly', '100000', '--epochs', '1', '--out', '/nonexistent/never-written']);
    expect(many.status).toBe(3);
    expect(many.stderr).toMatch(/more clusters than the \d+ training windows/);
  }, 120_000);
});
