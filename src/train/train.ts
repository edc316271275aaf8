/**
 * Training and evaluation of window classifiers with TensorFlow.js.
 *
 * Determinism: initial weights come from seeded initialisers (models.ts), batches from this
 * module's seeded shuffle (Mulberry32), and no preset uses dropout, so on the cpu and wasm
 * backends the same seed and data give the same weights and report (tfjs-node uses multithreaded
 * native kernels whose summation order may vary).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, Normalisation, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { TINYFORGE_VERSION } from '../core/version.js';
import { applyNormalisation, fitNormalisation, subsetWindows } from '../data/window.js';
import { mulberry32, shuffled } from '../data/prng.js';
import { augmentWindows, type AugmentOptions } from './augment.js';
import { blockForWindows, computeFeatures, featureSet, fitFeatureSettings, standardise, standardisedFeatureSet, type ResolvedBlock } from '../features/index.js';
import { selectBackend, type BackendPreference } from './backend.js';
import { argmaxRows, classificationMetrics, fitVerdict, type HeldOutContext, type Metrics, type Verdict } from './metrics.js';
import { buildModel, FEATURE_PRESETS, modelSize, type ModelSize } from './models.js';
import { anomalyRate, checkClusters, fitAnomaly } from './anomaly.js';

export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches (class-weighted when class weights are used). */
  loss: number;
  /** Training accuracy over the epoch's batches, as the weights changed. */
  accuracy: number;
  /** Loss and accuracy on the validation set after the epoch; null without validation data. */
  valLoss: number | null;
  valAccuracy: number | null;
  /** Wall-clock seconds of the epoch (training + validation). Not deterministic. */
  seconds: number;
}

export interface EarlyStopping {
  /** Epochs without a validation-loss improvement before stopping; the best weights are restored. */
  patience: number;
}

export interface TrainOptions {
  preset: string;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  epochs: number;
  batchSize: number;
  earlyStopping?: EarlyStopping;
  /** 'balanced': w_c = n / (classes · n_c) (rare classes weigh more); or one weight per class. */
  classWeights?: 'balanced' | number[];
  seed: number;
  /** Backend to train on (default: best available, see selectBackend). */
  backend?: BackendPreference;
  /** Called after every epoch with its record and the epoch budget. */
  onEpoch?: (rec: EpochRecord, epochs: number) => void;
  /** Polled after every epoch: true ends training there (e.g. on Ctrl-C); the result is complete and marked `interrupted`. */
  shouldStop?: () => boolean;
  /** Recorded in ModelSettings (the WindowSet does not carry them): hop between windows (default: windowLength) and axis units (default 'g'). */
  windowStride?: number;
  units?: string[];
  /** How the data was split (groups in words, kept apart or not, the split's warnings), for the report and verdict. */
  split?: SplitContext;
  /** A caller-built (uncompiled) model to train instead of the preset; `preset` then only names it in the report. Input [windowLength, axes]. */
  model?: tf.LayersModel;
  /** Fit per-axis normalisation on train (default true); false keeps inputs as they are (mean 0, std 1). */
  normalise?: boolean;
  /** Fresh random rotation/gain/noise of every training window each epoch (augment.ts); off by default. */
  augment?: AugmentOptions;
  /** The front-end (src/features/): raw windows (default) or a feature block with its parameters. */
  features?: FrontEnd;
  /** The anomaly block (src/train/anomaly.ts): K-means with `k` clusters on the model input, threshold at `quantile` of the validation distances. */
  anomaly?: { k: number; quantile?: number };
}

/** A feature block by name with its parameters (registry.ts); 'raw' is today's normalised window. */
export interface FrontEnd {
  block: string;
  params?: Record<string, unknown>;
}

export interface SplitSet {
  train: WindowSet;
  val: WindowSet;
  test?: WindowSet;
}

export interface SplitEval {
  /** Mean cross-entropy (unweighted). */
  loss: number;
  metrics: Metrics;
}

