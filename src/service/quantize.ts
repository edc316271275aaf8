/**
 * Service: the int8 step (quantize / convert) and eval. A float model + calibration windows →
 * full-integer .tflite, what int8 costs on held-out windows, and the files a firmware needs
 * (model.tflite, model_data.h/.cc, settings.json with the I/O quantisation).
 */
import type { Platform } from './ports.js';
import { perLayerDiagnostics, type PerLayerReport } from '../quantize/per-layer.js';
import { readTflite } from '../tflite/reader.js';
import { saturationWarning } from '../interp/saturation.js';
import { blockFromSettings, featureSqnr, int8FeatureInputs } from '../features/index.js';
import { withModelQuant } from '../firmware/model-settings.js';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, unsupported, usageError } from '../core/errors.js';
import { numElements, type Graph } from '../core/graph.js';
import { quantize, validateOptions, type QuantizeResult } from '../quantize/index.js';
import type { EvalReport } from '../quantize/eval.js';
import { evaluateInt8 } from '../quantize/evaluate.js';
import { type ArrayData } from '../quantize/array-data.js';
import { modelCArray } from '../tflite/carray.js';
import { writeTflite } from '../tflite/writer.js';

export const QUANTIZE_DEFAULT_MAX_EXAMPLES = 1000;

export interface QuantizeStageInput {
  model: tf.LayersModel;
  settings?: ModelSettings;
  /** Normalised calibration windows [n, ...inputShape]. */
  calibration: ArrayData;
  /** Labelled held-out windows: when given, float vs int8 is measured on them. */
  evaluation?: ArrayData;
  /** The same held-out windows in sensor units: with a feature block, int8 is measured on the board's integer inputs. */
  evaluationRaw?: WindowSet;
  /** Calibrate on at most this many examples (default 1000). */
  maxExamples?: number;
  inputType?: string;
  outputType?: string;
  perChannelDense?: boolean;
  /** Refused with a clear remedy (TFLM needs full-integer int8 models). */
  dynamicRange?: boolean;
  uint8?: boolean;
}

export interface QuantizeStageResult {
  result: QuantizeResult;
  bytes: Uint8Array;
  settings?: ModelSettings;
  floatParams: number;
  /** Examples the activation ranges were calibrated on. */
  calibrated: number;
  eval: EvalReport | null;
  seconds: number;
}

/** The first `max` examples of `d`. */
/** `v`, or a bad-input error saying which data is missing and how to give it. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) {
    throw badInput(`no ${what} data`, { remedy: 'Pass --data FILE.json ({"x": [...], "shape": [...], "y": [...]}) or a train directory (tinyforge train --out DIR) as --model or --data.' });
  }
  return v;
}

export function firstExamples(d: ArrayData, max: number): { x: Float32Array; shape: number[] } {
  const n = Math.min(d.shape[0], max);
  const per = numElements(d.shape.slice(1));
  return { x: d.x.subarray(0, n * per), shape: [n, ...d.shape.slice(1)] };
}

/** Refuses what TFLM cannot run (hybrid, uint8) and unknown I/O types, before any work. */
export function checkQuantizeMode(i: Pick<QuantizeStageInput, 'dynamicRange' | 'uint8' | 'inputType' | 'outputType'>): void {
  if (i.dynamicRange) {
    throw unsupported('dynamic-range (hybrid) quantisation is not supported', { remedy: 'TFLM needs full-integer models: drop --dynamic-range and give representative data with --data.' });
  }
  if (i.uint8) throw unsupported('uint8 quantisation is not supported', { remedy: "Use the default int8 (TFLM's int8 kernels); uint8 is deprecated in TFLite." });
  validateOptions({ inputType: i.inputType, outputType: i.outputType });
}

export function quantizeStage(i: QuantizeStageInput): QuantizeStageResult {
  checkQuantizeMode(i);
  const max = i.maxExamples ?? QUANTIZE_DEFAULT_MAX_EXAMPLES;
  if (!Number.isInteger(max) || max < 1) throw usageError(`--max-examples must be a positive integer, got '${max}'`, { remedy: 'e.g. --max-examples 500' });
  const t0 = Date.now();
  const rep = firstExamples(i.calibration, max);
  const result = quantize(i.model, rep, {
    inputType: (i.inputType ?? 'int8') as 'int8' | 'float32',
    outputType: (i.outputType ?? 'int8') as 'int8' | 'float32',
    perChannelDense: Boolean(i.perChannelDense),
    settings: i.settings,
  });
  const bytes = writeTflite(result.model);
  const block = result.settings ? blockFromSettings(result.settings) : null;
  const evaluation = i.evaluation && block && i.evaluationRaw ? { ...i.evaluation, int8: int8FeatureInputs(i.evaluationRaw, result.settings!, block) } : i.evaluation;
  const evalReport = evaluation && evaluation.shape[0] > 0 ? evaluateInt8(i.model, result.model.graph, evaluation) : null;
  return { result, bytes, settings: result.settings, floatParams: i.model.countParams(), calibrated: rep.shape[0], eval: evalReport, seconds: (Date.now() - t0) / 1000 };
}

export interface EvaluateModelInput {
  /** A train directory, or a tfjs Layers model folder / model.json (the float reference). */
  model: string;
  /** Labelled evaluation data: a data file or a train directory (default: the model's held-out windows). */
  data?: string;
  /** Evaluation data already in hand (recordings the caller imported); wins over `data`. */
  evaluation?: (settings: ModelSettings | undefined, model: tf.LayersModel) => ArrayData;
  /** The int8 .tflite to evaluate (default: quantise the model now, calibrated on `rep`). */
  tflite?: string;
  /** Representative data when `tflite` is not given (default: the train directory's calibration windows). */
  rep?: string;
  maxExamples?: number;
  /** Also compare every layer's float activation with its dequantised int8 tensor. */
  perLayer?: boolean;
  /** Where the work is: a phase, and for 'per-layer' the windows done of `total`. */
  onProgress?: (p: EvalProgress) => void;
}

