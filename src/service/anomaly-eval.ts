/**
 * How well the anomaly block (src/train/anomaly.ts) finds motions unlike any trained class,
 * measured by leaving one class out: for each class c, the block is fitted on the training
 * windows of the OTHER classes (with that data's own front-end: normalisation or feature
 * standardisation), its threshold chosen on their validation windows, and the test windows are
 * scored in the board's int8 arithmetic (anomalyInt8 + anomalyDistance; the int8 input
 * quantisation from the training inputs' min/max, as the quantiser calibrates the input tensor).
 * Reported per held-out class: the share of its windows flagged (detection; all its windows, train,
 * validation and test, since the block never saw any of them) and the share of the known classes'
 * test windows flagged (false alarms), plus the threshold-free ROC AUC of the
 * distance (novel vs known). No network is trained: the block does not depend on it.
 */
import type { WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { applyNormalisation, fitNormalisation, subsetWindows } from '../data/window.js';
import { blockForWindows, featureSet, fitFeatureSettings, standardise, standardisedFeatureSet } from '../features/index.js';
import { chooseActivationParams, minMax, quantizeValue } from '../quantize/math.js';
import { ANOMALY_DEFAULTS, anomalyDistance, anomalyInt8, fitAnomaly } from '../train/anomaly.js';

export interface LeaveOneOutClass {
  heldOut: string;
  /** Share of the held-out class's windows flagged (all splits: the block never saw the class). */
  novelFlagged: number;
  /** Share of the known classes' test windows flagged. */
  knownFlagged: number;
  /** P(distance of a novel window > distance of a known one), ties counted half. */
  auc: number;
  novelWindows: number;
  knownWindows: number;
}

export interface LeaveOneOutReport {
  clusters: number;
  quantile: number;
  frontEnd: string;
  classes: LeaveOneOutClass[];
  mean: { novelFlagged: number; knownFlagged: number; auc: number };
}

function auc(novel: number[], known: number[]): number {
  const k = [...known].sort((a, b) => a - b);
  let wins = 0;
  for (const d of novel) {
    let lo = 0, hi = k.length;
    while (lo < hi) (k[(lo + hi) >> 1] < d ? (lo = ((lo + hi) >> 1) + 1) : (hi = (lo + hi) >> 1));
    let eq = lo;
    while (eq < k.length && k[eq] === d) eq++;
    wins += lo + (eq - lo) / 2;
  }
  return novel.length && known.length ? wins / (novel.length * known.length) : NaN;
}

const where = (ws: WindowSet, f: (y: number) => boolean) => subsetWindows(ws, Array.from(ws.y.keys()).filter((i) => f(ws.y[i])));

export function leaveOneClassOut(split: { train: WindowSet; val: WindowSet; test: WindowSet }, o: { k: number; quantile?: number; seed?: number; features?: { block: string; params?: Record<string, unknown> } }): LeaveOneOutReport {
  const labels = split.train.labels;
  if (labels.length < 2) throw badInput(`leaving one class out needs at least 2 classes, the data has ${labels.length}`, { remedy: 'use data with more activities' });
  if (!split.test.y.length) throw badInput('leaving one class out scores test windows, and the split has none', { remedy: 'split with a test part (the default)' });
  const feat = o.features && o.features.block !== 'raw' ? blockForWindows(o.features.block, o.features.params, split.train) : null;
  const classes = labels.map((name, c): LeaveOneOutClass => {
    const train = where(split.train, (y) => y !== c);
    const val = where(split.val, (y) => y !== c);
    let input: (ws: WindowSet) => WindowSet;
    if (feat) {
      const fitted = fitFeatureSettings(train, feat);
      input = (ws) => (ws === train ? featureSet(ws, fitted.settings.names, standardise(fitted.features, fitted.settings.standardisation)) : standardisedFeatureSet(ws, fitted.settings, feat));
    } else {
      const norm = fitNormalisation(train);
      input = (ws) => applyNormalisation(ws, norm);
    }
    const tr = input(train);
    const dims = tr.windowLength * tr.axes.length;
    const a = fitAnomaly({ train: tr.x, val: input(val).x, dims, k: o.k, quantile: o.quantile, seed: o.seed });
    const r = minMax(tr.x);
    const q = chooseActivationParams(r.min, r.max);
    const block = anomalyInt8(a, q);
    const novel: number[] = [], known: number[] = [];
    let novelFlag = 0, knownFlag = 0;
    for (const part of [split.train, split.val, split.test]) {
      const set = input(part === split.test ? part : where(part, (y) => y === c));
      for (let w = 0; w < set.y.length; w++) {
        const x = Int8Array.from(set.x.subarray(w * dims, (w + 1) * dims), (v) => quantizeValue(v, q));
        const s = anomalyDistance(x, block);
        if (set.y[w] === c) (novel.push(s.distance), (novelFlag += Number(s.flagged)));
        else (known.push(s.distance), (knownFlag += Number(s.flagged)));
      }
    }
    return { heldOut: name, novelFlagged: novel.length ? novelFlag / novel.length : NaN, knownFlagged: known.length ? knownFlag / known.length : NaN, auc: auc(novel, known), novelWindows: novel.length, knownWindows: known.length };
  });
  const mean = (f: (c: LeaveOneOutClass) => number) => {
    const v = classes.map(f).filter(Number.isFinite);
    return v.reduce((s, x) => s + x, 0) / v.length;
  };
  return { clusters: o.k, quantile: o.quantile ?? ANOMALY_DEFAULTS.quantile, frontEnd: feat ? feat.block : 'raw', classes, mean: { novelFlagged: mean((c) => c.novelFlagged), knownFlagged: mean((c) => c.knownFlagged), auc: mean((c) => c.auc) } };
}

/** One line per held-out class and the mean, for reports and BENCHMARKS.md. */
export function formatLeaveOneOut(r: LeaveOneOutReport): string {
  const p = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `anomaly block (K-means, ${r.clusters} clusters, threshold at the ${r.quantile} quantile of validation distances, ${r.frontEnd} front-end), one class left out of training at a time:`,
    ...r.classes.map((c) => `  ${c.heldOut.padEnd(14)} held out: ${p(c.novelFlagged)} of its ${c.novelWindows} windows flagged; known classes ${p(c.knownFlagged)} of ${c.knownWindows} test windows; AUC ${c.auc.toFixed(3)}`),
    `  mean: unknown class flagged ${p(r.mean.novelFlagged)}, known classes flagged ${p(r.mean.knownFlagged)}, AUC ${r.mean.auc.toFixed(3)}`,
  ].join('\n');
}