export interface EvalReport {
  tinyforgeVersion: string;
  task: 'classification';
  labels: string[];
  backend: string;
  training: {
    preset: string;
    optimizer: string;
    learningRate: number;
    batchSize: number;
    epochsRequested: number;
    epochsRun: number;
    /** Epoch whose weights were kept (early stopping restores the best validation loss). */
    bestEpoch: number;
    stoppedEarly: boolean;
    /** Training was ended by the user (shouldStop) before the epoch budget or early stopping. */
    interrupted: boolean;
    seed: number;
    classWeights: number[] | null;
    augment: AugmentOptions | null;
  };
  data: {
    counts: { train: number; val: number; test: number };
    /** Windows per class in the training split, in `labels` order. */
    trainPerClass: number[];
    groups: { train: string[]; val: string[]; test: string[] };
    /** How the split was made: its groups in words, whether they were kept apart, and its warnings (never silent). */
    split?: SplitContext;
  };
  history: EpochRecord[];
  /** The front-end the model reads: 'raw' windows, or a feature block, its parameters and feature count. */
  frontEnd: { block: string; params: Record<string, unknown>; features: number };
  /** Accuracy of the final (restored) model on each split, in [0, 1]; null where a split is empty. */
  accuracy: { train: number; val: number | null; test: number | null };
  /** Full metrics of the held-out split named by `evaluatedOn` (test if present, else validation). */
  evaluatedOn: 'test' | 'validation' | 'train';
  metrics: Metrics;
  verdict: Verdict;
  size: ModelSize;
  /** The anomaly block (train --anomaly): clusters, threshold (float input units²) and the share of windows above it per split (float arithmetic; the board's int8 score is within its rounding). */
  anomaly?: { clusters: number; quantile: number; threshold: number; thresholdFrom: 'validation' | 'train'; flagged: { train: number; val: number | null; test: number | null } };
}

export interface SplitContext extends HeldOutContext {
  mode: 'group' | 'contiguous' | 'chosen';
  warnings: string[];
}

export interface TrainResult {
  model: tf.LayersModel;
  settings: ModelSettings;
  history: EpochRecord[];
  report: EvalReport;
  backend: string;
  /** Windows to save with the model, in sensor units (NOT normalised; settings.normalisation maps them). */
  windows: {
    /** Calibration sample for quantisation: up to REPRESENTATIVE_MAX training windows, seeded. */
    representative: WindowSet;
    /** The held-out windows the report was computed on (test, else validation), with labels. */
    heldOut: WindowSet;
  };
}

/** Most training windows kept for quantisation calibration. */
export const REPRESENTATIVE_MAX = 500;

/** A seeded sample of at most `max` windows (all of them, in order, when there are fewer). */
export function sampleWindows(ws: WindowSet, max: number, seed: number): WindowSet {
  const n = ws.y.length;
  if (n <= max) return ws;
  const pick = shuffled(Array.from({ length: n }, (_, i) => i), mulberry32(seed).fork('representative')).slice(0, max).sort((a, b) => a - b);
  return subsetWindows(ws, pick);
}

function checkSet(name: string, ws: WindowSet, ref: WindowSet, allowEmpty: boolean): void {
  const per = ws.windowLength * ws.axes.length;
  if (ws.y.length * per !== ws.x.length) {
    throw badInput(`the ${name} windows are inconsistent: ${ws.y.length} labels but ${ws.x.length} samples for ${ws.windowLength}×${ws.axes.length} windows`, { remedy: 'Rebuild the windows with tinyforge data split.' });
  }
  if (!allowEmpty && ws.y.length === 0) throw badInput(`the ${name} split has no windows`, { remedy: 'Add recordings, or shorten the window length.' });
  if (ws.windowLength !== ref.windowLength || ws.axes.join() !== ref.axes.join() || ws.labels.join() !== ref.labels.join()) {
    throw badInput(`the ${name} split has a different window length, axes or class list than the train split`, { remedy: 'Window all splits with the same options and class order.' });
  }
  for (const y of ws.y) if (y < 0 || y >= ref.labels.length) throw badInput(`the ${name} split has class index ${y} outside 0…${ref.labels.length - 1}`, { remedy: 'Check the labels.' });
}

/** Per-class weights for the loss: explicit, or sklearn's 'balanced' rule. */
export function resolveClassWeights(spec: TrainOptions['classWeights'], y: Int32Array, classes: number): number[] | null {
  if (spec === undefined) return null;
  if (spec === 'balanced') {
    const counts = new Array<number>(classes).fill(0);
    for (const c of y) counts[c]++;
    return counts.map((n) => (n ? y.length / (classes * n) : 1));
  }
  if (spec.length !== classes || spec.some((w) => !(w >= 0) || !Number.isFinite(w))) {
    throw badInput(`class weights must be ${classes} non-negative numbers, got ${JSON.stringify(spec)}`, { remedy: "Give one weight per class, or 'balanced'." });
  }
  return spec.slice();
}

