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
}

const pct = (a: number) => `${(100 * a).toFixed(1)} %`;

/**
 * The lecture's reading of train vs validation vs test accuracy: test a little below train is
 * normal; far below means the model memorised its training data (subjects) instead of learning
 * the activity; low everywhere means it has not learned enough. Thresholds (absolute accuracy):
 * gap ≤ 5 points good, ≤ 15 mild, above that overfit; underfit when train accuracy is below
 * chance + 60 % of the way to 100 %. `classes` sets chance (1 / classes).
 */
export function fitVerdict(acc: { train: number; val?: number; test?: number }, classes: number, counts?: { val?: number; test?: number }): Verdict {
  const chance = 1 / Math.max(classes, 1);
  const heldName = acc.test !== undefined ? 'test' : 'validation';
  const held = acc.test ?? acc.val;
  const parts = [`train ${pct(acc.train)}`];
  if (acc.val !== undefined) parts.push(`validation ${pct(acc.val)}`);
  if (acc.test !== undefined) parts.push(`test ${pct(acc.test)}`);
  const head = parts.join(', ');
  if (held === undefined) {
    return { kind: 'unreliable', text: `${head}: no held-out data, so there is no way to tell learning from memorising. Keep some subjects out for validation and test.` };
  }
  const heldCount = acc.test !== undefined ? counts?.test : counts?.val;
  if (heldCount !== undefined && heldCount < 20) {
    return { kind: 'unreliable', text: `${head}: only ${heldCount} held-out windows, too few to judge; each one moves ${heldName} accuracy by ${pct(1 / Math.max(heldCount, 1))}. Record more data.` };
  }
  if (acc.train < chance + 0.6 * (1 - chance)) {
    return {
      kind: 'underfit',
      text: `${head}: the model does not even fit its training data (chance is ${pct(chance)}): it is underfitting. Train longer, raise the learning rate, or use a bigger model (e.g. the conv1d preset).`,
    };
  }
  const gap = acc.train - held;
  let valTestNote = '';
  if (acc.val !== undefined && acc.test !== undefined && Math.abs(acc.val - acc.test) > 0.1) {
    valTestNote = ` Validation and test differ by ${(100 * Math.abs(acc.val - acc.test)).toFixed(1)} points: the held-out subjects behave differently, so expect similar spread on new users.`;
  }
  if (gap <= 0.05) {
    return { kind: 'good-fit', text: `${head}: ${heldName} accuracy is close to training accuracy, so the model generalises to data (subjects) it never saw.${valTestNote}` };
  }
  if (gap <= 0.15) {
    return {
      kind: 'mild-overfit',
      text: `${head}: ${heldName} is ${(100 * gap).toFixed(1)} points below train — some memorisation of the training subjects, usually acceptable; more subjects or a little regularisation (dropout, fewer epochs) would narrow it.${valTestNote}`,
    };
  }
  return {
    kind: 'overfit',
    text: `${head}: the model memorised the training subjects (${(100 * gap).toFixed(1)}-point gap) instead of learning the activities. Add data from more people, regularise (dropout, smaller model, early stopping) or augment.${valTestNote}`,
  };
}