export interface EvalProgress {
  phase: 'loading' | 'quantising' | 'evaluating' | 'per-layer';
  done: number;
  total: number;
}

export type EvaluateModelResult = EvalReport & {
  modelBytes: number;
  tflite: string | null;
  /** The front-end the model reads: raw windows, or a feature block and its feature count (docs/features.md). */
  frontEnd: { block: string; features: number | null };
  perLayer?: PerLayerReport;
  /** With perLayer and a feature block: each feature's SQNR (integer vs float reference), over perFeatureWindows windows. */
  perFeature?: ReturnType<typeof featureSqnr>;
  perFeatureWindows?: number;
  /** Saturated inputs/outputs, in words with the remedy, or null. */
  warning: string | null;
};

/** `tinyforge eval` and the studio's diagnostics: float vs int8 (and per layer) on labelled data. */
export async function evaluateModel(io: Pick<Platform, 'files' | 'models'>, i: EvaluateModelInput): Promise<EvaluateModelResult> {
  const { loadSources } = io.models;
  const { exists, readBytes } = io.files;
  const progress = i.onProgress ?? (() => {});
  progress({ phase: 'loading', done: 0, total: 1 });
  const src = await loadSources({ model: i.model, data: i.evaluation ? undefined : i.data });
  if (i.evaluation) src.evaluation = i.evaluation(src.settings, src.model);
  const data = need(src.evaluation, 'evaluation');
  let graph: Graph;
  let modelBytes: number;
  if (i.tflite) {
    if (!exists(i.tflite)) throw badInput(`.tflite not found: ${i.tflite}`, { remedy: 'Check the path, or omit --tflite to quantise now.' });
    const bytes = readBytes(i.tflite);
    modelBytes = bytes.length;
    graph = readTflite(bytes).graph;
  } else {
    progress({ phase: 'quantising', done: 0, total: 1 });
    const repSrc = i.rep ? await loadSources({ model: i.model, data: i.rep }) : src;
    const r = quantizeStage({ model: src.model, calibration: need(repSrc.calibration, 'representative'), maxExamples: i.maxExamples });
    modelBytes = r.bytes.length;
    graph = r.result.model.graph;
  }
  const n = data.shape[0];
  // With a feature block the int8 inputs are the board's: integer features folded to int8, not the float features quantised.
  const fs = src.settings?.features && src.heldOutRaw && !i.data && !i.evaluation ? withModelQuant(src.settings, graph) : undefined;
  const fsBlock = fs ? blockFromSettings(fs) : null;
  if (fs && fsBlock && fs.inputQuant) data.int8 = int8FeatureInputs(src.heldOutRaw!, fs, fsBlock);
  progress({ phase: 'evaluating', done: 0, total: n });
  const report = evalStage(src.model, graph, data);
  const perLayer = i.perLayer ? perLayerDiagnostics(src.model, graph, data.x, n, (done) => progress({ phase: 'per-layer', done, total: n })) : undefined;
  const block = src.settings ? blockFromSettings(src.settings) : null;
  const frontEnd = { block: block?.block ?? 'raw', features: block?.count ?? null };
  const perFeature = i.perLayer && block && src.heldOutRaw ? featureSqnr(src.heldOutRaw, block) : undefined;
  return { ...report, modelBytes, tflite: i.tflite ?? null, frontEnd, ...(perLayer ? { perLayer } : {}), ...(perFeature ? { perFeature, perFeatureWindows: src.heldOutRaw!.y.length } : {}), warning: report.saturation ? saturationWarning(graph, report.saturation) : null };
}

/** Float vs int8 of an existing graph on labelled data (tinyforge eval). */
export function evalStage(model: tf.LayersModel, graph: Graph, data: ArrayData): EvalReport {
  return evaluateInt8(model, graph, data);
}

export interface ModelFile {
  path: string;
  contents: string | Uint8Array;
}

/** model.tflite (named `tfliteName`), model_data.h/.cc and settings.json (when known), generated before any is written. */
export function modelFiles(q: Pick<QuantizeStageResult, 'bytes' | 'result' | 'settings'>, opts: { name?: string; tfliteName?: string } = {}): ModelFile[] {
  const carray = modelCArray(q.bytes, { graph: q.result.model.graph, ...(q.settings ? { settings: q.settings } : {}), ...(opts.name ? { name: opts.name } : {}) });
  return [
    { path: opts.tfliteName ?? 'model.tflite', contents: q.bytes },
    ...carray.map((g) => ({ path: g.path, contents: g.contents })),
    ...(q.settings ? [{ path: 'settings.json', contents: JSON.stringify(q.settings, null, 2) + '\n' }] : []),
  ];
}

/** Writes each file atomically into `dir` (created); returns the paths. */
export function writeModelFiles(io: Pick<Platform, 'files'>, dir: string, files: readonly ModelFile[]): string[] {
  const { makeDir, writeFileAtomic } = io.files;
  try {
    makeDir(dir);
  } catch (e) {
    throw badInput(`cannot create ${dir}`, { cause: e, remedy: 'Choose a writable output folder.' });
  }
  return files.map((f) => {
    const p = join(dir, f.path);
    writeFileAtomic(p, f.contents);
    return p;
  });
}