/** Class probabilities [n, classes] for n windows of x, predicted in batches. */
export function predictProbabilities(model: tf.LayersModel, x: Float32Array, n: number, inputShape: number[], batch = 256): Float32Array {
  const per = inputShape.reduce((a, b) => a * b, 1);
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const out = tf.tidy(() => {
      const xt = tf.tensor(x.subarray(s * per, (s + m) * per), [m, ...inputShape]);
      return (model.predict(xt) as tf.Tensor).dataSync() as Float32Array;
    });
    parts.push(out);
  }
  const k = parts.length ? parts[0].length / Math.min(batch, n) : 0;
  const all = new Float32Array(n * k);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

/** Loss and metrics of a model on (already normalised) windows. */
export function evaluateModel(model: tf.LayersModel, ws: WindowSet): SplitEval {
  const n = ws.y.length;
  const k = ws.labels.length;
  const probs = predictProbabilities(model, ws.x, n, [ws.windowLength, ws.axes.length]);
  let loss = 0;
  for (let i = 0; i < n; i++) loss -= Math.log(Math.max(probs[i * k + ws.y[i]], 1e-7));
  return { loss: n ? loss / n : NaN, metrics: classificationMetrics(argmaxRows(probs, k), ws.y, ws.labels) };
}

function oneHot(y: Int32Array, k: number): Float32Array {
  const out = new Float32Array(y.length * k);
  y.forEach((c, i) => (out[i * k + c] = 1));
  return out;
}

/**
 * Trains a preset on `split.train` (normalisation fitted on train only), validates every epoch,
 * optionally stops early on validation loss (restoring the best weights), and evaluates.
 */
