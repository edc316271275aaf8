/**
 * Classification metrics and the fit verdict, as pure functions over plain arrays — reusable for
 * the float model (training), the int8 model (host interpreter) and the board (verify): give them
 * predicted class indices and true labels.
 */

export interface ClassMetrics {
  label: string;
  /** Of the windows predicted as this class, the fraction that are it (NaN → 0 when none predicted). */
  precision: number;
  /** Of the windows of this class, the fraction predicted as it (0 when the class is absent). */
  recall: number;
  f1: number;
  /** Windows of this class (row sum of the confusion matrix). */
  support: number;
}

export interface Metrics {
  /** Correct / count, in [0, 1]. 0 for an empty set. */
  accuracy: number;
  count: number;
  /** confusion[true][predicted] = window count. Rows and columns follow `labels`. */
  confusion: number[][];
  perClass: ClassMetrics[];
  /** Unweighted mean F1 over classes with support > 0. */
  macroF1: number;
}

/** Metrics from predicted class indices and true class indices (same length, values in [0, labels.length)). */
export function classificationMetrics(predicted: ArrayLike<number>, truth: ArrayLike<number>, labels: readonly string[]): Metrics {
  if (predicted.length !== truth.length) throw new RangeError(`predicted has ${predicted.length} entries but truth has ${truth.length}`);
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new RangeError(`class index out of range at ${i}: truth ${t}, predicted ${p}, ${k} classes`);
    confusion[t][p]++;
    if (t === p) correct++;
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const present = perClass.filter((c) => c.support > 0);
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    count: truth.length,
    confusion,
    perClass,
    macroF1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
  };
}

/** Row-wise argmax of [n, k] scores (first maximum wins, as tf.argMax). */
export function argmaxRows(scores: ArrayLike<number>, k: number): Int32Array {
  const n = Math.floor(scores.length / k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

export type VerdictKind = 'good-fit' | 'mild-overfit' | 'overfit' | 'underfit' | 'unreliable';

export interface Verdict {
  kind: VerdictKind;
  /** Plain-words explanation of the train / validation / test gap and what to do about it. */
  text: string;
  /** The rule's numbers: below `underfitBelow` train accuracy is underfit; gaps in accuracy points. */
  thresholds?: { underfitBelow: number; goodGap: number; mildGap: number };
}

/**
 * What the held-out data is new in: the split's groups, in words ("subjects", "gestures", "files"),
 * and whether the split kept them apart (false after the contiguous fallback: the same people are
 * in train and test, so the held-out score says nothing about new people).
 */
export interface HeldOutContext {
  groups: string;
  apart: boolean;
}

const pct = (a: number) => `${(100 * a).toFixed(1)} %`;

/** Share of the way from chance to 100 % that train accuracy must reach not to be underfit. */
export const UNDERFIT_SHARE = 0.8;
export const GOOD_GAP = 0.05;
export const MILD_GAP = 0.15;

/** Train accuracy below which a model is underfit: chance + UNDERFIT_SHARE × (1 − chance). */
export function underfitThreshold(classes: number): number {
  const chance = 1 / Math.max(classes, 1);
  return chance + UNDERFIT_SHARE * (1 - chance);
}

/**
 * The lecture's reading of train vs validation vs test accuracy (docs/training.md): test a little
 * below train is normal; far below means the model memorised its training data instead of
 * learning the activity; low everywhere means it has not learned enough. Rule (absolute
 * accuracy): underfit when train accuracy is below chance + 80 % of the way to 100 % (84 % for 5
 * classes, 90 % for 2); else gap ≤ 5 points good, ≤ 15 mild, above that overfit. `classes` sets
 * chance (1 / classes). The text states the threshold, and says what the held-out data is new in
 * (`context`: subjects, gestures, files — or nothing new when the split shared groups).
 */
export function fitVerdict(acc: { train: number; val?: number; test?: number }, classes: number, counts?: { val?: number; test?: number }, context: HeldOutContext = { groups: 'subjects', apart: true }): Verdict {
  const chance = 1 / Math.max(classes, 1);
  const underfitBelow = underfitThreshold(classes);
  const thresholds = { underfitBelow, goodGap: GOOD_GAP, mildGap: MILD_GAP };
  const heldName = acc.test !== undefined ? 'test' : 'validation';
  const held = acc.test ?? acc.val;
  const parts = [`train ${pct(acc.train)}`];
  if (acc.val !== undefined) parts.push(`validation ${pct(acc.val)}`);
  if (acc.test !== undefined) parts.push(`test ${pct(acc.test)}`);
  const head = parts.join(', ');
  const g = context.groups;
  const unseen = context.apart ? `${g} it never saw` : `new recordings of the ${g} it trained on (the split could not keep ${g} apart, so this says nothing about new ${g})`;
  if (held === undefined) {
    return { kind: 'unreliable', thresholds, text: `${head}: no held-out data, so there is no way to tell learning from memorising. Keep some ${g} out for validation and test.` };
  }
  const heldCount = acc.test !== undefined ? counts?.test : counts?.val;
  if (heldCount !== undefined && heldCount < 20) {
    return { kind: 'unreliable', thresholds, text: `${head}: only ${heldCount} held-out windows, too few to judge; each one moves ${heldName} accuracy by ${pct(1 / Math.max(heldCount, 1))}. Record more data.` };
  }
  if (acc.train < underfitBelow) {
    return {
      kind: 'underfit',
      thresholds,
      text: `${head}: train accuracy is below ${pct(underfitBelow)} (chance ${pct(chance)} + ${UNDERFIT_SHARE * 100} % of the way to 100 %), so the model has not learned its training data: it is underfitting. Train longer, raise the learning rate, or use a bigger model (e.g. the conv1d preset).`,
    };
  }
  const gap = acc.train - held;
  let valTestNote = '';
  if (acc.val !== undefined && acc.test !== undefined && Math.abs(acc.val - acc.test) > 0.1) {
    valTestNote = ` Validation and test differ by ${(100 * Math.abs(acc.val - acc.test)).toFixed(1)} points: the held-out ${g} behave differently, so expect similar spread on new ones.`;
  }
  const rule = ` (rule: train ≥ ${pct(underfitBelow)}, gap ≤ ${GOOD_GAP * 100} points)`;
  if (gap <= GOOD_GAP) {
    return { kind: 'good-fit', thresholds, text: `${head}: ${heldName} accuracy is close to training accuracy${rule}, so the model generalises to ${unseen}.${valTestNote}` };
  }
  if (gap <= MILD_GAP) {
    return {
      kind: 'mild-overfit',
      thresholds,
      text: `${head}: ${heldName} is ${(100 * gap).toFixed(1)} points below train (more than ${GOOD_GAP * 100}, at most ${MILD_GAP * 100}) — some memorisation of the training ${g}, usually acceptable; more ${g} or a little regularisation (dropout, fewer epochs) would narrow it.${valTestNote}`,
    };
  }
  return {
    kind: 'overfit',
    thresholds,
    text: `${head}: the model memorised the training ${g} (${(100 * gap).toFixed(1)}-point gap, above ${MILD_GAP * 100}) instead of learning the classes. Add data from more ${g}, regularise (dropout, smaller model, early stopping) or augment.${valTestNote}`,
  };
}
