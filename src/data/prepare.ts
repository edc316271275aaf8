/**
 * One call from recordings to training-ready windows: split by group (before windowing), window
 * each split with one shared class order, fit the normalisation on TRAIN only.
 * The returned windows are NOT normalised; apply `normalisation` (applyNormalisation) where needed.
 */
import type { ModelSettings, Normalisation, Recording, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { ACTIVITIES, builtinDataset, type BuiltinOptions } from './simulator.js';
import { splitByGroup, type SplitOptions, type SplitReport } from './split.js';
import { applyNormalisation, fitNormalisation, windowRecordings } from './window.js';

export interface PrepareOptions extends SplitOptions {
  /** Samples per window. */
  length: number;
  /** Hop between windows, samples. */
  stride: number;
  axes?: string[];
  /** Class order (default: sorted distinct labels of all recordings). */
  labels?: string[];
}

/**
 * The one rule for which classes are used (`data split`, `train`, `run`): `labels` (data.labels)
 * names the classes, in order — recordings of other classes are left out and counted; `exclude`
 * (data.excludeLabels, --exclude-labels) leaves classes out. A class named in either that the
 * data does not have is an error (a typo must not silently drop a class).
 */
export function selectClasses(recs: readonly Recording[], labels?: readonly string[], exclude?: readonly string[]): { recordings: Recording[]; labels: string[]; leftOut: { label: string; recordings: number }[] } {
  const present = new Set(recs.map((r) => r.label));
  for (const [what, list] of [['data.labels', labels], ['--exclude-labels / data.excludeLabels', exclude]] as const) {
    const missing = (list ?? []).filter((l) => !present.has(l));
    if (missing.length) {
      throw badInput(`${what} names class${missing.length > 1 ? 'es' : ''} the data does not have: ${missing.slice(0, 8).join(', ')} (classes: ${[...present].sort().slice(0, 12).join(', ')})`, { remedy: 'fix the class names (data inspect lists them)' });
    }
  }
  const excluded = new Set(exclude ?? []);
  const keep = labels ? new Set(labels) : present;
  const order = (labels ? [...labels] : [...present].sort()).filter((l) => !excluded.has(l));
  const counts = new Map<string, number>();
  const out: Recording[] = [];
  for (const r of recs) {
    if (keep.has(r.label) && !excluded.has(r.label)) out.push(r);
    else counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  }
  return { recordings: out, labels: order, leftOut: [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([label, recordings]) => ({ label, recordings })) };
}

export interface PreparedDataset {
  labels: string[];
  axes: string[];
  sampleRateHz: number;
  windowLength: number;
  windowStride: number;
  train: WindowSet;
  val: WindowSet;
  test: WindowSet;
  /** Fitted on `train` only. */
  normalisation: Normalisation;
  split: SplitReport;
  /** Recordings of classes left out (data.labels, excludeLabels), per class. */
  leftOut?: { label: string; recordings: number }[];
}

export function prepareDataset(recs: readonly Recording[], opts: PrepareOptions): PreparedDataset {
  checkWindowFits(recs, opts.length);
  const labels = opts.labels ?? [...new Set(recs.map((r) => r.label))].sort();
  const { train, val, test, report } = splitByGroup(recs, opts);
  const wopts = { length: opts.length, stride: opts.stride, axes: opts.axes ?? recs[0].axes, labels };
  const win = (part: Recording[]): WindowSet =>
    part.length ? windowRecordings(part, wopts) : { axes: wopts.axes.slice(), labels: labels.slice(), windowLength: opts.length, sampleRateHz: recs[0].sampleRateHz, x: new Float32Array(0), y: new Int32Array(0), groups: [] };
  const tr = win(train);
  return {
    labels: labels.slice(),
    axes: tr.axes,
    sampleRateHz: tr.sampleRateHz,
    windowLength: opts.length,
    windowStride: opts.stride,
    train: tr,
    val: win(val),
    test: win(test),
    normalisation: fitNormalisation(tr),
    split: report,
  };
}

/** A window longer than every recording gives no window at all: say so, naming both lengths. */
export function checkWindowFits(recs: readonly Recording[], length: number): void {
  if (recs.length === 0) return;
  let longest = recs[0];
  for (const r of recs) if (r.samples.length / r.axes.length > longest.samples.length / longest.axes.length) longest = r;
  const frames = longest.samples.length / longest.axes.length;
  if (frames < length) {
    const rate = longest.sampleRateHz;
    throw badInput(`the window is ${length} samples (${(length / rate).toFixed(2)} s at ${rate} Hz), longer than every recording: the longest is ${frames} samples (${(frames / rate).toFixed(2)} s, ${longest.source ?? `${longest.label}/${longest.group}`})`, {
      remedy: `use a window of at most ${frames} samples (--window / data.windowLength), or longer recordings`,
      details: { windowLength: length, longestRecording: frames },
    });
  }
}

/** Default windowing of the built-in dataset: 2 s windows, 1 s hop (100 / 50 samples at 50 Hz). */
export function builtinWindowing(rateHz: number): { length: number; stride: number } {
  return { length: Math.round(2 * rateHz), stride: Math.round(rateHz) };
}

/** The built-in dataset, split by subject (seeded), windowed (2 s / 1 s) and with normalisation.
 * Classes in the order idle, walking, running, biking, golfing. */
export function builtinPrepared(opts: BuiltinOptions & Partial<PrepareOptions> & { excludeLabels?: string[] } = {}): PreparedDataset {
  const all = builtinDataset(opts);
  const w = builtinWindowing(all[0].sampleRateHz);
  const sel = selectClasses(all, opts.labels ?? [...ACTIVITIES], opts.excludeLabels);
  return { ...prepareDataset(sel.recordings, { ...opts, length: opts.length ?? w.length, stride: opts.stride ?? w.stride, labels: sel.labels }), ...(sel.leftOut.length ? { leftOut: sel.leftOut } : {}) };
}

/**
 * Recordings → the windows a trained model takes (eval / verify on new recordings): the model's
 * window length and stride, axes and class order, and its normalisation applied. The rate must
 * match the model's within 1 % (a model runs at one rate); labels outside its classes are an error.
 */
export function windowsForModel(recs: readonly Recording[], s: ModelSettings): WindowSet {
  return applyNormalisation(rawWindowsForModel(recs, s), s.normalisation);
}

/** The same windows in sensor units, not normalised (a model with a feature block computes its features from these). */
export function rawWindowsForModel(recs: readonly Recording[], s: ModelSettings): WindowSet {
  const off = recs.find((r) => Math.abs(r.sampleRateHz - s.sampleRateHz) > 0.01 * s.sampleRateHz);
  if (off) {
    throw badInput(`${off.source ?? 'a recording'} is at ${off.sampleRateHz} Hz, the model was trained at ${s.sampleRateHz} Hz`, { remedy: 'import recordings at the model\'s rate (declare --rate if the file has no timestamps)' });
  }
  const ws = windowRecordings(recs, { length: s.windowLength, stride: s.windowStride, axes: s.axes, labels: s.labels });
  if (ws.y.length === 0) throw badInput(`no window of ${s.windowLength} samples fits in the ${recs.length} recording(s)`, { remedy: 'use recordings at least one window long' });
  return ws;
}