export async function trainModel(split: SplitSet, opts: TrainOptions): Promise<TrainResult> {
  const { train } = split;
  checkSet('train', train, train, false);
  checkSet('validation', split.val, train, true);
  if (split.test) checkSet('test', split.test, train, true);
  for (const [k, v] of Object.entries({ epochs: opts.epochs, batchSize: opts.batchSize })) {
    if (!Number.isInteger(v) || v < 1) throw badInput(`${k} must be a positive integer, got ${v}`, { remedy: `Set ${k} to 1 or more.` });
  }
  if (!(opts.learningRate > 0) || !Number.isFinite(opts.learningRate)) throw badInput(`learning rate must be a positive number, got ${opts.learningRate}`, { remedy: 'Try 0.001 for adam, 0.01 for sgd.' });
  if (opts.optimizer !== 'adam' && opts.optimizer !== 'sgd') throw badInput(`unknown optimizer "${String(opts.optimizer)}"`, { remedy: 'Use adam or sgd.' });
  if (opts.earlyStopping && !(Number.isInteger(opts.earlyStopping.patience) && opts.earlyStopping.patience >= 1)) {
    throw badInput(`early-stopping patience must be a positive integer, got ${opts.earlyStopping.patience}`, { remedy: 'Use e.g. 5.' });
  }
  const k = train.labels.length;
  // Checked before the backend loads or anything trains (fitAnomaly repeats the checks).
  if (opts.anomaly) checkClusters(opts.anomaly.k, train.y.length);
  const classWeights = resolveClassWeights(opts.classWeights, train.y, k);
  // The feature block's parameters are checked here, before the backend loads or anything trains.
  const block: ResolvedBlock | null = opts.features && opts.features.block !== 'raw' ? blockForWindows(opts.features.block, opts.features.params, train, opts.units) : null;
  if (opts.features?.block === 'raw') blockForWindows('raw', opts.features.params, train, opts.units);
  if (block && !opts.model && !(FEATURE_PRESETS as readonly string[]).includes(opts.preset)) {
    throw badInput(`the ${opts.preset} preset convolves over a window's samples; the ${block.block} front-end gives one vector of ${block.count} features per window`, {
      remedy: `use --preset ${FEATURE_PRESETS.join(' or --preset ')} with --features spectral|flatten (or --features raw for the convolutional presets)`,
    });
  }
  if (!block && !opts.model && (opts.preset === 'feature-conv' || opts.preset === 'frame-conv')) {
    throw badInput(`the ${opts.preset} preset takes a feature block's vector, not raw windows`, { remedy: 'add --features spectral (or flatten), or pick --preset conv1d, conv1d-small or dsconv' });
  }

  const choice = await selectBackend(opts.backend);
  const identity = { mean: train.axes.map(() => 0), std: train.axes.map(() => 1) };
  const normalisation: Normalisation = opts.normalise === false || block ? identity : fitNormalisation(train);
  const fitted = block ? fitFeatureSettings(train, block) : null;
  const tr = fitted ? featureSet(train, block!.names, standardise(fitted.features, fitted.settings.standardisation)) : applyNormalisation(train, normalisation);
  const va = fitted ? standardisedFeatureSet(split.val, fitted.settings, block!) : applyNormalisation(split.val, normalisation);
  const te = split.test ? (fitted ? standardisedFeatureSet(split.test, fitted.settings, block!) : applyNormalisation(split.test, normalisation)) : undefined;
  const inputShape = [tr.windowLength, tr.axes.length];
  const per = inputShape[0] * inputShape[1];

  const channels = block ? new Set(block.names.map((n) => n.slice(0, n.lastIndexOf('.')))).size : undefined;
  // A block whose shape has rows (spectral, spectrum 'frames') gives frame-conv its frames.
  const frames = block && block.shape.length === 2 ? block.shape[0] : undefined;
  const model = opts.model ?? buildModel(opts.preset, { windowLength: tr.windowLength, axes: tr.axes.length, classes: k, seed: opts.seed, ...(channels ? { channels } : {}), ...(frames ? { frames } : {}) });
  model.compile({
    optimizer: opts.optimizer === 'adam' ? tf.train.adam(opts.learningRate) : tf.train.sgd(opts.learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });

  const rng = mulberry32(opts.seed).fork('train-shuffle');
  const augRng = mulberry32(opts.seed).fork('train-augment');
  const indices = Array.from({ length: tr.y.length }, (_, i) => i);
  const yAll = oneHot(tr.y, k);
  const history: EpochRecord[] = [];
  const haveVal = va.y.length > 0;
  let best = { loss: Infinity, epoch: 0, weights: null as tf.Tensor[] | null };
  let stoppedEarly = false;
  let interrupted = false;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = performance.now();
      const order = shuffled(indices, rng);
      let source = tr.x;
      if (opts.augment) {
        // Augment in sensor units (rotations are physical there), then normalise as usual.
        source = augmentWindows(train, opts.augment, augRng);
        if (fitted) {
          source = standardise(computeFeatures({ ...train, x: source }, block!), fitted.settings.standardisation);
        } else {
          const nA = train.axes.length;
          for (let i = 0; i < source.length; i++) source[i] = (source[i] - normalisation.mean[i % nA]) / normalisation.std[i % nA];
        }
      }
      const xs = new Float32Array(order.length * per);
      const ys = new Float32Array(order.length * k);
      order.forEach((src, dst) => {
        xs.set(source.subarray(src * per, (src + 1) * per), dst * per);
        ys.set(yAll.subarray(src * k, (src + 1) * k), dst * k);
      });
      const xt = tf.tensor(xs, [order.length, ...inputShape]);
      const yt = tf.tensor2d(ys, [order.length, k]);
      let h: tf.History;
      try {
        h = await model.fit(xt, yt, {
          epochs: 1,
          batchSize: opts.batchSize,
          shuffle: false,
          verbose: 0,
          ...(classWeights ? { classWeight: Object.fromEntries(classWeights.map((w, c) => [c, w])) } : {}),
        });
      } finally {
        tf.dispose([xt, yt]);
      }
      const loss = Number(h.history.loss[0]);
      const accuracy = Number((h.history.acc ?? h.history.accuracy)[0]);
      const v = haveVal ? evaluateModel(model, va) : null;
      const rec: EpochRecord = {
        epoch,
        loss,
        accuracy,
        valLoss: v ? v.loss : null,
        valAccuracy: v ? v.metrics.accuracy : null,
        seconds: (performance.now() - t0) / 1000,
      };
      history.push(rec);
      opts.onEpoch?.(rec, opts.epochs);
      if (!Number.isFinite(loss)) {
        throw badInput(`training diverged at epoch ${epoch} (loss ${loss})`, { remedy: 'Lower the learning rate (e.g. --lr 0.001) or check the data for extreme values.' });
      }
      if (v && opts.earlyStopping) {
        if (v.loss < best.loss) {
          best.weights?.forEach((w) => w.dispose());
          best = { loss: v.loss, epoch, weights: model.getWeights().map((w) => w.clone()) };
        } else if (epoch - best.epoch >= opts.earlyStopping.patience) {
          stoppedEarly = true;
          break;
        }
      }
      if (opts.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
    if (best.weights) model.setWeights(best.weights);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    best.weights?.forEach((w) => w.dispose());
  }
  const bestEpoch = best.weights ? best.epoch : history.length;

  const settings: ModelSettings = {
    task: 'classification',
    labels: train.labels.slice(),
    axes: train.axes.slice(),
    units: opts.units ?? train.axes.map(() => 'g'),
    sampleRateHz: train.sampleRateHz,
    windowLength: train.windowLength,
    windowStride: opts.windowStride ?? train.windowLength,
    normalisation,
    ...(fitted ? { features: fitted.settings } : {}),
  };
  const report = buildReport({ model, backend: choice.backend, opts, classWeights, history, bestEpoch, stoppedEarly, interrupted, train: tr, val: va, test: te, frontEndParams: block?.params });
  if (opts.anomaly) {
    const a = fitAnomaly({ train: tr.x, val: va.x, dims: per, k: opts.anomaly.k, quantile: opts.anomaly.quantile, seed: opts.seed });
    settings.anomaly = a;
    const share = (ws: WindowSet | undefined) => (ws && ws.y.length ? anomalyRate(a, ws.x, per) : null);
    report.anomaly = { clusters: a.centroids.length, quantile: a.quantile, threshold: a.threshold, thresholdFrom: a.thresholdFrom, flagged: { train: share(tr)!, val: share(va), test: share(te) } };
  }
  const heldOut = split.test && split.test.y.length ? split.test : split.val.y.length ? split.val : train;
  const windows = { representative: sampleWindows(train, REPRESENTATIVE_MAX, opts.seed), heldOut };
  return { model, settings, history, report, backend: choice.backend, windows };
}

interface ReportInput {
  model: tf.LayersModel;
  backend: string;
  opts: TrainOptions;
  classWeights: number[] | null;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  interrupted: boolean;
  train: WindowSet;
  val: WindowSet;
  test?: WindowSet;
  frontEndParams?: Record<string, unknown>;
}

function buildReport(r: ReportInput): EvalReport {
  const k = r.train.labels.length;
  const evTrain = evaluateModel(r.model, r.train);
  const evVal = r.val.y.length ? evaluateModel(r.model, r.val) : null;
  const evTest = r.test && r.test.y.length ? evaluateModel(r.model, r.test) : null;
  const held = evTest ?? evVal ?? evTrain;
  const trainPerClass = new Array<number>(k).fill(0);
  for (const c of r.train.y) trainPerClass[c]++;
  const uniq = (g: string[]) => [...new Set(g)].sort();
  const accuracy = { train: evTrain.metrics.accuracy, val: evVal ? evVal.metrics.accuracy : null, test: evTest ? evTest.metrics.accuracy : null };
  return {
    tinyforgeVersion: TINYFORGE_VERSION,
    task: 'classification',
    labels: r.train.labels.slice(),
    backend: r.backend,
    training: {
      preset: r.opts.preset,
      optimizer: r.opts.optimizer,
      learningRate: r.opts.learningRate,
      batchSize: r.opts.batchSize,
      epochsRequested: r.opts.epochs,
      epochsRun: r.history.length,
      bestEpoch: r.bestEpoch,
      stoppedEarly: r.stoppedEarly,
      interrupted: r.interrupted,
      seed: r.opts.seed,
      classWeights: r.classWeights,
      augment: r.opts.augment ?? null,
    },
    data: {
      counts: { train: r.train.y.length, val: r.val.y.length, test: r.test?.y.length ?? 0 },
      trainPerClass,
      groups: { train: uniq(r.train.groups), val: uniq(r.val.groups), test: uniq(r.test?.groups ?? []) },
      ...(r.opts.split ? { split: r.opts.split } : {}),
    },
    history: r.history,
    frontEnd: r.opts.features && r.opts.features.block !== 'raw'
      ? { block: r.opts.features.block, params: r.frontEndParams ?? {}, features: r.train.axes.length }
      : { block: 'raw', params: {}, features: r.train.windowLength * r.train.axes.length },
    accuracy,
    evaluatedOn: evTest ? 'test' : evVal ? 'validation' : 'train',
    metrics: held.metrics,
    verdict: fitVerdict(
      { train: accuracy.train, val: accuracy.val ?? undefined, test: accuracy.test ?? undefined },
      k,
      { val: r.val.y.length || undefined, test: evTest ? r.test!.y.length : undefined },
      r.opts.split ? { groups: r.opts.split.groups, apart: r.opts.split.apart } : undefined,
    ),
    size: modelSize(r.model),
  };
}
